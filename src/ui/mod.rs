//! The web UI: server-rendered HTML (maud, escaped by construction) under
//! `/`, enhanced by the vendored htmx, live through server-sent events from
//! the lifecycle's broadcast. Every action calls the same operations as the
//! HTTP API (`api::*::ops`); nothing here changes state by itself.

pub mod activity;
pub mod assets;
pub mod dashboard;
pub mod downloads;
pub mod error;
pub mod form;
pub mod guard;
pub mod layout;
pub mod live;
pub mod login;
pub mod settings;
pub mod sources;
pub mod view;
pub mod wanted;

use actix_web::web;

use crate::api::endpoint::resource;

/// Paths the API owns keep API keys; every other path is the UI's (a session).
pub fn is_ui_path(path: &str) -> bool {
    !crate::api::middleware::owns(path)
}

/// Every page and action of the UI.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/ui/assets/{name}").get(assets::serve))
        .service(resource("/ui/live").get(live::stream))
        .service(resource("/login").get(login::page).post(login::submit))
        .service(resource("/logout").post(login::logout))
        .service(resource("/").get(dashboard::page))
        .service(resource("/ui/parts/{part}").get(dashboard::part))
        .service(resource("/wanted").get(wanted::list).post(wanted::add))
        .service(resource("/wanted/{id}").get(wanted::detail))
        .service(resource("/wanted/{id}/{action}").post(wanted::act))
        .service(resource("/downloads").get(downloads::list))
        .service(resource("/downloads/{id}").get(downloads::detail))
        .service(resource("/downloads/{id}/cover").get(downloads::cover))
        .service(resource("/downloads/{id}/{action}").post(downloads::act))
        .service(resource("/sources").get(sources::page))
        .service(resource("/sources/spotify/connect").post(sources::connect_spotify))
        .service(resource("/sources/spotify/sync").post(sources::sync_spotify))
        .service(resource("/sources/spotify/playlists/{id}").post(sources::toggle_playlist))
        .service(resource("/sources/watchlist").post(sources::watch_artist))
        .service(resource("/sources/watchlist/{id}/{action}").post(sources::watchlist_action))
        .service(resource("/sources/imports").post(sources::import))
        .service(resource("/imports/{id}").get(sources::import_page))
        .service(
            resource("/settings")
                .get(settings::page)
                .post(settings::save),
        )
        .service(resource("/activity").get(activity::page));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_keeps_its_paths_and_the_ui_takes_the_rest() {
        for api in [
            "/api/v1/wanted",
            "/status",
            "/metrics",
            "/docs",
            "/openapi.json",
            "/health/live",
        ] {
            assert!(!is_ui_path(api), "{api}");
        }
        for ui in ["/", "/wanted", "/wanted/3", "/login", "/ui/live", "/apiary"] {
            assert!(is_ui_path(ui), "{ui}");
        }
    }
}
