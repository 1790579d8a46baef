//! A fake Spotify (Accounts service and Web API, actix-web) that behaves like the real one;
//! see ../shared/reference/spotify-api.md §2 and the checklist in §9.2.
//!
//! It listens on 127.0.0.1 inside the test process. The default profile is a development-mode
//! app after February 2026: playlist entries only under `/playlists/{id}/items` with `item`
//! fields (`/tracks` answers 403), search `limit` at most 10, batch endpoints removed. The
//! `Extended` profile is an extended-quota app: the older field names (`tracks`, `track`),
//! `/tracks` accepted, search limit 50, batch endpoints present.
//!
//! It is self-contained (nothing from `harmony`).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The account every token belongs to.
pub const USER_ID: &str = "harmony-tester";
pub const USER_NAME: &str = "Harmony Tester";
/// What `grant_access_token` grants, and Harmony asks for.
pub const DEFAULT_SCOPE: &str =
    "playlist-read-private playlist-read-collaborative user-library-read user-follow-read";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// Development mode after February 2026.
    #[default]
    Dev2026,
    /// Extended quota: the pre-2026 names and limits.
    Extended,
}

#[derive(Clone, Debug)]
pub struct FakeSpotifyOptions {
    pub client_id: String,
    /// `None`: a public client (PKCE only, no client authentication).
    pub client_secret: Option<String>,
    /// Exact-match list for `redirect_uri`.
    pub redirect_uris: Vec<String>,
    /// Seconds an access token lives.
    pub expires_in: u64,
    /// A refresh answers a new refresh token and revokes the old one.
    pub rotate_refresh_token: bool,
    /// A refresh answers no `refresh_token` at all (keep the old one).
    pub omit_refresh_token_on_refresh: bool,
    /// Pages hold at most this many items, whatever `limit` asked for.
    pub page_cap: Option<u32>,
    pub profile: Profile,
}

impl Default for FakeSpotifyOptions {
    fn default() -> Self {
        FakeSpotifyOptions {
            client_id: "5f0a1c2b3d4e5f60718293a4b5c6d7e8".into(),
            client_secret: None,
            redirect_uris: vec!["http://127.0.0.1:8080/api/v1/spotify/callback".into()],
            expires_in: 3600,
            rotate_refresh_token: false,
            omit_refresh_token_on_refresh: false,
            page_cap: None,
            profile: Profile::Dev2026,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeArtist {
    pub id: String,
    pub name: String,
    pub genres: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeAlbum {
    pub id: String,
    pub name: String,
    pub artist_ids: Vec<String>,
    /// `album`, `single` or `compilation`.
    pub album_type: String,
    /// `album`, `single`, `appears_on` or `compilation` (artist-album lists).
    pub album_group: String,
    pub release_date: String,
    /// `day`, `month` or `year`.
    pub release_date_precision: String,
    pub track_ids: Vec<String>,
    /// (edge in pixels, url).
    pub images: Vec<(u32, String)>,
    pub copyright: Option<String>,
}

impl FakeAlbum {
    /// An album released 2020-01-15 with images 640/300/64 and a copyright.
    pub fn new(id: &str, name: &str, artist_ids: &[&str]) -> FakeAlbum {
        let images = [640, 300, 64]
            .into_iter()
            .map(|edge| (edge, format!("https://i.scdn.co/image/{id}-{edge}")))
            .collect();
        FakeAlbum {
            id: id.into(),
            name: name.into(),
            artist_ids: artist_ids.iter().map(|a| a.to_string()).collect(),
            album_type: "album".into(),
            album_group: "album".into(),
            release_date: "2020-01-15".into(),
            release_date_precision: "day".into(),
            track_ids: Vec::new(),
            images,
            copyright: Some(format!("2020 {name} Records")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeTrack {
    pub id: String,
    pub name: String,
    pub artist_ids: Vec<String>,
    pub album_id: String,
    pub duration_ms: u64,
    pub track_number: u32,
    pub disc_number: u32,
    pub isrc: Option<String>,
}

impl FakeTrack {
    pub fn new(id: &str, name: &str, artist_ids: &[&str], album_id: &str) -> FakeTrack {
        FakeTrack {
            id: id.into(),
            name: name.into(),
            artist_ids: artist_ids.iter().map(|a| a.to_string()).collect(),
            album_id: album_id.into(),
            duration_ms: 200_000,
            track_number: 1,
            disc_number: 1,
            isrc: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// A catalog track by id.
    Track(String),
    /// A local file: `id: null`, `is_local: true`.
    Local {
        name: String,
    },
    Episode {
        id: String,
        name: String,
    },
    /// A track no longer available: `item: null`.
    Null,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakePlaylist {
    pub id: String,
    pub name: String,
    /// The owner's user id.
    pub owner: String,
    pub snapshot_id: String,
    pub entries: Vec<Entry>,
}

impl FakePlaylist {
    /// Owned by the user, snapshot `snapshot-1`.
    pub fn new(id: &str, name: &str, entries: Vec<Entry>) -> FakePlaylist {
        FakePlaylist {
            id: id.into(),
            name: name.into(),
            owner: USER_ID.into(),
            snapshot_id: "snapshot-1".into(),
            entries,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    pub method: String,
    /// As received: `/v1/playlists/{id}/items`.
    pub path: String,
    pub query: String,
    pub authorization_present: bool,
    /// When the request arrived (before any `delay_next`).
    pub at: Instant,
    /// The answer's status; 0 while it is still being answered.
    pub status: u16,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    scope: String,
    used: bool,
}

struct Access {
    issued: Instant,
    expired: bool,
    scope: String,
}

struct Refresh {
    revoked: bool,
    scope: String,
    /// Issued to a PKCE exchange: refreshing needs no client secret.
    pkce: bool,
}

#[derive(Default)]
struct State {
    codes: HashMap<String, Code>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    deny_next: bool,
    /// The account's display name when not [`USER_NAME`].
    user_display_name: Option<String>,
    token_requests: Vec<String>,
    issued_access: Vec<String>,
    issued_refresh: Vec<String>,

    artists: HashMap<String, FakeArtist>,
    albums: HashMap<String, FakeAlbum>,
    album_order: Vec<String>,
    tracks: HashMap<String, FakeTrack>,
    track_order: Vec<String>,
    /// The user's playlists, in list order (editorial ones included).
    playlists: Vec<FakePlaylist>,
    editorial: HashSet<String>,
    /// (track id, added_at), newest first.
    saved: Vec<(String, String)>,
    saves: i64,

    rate_limit: (u32, u64),
    fail: (u32, u16),
    delay: (u32, Duration),
    log: Vec<Recorded>,
}

struct Shared {
    opts: FakeSpotifyOptions,
    /// `http://127.0.0.1:PORT`, known once bound.
    base: OnceLock<String>,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not poison the fake for everybody else.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn base(&self) -> &str {
        self.base.get().map(String::as_str).unwrap_or("")
    }
}

pub struct FakeSpotify {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<ServerHandle>>,
}

impl FakeSpotify {
    /// Listens on a free port of 127.0.0.1. Must be called inside an actix runtime.
    pub async fn start(options: FakeSpotifyOptions) -> FakeSpotify {
        let shared = Arc::new(Shared {
            opts: options,
            base: OnceLock::new(),
            state: Mutex::new(State::default()),
        });
        let (addr, handle) = serve(&shared, ([127, 0, 0, 1], 0).into()).expect("bind fake spotify");
        let _ = shared.base.set(format!("http://{addr}"));
        FakeSpotify {
            addr,
            shared,
            server: Mutex::new(Some(handle)),
        }
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.shared.base())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn accounts_url(&self) -> String {
        self.shared.base().to_string()
    }

    pub fn options(&self) -> &FakeSpotifyOptions {
        &self.shared.opts
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// A valid 22-character base-62 id, the same for the same seed.
    pub fn id(seed: &str) -> String {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        Sha256::digest(seed.as_bytes())
            .iter()
            .take(22)
            .map(|b| ALPHABET[*b as usize % 62] as char)
            .collect()
    }

    // --- Accounts ---

    /// The account's display name from now on (Spotify lets users pick any text).
    pub fn set_user_display_name(&self, name: &str) {
        self.st().user_display_name = Some(name.to_string());
    }

    /// The next `/authorize` redirects with `error=access_denied`, as when the user declines.
    pub fn deny_next_authorization(&self) {
        self.st().deny_next = true;
    }

    /// Every access token issued so far answers 401 "The access token expired".
    pub fn expire_access_tokens(&self) {
        for a in self.st().access.values_mut() {
            a.expired = true;
        }
    }

    /// Every refresh token issued so far answers 400 invalid_grant.
    pub fn revoke_refresh_tokens(&self) {
        for r in self.st().refresh.values_mut() {
            r.revoked = true;
        }
    }

    /// The `grant_type` of every `POST /api/token`, in order ("" when missing).
    pub fn token_requests(&self) -> Vec<String> {
        self.st().token_requests.clone()
    }

    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.st().issued_access.clone()
    }

    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        self.st().issued_refresh.clone()
    }

    /// A valid access token with [`DEFAULT_SCOPE`], without the OAuth dance.
    pub fn grant_access_token(&self) -> String {
        self.st().issue_access(DEFAULT_SCOPE)
    }

    // --- Catalog ---

    pub fn add_artist(&self, artist: FakeArtist) {
        self.st().artists.insert(artist.id.clone(), artist);
    }

    pub fn add_album(&self, album: FakeAlbum) {
        let mut st = self.st();
        if !st.albums.contains_key(&album.id) {
            st.album_order.push(album.id.clone());
        }
        st.albums.insert(album.id.clone(), album);
    }

    /// Also appends the track to its album's track list when it is not there yet.
    pub fn add_track(&self, track: FakeTrack) {
        let mut st = self.st();
        if let Some(album) = st.albums.get_mut(&track.album_id) {
            if !album.track_ids.contains(&track.id) {
                album.track_ids.push(track.id.clone());
            }
        }
        if !st.tracks.contains_key(&track.id) {
            st.track_order.push(track.id.clone());
        }
        st.tracks.insert(track.id.clone(), track);
    }

    /// A track on an album of one artist, both created when new; ids from
    /// [`FakeSpotify::id`] of the names. Returns the track id.
    pub fn add_simple_track(
        &self,
        artist: &str,
        title: &str,
        album: &str,
        duration_ms: u64,
    ) -> String {
        let artist_id = Self::id(&format!("artist:{artist}"));
        let album_id = Self::id(&format!("album:{artist}/{album}"));
        let track_id = Self::id(&format!("track:{artist}/{album}/{title}"));
        let number = {
            let mut st = self.st();
            st.artists
                .entry(artist_id.clone())
                .or_insert_with(|| FakeArtist {
                    id: artist_id.clone(),
                    name: artist.into(),
                    genres: Vec::new(),
                });
            if !st.albums.contains_key(&album_id) {
                st.album_order.push(album_id.clone());
                let new = FakeAlbum::new(&album_id, album, &[artist_id.as_str()]);
                st.albums.insert(album_id.clone(), new);
            }
            st.albums.get(&album_id).map_or(0, |a| a.track_ids.len()) as u32 + 1
        };
        let digits = u64::from_str_radix(&hex(&track_id)[..8], 16).unwrap_or(0) % 100_000;
        self.add_track(FakeTrack {
            duration_ms,
            track_number: number,
            isrc: Some(format!("QZHRM26{digits:05}")),
            ..FakeTrack::new(&track_id, title, &[artist_id.as_str()], &album_id)
        });
        track_id
    }

    pub fn add_playlist(&self, playlist: FakePlaylist) {
        let mut st = self.st();
        st.playlists.retain(|p| p.id != playlist.id);
        st.playlists.push(playlist);
    }

    /// A Spotify-owned playlist: listed among the user's playlists, but its
    /// content is unavailable to development-mode apps (404 since Nov 2024).
    pub fn add_editorial_playlist(&self, id: &str, name: &str) {
        let mut playlist = FakePlaylist::new(id, name, Vec::new());
        playlist.owner = "spotify".into();
        self.add_playlist(playlist);
        self.st().editorial.insert(id.to_string());
    }

    pub fn set_playlist_entries(&self, id: &str, entries: Vec<Entry>, new_snapshot: &str) {
        let mut st = self.st();
        if let Some(p) = st.playlists.iter_mut().find(|p| p.id == id) {
            p.entries = entries;
            p.snapshot_id = new_snapshot.to_string();
        }
    }

    /// A liked song, newer than every earlier one.
    pub fn save_track(&self, id: &str) {
        let mut st = self.st();
        st.saves += 1;
        let added_at = timestamp(st.saves * 60);
        st.saved.retain(|(t, _)| t != id);
        st.saved.insert(0, (id.to_string(), added_at));
    }

    // --- Faults ---

    /// The next `n` requests to the Web API or the token endpoint answer 429 with
    /// `Retry-After: secs` and the July 2026 quota body.
    pub fn rate_limit_next(&self, n: u32, retry_after_secs: u64) {
        self.st().rate_limit = (n, retry_after_secs);
    }

    /// The next `n` requests to the Web API or the token endpoint answer `status`.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.st().fail = (n, status);
    }

    /// The next `n` requests to the Web API or the token endpoint are answered after `d`.
    pub fn delay_next(&self, n: u32, d: Duration) {
        self.st().delay = (n, d);
    }

    // --- Request log ---

    pub fn requests(&self) -> Vec<Recorded> {
        self.st().log.clone()
    }

    /// Requests whose path starts with `path_prefix`.
    pub fn count(&self, path_prefix: &str) -> usize {
        let st = self.st();
        st.log
            .iter()
            .filter(|r| r.path.starts_with(path_prefix))
            .count()
    }

    pub fn reset_log(&self) {
        self.st().log.clear();
    }
}

impl Drop for FakeSpotify {
    fn drop(&mut self) {
        let handle = self
            .server
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let (Some(h), Some(arbiter)) = (handle, actix_rt::Arbiter::try_current()) {
            // `stop` sends its command at once; the future only waits for the shutdown.
            arbiter.spawn(h.stop(false));
        }
    }
}

fn serve(shared: &Arc<Shared>, addr: SocketAddr) -> std::io::Result<(SocketAddr, ServerHandle)> {
    let data = web::Data::from(shared.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(handle))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(0)
    .bind(addr)?;
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(server);
    Ok((addr, handle))
}

// --- Small helpers ---

fn hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `2026-01-01T00:00:00Z` plus `secs`.
fn timestamp(secs: i64) -> String {
    let base: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    (base + chrono::Duration::seconds(secs))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A fresh unguessable token with Spotify's look (`BQ…`, `AQ…`).
fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).expect("random bytes");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn is_base62_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn enc(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// Form or query pairs, decoded; the first of a repeated name wins.
fn parse_pairs(s: &str) -> HashMap<String, String> {
    let pairs = web::Query::<Vec<(String, String)>>::from_query(s)
        .map(|q| q.into_inner())
        .unwrap_or_default();
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn json_resp(code: u16, v: &Value) -> HttpResponse {
    HttpResponse::build(status(code))
        .content_type("application/json; charset=utf-8")
        .body(v.to_string())
}

/// The Web API's error body.
fn api_error(code: u16, message: &str) -> HttpResponse {
    json_resp(
        code,
        &json!({"error": {"status": code, "message": message}}),
    )
}

/// A 401 as Spotify sends it for a token it refuses.
fn token_refused(message: &str) -> HttpResponse {
    let challenge = format!(
        "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{message}\""
    );
    HttpResponse::build(StatusCode::UNAUTHORIZED)
        .insert_header((header::WWW_AUTHENTICATE, challenge))
        .content_type("application/json; charset=utf-8")
        .body(json!({"error": {"status": 401, "message": message}}).to_string())
}

/// The Accounts service's error body.
fn oauth_error(code: u16, error: &str, description: &str) -> HttpResponse {
    json_resp(
        code,
        &json!({"error": error, "error_description": description}),
    )
}

/// A refused Web API request, turned into Spotify's answer at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// `{"error": {"status", "message"}}`.
    Api(u16, &'static str),
    /// A 401 for a bearer token Spotify does not accept, with `WWW-Authenticate`.
    Token(&'static str),
}

impl Refusal {
    fn respond(self) -> HttpResponse {
        match self {
            Refusal::Api(code, message) => api_error(code, message),
            Refusal::Token(message) => token_refused(message),
        }
    }
}

fn html_error(message: &str) -> HttpResponse {
    HttpResponse::build(StatusCode::BAD_REQUEST)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<html><body><h1>Error</h1><p>{message}</p></body></html>"
        ))
}

fn redirect(location: &str) -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, location))
        .finish()
}

// --- Request handling ---

async fn handle(req: HttpRequest, body: web::Bytes, data: web::Data<Shared>) -> HttpResponse {
    let shared = data.into_inner();
    let path = req.uri().path().to_string();
    let faultable = path == "/v1" || path.starts_with("/v1/") || path == "/api/token";
    let (index, delay) = {
        let mut st = shared.lock();
        st.log.push(Recorded {
            method: req.method().to_string(),
            path: path.clone(),
            query: req.query_string().to_string(),
            authorization_present: req.headers().contains_key(header::AUTHORIZATION),
            at: Instant::now(),
            status: 0,
        });
        let delay = match st.delay {
            (n, d) if n > 0 && faultable => {
                st.delay.0 -= 1;
                Some(d)
            }
            _ => None,
        };
        (st.log.len() - 1, delay)
    };
    if let Some(d) = delay {
        actix_rt::time::sleep(d).await;
    }
    let resp = dispatch(&shared, &req, &body, faultable);
    let mut st = shared.lock();
    if let Some(r) = st.log.get_mut(index) {
        r.status = resp.status().as_u16();
    }
    resp
}

fn dispatch(shared: &Shared, req: &HttpRequest, body: &[u8], faultable: bool) -> HttpResponse {
    let path = req.uri().path();
    let q = parse_pairs(req.query_string());
    let mut st = shared.lock();
    if faultable {
        if let Some(resp) = st.take_fault() {
            return resp;
        }
    }
    if path == "/authorize" {
        return authorize(&shared.opts, &mut st, req.method(), &q);
    }
    if path == "/api/token" {
        return token(&shared.opts, &mut st, req, body);
    }
    let Some(rest) = path.strip_prefix("/v1/") else {
        return api_error(404, "Service not found");
    };
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let scope = match st.bearer(req, shared.opts.expires_in) {
        Ok(scope) => scope,
        Err(refusal) => return refusal.respond(),
    };
    if req.method() != Method::GET {
        return api_error(405, "Method not allowed");
    }
    let api = Api {
        st: &st,
        base: shared.base(),
        opts: &shared.opts,
        q: &q,
    };
    api.route(&segs, &scope)
}

impl State {
    /// The first pending fault: a 429, else an injected failure.
    fn take_fault(&mut self) -> Option<HttpResponse> {
        if self.rate_limit.0 > 0 {
            self.rate_limit.0 -= 1;
            let body = json!({"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}});
            let resp = HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
                .insert_header((header::RETRY_AFTER, self.rate_limit.1.to_string()))
                .content_type("application/json; charset=utf-8")
                .body(body.to_string());
            return Some(resp);
        }
        if self.fail.0 > 0 {
            self.fail.0 -= 1;
            let code = self.fail.1;
            let message = match code {
                502 => "Bad gateway.",
                503 => "Service unavailable",
                _ => "Server error.",
            };
            return Some(api_error(code, message));
        }
        None
    }

    fn issue_access(&mut self, scope: &str) -> String {
        let token = random_token("BQ");
        let access = Access {
            issued: Instant::now(),
            expired: false,
            scope: scope.to_string(),
        };
        self.access.insert(token.clone(), access);
        self.issued_access.push(token.clone());
        token
    }

    fn issue_refresh(&mut self, scope: &str, pkce: bool) -> String {
        let token = random_token("AQ");
        let refresh = Refresh {
            revoked: false,
            scope: scope.to_string(),
            pkce,
        };
        self.refresh.insert(token.clone(), refresh);
        self.issued_refresh.push(token.clone());
        token
    }

    /// The scope of a valid bearer token, or the 401 Spotify answers.
    fn bearer(&self, req: &HttpRequest, expires_in: u64) -> Result<String, Refusal> {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return Err(Refusal::Api(401, "No token provided"));
        };
        let value = value.to_str().unwrap_or("");
        let Some(token) = value.strip_prefix("Bearer ") else {
            return Err(Refusal::Api(
                400,
                "Only valid bearer authentication supported",
            ));
        };
        let Some(access) = self.access.get(token.trim()) else {
            return Err(Refusal::Token("Invalid access token"));
        };
        if access.expired || access.issued.elapsed() >= Duration::from_secs(expires_in) {
            return Err(Refusal::Token("The access token expired"));
        }
        Ok(access.scope.clone())
    }
}

// --- Accounts service ---

fn authorize(
    opts: &FakeSpotifyOptions,
    st: &mut State,
    method: &Method,
    q: &HashMap<String, String>,
) -> HttpResponse {
    if method != Method::GET {
        return html_error("Method not allowed");
    }
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("client_id") != opts.client_id {
        return html_error("INVALID_CLIENT: Invalid client");
    }
    let redirect_uri = get("redirect_uri");
    if !opts.redirect_uris.iter().any(|r| r == redirect_uri) {
        return html_error("INVALID_CLIENT: Invalid redirect URI");
    }
    let state = get("state");
    let back = |params: &[(&str, &str)]| {
        let sep = if redirect_uri.contains('?') { '&' } else { '?' };
        let query: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        redirect(&format!("{redirect_uri}{sep}{}", query.join("&")))
    };
    let invalid = |description: &str| {
        back(&[
            ("error", "invalid_request"),
            ("error_description", description),
            ("state", state),
        ])
    };
    if get("response_type") != "code" {
        return back(&[("error", "unsupported_response_type"), ("state", state)]);
    }
    if get("scope").trim().is_empty() {
        return back(&[("error", "invalid_scope"), ("state", state)]);
    }
    if state.is_empty() {
        return invalid("state required");
    }
    let challenge = get("code_challenge");
    let method = get("code_challenge_method");
    if !challenge.is_empty() || !method.is_empty() {
        if method != "S256" {
            return invalid("code_challenge_method must be S256");
        }
        let base64url = challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !(43..=128).contains(&challenge.len()) || !base64url {
            return invalid("code_challenge must be 43 to 128 base64url characters");
        }
    } else if opts.client_secret.is_none() {
        return invalid("code_challenge required");
    }
    if std::mem::take(&mut st.deny_next) {
        return back(&[("error", "access_denied"), ("state", state)]);
    }
    let code = random_token("AQ");
    st.codes.insert(
        code.clone(),
        Code {
            client_id: opts.client_id.clone(),
            redirect_uri: redirect_uri.to_string(),
            challenge: (!challenge.is_empty()).then(|| challenge.to_string()),
            scope: get("scope").to_string(),
            used: false,
        },
    );
    back(&[("code", &code), ("state", state)])
}

/// `Authorization: Basic base64(id:secret)`: `Ok(None)` when absent.
fn basic_auth(req: &HttpRequest) -> Result<Option<(String, String)>, ()> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let encoded = value.strip_prefix("Basic ").ok_or(())?;
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = decoded.split_once(':').ok_or(())?;
    Ok(Some((id.to_string(), secret.to_string())))
}

fn token(
    opts: &FakeSpotifyOptions,
    st: &mut State,
    req: &HttpRequest,
    body: &[u8],
) -> HttpResponse {
    if req.method() != Method::POST {
        return oauth_error(405, "invalid_request", "Method not allowed");
    }
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form = parse_pairs(&String::from_utf8_lossy(body));
    let grant_type = form.get("grant_type").cloned().unwrap_or_default();
    st.token_requests.push(grant_type.clone());
    if !form_type {
        return oauth_error(400, "invalid_request", "Unsupported content type");
    }
    let Ok(basic) = basic_auth(req) else {
        return oauth_error(400, "invalid_client", "Invalid client");
    };
    let client_id = match &basic {
        Some((id, _)) => id.clone(),
        None => form.get("client_id").cloned().unwrap_or_default(),
    };
    if client_id != opts.client_id {
        return oauth_error(400, "invalid_client", "Invalid client");
    }
    // Client authentication: a confidential client proves its secret; a public
    // client can only rely on PKCE.
    let authenticated = match (&basic, &opts.client_secret) {
        (Some((_, given)), Some(secret)) if given == secret => true,
        (Some(_), _) => return oauth_error(401, "invalid_client", "Invalid client secret"),
        (None, _) => false,
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
    match grant_type.as_str() {
        "authorization_code" => {
            let Some(code) = st.codes.get(field("code")) else {
                return oauth_error(400, "invalid_grant", "Invalid authorization code");
            };
            if code.used || code.client_id != client_id {
                return oauth_error(400, "invalid_grant", "Invalid authorization code");
            }
            if code.redirect_uri != field("redirect_uri") {
                return oauth_error(400, "invalid_grant", "Invalid redirect URI");
            }
            match &code.challenge {
                Some(challenge) => {
                    let verifier = field("code_verifier");
                    if verifier.is_empty() {
                        return oauth_error(400, "invalid_request", "code_verifier required");
                    }
                    let hashed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                    if &hashed != challenge {
                        return oauth_error(400, "invalid_grant", "code_verifier was incorrect");
                    }
                }
                None if !authenticated => {
                    return oauth_error(400, "invalid_client", "Invalid client");
                }
                None => {}
            }
            let (scope, pkce) = (code.scope.clone(), code.challenge.is_some());
            if let Some(code) = st.codes.get_mut(field("code")) {
                code.used = true;
            }
            let access = st.issue_access(&scope);
            let refresh = st.issue_refresh(&scope, pkce);
            json_resp(
                200,
                &json!({"access_token": access, "token_type": "Bearer", "expires_in": opts.expires_in,
                        "refresh_token": refresh, "scope": scope}),
            )
        }
        "refresh_token" => {
            let old = field("refresh_token").to_string();
            let Some(refresh) = st.refresh.get(&old) else {
                return oauth_error(400, "invalid_grant", "Invalid refresh token");
            };
            if refresh.revoked {
                return oauth_error(400, "invalid_grant", "Refresh token revoked");
            }
            if !authenticated && !refresh.pkce {
                return oauth_error(400, "invalid_client", "Invalid client");
            }
            let (scope, pkce) = (refresh.scope.clone(), refresh.pkce);
            let access = st.issue_access(&scope);
            let mut answer = Map::new();
            answer.insert("access_token".into(), json!(access));
            answer.insert("token_type".into(), json!("Bearer"));
            answer.insert("expires_in".into(), json!(opts.expires_in));
            answer.insert("scope".into(), json!(scope));
            if opts.rotate_refresh_token {
                let new = st.issue_refresh(&scope, pkce);
                if let Some(r) = st.refresh.get_mut(&old) {
                    r.revoked = true;
                }
                answer.insert("refresh_token".into(), json!(new));
            } else if !opts.omit_refresh_token_on_refresh {
                answer.insert("refresh_token".into(), json!(old));
            }
            json_resp(200, &Value::Object(answer))
        }
        "" => oauth_error(
            400,
            "unsupported_grant_type",
            "grant_type parameter is missing",
        ),
        _ => oauth_error(400, "unsupported_grant_type", "Unsupported grant type"),
    }
}

// --- Web API ---

/// One Web API request being answered: the state, where the fake is, its options, the query.
struct Api<'a> {
    st: &'a State,
    base: &'a str,
    opts: &'a FakeSpotifyOptions,
    q: &'a HashMap<String, String>,
}

type Answer = Result<Value, Refusal>;

const SEARCH_TYPES: [&str; 3] = ["album", "artist", "track"];
const GROUP_ORDER: [&str; 4] = ["album", "single", "compilation", "appears_on"];

impl Api<'_> {
    fn dev(&self) -> bool {
        self.opts.profile == Profile::Dev2026
    }

    fn route(&self, segs: &[&str], scope: &str) -> HttpResponse {
        let answer = match segs {
            ["me"] => Ok(self.me()),
            ["me", "playlists"] => self.my_playlists(),
            ["me", "tracks"] if !scope.split(' ').any(|s| s == "user-library-read") => {
                Err(Refusal::Api(403, "Insufficient client scope"))
            }
            ["me", "tracks"] => self.saved_tracks(),
            ["playlists", id] => self.playlist(id),
            ["playlists", id, "items"] => self.playlist_items(id, "items"),
            ["playlists", _, "tracks"] if self.dev() => Err(Refusal::Api(403, "Forbidden")),
            ["playlists", id, "tracks"] => self.playlist_items(id, "tracks"),
            ["artists", id] => self.artist(id),
            ["artists", id, "albums"] => self.artist_albums(id),
            ["albums", id] => self.album(id),
            ["albums", id, "tracks"] => self.album_tracks(id),
            ["tracks", id] => self.track(id),
            ["tracks"] | ["albums"] | ["artists"] if self.dev() => {
                Err(Refusal::Api(403, "Forbidden"))
            }
            [kind @ ("tracks" | "albums" | "artists")] => self.several(kind),
            ["search"] => self.search(),
            _ => Err(Refusal::Api(404, "Service not found")),
        };
        match answer {
            Ok(v) => json_resp(200, &v),
            Err(refusal) => refusal.respond(),
        }
    }

    // Validation

    fn valid_id(id: &str) -> Result<(), Refusal> {
        if is_base62_id(id) {
            Ok(())
        } else {
            Err(Refusal::Api(400, "invalid id"))
        }
    }

    fn not_found() -> Refusal {
        Refusal::Api(404, "Resource not found")
    }

    /// `(offset, limit)` from the query: `limit` in 1..=max (default when absent),
    /// then capped by `page_cap`.
    fn paging(&self, default: usize, max: usize) -> Result<(usize, usize), Refusal> {
        let limit = match self.q.get("limit") {
            None => default,
            Some(l) => match l.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => n,
                _ => return Err(Refusal::Api(400, "Invalid limit")),
            },
        };
        let offset = match self.q.get("offset") {
            None => 0,
            Some(o) => o
                .parse::<usize>()
                .map_err(|_| Refusal::Api(400, "Invalid offset"))?,
        };
        let cap = self.opts.page_cap.map_or(usize::MAX, |c| c.max(1) as usize);
        Ok((offset, limit.min(cap)))
    }

    /// A paging object over `all`; `render` gets each element and its index in `all`.
    fn page<T>(
        &self,
        path: &str,
        params: &[(&str, &str)],
        all: &[T],
        (offset, limit): (usize, usize),
        render: impl Fn(&T, usize) -> Value,
    ) -> Value {
        let mut prefix = String::new();
        for (k, v) in params {
            prefix.push_str(&format!("{k}={}&", enc(v)));
        }
        let href = |o: usize| format!("{}/v1/{path}?{prefix}offset={o}&limit={limit}", self.base);
        let total = all.len();
        let items: Vec<Value> = all
            .iter()
            .enumerate()
            .skip(offset)
            .take(limit)
            .map(|(i, x)| render(x, i))
            .collect();
        let next = (offset + limit < total).then(|| href(offset + limit));
        let previous = (offset > 0).then(|| href(offset.saturating_sub(limit)));
        json!({"href": href(offset), "items": items, "limit": limit, "next": next,
               "offset": offset, "previous": previous, "total": total})
    }

    // Rendering

    fn external(&self, kind: &str, id: &str) -> Value {
        json!({"spotify": format!("https://open.spotify.com/{kind}/{id}")})
    }

    fn artist_ref(&self, id: &str) -> Value {
        let name = self.st.artists.get(id).map_or("", |a| a.name.as_str());
        json!({"external_urls": self.external("artist", id), "href": format!("{}/v1/artists/{id}", self.base),
               "id": id, "name": name, "type": "artist", "uri": format!("spotify:artist:{id}")})
    }

    fn artist_full(&self, a: &FakeArtist) -> Value {
        let mut v = self.artist_ref(&a.id);
        v["genres"] = json!(a.genres);
        v["images"] = json!([]);
        if !self.dev() {
            v["followers"] = json!({"href": null, "total": 1000});
            v["popularity"] = json!(50);
        }
        v
    }

    fn album_simple(&self, al: &FakeAlbum, with_group: bool) -> Value {
        let images: Vec<Value> = al
            .images
            .iter()
            .map(|(edge, url)| json!({"url": url, "width": edge, "height": edge}))
            .collect();
        let artists: Vec<Value> = al.artist_ids.iter().map(|a| self.artist_ref(a)).collect();
        let mut v = json!({"album_type": al.album_type, "total_tracks": al.track_ids.len(),
            "external_urls": self.external("album", &al.id), "href": format!("{}/v1/albums/{}", self.base, al.id),
            "id": al.id, "images": images, "name": al.name, "release_date": al.release_date,
            "release_date_precision": al.release_date_precision, "type": "album",
            "uri": format!("spotify:album:{}", al.id), "artists": artists});
        if with_group {
            v["album_group"] = json!(al.album_group);
        }
        if !self.dev() {
            v["available_markets"] = json!(["DE", "FR", "GB", "US"]);
        }
        v
    }

    fn album_full(&self, al: &FakeAlbum) -> Value {
        let mut v = self.album_simple(al, false);
        let tracks: Vec<&FakeTrack> = al
            .track_ids
            .iter()
            .filter_map(|t| self.st.tracks.get(t))
            .collect();
        let path = format!("albums/{}/tracks", al.id);
        v["tracks"] = self.page(&path, &[], &tracks, (0, 50), |t, _| self.track_simple(t));
        v["copyrights"] = match &al.copyright {
            Some(c) => {
                json!([{"text": format!("© {c}"), "type": "C"}, {"text": format!("℗ {c}"), "type": "P"}])
            }
            None => json!([]),
        };
        let upc: String = hex(&al.id)
            .bytes()
            .take(12)
            .map(|b| (b'0' + b % 10) as char)
            .collect();
        v["external_ids"] = json!({ "upc": upc });
        v["genres"] = json!([]);
        v["label"] = json!(format!("{} Records", al.name));
        if !self.dev() {
            v["popularity"] = json!(50);
        }
        v
    }

    fn track_simple(&self, t: &FakeTrack) -> Value {
        let artists: Vec<Value> = t.artist_ids.iter().map(|a| self.artist_ref(a)).collect();
        let mut v = json!({"artists": artists, "disc_number": t.disc_number, "duration_ms": t.duration_ms,
            "explicit": false, "external_urls": self.external("track", &t.id),
            "href": format!("{}/v1/tracks/{}", self.base, t.id), "id": t.id, "is_local": false,
            "name": t.name, "track_number": t.track_number, "type": "track",
            "uri": format!("spotify:track:{}", t.id)});
        if !self.dev() {
            v["available_markets"] = json!(["DE", "FR", "GB", "US"]);
        }
        v
    }

    fn track_full(&self, t: &FakeTrack) -> Value {
        let mut v = self.track_simple(t);
        v["album"] = match self.st.albums.get(&t.album_id) {
            Some(al) => self.album_simple(al, false),
            None => Value::Null,
        };
        v["external_ids"] = match &t.isrc {
            Some(isrc) => json!({"isrc": isrc}),
            None => json!({}),
        };
        if !self.dev() {
            v["popularity"] = json!(50);
        }
        v
    }

    fn local_track(&self, name: &str) -> Value {
        json!({"album": {"album_type": null, "artists": [], "external_urls": {}, "href": null, "id": null,
                "images": [], "name": "", "release_date": null, "release_date_precision": null,
                "type": "album", "uri": null},
               "artists": [{"external_urls": {}, "href": null, "id": null, "name": "", "type": "artist", "uri": "spotify:artist:"}],
               "disc_number": 0, "duration_ms": 0, "explicit": false, "external_ids": {}, "external_urls": {},
               "href": null, "id": null, "is_local": true, "name": name, "track_number": 0,
               "type": "track", "uri": format!("spotify:local:::{}:0", enc(name))})
    }

    fn episode(&self, id: &str, name: &str) -> Value {
        json!({"description": "", "duration_ms": 1_800_000, "explicit": false,
               "external_urls": self.external("episode", id), "href": format!("{}/v1/episodes/{id}", self.base),
               "id": id, "images": [], "name": name, "release_date": "2025-06-01",
               "release_date_precision": "day", "type": "episode", "uri": format!("spotify:episode:{id}"),
               "show": {"id": FakeSpotify::id(&format!("show:{id}")), "name": "A Show", "type": "show"}})
    }

    fn user(&self, id: &str) -> Value {
        let name = if id == USER_ID {
            self.st.user_display_name.as_deref().unwrap_or(USER_NAME)
        } else if id == "spotify" {
            "Spotify"
        } else {
            id
        };
        json!({"display_name": name, "external_urls": self.external("user", id),
               "href": format!("{}/v1/users/{id}", self.base), "id": id, "type": "user",
               "uri": format!("spotify:user:{id}")})
    }

    /// `items` (2026) or `tracks` (older): the name of a playlist's content everywhere.
    fn content_field(&self) -> &'static str {
        if self.dev() {
            "items"
        } else {
            "tracks"
        }
    }

    fn playlist_total(&self, p: &FakePlaylist) -> usize {
        if self.st.editorial.contains(&p.id) {
            50
        } else {
            p.entries.len()
        }
    }

    fn playlist_simple(&self, p: &FakePlaylist) -> Value {
        let field = self.content_field();
        let mut v = json!({"collaborative": false, "description": "",
            "external_urls": self.external("playlist", &p.id),
            "href": format!("{}/v1/playlists/{}", self.base, p.id), "id": p.id, "images": [],
            "name": p.name, "owner": self.user(&p.owner), "public": p.owner != USER_ID,
            "snapshot_id": p.snapshot_id, "type": "playlist", "uri": format!("spotify:playlist:{}", p.id)});
        v[field] = json!({"href": format!("{}/v1/playlists/{}/{field}", self.base, p.id),
                          "total": self.playlist_total(p)});
        v
    }

    fn playlist_entry(&self, p: &FakePlaylist, e: &Entry, index: usize) -> Value {
        let legacy = !self.dev();
        let mut content = match e {
            Entry::Track(id) => match self.st.tracks.get(id) {
                Some(t) => self.track_full(t),
                None => Value::Null,
            },
            Entry::Local { name } => self.local_track(name),
            Entry::Episode { id, name } => self.episode(id, name),
            Entry::Null => Value::Null,
        };
        if legacy && content.is_object() {
            let episode = matches!(e, Entry::Episode { .. });
            content["episode"] = json!(episode);
            content["track"] = json!(!episode);
        }
        let field = if legacy { "track" } else { "item" };
        let mut v = json!({"added_at": timestamp(index as i64 * 3600), "added_by": self.user(&p.owner),
                           "is_local": matches!(e, Entry::Local { .. }), "primary_color": null});
        v[field] = content;
        v
    }

    // Endpoints

    fn me(&self) -> Value {
        let mut v = self.user(USER_ID);
        v["country"] = json!("DE");
        v["product"] = json!("premium");
        v["email"] = json!("tester@example.invalid");
        v
    }

    fn my_playlists(&self) -> Answer {
        let paging = self.paging(20, 50)?;
        let list = &self.st.playlists;
        Ok(self.page("me/playlists", &[], list, paging, |p, _| {
            self.playlist_simple(p)
        }))
    }

    fn saved_tracks(&self) -> Answer {
        let paging = self.paging(20, 50)?;
        Ok(
            self.page("me/tracks", &[], &self.st.saved, paging, |(id, at), _| {
                let track = self
                    .st
                    .tracks
                    .get(id)
                    .map_or(Value::Null, |t| self.track_full(t));
                json!({"added_at": at, "track": track})
            }),
        )
    }

    fn find_playlist(&self, id: &str) -> Result<&FakePlaylist, Refusal> {
        Self::valid_id(id)?;
        if self.st.editorial.contains(id) {
            return Err(Self::not_found());
        }
        self.st
            .playlists
            .iter()
            .find(|p| p.id == id)
            .ok_or_else(Self::not_found)
    }

    fn playlist(&self, id: &str) -> Answer {
        let p = self.find_playlist(id)?;
        let field = self.content_field();
        let mut v = self.playlist_simple(p);
        let path = format!("playlists/{id}/{field}");
        v[field] = self.page(&path, &[], &p.entries, (0, 100), |e, i| {
            self.playlist_entry(p, e, i)
        });
        v["followers"] = json!({"href": null, "total": 0});
        Ok(v)
    }

    /// `path_tail` is the path the request used (`items` or, extended only, `tracks`).
    fn playlist_items(&self, id: &str, path_tail: &str) -> Answer {
        let p = self.find_playlist(id)?;
        let paging = self.paging(100, 100)?;
        let mut params = Vec::new();
        if let Some(types) = self.q.get("additional_types") {
            params.push(("additional_types", types.as_str()));
        }
        let path = format!("playlists/{id}/{path_tail}");
        Ok(self.page(&path, &params, &p.entries, paging, |e, i| {
            self.playlist_entry(p, e, i)
        }))
    }

    fn artist(&self, id: &str) -> Answer {
        Self::valid_id(id)?;
        let a = self.st.artists.get(id).ok_or_else(Self::not_found)?;
        Ok(self.artist_full(a))
    }

    fn artist_albums(&self, id: &str) -> Answer {
        Self::valid_id(id)?;
        if !self.st.artists.contains_key(id) {
            return Err(Self::not_found());
        }
        let paging = self.paging(20, 50)?;
        let groups: Vec<&str> = self
            .q
            .get("include_groups")
            .map(|g| {
                g.split(',')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let mut albums: Vec<&FakeAlbum> = self
            .st
            .album_order
            .iter()
            .filter_map(|a| self.st.albums.get(a))
            .filter(|a| a.artist_ids.iter().any(|x| x == id))
            .filter(|a| groups.is_empty() || groups.contains(&a.album_group.as_str()))
            .collect();
        let rank = |a: &FakeAlbum| {
            GROUP_ORDER
                .iter()
                .position(|g| *g == a.album_group)
                .unwrap_or(GROUP_ORDER.len())
        };
        albums.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then_with(|| b.release_date.cmp(&a.release_date))
        });
        let mut params = Vec::new();
        if let Some(g) = self.q.get("include_groups") {
            params.push(("include_groups", g.as_str()));
        }
        let path = format!("artists/{id}/albums");
        Ok(self.page(&path, &params, &albums, paging, |a, _| {
            self.album_simple(a, true)
        }))
    }

    fn album(&self, id: &str) -> Answer {
        Self::valid_id(id)?;
        let al = self.st.albums.get(id).ok_or_else(Self::not_found)?;
        Ok(self.album_full(al))
    }

    fn album_tracks(&self, id: &str) -> Answer {
        Self::valid_id(id)?;
        let al = self.st.albums.get(id).ok_or_else(Self::not_found)?;
        let paging = self.paging(20, 50)?;
        let tracks: Vec<&FakeTrack> = al
            .track_ids
            .iter()
            .filter_map(|t| self.st.tracks.get(t))
            .collect();
        let path = format!("albums/{id}/tracks");
        Ok(self.page(&path, &[], &tracks, paging, |t, _| self.track_simple(t)))
    }

    fn track(&self, id: &str) -> Answer {
        Self::valid_id(id)?;
        let t = self.st.tracks.get(id).ok_or_else(Self::not_found)?;
        Ok(self.track_full(t))
    }

    /// `GET tracks|albums|artists?ids=` (extended quota only): unknown ids give `null`.
    fn several(&self, kind: &str) -> Answer {
        let ids: Vec<&str> = self
            .q
            .get("ids")
            .map(|s| s.split(',').filter(|i| !i.is_empty()).collect())
            .unwrap_or_default();
        let max = if kind == "albums" { 20 } else { 50 };
        if ids.is_empty() {
            return Err(Refusal::Api(400, "Missing ids"));
        }
        if ids.len() > max {
            return Err(Refusal::Api(400, "Too many ids requested"));
        }
        let mut out = Vec::new();
        for id in ids {
            Self::valid_id(id)?;
            out.push(match kind {
                "tracks" => self
                    .st
                    .tracks
                    .get(id)
                    .map_or(Value::Null, |t| self.track_full(t)),
                "albums" => self
                    .st
                    .albums
                    .get(id)
                    .map_or(Value::Null, |a| self.album_full(a)),
                _ => self
                    .st
                    .artists
                    .get(id)
                    .map_or(Value::Null, |a| self.artist_full(a)),
            });
        }
        let mut answer = Map::new();
        answer.insert(kind.to_string(), Value::Array(out));
        Ok(Value::Object(answer))
    }

    fn search(&self) -> Answer {
        let q = self.q.get("q").map(String::as_str).unwrap_or("").trim();
        if q.is_empty() {
            return Err(Refusal::Api(400, "No search query"));
        }
        let Some(types) = self.q.get("type") else {
            return Err(Refusal::Api(400, "Missing parameter type"));
        };
        let types: Vec<&str> = types.split(',').map(str::trim).collect();
        if types.iter().any(|t| !SEARCH_TYPES.contains(t)) {
            return Err(Refusal::Api(400, "Bad search type field"));
        }
        let (default, max) = if self.dev() { (5, 10) } else { (20, 50) };
        let paging = self.paging(default, max)?;
        let query = SearchQuery::parse(q);
        let type_list = types.join(",");
        let params = [("query", q), ("type", type_list.as_str())];
        let mut out = Map::new();
        if types.contains(&"track") {
            let found: Vec<&FakeTrack> = self
                .st
                .track_order
                .iter()
                .filter_map(|t| self.st.tracks.get(t))
                .filter(|t| query.matches_track(self.st, t))
                .collect();
            let page = self.page("search", &params, &found, paging, |t, _| self.track_full(t));
            out.insert("tracks".into(), page);
        }
        if types.contains(&"album") {
            let found: Vec<&FakeAlbum> = self
                .st
                .album_order
                .iter()
                .filter_map(|a| self.st.albums.get(a))
                .filter(|a| query.matches_album(self.st, a))
                .collect();
            let page = self.page("search", &params, &found, paging, |a, _| {
                self.album_simple(a, false)
            });
            out.insert("albums".into(), page);
        }
        if types.contains(&"artist") {
            let mut found: Vec<&FakeArtist> = self
                .st
                .artists
                .values()
                .filter(|a| query.matches_artist(a))
                .collect();
            found.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
            let page = self.page("search", &params, &found, paging, |a, _| {
                self.artist_full(a)
            });
            out.insert("artists".into(), page);
        }
        Ok(Value::Object(out))
    }
}

/// A search query: free words (or quoted phrases) and field filters, all lower-cased.
#[derive(Debug, Default, PartialEq)]
struct SearchQuery {
    free: Vec<String>,
    track: Vec<String>,
    artist: Vec<String>,
    album: Vec<String>,
    isrc: Vec<String>,
    genre: Vec<String>,
    /// Inclusive year range.
    year: Option<(i32, i32)>,
}

impl SearchQuery {
    fn parse(q: &str) -> SearchQuery {
        const FIELDS: [&str; 6] = ["track", "artist", "album", "isrc", "genre", "year"];
        let mut out = SearchQuery::default();
        let mut rest = q.trim_start();
        while !rest.is_empty() {
            let (field, after) = match rest.find(':') {
                Some(i) if FIELDS.contains(&rest[..i].to_lowercase().as_str()) => {
                    (Some(rest[..i].to_lowercase()), &rest[i + 1..])
                }
                _ => (None, rest),
            };
            let (value, remaining) = match after.strip_prefix('"') {
                Some(quoted) => match quoted.find('"') {
                    Some(end) => (&quoted[..end], &quoted[end + 1..]),
                    None => (quoted, ""),
                },
                None => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            let value = value.trim().to_lowercase();
            rest = remaining.trim_start();
            if value.is_empty() {
                continue;
            }
            match field.as_deref() {
                Some("track") => out.track.push(value),
                Some("artist") => out.artist.push(value),
                Some("album") => out.album.push(value),
                Some("isrc") => out.isrc.push(value),
                Some("genre") => out.genre.push(value),
                Some(_) => {
                    let (from, to) = value
                        .split_once('-')
                        .unwrap_or((value.as_str(), value.as_str()));
                    let from = from.parse().unwrap_or(i32::MIN);
                    let to = to.parse().unwrap_or(i32::MAX);
                    out.year = Some((from, to));
                }
                None => out.free.push(value),
            }
        }
        out
    }

    fn artist_names(st: &State, ids: &[String]) -> Vec<String> {
        ids.iter()
            .filter_map(|a| st.artists.get(a))
            .map(|a| a.name.to_lowercase())
            .collect()
    }

    fn year_ok(&self, album: Option<&FakeAlbum>) -> bool {
        let Some((from, to)) = self.year else {
            return true;
        };
        let year = album.and_then(|a| a.release_date.get(..4)?.parse::<i32>().ok());
        year.is_some_and(|y| from <= y && y <= to)
    }

    fn genre_ok(&self, st: &State, artist_ids: &[String]) -> bool {
        self.genre.iter().all(|g| {
            artist_ids
                .iter()
                .filter_map(|a| st.artists.get(a))
                .any(|a| a.genres.iter().any(|x| x.to_lowercase().contains(g)))
        })
    }

    fn matches_track(&self, st: &State, t: &FakeTrack) -> bool {
        let artists = Self::artist_names(st, &t.artist_ids);
        let album = st.albums.get(&t.album_id);
        let album_name = album.map(|a| a.name.to_lowercase()).unwrap_or_default();
        let title = t.name.to_lowercase();
        let haystack = format!("{} {title} {album_name}", artists.join(" "));
        let isrc = t.isrc.as_deref().unwrap_or("").to_lowercase();
        self.free.iter().all(|w| haystack.contains(w.as_str()))
            && self.track.iter().all(|v| title.contains(v.as_str()))
            && self
                .artist
                .iter()
                .all(|v| artists.iter().any(|a| a.contains(v.as_str())))
            && self.album.iter().all(|v| album_name.contains(v.as_str()))
            && self.isrc.iter().all(|v| *v == isrc)
            && self.genre_ok(st, &t.artist_ids)
            && self.year_ok(album)
    }

    fn matches_album(&self, st: &State, a: &FakeAlbum) -> bool {
        let artists = Self::artist_names(st, &a.artist_ids);
        let name = a.name.to_lowercase();
        let haystack = format!("{} {name}", artists.join(" "));
        self.free.iter().all(|w| haystack.contains(w.as_str()))
            && self.track.is_empty()
            && self.isrc.is_empty()
            && self
                .artist
                .iter()
                .all(|v| artists.iter().any(|x| x.contains(v.as_str())))
            && self.album.iter().all(|v| name.contains(v.as_str()))
            && self.genre_ok(st, &a.artist_ids)
            && self.year_ok(Some(a))
    }

    fn matches_artist(&self, a: &FakeArtist) -> bool {
        let name = a.name.to_lowercase();
        self.free.iter().all(|w| name.contains(w.as_str()))
            && self.track.is_empty()
            && self.album.is_empty()
            && self.isrc.is_empty()
            && self.year.is_none()
            && self.artist.iter().all(|v| name.contains(v.as_str()))
            && self.genre.iter().all(|g| {
                a.genres
                    .iter()
                    .any(|x| x.to_lowercase().contains(g.as_str()))
            })
    }
}
