//! Soulseek searches: who searches next and when, the search budget, and
//! the schedule a wanted track that was not found is searched again on.

pub mod queue;
pub mod retry_schedule;
pub mod window;
