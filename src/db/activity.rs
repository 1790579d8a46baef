//! The activity feed: what happened, newest first.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::activity_events;
use super::DbError;

#[derive(Debug, Clone, Queryable)]
pub struct ActivityRow {
    pub id: i64,
    pub at: i64,
    pub type_: String,
    pub status: String,
    /// JSON object.
    pub details: String,
}

pub fn insert(
    conn: &mut SqliteConnection,
    at: i64,
    type_: &str,
    status: &str,
    details: &str,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(activity_events::table)
        .values((
            activity_events::at.eq(at),
            activity_events::type_.eq(type_),
            activity_events::status.eq(status),
            activity_events::details.eq(details),
        ))
        .returning(activity_events::id)
        .get_result(conn)?)
}

/// Newest first, optionally of one type and older than `before_id`.
pub fn list(
    conn: &mut SqliteConnection,
    type_: Option<&str>,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<ActivityRow>, DbError> {
    let mut query = activity_events::table.into_boxed();
    if let Some(t) = type_ {
        query = query.filter(activity_events::type_.eq(t.to_string()));
    }
    if let Some(before) = before_id {
        query = query.filter(activity_events::id.lt(before));
    }
    Ok(query
        .order(activity_events::id.desc())
        .limit(limit)
        .load(conn)?)
}
