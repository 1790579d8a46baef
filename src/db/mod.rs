//! The database: a small pool of SQLite connections, every query run off the
//! async threads. The only place with SQL.

pub mod activity;
pub mod artifacts;
pub mod backfill;
pub mod downloads;
pub mod imports;
pub mod jobs;
pub mod library;
pub mod notify;
pub mod playlist_order;
mod pool;
pub mod schema;
pub mod schema_library;
pub mod settings;
pub mod settings_peek;
pub mod spotify;
pub mod sql_types;
mod threads;
pub mod ui_sessions;
pub mod wanted;
pub mod wanted_bulk;
pub mod watchlist;

pub use pool::{release_cached_pages, Db, DbError, MIGRATIONS};
