//! Fakes of the notification receivers, one actix-web server on 127.0.0.1
//! serving all five kinds under their own paths, each answering like the
//! real one:
//! - a generic webhook receiver (`/hook/{name}`): checks
//!   `X-Harmony-Signature` (HMAC-SHA256 of the body with its secret) and
//!   answers 401 to a wrong one;
//! - ntfy (`/ntfy/{topic}`): body = message, `Title`, `Priority` 1–5 (else
//!   400 `{"code":40007}`), `Tags`; with a token, `Authorization: Bearer`
//!   (else 403 `{"code":40301}`); answers 200 with the message JSON;
//! - Discord (`/api/webhooks/{id}/{token}`): JSON with `content` or
//!   `embeds` (else 400 `{"code":50006}`); 204; a rate limit is 429 with
//!   `Retry-After` and JSON `retry_after` (seconds);
//! - Gotify (`/gotify/message`): `X-Gotify-Key` or `?token=` (else 401),
//!   JSON `{"title","message","priority"}` (`message` required, else 400);
//! - Apprise API (`/apprise/notify/{key}`): JSON `{"title","body","type"}`
//!   (`body` required, else 400; an unknown key 204 like a stateful server
//!   without configuration).
//!
//! Scriptable: answer the next requests with a status, a rate limit, a hang
//! (never answers) or a redirect; be down (503) or refuse connections
//! (`stop`, then `restart` on the same port). Every request is recorded.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// How the fake answers one request (taken in order, before the normal answer).
#[derive(Clone, Debug)]
pub enum Scripted {
    Status(u16),
    /// 429 with `Retry-After` (whole seconds, rounded up) and, for Discord,
    /// JSON `retry_after` in seconds.
    RateLimited(f64),
    /// Never answers.
    Hang,
    /// 307 to this location.
    Redirect(String),
}

/// One request as the fake saw it.
#[derive(Clone, Debug)]
pub struct Received {
    /// `webhook`, `ntfy`, `discord`, `gotify`, `apprise` or `other`.
    pub kind: &'static str,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The status it answered (0: it hung).
    pub status: u16,
    /// Webhook only: the signature matched the secret.
    pub signature_ok: Option<bool>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn delivered(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    script: VecDeque<Scripted>,
    down: bool,
    webhook_secret: Option<String>,
    ntfy_token: Option<String>,
    gotify_token: String,
    apprise_keys: Vec<String>,
}

#[derive(Clone)]
pub struct FakeNotify {
    pub url: String,
    pub addr: SocketAddr,
    state: Arc<Mutex<State>>,
    server: Arc<Mutex<Option<ServerHandle>>>,
}

/// What each fake receiver expects as credentials.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub webhook_secret: Option<String>,
    pub ntfy_token: Option<String>,
    pub gotify_token: String,
    pub apprise_keys: Vec<String>,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            webhook_secret: Some("hook-secret-1".into()),
            ntfy_token: Some("tk_ntfy_secret".into()),
            gotify_token: "gotify-app-token".into(),
            apprise_keys: vec!["harmony".into()],
        }
    }
}

fn valid_signature(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(hex) = header.and_then(|h| h.strip_prefix("sha256=")) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == hex
}

fn kind_of(path: &str) -> &'static str {
    if path.starts_with("/hook/") {
        "webhook"
    } else if path.starts_with("/ntfy/") {
        "ntfy"
    } else if path.starts_with("/api/webhooks/") {
        "discord"
    } else if path.starts_with("/gotify/") {
        "gotify"
    } else if path.starts_with("/apprise/") {
        "apprise"
    } else {
        "other"
    }
}

fn error_json(status: u16, body: Value) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap_or_default())
        .json(body)
}

/// The normal answer of each kind.
fn answer(kind: &str, req: &HttpRequest, body: &str, s: &State) -> (HttpResponse, Option<bool>) {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match kind {
        "webhook" => {
            let ok = s.webhook_secret.as_deref().map(|secret| {
                valid_signature(
                    secret,
                    body.as_bytes(),
                    header("X-Harmony-Signature").as_deref(),
                )
            });
            if ok == Some(false) {
                return (
                    error_json(401, json!({"error": "bad signature"})),
                    Some(false),
                );
            }
            (HttpResponse::Ok().json(json!({"ok": true})), ok)
        }
        "ntfy" => {
            if let Some(token) = &s.ntfy_token {
                if header("Authorization").as_deref() != Some(&format!("Bearer {token}")) {
                    return (
                        error_json(
                            403,
                            json!({"code": 40301, "http": 403, "error": "forbidden"}),
                        ),
                        None,
                    );
                }
            }
            if let Some(p) = header("Priority") {
                if !matches!(
                    p.as_str(),
                    "1" | "2"
                        | "3"
                        | "4"
                        | "5"
                        | "min"
                        | "low"
                        | "default"
                        | "high"
                        | "max"
                        | "urgent"
                ) {
                    return (
                        error_json(
                            400,
                            json!({"code": 40007, "http": 400, "error": "invalid request: priority invalid"}),
                        ),
                        None,
                    );
                }
            }
            let topic = req.path().trim_start_matches("/ntfy/").to_string();
            (
                HttpResponse::Ok().json(json!({"id": "x1", "time": 1, "event": "message",
                                               "topic": topic, "message": body})),
                None,
            )
        }
        "discord" => {
            let has_content = json
                .get("content")
                .is_some_and(|c| c.as_str().is_some_and(|c| !c.is_empty()));
            let has_embeds = json
                .get("embeds")
                .and_then(Value::as_array)
                .is_some_and(|e| !e.is_empty());
            if !has_content && !has_embeds {
                return (
                    error_json(
                        400,
                        json!({"message": "Cannot send an empty message", "code": 50006}),
                    ),
                    None,
                );
            }
            (HttpResponse::NoContent().finish(), None)
        }
        "gotify" => {
            let token = header("X-Gotify-Key").or_else(|| {
                req.query_string()
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("token=").map(str::to_string))
            });
            if token.as_deref() != Some(s.gotify_token.as_str()) {
                return (
                    error_json(
                        401,
                        json!({"error": "Unauthorized", "errorCode": 401,
                        "errorDescription": "you need to provide a valid access token or user credentials to access this api"}),
                    ),
                    None,
                );
            }
            if json
                .get("message")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return (
                    error_json(
                        400,
                        json!({"error": "Bad Request", "errorCode": 400,
                        "errorDescription": "Field 'message' is required"}),
                    ),
                    None,
                );
            }
            (
                HttpResponse::Ok().json(json!({"id": 1, "appid": 1, "message": json["message"],
                    "title": json["title"], "priority": json["priority"]})),
                None,
            )
        }
        "apprise" => {
            let key = req.path().trim_start_matches("/apprise/notify/");
            if json
                .get("body")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return (
                    error_json(400, json!({"error": "Payload lacks minimum requirements."})),
                    None,
                );
            }
            if !s.apprise_keys.iter().any(|k| k == key) {
                return (HttpResponse::NoContent().finish(), None);
            }
            (HttpResponse::Ok().body("Notification(s) sent."), None)
        }
        _ => (error_json(404, json!({"error": "not found"})), None),
    }
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<Arc<Mutex<State>>>,
) -> HttpResponse {
    let path = req.path().to_string();
    let kind = kind_of(&path);
    let text = String::from_utf8_lossy(&body).into_owned();
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut record = Received {
        kind,
        path: path.clone(),
        query: req.query_string().to_string(),
        headers,
        body: text.clone(),
        status: 0,
        signature_ok: None,
    };
    let (scripted, down) = {
        let mut s = lock(&state);
        (s.script.pop_front(), s.down)
    };
    let response = match scripted {
        Some(Scripted::Hang) => {
            lock(&state).received.push(record);
            std::future::pending::<()>().await;
            return HttpResponse::Ok().finish();
        }
        Some(Scripted::Status(code)) => error_json(code, json!({"error": format!("scripted {code}")})),
        Some(Scripted::RateLimited(secs)) => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", format!("{}", secs.ceil() as u64)))
            .json(json!({"message": "You are being rate limited.", "retry_after": secs, "global": false})),
        Some(Scripted::Redirect(to)) => HttpResponse::TemporaryRedirect()
            .insert_header(("Location", to))
            .finish(),
        None if down => error_json(503, json!({"error": "down for maintenance"})),
        None => {
            let s = lock(&state);
            let (res, sig) = answer(kind, &req, &text, &s);
            record.signature_ok = sig;
            res
        }
    };
    record.status = response.status().as_u16();
    lock(&state).received.push(record);
    response
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeNotify {
    pub async fn start(credentials: Credentials) -> FakeNotify {
        let state = Arc::new(Mutex::new(State {
            webhook_secret: credentials.webhook_secret,
            ntfy_token: credentials.ntfy_token,
            gotify_token: credentials.gotify_token,
            apprise_keys: credentials.apprise_keys,
            ..State::default()
        }));
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).expect("bind fake notify");
        let addr = listener.local_addr().expect("fake notify address");
        let fake = FakeNotify {
            url: format!("http://{addr}"),
            addr,
            state,
            server: Arc::new(Mutex::new(None)),
        };
        fake.serve(listener);
        fake
    }

    fn serve(&self, listener: std::net::TcpListener) {
        let data = web::Data::new(Arc::clone(&self.state));
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(1 << 20))
                .default_service(web::to(handle))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(0)
        .listen(listener)
        .expect("listen fake notify")
        .run();
        *self.server.lock().unwrap_or_else(|p| p.into_inner()) = Some(server.handle());
        actix_rt::spawn(server);
    }

    /// Refuses connections from now on (the port is closed).
    pub async fn stop(&self) {
        let handle = self.server.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(h) = handle {
            h.stop(false).await;
        }
    }

    /// Listens again on the same port.
    pub async fn restart(&self) {
        let mut tries = 0;
        let listener = loop {
            match std::net::TcpListener::bind(self.addr) {
                Ok(l) => break l,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    actix_rt::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot listen again on {}: {e}", self.addr),
            }
        };
        self.serve(listener);
    }

    /// Answers the next requests so, in order.
    pub fn script(&self, answers: impl IntoIterator<Item = Scripted>) {
        lock(&self.state).script.extend(answers);
    }

    /// 503 to everything while down.
    pub fn set_down(&self, down: bool) {
        lock(&self.state).down = down;
    }

    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    /// Requests of one kind that were answered 2xx.
    pub fn delivered(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.kind == kind && r.delivered())
            .collect()
    }

    pub fn webhook_url(&self, name: &str) -> String {
        format!("{}/hook/{name}", self.url)
    }

    pub fn ntfy_url(&self, topic: &str) -> String {
        format!("{}/ntfy/{topic}", self.url)
    }

    pub fn discord_url(&self) -> String {
        format!("{}/api/webhooks/123456/discord-webhook-token", self.url)
    }

    pub fn gotify_url(&self) -> String {
        format!("{}/gotify", self.url)
    }

    pub fn apprise_url(&self) -> String {
        format!("{}/apprise", self.url)
    }
}
