//! The background workers: their names, the state `/status` shows for each,
//! and the delays before a failed worker or job is tried again.

pub mod backoff;
pub mod name;
pub mod state;
