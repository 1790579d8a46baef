//! The labelled matching corpora as a test: the companion file of the
//! repository (issue 18's hard cases) and, where it is present, the public
//! corpus must stay at every case right — a regression fails CI.

// The bench and this test read the corpora with the same loader (it builds
// harmony types, so it cannot live in the harness-free `harmony_testkit`).
#[path = "../../examples/matching_bench/corpus.rs"]
mod corpus;

use std::path::Path;

use corpus::{companion_corpus, corpus_files, load, PUBLIC_CORPUS};
use harmony::domain::matching::{rank, Preferences, RankContext};

/// Cases of `file` that the engine gets wrong (a wrong pick, or abstaining
/// with a right answer there, or picking when it should abstain).
fn not_right(file: &Path) -> Vec<String> {
    let cases = load(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(!cases.is_empty(), "{} has no case", file.display());
    let (prefs, ctx) = (Preferences::default(), RankContext::default());
    cases
        .iter()
        .filter_map(|c| {
            let best = rank(&c.track, &c.candidates, &prefs, &ctx).best;
            let right = match best {
                Some(i) => c.expected.contains(&i),
                None => c.expected.is_empty(),
            };
            (!right).then(|| {
                format!(
                    "{}: picked {best:?}, expected {:?} — {}",
                    c.id, c.expected, c.note
                )
            })
        })
        .collect()
}

#[test]
fn companion_corpus_every_case_right() {
    let failures = not_right(&companion_corpus());
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn public_corpus_every_case_right_when_present() {
    // The public corpus lives outside the repository.
    for file in corpus_files(Path::new(PUBLIC_CORPUS)) {
        let failures = not_right(&file);
        assert!(failures.is_empty(), "{}: {failures:#?}", file.display());
    }
}
