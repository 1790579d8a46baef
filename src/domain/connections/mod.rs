//! Connections to the services Harmony talks to: how healthy each is, and
//! when a request that failed on a stale keep-alive connection may be sent again.

pub mod stale;
pub mod state;
