//! The library index (issue 15): which files count as audio, when a wanted
//! track is already one of the indexed files, the statistics of a scan and
//! the playlist files handed to a media server.

pub mod audio_files;
pub mod in_library;
pub mod m3u;
pub mod media_server;
pub mod stats;
