//! `/api/v1/library` (issue 15): what the library index knows, a look-up of
//! its files, and a scan on demand (run by the library worker).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::extract;
use super::AppState;
use crate::db::library::{self as store, LibraryFileRow, ScanRow};
use crate::domain::library::stats::LibraryStats;
use crate::domain::time::to_rfc3339;
use crate::domain::workers::name::WorkerName;

/// Unreadable files listed in `GET /library` (the count has them all).
const UNREADABLE_LISTED: i64 = 100;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScanView {
    pub id: i64,
    pub started_at: String,
    /// `null` while the scan runs.
    pub finished_at: Option<String>,
    /// Audio files found under the roots.
    pub files_seen: i64,
    /// New or changed files read by this scan.
    pub files_read: i64,
    /// Unchanged files (same size and mtime) not read again.
    pub files_skipped: i64,
    /// Files read by this scan that could not be read.
    pub files_unreadable: i64,
    /// Files gone from disk, taken out of the index.
    pub files_removed: i64,
    /// A root that could not be walked (whole or in part).
    pub error: Option<String>,
}

impl From<ScanRow> for ScanView {
    fn from(r: ScanRow) -> Self {
        ScanView {
            id: r.id,
            started_at: to_rfc3339(r.started_at),
            finished_at: r.finished_at.map(to_rfc3339),
            files_seen: r.files_seen,
            files_read: r.files_read,
            files_skipped: r.files_skipped,
            files_unreadable: r.files_unreadable,
            files_removed: r.files_removed,
            error: r.error,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StoredStats {
    /// When the scan that stored them finished.
    pub scanned_at: String,
    #[serde(flatten)]
    pub stats: LibraryStats,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnreadableFile {
    pub path: String,
    pub reason: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LibraryView {
    /// The index as it is now.
    pub counts: LibraryStats,
    /// The newest scan (running or finished); `null` before the first.
    pub last_scan: Option<ScanView>,
    /// The statistics stored by the last finished scan, with its time.
    pub stats: Option<StoredStats>,
    /// The first 100 unreadable files by path, with the reason.
    pub unreadable: Vec<UnreadableFile>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LibraryFileView {
    pub id: i64,
    pub path: String,
    pub root: String,
    pub size: i64,
    /// `mp3`, `flac`, `mp4`, `ogg_vorbis`, `ogg_opus`.
    pub format: Option<String>,
    pub artist: Option<String>,
    pub album_artist: Option<String>,
    pub album: Option<String>,
    pub title: Option<String>,
    pub track_number: Option<i32>,
    pub disc_number: Option<i32>,
    pub duration_ms: Option<i64>,
    pub isrc: Option<String>,
    pub musicbrainz_recording_id: Option<String>,
    pub musicbrainz_release_id: Option<String>,
    pub spotify_track_id: Option<String>,
    pub spotify_album_id: Option<String>,
    /// kbps.
    pub bitrate: Option<i32>,
    pub sample_rate: Option<i32>,
    pub bit_depth: Option<i32>,
    pub modified_at: String,
    pub indexed_at: String,
}

impl From<LibraryFileRow> for LibraryFileView {
    fn from(r: LibraryFileRow) -> Self {
        LibraryFileView {
            id: r.id,
            path: r.path,
            root: r.root,
            size: r.size,
            format: r.format,
            artist: r.artist,
            album_artist: r.album_artist,
            album: r.album,
            title: r.title,
            track_number: r.track_number,
            disc_number: r.disc_number,
            duration_ms: r.duration_ms,
            isrc: r.isrc,
            musicbrainz_recording_id: r.musicbrainz_recording_id,
            musicbrainz_release_id: r.musicbrainz_release_id,
            spotify_track_id: r.spotify_track_id,
            spotify_album_id: r.spotify_album_id,
            bitrate: r.bitrate,
            sample_rate: r.sample_rate,
            bit_depth: r.bit_depth,
            modified_at: to_rfc3339(r.mtime_ms),
            indexed_at: to_rfc3339(r.indexed_at),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LibraryFilePage {
    pub items: Vec<LibraryFileView>,
    pub total: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct FilesQuery {
    /// Text found in the artist, album artist, album, title or path.
    pub q: Option<String>,
    /// Default 50; above 500 is read as 500.
    #[param(value_type = i64, required = false, minimum = 1)]
    pub limit: Option<String>,
    /// Default 0.
    #[param(value_type = i64, required = false, minimum = 0)]
    pub offset: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScanAccepted {
    /// `accepted`.
    pub status: &'static str,
}

#[utoipa::path(get, path = "/api/v1/library", tag = "library", operation_id = "get_library",
    responses((status = 200, body = LibraryView)))]
pub async fn get(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let view = state
        .db
        .snapshot(|c| {
            let stats = store::last_finished_scan(c)?.and_then(|scan| {
                let stats = serde_json::from_str(scan.stats.as_deref()?).ok()?;
                Some(StoredStats {
                    scanned_at: to_rfc3339(scan.finished_at?),
                    stats,
                })
            });
            Ok(LibraryView {
                counts: store::stats(c)?,
                last_scan: store::last_scan(c)?.map(ScanView::from),
                stats,
                unreadable: store::unreadable(c, UNREADABLE_LISTED)?
                    .into_iter()
                    .map(|(path, reason)| UnreadableFile { path, reason })
                    .collect(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[utoipa::path(get, path = "/api/v1/library/files", tag = "library", operation_id = "list_library_files",
    params(FilesQuery),
    responses((status = 200, body = LibraryFilePage, description = "Readable files by path"),
              (status = 422, description = "A bad limit or offset")))]
pub async fn files(
    state: web::Data<AppState>,
    query: web::Query<FilesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = extract::limit(query.limit.as_deref())?;
    let offset = extract::offset(query.offset.as_deref())?;
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_string);
    let (rows, total) = state
        .db
        .read(move |c| store::search(c, q.as_deref(), limit, offset))
        .await?;
    Ok(HttpResponse::Ok().json(LibraryFilePage {
        items: rows.into_iter().map(LibraryFileView::from).collect(),
        total,
    }))
}

#[utoipa::path(post, path = "/api/v1/library/scan", tag = "library", operation_id = "scan_library",
    responses((status = 202, body = ScanAccepted, description = "The library worker scans now (or right after the scan under way)"),
              (status = 503, body = super::error::ErrorBody, description = "unavailable: the workers are not running")))]
pub async fn scan(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !state.supervisor_running() {
        return Err(ApiError::Unavailable {
            message: "the library worker is not running".into(),
            dependency: "library".into(),
        });
    }
    state.lifecycle.request_run(WorkerName::Library);
    Ok(HttpResponse::Accepted().json(ScanAccepted { status: "accepted" }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MediaServerCheck {
    /// `ok`, `unreachable`, `unauthorized` or `unconfigured`.
    pub state: &'static str,
    /// What the server said: its version, its music sections, or the error.
    pub found: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MediaServerChecks {
    pub navidrome: MediaServerCheck,
    pub jellyfin: MediaServerCheck,
    pub plex: MediaServerCheck,
}

#[utoipa::path(post, path = "/api/v1/library/media-servers/test", tag = "library",
    operation_id = "test_media_servers",
    responses((status = 200, body = MediaServerChecks, description = "Each configured server checked (nothing is rescanned); the states also go to /status")))]
pub async fn test_media_servers(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    use crate::actors::registry::{ConnectionObserved, Service};
    use crate::domain::connections::state::ConnectionState;
    use crate::domain::library::media_server::{connection_state, MediaServer};
    use crate::integrations::media_servers::{check, target};
    let config = state.settings.current();
    let mut checks = Vec::new();
    for server in MediaServer::ALL {
        let result = match target(&config, server) {
            None => MediaServerCheck {
                state: ConnectionState::Unconfigured.as_str(),
                found: None,
            },
            Some(t) => {
                let answer = check(&t).await;
                let found = connection_state(&answer.end);
                state.registry.do_send(ConnectionObserved {
                    service: Service::Media(server),
                    state: found,
                });
                MediaServerCheck {
                    state: found.as_str(),
                    found: Some(answer.found),
                }
            }
        };
        checks.push(result);
    }
    let mut it = checks.into_iter();
    let (Some(navidrome), Some(jellyfin), Some(plex)) = (it.next(), it.next(), it.next()) else {
        return Err(ApiError::Internal("three media servers".into()));
    };
    Ok(HttpResponse::Ok().json(MediaServerChecks {
        navidrome,
        jellyfin,
        plex,
    }))
}
