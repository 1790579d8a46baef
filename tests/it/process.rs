//! The real binary: exit codes for bad configuration, the start-up log line,
//! secrets kept out of logs, graceful exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

fn harmony(dir: &tempfile::TempDir) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_harmony"));
    cmd.current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HARMONY_DATA_DIR", dir.path().join("data"))
        .env("HARMONY_BIND", "127.0.0.1:0")
        .env("SLSKD_URL", "")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run_to_end(mut cmd: Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bad_value_stops_the_start_with_exit_2_and_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("SYNC_POLL_INTERVAL_SEC", "soon");
    let (code, stderr) = run_to_end(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("SYNC_POLL_INTERVAL_SEC")
            && stderr.contains("\"soon\"")
            && stderr.contains("expected"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_key_in_the_config_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("harmony.toml");
    std::fs::write(&file, "MUSIC_DIR = \"/music\"\nMUISC_DIR = \"/typo\"\n").unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("HARMONY_CONFIG", &file);
    let (code, stderr) = run_to_end(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("MUISC_DIR") && stderr.contains("harmony.toml"),
        "{stderr}"
    );
}

#[test]
fn a_public_bind_without_api_keys_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("HARMONY_BIND", "0.0.0.0:0");
    let (code, stderr) = run_to_end(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("HARMONY_API_KEYS") && stderr.contains("HARMONY_AUTH_DISABLED"),
        "{stderr}"
    );
}

/// Starts the binary and returns it with its JSON "harmony started" line.
#[allow(clippy::zombie_processes)] // the caller waits for the child
fn start(cmd: &mut Command) -> (Child, Value, mpsc::Receiver<String>) {
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no start-up line");
        if let Ok(v) = serde_json::from_str::<Value>(&line) {
            if v["fields"]["message"] == "harmony started" {
                return (child, v, rx);
            }
        }
    }
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn wait_with_deadline(child: &mut Child, deadline: Duration) -> Option<i32> {
    let end = std::time::Instant::now() + deadline;
    while std::time::Instant::now() < end {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

#[test]
fn logs_one_start_line_keeps_secrets_out_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("HARMONY_LOG_FORMAT", "json")
        .env("HARMONY_LOG_LEVEL", "debug")
        .env("SLSKD_API_KEY", "very-secret-slskd-key")
        .env("HARMONY_API_KEYS", "very-secret-api-key")
        .env("SHUTDOWN_GRACE_SEC", "2");
    let (mut child, line, rx) = start(&mut cmd);
    let fields = &line["fields"];
    assert!(
        fields["bind"].as_str().unwrap().starts_with("127.0.0.1:"),
        "{line}"
    );
    assert!(
        fields["database"].as_str().unwrap().ends_with("harmony.db"),
        "{line}"
    );
    assert!(
        fields["config_sources"]
            .as_str()
            .unwrap()
            .contains("environment"),
        "{line}"
    );
    assert!(
        fields["workers"]
            .as_str()
            .unwrap()
            .contains("retry_scheduler"),
        "{line}"
    );

    // It serves, behind the key.
    let addr = fields["bind"].as_str().unwrap().to_string();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::{Read, Write};
    write!(stream, "GET /status HTTP/1.1\r\nHost: x\r\nX-API-Key: very-secret-api-key\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    sigterm(&child);
    let code = wait_with_deadline(&mut child, Duration::from_secs(10));
    assert_eq!(
        code,
        Some(0),
        "did not exit cleanly within the grace period"
    );
    let logs: Vec<String> = rx.try_iter().collect();
    let all = format!("{line}\n{}", logs.join("\n"));
    assert!(!all.contains("very-secret"), "a secret reached the log");
    assert!(logs.iter().any(|l| l.contains("shutting down")), "{all}");
    let starts = all
        .lines()
        .filter(|l| l.contains("\"harmony started\""))
        .count();
    assert_eq!(starts, 1);
}

#[test]
fn text_logs_and_a_trusted_lan_bind() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("HARMONY_BIND", "0.0.0.0:0")
        .env("HARMONY_AUTH_DISABLED", "1")
        .env("HARMONY_DISABLE_WORKERS", "true");
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let first = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find(|l| l.contains("harmony started"))
        .expect("start line");
    assert!(first.contains("bind=0.0.0.0:"), "{first}");
    assert!(first.contains("workers=[]"), "{first}");
    sigterm(&child);
    assert_eq!(
        wait_with_deadline(&mut child, Duration::from_secs(10)),
        Some(0)
    );
}

/// Resident kB of the binary's executable mapping (`/proc/<pid>/smaps`).
fn resident_code_kb(pid: u32) -> u64 {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap();
    let mut in_code = false;
    let mut total = 0;
    for line in smaps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.first().is_some_and(|f| f.contains('-')) && fields.len() >= 5 {
            in_code = fields[1] == "r-xp" && fields.get(5).is_some_and(|p| p.ends_with("/harmony"));
        } else if in_code && fields.first() == Some(&"Rss:") {
            total += fields[1].parse::<u64>().unwrap();
        }
    }
    total
}

#[test]
fn once_started_the_code_only_start_up_ran_leaves_memory_and_the_service_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("HARMONY_LOG_FORMAT", "json")
        .env("HARMONY_LOG_LEVEL", "info,harmony::heap=debug");
    let (mut child, line, rx) = start(&mut cmd);
    let addr = line["fields"]["bind"].as_str().unwrap().to_string();
    assert_eq!(status_line(&addr), "HTTP/1.1 200 OK");
    let before = resident_code_kb(child.id());
    assert!(before > 0);
    let released_from = |line: &str| {
        let v: Value = serde_json::from_str(line).ok()?;
        (v["fields"]["message"] == "start-up code unmapped")
            .then(|| v["fields"]["released"].as_u64().unwrap())
    };
    // A machine slow enough to reach the release (5 s after start) before
    // `before` was read cannot compare; the log line still proves it ran.
    let early = rx.try_iter().find_map(|line| released_from(&line));
    let released = early.unwrap_or_else(|| loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no release of the start-up code");
        if let Some(released) = released_from(&line) {
            break released;
        }
    });
    let after = resident_code_kb(child.id());
    assert!(released > 1 << 20, "{released} bytes released");
    if early.is_none() {
        assert!(
            after < before,
            "resident code: {before} kB before, {after} kB after"
        );
    }
    // What runs again maps back: the service is whole.
    assert_eq!(status_line(&addr), "HTTP/1.1 200 OK");
    sigterm(&child);
    assert_eq!(
        wait_with_deadline(&mut child, Duration::from_secs(10)),
        Some(0)
    );
}

/// One `GET /status` over a fresh connection; the status line.
fn status_line(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.lines().next().unwrap_or_default().to_string()
}

#[test]
fn a_second_instance_on_the_same_data_directory_exits_2_and_the_first_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = harmony(&dir);
    first.env("HARMONY_LOG_FORMAT", "json");
    let (mut child, line, _rx) = start(&mut first);
    let addr = line["fields"]["bind"].as_str().unwrap().to_string();

    // Another port, the same data directory: refused (killed after 15 s if it runs).
    let mut second = harmony(&dir).spawn().unwrap();
    let code = wait_with_deadline(&mut second, Duration::from_secs(15));
    let mut stderr = String::new();
    use std::io::Read;
    second
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let data_dir = dir.path().join("data");
    assert!(
        stderr.contains(&data_dir.display().to_string())
            && stderr.contains(&format!("pid {}", child.id())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status_line(&addr), "HTTP/1.1 200 OK");

    // A SIGKILL leaves no stale lock: the next instance starts at once.
    child.kill().unwrap();
    child.wait().unwrap();
    let mut next = harmony(&dir);
    next.env("HARMONY_LOG_FORMAT", "json");
    let (mut child, line, _rx) = start(&mut next);
    let addr = line["fields"]["bind"].as_str().unwrap().to_string();
    assert_eq!(status_line(&addr), "HTTP/1.1 200 OK");
    sigterm(&child);
    assert_eq!(
        wait_with_deadline(&mut child, Duration::from_secs(10)),
        Some(0)
    );
}

#[test]
fn a_busy_port_exits_2_with_one_line_no_panic_and_nothing_written() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = harmony(&dir);
    cmd.env("HARMONY_BIND", busy.local_addr().unwrap().to_string())
        .env("RUST_BACKTRACE", "1");
    let (code, stderr) = run_to_end(cmd);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot listen on") && stderr.contains("in use"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !dir.path().join("data").exists(),
        "the data directory was written to"
    );
}

#[test]
fn the_command_line_tells_its_version_and_checks_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut version = harmony(&dir);
    version.arg("--version");
    let out = version.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("harmony {}", env!("CARGO_PKG_VERSION"))
    );

    let mut check = harmony(&dir);
    check.args(["config", "check"]);
    let out = check.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("configuration ok"));

    let mut bad = harmony(&dir);
    bad.args(["config", "check"])
        .env("SYNC_POLL_INTERVAL_SEC", "soon");
    let (code, stderr) = run_to_end(bad);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("SYNC_POLL_INTERVAL_SEC"), "{stderr}");
    // A check starts nothing and writes nothing.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn config_check_prints_every_key_masked_with_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    // Layer 5: settings the service stored in its database.
    let db_path = dir.path().join("data").join("harmony.db");
    let db = harmony::db::Db::open(&db_path).unwrap();
    db.read_blocking(|conn| {
        conn.immediate_transaction(|conn| {
            harmony::db::settings::apply(conn, "MATCH_MIN_SCORE", Some("0.85"), 1)?;
            harmony::db::settings::apply(conn, "NAVIDROME_PASSWORD", Some("stored-secret-pw"), 1)
        })
    })
    .unwrap();
    drop(db);
    let files_before = listing(&dir.path().join("data"));
    let db_before = std::fs::read(&db_path).unwrap();

    // Layer 3: a settings file; layer 4: the environment.
    let file = dir.path().join("harmony.toml");
    std::fs::write(
        &file,
        "MUSIC_DIR = \"/srv/music\"\nSLSKD_API_KEY = \"file-secret-key\"\n",
    )
    .unwrap();
    let mut check = harmony(&dir);
    check
        .args(["config", "check"])
        .env("HARMONY_CONFIG", &file)
        .env("HARMONY_API_KEYS", "env-secret-api-key")
        .env("SLSKD_DOWNLOADS_DIR", "/srv/slskd/downloads");
    let out = check.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(stdout.contains("configuration ok"), "{stdout}");
    assert!(
        !stdout.contains("secret-"),
        "a secret was printed: {stdout}"
    );

    // Every key once, as a TOML document.
    let table: toml::Table = stdout.parse().unwrap();
    for spec in harmony::config::keys::KEYS {
        assert!(
            table.contains_key(spec.name),
            "{} missing: {stdout}",
            spec.name
        );
    }
    assert_eq!(table.len(), harmony::config::keys::KEYS.len());

    let line = |key: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no {key} line: {stdout}"))
            .to_string()
    };
    let file_name = file.display().to_string();
    let expect = [
        ("MUSIC_DIR", "\"/srv/music\"", file_name.as_str()),
        ("SLSKD_API_KEY", "\"********\"", file_name.as_str()),
        ("HARMONY_API_KEYS", "\"********\"", "environment"),
        (
            "SLSKD_DOWNLOADS_DIR",
            "\"/srv/slskd/downloads\"",
            "environment",
        ),
        ("MATCH_MIN_SCORE", "\"0.85\"", "settings database"),
        ("NAVIDROME_PASSWORD", "\"********\"", "settings database"),
        ("SEARCH_MAX_CONCURRENT", "\"2\"", "default"),
        ("PLEX_TOKEN", "\"\"", "default"),
    ];
    for (key, value, source) in expect {
        let line = line(key);
        assert!(
            line.ends_with(&format!("= {value}  # {source}")),
            "{key}: {line}"
        );
    }
    // Derived defaults say what they stand for.
    assert!(
        line("DATABASE_URL").contains(&db_path.display().to_string()),
        "{stdout}"
    );

    // The check read the database and wrote nothing.
    assert_eq!(listing(&dir.path().join("data")), files_before);
    assert_eq!(std::fs::read(&db_path).unwrap(), db_before);
}

#[test]
fn config_check_refuses_what_the_service_refuses_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("harmony.toml");
    std::fs::write(&file, "MATCH_MIN_SCORE = \"high\"\n").unwrap();
    let mut bad_file = harmony(&dir);
    bad_file
        .args(["config", "check"])
        .env("HARMONY_CONFIG", &file);
    let (code, stderr) = run_to_end(bad_file);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("MATCH_MIN_SCORE") && stderr.contains("harmony.toml"),
        "{stderr}"
    );

    let mut public = harmony(&dir);
    public
        .args(["config", "check"])
        .env("HARMONY_BIND", "0.0.0.0:8080");
    let (code, stderr) = run_to_end(public);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("HARMONY_API_KEYS"), "{stderr}");
    assert!(!dir.path().join("data").exists());
}

/// The names of the files in a directory, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn healthcheck_asks_for_readiness_not_just_life() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    let app = crate::common::TestApp::start(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let addr = app.app.addr.to_string();
    let probe = move |bind: String| {
        let mut cmd = harmony(&dir);
        cmd.args(["healthcheck", "--timeout", "2"])
            .env("HARMONY_BIND", bind);
        cmd
    };
    let ready = probe(addr.clone());
    let (code, stderr) = actix_web::web::block(move || run_to_end(ready))
        .await
        .unwrap();
    assert_eq!(code, 0, "{stderr}");

    // Alive but not ready (a migration is pending): unhealthy.
    let path = app.dir.path().join("data").join("harmony.db");
    let mut conn =
        diesel::sqlite::SqliteConnection::establish(&path.display().to_string()).unwrap();
    conn.batch_execute(
        "PRAGMA busy_timeout = 5000; \
         DELETE FROM __diesel_schema_migrations WHERE version = \
         (SELECT MAX(version) FROM __diesel_schema_migrations);",
    )
    .unwrap();
    assert_eq!(app.get("/health/live").await.0, 200);
    let not_ready = probe(addr.clone());
    let (code, stderr) = actix_web::web::block(move || run_to_end(not_ready))
        .await
        .unwrap();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("503"), "{stderr}");

    app.app.shutdown().await;
    let gone = probe(addr);
    let (code, stderr) = actix_web::web::block(move || run_to_end(gone))
        .await
        .unwrap();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nothing answers"), "{stderr}");
}
