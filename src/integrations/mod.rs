//! Clients for the services Harmony talks to.

pub mod http;
pub mod slskd;
pub mod spotify;
