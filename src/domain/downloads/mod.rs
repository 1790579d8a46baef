//! Downloads: their state machine, slskd's transfers and how a poll matches
//! them, Soulseek remote paths, and where a finished file goes in the library.

pub mod artifact_status;
pub mod naming;
pub mod reconcile;
pub mod remote_path;
pub mod state;
pub mod transfer_state;
