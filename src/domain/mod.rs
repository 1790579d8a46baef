//! Pure logic: no I/O, no actix, no diesel. Grouped by subject; the basics
//! every subject shares (ids, secrets, time, the track) stay at the top.

pub mod artwork;
pub mod connections;
pub mod downloads;
pub mod ids;
pub mod imports;
pub mod library;
pub mod lyrics;
pub mod matching;
pub mod notify;
pub mod searches;
pub mod secret;
pub mod spotify;
pub mod time;
pub mod track;
pub mod ui_session;
pub mod wanted;
pub mod workers;
