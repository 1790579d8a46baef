//! Fakes of the media servers Harmony asks to rescan (issue 15), each an
//! actix-web server on 127.0.0.1 behaving like the real product:
//!
//! - **Navidrome** (Subsonic API): `/rest/ping` and `/rest/startScan` (also
//!   with `.view`), token auth checked (`t` = md5(password + `s`)); wrong
//!   credentials answer HTTP 200 with `status: failed`, error code 40, a
//!   missing parameter code 10, like Navidrome does.
//! - **Jellyfin**: `POST /Library/Refresh` → 204 and `GET /System/Info`,
//!   with `Authorization: MediaBrowser Token="…"` (or `X-Emby-Token`),
//!   else 401.
//! - **Plex**: `GET /library/sections` (JSON when asked for it) and
//!   `GET /library/sections/{key}/refresh`, with `X-Plex-Token` (header or
//!   query), else 401.
//!
//! `set_down(true)` makes every answer a 503 (an outage); every request is logged.

use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use md5::{Digest, Md5};
use serde_json::json;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Navidrome {
        user: String,
        password: String,
    },
    Jellyfin {
        api_key: String,
    },
    /// Sections: (key, type, title, folders).
    Plex {
        token: String,
        sections: Vec<(String, String, String, Vec<String>)>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: String,
    /// The answer's HTTP status.
    pub status: u16,
    /// The server did what was asked (a Subsonic `failed` body is HTTP 200 but not accepted).
    pub accepted: bool,
}

struct State {
    kind: Kind,
    down: bool,
    log: Vec<Logged>,
}

pub struct FakeMediaServer {
    pub url: String,
    state: Arc<Mutex<State>>,
    server: ServerHandle,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn query_map(req: &HttpRequest) -> std::collections::HashMap<String, String> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

fn subsonic_failed(code: i64, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({"subsonic-response": {
        "status": "failed", "version": "1.16.1", "type": "navidrome", "serverVersion": "0.53.3",
        "openSubsonic": true, "error": {"code": code, "message": message}}}))
}

fn navidrome(req: &HttpRequest, user: &str, password: &str) -> HttpResponse {
    let path = req.path().trim_end_matches(".view");
    if path != "/rest/ping" && path != "/rest/startScan" {
        return HttpResponse::NotFound().finish();
    }
    let q = query_map(req);
    let (Some(u), Some(t), Some(s)) = (q.get("u"), q.get("t"), q.get("s")) else {
        return subsonic_failed(10, "Required parameter is missing");
    };
    if !q.contains_key("v") || !q.contains_key("c") {
        return subsonic_failed(10, "Required parameter is missing");
    }
    if u != user || *t != md5_hex(&format!("{password}{s}")) {
        return subsonic_failed(40, "Wrong username or password");
    }
    let mut body = json!({"status": "ok", "version": "1.16.1", "type": "navidrome",
        "serverVersion": "0.53.3", "openSubsonic": true});
    if path == "/rest/startScan" {
        body["scanStatus"] = json!({"scanning": true, "count": 0, "folderCount": 0});
    }
    HttpResponse::Ok().json(json!({ "subsonic-response": body }))
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn jellyfin(req: &HttpRequest, api_key: &str) -> HttpResponse {
    let authorized = header(req, "Authorization").is_some_and(|a| {
        a.starts_with("MediaBrowser ") && a.contains(&format!("Token=\"{api_key}\""))
    }) || header(req, "X-Emby-Token") == Some(api_key);
    match (req.method().as_str(), req.path()) {
        (_, "/Library/Refresh" | "/System/Info") if !authorized => {
            HttpResponse::Unauthorized().finish()
        }
        ("POST", "/Library/Refresh") => HttpResponse::NoContent().finish(),
        ("GET", "/System/Info") => HttpResponse::Ok().json(json!({
            "ServerName": "nas", "Version": "10.10.7", "Id": "f00d", "OperatingSystem": "Linux"})),
        _ => HttpResponse::NotFound().finish(),
    }
}

fn plex(
    req: &HttpRequest,
    token: &str,
    sections: &[(String, String, String, Vec<String>)],
) -> HttpResponse {
    let q = query_map(req);
    let authorized = header(req, "X-Plex-Token") == Some(token)
        || q.get("X-Plex-Token").map(String::as_str) == Some(token);
    if !authorized {
        return HttpResponse::Unauthorized()
            .content_type("text/html")
            .body("<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>");
    }
    let path = req.path();
    if path == "/library/sections" {
        let dirs: Vec<_> = sections
            .iter()
            .map(|(key, kind, title, folders)| json!({
                "key": key, "type": kind, "title": title, "agent": "tv.plex.agents.music",
                "Location": folders.iter().enumerate().map(|(i, p)| json!({"id": i + 1, "path": p})).collect::<Vec<_>>()
            }))
            .collect();
        return HttpResponse::Ok()
            .json(json!({"MediaContainer": {"size": dirs.len(), "Directory": dirs}}));
    }
    if let Some(key) = path
        .strip_prefix("/library/sections/")
        .and_then(|rest| rest.strip_suffix("/refresh"))
    {
        if sections.iter().any(|(k, ..)| k == key) {
            return HttpResponse::Ok().finish();
        }
        return HttpResponse::NotFound().finish();
    }
    HttpResponse::NotFound().finish()
}

async fn handle(req: HttpRequest, state: web::Data<Arc<Mutex<State>>>) -> HttpResponse {
    let (kind, down) = {
        let st = lock(&state);
        (st.kind.clone(), st.down)
    };
    let res = if down {
        HttpResponse::ServiceUnavailable().finish()
    } else {
        match &kind {
            Kind::Navidrome { user, password } => navidrome(&req, user, password),
            Kind::Jellyfin { api_key } => jellyfin(&req, api_key),
            Kind::Plex { token, sections } => plex(&req, token, sections),
        }
    };
    let status = res.status().as_u16();
    let accepted = (200..300).contains(&status)
        && match &kind {
            Kind::Navidrome { user, password } => {
                let q = query_map(&req);
                q.get("u") == Some(user)
                    && q.get("t").cloned() == q.get("s").map(|s| md5_hex(&format!("{password}{s}")))
                    && q.contains_key("v")
                    && q.contains_key("c")
            }
            _ => true,
        };
    lock(&state).log.push(Logged {
        method: req.method().to_string(),
        path: req.path().to_string(),
        query: req.query_string().to_string(),
        status,
        accepted,
    });
    res
}

impl FakeMediaServer {
    pub async fn start(kind: Kind) -> FakeMediaServer {
        let state = Arc::new(Mutex::new(State {
            kind,
            down: false,
            log: Vec::new(),
        }));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind a fake media server");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        FakeMediaServer {
            url: format!("http://{addr}"),
            state,
            server: handle,
        }
    }

    /// An outage: every answer is a 503 until `set_down(false)`.
    pub fn set_down(&self, down: bool) {
        lock(&self.state).down = down;
    }

    pub fn requests(&self) -> Vec<Logged> {
        lock(&self.state).log.clone()
    }

    /// Rescans the server accepted (Navidrome `startScan` with good
    /// credentials, Jellyfin `Library/Refresh`, each Plex section refresh).
    pub fn rescans(&self) -> Vec<Logged> {
        self.requests()
            .into_iter()
            .filter(|l| {
                (l.path.starts_with("/rest/startScan")
                    || l.path == "/Library/Refresh"
                    || l.path.ends_with("/refresh"))
                    && l.accepted
            })
            .collect()
    }

    pub async fn stop(self) {
        self.server.stop(false).await;
    }
}
