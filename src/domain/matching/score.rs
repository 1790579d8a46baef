//! One candidate's verdict: hard conditions, components and the 0…1 score.
//!
//! `identity` = 0.40 title + 0.30 artist + 0.15 album + 0.15 duration
//! (− 0.05 for a clean/censored cut — marked on the file or a folder — when
//! that is not what is wanted: ranked below the plain copy, never refused);
//! `score` = 0.85 identity + 0.10 quality + 0.05 peer. A perfect identity on
//! a poor peer still clears the default `min_score` (0.7); a candidate with
//! a near-spelled title and no artist evidence does not.
//!
//! Neutral component values (see `conditions`): no wanted album 0.7, a wanted
//! album the path says nothing about 0.6, unknown length 0.85, unknown
//! wanted artist 0.7, no artist anywhere in the path 0.5.

use super::conditions::{duration_check, judge_text};
use super::path_reading::PathView;
use super::quality::{
    below_min_bitrate, effective_bitrate, fidelity_key, format_of, format_rank, peer_score,
    quality_score,
};
use super::types::{Candidate, Components, Preferences, Refusal, Scored, TrackQuery};
use super::wanted::Wanted;

const W_TITLE: f64 = 0.40;
const W_ARTIST: f64 = 0.30;
const W_ALBUM: f64 = 0.15;
const W_DURATION: f64 = 0.15;
const CLEAN_MISMATCH_PENALTY: f64 = 0.05;

const W_IDENTITY: f64 = 0.85;
const W_QUALITY: f64 = 0.10;
const W_PEER: f64 = 0.05;

/// Scores candidates against one wanted track; the wanted side is read once.
#[derive(Debug, Clone)]
pub struct Matcher {
    wanted: Wanted,
    prefs: Preferences,
}

/// A verdict plus what ranking needs beyond it.
#[derive(Debug, Clone)]
pub(crate) struct Evaluated {
    pub scored: Scored,
    pub identity: f64,
    pub format_rank: usize,
    pub fidelity: u64,
    pub peer: f64,
}

impl Matcher {
    pub fn new(track: &TrackQuery, prefs: &Preferences) -> Matcher {
        Matcher {
            wanted: Wanted::new(track),
            prefs: prefs.clone(),
        }
    }

    /// The verdict on one candidate (`index` is echoed back). Accepted when
    /// no hard condition fails and the score reaches `min_score`.
    pub fn score(&self, index: usize, candidate: &Candidate) -> Scored {
        self.evaluate(index, candidate).scored
    }

    pub(crate) fn evaluate(&self, index: usize, candidate: &Candidate) -> Evaluated {
        let prefs = &self.prefs;
        let view = PathView::new(&candidate.filename);
        let format = format_of(candidate, view.name_extension.as_deref());
        let text = judge_text(&self.wanted, &view);
        let (duration_ok, duration) = duration_check(
            self.wanted.duration_sec,
            candidate.length,
            prefs.duration_tolerance_sec,
        );

        let mut refusals = Vec::new();
        if !duration_ok {
            refusals.push(Refusal::Duration);
        }
        if !text.version_ok {
            refusals.push(Refusal::Version);
        }
        if !text.title_ok {
            refusals.push(Refusal::Title);
        }
        if !text.artist_ok {
            refusals.push(Refusal::Artist);
        }
        if !format.audio {
            refusals.push(Refusal::Format);
        }
        if format.audio && below_min_bitrate(&format, candidate, prefs) {
            refusals.push(Refusal::Bitrate);
        }
        if candidate.locked {
            refusals.push(Refusal::Locked);
        }

        let mut identity = W_TITLE * text.title
            + W_ARTIST * text.artist
            + W_ALBUM * text.album
            + W_DURATION * duration;
        if text.clean_mismatch {
            identity -= CLEAN_MISMATCH_PENALTY;
        }
        let identity = clamp01(identity);
        let quality = quality_score(&format, candidate, prefs);
        let peer = peer_score(candidate);
        let computed = effective_bitrate(candidate, format.lossless).filter(|_| format.audio);
        let score = round4(clamp01(
            W_IDENTITY * identity + W_QUALITY * quality + W_PEER * peer,
        ));
        if score < prefs.min_score {
            refusals.push(Refusal::MinScore);
        }
        refusals.sort();
        refusals.dedup();

        Evaluated {
            scored: Scored {
                index,
                score,
                accepted: refusals.is_empty(),
                rejected_by: refusals,
                components: Components {
                    title: round4(text.title),
                    artist: round4(text.artist),
                    album: round4(text.album),
                    duration: round4(duration),
                    quality: round4(quality),
                    peer: round4(peer),
                    effective_bitrate: computed.map(|(kbps, _)| kbps),
                    bitrate_reason: computed.map(|(_, why)| why.as_str()),
                },
            },
            identity,
            format_rank: format_rank(&format, prefs),
            fidelity: fidelity_key(&format, candidate, prefs),
            peer,
        }
    }
}

fn clamp01(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, 1.0)
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(artist: &str, title: &str, album: Option<&str>, ms: Option<u64>) -> TrackQuery {
        TrackQuery {
            artist: artist.into(),
            title: title.into(),
            album: album.map(str::to_string),
            duration_ms: ms,
            track_number: None,
        }
    }

    fn cand(filename: &str, ext: &str, bitrate: Option<u32>, length: Option<u32>) -> Candidate {
        Candidate {
            username: "u".into(),
            filename: filename.into(),
            extension: Some(ext.into()),
            bitrate,
            length,
            ..Candidate::default()
        }
    }

    #[test]
    fn perfect_identity_on_a_poor_peer_is_accepted() {
        let m = Matcher::new(
            &track(
                "Night Owls",
                "Paper Moon",
                Some("City Lights"),
                Some(200_000),
            ),
            &Preferences::default(),
        );
        let mut c = cand(
            r"@@x\Music\Night Owls\City Lights\03 - Paper Moon.mp3",
            "mp3",
            Some(192),
            Some(200),
        );
        c.has_free_upload_slot = Some(false);
        c.queue_length = Some(500);
        c.upload_speed = Some(1);
        let s = m.score(0, &c);
        assert!(s.accepted, "{s:?}");
        assert!(s.score >= 0.7 && s.score <= 1.0);
        assert_eq!(s.components.title, 1.0);
        assert_eq!(s.components.artist, 1.0);
        assert_eq!(s.components.album, 1.0);
        assert_eq!(s.components.duration, 1.0);
    }

    #[test]
    fn computed_bitrate_refuses_and_is_shown() {
        let m = Matcher::new(
            &track("Night Owls", "Paper Moon", None, Some(200_000)),
            &Preferences::default(),
        );
        let mut c = cand(
            r"@@x\Music\Night Owls\03 - Paper Moon [320 kbps].mp3",
            "mp3",
            Some(320),
            Some(200),
        );
        c.size = Some(131_000 / 8 * 200);
        let s = m.score(0, &c);
        assert_eq!(s.rejected_by, vec![Refusal::Bitrate]);
        assert_eq!(s.components.effective_bitrate, Some(131));
        assert_eq!(s.components.bitrate_reason, Some("claim_exceeds_size"));
        let json = s.components.to_json();
        assert_eq!(json["effective_bitrate"], 131);
        assert_eq!(json["bitrate_reason"], "claim_exceeds_size");
        // An honest size: accepted, nothing computed, no added keys.
        c.size = Some(320_000 / 8 * 200 + 300_000);
        let s = m.score(0, &c);
        assert!(s.accepted, "{s:?}");
        assert_eq!(s.components.effective_bitrate, None);
        assert!(s.components.to_json().get("bitrate_reason").is_none());
    }

    #[test]
    fn each_hard_condition_has_its_name() {
        let prefs = Preferences::default();
        let m = Matcher::new(
            &track("Night Owls", "Paper Moon", None, Some(200_000)),
            &prefs,
        );
        let refusals = |c: &Candidate| m.score(0, c).rejected_by;
        let good = r"Night Owls\Paper Moon.mp3";
        assert!(refusals(&cand(good, "mp3", Some(320), Some(200))).is_empty());
        assert!(refusals(&cand(good, "mp3", Some(320), Some(230))).contains(&Refusal::Duration));
        assert!(refusals(&cand(
            r"Night Owls\Paper Moon (Live).mp3",
            "mp3",
            None,
            None
        ))
        .contains(&Refusal::Version));
        assert!(
            refusals(&cand(r"Night Owls\Paper Sun.mp3", "mp3", None, None))
                .contains(&Refusal::Title)
        );
        assert!(
            refusals(&cand(r"Day Larks - Paper Moon.mp3", "mp3", None, None))
                .contains(&Refusal::Artist)
        );
        assert!(
            refusals(&cand(r"Night Owls\Paper Moon.jpg", "jpg", None, None))
                .contains(&Refusal::Format)
        );
        assert!(refusals(&cand(good, "mp3", Some(128), None)).contains(&Refusal::Bitrate));
        let mut locked = cand(good, "mp3", None, None);
        locked.locked = true;
        assert_eq!(refusals(&locked), vec![Refusal::Locked]);
        let many = refusals(&cand(
            r"Day Larks - Other (Live).jpg",
            "jpg",
            None,
            Some(10),
        ));
        let mut sorted = many.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(many, sorted);
        assert!(many.contains(&Refusal::MinScore));
    }

    #[test]
    fn min_score_is_only_added_below_the_threshold() {
        let prefs = Preferences {
            min_score: 0.99,
            ..Preferences::default()
        };
        let m = Matcher::new(&track("Night Owls", "Paper Moon", None, None), &prefs);
        let s = m.score(
            0,
            &cand(r"Night Owls\Paper Moon.mp3", "mp3", Some(320), None),
        );
        assert_eq!(s.rejected_by, vec![Refusal::MinScore]);
        assert!(!s.accepted);
        let prefs = Preferences {
            min_score: 0.0,
            ..Preferences::default()
        };
        let m = Matcher::new(&track("Night Owls", "Paper Moon", None, None), &prefs);
        let s = m.score(
            0,
            &cand(r"Night Owls\Paper Moon.mp3", "mp3", Some(320), None),
        );
        assert!(s.accepted);
    }

    #[test]
    fn weak_identity_stays_below_min_score() {
        let m = Matcher::new(
            &track("Night Owls", "Moonlighting", None, None),
            &Preferences::default(),
        );
        // A near-spelling and no artist evidence.
        let s = m.score(0, &cand("Moonlightin.ogg", "ogg", Some(192), None));
        assert!(!s.accepted, "{s:?}");
    }

    #[test]
    fn remaster_is_the_same_song_and_feat_is_neutral() {
        let m = Matcher::new(
            &track("Night Owls", "Paper Moon", None, None),
            &Preferences::default(),
        );
        for name in [
            r"Night Owls - Paper Moon (2011 Remaster).flac",
            r"Night Owls - Paper Moon [Remastered].flac",
            r"Night Owls feat. Guest - Paper Moon.flac",
            r"Night Owls - Paper Moon (feat. Guest).flac",
            r"Night Owls - Paper Moon (Explicit).flac",
        ] {
            assert!(
                m.score(0, &cand(name, "flac", None, None)).accepted,
                "{name}"
            );
        }
    }

    #[test]
    fn hostile_inputs_never_panic() {
        let prefs = Preferences {
            formats: vec![],
            min_bitrate: 0,
            duration_tolerance_sec: f64::NAN,
            min_score: f64::NAN,
        };
        let weird = [
            "",
            "\\",
            " - - - ",
            "(((((",
            "\u{300}\u{301}.flac",
            "🎵 - 🎶.mp3",
            "ｱｲｳ - ｴｵ.flac",
            "a\u{0}b.mp3",
        ];
        for title in weird {
            for artist in weird {
                let m = Matcher::new(&track(artist, title, Some(title), Some(u64::MAX)), &prefs);
                for name in weird {
                    let mut c = cand(name, "", Some(u32::MAX), Some(u32::MAX));
                    c.queue_length = Some(u64::MAX);
                    c.upload_speed = Some(u64::MAX);
                    let s = m.score(0, &c);
                    assert!((0.0..=1.0).contains(&s.score));
                }
            }
        }
        let long = format!("{}{}.flac", "deep\\".repeat(5000), "x - y ".repeat(2000));
        let m = Matcher::new(&track("x", "y", None, None), &Preferences::default());
        let _ = m.score(0, &cand(&long, "flac", None, None));
    }
}
