//! Pure logic: no I/O, no actix, no diesel.

pub mod backoff;
pub mod schedule;
pub mod secret;
pub mod time;
pub mod worker_name;
pub mod worker_state;
