//! Clients for the services Harmony talks to.

pub mod covers;
pub mod http;
pub mod lrclib;
pub mod media_servers;
pub mod notify;
pub mod slskd;
pub mod spotify;
