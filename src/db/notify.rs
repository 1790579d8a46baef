//! Notification targets and the events waiting to be grouped into messages.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{notification_events, notification_targets};
use super::DbError;
use crate::domain::notify::grouping::Pending;
use crate::domain::time::UnixMillis;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = notification_targets)]
pub struct TargetRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub secret: Option<String>,
    pub apprise_key: Option<String>,
    /// JSON array of event names.
    pub events: String,
    pub enabled: bool,
    pub from_config: bool,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub last_sent_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TargetRow {
    pub fn event_filter(&self) -> Vec<String> {
        serde_json::from_str(&self.events).unwrap_or_else(|_| vec!["*".to_string()])
    }
}

/// A target's settings as written.
#[derive(Debug, Clone)]
pub struct TargetFields {
    pub name: String,
    pub kind: String,
    pub url: String,
    pub secret: Option<String>,
    pub apprise_key: Option<String>,
    pub events: Vec<String>,
    pub enabled: bool,
}

fn events_json(events: &[String]) -> String {
    serde_json::to_string(events).unwrap_or_else(|_| "[\"*\"]".into())
}

pub fn list_targets(conn: &mut SqliteConnection) -> Result<Vec<TargetRow>, DbError> {
    Ok(notification_targets::table
        .order(notification_targets::id.asc())
        .select(TargetRow::as_select())
        .load(conn)?)
}

pub fn find_target(conn: &mut SqliteConnection, id: i64) -> Result<Option<TargetRow>, DbError> {
    Ok(notification_targets::table
        .find(id)
        .select(TargetRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_target_by_name(
    conn: &mut SqliteConnection,
    name: &str,
) -> Result<Option<TargetRow>, DbError> {
    Ok(notification_targets::table
        .filter(notification_targets::name.eq(name))
        .select(TargetRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert_target(
    conn: &mut SqliteConnection,
    t: &TargetFields,
    from_config: bool,
    now: UnixMillis,
) -> Result<TargetRow, DbError> {
    Ok(diesel::insert_into(notification_targets::table)
        .values((
            notification_targets::name.eq(&t.name),
            notification_targets::kind.eq(&t.kind),
            notification_targets::url.eq(&t.url),
            notification_targets::secret.eq(&t.secret),
            notification_targets::apprise_key.eq(&t.apprise_key),
            notification_targets::events.eq(events_json(&t.events)),
            notification_targets::enabled.eq(t.enabled),
            notification_targets::from_config.eq(from_config),
            notification_targets::created_at.eq(now),
            notification_targets::updated_at.eq(now),
        ))
        .returning(TargetRow::as_returning())
        .get_result(conn)?)
}

pub fn update_target(
    conn: &mut SqliteConnection,
    id: i64,
    t: &TargetFields,
    now: UnixMillis,
) -> Result<TargetRow, DbError> {
    Ok(diesel::update(notification_targets::table.find(id))
        .set((
            notification_targets::name.eq(&t.name),
            notification_targets::kind.eq(&t.kind),
            notification_targets::url.eq(&t.url),
            notification_targets::secret.eq(&t.secret),
            notification_targets::apprise_key.eq(&t.apprise_key),
            notification_targets::events.eq(events_json(&t.events)),
            notification_targets::enabled.eq(t.enabled),
            notification_targets::updated_at.eq(now),
        ))
        .returning(TargetRow::as_returning())
        .get_result(conn)?)
}

pub fn delete_target(conn: &mut SqliteConnection, id: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(notification_targets::table.find(id)).execute(conn)? > 0)
}

/// Targets declared in the settings file that it no longer declares.
pub fn delete_config_targets_except(
    conn: &mut SqliteConnection,
    keep: &[String],
) -> Result<usize, DbError> {
    Ok(diesel::delete(
        notification_targets::table
            .filter(notification_targets::from_config.eq(true))
            .filter(notification_targets::name.ne_all(keep)),
    )
    .execute(conn)?)
}

pub fn record_sent(conn: &mut SqliteConnection, id: i64, now: UnixMillis) -> Result<(), DbError> {
    diesel::update(notification_targets::table.find(id))
        .set(notification_targets::last_sent_at.eq(now))
        .execute(conn)?;
    Ok(())
}

pub fn record_error(
    conn: &mut SqliteConnection,
    id: i64,
    error: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(notification_targets::table.find(id))
        .set((
            notification_targets::last_error.eq(error),
            notification_targets::last_error_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// An event waits for its message.
pub fn insert_event(
    conn: &mut SqliteConnection,
    event: &str,
    data: &str,
    at: UnixMillis,
) -> Result<(), DbError> {
    diesel::insert_into(notification_events::table)
        .values((
            notification_events::event.eq(event),
            notification_events::data.eq(data),
            notification_events::at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every waiting event (without its data).
pub fn pending(conn: &mut SqliteConnection) -> Result<Vec<Pending>, DbError> {
    let rows: Vec<(i64, String, i64)> = notification_events::table
        .order(notification_events::id.asc())
        .select((
            notification_events::id,
            notification_events::event,
            notification_events::at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, event, at)| Pending { id, event, at })
        .collect())
}

/// The data of these events, oldest first.
pub fn event_data(conn: &mut SqliteConnection, ids: &[i64]) -> Result<Vec<String>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let mut rows: Vec<(i64, String)> = notification_events::table
            .filter(notification_events::id.eq_any(chunk))
            .select((notification_events::id, notification_events::data))
            .load(conn)?;
        rows.sort_by_key(|(id, _)| *id);
        out.extend(rows.into_iter().map(|(_, d)| d));
    }
    Ok(out)
}

pub fn delete_events(conn: &mut SqliteConnection, ids: &[i64]) -> Result<(), DbError> {
    for chunk in ids.chunks(500) {
        diesel::delete(notification_events::table.filter(notification_events::id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether any target listens (pending events are written only then).
pub fn any_enabled_target(conn: &mut SqliteConnection) -> Result<bool, DbError> {
    use diesel::dsl::exists;
    Ok(diesel::select(exists(
        notification_targets::table.filter(notification_targets::enabled.eq(true)),
    ))
    .get_result(conn)?)
}

/// The targets of the settings file, as declared now: each written by name
/// (a same-named API target becomes declared), and declared ones no longer
/// in the file removed. Their delivery history stays.
pub fn seed_declared(
    conn: &mut SqliteConnection,
    declared: &[TargetFields],
    now: UnixMillis,
) -> Result<(), DbError> {
    conn.immediate_transaction(|conn| {
        for t in declared {
            match find_target_by_name(conn, &t.name)? {
                Some(row) => {
                    update_target(conn, row.id, t, now)?;
                    diesel::update(notification_targets::table.find(row.id))
                        .set(notification_targets::from_config.eq(true))
                        .execute(conn)?;
                }
                None => {
                    insert_target(conn, t, true, now)?;
                }
            }
        }
        let names: Vec<String> = declared.iter().map(|t| t.name.clone()).collect();
        delete_config_targets_except(conn, &names)?;
        Ok(())
    })
}
