//! Sessions of the web UI, by the hash of their token.

use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::ui_sessions;
use super::DbError;

pub fn insert(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), DbError> {
    // Sessions past their time go when a new one starts: the table stays small.
    diesel::delete(ui_sessions::table.filter(ui_sessions::expires_at.le(now))).execute(conn)?;
    diesel::insert_into(ui_sessions::table)
        .values((
            ui_sessions::token_hash.eq(token_hash),
            ui_sessions::created_at.eq(now),
            ui_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether a session with this token hash exists and has not expired.
pub fn is_valid(conn: &mut SqliteConnection, token_hash: &str, now: i64) -> Result<bool, DbError> {
    let found: Option<String> = ui_sessions::table
        .filter(ui_sessions::token_hash.eq(token_hash))
        .filter(ui_sessions::expires_at.gt(now))
        .select(ui_sessions::token_hash)
        .first(conn)
        .optional()?;
    Ok(found.is_some())
}

pub fn delete(conn: &mut SqliteConnection, token_hash: &str) -> Result<(), DbError> {
    diesel::delete(ui_sessions::table.filter(ui_sessions::token_hash.eq(token_hash)))
        .execute(conn)?;
    Ok(())
}
