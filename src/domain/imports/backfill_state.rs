//! A backfill run's state (`api.md` §7): queued, running, then completed or
//! failed (given up); a transient failure queues it again.

/// Stored as its name (`as_str`) through `db::sql_types`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum BackfillState {
    Queued,
    Running,
    Completed,
    Failed,
}

impl BackfillState {
    pub const ALL: [BackfillState; 4] = [
        BackfillState::Queued,
        BackfillState::Running,
        BackfillState::Completed,
        BackfillState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BackfillState::Queued => "queued",
            BackfillState::Running => "running",
            BackfillState::Completed => "completed",
            BackfillState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<BackfillState> {
        BackfillState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Nothing more to do for the run.
    pub fn is_finished(self) -> bool {
        matches!(self, BackfillState::Completed | BackfillState::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for state in BackfillState::ALL {
            assert_eq!(BackfillState::parse(state.as_str()), Some(state));
        }
        assert!(BackfillState::Failed.is_finished() && !BackfillState::Running.is_finished());
    }
}
