//! The UI's static files, compiled into the binary: nothing is fetched from
//! anywhere else. htmx 2.0.11 and its SSE extension 2.2.4 come from the npm
//! registry unchanged (licences and checksums beside them); gzip copies are
//! sent to browsers that accept them.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    plain: &'static [u8],
    gzip: Option<&'static [u8]>,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "style.css",
        content_type: "text/css; charset=utf-8",
        plain: include_bytes!("assets/style.css"),
        gzip: None,
    },
    Asset {
        name: "htmx.min.js",
        content_type: "text/javascript; charset=utf-8",
        plain: include_bytes!("assets/htmx.min.js"),
        gzip: Some(include_bytes!("assets/htmx.min.js.gz")),
    },
    Asset {
        name: "sse.min.js",
        content_type: "text/javascript; charset=utf-8",
        plain: include_bytes!("assets/sse.min.js"),
        gzip: Some(include_bytes!("assets/sse.min.js.gz")),
    },
    Asset {
        name: "ui.js",
        content_type: "text/javascript; charset=utf-8",
        plain: include_bytes!("assets/ui.js"),
        gzip: None,
    },
    Asset {
        name: "icon.svg",
        content_type: "image/svg+xml",
        plain: include_bytes!("assets/icon.svg"),
        gzip: None,
    },
];

/// Changes with every release, so a new binary's assets are fetched anew
/// while the browser keeps them for a year otherwise.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `/ui/assets/<name>?v=<version>`.
pub fn url(name: &str) -> String {
    format!("/ui/assets/{name}?v={VERSION}")
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

pub async fn serve(req: HttpRequest, name: web::Path<String>) -> HttpResponse {
    let Some(asset) = ASSETS.iter().find(|a| a.name == name.as_str()) else {
        return HttpResponse::NotFound().finish();
    };
    let mut response = HttpResponse::Ok();
    response
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    match asset.gzip {
        Some(gzip) if accepts_gzip(&req) => {
            response.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")));
            response.body(gzip)
        }
        _ => response.body(asset.plain),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn gzip_is_sent_only_to_who_accepts_it() {
        let yes = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "br, gzip;q=0.8"))
            .to_http_request();
        let no = TestRequest::default()
            .insert_header((header::ACCEPT_ENCODING, "gzip;q=0, br"))
            .to_http_request();
        let none = TestRequest::default().to_http_request();
        assert!(accepts_gzip(&yes));
        assert!(!accepts_gzip(&no));
        assert!(!accepts_gzip(&none));
    }
}
