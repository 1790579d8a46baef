//! The Spotify account (tokens, pending authorizations) and the user's
//! playlists as last seen, with the tracks already taken from each.

use crate::domain::ids::WantedId;
use diesel::prelude::*;
use diesel::sqlite::SqliteConnection;

use super::schema::{spotify_account, spotify_auth_requests};
use super::schema::{spotify_playlist_tracks, spotify_playlists};
use super::DbError;
use crate::domain::time::UnixMillis;

/// An authorization not completed within this time is forgotten: `state`
/// values live 10 minutes (`api.md` §13 "Spotify").
pub const AUTH_REQUEST_TTL_MS: i64 = 10 * 60 * 1000;
/// The pseudo-playlist of the saved tracks.
pub const LIKED: &str = "liked";

/// The stored account. Never serialised: the tokens stay in the database.
#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = spotify_account)]
pub struct Account {
    pub id: i64,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at: i64,
    pub scope: Option<String>,
    pub revoked: bool,
    pub user_id: Option<String>,
    pub display_name: Option<String>,
    pub updated_at: i64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("access_token", &"********")
            .field("refresh_token", &"********")
            .field("expires_at", &self.expires_at)
            .field("revoked", &self.revoked)
            .field("user_id", &self.user_id)
            .finish()
    }
}

impl Account {
    /// A token that can still be used or refreshed.
    pub fn is_authorized(&self) -> bool {
        !self.revoked
    }
}

pub fn account(conn: &mut SqliteConnection) -> Result<Option<Account>, DbError> {
    Ok(spotify_account::table
        .find(1)
        .select(Account::as_select())
        .first(conn)
        .optional()?)
}

/// Stores a token grant; a refresh that returns no new refresh token keeps
/// the old one (Spotify may omit it).
pub fn save_tokens(
    conn: &mut SqliteConnection,
    access_token: &str,
    refresh_token: Option<&str>,
    expires_at: UnixMillis,
    scope: Option<&str>,
    now: UnixMillis,
) -> Result<(), DbError> {
    let kept = match refresh_token {
        Some(token) => Some(token.to_string()),
        None => account(conn)?.and_then(|a| a.refresh_token),
    };
    diesel::insert_into(spotify_account::table)
        .values((
            spotify_account::id.eq(1),
            spotify_account::access_token.eq(access_token),
            spotify_account::refresh_token.eq(&kept),
            spotify_account::expires_at.eq(expires_at),
            spotify_account::scope.eq(scope),
            spotify_account::revoked.eq(false),
            spotify_account::updated_at.eq(now),
        ))
        .on_conflict(spotify_account::id)
        .do_update()
        .set((
            spotify_account::access_token.eq(access_token),
            spotify_account::refresh_token.eq(&kept),
            spotify_account::expires_at.eq(expires_at),
            spotify_account::scope.eq(scope),
            spotify_account::revoked.eq(false),
            spotify_account::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn save_user(
    conn: &mut SqliteConnection,
    user_id: &str,
    display_name: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(spotify_account::table.find(1))
        .set((
            spotify_account::user_id.eq(user_id),
            spotify_account::display_name.eq(display_name),
        ))
        .execute(conn)?;
    Ok(())
}

/// Spotify refused the refresh token: the user must authorize again.
pub fn mark_revoked(conn: &mut SqliteConnection, now: UnixMillis) -> Result<(), DbError> {
    diesel::update(spotify_account::table.find(1))
        .set((
            spotify_account::revoked.eq(true),
            spotify_account::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Remembers the PKCE verifier of an authorization started with `state`.
pub fn start_authorization(
    conn: &mut SqliteConnection,
    state: &str,
    verifier: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::delete(
        spotify_auth_requests::table
            .filter(spotify_auth_requests::created_at.lt(now - AUTH_REQUEST_TTL_MS)),
    )
    .execute(conn)?;
    diesel::insert_into(spotify_auth_requests::table)
        .values((
            spotify_auth_requests::state.eq(state),
            spotify_auth_requests::code_verifier.eq(verifier),
            spotify_auth_requests::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The verifier of a pending authorization, consumed (a `state` works once).
pub fn take_authorization(
    conn: &mut SqliteConnection,
    state: &str,
    now: UnixMillis,
) -> Result<Option<String>, DbError> {
    let found: Option<(String, i64)> = spotify_auth_requests::table
        .find(state)
        .select((
            spotify_auth_requests::code_verifier,
            spotify_auth_requests::created_at,
        ))
        .first(conn)
        .optional()?;
    diesel::delete(spotify_auth_requests::table.find(state)).execute(conn)?;
    Ok(found
        .filter(|(_, created)| *created >= now - AUTH_REQUEST_TTL_MS)
        .map(|(verifier, _)| verifier))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = spotify_playlists)]
pub struct PlaylistRow {
    pub id: String,
    pub name: String,
    pub owner: Option<String>,
    pub track_count: i32,
    pub snapshot_id: Option<String>,
    pub position: i32,
    pub sync: bool,
    pub synced_snapshot_id: Option<String>,
    pub last_synced_at: Option<i64>,
    pub unavailable_snapshot_id: Option<String>,
    pub last_error: Option<String>,
    pub removed: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PlaylistRow {
    /// Its tracks must be fetched: synced, and this snapshot not taken yet
    /// nor known to be refused.
    pub fn needs_sync(&self) -> bool {
        self.sync
            && !self.removed
            && self.snapshot_id != self.synced_snapshot_id
            && (self.snapshot_id.is_none() || self.snapshot_id != self.unavailable_snapshot_id)
    }

    /// Spotify refuses this snapshot's items (editorial playlists).
    pub fn is_available(&self) -> bool {
        self.snapshot_id.is_none() || self.snapshot_id != self.unavailable_snapshot_id
    }
}

/// A playlist as Spotify lists it now.
#[derive(Debug, Clone)]
pub struct SeenPlaylist {
    pub id: String,
    pub name: String,
    pub owner: Option<String>,
    pub track_count: i32,
    pub snapshot_id: Option<String>,
}

/// Records the user's current list: new playlists are added (not synced),
/// known ones updated, and ones no longer listed marked removed (their
/// wanted tracks and files stay). `liked` is refreshed the same way.
pub fn record_seen(
    conn: &mut SqliteConnection,
    seen: &[SeenPlaylist],
    now: UnixMillis,
) -> Result<(), DbError> {
    for (position, p) in seen.iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        diesel::insert_into(spotify_playlists::table)
            .values((
                spotify_playlists::id.eq(&p.id),
                spotify_playlists::name.eq(&p.name),
                spotify_playlists::owner.eq(&p.owner),
                spotify_playlists::track_count.eq(p.track_count),
                spotify_playlists::snapshot_id.eq(&p.snapshot_id),
                spotify_playlists::position.eq(position),
                spotify_playlists::created_at.eq(now),
                spotify_playlists::updated_at.eq(now),
            ))
            .on_conflict(spotify_playlists::id)
            .do_update()
            .set((
                spotify_playlists::name.eq(&p.name),
                spotify_playlists::owner.eq(&p.owner),
                spotify_playlists::track_count.eq(p.track_count),
                spotify_playlists::snapshot_id.eq(&p.snapshot_id),
                spotify_playlists::position.eq(position),
                spotify_playlists::removed.eq(false),
                spotify_playlists::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    let ids: Vec<&str> = seen.iter().map(|p| p.id.as_str()).collect();
    diesel::update(spotify_playlists::table.filter(spotify_playlists::id.ne_all(ids)))
        .set((
            spotify_playlists::removed.eq(true),
            spotify_playlists::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Listed playlists in Spotify's order (`liked` first).
pub fn list(conn: &mut SqliteConnection) -> Result<Vec<PlaylistRow>, DbError> {
    Ok(spotify_playlists::table
        .filter(spotify_playlists::removed.eq(false))
        .order(spotify_playlists::position)
        .select(PlaylistRow::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut SqliteConnection, id: &str) -> Result<PlaylistRow, DbError> {
    Ok(spotify_playlists::table
        .find(id)
        .select(PlaylistRow::as_select())
        .first(conn)?)
}

pub fn set_sync(
    conn: &mut SqliteConnection,
    id: &str,
    sync: bool,
    now: UnixMillis,
) -> Result<PlaylistRow, DbError> {
    Ok(diesel::update(spotify_playlists::table.find(id))
        .set((
            spotify_playlists::sync.eq(sync),
            spotify_playlists::updated_at.eq(now),
        ))
        .returning(PlaylistRow::as_returning())
        .get_result(conn)?)
}

/// Which of these tracks the playlist already has.
pub fn known_tracks(
    conn: &mut SqliteConnection,
    playlist_id: &str,
    ids: &[&str],
) -> Result<std::collections::HashSet<String>, DbError> {
    Ok(spotify_playlist_tracks::table
        .filter(spotify_playlist_tracks::playlist_id.eq(playlist_id))
        .filter(spotify_playlist_tracks::spotify_track_id.eq_any(ids))
        .select(spotify_playlist_tracks::spotify_track_id)
        .load(conn)?
        .into_iter()
        .collect())
}

/// Adds a track to the playlist; false when it already was there.
pub fn insert_track(
    conn: &mut SqliteConnection,
    playlist_id: &str,
    spotify_id: &str,
    now: UnixMillis,
) -> Result<bool, DbError> {
    Ok(diesel::insert_into(spotify_playlist_tracks::table)
        .values((
            spotify_playlist_tracks::playlist_id.eq(playlist_id),
            spotify_playlist_tracks::spotify_track_id.eq(spotify_id),
            spotify_playlist_tracks::added_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?
        == 1)
}

/// The wanted track a playlist's track became (the first one it got).
pub fn set_track_wanted(
    conn: &mut SqliteConnection,
    playlist_id: &str,
    spotify_id: &str,
    wanted_id: WantedId,
) -> Result<(), DbError> {
    diesel::update(
        spotify_playlist_tracks::table
            .find((playlist_id, spotify_id))
            .filter(spotify_playlist_tracks::wanted_id.is_null()),
    )
    .set(spotify_playlist_tracks::wanted_id.eq(wanted_id))
    .execute(conn)?;
    Ok(())
}

/// Every track of `snapshot` is wanted.
pub fn mark_synced(
    conn: &mut SqliteConnection,
    id: &str,
    snapshot: Option<&str>,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(spotify_playlists::table.find(id))
        .set((
            spotify_playlists::synced_snapshot_id.eq(snapshot),
            spotify_playlists::last_synced_at.eq(now),
            spotify_playlists::last_error.eq(None::<String>),
            spotify_playlists::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// Spotify does not hand out this snapshot's items (404 on editorial
/// playlists): not asked again until the playlist changes.
pub fn mark_unavailable(
    conn: &mut SqliteConnection,
    id: &str,
    snapshot: Option<&str>,
    error: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(spotify_playlists::table.find(id))
        .set((
            spotify_playlists::unavailable_snapshot_id.eq(snapshot),
            spotify_playlists::last_error.eq(error),
            spotify_playlists::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn record_error(
    conn: &mut SqliteConnection,
    id: &str,
    error: &str,
    now: UnixMillis,
) -> Result<(), DbError> {
    diesel::update(spotify_playlists::table.find(id))
        .set((
            spotify_playlists::last_error.eq(error),
            spotify_playlists::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::Db;

    #[actix_rt::test]
    async fn a_state_lives_ten_minutes_and_works_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("h.db")).unwrap();
        let minute = 60_000;
        let taken = db
            .write(move |c| {
                start_authorization(c, "fresh", "v1", 0)?;
                start_authorization(c, "stale", "v2", 0)?;
                let fresh = take_authorization(c, "fresh", 10 * minute)?;
                let again = take_authorization(c, "fresh", 10 * minute)?;
                let stale = take_authorization(c, "stale", 10 * minute + 1)?;
                Ok((fresh, again, stale))
            })
            .await
            .unwrap();
        assert_eq!(taken, (Some("v1".to_string()), None, None));
    }
}
