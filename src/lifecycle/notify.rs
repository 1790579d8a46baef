//! Notifications as state changes. An event worth telling is written as a
//! pending row in the transaction that makes it true (`project`, called by
//! `Change::finish` beside the activity feed), so a crash right after the
//! commit loses nothing. The notify worker turns closed windows of pending
//! rows into one delivery job per message and target (`group_due`), and
//! records each delivery's outcome (`record_sent`, `record_failed`).

use diesel::sqlite::SqliteConnection;
use serde_json::{json, Value};

use super::events::Event;
use super::Change;
use crate::db::notify::{self as store, TargetRow};
use crate::db::{downloads, jobs, wanted, watchlist, DbError};
use crate::domain::notify::filter;
use crate::domain::notify::grouping::{due_groups, next_due};
use crate::domain::notify::message::Message;
use crate::domain::time::{to_rfc3339, UnixMillis};
use crate::domain::track::Track;
use crate::domain::workers::name::WorkerName;
use crate::jobs::NotifyJob;

/// What a download was, for its notification.
fn download_data(conn: &mut SqliteConnection, id: crate::domain::ids::DownloadId) -> Value {
    let Ok(Some(row)) = downloads::find(conn, id) else {
        return json!({"download_id": id});
    };
    let track: Track = serde_json::from_str(&row.track).unwrap_or_default();
    let source = match row.wanted_id {
        Some(w) => wanted::find(conn, w)
            .ok()
            .flatten()
            .map(|w| w.source)
            .unwrap_or_else(|| "wanted".into()),
        None => "download".into(),
    };
    json!({
        "download_id": id,
        "artist": track.artist,
        "title": track.title,
        "album": track.album,
        "username": row.username,
        "filename": row.filename,
        "source": source,
    })
}

/// The notification of an event (its name and data), if it is one.
fn notification(conn: &mut SqliteConnection, event: &Event) -> Option<(&'static str, Value)> {
    let data = match event {
        Event::DownloadCompleted {
            download_id, path, ..
        } => {
            let mut data = download_data(conn, *download_id);
            data["path"] = json!(path);
            data
        }
        Event::DownloadDeadLettered { download_id, error } => {
            let mut data = download_data(conn, *download_id);
            data["reason"] = json!(error);
            data
        }
        Event::WantedFailed {
            wanted_id,
            searches,
        } => {
            let row = wanted::find(conn, *wanted_id).ok().flatten();
            let reason = format!("nothing acceptable found in {searches} searches");
            json!({
                "wanted_id": wanted_id,
                "artist": row.as_ref().map(|r| r.artist.clone()),
                "title": row.as_ref().map(|r| r.title.clone()),
                "source": row.as_ref().map(|r| r.source.clone()),
                "searches": searches,
                "reason": reason,
            })
        }
        Event::NewReleasesFound {
            watch_id,
            spotify_artist_id,
            releases,
            tracks,
        } => {
            let name = watchlist::get(conn, *watch_id).ok().and_then(|w| w.name);
            json!({
                "watch_id": watch_id,
                "artist": name.unwrap_or_else(|| spotify_artist_id.clone()),
                "spotify_artist_id": spotify_artist_id,
                "releases": releases,
                "tracks": tracks,
            })
        }
        // A sync that found nothing new is not news.
        Event::PlaylistSynced {
            playlist_id,
            name,
            added,
        } if *added > 0 => json!({"playlist_id": playlist_id, "name": name, "new_tracks": added}),
        Event::ImportFinished { import_id, counts } => {
            json!({"import_id": import_id, "counts": counts})
        }
        Event::SpotifyAuthorizationNeeded => {
            json!({"message": "Spotify refused the stored token: connect the account again"})
        }
        Event::SlskdUnreachable { since, seconds } => {
            json!({"since": to_rfc3339(*since), "seconds": seconds})
        }
        Event::SlskdRecovered { outage_seconds } => json!({"outage_seconds": outage_seconds}),
        Event::WorkerRestartingRepeatedly {
            worker,
            restarts,
            window_seconds,
            last_error,
        } => json!({"worker": worker, "restarts": restarts,
                    "window_seconds": window_seconds, "last_error": last_error}),
        _ => return None,
    };
    Some((event.name(), data))
}

/// Writes the pending rows of the events worth telling (inside the
/// change's transaction). Nothing is written while no target is enabled.
pub(super) fn project(
    conn: &mut SqliteConnection,
    now: UnixMillis,
    events: &[Event],
) -> Result<(), DbError> {
    let mut checked = None;
    for event in events {
        if !crate::domain::notify::kind::EVENTS.contains(&event.name()) {
            continue;
        }
        let listening = match checked {
            Some(l) => l,
            None => {
                let l = store::any_enabled_target(conn)?;
                checked = Some(l);
                l
            }
        };
        if !listening {
            return Ok(());
        }
        if let Some((name, data)) = notification(conn, event) {
            store::insert_event(conn, name, &data.to_string(), now)?;
        }
    }
    Ok(())
}

/// Turns every closed window into messages: one delivery job per message
/// and target that wants it; the pending rows go in the same transaction.
/// Answers when the next window closes.
pub fn group_due(c: &mut Change<'_>, batch_ms: i64) -> Result<Option<UnixMillis>, DbError> {
    let now = c.now();
    let pending = store::pending(c.conn())?;
    let groups = due_groups(&pending, batch_ms, now);
    if groups.is_empty() {
        return Ok(next_due(&pending, batch_ms));
    }
    let targets: Vec<TargetRow> = store::list_targets(c.conn())?
        .into_iter()
        .filter(|t| t.enabled)
        .collect();
    for group in &groups {
        let data: Vec<Value> = store::event_data(c.conn(), &group.ids)?
            .iter()
            .map(|d| serde_json::from_str(d).unwrap_or(Value::Null))
            .collect();
        let first = group.ids.first().copied().unwrap_or_default();
        let at = pending.iter().find(|p| p.id == first).map_or(now, |p| p.at);
        let message = Message::group(first, &group.event, to_rfc3339(at), data);
        for target in &targets {
            if filter::wants(&target.event_filter(), &group.event) {
                c.enqueue(&NotifyJob::Deliver {
                    target_id: target.id,
                    message: message.clone(),
                })?;
            }
        }
        store::delete_events(c.conn(), &group.ids)?;
    }
    let left = store::pending(c.conn())?;
    Ok(next_due(&left, batch_ms))
}

pub fn record_sent(c: &mut Change<'_>, target: &TargetRow, job: &NotifyJob) -> Result<(), DbError> {
    let now = c.now();
    store::record_sent(c.conn(), target.id, now)?;
    // The target answers again: its messages waiting for a retry go now.
    let suffix = NotifyJob::target_key_suffix(target.id);
    if jobs::bring_forward_by_key_suffix(c.conn(), WorkerName::Notify.as_str(), &suffix, now)? > 0 {
        c.wake(WorkerName::Notify);
    }
    let m = job.message();
    c.emit(Event::NotificationSent {
        target_id: target.id,
        target: target.name.clone(),
        kind: kind_str(&target.kind),
        about: m.event.clone(),
        count: m.count,
        message_id: m.id.clone(),
    });
    Ok(())
}

/// A failed attempt: the target's `last_error`; when given up, also the
/// activity entry.
pub fn record_failed(
    c: &mut Change<'_>,
    target: &TargetRow,
    job: &NotifyJob,
    error: &str,
    given_up: bool,
) -> Result<(), DbError> {
    let now = c.now();
    store::record_error(c.conn(), target.id, error, now)?;
    if given_up {
        let m = job.message();
        c.emit(Event::NotificationFailed {
            target_id: target.id,
            target: target.name.clone(),
            kind: kind_str(&target.kind),
            about: m.event.clone(),
            count: m.count,
            message_id: m.id.clone(),
            error: error.to_string(),
        });
    }
    Ok(())
}

fn kind_str(kind: &str) -> &'static str {
    kind.parse::<crate::domain::notify::kind::TargetKind>()
        .map(|k| k.as_str())
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::notify::TargetFields;
    use crate::db::Db;
    use crate::domain::ids::WantedId;
    use crate::lifecycle::Lifecycle;

    fn failed(id: i64) -> Event {
        Event::WantedFailed {
            wanted_id: WantedId(id),
            searches: 7,
        }
    }

    async fn pending(db: &Db) -> usize {
        db.read(|c| Ok(store::pending(c)?.len())).await.unwrap()
    }

    #[actix_rt::test]
    async fn pending_rows_are_written_with_the_change_only_while_a_target_listens() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let lifecycle = Lifecycle::without_workers(db.clone());
        lifecycle.announce(failed(1)).await.unwrap();
        assert_eq!(pending(&db).await, 0, "nobody listens: nothing kept");

        let target = TargetFields {
            name: "t".into(),
            kind: "webhook".into(),
            url: "http://h/x".into(),
            secret: None,
            apprise_key: None,
            events: vec!["download.completed".into()],
            enabled: true,
        };
        db.write(move |c| store::insert_target(c, &target, false, 0))
            .await
            .unwrap();
        lifecycle.announce(failed(2)).await.unwrap();
        // Not a notification event.
        lifecycle
            .announce(Event::DownloadStarted {
                download_id: crate::domain::ids::DownloadId(1),
            })
            .await
            .unwrap();
        assert_eq!(pending(&db).await, 1);

        let rolled_back = lifecycle
            .change(|c| {
                c.emit(failed(3));
                Err::<(), _>(DbError::Task("refused".into()))
            })
            .await;
        assert!(rolled_back.is_err());
        assert_eq!(pending(&db).await, 1, "rolled back with its change");

        // The window closed: the filter does not want it, so no job, and the row is gone.
        let next = lifecycle.change(|c| group_due(c, 0)).await.unwrap();
        assert_eq!(next, None);
        assert_eq!(pending(&db).await, 0);
        let jobs = db
            .read(|c| crate::db::jobs::count_pending(c, "notify"))
            .await
            .unwrap();
        assert_eq!(jobs, 0);
    }
}
