//! slskd's transfer states are `[Flags]` enums serialised as names joined by
//! `", "` (`"Completed, Succeeded"`, `"Queued, Remotely"`). They are parsed
//! as sets, never compared as whole strings, and mapped to what Harmony does
//! next (reference table in `slskd-api.md` §1.5.3).

/// Soulseek.NET `TransferStates`, bit values as in the library.
const FLAGS: [(&str, u16); 14] = [
    ("None", 0),
    ("Requested", 1),
    ("Queued", 2),
    ("Initializing", 4),
    ("InProgress", 8),
    ("Completed", 16),
    ("Succeeded", 32),
    ("Cancelled", 64),
    ("TimedOut", 128),
    ("Errored", 256),
    ("Rejected", 512),
    ("Aborted", 1024),
    ("Locally", 2048),
    ("Remotely", 4096),
];

const COMPLETED: u16 = 16;
const SUCCEEDED: u16 = 32;
const CANCELLED: u16 = 64;
const IN_PROGRESS: u16 = 8;

/// What a transfer's state means for the download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferPhase {
    /// Requested, queued (locally or remotely), initializing, or `None`.
    Waiting,
    InProgress,
    Succeeded,
    /// Ended `Cancelled`: a failure unless the user asked for it.
    Cancelled,
    /// Ended `TimedOut`, `Errored`, `Rejected`, `Aborted` or without a reason.
    Failed,
}

impl TransferPhase {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            TransferPhase::Succeeded | TransferPhase::Cancelled | TransferPhase::Failed
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown slskd transfer state '{0}'")]
pub struct UnknownState(pub String);

/// Parses `"Completed, Succeeded"` into its bits; any unknown name fails the
/// whole string, so a state Harmony does not understand is never half-read.
pub fn parse_flags(state: &str) -> Result<u16, UnknownState> {
    let mut bits = 0;
    let mut seen = false;
    for name in state.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let (_, bit) = FLAGS
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownState(state.to_string()))?;
        bits |= bit;
        seen = true;
    }
    if seen {
        Ok(bits)
    } else {
        Err(UnknownState(state.to_string()))
    }
}

pub fn phase(state: &str) -> Result<TransferPhase, UnknownState> {
    let bits = parse_flags(state)?;
    Ok(if bits & COMPLETED != 0 {
        if bits & SUCCEEDED != 0 {
            TransferPhase::Succeeded
        } else if bits & CANCELLED != 0 {
            TransferPhase::Cancelled
        } else {
            // TimedOut, Errored, Rejected, Aborted, or no reason at all.
            TransferPhase::Failed
        }
    } else if bits & IN_PROGRESS != 0 {
        TransferPhase::InProgress
    } else {
        TransferPhase::Waiting
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_every_state_a_download_goes_through() {
        let cases = [
            ("None", TransferPhase::Waiting),
            ("Requested", TransferPhase::Waiting),
            ("Queued, Remotely", TransferPhase::Waiting),
            ("Queued, Locally", TransferPhase::Waiting),
            ("Initializing", TransferPhase::Waiting),
            ("InProgress", TransferPhase::InProgress),
            ("Completed, Succeeded", TransferPhase::Succeeded),
            ("Completed, Cancelled", TransferPhase::Cancelled),
            ("Completed, TimedOut", TransferPhase::Failed),
            ("Completed, Errored", TransferPhase::Failed),
            ("Completed, Rejected", TransferPhase::Failed),
            ("Completed, Aborted", TransferPhase::Failed),
            ("Completed", TransferPhase::Failed),
        ];
        for (state, expected) in cases {
            assert_eq!(phase(state), Ok(expected), "{state}");
        }
    }

    #[test]
    fn flags_are_a_set_not_a_string() {
        assert_eq!(phase("Succeeded, Completed"), Ok(TransferPhase::Succeeded));
        assert_eq!(phase("completed,succeeded"), Ok(TransferPhase::Succeeded));
        assert_eq!(phase(" Remotely ,  Queued "), Ok(TransferPhase::Waiting));
        assert_eq!(parse_flags("Completed, Succeeded"), Ok(48));
    }

    #[test]
    fn unknown_names_are_refused_whole() {
        assert!(phase("Completed, Teleported").is_err());
        assert!(phase("Frobnicated").is_err());
        assert!(phase("").is_err());
        assert!(phase(" , ").is_err());
        assert!(phase("48").is_err());
    }

    #[test]
    fn terminal_phases() {
        assert!(TransferPhase::Succeeded.is_terminal());
        assert!(TransferPhase::Failed.is_terminal());
        assert!(TransferPhase::Cancelled.is_terminal());
        assert!(!TransferPhase::InProgress.is_terminal());
        assert!(!TransferPhase::Waiting.is_terminal());
    }
}
