//! Notifications (issue 16), the pure part: which events are told, how a
//! burst becomes one message, what each target kind receives, how a
//! target's answer is read, and when an outage or a restart loop is worth
//! telling.

pub mod answer;
pub mod filter;
pub mod grouping;
pub mod kind;
pub mod message;
pub mod outage;
pub mod render;
pub mod restarts;
pub mod signature;
pub mod target;
