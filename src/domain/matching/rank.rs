//! Ordering candidates: accepted first, lexicographically (identity, then
//! quality, then the peer), then the refused ones by score.
//!
//! Identities within [`IDENTITY_EPSILON`] of the best of their group count as
//! equal, so two copies of the same song are decided by format and
//! fidelity rather than by a second of length difference.

use std::cmp::{Ordering, Reverse};
use std::collections::HashMap;

use super::score::{Evaluated, Matcher};
use super::types::{Candidate, Preferences, RankContext, Ranking, Refusal, TrackQuery};

/// Identities this close are the same identity for ranking.
pub(crate) const IDENTITY_EPSILON: f64 = 0.03;

/// Scores every candidate and orders them (see the module docs). `best` is
/// the input index of the first accepted candidate, `None` to abstain.
/// Deterministic: ties fall back to the input order.
pub fn rank(
    track: &TrackQuery,
    candidates: &[Candidate],
    prefs: &Preferences,
    ctx: &RankContext,
) -> Ranking {
    rank_until(track, candidates, prefs, ctx, || false).unwrap_or(Ranking {
        best: None,
        candidates: Vec::new(),
    })
}

/// [`rank`], asking `stop` before each candidate: `None` as soon as it says
/// yes (the one who asked has gone; the rest is not scored).
pub fn rank_until(
    track: &TrackQuery,
    candidates: &[Candidate],
    prefs: &Preferences,
    ctx: &RankContext,
    stop: impl Fn() -> bool,
) -> Option<Ranking> {
    if candidates.is_empty() {
        return Some(Ranking {
            best: None,
            candidates: Vec::new(),
        });
    }
    let matcher = Matcher::new(track, prefs);
    let mut excluded: HashMap<(&str, &str), Vec<Refusal>> = HashMap::new();
    for (user, file, why) in &ctx.excluded {
        excluded
            .entry((user.as_str(), file.as_str()))
            .or_default()
            .push(*why);
    }

    let mut evaluated: Vec<Evaluated> = Vec::with_capacity(candidates.len());
    for (i, c) in candidates.iter().enumerate() {
        if stop() {
            return None;
        }
        let mut e = matcher.evaluate(i, c);
        if let Some(why) = excluded.get(&(c.username.as_str(), c.filename.as_str())) {
            let s = &mut e.scored;
            s.rejected_by.extend(why.iter().copied());
            s.rejected_by.sort();
            s.rejected_by.dedup();
            s.accepted = false;
        }
        evaluated.push(e);
    }

    let (mut accepted, mut refused): (Vec<Evaluated>, Vec<Evaluated>) =
        evaluated.drain(..).partition(|e| e.scored.accepted);

    // Identity groups: best identity first, a new group whenever one falls
    // more than epsilon below its group's leader.
    accepted.sort_by(|a, b| {
        b.identity
            .total_cmp(&a.identity)
            .then(a.scored.index.cmp(&b.scored.index))
    });
    let mut groups = vec![0usize; candidates.len()];
    let mut group = 0;
    let mut leader = f64::INFINITY;
    for e in &accepted {
        if e.identity < leader - IDENTITY_EPSILON {
            if leader.is_finite() {
                group += 1;
            }
            leader = e.identity;
        }
        groups[e.scored.index] = group;
    }
    let penalized = |e: &Evaluated| {
        ctx.penalized_users
            .contains(&candidates[e.scored.index].username)
    };
    accepted.sort_by(|a, b| {
        let key = |e: &Evaluated| {
            (
                penalized(e),
                groups[e.scored.index],
                e.format_rank,
                Reverse(e.fidelity),
            )
        };
        key(a)
            .cmp(&key(b))
            .then_with(|| b.peer.total_cmp(&a.peer))
            .then_with(|| b.identity.total_cmp(&a.identity))
            .then(a.scored.index.cmp(&b.scored.index))
    });
    refused.sort_by(by_score);

    let best = accepted.first().map(|e| e.scored.index);
    Some(Ranking {
        best,
        candidates: accepted
            .into_iter()
            .chain(refused)
            .map(|e| e.scored)
            .collect(),
    })
}

fn by_score(a: &Evaluated, b: &Evaluated) -> Ordering {
    b.scored
        .score
        .total_cmp(&a.scored.score)
        .then(a.scored.index.cmp(&b.scored.index))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn stops_scoring_when_asked() {
        let cands: Vec<Candidate> = (0..100)
            .map(|i| {
                cand(
                    "u",
                    &format!("Night Owls - Paper Moon {i}.flac"),
                    "flac",
                    None,
                )
            })
            .collect();
        let asked = Cell::new(0);
        let stop = || {
            asked.set(asked.get() + 1);
            asked.get() > 3
        };
        let ranking = rank_until(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
            stop,
        );
        assert_eq!(ranking, None);
        assert_eq!(asked.get(), 4, "scored no candidate after the stop");
        let all = rank_until(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
            || false,
        );
        assert_eq!(all.map(|r| r.candidates.len()), Some(100));
    }

    fn track() -> TrackQuery {
        TrackQuery {
            artist: "Night Owls".into(),
            title: "Paper Moon".into(),
            album: Some("City Lights".into()),
            duration_ms: Some(200_000),
            track_number: None,
        }
    }

    fn cand(user: &str, filename: &str, ext: &str, bitrate: Option<u32>) -> Candidate {
        Candidate {
            username: user.into(),
            filename: filename.into(),
            extension: Some(ext.into()),
            bitrate,
            length: Some(200),
            has_free_upload_slot: Some(true),
            queue_length: Some(0),
            upload_speed: Some(1_000_000),
            ..Candidate::default()
        }
    }

    const GOOD: &str = r"Music\Night Owls\City Lights\03 - Paper Moon";

    #[test]
    fn zero_candidates_abstain() {
        let r = rank(
            &track(),
            &[],
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, None);
        assert!(r.candidates.is_empty());
    }

    #[test]
    fn nothing_acceptable_abstains() {
        let cands = vec![
            cand("a", &format!("{GOOD} (Live).flac"), "flac", None),
            cand("b", r"Music\Night Owls\City Lights\cover.jpg", "jpg", None),
        ];
        let r = rank(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, None);
        assert_eq!(r.candidates.len(), 2);
        assert!(r.candidates.iter().all(|s| !s.accepted));
    }

    #[test]
    fn format_decides_between_copies_then_peer() {
        let mut slow_flac = cand("slow", &format!("{GOOD}.flac"), "flac", None);
        slow_flac.upload_speed = Some(10);
        slow_flac.has_free_upload_slot = Some(false);
        let fast_mp3 = cand("fast", &format!("{GOOD}.mp3"), "mp3", Some(320));
        let other_album = cand(
            "x",
            r"Music\Night Owls\Best Of\Paper Moon.flac",
            "flac",
            None,
        );
        let cands = vec![fast_mp3, other_album, slow_flac];
        let r = rank(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, Some(2));
        let order: Vec<usize> = r.candidates.iter().map(|s| s.index).collect();
        assert_eq!(order, vec![2, 0, 1]);

        // A higher bitrate wins among mp3s; a free slot among equals.
        let mut a = cand("a", &format!("{GOOD}.mp3"), "mp3", Some(256));
        let b = cand("b", &format!("{GOOD}.mp3"), "mp3", Some(320));
        let r = rank(
            &track(),
            &[a.clone(), b.clone()],
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, Some(1));
        a.bitrate = Some(320);
        a.has_free_upload_slot = Some(false);
        let r = rank(
            &track(),
            &[a, b],
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, Some(1));
    }

    #[test]
    fn identity_beats_format() {
        let right_album = cand("a", &format!("{GOOD}.mp3"), "mp3", Some(320));
        let wrong_album = cand("b", r"Music\Night Owls\Other\Paper Moon.flac", "flac", None);
        let r = rank(
            &track(),
            &[wrong_album, right_album],
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, Some(1));
    }

    #[test]
    fn preferred_formats_are_configurable() {
        let prefs = Preferences {
            formats: vec!["mp3".into(), "flac".into()],
            ..Preferences::default()
        };
        let cands = vec![
            cand("a", &format!("{GOOD}.flac"), "flac", None),
            cand("b", &format!("{GOOD}.mp3"), "mp3", Some(320)),
        ];
        let r = rank(&track(), &cands, &prefs, &RankContext::default());
        assert_eq!(r.best, Some(1));
    }

    #[test]
    fn penalized_users_rank_after_the_others() {
        let cands = vec![
            cand("flaky", &format!("{GOOD}.flac"), "flac", None),
            cand("steady", &format!("{GOOD}.mp3"), "mp3", Some(320)),
        ];
        let mut ctx = RankContext::default();
        ctx.penalized_users.insert("flaky".into());
        let r = rank(&track(), &cands, &Preferences::default(), &ctx);
        assert_eq!(r.best, Some(1));
        assert!(r.candidates.iter().all(|s| s.accepted));
        assert_eq!(r.candidates[1].index, 0);
        // Alone, a penalized user is still chosen.
        let r = rank(&track(), &cands[..1], &Preferences::default(), &ctx);
        assert_eq!(r.best, Some(0));
    }

    #[test]
    fn excluded_files_are_refused_with_their_reason() {
        let cands = vec![
            cand("a", &format!("{GOOD}.flac"), "flac", None),
            cand("b", &format!("{GOOD}.flac"), "flac", None),
        ];
        let ctx = RankContext {
            excluded: vec![
                ("a".into(), cands[0].filename.clone(), Refusal::UserRejected),
                (
                    "a".into(),
                    cands[0].filename.clone(),
                    Refusal::TransferFailed,
                ),
                // Same file name, other user: not excluded.
                ("z".into(), cands[1].filename.clone(), Refusal::UserRejected),
            ],
            ..RankContext::default()
        };
        let r = rank(&track(), &cands, &Preferences::default(), &ctx);
        assert_eq!(r.best, Some(1));
        let refused = &r.candidates[1];
        assert_eq!(refused.index, 0);
        assert!(!refused.accepted);
        assert_eq!(
            refused.rejected_by,
            vec![Refusal::UserRejected, Refusal::TransferFailed]
        );
    }

    #[test]
    fn refused_are_listed_by_descending_score() {
        let cands = vec![
            cand("a", r"Music\cover.jpg", "jpg", None),
            cand("b", &format!("{GOOD} (Live).flac"), "flac", None),
            cand("c", &format!("{GOOD}.flac"), "flac", None),
        ];
        let r = rank(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, Some(2));
        let refused: Vec<f64> = r.candidates[1..].iter().map(|s| s.score).collect();
        assert!(refused.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn clean_folder_ranks_below_the_plain_copy() {
        let cands = vec![
            cand(
                "a",
                r"Clean Versions\Night Owls\03 - Paper Moon.flac",
                "flac",
                None,
            ),
            cand("b", r"Music\Night Owls\03 - Paper Moon.flac", "flac", None),
        ];
        let r = rank(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(r.best, Some(1));
    }

    #[test]
    fn clean_cuts_are_refused_unless_asked_for() {
        let cands = vec![
            cand(
                "a",
                r"Music\Night Owls - Paper Moon (Clean).flac",
                "flac",
                None,
            ),
            cand(
                "b",
                r"Music\Night Owls - Paper Moon (Explicit).mp3",
                "mp3",
                Some(320),
            ),
        ];
        let prefs = Preferences::default();
        let r = rank(&track(), &cands, &prefs, &RankContext::default());
        assert_eq!(r.best, Some(1));
        // The explicit track is the default: alone, a clean cut is no match.
        let r = rank(&track(), &cands[..1], &prefs, &RankContext::default());
        assert_eq!(r.best, None);
        assert_eq!(r.candidates[0].rejected_by, vec![Refusal::Version]);
        let clean = TrackQuery {
            title: "Paper Moon (Clean)".into(),
            ..track()
        };
        let r = rank(&clean, &cands, &prefs, &RankContext::default());
        assert_eq!(r.best, Some(0));
    }

    #[test]
    fn deterministic_and_stable() {
        let cands: Vec<Candidate> = (0..20)
            .map(|i| cand(&format!("u{i}"), &format!("{GOOD}.flac"), "flac", None))
            .collect();
        let a = rank(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
        );
        let b = rank(
            &track(),
            &cands,
            &Preferences::default(),
            &RankContext::default(),
        );
        assert_eq!(a, b);
        let order: Vec<usize> = a.candidates.iter().map(|s| s.index).collect();
        assert_eq!(order, (0..20).collect::<Vec<_>>());
    }
}
