//! HTTP handlers: thin — validate, ask an actor or the database, answer.

pub mod activity;
pub mod backfill;
pub mod doc_schemas;
pub mod downloads;
pub mod error;
pub mod extract;
pub mod health;
pub mod imports;
pub mod matching;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod search;
pub mod settings;
pub mod spotify;
pub mod status;
pub mod wanted;
pub mod watchlist;

use std::sync::Arc;

use actix::Addr;
use actix_web::{web, HttpResponse, Resource};

use crate::actors::directory::WorkerDirectory;
use crate::actors::registry::WorkerRegistry;
use crate::actors::search_scheduler::SearchHandle;
use crate::actors::spotify::SpotifyAccess;
use crate::actors::supervisor::WorkerSupervisor;
use crate::db::Db;
use crate::domain::secret::Secret;
use crate::metrics::Metrics;
use error::ApiError;

/// What handlers share.
pub struct AppState {
    pub registry: Addr<WorkerRegistry>,
    pub supervisor: Option<Addr<WorkerSupervisor>>,
    pub db: Db,
    pub settings: crate::settings::Settings,
    pub metrics: Arc<Metrics>,
    pub api_keys: Vec<Secret>,
    pub workers_disabled: bool,
    pub openapi: String,
    /// Wakes workers after their job rows are committed.
    pub directory: WorkerDirectory,
    pub features: Features,
    /// The only way to Soulseek searches (shared with the matching worker).
    pub searches: SearchHandle,
    /// The user's Spotify account (shared with the workers).
    pub spotify: SpotifyAccess,
}

/// Feature flags as the service started with them (restart keys).
#[derive(Debug, Clone, Copy)]
pub struct Features {
    pub artwork: bool,
    pub lyrics: bool,
}

impl Features {
    /// The artifact statuses a new download starts with.
    pub fn artwork_status(self) -> &'static str {
        if self.artwork {
            "pending"
        } else {
            "disabled"
        }
    }

    /// The same, as the database layer takes them.
    pub fn download_defaults(self) -> crate::domain::wanted::DownloadDefaults {
        crate::domain::wanted::DownloadDefaults {
            artwork_status: self.artwork_status(),
            lyrics_status: self.lyrics_status(),
        }
    }

    pub fn lyrics_status(self) -> &'static str {
        if self.lyrics {
            "pending"
        } else {
            "disabled"
        }
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

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// A route whose other methods answer 405 in the contract's shape.
fn resource(path: &str) -> Resource {
    web::resource(path).default_service(web::to(method_not_allowed))
}

/// Every route of the service.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(extract::json_config())
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .service(resource("/status").route(web::get().to(status::get_status)))
        .service(resource("/health/live").route(web::get().to(health::live)))
        .service(resource("/health/ready").route(web::get().to(health::ready)))
        .service(resource("/metrics").route(web::get().to(metrics::get_metrics)))
        .service(resource("/openapi.json").route(web::get().to(openapi::openapi_json)))
        .service(resource("/docs").route(web::get().to(openapi::docs)))
        .service(
            web::scope("/api/v1")
                .service(
                    resource("/settings")
                        .route(web::get().to(settings::get_settings))
                        .route(web::put().to(settings::put_settings)),
                )
                .service(resource("/settings/history").route(web::get().to(settings::get_history)))
                .service(resource("/activity").route(web::get().to(activity::list_activity)))
                .service(
                    resource("/downloads")
                        .route(web::get().to(downloads::list))
                        .route(web::post().to(downloads::create)),
                )
                .service(
                    resource("/downloads/{id}")
                        .route(web::get().to(downloads::get))
                        .route(web::patch().to(downloads::patch))
                        .route(web::delete().to(downloads::cancel)),
                )
                .service(resource("/downloads/{id}/retry").route(web::post().to(downloads::retry)))
                .service(resource("/downloads/{id}/events").route(web::get().to(downloads::events)))
                .service(
                    resource("/downloads/{id}/metadata")
                        .route(web::get().to(downloads::artifacts::get_metadata)),
                )
                .service(
                    resource("/downloads/{id}/metadata/refresh")
                        .route(web::post().to(downloads::artifacts::refresh_metadata)),
                )
                .service(
                    resource("/downloads/{id}/artwork")
                        .route(web::get().to(downloads::artifacts::get_artwork)),
                )
                .service(
                    resource("/downloads/{id}/artwork/refresh")
                        .route(web::post().to(downloads::artifacts::refresh_artwork)),
                )
                .service(
                    resource("/downloads/{id}/lyrics")
                        .route(web::get().to(downloads::artifacts::get_lyrics)),
                )
                .service(
                    resource("/downloads/{id}/lyrics/refresh")
                        .route(web::post().to(downloads::artifacts::refresh_lyrics)),
                )
                .service(
                    resource("/wanted")
                        .route(web::get().to(wanted::list))
                        .route(web::post().to(wanted::create)),
                )
                .service(
                    resource("/wanted/{id}")
                        .route(web::get().to(wanted::get))
                        .route(web::delete().to(wanted::cancel)),
                )
                .service(resource("/wanted/{id}/search").route(web::post().to(wanted::search)))
                .service(
                    resource("/wanted/{id}/candidates").route(web::get().to(wanted::candidates)),
                )
                .service(resource("/wanted/{id}/pick").route(web::post().to(wanted::pick)))
                .service(resource("/wanted/{id}/reject").route(web::post().to(wanted::reject)))
                .service(
                    resource("/matching/score")
                        .app_data(extract::json_config_with_limit(matching::JSON_LIMIT))
                        .route(web::post().to(matching::score)),
                )
                .service(resource("/search").route(web::post().to(search::search)))
                .service(resource("/spotify/status").route(web::get().to(spotify::status)))
                .service(resource("/spotify/authorize").route(web::get().to(spotify::authorize)))
                .service(resource("/spotify/callback").route(web::get().to(spotify::callback)))
                .service(resource("/spotify/playlists").route(web::get().to(spotify::playlists)))
                .service(
                    resource("/spotify/playlists/{id}")
                        .route(web::patch().to(spotify::patch_playlist)),
                )
                .service(resource("/spotify/sync").route(web::post().to(spotify::sync_now)))
                .service(
                    resource("/watchlist")
                        .route(web::get().to(watchlist::list))
                        .route(web::post().to(watchlist::add)),
                )
                .service(resource("/watchlist/{id}").route(web::delete().to(watchlist::remove)))
                .service(resource("/watchlist/{id}/check").route(web::post().to(watchlist::check)))
                .service(resource("/imports").route(web::post().to(imports::create)))
                .service(resource("/imports/{id}").route(web::get().to(imports::get)))
                .service(resource("/backfill").route(web::post().to(backfill::create)))
                .service(resource("/backfill/{id}").route(web::get().to(backfill::get))),
        )
        .default_service(web::to(not_found));
}
