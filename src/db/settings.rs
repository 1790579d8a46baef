//! Settings overrides stored through the API, and their history.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{settings, settings_history};
use super::DbError;

#[derive(Debug, Clone, Queryable)]
pub struct HistoryRow {
    pub id: i64,
    pub key: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub changed_at: i64,
}

/// All stored overrides as (key, value).
pub fn overrides(conn: &mut SqliteConnection) -> Result<Vec<(String, String)>, DbError> {
    Ok(settings::table
        .select((settings::key, settings::value))
        .order(settings::key)
        .load(conn)?)
}

/// Sets (`Some`) or removes (`None`) one override; writes a history row when
/// the stored value actually changes. Call inside a write transaction.
pub fn apply(
    conn: &mut SqliteConnection,
    key: &str,
    value: Option<&str>,
    now: i64,
) -> Result<(), DbError> {
    let old: Option<String> = settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()?;
    if old.as_deref() == value {
        return Ok(());
    }
    match value {
        Some(v) => {
            diesel::insert_into(settings::table)
                .values((
                    settings::key.eq(key),
                    settings::value.eq(v),
                    settings::updated_at.eq(now),
                ))
                .on_conflict(settings::key)
                .do_update()
                .set((settings::value.eq(v), settings::updated_at.eq(now)))
                .execute(conn)?;
        }
        None => {
            diesel::delete(settings::table.find(key)).execute(conn)?;
        }
    }
    diesel::insert_into(settings_history::table)
        .values((
            settings_history::key.eq(key),
            settings_history::old_value.eq(old),
            settings_history::new_value.eq(value),
            settings_history::changed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Newest first.
pub fn history(conn: &mut SqliteConnection, limit: i64) -> Result<Vec<HistoryRow>, DbError> {
    Ok(settings_history::table
        .order((
            settings_history::changed_at.desc(),
            settings_history::id.desc(),
        ))
        .limit(limit)
        .load(conn)?)
}
