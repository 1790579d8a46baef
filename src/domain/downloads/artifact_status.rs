//! Where each of a download's three finishing steps (tags, cover, lyrics)
//! stands (`metadata_status`, `artwork_status`, `lyrics_status`, `api.md` §3).

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
pub enum ArtifactStatus {
    /// The feature is off (`ENABLE_ARTWORK`, `ENABLE_LYRICS`).
    Disabled,
    /// Its job is queued or running.
    Pending,
    Done,
    /// Nothing to do (a format without tags, no album to look for).
    Skipped,
    Failed,
    /// Lyrics only: the track has none to sing.
    Instrumental,
    /// Lyrics only: none found (looked for again later).
    NotFound,
}

impl ArtifactStatus {
    pub const ALL: [ArtifactStatus; 7] = [
        ArtifactStatus::Disabled,
        ArtifactStatus::Pending,
        ArtifactStatus::Done,
        ArtifactStatus::Skipped,
        ArtifactStatus::Failed,
        ArtifactStatus::Instrumental,
        ArtifactStatus::NotFound,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactStatus::Disabled => "disabled",
            ArtifactStatus::Pending => "pending",
            ArtifactStatus::Done => "done",
            ArtifactStatus::Skipped => "skipped",
            ArtifactStatus::Failed => "failed",
            ArtifactStatus::Instrumental => "instrumental",
            ArtifactStatus::NotFound => "not_found",
        }
    }

    pub fn parse(text: &str) -> Option<ArtifactStatus> {
        ArtifactStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// A new download's status: pending when the feature is on.
    pub fn initial(enabled: bool) -> ArtifactStatus {
        if enabled {
            ArtifactStatus::Pending
        } else {
            ArtifactStatus::Disabled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in ArtifactStatus::ALL {
            assert_eq!(ArtifactStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ArtifactStatus::initial(false), ArtifactStatus::Disabled);
    }
}
