//! The OpenAPI document, generated from the handlers' annotations, and a viewer.

use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{activity, backfill, downloads, health, imports, matching, metrics, search, settings};
use super::{spotify, status, wanted, watchlist};

#[derive(OpenApi)]
#[openapi(
    info(title = "Harmony", description = "Self-hosted music acquisition through slskd."),
    paths(
        status::get_status,
        health::live,
        health::ready,
        metrics::get_metrics,
        settings::get_settings,
        settings::put_settings,
        settings::get_history,
        activity::list_activity,
        downloads::create,
        downloads::list,
        downloads::get,
        downloads::patch,
        downloads::cancel,
        downloads::retry,
        downloads::events,
        downloads::artifacts::get_metadata,
        downloads::artifacts::refresh_metadata,
        downloads::artifacts::get_artwork,
        downloads::artifacts::refresh_artwork,
        downloads::artifacts::get_lyrics,
        downloads::artifacts::refresh_lyrics,
        wanted::create,
        wanted::list,
        wanted::get,
        wanted::cancel,
        wanted::search,
        wanted::candidates,
        wanted::pick,
        wanted::reject,
        matching::score,
        search::search,
        spotify::status,
        spotify::authorize,
        spotify::callback,
        spotify::playlists,
        spotify::patch_playlist,
        spotify::sync_now,
        watchlist::list,
        watchlist::add,
        watchlist::remove,
        watchlist::check,
        imports::create,
        imports::get,
        backfill::create,
        backfill::get,
        openapi_json,
        docs,
    ),
    components(schemas(super::error::ErrorBody, super::error::ErrorDetail, super::error::FieldError)),
    modifiers(&Security),
    security(("api_key" = []), ("bearer" = []))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as JSON, built once at start.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_json()
        .unwrap_or_else(|_| "{}".to_string())
}

#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "This OpenAPI 3 document")))]
pub async fn openapi_json(doc: actix_web::web::Data<super::AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.openapi.clone())
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harmony API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<script id="api-reference" data-url="openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
<noscript>The interactive viewer needs JavaScript; the raw document is at <a href="openapi.json">/openapi.json</a>.</noscript>
</body>
</html>
"#;

#[utoipa::path(get, path = "/docs", tag = "operations",
    responses((status = 200, description = "Interactive API viewer", content_type = "text/html")))]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(DOCS_PAGE)
}
