//! The library index (issue 15): first index and unchanged rescan of 10 000
//! files, `/status` latency during a scan, peak memory of a 100 000-file index.
//!
//! ```sh
//! cargo run --release --example library_bench            # index, rescan, /status
//! cargo run --release --example library_bench -- memory   # 100 000 files, peak RSS
//! ```
//! The 10 000 files are copies of the five fixtures (MP3, FLAC, M4A, Ogg
//! Vorbis, Opus) in 100 artist × 10 album folders; the 100 000 are hard links
//! to them (cheap to make, each a path the index reads). Everything runs on
//! a temporary directory; traffic goes to 127.0.0.1 only.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harmony::actors::workers::library::scan;
use harmony::db::Db;

const FIXTURES: [&str; 5] = ["tone.mp3", "tone.flac", "tone.m4a", "tone.ogg", "tone.opus"];
const FILES: usize = 10_000;
const MEMORY_FILES: usize = 100_000;
const STATUS_SAMPLES: usize = 2_000;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// `n` audio files under `root`: copies, or hard links when `link`.
fn make_tree(root: &Path, n: usize, link: bool) {
    for i in 0..n {
        let name = FIXTURES[i % FIXTURES.len()];
        let ext = Path::new(name)
            .extension()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let dir = root.join(format!("Artist {:03}/Album {:04}", i / 100, i / 10));
        if i % 10 == 0 {
            std::fs::create_dir_all(&dir).unwrap();
        }
        let to = dir.join(format!("{:02} - Track {i}.{ext}", i % 10 + 1));
        if link {
            std::fs::hard_link(fixture(name), &to).unwrap();
        } else {
            std::fs::copy(fixture(name), &to).unwrap();
        }
    }
}

fn proc_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn main() {
    let memory = std::env::args().nth(1).as_deref() == Some("memory");
    let dir = tempfile::tempdir().expect("temp dir");
    let music = dir.path().join("music");
    if memory {
        return memory_run(dir.path(), &music);
    }
    let t = Instant::now();
    make_tree(&music, FILES, false);
    println!("tree: {FILES} files in {:.1} s", t.elapsed().as_secs_f64());
    let db = Db::open(&dir.path().join("bench.db")).unwrap();
    let roots = vec![music.clone()];
    let t = Instant::now();
    let first = scan::scan(&db, &roots).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "first index: {} files read in {secs:.2} s = {:.0} files/s ({} unreadable)",
        first.counts.read,
        first.counts.read as f64 / secs,
        first.counts.unreadable
    );
    let t = Instant::now();
    let again = scan::scan(&db, &roots).unwrap();
    println!(
        "rescan, nothing changed: {} seen, {} read, in {:.3} s",
        again.counts.seen,
        again.counts.read,
        t.elapsed().as_secs_f64()
    );
    status_during_scan(dir.path(), &music);
}

fn memory_run(dir: &Path, music: &Path) {
    let t = Instant::now();
    make_tree(music, MEMORY_FILES, true);
    println!(
        "tree: {MEMORY_FILES} hard links in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let db = Db::open(&dir.join("bench.db")).unwrap();
    let before = (proc_kib("VmRSS:"), proc_kib("VmHWM:"));
    let t = Instant::now();
    let done = scan::scan(&db, &[music.to_path_buf()]).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "first index: {} files in {secs:.1} s = {:.0} files/s",
        done.counts.read,
        done.counts.read as f64 / secs
    );
    println!(
        "memory: VmRSS before {} KiB, peak (VmHWM) {} KiB before the scan and {} KiB after it",
        before.0,
        before.1,
        proc_kib("VmHWM:")
    );
}

/// `/status` p50 idle, then while the app indexes the tree (the scan asked
/// for through the API, on the app's own library worker).
fn status_during_scan(dir: &Path, music: &Path) {
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let data = dir.join("data");
    let env: HashMap<String, String> = [
        ("HARMONY_BIND", "127.0.0.1:0".to_string()),
        ("HARMONY_DATA_DIR", data.display().to_string()),
        ("HARMONY_LOG_LEVEL", "warn".to_string()),
        ("SLSKD_URL", String::new()),
        ("MUSIC_DIR", empty.display().to_string()),
        ("LIBRARY_SCAN_INTERVAL", "3600".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let music = music.to_path_buf();
    actix_rt::System::new().block_on(async move {
        let raw = harmony::config::load(|k| env.get(k).cloned()).unwrap();
        let (config, raw, db) = harmony::app::prepare(raw).unwrap();
        let app = harmony::app::start(config, raw, db, Default::default())
            .await
            .unwrap();
        let addr = app.addr.to_string();
        actix_rt::time::sleep(Duration::from_secs(1)).await;
        let idle = measure(addr.clone(), None).await;
        // Point the library at the tree and scan it.
        let a = addr.clone();
        let body = format!("{{\"MUSIC_DIR\": \"{}\"}}", music.display());
        actix_web::web::block(move || {
            request(&a, "PUT", "/api/v1/settings", &body);
            request(&a, "POST", "/api/v1/library/scan", "");
        })
        .await
        .unwrap();
        let busy = measure(addr.clone(), Some(FILES)).await;
        println!(
            "/status p50: idle {:.3} ms, during the scan {:.3} ms ({} samples; p99 idle {:.3} ms, during {:.3} ms)",
            idle.0, busy.0, busy.2, idle.1, busy.1
        );
        app.shutdown().await;
    });
}

/// (p50 ms, p99 ms, samples) of sequential `/status` requests; with
/// `Some(n)`, until the library holds `n` tracks.
async fn measure(addr: String, until_tracks: Option<usize>) -> (f64, f64, usize) {
    actix_web::web::block(move || {
        let mut stream = TcpStream::connect(&addr).unwrap();
        let mut times = Vec::new();
        loop {
            let t = Instant::now();
            one_status(&mut stream).unwrap();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            match until_tracks {
                None if times.len() >= STATUS_SAMPLES => break,
                Some(n) if times.len() % 50 == 0 => {
                    let body = request(&addr, "GET", "/api/v1/library", "");
                    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
                    if v["counts"]["tracks"].as_u64() >= Some(n as u64) {
                        break;
                    }
                }
                _ => {}
            }
        }
        times.sort_by(|a, b| a.total_cmp(b));
        let p = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        (p(0.5), p(0.99), times.len())
    })
    .await
    .unwrap()
}

fn one_status(stream: &mut TcpStream) -> Option<u16> {
    write!(stream, "GET /status HTTP/1.1\r\nHost: bench\r\n\r\n").ok()?;
    read_answer(stream).map(|(status, _)| status)
}

fn read_answer(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).ok()?;
    let status: u16 = status_line.split_whitespace().nth(1)?.parse().ok()?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

/// One request on its own connection; the body of the answer.
fn request(addr: &str, method: &str, path: &str, body: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    read_answer(&mut stream).map(|(_, b)| b).unwrap_or_default()
}
