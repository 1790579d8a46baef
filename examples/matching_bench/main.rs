//! Matching benchmark: the engine against the original's scorer on the
//! labelled corpus, plus throughput on a synthetic 2000-candidate search.
//!
//! ```sh
//! cargo run --release --example matching_bench [-- <corpus dir or file>…]
//! ```
//! Reads every `*.json` of `/work/shared/data/matching/` and the companion
//! file `tests/fixtures/matching/companion.json` (or the directories or
//! files given), each an array of cases (`matching.md`): a case is right
//! when the pick is one of `expected`, or when it abstains and `expected` is
//! empty. Single thread; timings include all normalisation.

mod baseline;
mod corpus;

use std::ops::Range;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use harmony::domain::matching::{rank, Candidate, Preferences, RankContext, TrackQuery};

use corpus::{companion_corpus, corpus_files, load, Case, PUBLIC_CORPUS};
const SYNTHETIC_CANDIDATES: usize = 2000;
const SYNTHETIC_RUNS: usize = 41;

#[derive(Default)]
struct Tally {
    cases: usize,
    correct: usize,
    wrong: usize,
    missed: usize,
    correct_abstains: usize,
    failures: Vec<(String, String, Option<usize>, Vec<usize>)>,
}

impl Tally {
    fn add(&mut self, case: &Case, pick: Option<usize>) {
        self.cases += 1;
        match pick {
            Some(i) if case.expected.contains(&i) => self.correct += 1,
            Some(_) => {
                self.wrong += 1;
                self.fail(case, pick);
            }
            None if case.expected.is_empty() => self.correct_abstains += 1,
            None => {
                self.missed += 1;
                self.fail(case, pick);
            }
        }
    }

    fn fail(&mut self, case: &Case, pick: Option<usize>) {
        self.failures.push((
            case.id.clone(),
            case.note.clone(),
            pick,
            case.expected.clone(),
        ));
    }

    fn pct(&self, n: usize) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            100.0 * n as f64 / self.cases as f64
        }
    }
}

fn main() {
    if let Err(e) = baseline::check_reference_values() {
        eprintln!("baseline port disagrees with the reference values: {e}");
        std::process::exit(2);
    }
    // Sources from the command line, else the public corpus and the
    // companion file of the repository.
    let mut sources: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if sources.is_empty() {
        sources = vec![PathBuf::from(PUBLIC_CORPUS), companion_corpus()];
    }
    let files: Vec<PathBuf> = sources.iter().flat_map(|s| corpus_files(s)).collect();
    if files.is_empty() {
        eprintln!("no corpus files under {sources:?}");
        std::process::exit(2);
    }
    let mut cases = Vec::new();
    let mut per_file: Vec<(PathBuf, Range<usize>)> = Vec::new();
    for file in &files {
        match load(file) {
            Ok(mut c) => {
                let start = cases.len();
                cases.append(&mut c);
                per_file.push((file.clone(), start..cases.len()));
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                std::process::exit(2);
            }
        }
    }
    let prefs = Preferences::default();
    let ctx = RankContext::default();
    let candidates_total: usize = cases.iter().map(|c| c.candidates.len()).sum();

    let mut engine = Tally::default();
    let mut original = Tally::default();
    let mut engine_picks = Vec::with_capacity(cases.len());
    let mut original_picks = Vec::with_capacity(cases.len());
    for case in &cases {
        let ranking = rank(&case.track, &case.candidates, &prefs, &ctx);
        engine.add(case, ranking.best);
        engine_picks.push(ranking.best);
        let pick = baseline::pick(&case.track, &case.candidates);
        original.add(case, pick);
        original_picks.push(pick);
    }

    let engine_rate = rate(candidates_total, || {
        for case in &cases {
            std::hint::black_box(rank(&case.track, &case.candidates, &prefs, &ctx));
        }
    });
    let original_rate = rate(candidates_total, || {
        for case in &cases {
            std::hint::black_box(baseline::pick(&case.track, &case.candidates));
        }
    });

    println!(
        "Matching benchmark — {} file(s), {} cases, {} candidates (defaults: formats flac,mp3; min bitrate 192; tolerance 5 s; min score 0.7)",
        files.len(),
        cases.len(),
        candidates_total
    );
    for f in &files {
        println!("  {}", f.display());
    }
    println!();
    println!(
        "| {:<28} | {:>12} | {:>12} |",
        "", "engine", "original (baseline)"
    );
    println!("|{:-<30}|{:->14}|{:->21}|", "", "", "");
    let row = |name: &str, a: String, b: String| println!("| {name:<28} | {a:>12} | {b:>19} |");
    row(
        "cases",
        engine.cases.to_string(),
        original.cases.to_string(),
    );
    row(
        "correct picks",
        engine.correct.to_string(),
        original.correct.to_string(),
    );
    row(
        "wrong picks",
        engine.wrong.to_string(),
        original.wrong.to_string(),
    );
    row(
        "missed (abstained wrongly)",
        engine.missed.to_string(),
        original.missed.to_string(),
    );
    row(
        "correct abstains",
        engine.correct_abstains.to_string(),
        original.correct_abstains.to_string(),
    );
    row(
        "wrong picks %",
        format!("{:.1} %", engine.pct(engine.wrong)),
        format!("{:.1} %", original.pct(original.wrong)),
    );
    row(
        "accuracy %",
        format!(
            "{:.1} %",
            engine.pct(engine.correct + engine.correct_abstains)
        ),
        format!(
            "{:.1} %",
            original.pct(original.correct + original.correct_abstains)
        ),
    );
    row(
        "candidates scored / s",
        format!("{:.0}", engine_rate),
        format!("{:.0}", original_rate),
    );

    if per_file.len() > 1 {
        println!();
        println!("Per file — accuracy / wrong picks (engine | original):");
        for (file, range) in &per_file {
            let mut e = Tally::default();
            let mut o = Tally::default();
            for i in range.clone() {
                e.add(&cases[i], engine_picks[i]);
                o.add(&cases[i], original_picks[i]);
            }
            println!(
                "  {}: {} cases — engine {:.1} % / {} wrong | original {:.1} % / {} wrong",
                file.display(),
                e.cases,
                e.pct(e.correct + e.correct_abstains),
                e.wrong,
                o.pct(o.correct + o.correct_abstains),
                o.wrong
            );
        }
    }

    println!();
    if engine.failures.is_empty() {
        println!("engine: every case right");
    } else {
        println!("engine cases not right:");
        for (id, note, pick, expected) in &engine.failures {
            println!("  {id}: picked {pick:?}, expected {expected:?} — {note}");
        }
    }

    synthetic(&prefs, &ctx);
}

/// Candidates per second of `run`, repeated for about a second.
fn rate(candidates_per_run: usize, mut run: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut runs = 0usize;
    while runs == 0 || started.elapsed() < Duration::from_millis(1000) {
        run();
        runs += 1;
    }
    (candidates_per_run * runs) as f64 / started.elapsed().as_secs_f64()
}

/// A deterministic pseudo-random sequence (no dependency, no clock).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// A realistic search answer: a few right files in many path shapes among
/// other tracks of the album, remixes, live cuts, covers, other artists,
/// images and cue sheets, some non-Latin shares and deep paths.
fn synthetic_search() -> (TrackQuery, Vec<Candidate>) {
    let track = TrackQuery {
        artist: "Daft Punk".into(),
        title: "One More Time".into(),
        album: Some("Discovery".into()),
        duration_ms: Some(320_357),
        track_number: Some(1),
    };
    let titles = [
        "One More Time",
        "Aerodynamic",
        "Digital Love",
        "Harder, Better, Faster, Stronger",
        "Crescendolls",
        "Nightvision",
        "Superheroes",
        "High Life",
        "Something About Us",
        "Voyager",
        "Veridis Quo",
        "Short Circuit",
        "Face to Face",
        "Too Long",
    ];
    let suffixes = [
        "",
        "",
        "",
        "",
        " (Radio Edit)",
        " (Live)",
        " (Romanthony Remix)",
        " [Remastered 2021]",
        " (feat. Romanthony)",
        " (Instrumental)",
        " (Karaoke Version)",
        " (Official Audio)",
    ];
    let artists = [
        "Daft Punk",
        "Daft Punk",
        "Daft Punk",
        "Daft_Punk",
        "Various Artists",
        "Stardust",
        "Thomas Bangalter",
        "Cover Band",
    ];
    let albums = [
        "Discovery",
        "Discovery (2001) [FLAC]",
        "Alive 2007",
        "Homework",
        "Musique Vol. 1",
        "Greatest Hits 2000s",
        "Discovery [24-96]",
    ];
    let shapes = [
        "@@{u}\\Music\\{a}\\{al}\\{n} - {t}{s}.{e}",
        "@@{u}\\Music\\{a} - {al}\\{n}. {a} - {t}{s}.{e}",
        "{u}\\Downloads\\complete\\{a} - {t}{s}.{e}",
        "@@{u}\\share\\音楽\\{a}\\{al}\\CD1\\{n} {t}{s}.{e}",
        "@@{u}\\Music\\Compilations\\{al}\\{n} - {a} - {t}{s}.{e}",
        "@@{u}\\a\\b\\c\\d\\e\\f\\Music Library\\Electronic\\{a}\\{al}\\{n} {t}{s}.{e}",
        "@@{u}\\Music\\{a}\\{al}\\cover.jpg",
        "@@{u}\\Music\\{a}\\{al}\\{a} - {al}.cue",
    ];
    let extensions = ["flac", "mp3", "mp3", "flac", "m4a", "ogg"];
    let mut rng = Lcg(0x5eed);
    let mut candidates = Vec::with_capacity(SYNTHETIC_CANDIDATES);
    for i in 0..SYNTHETIC_CANDIDATES {
        let t = if rng.next().is_multiple_of(5) {
            titles[0]
        } else {
            rng.pick(&titles)
        };
        let shape = rng.pick(&shapes);
        let e = rng.pick(&extensions);
        let user = format!("user{}", rng.next() % 500);
        let n = format!("{:02}", 1 + rng.next() % 14);
        let filename = shape
            .replace("{u}", &user)
            .replace("{a}", rng.pick(&artists))
            .replace("{al}", rng.pick(&albums))
            .replace("{n}", &n)
            .replace("{t}", t)
            .replace("{s}", rng.pick(&suffixes))
            .replace("{e}", e);
        let lossless = e == "flac";
        candidates.push(Candidate {
            username: user,
            filename,
            size: Some(5_000_000 + rng.next() % 40_000_000),
            extension: if i % 3 == 0 {
                Some(String::new())
            } else {
                Some(e.to_string())
            },
            bitrate: if lossless {
                None
            } else {
                Some([128, 192, 256, 320][(rng.next() % 4) as usize])
            },
            length: Some(if rng.next().is_multiple_of(4) {
                200 + (rng.next() % 200) as u32
            } else {
                318 + (rng.next() % 5) as u32
            }),
            sample_rate: Some(44_100),
            bit_depth: lossless.then_some(16),
            has_free_upload_slot: Some(!rng.next().is_multiple_of(3)),
            queue_length: Some(rng.next() % 20),
            upload_speed: Some(rng.next() % 5_000_000),
            locked: rng.next().is_multiple_of(50),
        });
    }
    (track, candidates)
}

fn synthetic(prefs: &Preferences, ctx: &RankContext) {
    let (track, candidates) = synthetic_search();
    let mut times: Vec<Duration> = Vec::with_capacity(SYNTHETIC_RUNS);
    let mut accepted = 0;
    for _ in 0..SYNTHETIC_RUNS {
        let started = Instant::now();
        let ranking = rank(&track, &candidates, prefs, ctx);
        times.push(started.elapsed());
        accepted = ranking.candidates.iter().filter(|s| s.accepted).count();
        std::hint::black_box(ranking);
    }
    times.sort();
    let median = times[times.len() / 2];
    let per_second = candidates.len() as f64 / median.as_secs_f64();
    let started = Instant::now();
    for _ in 0..3 {
        std::hint::black_box(baseline::pick(&track, &candidates));
    }
    let baseline_time = started.elapsed() / 3;
    println!();
    println!(
        "Synthetic search: {} candidates ({} accepted), median of {} runs of rank():",
        candidates.len(),
        accepted,
        SYNTHETIC_RUNS
    );
    println!(
        "  engine:   {:.2} ms per search, {:.0} candidates/s (targets: < 10 ms, ≥ 250000/s)",
        median.as_secs_f64() * 1000.0,
        per_second
    );
    println!(
        "  baseline: {:.2} ms per search, {:.0} candidates/s",
        baseline_time.as_secs_f64() * 1000.0,
        candidates.len() as f64 / baseline_time.as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn baseline_matches_the_reference_values() {
        assert_eq!(super::baseline::check_reference_values(), Ok(()));
    }
}
