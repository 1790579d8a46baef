//! Checks the fake slskd through HTTP, so the other tests can trust it behaves like the
//! reference (shared/reference/slskd-api.md, sections 1.2, 1.3, 1.4, 1.5 and 9.1).

use std::time::{Duration, Instant};

use harmony_testkit::fake_slskd::{
    self, file_content, local_path, FakeOptions, FakeSlskd, Outcome, SharedFile, Version,
};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

const FILE: &str = r"@@abcde\Music\Daft Punk\Discovery\01 - One More Time.flac";
const DIR: &str = r"@@abcde\Music\Daft Punk\Discovery";

struct Resp {
    status: u16,
    body: String,
    retry_after: Option<String>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

async fn start(options: FakeOptions) -> (FakeSlskd, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeSlskd::start(options, dir.path().join("downloads")).await;
    (fake, dir)
}

/// One request; `body` is sent with the given content type. A fresh client each time, so no
/// pooled connection outlives a `pause`.
async fn raw(
    fake: &FakeSlskd,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Result<Resp, String> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(5))
        .finish();
    let mut req = client.request(method.parse().unwrap(), format!("{}{path}", fake.url));
    for (name, value) in headers {
        req = req.insert_header((*name, *value));
    }
    let sent = match body {
        Some((content_type, body)) => req.content_type(content_type).send_body(body).await,
        None => req.send().await,
    };
    let mut res = sent.map_err(|e| e.to_string())?;
    let retry_after = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_string());
    let body = res.body().await.map_err(|e| e.to_string())?;
    let body = String::from_utf8(body.to_vec()).unwrap();
    Ok(Resp {
        status: res.status().as_u16(),
        body,
        retry_after,
    })
}

async fn call(fake: &FakeSlskd, method: &str, path: &str, body: Option<&Value>) -> Resp {
    let body = body.map(|b| ("application/json", b.to_string()));
    raw(fake, method, &format!("/api/v0/{path}"), &[], body)
        .await
        .unwrap()
}

async fn enqueue(fake: &FakeSlskd, user: &str, files: &[(&str, u64)]) -> Resp {
    let body: Vec<Value> = files
        .iter()
        .map(|(f, s)| json!({"filename": f, "size": s}))
        .collect();
    let path = format!(
        "transfers/downloads/{}",
        utf8_percent_encode(user, NON_ALPHANUMERIC)
    );
    call(fake, "POST", &path, Some(&Value::Array(body))).await
}

/// Every non-removed transfer in the listing.
async fn files(fake: &FakeSlskd) -> Vec<Value> {
    let res = call(fake, "GET", "transfers/downloads", None).await;
    assert_eq!(res.status, 200);
    let groups = res.json();
    let dirs = groups
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["directories"].as_array().unwrap());
    dirs.flat_map(|d| d["files"].as_array().unwrap().clone())
        .collect()
}

/// Polls the transfer until `check` holds; returns it. Records each state seen in `seen`.
async fn wait_for(
    fake: &FakeSlskd,
    id: &str,
    seen: &mut Vec<String>,
    check: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let t = call(fake, "GET", &format!("transfers/downloads/x/{id}"), None)
            .await
            .json();
        let state = t["state"].as_str().unwrap().to_string();
        if seen.last() != Some(&state) {
            seen.push(state);
        }
        if check(&t) {
            return t;
        }
        assert!(Instant::now() < deadline, "transfer never got there: {t}");
        actix_rt::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn wait_done(fake: &FakeSlskd, id: &str) -> Value {
    wait_for(fake, id, &mut Vec::new(), |t| {
        t["state"].as_str().unwrap().starts_with("Completed")
    })
    .await
}

/// The id of the newest transfer of a file.
fn last_id(fake: &FakeSlskd, filename: &str) -> String {
    let all = fake.transfers();
    let t = all
        .iter()
        .rev()
        .find(|t| t["filename"] == filename)
        .expect("a transfer of that file");
    t["id"].as_str().unwrap().to_string()
}

/// `s` has the shape of `pattern`, where `9` is any digit and `x` a lower-case hex digit.
fn shaped(s: &str, pattern: &str) -> bool {
    s.len() == pattern.len()
        && s.chars().zip(pattern.chars()).all(|(c, p)| match p {
            '9' => c.is_ascii_digit(),
            'x' => c.is_ascii_digit() || ('a'..='f').contains(&c),
            _ => c == p,
        })
}

fn is_guid(s: &str) -> bool {
    shaped(s, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
}

/// `2025-08-10T12:34:56.1234567`: seven fractional digits, no offset.
fn is_dotnet_time(v: &Value) -> bool {
    shaped(v.as_str().unwrap_or(""), "9999-99-99T99:99:99.9999999")
}

/// `hh:mm:ss.fffffff`.
fn is_timespan(v: &Value) -> bool {
    shaped(v.as_str().unwrap_or(""), "99:99:99.9999999")
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn api_key_is_required_on_every_route() {
    let options = FakeOptions {
        api_key: Some("secret".into()),
        ..Default::default()
    };
    let (fake, _dir) = start(options).await;
    let no_key = raw(&fake, "GET", "/api/v0/server", &[], None)
        .await
        .unwrap();
    assert_eq!((no_key.status, no_key.body.as_str()), (401, ""));
    let wrong = raw(
        &fake,
        "GET",
        "/api/v0/server",
        &[("X-API-Key", "nope")],
        None,
    )
    .await
    .unwrap();
    assert_eq!((wrong.status, wrong.body.as_str()), (401, ""));
    let listing = raw(&fake, "GET", "/api/v0/transfers/downloads", &[], None)
        .await
        .unwrap();
    assert_eq!(listing.status, 401);

    let ok = raw(
        &fake,
        "GET",
        "/api/v0/server",
        &[("x-api-key", "secret")],
        None,
    )
    .await
    .unwrap();
    assert_eq!(ok.status, 200);
    let server = ok.json();
    assert_eq!(server["state"], "Connected, LoggedIn");
    assert_eq!(
        (server["isConnected"].clone(), server["isLoggedIn"].clone()),
        (json!(true), json!(true))
    );

    let log = fake.requests();
    let keys: Vec<Option<&str>> = log.iter().map(|r| r.api_key.as_deref()).collect();
    assert_eq!(keys, [None, Some("nope"), None, Some("secret")]);
    let statuses: Vec<u16> = log.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [401, 401, 401, 200]);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/v0/server");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn v023_download_lifecycle_listing_and_files() {
    let options = FakeOptions {
        tick: Duration::from_millis(10),
        bytes_per_tick: 256 << 10,
        queue_remotely_ticks: 2,
        ..Default::default()
    };
    let (fake, _dir) = start(options).await;
    let size = (1 << 20) + 123;
    fake.share("daftfan", FILE, size);
    fake.hold(true);
    let res = enqueue(&fake, "daftfan", &[(FILE, size)]).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (201, ""),
        "0.23 answers 201 with an empty body"
    );

    // The listing groups user → directory → files; unknown values are absent, not null.
    let listing = call(&fake, "GET", "transfers/downloads", None).await.json();
    assert_eq!(listing.as_array().unwrap().len(), 1);
    assert_eq!(listing[0]["username"], "daftfan");
    let dir = &listing[0]["directories"][0];
    assert_eq!(
        (dir["directory"].as_str(), dir["fileCount"].as_u64()),
        (Some(DIR), Some(1))
    );
    let t = &dir["files"][0];
    let id = t["id"].as_str().unwrap().to_string();
    assert!(is_guid(&id), "{id}");
    assert_eq!(t["username"], "daftfan");
    assert_eq!(t["direction"], "Download");
    assert_eq!(t["filename"], FILE);
    assert_eq!(t["size"], size);
    assert_eq!(t["startOffset"], 0);
    assert_eq!(
        (t["state"].as_str(), t["stateDescription"].as_str()),
        (Some("Requested"), Some("Requested"))
    );
    assert!(is_dotnet_time(&t["requestedAt"]), "{t}");
    assert!(
        t["percentComplete"].is_f64() && t["averageSpeed"].is_f64(),
        "{t}"
    );
    assert_eq!(
        (t["bytesTransferred"].as_u64(), t["bytesRemaining"].as_u64()),
        (Some(0), Some(size))
    );
    for absent in [
        "enqueuedAt",
        "startedAt",
        "endedAt",
        "elapsedTime",
        "remainingTime",
        "exception",
    ] {
        assert!(t.get(absent).is_none(), "{absent} must be omitted: {t}");
    }
    let user = call(&fake, "GET", "transfers/downloads/daftfan", None)
        .await
        .json();
    assert_eq!(user["directories"][0]["files"][0]["id"], id.as_str());

    fake.hold(false);
    let mut seen = Vec::new();
    let running = wait_for(&fake, &id, &mut seen, |t| t["state"] == "InProgress").await;
    assert!(
        is_dotnet_time(&running["startedAt"]) && is_dotnet_time(&running["enqueuedAt"]),
        "{running}"
    );
    assert!(
        is_timespan(&running["elapsedTime"]) && is_timespan(&running["remainingTime"]),
        "{running}"
    );
    assert!(running["averageSpeed"].as_f64().unwrap() > 0.0);
    let moved = running["bytesTransferred"].as_u64().unwrap();
    assert_eq!(running["bytesRemaining"].as_u64().unwrap(), size - moved);
    let done = wait_done(&fake, &id).await;
    assert!(seen.contains(&"Queued, Remotely".to_string()), "{seen:?}");
    let order = [
        "Requested",
        "Queued, Remotely",
        "Initializing",
        "InProgress",
        "Completed, Succeeded",
    ];
    let positions: Vec<usize> = seen
        .iter()
        .map(|s| order.iter().position(|o| o == s).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    assert_eq!(done["state"], "Completed, Succeeded");
    assert_eq!(done["percentComplete"].as_f64(), Some(100.0));
    assert_eq!(done["bytesTransferred"], size);
    assert!(
        is_dotnet_time(&done["endedAt"]) && done.get("exception").is_none(),
        "{done}"
    );

    // slskd's rule: {downloads}/{last remote directory}/{file name}.
    let path = fake
        .downloads_dir
        .join("Discovery")
        .join("01 - One More Time.flac");
    assert_eq!(local_path(&fake.downloads_dir, FILE), path);
    assert_eq!(std::fs::read(&path).unwrap(), file_content(FILE, size));

    // The same file again supersedes the record and lands as {stem}_{ticks}{ext}.
    assert_eq!(enqueue(&fake, "daftfan", &[(FILE, size)]).await.status, 201);
    let second = last_id(&fake, FILE);
    assert_ne!(second, id);
    wait_done(&fake, &second).await;
    let mut names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    let ticks = names[1]
        .strip_prefix("01 - One More Time_")
        .and_then(|n| n.strip_suffix(".flac"));
    let ticks: i64 = ticks.expect("{stem}_{ticks}{ext}").parse().unwrap();
    assert!(
        (ticks - fake_slskd::dotnet_ticks()).abs() < 600_000_000,
        "ticks {ticks} are not now"
    );
    assert_eq!(
        std::fs::read(path.with_file_name(&names[1])).unwrap(),
        file_content(FILE, size)
    );

    let visible = files(&fake).await;
    assert_eq!(visible.len(), 1);
    assert_eq!(visible[0]["id"], second.as_str());
    let all = call(
        &fake,
        "GET",
        "transfers/downloads?includeRemoved=true",
        None,
    )
    .await
    .json();
    assert_eq!(all[0]["directories"][0]["fileCount"], 2);
    assert_eq!(
        call(&fake, "GET", &format!("transfers/downloads/x/{id}"), None)
            .await
            .status,
        200
    );
    assert_eq!(fake.enqueue_count("daftfan", FILE), 2);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn v024_enqueue_returns_transfers_failures_and_429() {
    let options = FakeOptions {
        version: Version::V0_24,
        enqueue_latency: Duration::from_millis(150),
        ..Default::default()
    };
    let (fake, _dir) = start(options).await;
    let other = r"@@abcde\Music\Daft Punk\Discovery\02 - Aerodynamic.flac";
    let res = enqueue(&fake, "daftfan", &[(FILE, 1000), (other, 2000)]).await;
    assert_eq!(res.status, 201);
    let body = res.json();
    assert_eq!(body["failed"], json!([]));
    let enqueued = body["enqueued"].as_array().unwrap();
    assert_eq!(enqueued.len(), 2);
    assert!(is_guid(enqueued[0]["id"].as_str().unwrap()));
    assert_eq!(
        (
            enqueued[1]["filename"].as_str(),
            enqueued[1]["size"].as_u64()
        ),
        (Some(other), Some(2000))
    );
    assert!(enqueued[0]["state"].is_string() && is_dotnet_time(&enqueued[0]["requestedAt"]));

    fake.set_online("bob", false);
    let res = enqueue(&fake, "bob", &[(FILE, 1000)]).await;
    assert_eq!(res.status, 201);
    let failed = json!([{"filename": FILE, "error": "User bob appears to be offline"}]);
    assert_eq!(res.json(), json!({"enqueued": [], "failed": failed}));
    assert_eq!(fake.enqueue_count("bob", FILE), 0);

    // Three at once: the third is refused; the others' records exist before they are answered.
    let a = enqueue(&fake, "a", &[("@@a\\x\\1.mp3", 10)]);
    let b = enqueue(&fake, "b", &[("@@b\\x\\2.mp3", 10)]);
    let c = async {
        actix_rt::time::sleep(Duration::from_millis(40)).await;
        let c = enqueue(&fake, "c", &[("@@c\\x\\3.mp3", 10)]).await;
        (c, fake.transfers().len())
    };
    let (a, b, (c, early)) = futures_util::future::join3(a, b, c).await;
    assert_eq!((a.status, b.status, c.status), (201, 201, 429));
    assert!(c
        .json()
        .as_str()
        .unwrap()
        .starts_with("Only one concurrent operation is permitted"));
    assert_eq!(early, 4, "records are created when the request arrives");
    assert_eq!(
        enqueue(&fake, "c", &[("@@c\\x\\3.mp3", 10)]).await.status,
        201
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn v023_offline_peer_is_a_500() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    fake.set_online("bob", false);
    let res = enqueue(&fake, "bob", &[(FILE, 1000)]).await;
    assert_eq!(res.status, 500);
    assert_eq!(res.json(), json!("User bob appears to be offline"));
    assert!(fake.transfers().is_empty());
    fake.set_online("bob", true);
    assert_eq!(enqueue(&fake, "bob", &[(FILE, 1000)]).await.status, 201);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn size_mismatch_fails_with_slskds_message() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    fake.share("peer", FILE, 1000);
    enqueue(&fake, "peer", &[(FILE, 999)]).await;
    let t = wait_done(&fake, &last_id(&fake, FILE)).await;
    assert_eq!(t["state"], "Completed, Errored");
    let msg = "Transfer aborted: the remote size of 1000 does not match expected size 999";
    assert_eq!(t["exception"], msg);
    assert!(!local_path(&fake.downloads_dir, FILE).exists());

    // A missing size binds to 0.
    let body = json!([{"filename": FILE}]);
    assert_eq!(
        call(&fake, "POST", "transfers/downloads/peer", Some(&body))
            .await
            .status,
        201
    );
    let t = wait_done(&fake, &last_id(&fake, FILE)).await;
    assert!(t["exception"]
        .as_str()
        .unwrap()
        .ends_with("does not match expected size 0"));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn scripted_outcomes_end_as_scripted() {
    let options = FakeOptions {
        bytes_per_tick: 1000,
        ..Default::default()
    };
    let (fake, _dir) = start(options).await;
    let outcomes = vec![
        Outcome::Errored("Remote connection closed".into()),
        Outcome::TimedOut,
        Outcome::Rejected("File not shared.".into()),
        Outcome::Aborted,
        Outcome::Cancelled,
        Outcome::Stall,
    ];
    fake.script("peer", FILE, outcomes);
    let expected = [
        ("Completed, Errored", Some("Remote connection closed")),
        ("Completed, TimedOut", None),
        ("Completed, Rejected", Some("File not shared.")),
        ("Completed, Aborted", None),
        ("Completed, Cancelled", None),
    ];
    for (state, exception) in expected {
        enqueue(&fake, "peer", &[(FILE, 4000)]).await;
        let t = wait_done(&fake, &last_id(&fake, FILE)).await;
        assert_eq!(t["state"], state);
        assert!(
            t["bytesTransferred"].as_u64().unwrap() > 0,
            "fails mid-transfer: {t}"
        );
        if let Some(e) = exception {
            assert_eq!(t["exception"], e);
        }
    }
    enqueue(&fake, "peer", &[(FILE, 4000)]).await;
    let id = last_id(&fake, FILE);
    wait_for(&fake, &id, &mut Vec::new(), |t| t["state"] == "InProgress").await;
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    let t = call(
        &fake,
        "GET",
        &format!("transfers/downloads/peer/{id}"),
        None,
    )
    .await
    .json();
    assert_eq!(
        (t["state"].as_str(), t["percentComplete"].as_f64()),
        (Some("InProgress"), Some(50.0))
    );
    assert_eq!(
        call(
            &fake,
            "DELETE",
            &format!("transfers/downloads/peer/{id}"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(wait_done(&fake, &id).await["state"], "Completed, Cancelled");

    enqueue(&fake, "peer", &[(FILE, 4000)]).await;
    let t = wait_done(&fake, &last_id(&fake, FILE)).await;
    assert_eq!(t["state"], "Completed, Succeeded", "the script is used up");
    assert_eq!(fake.enqueue_count("peer", FILE), 7);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn cancel_and_remove() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    fake.hold(true);
    enqueue(&fake, "peer", &[(FILE, 1000)]).await;
    let id = last_id(&fake, FILE);
    let path = format!("transfers/downloads/peer/{id}");
    assert_eq!(call(&fake, "DELETE", &path, None).await.status, 204);
    let early = call(&fake, "DELETE", &format!("{path}?remove=true"), None).await;
    assert_eq!(early.status, 500, "not Completed yet");
    assert_eq!(
        call(&fake, "GET", &path, None).await.json()["state"],
        "Requested",
        "cancelling is asynchronous"
    );
    fake.hold(false);
    let t = wait_done(&fake, &id).await;
    assert_eq!(
        (t["state"].as_str(), t["exception"].as_str()),
        (Some("Completed, Cancelled"), Some("Transfer cancelled"))
    );
    assert_eq!(
        call(&fake, "DELETE", &format!("{path}?remove=True"), None)
            .await
            .status,
        204
    );
    assert_eq!(
        call(&fake, "GET", "transfers/downloads", None).await.json(),
        json!([])
    );
    assert_eq!(
        call(&fake, "GET", "transfers/downloads/peer", None)
            .await
            .status,
        404
    );
    // Lookup by id alone (any username, any GUID format), removed records included.
    let upper = format!("transfers/downloads/someone/{{{}}}", id.to_uppercase());
    assert_eq!(
        call(&fake, "GET", &upper, None).await.json()["id"],
        id.as_str()
    );

    let unknown = "transfers/downloads/peer/3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90";
    assert_eq!(call(&fake, "DELETE", unknown, None).await.status, 204);
    assert_eq!(
        call(&fake, "DELETE", &format!("{unknown}?remove=true"), None)
            .await
            .status,
        404
    );
    assert_eq!(
        call(&fake, "DELETE", "transfers/downloads/peer/42", None)
            .await
            .status,
        400
    );
    assert_eq!(fake.cancel_count(), 6);

    // Clearing completed transfers leaves running ones.
    fake.script("peer", "@@p\\d\\stall.mp3", vec![Outcome::Stall]);
    enqueue(&fake, "peer", &[(FILE, 1000), ("@@p\\d\\stall.mp3", 1000)]).await;
    wait_done(&fake, &last_id(&fake, FILE)).await;
    assert_eq!(
        call(&fake, "DELETE", "transfers/downloads/all/completed", None)
            .await
            .status,
        204
    );
    let left = files(&fake).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["filename"], "@@p\\d\\stall.mp3");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn wrong_routes_methods_and_bodies() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    let cases = [
        ("GET", "nope", 404),
        ("POST", "transfers/enqueue", 404),
        ("GET", "transfers/downloads/all", 404),
        (
            "GET",
            "transfers/downloads/x/3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90",
            404,
        ),
        (
            "GET",
            "transfers/downloads/x/3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90/position/x",
            404,
        ),
        ("DELETE", "transfers/downloads/123", 405),
        ("DELETE", "transfers/downloads/completed", 405),
        ("PUT", "server", 405),
        (
            "POST",
            "transfers/downloads/u/3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90",
            405,
        ),
        ("GET", "transfers/downloads/123/queue", 400),
        ("GET", "transfers/downloads?includeRemoved=maybe", 400),
    ];
    for (method, path, status) in cases {
        assert_eq!(
            call(&fake, method, path, None).await.status,
            status,
            "{method} {path}"
        );
    }
    let post = |body: &'static str, content_type: Option<&'static str>| {
        let body = content_type.map(|c| (c, body.to_string()));
        raw(&fake, "POST", "/api/v0/transfers/downloads/peer", &[], body)
    };
    let item = r#"[{"filename":"a\\b.mp3","size":1}]"#;
    assert_eq!(post(item, Some("text/plain")).await.unwrap().status, 415);
    assert_eq!(post(item, None).await.unwrap().status, 415);
    assert_eq!(
        post("[]", Some("application/json")).await.unwrap().status,
        400
    );
    assert_eq!(
        post("", Some("application/json")).await.unwrap().status,
        400
    );
    assert_eq!(
        post("{not json", Some("application/json"))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        post(r#"{"filename":"a","size":1}"#, Some("application/json"))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        post(r#"[{"size":1}]"#, Some("application/json"))
            .await
            .unwrap()
            .status,
        400
    );
    assert!(fake.transfers().is_empty());
    // Property names are case-insensitive; others are ignored.
    let loose = r#"[{"FileName":"a\\b.mp3","SIZE":1,"priority":10}]"#;
    assert_eq!(
        post(loose, Some("application/json; charset=utf-8"))
            .await
            .unwrap()
            .status,
        201
    );
    assert_eq!(fake.enqueue_count("peer", "a\\b.mp3"), 1);

    let outside = raw(&fake, "GET", "/health", &[], None).await.unwrap();
    assert_eq!(outside.status, 404);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path.starts_with("/api/v0/")),
        "only the API is logged"
    );
    assert_eq!(fake.requests().len(), cases.len() + 8);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn usernames_are_percent_decoded() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    for user in ["dj häns", "a+b", "100%", "a/b"] {
        let file = format!("@@{user}\\Album\\song.mp3");
        assert_eq!(
            enqueue(&fake, user, &[(&file, 10)]).await.status,
            201,
            "{user}"
        );
        assert_eq!(fake.enqueue_count(user, &file), 1, "{user}");
        let path = format!(
            "transfers/downloads/{}",
            utf8_percent_encode(user, NON_ALPHANUMERIC)
        );
        let group = call(&fake, "GET", &path, None).await.json();
        assert_eq!(group["username"], user);
    }
    let raw_plus = call(&fake, "GET", "transfers/downloads/a+b", None)
        .await
        .json();
    assert_eq!(raw_plus["username"], "a+b", "'+' in a path is not a space");
    assert_eq!(
        fake.requests()[0].path,
        "/api/v0/transfers/downloads/dj%20h%C3%A4ns"
    );
    let listed: Vec<Value> = call(&fake, "GET", "transfers/downloads", None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["username"].clone())
        .collect();
    assert_eq!(
        listed,
        [json!("dj häns"), json!("a+b"), json!("100%"), json!("a/b")]
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn fail_next_answers_without_side_effects() {
    let options = FakeOptions {
        api_key: Some("k".into()),
        ..Default::default()
    };
    let (fake, _dir) = start(options).await;
    fake.fail_next(2, 429, Some(7));
    let body = Some((
        "application/json",
        json!([{"filename": FILE, "size": 1}]).to_string(),
    ));
    let first = raw(&fake, "POST", "/api/v0/transfers/downloads/peer", &[], body)
        .await
        .unwrap();
    assert_eq!(
        (first.status, first.retry_after.as_deref()),
        (429, Some("7")),
        "before auth"
    );
    assert!(fake.transfers().is_empty());
    let key = [("X-API-Key", "k")];
    let second = raw(&fake, "GET", "/api/v0/server", &key, None)
        .await
        .unwrap();
    assert_eq!(second.status, 429);
    assert_eq!(
        raw(&fake, "GET", "/api/v0/server", &key, None)
            .await
            .unwrap()
            .status,
        200
    );
    fake.fail_next(1, 503, None);
    let third = raw(&fake, "GET", "/api/v0/nope", &key, None).await.unwrap();
    assert_eq!((third.status, third.retry_after), (503, None));
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [429, 429, 200, 503]);
    assert!(fake.requests()[0].body.contains("One More Time"));
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn pause_and_resume_keep_address_and_state() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    fake.hold(true);
    enqueue(&fake, "peer", &[(FILE, 1000)]).await;
    fake.pause().await;
    let refused = raw(&fake, "GET", "/api/v0/server", &[], None).await;
    assert!(refused.is_err(), "connections must be refused while paused");
    fake.resume().await;
    assert_eq!(fake.url, format!("http://{}", fake.addr));
    let listed = files(&fake).await;
    assert_eq!(
        (listed.len(), listed[0]["state"].as_str()),
        (1, Some("Requested"))
    );
    fake.hold(false);
    wait_done(&fake, &last_id(&fake, FILE)).await;
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn hold_freezes_every_transfer() {
    let (fake, _dir) = start(FakeOptions {
        bytes_per_tick: 100,
        ..Default::default()
    })
    .await;
    enqueue(&fake, "peer", &[(FILE, 1000)]).await;
    let id = last_id(&fake, FILE);
    wait_for(&fake, &id, &mut Vec::new(), |t| t["state"] == "InProgress").await;
    fake.hold(true);
    let before = call(&fake, "GET", &format!("transfers/downloads/x/{id}"), None)
        .await
        .json();
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    let after = call(&fake, "GET", &format!("transfers/downloads/x/{id}"), None)
        .await
        .json();
    assert_eq!(before["bytesTransferred"], after["bytesTransferred"]);
    assert_eq!(after["state"], "InProgress");
    fake.hold(false);
    assert_eq!(wait_done(&fake, &id).await["state"], "Completed, Succeeded");
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn overrides_and_foreign_transfers() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    let foreign = fake.add_foreign("other", "@@o\\Dir\\theirs.mp3", "InProgress", 42.5);
    enqueue(&fake, "peer", &[(FILE, 1000)]).await;
    fake.report_override("peer", FILE, Some(("Queued, Locally".into(), 0.0)));
    actix_rt::time::sleep(Duration::from_millis(100)).await;
    let listed = files(&fake).await;
    let theirs = listed.iter().find(|t| t["id"] == foreign.as_str()).unwrap();
    assert_eq!(
        (theirs["state"].as_str(), theirs["percentComplete"].as_f64()),
        (Some("InProgress"), Some(42.5))
    );
    let ours = listed.iter().find(|t| t["filename"] == FILE).unwrap();
    assert_eq!(
        (ours["state"].as_str(), ours["percentComplete"].as_f64()),
        (Some("Queued, Locally"), Some(0.0))
    );
    assert_eq!(fake.enqueue_count("other", "@@o\\Dir\\theirs.mp3"), 0);

    fake.report_override("peer", FILE, None);
    assert_eq!(
        wait_done(&fake, &last_id(&fake, FILE)).await["state"],
        "Completed, Succeeded"
    );
    let path = format!("transfers/downloads/other/{foreign}");
    assert_eq!(call(&fake, "DELETE", &path, None).await.status, 204);
    assert_eq!(
        wait_done(&fake, &foreign).await["state"],
        "Completed, Cancelled"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn remote_names_cannot_escape_the_downloads_dir() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    let hostile = "@@x\\..\\a/b\u{0}.mp3";
    enqueue(&fake, "peer", &[(hostile, 5)]).await;
    wait_done(&fake, &last_id(&fake, hostile)).await;
    let path = fake.downloads_dir.join("_").join("a_b_.mp3");
    assert_eq!(std::fs::read(path).unwrap(), file_content(hostile, 5));
    let flat = "no-directory.mp3";
    enqueue(&fake, "peer", &[(flat, 5)]).await;
    wait_done(&fake, &last_id(&fake, flat)).await;
    assert!(fake.downloads_dir.join(flat).exists());
}

// ---- Searches (§1.4, §9.1 "Searches") ----

const SEARCH_ID: &str = "9b2c7c55-5a0e-4c36-9a52-0f3f5d7f1c11";
const MP3: &str = r"@@x\DAFT PUNK - One More Time (Live).mp3";
const LOCKED: &str = r"@@abcde\Private\Daft Punk - One More Time.mp3";
const OGG: &str = r"@@p\Daft Punk\Discovery\One More Time.ogg";

async fn post_search(fake: &FakeSlskd, body: Value) -> Resp {
    call(fake, "POST", "searches", Some(&body)).await
}

/// Polls `GET searches/{id}` until it is complete; returns it.
async fn wait_search(fake: &FakeSlskd, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = call(fake, "GET", &format!("searches/{id}"), None)
            .await
            .json();
        if s["isComplete"] == true {
            return s;
        }
        assert!(Instant::now() < deadline, "search never completed: {s}");
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn responses(fake: &FakeSlskd, id: &str) -> Vec<Value> {
    let res = call(fake, "GET", &format!("searches/{id}/responses"), None).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.json().as_array().unwrap().clone()
}

fn usernames(responses: &[Value]) -> Vec<&str> {
    responses
        .iter()
        .map(|r| r["username"].as_str().unwrap())
        .collect()
}

/// Four peers: a FLAC with a locked extra, a live MP3 from a busy slow peer, an OGG that
/// answers late, and a file that does not match "one more time".
fn share_search_fixtures(fake: &FakeSlskd) {
    fake.share_file(
        "daftfan",
        SharedFile {
            bit_depth: Some(16),
            sample_rate: Some(44100),
            length: Some(320),
            ..SharedFile::new(FILE, 35_651_584)
        },
    );
    fake.share_file(
        "daftfan",
        SharedFile {
            bit_rate: Some(320),
            locked: true,
            ..SharedFile::new(LOCKED, 7_000_000)
        },
    );
    fake.share_file(
        "mp3peer",
        SharedFile {
            extension: String::new(),
            bit_rate: Some(320),
            length: Some(321),
            variable_bit_rate: Some(false),
            ..SharedFile::new(MP3, 7_340_032)
        },
    );
    fake.set_peer("mp3peer", false, 12, 80_000);
    fake.share("late", OGG, 4_200_000);
    fake.set_response_delay("late", Duration::from_millis(60));
    fake.share_file(
        "other",
        SharedFile::new(r"@@o\Daft Punk\Around the World.flac", 1),
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn v023_search_lifecycle() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    share_search_fixtures(&fake);
    // Harmony's original fields are ignored; the id is the client's.
    let res = post_search(
        &fake,
        json!({"id": SEARCH_ID, "searchText": "Daft Punk one more time", "searchTimeout": 400,
               "filterResponses": true, "minBitrate": 320, "preferredFormats": ["flac"]}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let created = res.json();
    assert_eq!(created["id"], SEARCH_ID);
    assert_eq!(created["searchText"], "Daft Punk one more time");
    assert_eq!(created["state"], "InProgress");
    assert_eq!(created["isComplete"], false);
    assert_eq!(created["responses"], json!([]));
    assert!(is_dotnet_time(&created["startedAt"]));
    assert!(created.get("endedAt").is_none(), "null values are omitted");
    assert!(created["token"].is_u64());

    // 0.23: the responses are stored only when the search completes.
    assert_eq!(responses(&fake, SEARCH_ID).await, Vec::<Value>::new());
    let path = format!("searches/{SEARCH_ID}?includeResponses=true");
    let running = call(&fake, "GET", &path, None).await.json();
    assert_eq!(
        (running["state"].as_str(), running["responses"].clone()),
        (Some("InProgress"), json!([]))
    );

    let done = wait_search(&fake, SEARCH_ID).await;
    assert_eq!(done["state"], "Completed, TimedOut");
    assert!(is_dotnet_time(&done["endedAt"]));
    assert_eq!(done["responseCount"], 3);
    assert_eq!(done["fileCount"], 3);
    assert_eq!(done["lockedFileCount"], 1);
    assert_eq!(
        done["responses"],
        json!([]),
        "only with includeResponses=true"
    );

    let got = responses(&fake, SEARCH_ID).await;
    assert_eq!(
        usernames(&got),
        ["daftfan", "mp3peer", "late"],
        "in arrival order"
    );
    let flac = &got[0];
    assert_eq!(
        flac["files"],
        json!([{"bitDepth": 16, "code": 1, "extension": "flac", "filename": FILE,
                "isLocked": false, "length": 320, "sampleRate": 44100, "size": 35_651_584u64}]),
        "no bitRate key for a FLAC"
    );
    assert_eq!(
        (flac["fileCount"].clone(), flac["lockedFileCount"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(flac["lockedFiles"][0]["filename"], LOCKED);
    assert_eq!(
        flac["lockedFiles"][0]["isLocked"], false,
        "0.23 never sets it"
    );
    assert_eq!(
        (
            flac["hasFreeUploadSlot"].clone(),
            flac["queueLength"].clone()
        ),
        (json!(true), json!(0))
    );
    assert_eq!(flac["uploadSpeed"], 1_250_000);
    assert_eq!(flac["token"], created["token"]);
    let mp3 = &got[1];
    assert_eq!(
        (
            mp3["hasFreeUploadSlot"].clone(),
            mp3["queueLength"].clone(),
            mp3["uploadSpeed"].clone()
        ),
        (json!(false), json!(12), json!(80_000))
    );
    assert_eq!(
        mp3["files"][0],
        json!({"bitRate": 320, "code": 1, "extension": "", "filename": MP3, "isLocked": false,
               "isVariableBitRate": false, "length": 321, "size": 7_340_032u64}),
        "matching ignores case"
    );
    assert_eq!(mp3["lockedFiles"], json!([]));
    assert_eq!(
        got[2]["files"][0]["extension"], "ogg",
        "share() files are searchable"
    );
    assert_eq!(got[2]["files"][0]["size"], 4_200_000);

    let with = call(&fake, "GET", &path, None).await.json();
    assert_eq!(with["responses"], Value::Array(got.clone()));
    let listed = call(&fake, "GET", "searches", None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], SEARCH_ID);
    assert_eq!(
        listed[0]["responses"],
        json!([]),
        "the list has no responses"
    );
    assert!(fake.search_polls() >= 3);
    assert_eq!(fake.searches()[0]["responses"], Value::Array(got));

    assert_eq!(fake.stored_searches(), [SEARCH_ID]);
    let one = format!("searches/{SEARCH_ID}");
    assert_eq!(call(&fake, "DELETE", &one, None).await.status, 204);
    assert_eq!(call(&fake, "GET", &one, None).await.status, 404);
    assert_eq!(call(&fake, "DELETE", &one, None).await.status, 404);
    assert_eq!(fake.deleted_searches(), [SEARCH_ID]);
    assert!(fake.stored_searches().is_empty());

    let log = fake.search_creations();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].id.as_str(), log[0].text.as_str(), log[0].status),
        (SEARCH_ID, "Daft Punk one more time", 200)
    );
    assert!(log[0].answered.unwrap() >= log[0].arrived);
    assert_eq!(fake.max_concurrent_creations(), 1);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn shared_files_stay_downloadable() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    let file = r"@@s\Album\01 - Track.flac";
    fake.share_file("peer", SharedFile::new(file, 1000));
    assert_eq!(enqueue(&fake, "peer", &[(file, 999)]).await.status, 201);
    let t = wait_done(&fake, &last_id(&fake, file)).await;
    assert_eq!(
        t["state"], "Completed, Errored",
        "the shared size is the true size"
    );
    assert_eq!(enqueue(&fake, "peer", &[(file, 1000)]).await.status, 201);
    let t = wait_done(&fake, &last_id(&fake, file)).await;
    assert_eq!(t["state"], "Completed, Succeeded");
    assert_eq!(
        std::fs::read(local_path(&fake.downloads_dir, file)).unwrap(),
        file_content(file, 1000)
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn search_texts_bodies_and_routes() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    share_search_fixtures(&fake);
    let refused = [
        json!({"searchText": "   "}),
        json!({"id": SEARCH_ID}),
        json!({"searchText": "-live -remix"}),
        json!({"searchText": "a b -c"}),
        json!({"searchText": "daft", "searchTimeout": "soon"}),
        json!({"searchText": "daft", "searchTimeout": -1}),
        json!({"searchText": "daft", "id": "not-a-guid"}),
        json!({"searchText": "daft", "filterResponses": "yes"}),
        json!(["daft"]),
    ];
    for body in &refused {
        assert_eq!(post_search(&fake, body.clone()).await.status, 400, "{body}");
    }
    let blank = post_search(&fake, json!({"searchText": ""})).await;
    assert_eq!(blank.json(), json!("SearchText may not be null or empty"));
    let post = |body: &'static str, content_type: Option<&'static str>| {
        let body = content_type.map(|c| (c, body.to_string()));
        raw(&fake, "POST", "/api/v0/searches", &[], body)
    };
    assert_eq!(
        post("{not json", Some("application/json"))
            .await
            .unwrap()
            .status,
        400
    );
    assert_eq!(
        post(r#"{"searchText":"daft"}"#, Some("text/plain"))
            .await
            .unwrap()
            .status,
        415
    );
    assert_eq!(post("", None).await.unwrap().status, 415);
    assert!(fake.stored_searches().is_empty());

    // Names are case-insensitive, unknown ones ignored, numbers may be strings, ids in any
    // Guid format; one-character terms are dropped and `-term` excludes.
    let braced = format!("{{{}}}", SEARCH_ID.to_uppercase());
    let res = post_search(
        &fake,
        json!({"ID": braced, "SEARCHTEXT": "daft punk one more time -live x", "searchtimeout": "200",
               "whatever": {"nested": 1}}),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.json()["id"], SEARCH_ID);
    wait_search(&fake, SEARCH_ID).await;
    let got = responses(&fake, SEARCH_ID).await;
    assert_eq!(usernames(&got), ["daftfan", "late"]);
    // 0.23: a duplicate id fails while saving.
    let dup = post_search(&fake, json!({"id": SEARCH_ID, "searchText": "daft"})).await;
    assert_eq!(dup.status, 500);
    // A duplicate token is refused.
    let token = got[0]["token"].clone();
    let same = post_search(&fake, json!({"searchText": "daft", "token": token})).await;
    assert_eq!(same.status, 400);
    // Nothing matches: completes with no responses.
    let none = post_search(&fake, json!({"searchText": "zzzz", "searchTimeout": 20})).await;
    let none_id = none.json()["id"].as_str().unwrap().to_string();
    assert!(is_guid(&none_id));
    let done = wait_search(&fake, &none_id).await;
    assert_eq!(
        (done["state"].as_str(), done["responseCount"].as_u64()),
        (Some("Completed, TimedOut"), Some(0))
    );

    let unknown = "3f0e1c2a-8d1b-4b7e-9a0c-2b6f4e5d7a90";
    let cases = [
        ("GET", "searches/not-a-guid".to_string(), 400),
        ("PUT", "searches/not-a-guid".to_string(), 400),
        ("DELETE", "searches/123".to_string(), 400),
        ("GET", "searches/123/responses".to_string(), 400),
        ("GET", format!("searches/{unknown}"), 404),
        ("GET", format!("searches/{unknown}/responses"), 404),
        ("PUT", format!("searches/{unknown}"), 404),
        ("DELETE", format!("searches/{unknown}"), 404),
        (
            "GET",
            format!("searches/{SEARCH_ID}?includeResponses=maybe"),
            400,
        ),
        ("GET", format!("searches/{SEARCH_ID}/other"), 404),
        ("GET", format!("searches/{SEARCH_ID}/responses/x"), 404),
        ("POST", format!("searches/{SEARCH_ID}"), 405),
        ("DELETE", "searches".to_string(), 405),
        ("PUT", "searches".to_string(), 405),
        ("POST", format!("searches/{SEARCH_ID}/responses"), 405),
        // A completed search cannot be stopped.
        ("PUT", format!("searches/{SEARCH_ID}"), 404),
    ];
    for (method, path, status) in &cases {
        assert_eq!(
            call(&fake, method, path, None).await.status,
            *status,
            "{method} {path}"
        );
    }
    // Every POST that got past routing is in the creation log, with its answer.
    let statuses: Vec<u16> = fake.search_creations().iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 200, 500, 400, 200]
    );
    assert!(fake.search_creations().iter().all(|c| c.answered.is_some()));

    // `fail_next` covers the search routes too, without side effects.
    fake.fail_next(1, 503, Some(1));
    let failed = post_search(&fake, json!({"searchText": "daft"})).await;
    assert_eq!(
        (failed.status, failed.retry_after.as_deref()),
        (503, Some("1"))
    );
    assert_eq!(fake.search_creations().len(), statuses.len());
    assert_eq!(fake.stored_searches().len(), 2);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn search_limits_filters_and_cancel() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    share_search_fixtures(&fake);
    for n in 1..=3 {
        fake.share_file(
            "many",
            SharedFile::new(&format!(r"@@m\Daft Punk\One More Time {n}.mp3"), n),
        );
    }
    fake.set_response_delay("many", Duration::from_millis(1));
    let text = "daft punk one more time";
    let run = |body: Value| {
        let fake = &fake;
        async move {
            let res = post_search(fake, body).await;
            assert_eq!(res.status, 200, "{}", res.body);
            let id = res.json()["id"].as_str().unwrap().to_string();
            let done = wait_search(fake, &id).await;
            (
                done,
                usernames(&responses(fake, &id).await)
                    .iter()
                    .map(|u| u.to_string())
                    .collect::<Vec<_>>(),
            )
        }
    };

    let (done, users) =
        run(json!({"searchText": text, "responseLimit": 2, "searchTimeout": 2000})).await;
    assert_eq!(done["state"], "Completed, ResponseLimitReached");
    assert_eq!(users, ["many", "daftfan"]);
    let (done, users) =
        run(json!({"searchText": text, "fileLimit": 2, "searchTimeout": 2000})).await;
    assert_eq!(done["state"], "Completed, FileLimitReached");
    assert_eq!(
        (users, done["fileCount"].clone()),
        (vec!["many".to_string()], json!(3))
    );

    // Filters: files per response, queue length, upload speed; all off without filterResponses.
    let (_, users) =
        run(json!({"searchText": text, "searchTimeout": 100, "minimumResponseFileCount": 2})).await;
    assert_eq!(users, ["many", "daftfan"], "the locked file counts");
    let (_, users) =
        run(json!({"searchText": text, "searchTimeout": 100, "maximumPeerQueueLength": 5})).await;
    assert_eq!(users, ["many", "daftfan", "late"]);
    let (_, users) =
        run(json!({"searchText": text, "searchTimeout": 100, "minimumPeerUploadSpeed": 100_000}))
            .await;
    assert_eq!(users, ["many", "daftfan", "late"]);
    let (_, users) = run(json!({"searchText": text, "searchTimeout": 100, "filterResponses": false,
        "minimumResponseFileCount": 5, "maximumPeerQueueLength": 0, "minimumPeerUploadSpeed": 1_000_000_000u64})).await;
    assert_eq!(users, ["many", "daftfan", "mp3peer", "late"]);

    // A peer answering after the inactivity timeout is not heard; offline peers never answer.
    fake.set_online("daftfan", false);
    let (done, users) = run(json!({"searchText": text, "searchTimeout": 30})).await;
    assert_eq!(users, ["many", "mp3peer"]);
    assert_eq!(done["state"], "Completed, TimedOut");
    fake.set_online("daftfan", true);

    // PUT stops a running search; it keeps what arrived.
    fake.set_response_delay("late", Duration::from_secs(30));
    let res = post_search(&fake, json!({"searchText": text, "searchTimeout": 60_000})).await;
    let id = res.json()["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = call(&fake, "GET", &format!("searches/{id}"), None)
            .await
            .json();
        assert_eq!(s["state"], "InProgress");
        if s["responseCount"] == 3 {
            break;
        }
        assert!(Instant::now() < deadline, "responses never arrived: {s}");
        actix_rt::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(responses(&fake, &id).await, Vec::<Value>::new());
    assert_eq!(
        call(&fake, "PUT", &format!("searches/{id}"), None)
            .await
            .status,
        200
    );
    let s = call(&fake, "GET", &format!("searches/{id}"), None)
        .await
        .json();
    assert_eq!(
        (s["state"].as_str(), s["isComplete"].as_bool()),
        (Some("Completed, Cancelled"), Some(true))
    );
    assert!(is_dotnet_time(&s["endedAt"]));
    assert_eq!(
        usernames(&responses(&fake, &id).await),
        ["many", "daftfan", "mp3peer"]
    );
    assert_eq!(
        call(&fake, "PUT", &format!("searches/{id}"), None)
            .await
            .status,
        404
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn v024_concurrent_search_creation_gets_429() {
    let options = FakeOptions {
        version: Version::V0_24,
        search_create_latency: Duration::from_millis(500),
        search_retry_after: Some(2),
        ..Default::default()
    };
    let (fake, _dir) = start(options).await;
    share_search_fixtures(&fake);
    let first = post_search(
        &fake,
        json!({"id": SEARCH_ID, "searchText": "daft punk", "searchTimeout": 100}),
    );
    let second = async {
        // Sent once the first is being processed.
        while fake.search_creations().is_empty() {
            actix_rt::time::sleep(Duration::from_millis(2)).await;
        }
        post_search(&fake, json!({"searchText": "daft punk"})).await
    };
    let (first, second) = futures_util::future::join(first, second).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(second.status, 429);
    assert_eq!(second.retry_after.as_deref(), Some("2"));
    assert!(second
        .json()
        .as_str()
        .unwrap()
        .starts_with("Only one concurrent operation"));
    assert_eq!(fake.max_concurrent_creations(), 2);
    let log = fake.search_creations();
    assert_eq!(log.iter().map(|c| c.status).collect::<Vec<_>>(), [200, 429]);
    assert!(log[0].answered.unwrap() - log[0].arrived >= Duration::from_millis(500));
    assert_eq!(fake.stored_searches(), [SEARCH_ID]);

    // One after the other is fine; 0.24 marks locked files.
    let next = post_search(
        &fake,
        json!({"searchText": "daft punk", "searchTimeout": 50}),
    )
    .await;
    assert_eq!(next.status, 200);
    wait_search(&fake, SEARCH_ID).await;
    let got = responses(&fake, SEARCH_ID).await;
    assert_eq!(got[0]["lockedFiles"][0]["isLocked"], true);
    let dup = post_search(&fake, json!({"id": SEARCH_ID, "searchText": "daft"})).await;
    assert_eq!(dup.status, 409);
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn disconnected_server_refuses_searches_and_downloads() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    share_search_fixtures(&fake);
    fake.set_connected(false);
    let server = call(&fake, "GET", "server", None).await.json();
    assert_eq!(
        (server["state"].as_str(), server["isLoggedIn"].as_bool()),
        (Some("Disconnected"), Some(false))
    );
    let res = post_search(&fake, json!({"searchText": "daft punk"})).await;
    assert_eq!(res.status, 409);
    assert!(res
        .json()
        .as_str()
        .unwrap()
        .starts_with("The server connection must be connected and logged in"));
    assert_eq!(
        enqueue(&fake, "daftfan", &[(FILE, 35_651_584)])
            .await
            .status,
        500
    );
    assert!(fake.stored_searches().is_empty());
    assert!(fake.transfers().is_empty());
    fake.set_connected(true);
    assert_eq!(
        post_search(&fake, json!({"searchText": "daft punk"}))
            .await
            .status,
        200
    );
    assert_eq!(
        call(&fake, "GET", "server", None).await.json()["state"],
        "Connected, LoggedIn"
    );
}

#[actix_rt::test(system = "crate::common::TestSystem")]
async fn running_searches_are_counted_until_complete_stopped_or_deleted() {
    let (fake, _dir) = start(FakeOptions::default()).await;
    share_search_fixtures(&fake);
    assert_eq!(fake.max_running_searches(), 0);
    let ids = [
        "0b2c7c55-5a0e-4c36-9a52-0f3f5d7f1c11",
        "1b2c7c55-5a0e-4c36-9a52-0f3f5d7f1c11",
    ];
    // One after the other: never two at once.
    let first = json!({"id": ids[0], "searchText": "one more time", "searchTimeout": 100});
    assert_eq!(post_search(&fake, first).await.status, 200);
    wait_search(&fake, ids[0]).await;
    let second = json!({"id": ids[1], "searchText": "one more time", "searchTimeout": 60_000});
    assert_eq!(post_search(&fake, second).await.status, 200);
    assert_eq!(fake.max_running_searches(), 1);
    // A third while the second runs (it would for a minute): two.
    let third = json!({"searchText": "daft punk", "searchTimeout": 60_000});
    assert_eq!(post_search(&fake, third).await.status, 200);
    assert_eq!(fake.max_running_searches(), 2);
    // Stopped and deleted searches no longer run: a fourth makes two again, not three.
    let stop = call(&fake, "PUT", &format!("searches/{}", ids[1]), None).await;
    assert_eq!(stop.status, 200);
    let third_id = fake.stored_searches()[2].clone();
    let delete = call(&fake, "DELETE", &format!("searches/{third_id}"), None).await;
    assert_eq!(delete.status, 204);
    let fourth = json!({"searchText": "daft punk", "searchTimeout": 60_000});
    assert_eq!(post_search(&fake, fourth).await.status, 200);
    assert_eq!(fake.max_running_searches(), 2);
}
