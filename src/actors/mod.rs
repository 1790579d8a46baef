//! The background workers, their supervisor and the registry `/status` reads.

pub mod directory;
pub mod logic;
pub mod panic_capture;
pub mod registry;
pub mod search_scheduler;
pub mod services;
pub mod supervisor;
pub mod worker;
pub mod workers;
