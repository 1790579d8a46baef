//! Fakes of the artifact providers, one actix-web server on 127.0.0.1
//! (`providers.md` §9.3): LRCLIB (`/api/get` with ±2 s duration matching,
//! `/api/search`, instrumental and plain-only entries, the 404 and 400
//! shapes), MusicBrainz (`/ws/2/release-group/`, refusing clients without a
//! `Harmony/` User-Agent), the Cover Art Archive (`/release-group/{mbid}/front…`
//! → 307), an image host (`/img/{name}`: chosen bytes, Content-Type, delay,
//! chunked bodies) and the Spotify Web API calls the artifact workers make
//! (`/v1/albums/{id}`, `/v1/tracks/{id}`; `/v1/me…` answer empty so the
//! other workers stay quiet). Every request is logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// One LRCLIB record.
#[derive(Clone, Debug, Default)]
pub struct LrcEntry {
    pub track: String,
    pub artist: String,
    pub album: String,
    /// Seconds.
    pub duration: f64,
    pub instrumental: bool,
    pub plain: Option<String>,
    pub synced: Option<String>,
}

/// What `/img/{name}` serves.
#[derive(Clone, Debug)]
pub struct FakeImage {
    pub bytes: Vec<u8>,
    pub content_type: String,
    /// Before the answer starts.
    pub delay: Duration,
    /// Sent without `Content-Length`, in 4 KiB chunks.
    pub chunked: bool,
}

impl FakeImage {
    pub fn jpeg(bytes: Vec<u8>) -> FakeImage {
        FakeImage {
            bytes,
            content_type: "image/jpeg".into(),
            delay: Duration::ZERO,
            chunked: false,
        }
    }
}

/// A Spotify album as `/v1/albums/{id}` returns it.
#[derive(Clone, Debug, Default)]
pub struct FakeAlbum {
    pub name: String,
    pub artist: String,
    /// (url, width, height)
    pub images: Vec<(String, u32, u32)>,
    pub genres: Vec<String>,
    pub copyright: Option<String>,
    pub release_date: String,
    pub tracks: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub query: String,
    pub user_agent: String,
}

#[derive(Default)]
struct State {
    lyrics: Vec<LrcEntry>,
    /// (artist, album, mbid, score)
    release_groups: Vec<(String, String, String, u32)>,
    /// "mbid/variant" → Location
    fronts: HashMap<String, String>,
    images: HashMap<String, FakeImage>,
    albums: HashMap<String, FakeAlbum>,
    /// Spotify track id → album id
    tracks: HashMap<String, String>,
    log: Vec<Logged>,
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct FakeProviders {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    shared: Arc<Shared>,
    server: ServerHandle,
}

/// Lower case, letters and digits only, single spaces: LRCLIB-style name matching.
fn norm(s: &str) -> String {
    let kept: String = s
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn record(id: usize, e: &LrcEntry) -> Value {
    json!({
        "id": id + 1, "name": e.track, "trackName": e.track, "artistName": e.artist,
        "albumName": e.album, "duration": e.duration, "instrumental": e.instrumental,
        "plainLyrics": e.plain, "syncedLyrics": e.synced,
    })
}

fn query_map(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

async fn handle(req: HttpRequest, shared: web::Data<Arc<Shared>>) -> HttpResponse {
    let path = req.path().to_string();
    let user_agent = req
        .headers()
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    shared.lock().log.push(Logged {
        method: req.method().to_string(),
        path: path.clone(),
        query: req.query_string().to_string(),
        user_agent: user_agent.clone(),
    });
    let q = query_map(&req);
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["api", "get"] => lrclib_get(&shared, &q),
        ["api", "search"] => lrclib_search(&shared, &q),
        ["ws", "2", "release-group"] => musicbrainz(&shared, &q, &user_agent),
        ["release-group", mbid, variant] => {
            let location = shared
                .lock()
                .fronts
                .get(&format!("{mbid}/{variant}"))
                .cloned();
            match location {
                Some(l) => HttpResponse::TemporaryRedirect()
                    .insert_header(("Location", l))
                    .finish(),
                None => HttpResponse::NotFound().body("Not Found"),
            }
        }
        ["img", name] => {
            let image = shared.lock().images.get(*name).cloned();
            match image {
                Some(image) => serve_image(image).await,
                None => HttpResponse::NotFound().finish(),
            }
        }
        ["v1", rest @ ..] => spotify(&shared, &req, rest),
        _ => HttpResponse::NotFound().finish(),
    }
}

fn lrclib_get(shared: &Shared, q: &HashMap<String, String>) -> HttpResponse {
    let (Some(track), Some(artist)) = (
        q.get("track_name").filter(|s| !s.trim().is_empty()),
        q.get("artist_name").filter(|s| !s.trim().is_empty()),
    ) else {
        return HttpResponse::BadRequest().json(json!({
            "name": "ValidationError", "message": "track_name and artist_name are required",
            "statusCode": 400}));
    };
    let duration: Option<f64> = q.get("duration").and_then(|d| d.parse().ok());
    let st = shared.lock();
    let hit = st.lyrics.iter().enumerate().find(|(_, e)| {
        norm(&e.track) == norm(track)
            && norm(&e.artist) == norm(artist)
            && q.get("album_name")
                .is_none_or(|a| norm(a) == norm(&e.album))
            && duration.is_none_or(|d| (e.duration - d).abs() <= 2.0)
    });
    match hit {
        Some((i, e)) => HttpResponse::Ok().json(record(i, e)),
        None => HttpResponse::NotFound().json(json!({
            "message": "Failed to find specified track", "name": "TrackNotFound",
            "statusCode": 404})),
    }
}

fn lrclib_search(shared: &Shared, q: &HashMap<String, String>) -> HttpResponse {
    let track = norm(
        q.get("track_name")
            .or_else(|| q.get("q"))
            .map(String::as_str)
            .unwrap_or(""),
    );
    let artist = norm(q.get("artist_name").map(String::as_str).unwrap_or(""));
    let st = shared.lock();
    let hits: Vec<Value> = st
        .lyrics
        .iter()
        .enumerate()
        .filter(|(_, e)| norm(&e.track).contains(&track) && norm(&e.artist).contains(&artist))
        .take(20)
        .map(|(i, e)| record(i, e))
        .collect();
    HttpResponse::Ok().json(hits)
}

fn musicbrainz(shared: &Shared, q: &HashMap<String, String>, user_agent: &str) -> HttpResponse {
    if !user_agent.starts_with("Harmony/") {
        return HttpResponse::Forbidden().body("anonymous clients are refused");
    }
    if q.get("fmt").map(String::as_str) != Some("json") {
        return HttpResponse::BadRequest().body("fmt=json expected");
    }
    let query = q.get("query").cloned().unwrap_or_default().to_lowercase();
    let st = shared.lock();
    let groups: Vec<Value> = st
        .release_groups
        .iter()
        .filter(|(artist, album, _, _)| {
            query.contains(&format!("releasegroup:\"{}\"", album.to_lowercase()))
                && query.contains(&format!("artist:\"{}\"", artist.to_lowercase()))
        })
        .map(|(artist, album, mbid, score)| {
            json!({"id": mbid, "score": score, "title": album, "primary-type": "Album",
                   "artist-credit": [{"name": artist}]})
        })
        .collect();
    HttpResponse::Ok().json(json!({
        "created": "2026-11-21T00:00:00.000Z", "count": groups.len(), "offset": 0,
        "release-groups": groups}))
}

async fn serve_image(image: FakeImage) -> HttpResponse {
    if !image.delay.is_zero() {
        actix_rt::time::sleep(image.delay).await;
    }
    let mut answer = HttpResponse::Ok();
    answer.insert_header(("Content-Type", image.content_type.clone()));
    if image.chunked {
        let chunks: Vec<Result<web::Bytes, actix_web::Error>> = image
            .bytes
            .chunks(4096)
            .map(|c| Ok(web::Bytes::copy_from_slice(c)))
            .collect();
        answer.streaming(futures_util::stream::iter(chunks))
    } else {
        answer.body(image.bytes)
    }
}

fn empty_page() -> Value {
    json!({"items": [], "next": null, "total": 0, "offset": 0, "limit": 50})
}

fn spotify(shared: &Shared, req: &HttpRequest, rest: &[&str]) -> HttpResponse {
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    if !authorized {
        return HttpResponse::Unauthorized()
            .json(json!({"error": {"status": 401, "message": "No token provided"}}));
    }
    let not_found = || {
        HttpResponse::NotFound().json(json!({"error": {"status": 404, "message": "Not found."}}))
    };
    let st = shared.lock();
    match rest {
        ["me"] => HttpResponse::Ok().json(json!({"id": "tester", "display_name": "Tester"})),
        ["me", _] => HttpResponse::Ok().json(empty_page()),
        ["tracks", id] => match st.tracks.get(*id) {
            Some(album_id) => HttpResponse::Ok().json(json!({
                "id": id, "name": "x", "duration_ms": 1000, "track_number": 1, "disc_number": 1,
                "artists": [], "external_ids": {"isrc": "GBDUW0000053"}, "is_local": false,
                "album": {"id": album_id, "name": "x", "album_type": "album", "images": [],
                          "release_date": "2001", "release_date_precision": "year", "artists": []}})),
            None => not_found(),
        },
        ["albums", id] => match st.albums.get(*id) {
            Some(album) => HttpResponse::Ok().json(album_json(id, album)),
            None => not_found(),
        },
        _ => not_found(),
    }
}

fn album_json(id: &str, a: &FakeAlbum) -> Value {
    let images: Vec<Value> = a
        .images
        .iter()
        .map(|(url, w, h)| json!({"url": url, "width": w, "height": h}))
        .collect();
    let tracks: Vec<Value> = (1..=a.tracks)
        .map(|n| {
            json!({"id": format!("{id}-t{n}"), "name": format!("Track {n}"),
                        "duration_ms": 1000, "track_number": n, "disc_number": 1, "artists": []})
        })
        .collect();
    let copyrights: Vec<Value> = a
        .copyright
        .iter()
        .map(|c| json!({"text": c, "type": "C"}))
        .collect();
    json!({
        "id": id, "name": a.name, "album_type": "album", "release_date": a.release_date,
        "release_date_precision": "day", "total_tracks": a.tracks,
        "artists": [{"id": "artist-1", "name": a.artist}],
        "images": images, "genres": a.genres, "copyrights": copyrights, "label": "Fake Records",
        "external_ids": {"upc": "000000000000"},
        "tracks": {"items": tracks, "next": null, "total": a.tracks, "offset": 0, "limit": 50},
    })
}

impl FakeProviders {
    /// Listens on a free port of 127.0.0.1. Must be called inside an actix runtime.
    pub async fn start() -> FakeProviders {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
        });
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(handle))
        })
        .workers(2)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind fake providers");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_rt::spawn(server);
        FakeProviders {
            url: format!("http://{addr}"),
            shared,
            server: handle,
        }
    }

    /// The app's settings pointing every provider here.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("LRCLIB_URL".into(), self.url.clone()),
            ("MUSICBRAINZ_URL".into(), self.url.clone()),
            ("COVERART_URL".into(), self.url.clone()),
            ("SPOTIFY_API_URL".into(), format!("{}/v1", self.url)),
            ("SPOTIFY_ACCOUNTS_URL".into(), self.url.clone()),
            ("SPOTIFY_CLIENT_ID".into(), "fake-client".into()),
            ("SPOTIFY_CLIENT_SECRET".into(), "fake-secret".into()),
        ]
    }

    pub fn add_lyrics(&self, entry: LrcEntry) {
        self.shared.lock().lyrics.push(entry);
    }

    pub fn add_release_group(&self, artist: &str, album: &str, mbid: &str, score: u32) {
        self.shared
            .lock()
            .release_groups
            .push((artist.into(), album.into(), mbid.into(), score));
    }

    /// `/release-group/{mbid}/{variant}` answers 307 to `location`.
    pub fn set_front(&self, mbid: &str, variant: &str, location: &str) {
        self.shared
            .lock()
            .fronts
            .insert(format!("{mbid}/{variant}"), location.into());
    }

    pub fn add_image(&self, name: &str, image: FakeImage) -> String {
        self.shared.lock().images.insert(name.into(), image);
        self.image_url(name)
    }

    pub fn image_url(&self, name: &str) -> String {
        format!("{}/img/{name}", self.url)
    }

    pub fn add_album(&self, id: &str, album: FakeAlbum) {
        self.shared.lock().albums.insert(id.into(), album);
    }

    pub fn add_track(&self, track_id: &str, album_id: &str) {
        self.shared
            .lock()
            .tracks
            .insert(track_id.into(), album_id.into());
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.shared.lock().log.clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.shared
            .lock()
            .log
            .iter()
            .filter(|l| l.path.starts_with(prefix))
            .count()
    }

    pub async fn stop(&self) {
        self.server.stop(false).await;
    }
}
