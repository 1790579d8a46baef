//! Tag + cover benchmark: `cargo run --release --example tag_bench -- [N]` (default 1000).
//!
//! Copies the fixtures round-robin into N files in a temp dir, then runs one
//! `media::tags::apply` (full tag set + the 1400 px cover, one verified safe write) per file.
//! Prints files/s and the peak RSS (VmHWM) at 10 %, 50 % and 100 % of the run.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use harmony::media::tags::{apply, read_tags, FileChanges, Id3Version, TagSet};

const FIXTURES: [&str; 5] = ["tone.mp3", "tone.flac", "tone.m4a", "tone.ogg", "tone.opus"];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A field of /proc/self/status in KiB (Linux only).
fn status_kib(field: &str) -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

fn tags_for(i: usize) -> TagSet {
    TagSet {
        title: Some(format!("Track {i}")),
        artist: Some("Benchmark Artist".into()),
        album: Some("Benchmark Album".into()),
        album_artist: Some("Benchmark Artist".into()),
        track_number: Some((i % 20) as u32 + 1),
        track_total: Some(20),
        disc_number: Some(1),
        disc_total: Some(1),
        year: Some(2024),
        genre: Some("Electronic".into()),
        composer: Some("Composer".into()),
        producer: Some("Producer".into()),
        isrc: Some(format!("XXA00{:07}", i)),
        copyright: Some("2024 Bench".into()),
        spotify_track_id: Some(format!("track{i:018}")),
        spotify_album_id: Some("album000000000000000".into()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 1000,
    };
    let cover = fs::read(fixtures_dir().join("cover_1400.jpg"))?;
    let dir = tempfile::tempdir()?;

    let setup = Instant::now();
    let mut files = Vec::with_capacity(n);
    for i in 0..n {
        let name = FIXTURES[i % FIXTURES.len()];
        let ext = name.rsplit('.').next().unwrap_or("bin");
        let path = dir.path().join(format!("{i:05}.{ext}"));
        fs::copy(fixtures_dir().join(name), &path)?;
        files.push(path);
    }
    println!(
        "{n} files copied in {:.2?}; RSS before run {} (peak so far {})",
        setup.elapsed(),
        mib(status_kib("VmRSS:")),
        mib(status_kib("VmHWM:"))
    );

    let mut changes = FileChanges {
        tags: None,
        cover: Some(cover),
        lyrics: None,
        id3: Id3Version::V24,
    };
    let start = Instant::now();
    let mut failures = 0usize;
    for (i, path) in files.iter().enumerate() {
        changes.tags = Some(tags_for(i));
        if let Err(e) = apply(path, &changes) {
            failures += 1;
            eprintln!("{}: {e}", path.display());
        }
        let done = i + 1;
        if done == n / 10 || done == n / 2 {
            println!(
                "  after {done:>5} files: peak RSS {}",
                mib(status_kib("VmHWM:"))
            );
        }
    }
    let elapsed = start.elapsed();
    println!(
        "  after {n:>5} files: peak RSS {}",
        mib(status_kib("VmHWM:"))
    );

    // spot check: one file per format reads back
    for (i, path) in files.iter().enumerate().take(FIXTURES.len().min(n)) {
        let got = read_tags(path)?;
        if got != tags_for(i) {
            return Err(format!("{}: read back {got:?}", path.display()).into());
        }
    }

    let leftovers = fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .count();
    println!(
        "tagged + cover: {n} files in {elapsed:.2?} = {:.0} files/s; failures {failures}; temp files left {leftovers}",
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "peak RSS (VmHWM) {}, final RSS {}",
        mib(status_kib("VmHWM:")),
        mib(status_kib("VmRSS:"))
    );
    if failures > 0 {
        return Err(format!("{failures} files failed").into());
    }
    Ok(())
}
