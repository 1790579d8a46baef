//! Pure logic: no I/O, no actix, no diesel.

pub mod artwork_cache_key;
pub mod artwork_rules;
pub mod backoff;
pub mod connection;
pub mod download_state;
pub mod image_hosts;
pub mod image_size;
pub mod import_progress;
pub mod imports;
pub mod lyrics;
pub mod matching;
pub mod naming;
pub mod pkce;
pub mod reconcile;
pub mod release_date;
pub mod remote_path;
pub mod schedule;
pub mod search_window;
pub mod secret;
pub mod spotify_match;
pub mod time;
pub mod track;
pub mod transfer_state;
pub mod wanted;
pub mod worker_name;
pub mod worker_state;
