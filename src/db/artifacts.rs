//! What the metadata, artwork and lyrics workers did to a completed
//! download's file (`download_artifacts`), the per-album cover cache
//! (`artwork_cache`) and their jobs. Each outcome writes the download's
//! status, its event, its activity entry and the follow-up jobs in the
//! caller's transaction: the jobs are rows before any worker is woken.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::downloads::{self as download_rows, Refused};
use super::schema::{artwork_cache, download_artifacts, download_events, downloads, worker_jobs};
use super::{activity, jobs, DbError};
use crate::domain::time::UnixMillis;
use crate::domain::worker_name::WorkerName;

/// Job kinds and attempts of the three workers.
pub mod job {
    /// Metadata worker: write the tags (`downloads::job::TAG`, enqueued on completion).
    pub use crate::db::downloads::job::TAG;
    /// Artwork worker: find, cache and embed the cover.
    pub const EMBED: &str = "embed";
    /// Lyrics worker: look lyrics up, write the sidecar, embed them.
    pub const FETCH: &str = "fetch";
    pub const TAG_ATTEMPTS: i32 = 5;
    pub const EMBED_ATTEMPTS: i32 = 4;
    pub const FETCH_ATTEMPTS: i32 = 4;
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = download_artifacts)]
pub struct ArtifactsRow {
    pub download_id: i64,
    pub metadata_path: Option<String>,
    pub tags: Option<String>,
    pub metadata_error: Option<String>,
    pub metadata_at: Option<i64>,
    pub spotify_image_url: Option<String>,
    pub artwork_source: Option<String>,
    pub artwork_cache_key: Option<String>,
    pub artwork_mime: Option<String>,
    pub artwork_width: Option<i32>,
    pub artwork_height: Option<i32>,
    pub artwork_error: Option<String>,
    pub artwork_at: Option<i64>,
    pub lyrics_path: Option<String>,
    pub lyrics_kind: Option<String>,
    pub lyrics_embedded: bool,
    pub lyrics_error: Option<String>,
    pub lyrics_rechecks: i32,
    pub lyrics_at: Option<i64>,
    pub updated_at: i64,
}

/// One cached cover (a file in `ARTWORK_DIR`).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = artwork_cache)]
pub struct CachedCover {
    pub cache_key: String,
    pub file_name: String,
    pub mime: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub bytes: i64,
    pub source: String,
    pub url: String,
    pub fetched_at: i64,
}

/// Which of the three a request is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artifact {
    Metadata,
    Artwork,
    Lyrics,
}

impl Artifact {
    fn worker(self) -> WorkerName {
        match self {
            Artifact::Metadata => WorkerName::Metadata,
            Artifact::Artwork => WorkerName::Artwork,
            Artifact::Lyrics => WorkerName::Lyrics,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Artifact::Metadata => job::TAG,
            Artifact::Artwork => job::EMBED,
            Artifact::Lyrics => job::FETCH,
        }
    }

    fn attempts(self) -> i32 {
        match self {
            Artifact::Metadata => job::TAG_ATTEMPTS,
            Artifact::Artwork => job::EMBED_ATTEMPTS,
            Artifact::Lyrics => job::FETCH_ATTEMPTS,
        }
    }

    /// Also the dedupe prefix: `tag:<id>` (as the sync worker enqueues it),
    /// `embed:<id>`, `fetch:<id>`.
    fn dedupe(self, id: i64) -> String {
        format!("{}:{id}", self.kind())
    }
}

/// Which follow-up jobs a written (or refused) tag job hands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowUps {
    pub artwork: bool,
    pub lyrics: bool,
}

pub enum MetadataOutcome<'a> {
    /// `tags`: the JSON of the tags as read back from the file.
    Written {
        path: &'a str,
        tags: &'a str,
        spotify_image_url: Option<&'a str>,
    },
    /// The format cannot carry tags: the file was not touched.
    Skipped { reason: &'a str },
    /// The file could not be tagged; it was left byte-identical.
    Failed { reason: &'a str },
}

pub enum ArtworkOutcome<'a> {
    Embedded {
        source: &'a str,
        cache_key: &'a str,
        mime: &'a str,
        width: Option<u32>,
        height: Option<u32>,
        replaced: bool,
    },
    /// The file already had a good cover.
    Kept {
        mime: Option<&'a str>,
        width: Option<u32>,
        height: Option<u32>,
    },
    /// Nothing to do: the format cannot carry a cover, or no album to look for.
    Skipped {
        reason: &'a str,
    },
    Failed {
        reason: &'a str,
    },
}

pub enum LyricsOutcome<'a> {
    Written {
        /// `synced` (`.lrc`) or `plain` (`.txt`).
        kind: &'a str,
        path: &'a str,
        embedded: bool,
        embed_error: Option<&'a str>,
    },
    Instrumental,
    /// `recheck_at`: when to look again (a job row due then), if ever.
    NotFound {
        recheck_at: Option<UnixMillis>,
    },
    Failed {
        reason: &'a str,
    },
}

pub fn get(conn: &mut SqliteConnection, id: i64) -> Result<Option<ArtifactsRow>, DbError> {
    Ok(download_artifacts::table
        .find(id)
        .select(ArtifactsRow::as_select())
        .first(conn)
        .optional()?)
}

/// Makes sure the download has its row.
fn ensure_row(conn: &mut SqliteConnection, id: i64, now: UnixMillis) -> Result<(), DbError> {
    diesel::insert_into(download_artifacts::table)
        .values((
            download_artifacts::download_id.eq(id),
            download_artifacts::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    Ok(())
}

fn add_event(
    conn: &mut SqliteConnection,
    id: i64,
    at: UnixMillis,
    type_: &str,
    details: Value,
) -> Result<(), DbError> {
    diesel::insert_into(download_events::table)
        .values((
            download_events::download_id.eq(id),
            download_events::at.eq(at),
            download_events::type_.eq(type_),
            download_events::details.eq(details.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

fn note(
    conn: &mut SqliteConnection,
    id: i64,
    at: UnixMillis,
    artifact: &str,
    event: &str,
    details: Value,
) -> Result<(), DbError> {
    add_event(conn, id, at, event, details.clone())?;
    let mut activity_details = details;
    activity_details["download_id"] = json!(id);
    activity::insert(conn, at, artifact, event, &activity_details.to_string())?;
    Ok(())
}

fn enqueue(
    conn: &mut SqliteConnection,
    artifact: Artifact,
    id: i64,
    payload: Value,
    run_at: UnixMillis,
    now: UnixMillis,
) -> Result<(), DbError> {
    let dedupe = artifact.dedupe(id);
    let payload = payload.to_string();
    let job = jobs::enqueue(
        conn,
        &jobs::NewJob {
            worker: artifact.worker().as_str(),
            kind: artifact.kind(),
            payload: &payload,
            dedupe_key: Some(&dedupe),
            priority: 0,
            max_attempts: artifact.attempts(),
            run_at,
        },
        now,
    )?;
    // A job already waiting (a re-check due next week) becomes this one:
    // the newer request and the earlier time win. A first tag job keeps its
    // payload: it writes the tags a refresh asks for, and hands on.
    let payload = match artifact {
        Artifact::Metadata => job.payload.clone(),
        _ => payload,
    };
    if job.state == jobs::QUEUED && (job.payload != payload || job.run_at > run_at) {
        diesel::update(worker_jobs::table.find(job.id))
            .set((
                worker_jobs::payload.eq(&payload),
                worker_jobs::run_at.eq(job.run_at.min(run_at)),
                worker_jobs::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

fn set_status(
    conn: &mut SqliteConnection,
    id: i64,
    artifact: Artifact,
    status: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    let target = downloads::table.find(id);
    match artifact {
        Artifact::Metadata => diesel::update(target)
            .set((
                downloads::metadata_status.eq(status),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
        Artifact::Artwork => diesel::update(target)
            .set((
                downloads::artwork_status.eq(status),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
        Artifact::Lyrics => diesel::update(target)
            .set((
                downloads::lyrics_status.eq(status),
                downloads::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(())
}

/// The tag job's outcome, and the artwork and lyrics jobs it hands on.
pub fn record_metadata(
    conn: &mut SqliteConnection,
    id: i64,
    outcome: &MetadataOutcome<'_>,
    follow: FollowUps,
    now: UnixMillis,
) -> Result<(), DbError> {
    ensure_row(conn, id, now)?;
    let row = download_artifacts::table.find(id);
    let status = match outcome {
        MetadataOutcome::Written {
            path,
            tags,
            spotify_image_url,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::metadata_path.eq(Some(*path)),
                    download_artifacts::tags.eq(Some(*tags)),
                    download_artifacts::metadata_error.eq(None::<String>),
                    download_artifacts::metadata_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            if let Some(url) = spotify_image_url {
                diesel::update(row)
                    .set(download_artifacts::spotify_image_url.eq(Some(*url)))
                    .execute(conn)?;
            }
            note(
                conn,
                id,
                now,
                "metadata",
                "metadata_written",
                json!({"path": path}),
            )?;
            "done"
        }
        MetadataOutcome::Skipped { reason } | MetadataOutcome::Failed { reason } => {
            diesel::update(row)
                .set((
                    download_artifacts::metadata_error.eq(Some(*reason)),
                    download_artifacts::metadata_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            let (status, event) = match outcome {
                MetadataOutcome::Skipped { .. } => ("skipped", "metadata_skipped"),
                _ => ("failed", "metadata_failed"),
            };
            note(conn, id, now, "metadata", event, json!({"error": reason}))?;
            status
        }
    };
    set_status(conn, id, Artifact::Metadata, status, now)?;

    let payload = json!({"download_id": id});
    if follow.artwork {
        if let MetadataOutcome::Skipped { reason } = outcome {
            // A file that cannot carry tags cannot carry a cover either.
            record_artwork(conn, id, &ArtworkOutcome::Skipped { reason }, now)?;
        } else {
            set_status(conn, id, Artifact::Artwork, "pending", now)?;
            enqueue(conn, Artifact::Artwork, id, payload.clone(), now, now)?;
        }
    }
    if follow.lyrics {
        set_status(conn, id, Artifact::Lyrics, "pending", now)?;
        enqueue(conn, Artifact::Lyrics, id, payload, now, now)?;
    }
    Ok(())
}

/// `POST …/{metadata,artwork,lyrics}/refresh`: the status back to `pending`
/// and a job with `refresh: true`. Only a download whose file is in the
/// library can be refreshed.
pub fn request_refresh(
    conn: &mut SqliteConnection,
    id: i64,
    artifact: Artifact,
    now: UnixMillis,
) -> Result<Result<(), Refused>, DbError> {
    let download = download_rows::get(conn, id)?;
    if download.state != "completed" || download.organized_path.is_none() {
        return Ok(Err(Refused {
            state: download.state,
            reason: "only a completed download's file can be refreshed".into(),
        }));
    }
    set_status(conn, id, artifact, "pending", now)?;
    enqueue(
        conn,
        artifact,
        id,
        json!({"download_id": id, "refresh": true}),
        now,
        now,
    )?;
    Ok(Ok(()))
}

pub fn record_artwork(
    conn: &mut SqliteConnection,
    id: i64,
    outcome: &ArtworkOutcome<'_>,
    now: UnixMillis,
) -> Result<(), DbError> {
    ensure_row(conn, id, now)?;
    let row = download_artifacts::table.find(id);
    let dim = |v: Option<u32>| v.and_then(|v| i32::try_from(v).ok());
    let status = match outcome {
        ArtworkOutcome::Embedded {
            source,
            cache_key,
            mime,
            width,
            height,
            replaced,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::artwork_source.eq(Some(*source)),
                    download_artifacts::artwork_cache_key.eq(Some(*cache_key)),
                    download_artifacts::artwork_mime.eq(Some(*mime)),
                    download_artifacts::artwork_width.eq(dim(*width)),
                    download_artifacts::artwork_height.eq(dim(*height)),
                    download_artifacts::artwork_error.eq(None::<String>),
                    download_artifacts::artwork_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            let details =
                json!({"source": source, "width": width, "height": height, "replaced": replaced});
            note(conn, id, now, "artwork", "artwork_embedded", details)?;
            "done"
        }
        ArtworkOutcome::Kept {
            mime,
            width,
            height,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::artwork_source.eq(Some("file")),
                    download_artifacts::artwork_mime.eq(*mime),
                    download_artifacts::artwork_width.eq(dim(*width)),
                    download_artifacts::artwork_height.eq(dim(*height)),
                    download_artifacts::artwork_error.eq(None::<String>),
                    download_artifacts::artwork_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            let details = json!({"width": width, "height": height});
            note(conn, id, now, "artwork", "artwork_kept", details)?;
            "done"
        }
        // A failure keeps what an earlier success recorded: the file still has it.
        ArtworkOutcome::Skipped { reason } | ArtworkOutcome::Failed { reason } => {
            diesel::update(row)
                .set((
                    download_artifacts::artwork_error.eq(Some(*reason)),
                    download_artifacts::artwork_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            let (status, event) = match outcome {
                ArtworkOutcome::Skipped { .. } => ("skipped", "artwork_skipped"),
                _ => ("failed", "artwork_failed"),
            };
            note(conn, id, now, "artwork", event, json!({"error": reason}))?;
            status
        }
    };
    set_status(conn, id, Artifact::Artwork, status, now)
}

/// The lyrics job's outcome. A `not_found` with a `recheck_at` completes the
/// running job (`job_id`) and queues the next look-up, due then.
pub fn record_lyrics(
    conn: &mut SqliteConnection,
    id: i64,
    job_id: i64,
    outcome: &LyricsOutcome<'_>,
    now: UnixMillis,
) -> Result<(), DbError> {
    ensure_row(conn, id, now)?;
    let row = download_artifacts::table.find(id);
    let status = match outcome {
        LyricsOutcome::Written {
            kind,
            path,
            embedded,
            embed_error,
        } => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_path.eq(Some(*path)),
                    download_artifacts::lyrics_kind.eq(Some(*kind)),
                    download_artifacts::lyrics_embedded.eq(*embedded),
                    download_artifacts::lyrics_error.eq(*embed_error),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            let details = json!({"kind": kind, "path": path, "embedded": embedded});
            note(conn, id, now, "lyrics", "lyrics_written", details)?;
            "done"
        }
        LyricsOutcome::Instrumental => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_error.eq(None::<String>),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            note(conn, id, now, "lyrics", "lyrics_instrumental", json!({}))?;
            "instrumental"
        }
        LyricsOutcome::NotFound { recheck_at } => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_error.eq(None::<String>),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            if let Some(at) = recheck_at {
                diesel::update(row)
                    .set(
                        download_artifacts::lyrics_rechecks
                            .eq(download_artifacts::lyrics_rechecks + 1),
                    )
                    .execute(conn)?;
                // Finished first, so that the dedupe key is free for the next one.
                jobs::complete(conn, job_id, now)?;
                let payload = json!({"download_id": id, "recheck": true});
                enqueue(conn, Artifact::Lyrics, id, payload, *at, now)?;
            }
            let details = json!({"next_check_at": recheck_at.map(crate::domain::time::to_rfc3339)});
            note(conn, id, now, "lyrics", "lyrics_not_found", details)?;
            "not_found"
        }
        LyricsOutcome::Failed { reason } => {
            diesel::update(row)
                .set((
                    download_artifacts::lyrics_error.eq(Some(*reason)),
                    download_artifacts::lyrics_at.eq(Some(now)),
                    download_artifacts::updated_at.eq(now),
                ))
                .execute(conn)?;
            note(
                conn,
                id,
                now,
                "lyrics",
                "lyrics_failed",
                json!({"error": reason}),
            )?;
            "failed"
        }
    };
    set_status(conn, id, Artifact::Lyrics, status, now)
}

pub fn cached_cover(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<CachedCover>, DbError> {
    Ok(artwork_cache::table
        .find(key)
        .select(CachedCover::as_select())
        .first(conn)
        .optional()?)
}

pub fn store_cover(conn: &mut SqliteConnection, cover: &CachedCover) -> Result<(), DbError> {
    diesel::replace_into(artwork_cache::table)
        .values(cover)
        .execute(conn)?;
    Ok(())
}

/// Jobs of `worker` that are due or running: a look-up planned for next
/// week is not work waiting now (`queue_size`).
pub fn count_due(
    conn: &mut SqliteConnection,
    worker: &str,
    now: UnixMillis,
) -> Result<i64, DbError> {
    Ok(worker_jobs::table
        .filter(worker_jobs::worker.eq(worker))
        .filter(
            worker_jobs::state.eq(jobs::RUNNING).or(worker_jobs::state
                .eq(jobs::QUEUED)
                .and(worker_jobs::run_at.le(now))),
        )
        .count()
        .get_result(conn)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::downloads::NewDownload;
    use crate::db::Db;
    use crate::domain::track::Track;

    fn download(c: &mut SqliteConnection, completed: bool) -> i64 {
        let track = Track::default();
        let new = NewDownload {
            username: "u",
            filename: "f.flac",
            size: 1,
            priority: 0,
            track: &track,
            wanted_id: None,
            artwork_status: "pending",
            lyrics_status: "pending",
        };
        let (row, _) = download_rows::create_or_get_active(c, &new, 1).unwrap();
        if completed {
            diesel::update(downloads::table.find(row.id))
                .set((
                    downloads::state.eq("completed"),
                    downloads::organized_path.eq(Some("/music/a/b/f.flac")),
                ))
                .execute(c)
                .unwrap();
        }
        row.id
    }

    fn jobs_of(c: &mut SqliteConnection, worker: &str) -> Vec<(String, String, i64)> {
        worker_jobs::table
            .filter(worker_jobs::worker.eq(worker))
            .filter(worker_jobs::state.eq(jobs::QUEUED))
            .select((worker_jobs::kind, worker_jobs::payload, worker_jobs::run_at))
            .load(c)
            .unwrap()
    }

    fn statuses(c: &mut SqliteConnection, id: i64) -> (String, String, String) {
        let row = download_rows::get(c, id).unwrap();
        (row.metadata_status, row.artwork_status, row.lyrics_status)
    }

    #[actix_rt::test]
    async fn written_tags_hand_on_in_the_same_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            let outcome = MetadataOutcome::Written {
                path: "/music/a/b/f.flac",
                tags: r#"{"title":"T"}"#,
                spotify_image_url: Some("https://i.scdn.co/image/x"),
            };
            let both = FollowUps {
                artwork: true,
                lyrics: true,
            };
            record_metadata(c, id, &outcome, both, 10)?;
            assert_eq!(
                statuses(c, id),
                ("done".into(), "pending".into(), "pending".into())
            );
            assert_eq!(jobs_of(c, "artwork").len(), 1);
            assert_eq!(jobs_of(c, "lyrics")[0].0, job::FETCH);
            let row = get(c, id)?.unwrap();
            assert_eq!(row.tags.as_deref(), Some(r#"{"title":"T"}"#));
            assert_eq!(
                row.spotify_image_url.as_deref(),
                Some("https://i.scdn.co/image/x")
            );

            // A file that cannot carry tags cannot carry a cover: no artwork job.
            let other = download(c, true);
            let skipped = MetadataOutcome::Skipped {
                reason: "unsupported: wav",
            };
            record_metadata(c, other, &skipped, both, 11)?;
            assert_eq!(
                statuses(c, other),
                ("skipped".into(), "skipped".into(), "pending".into())
            );
            assert_eq!(jobs_of(c, "artwork").len(), 1);
            assert_eq!(jobs_of(c, "lyrics").len(), 2);
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_rt::test]
    async fn a_refresh_brings_next_weeks_recheck_forward() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            let week = 7 * 24 * 3600 * 1000;
            let running = jobs::enqueue(
                c,
                &jobs::NewJob {
                    worker: "lyrics",
                    kind: job::FETCH,
                    payload: &json!({"download_id": id}).to_string(),
                    dedupe_key: Some(&format!("fetch:{id}")),
                    priority: 0,
                    max_attempts: 4,
                    run_at: 0,
                },
                0,
            )?;
            let jobs::Claim::Job(claimed) = jobs::claim_next(c, "lyrics", 1)? else {
                panic!("expected the job")
            };
            assert_eq!(claimed.id, running.id);
            let not_found = LyricsOutcome::NotFound {
                recheck_at: Some(week),
            };
            record_lyrics(c, id, claimed.id, &not_found, 5)?;
            assert_eq!(statuses(c, id).2, "not_found");
            assert_eq!(jobs::get(c, claimed.id)?.state, jobs::DONE);
            assert_eq!(jobs_of(c, "lyrics")[0].2, week);
            assert_eq!(count_due(c, "lyrics", 6)?, 0, "not work waiting now");
            assert_eq!(get(c, id)?.unwrap().lyrics_rechecks, 1);

            assert_eq!(request_refresh(c, id, Artifact::Lyrics, 20)?, Ok(()));
            let queued = jobs_of(c, "lyrics");
            assert_eq!(queued.len(), 1, "still one job");
            assert_eq!(queued[0].2, 20, "due now");
            assert!(queued[0].1.contains("\"refresh\":true"));
            assert_eq!(statuses(c, id).2, "pending");
            assert_eq!(count_due(c, "lyrics", 20)?, 1);

            let queued_download = download(c, false);
            let refused = request_refresh(c, queued_download, Artifact::Artwork, 21)?;
            assert_eq!(refused.map_err(|r| r.state), Err("queued".to_string()));
            assert!(
                request_refresh(c, 9999, Artifact::Metadata, 22).is_err_and(|e| e.is_not_found())
            );
            Ok(())
        })
        .await
        .unwrap();
    }

    #[actix_rt::test]
    async fn a_failed_artwork_keeps_what_an_earlier_success_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        db.write(|c| {
            let id = download(c, true);
            let embedded = ArtworkOutcome::Embedded {
                source: "spotify",
                cache_key: "spotify:x",
                mime: "image/jpeg",
                width: Some(1400),
                height: Some(1400),
                replaced: false,
            };
            record_artwork(c, id, &embedded, 1)?;
            let failed = ArtworkOutcome::Failed {
                reason: "spotify: HTTP 503",
            };
            record_artwork(c, id, &failed, 2)?;
            let row = get(c, id)?.unwrap();
            assert_eq!(row.artwork_source.as_deref(), Some("spotify"));
            assert_eq!(row.artwork_width, Some(1400));
            assert_eq!(row.artwork_error.as_deref(), Some("spotify: HTTP 503"));
            assert_eq!(statuses(c, id).1, "failed");

            let cover = CachedCover {
                cache_key: "spotify:x".into(),
                file_name: "ab.jpg".into(),
                mime: "image/jpeg".into(),
                width: Some(1400),
                height: Some(1400),
                bytes: 10,
                source: "spotify".into(),
                url: "https://i.scdn.co/image/x".into(),
                fetched_at: 3,
            };
            store_cover(c, &cover)?;
            store_cover(c, &cover)?;
            assert_eq!(cached_cover(c, "spotify:x")?, Some(cover));
            assert_eq!(cached_cover(c, "spotify:y")?, None);
            Ok(())
        })
        .await
        .unwrap();
    }
}
