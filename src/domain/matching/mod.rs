//! The matching engine: which Soulseek file is the wanted track (`matching.md`).

pub mod types;

pub use types::*;
