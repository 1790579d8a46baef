//! HTTP handlers: thin — validate, ask an actor or the database, answer.

pub mod activity;
pub mod backfill;
pub mod doc_schemas;
pub mod downloads;
pub mod endpoint;
pub mod error;
pub mod extract;
pub mod health;
pub mod imports;
pub mod json;
pub mod library;
pub mod matching;
pub mod metrics;
pub mod middleware;
pub mod multipart;
pub mod notifications;
pub mod openapi;
pub mod search;
pub mod settings;
pub mod spotify;
pub mod status;
pub mod wanted;
pub mod watchlist;

use actix::Addr;
use actix_web::{web, HttpResponse};

use crate::actors::services::Services;
use crate::actors::supervisor::WorkerSupervisor;
use crate::domain::downloads::artifact_status::ArtifactStatus;
use crate::domain::secret::Secret;
use endpoint::resource;
use error::ApiError;

/// What handlers share.
pub struct AppState {
    pub services: Services,
    pub supervisor: Option<Addr<WorkerSupervisor>>,
    pub settings: crate::settings::Settings,
    pub api_keys: Vec<Secret>,
    pub workers_disabled: bool,
    pub features: Features,
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

/// Feature flags as the service started with them (restart keys).
#[derive(Debug, Clone, Copy)]
pub struct Features {
    pub artwork: bool,
    pub lyrics: bool,
}

impl Features {
    /// The artifact statuses a new download starts with.
    pub fn artwork_status(self) -> ArtifactStatus {
        ArtifactStatus::initial(self.artwork)
    }

    /// The same, as the lifecycle takes them.
    pub fn download_defaults(self) -> crate::domain::wanted::DownloadDefaults {
        crate::domain::wanted::DownloadDefaults {
            artwork_status: self.artwork_status(),
            lyrics_status: self.lyrics_status(),
        }
    }

    pub fn lyrics_status(self) -> ArtifactStatus {
        ArtifactStatus::initial(self.lyrics)
    }
}

impl AppState {
    pub fn supervisor_running(&self) -> bool {
        self.supervisor.as_ref().is_some_and(Addr::connected)
    }
}

async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound("no such route".into()))
}

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extract::json_config())
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .service(resource("/status").get(status::get_status))
        .service(resource("/health/live").get(health::live))
        .service(resource("/health/ready").get(health::ready))
        .service(resource("/metrics").get(metrics::get_metrics))
        .service(resource("/openapi.json").get(openapi::openapi_json))
        .service(resource("/docs").get(openapi::docs))
        .service(
            web::scope("/api/v1")
                .service(
                    resource("/settings")
                        .get(settings::get_settings)
                        .put(settings::put_settings),
                )
                .service(resource("/settings/history").get(settings::get_history))
                .service(resource("/activity").get(activity::list_activity))
                .service(
                    resource("/downloads")
                        .get(downloads::list)
                        .post(downloads::create),
                )
                .service(
                    resource("/downloads/{id}")
                        .get(downloads::get)
                        .patch(downloads::patch)
                        .delete(downloads::cancel),
                )
                .service(resource("/downloads/{id}/retry").post(downloads::retry))
                .service(resource("/downloads/{id}/events").get(downloads::events))
                .service(
                    resource("/downloads/{id}/metadata").get(downloads::artifacts::get_metadata),
                )
                .service(
                    resource("/downloads/{id}/metadata/refresh")
                        .post(downloads::artifacts::refresh_metadata),
                )
                .service(resource("/downloads/{id}/artwork").get(downloads::artifacts::get_artwork))
                .service(
                    resource("/downloads/{id}/artwork/refresh")
                        .post(downloads::artifacts::refresh_artwork),
                )
                .service(resource("/downloads/{id}/lyrics").get(downloads::artifacts::get_lyrics))
                .service(
                    resource("/downloads/{id}/lyrics/refresh")
                        .post(downloads::artifacts::refresh_lyrics),
                )
                .service(resource("/wanted").get(wanted::list).post(wanted::create))
                .service(
                    resource("/wanted/{id}")
                        .get(wanted::get)
                        .delete(wanted::cancel),
                )
                .service(resource("/wanted/{id}/search").post(wanted::search))
                .service(resource("/wanted/{id}/candidates").get(wanted::candidates))
                .service(resource("/wanted/{id}/pick").post(wanted::pick))
                .service(resource("/wanted/{id}/reject").post(wanted::reject))
                .service(
                    resource("/matching/score")
                        .app_data(extract::json_config_with_limit(matching::JSON_LIMIT))
                        .post(matching::score),
                )
                .service(resource("/search").post(search::search))
                .service(resource("/spotify/status").get(spotify::status))
                .service(resource("/spotify/authorize").get(spotify::authorize))
                .service(resource("/spotify/callback").get(spotify::callback))
                .service(resource("/spotify/playlists").get(spotify::playlists))
                .service(resource("/spotify/playlists/{id}").patch(spotify::patch_playlist))
                .service(resource("/spotify/sync").post(spotify::sync_now))
                .service(
                    resource("/watchlist")
                        .get(watchlist::list)
                        .post(watchlist::add),
                )
                .service(resource("/watchlist/{id}").delete(watchlist::remove))
                .service(resource("/watchlist/{id}/check").post(watchlist::check))
                .service(resource("/imports").post(imports::create))
                .service(resource("/imports/{id}").get(imports::get))
                .service(resource("/backfill").post(backfill::create))
                .service(resource("/backfill/{id}").get(backfill::get))
                .service(
                    resource("/notifications/targets")
                        .get(notifications::list)
                        .post(notifications::create),
                )
                .service(
                    resource("/notifications/targets/{id}")
                        .get(notifications::get)
                        .patch(notifications::patch)
                        .delete(notifications::delete),
                )
                .service(resource("/notifications/targets/{id}/test").post(notifications::test))
                .service(resource("/library").get(library::get))
                .service(resource("/library/files").get(library::files))
                .service(resource("/library/scan").post(library::scan))
                .service(resource("/library/media-servers/test").post(library::test_media_servers)),
        )
        .default_service(web::to(not_found));
}
