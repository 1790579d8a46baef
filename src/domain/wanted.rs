//! The wanted-track state machine (`api.md` §4, §13 "Wanted tracks"): which
//! states exist, which user actions fit which state, what a search that
//! finds nothing leads to, and the normalised text used for dedupe.

use std::collections::HashSet;
use std::time::Duration;

use unicode_normalization::UnicodeNormalization;

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
pub enum WantedState {
    Pending,
    Searching,
    Downloading,
    Completed,
    NotFound,
    Failed,
    Cancelled,
}

impl WantedState {
    pub const ALL: [WantedState; 7] = [
        WantedState::Pending,
        WantedState::Searching,
        WantedState::Downloading,
        WantedState::Completed,
        WantedState::NotFound,
        WantedState::Failed,
        WantedState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WantedState::Pending => "pending",
            WantedState::Searching => "searching",
            WantedState::Downloading => "downloading",
            WantedState::Completed => "completed",
            WantedState::NotFound => "not_found",
            WantedState::Failed => "failed",
            WantedState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<WantedState> {
        WantedState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// `search`, `pick` and `reject` fit every state but these (§13).
    pub fn accepts_user_choice(self) -> bool {
        !matches!(self, WantedState::Completed | WantedState::Cancelled)
    }

    /// A search job finding the track in this state runs; otherwise the job
    /// is stale (the track was cancelled or completed meanwhile).
    pub fn wants_search(self) -> bool {
        !matches!(self, WantedState::Completed | WantedState::Cancelled)
    }

    /// Asked for again (a new `POST /wanted`, a playlist, the watchlist):
    /// a track given up on or cancelled starts over.
    pub fn is_given_up(self) -> bool {
        matches!(self, WantedState::Failed | WantedState::Cancelled)
    }
}

/// What follows the `searches`-th search that left nothing to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NothingFound {
    /// `not_found`, searched again after `delay`.
    SearchAgainIn(Duration),
    /// Every step of the schedule is used: `failed`.
    GiveUp,
}

/// With n steps in `SEARCH_RETRY_SCHEDULE` there are n + 1 searches: the
/// k-th empty search waits step k, the (n + 1)-th gives up.
pub fn after_nothing_found(searches: u32, schedule: &[Duration]) -> NothingFound {
    let step = usize::try_from(searches.max(1) - 1).unwrap_or(usize::MAX);
    match schedule.get(step) {
        Some(delay) => NothingFound::SearchAgainIn(*delay),
        None => NothingFound::GiveUp,
    }
}

/// Artifact statuses a new download starts with (feature flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadDefaults {
    pub artwork_status: crate::domain::downloads::artifact_status::ArtifactStatus,
    pub lyrics_status: crate::domain::downloads::artifact_status::ArtifactStatus,
}

/// How long a user seen failing ranks below the others.
pub const PEER_PENALTY: Duration = Duration::from_secs(6 * 3600);

/// Normalised text for dedupe: NFKC, case-folded, whitespace collapsed, trimmed.
pub fn dedupe_text(text: &str) -> String {
    let folded: String = text.nfkc().flat_map(char::to_lowercase).collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Identity of a wanted track for dedupe: artist, title and album (an
/// absent album counts as empty).
pub fn dedupe_key(artist: &str, title: &str, album: Option<&str>) -> String {
    format!(
        "{}\u{1f}{}\u{1f}{}",
        dedupe_text(artist),
        dedupe_text(title),
        album.map(dedupe_text).unwrap_or_default()
    )
}

/// Identity of a finished file for "already in the library": artist and
/// title (the album is compared separately, only when both sides have one).
pub fn track_key(artist: &str, title: &str) -> Option<String> {
    let (artist, title) = (dedupe_text(artist), dedupe_text(title));
    (!artist.is_empty() && !title.is_empty()).then(|| format!("{artist}\u{1f}{title}"))
}

/// The album part of a library lookup; `None` when there is no album.
pub fn album_key(album: Option<&str>) -> Option<String> {
    album.map(dedupe_text).filter(|a| !a.is_empty())
}

/// What choosing needs to know of a stored candidate.
pub trait Choosable {
    fn username(&self) -> &str;
    fn filename(&self) -> &str;
    /// The engine accepted it.
    fn accepted(&self) -> bool;
    /// Its size is known (a download needs it).
    fn has_size(&self) -> bool;
}

/// The candidate to download: the best accepted one (in the engine's
/// order) not on the track's blocklist, users seen failing lately last.
pub fn choose_candidate<'a, C: Choosable>(
    ranked: &'a [C],
    blocked: &HashSet<(&str, &str)>,
    penalized: &HashSet<String>,
) -> Option<&'a C> {
    let mut acceptable: Vec<&C> = ranked
        .iter()
        .filter(|c| c.accepted() && c.has_size())
        .filter(|c| !blocked.contains(&(c.username(), c.filename())))
        .collect();
    // Stable: the engine's order within each group.
    acceptable.sort_by_key(|c| penalized.contains(c.username()));
    acceptable.first().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct C(&'static str, &'static str, bool, bool);

    impl Choosable for C {
        fn username(&self) -> &str {
            self.0
        }
        fn filename(&self) -> &str {
            self.1
        }
        fn accepted(&self) -> bool {
            self.2
        }
        fn has_size(&self) -> bool {
            self.3
        }
    }

    #[test]
    fn the_choice_skips_refused_blocked_and_sizeless_files_and_puts_failing_users_last() {
        let ranked = [
            C("refused", "a", false, true),
            C("blocked", "b", true, true),
            C("nosize", "c", true, false),
            C("failing", "d", true, true),
            C("fine", "e", true, true),
        ];
        let blocked: HashSet<(&str, &str)> = [("blocked", "b")].into_iter().collect();
        let penalized: HashSet<String> = ["failing".to_string()].into_iter().collect();
        let best = choose_candidate(&ranked, &blocked, &penalized).unwrap();
        assert_eq!(best.0, "fine");
        let best = choose_candidate(&ranked, &blocked, &HashSet::new()).unwrap();
        assert_eq!(best.0, "failing");
        assert!(choose_candidate(&ranked[..3], &blocked, &penalized).is_none());
    }

    #[test]
    fn states_round_trip_and_gate_user_actions() {
        for state in WantedState::ALL {
            assert_eq!(WantedState::parse(state.as_str()), Some(state));
        }
        assert_eq!(WantedState::parse("done"), None);
        assert!(!WantedState::Completed.accepts_user_choice());
        assert!(!WantedState::Cancelled.accepts_user_choice());
        assert!(WantedState::NotFound.accepts_user_choice());
        assert!(WantedState::Failed.accepts_user_choice());
        assert!(WantedState::Failed.is_given_up());
        assert!(!WantedState::NotFound.is_given_up());
    }

    #[test]
    fn n_steps_give_n_plus_one_searches() {
        let schedule = [Duration::from_secs(60), Duration::from_secs(600)];
        assert_eq!(
            after_nothing_found(1, &schedule),
            NothingFound::SearchAgainIn(Duration::from_secs(60))
        );
        assert_eq!(
            after_nothing_found(2, &schedule),
            NothingFound::SearchAgainIn(Duration::from_secs(600))
        );
        assert_eq!(after_nothing_found(3, &schedule), NothingFound::GiveUp);
        assert_eq!(after_nothing_found(1, &[]), NothingFound::GiveUp);
        // A count of 0 (never searched) reads as the first search.
        assert_eq!(
            after_nothing_found(0, &schedule),
            NothingFound::SearchAgainIn(Duration::from_secs(60))
        );
    }

    #[test]
    fn dedupe_text_folds_case_width_and_spaces_but_keeps_letters() {
        assert_eq!(dedupe_text("  Daft   PUNK\t"), "daft punk");
        // NFKC: full-width letters and ligatures become plain ones.
        assert_eq!(dedupe_text("ＡＢＣ ﬁne"), "abc fine");
        // Diacritics are kept: "Beyoncé" and "Beyonce" are different spellings to dedupe.
        assert_eq!(dedupe_text("Beyoncé"), "beyoncé");
        assert_eq!(dedupe_text("東京事変"), "東京事変");
        assert_eq!(
            dedupe_key("Daft Punk", "One More Time", None),
            dedupe_key(" daft punk", "ONE MORE  TIME", Some(" "))
        );
        assert_ne!(
            dedupe_key("Daft Punk", "One More Time", Some("Discovery")),
            dedupe_key("Daft Punk", "One More Time", None)
        );
        assert_eq!(track_key("", "x"), None);
        assert_eq!(album_key(Some("  ")), None);
    }
}
