//! Start-up, resident memory and `/status` latency of the release binary.
//!
//! ```sh
//! cargo build --release && cargo run --release --example status_bench
//! ```
//! Starts `target/release/harmony` (or the path given as first argument) on a
//! temporary directory with its defaults and every worker on (artwork and
//! lyrics enabled; slskd at its default URL, where nothing answers), then
//! measures: start → first 200 on `/status`; resident memory (VmRSS, split
//! into the binary's and libraries' file pages and private memory) and
//! threads right after start, after 20 s idle, and after a load burst (every
//! UI page and the main API lists, then the latency and throughput runs
//! below, then 15 s of quiet: the service gives
//! freed memory back every 10 s); sequential `/status` latency over one
//! keep-alive connection, and throughput with 64 connections.
//! Traffic goes to 127.0.0.1 only and every loop is bounded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SEQUENTIAL: usize = 5_000;
const CONCURRENT: usize = 64;
const THROUGHPUT_WINDOW: Duration = Duration::from_secs(5);
const IDLE: Duration = Duration::from_secs(20);
const SETTLE: Duration = Duration::from_secs(15);
const BURST_ROUNDS: usize = 20;
const BURST_PATHS: [&str; 12] = [
    "/",
    "/wanted",
    "/downloads",
    "/sources",
    "/settings",
    "/activity",
    "/api/v1/wanted",
    "/api/v1/downloads",
    "/api/v1/activity",
    "/api/v1/settings",
    "/api/v1/library",
    "/openapi.json",
];

fn main() {
    let binary = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/release/harmony".to_string());
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let started = Instant::now();
    let mut child = Command::new(&binary)
        .env("HARMONY_DATA_DIR", dir.path().join("data"))
        .env("HARMONY_BIND", format!("127.0.0.1:{port}"))
        .env("HARMONY_LOG_LEVEL", "warn")
        .env("ENABLE_ARTWORK", "1")
        .env("ENABLE_LYRICS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start harmony (build it first: cargo build --release)");
    let addr = format!("127.0.0.1:{port}");
    let first_ok = loop {
        if let Ok(mut s) = TcpStream::connect(&addr) {
            if one_request(&mut s, true).is_some_and(|status| status == 200) {
                break started.elapsed();
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no answer within 30 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    };

    let at_start = memory(child.id());
    std::thread::sleep(IDLE);
    let idle = memory(child.id());

    // Every page and list once per round: the code a user's visit runs.
    for _ in 0..BURST_ROUNDS {
        for path in BURST_PATHS {
            let mut s = TcpStream::connect(&addr).expect("connect");
            assert_eq!(get(&mut s, path, true), Some(200), "{path}");
        }
    }

    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.set_nodelay(true).ok();
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    for _ in 0..SEQUENTIAL {
        let t = Instant::now();
        assert_eq!(one_request(&mut stream, false), Some(200));
        samples.push(t.elapsed());
    }
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p) as usize];

    let deadline = Instant::now() + THROUGHPUT_WINDOW;
    let threads: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).expect("connect");
                s.set_nodelay(true).ok();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if one_request(&mut s, false) == Some(200) {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: u64 = threads.into_iter().map(|t| t.join().unwrap_or(0)).sum();
    std::thread::sleep(SETTLE);
    let after_load = memory(child.id());

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();

    println!(
        "start → first 200 on /status : {:.1} ms",
        first_ok.as_secs_f64() * 1000.0
    );
    for (
        when,
        Memory {
            rss,
            file,
            private,
            threads,
        },
    ) in [
        ("right after start  ", at_start),
        ("after 20 s idle    ", idle),
        ("after a load burst ", after_load),
    ] {
        let mib = |kib: u64| kib as f64 / 1024.0;
        println!(
            "RSS {when}       : {:.1} MiB ({:.1} file pages, {:.1} private), {threads} threads",
            mib(rss),
            mib(file),
            mib(private)
        );
    }
    println!(
        "/status sequential ({SEQUENTIAL})     : p50 {:.3} ms, p99 {:.3} ms",
        pct(0.5).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0
    );
    println!(
        "/status, {CONCURRENT} connections       : {:.0} requests/s",
        total as f64 / THROUGHPUT_WINDOW.as_secs_f64()
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One GET /status on a keep-alive (or closing) connection; the status code.
fn one_request(stream: &mut TcpStream, close: bool) -> Option<u16> {
    get(stream, "/status", close)
}

/// One GET of `path`; the status code, after reading the whole body.
fn get(stream: &mut TcpStream, path: &str, close: bool) -> Option<u16> {
    let connection = if close { "close" } else { "keep-alive" };
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\n\r\n"
    )
    .ok()?;
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
    Some(status)
}

/// Resident memory (KiB) and threads, from `/proc/<pid>/status`.
struct Memory {
    rss: u64,
    /// Pages of the binary and the shared libraries (`RssFile`): shared with
    /// the page cache, given back by the kernel under pressure.
    file: u64,
    /// Heap, stacks and the rest no one else holds (`RssAnon` + `RssShmem`).
    private: u64,
    threads: u64,
}

fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    Memory {
        rss: field("VmRSS:"),
        file: field("RssFile:"),
        private: field("RssAnon:") + field("RssShmem:"),
        threads: field("Threads:"),
    }
}
