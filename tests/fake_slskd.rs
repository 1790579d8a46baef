//! Checks the fake slskd through HTTP, so the other tests can trust it behaves like the
//! reference (shared/reference/slskd-api.md, sections 1.2, 1.3, 1.5 and 9.1).

#[allow(dead_code)]
#[path = "common/fake_slskd.rs"]
mod fake_slskd;

use std::time::{Duration, Instant};

use fake_slskd::{file_content, local_path, FakeOptions, FakeSlskd, Outcome, Version};
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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

#[actix_rt::test]
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
