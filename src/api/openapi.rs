//! The OpenAPI document, generated from the handlers' annotations, and a viewer.

use actix_web::HttpResponse;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::Ref;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi};

use super::library;
use super::{activity, backfill, doc_schemas, downloads, error, health, imports, matching};
use super::{metrics, middleware, search, settings, spotify, status, wanted, watchlist};

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
        super::notifications::list,
        super::notifications::create,
        super::notifications::get,
        super::notifications::patch,
        super::notifications::delete,
        super::notifications::test,
        library::get,
        library::files,
        library::scan,
        library::test_media_servers,
        openapi_json,
        docs,
    ),
    components(schemas(
        error::ErrorBody,
        error::ErrorDetail,
        error::ErrorCode,
        error::ErrorDetails,
        error::FieldError,
        error::ValidationErrorBody,
        doc_schemas::DownloadStateName,
        doc_schemas::WantedStateName,
        doc_schemas::ActivityTypeName,
    )),
    modifiers(&Security, &Conventions),
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

/// The conventions of `api.md` §1 that hold for every operation, applied
/// here once instead of repeated on each handler: open paths need no key,
/// every other one may answer 401; a body may be refused with 400 (not
/// JSON, wrong content type), 413 (too large) or 422 (invalid fields); a
/// query with 400 (unparsable). Every error answer has the error shape, and
/// a 422 lists its fields.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = middleware::OPEN_PATHS.contains(&path.as_str());
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                apply_conventions(operation, public);
            }
        }
    }
}

fn apply_conventions(operation: &mut Operation, public: bool) {
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| Response::new(description).into());
    };
    if public {
        operation.security = Some(Vec::new());
    } else {
        add(
            "401",
            "API keys are configured and the request has none or a wrong one",
        );
    }
    if operation.request_body.is_some() {
        add(
            "400",
            "The body is not valid JSON, or its content type is not accepted",
        );
        add(
            "413",
            "The body is over the limit (JSON 1 MiB, uploads 10 MiB)",
        );
        add(
            "422",
            "A missing or invalid field; `details` lists each one",
        );
    }
    let has_query = operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Query);
    if has_query {
        add("400", "The query cannot be parsed");
    }
    for (status, response) in operation.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        let body = match status.as_str() {
            "422" => "ValidationErrorBody",
            s if s.starts_with('4') || s.starts_with('5') => "ErrorBody",
            _ => continue,
        };
        if status == "422" || response.content.is_empty() {
            response.content.clear();
            response.content.insert(
                "application/json".to_string(),
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(body)))
                    .build(),
            );
        }
    }
}

/// The document as JSON. Built for each request, off the async threads: it
/// is asked for rarely (the API reference, a client generator), and kept it
/// would hold 80 KB of memory for the life of the service.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_json()
        .unwrap_or_else(|_| "{}".to_string())
}

#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "get_openapi",
    responses((status = 200, description = "This OpenAPI 3 document", body = Object)))]
pub async fn openapi_json() -> Result<HttpResponse, super::error::ApiError> {
    let doc = actix_web::web::block(document)
        .await
        .map_err(|e| super::error::ApiError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(doc))
}

/// The viewer (Swagger UI, vendored in `docs_viewer/`) is part of the page:
/// `/docs` works on a LAN without internet and needs no other route.
const DOCS_HEAD: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Harmony API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>"#;
const VIEWER_CSS: &str = include_str!("docs_viewer/swagger-ui.css");
const DOCS_BODY: &str = r#"</style></head>
<body>
<div id="swagger-ui"></div>
<noscript>The interactive viewer needs JavaScript; the raw document is at <a href="openapi.json">/openapi.json</a>.</noscript>
<script>"#;
const VIEWER_JS: &str = include_str!("docs_viewer/swagger-ui-bundle.js");
// No online validator: nothing leaves the LAN.
const DOCS_TAIL: &str = r##"</script>
<script>
window.onload = function () {
  window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true });
};
</script>
</body>
</html>
"##;

#[utoipa::path(get, path = "/docs", tag = "operations", operation_id = "get_docs",
    responses((status = 200, description = "Interactive API viewer (served whole from the binary)", content_type = "text/html")))]
pub async fn docs() -> HttpResponse {
    // Static pieces streamed as they are: no 2 MB copy per request.
    let parts = [DOCS_HEAD, VIEWER_CSS, DOCS_BODY, VIEWER_JS, DOCS_TAIL].map(|part| {
        Ok::<_, std::convert::Infallible>(actix_web::web::Bytes::from_static(part.as_bytes()))
    });
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-cache"))
        .streaming(futures_util::stream::iter(parts))
}
