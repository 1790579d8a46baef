//! What each target kind receives for a message: the request, built without
//! I/O (the notify worker only sends it).

use base64::Engine;
use serde_json::{json, Value};

use super::kind::TargetKind;
use super::message::Message;
use super::signature::sign;

/// One HTTP request to send (always a POST).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub content_type: &'static str,
    pub body: String,
}

/// A target as rendering needs it.
#[derive(Debug, Clone, Copy)]
pub struct Destination<'a> {
    pub kind: TargetKind,
    pub url: &'a str,
    /// Webhook HMAC key, ntfy access token, Gotify app token.
    pub secret: Option<&'a str>,
    pub apprise_key: Option<&'a str>,
}

/// How loud an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Success,
    Warning,
    Failure,
}

pub fn severity(event: &str) -> Severity {
    match event {
        "download.completed"
        | "playlist.synced"
        | "import.finished"
        | "slskd.recovered"
        | "watchlist.new_releases" => Severity::Success,
        "download.dead_lettered" | "wanted.failed" => Severity::Warning,
        "spotify.authorization_needed" | "slskd.unreachable" | "worker.restarting_repeatedly" => {
            Severity::Failure
        }
        _ => Severity::Info,
    }
}

/// ntfy's priority (1–5) and tags (emoji short codes) of an event.
pub fn ntfy_style(event: &str) -> (u8, &'static str) {
    match event {
        "download.completed" => (2, "musical_note"),
        "download.dead_lettered" => (4, "warning,skull"),
        "wanted.failed" => (3, "warning,mag"),
        "watchlist.new_releases" => (3, "cd,new"),
        "playlist.synced" => (2, "arrows_counterclockwise"),
        "import.finished" => (3, "inbox_tray"),
        "spotify.authorization_needed" => (4, "key"),
        "slskd.unreachable" => (5, "rotating_light"),
        "slskd.recovered" => (3, "white_check_mark"),
        "worker.restarting_repeatedly" => (5, "rotating_light,gear"),
        _ => (3, "bell"),
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// "Artist – Title", or what is known of it.
fn track(v: &Value) -> String {
    match (text(v, "artist"), text(v, "title")) {
        (Some(a), Some(t)) => format!("{a} – {t}"),
        (None, Some(t)) => t,
        (Some(a), None) => a,
        (None, None) => text(v, "path")
            .or_else(|| text(v, "filename"))
            .unwrap_or_else(|| "unknown track".into()),
    }
}

/// One line about one event.
pub fn line(event: &str, v: &Value) -> String {
    match event {
        "download.completed" => track(v),
        "download.dead_lettered" | "wanted.failed" => match text(v, "reason") {
            Some(r) => format!("{}: {r}", track(v)),
            None => track(v),
        },
        "watchlist.new_releases" => format!(
            "{}: {} release(s), {} track(s) wanted",
            text(v, "artist").unwrap_or_else(|| "an artist".into()),
            text(v, "releases").unwrap_or_else(|| "?".into()),
            text(v, "tracks").unwrap_or_else(|| "?".into())
        ),
        "playlist.synced" => format!(
            "{}: {} new track(s)",
            text(v, "name").unwrap_or_else(|| "a playlist".into()),
            text(v, "new_tracks").unwrap_or_else(|| "?".into())
        ),
        "import.finished" => format!(
            "import {}: {} completed, {} failed of {}",
            text(v, "import_id").unwrap_or_default(),
            v["counts"]["completed"],
            v["counts"]["failed"],
            v["counts"]["registered"]
        ),
        "spotify.authorization_needed" => {
            "Spotify refused the stored token: connect the account again".into()
        }
        "slskd.unreachable" => format!(
            "slskd has been unreachable for {} s",
            text(v, "seconds").unwrap_or_else(|| "?".into())
        ),
        "slskd.recovered" => format!(
            "slskd answers again after {} s",
            text(v, "outage_seconds").unwrap_or_else(|| "?".into())
        ),
        "worker.restarting_repeatedly" => format!(
            "worker {} restarted {} times in {} s: {}",
            text(v, "worker").unwrap_or_default(),
            text(v, "restarts").unwrap_or_default(),
            text(v, "window_seconds").unwrap_or_default(),
            text(v, "last_error").unwrap_or_default()
        ),
        _ => text(v, "message").unwrap_or_else(|| v.to_string()),
    }
}

/// The title of a message (of one or many events).
pub fn title(m: &Message) -> String {
    let n = m.count;
    match (m.event.as_str(), n) {
        ("download.completed", 1) => "Download completed".into(),
        ("download.completed", _) => format!("{n} downloads completed"),
        ("download.dead_lettered", 1) => "Download gave up after every retry".into(),
        ("download.dead_lettered", _) => format!("{n} downloads gave up after every retry"),
        ("wanted.failed", 1) => "Wanted track not found".into(),
        ("wanted.failed", _) => format!("{n} wanted tracks not found"),
        ("watchlist.new_releases", 1) => "New releases of a watched artist".into(),
        ("watchlist.new_releases", _) => format!("New releases of {n} watched artists"),
        ("playlist.synced", 1) => "Playlist synced".into(),
        ("playlist.synced", _) => format!("{n} playlists synced"),
        ("import.finished", 1) => "Import finished".into(),
        ("import.finished", _) => format!("{n} imports finished"),
        ("spotify.authorization_needed", _) => "Spotify needs to be connected again".into(),
        ("slskd.unreachable", _) => "slskd is unreachable".into(),
        ("slskd.recovered", _) => "slskd is reachable again".into(),
        ("worker.restarting_repeatedly", _) => "A worker keeps restarting".into(),
        ("test", _) => "Harmony test message".into(),
        (other, 1) => other.to_string(),
        (other, _) => format!("{n} × {other}"),
    }
}

/// The text of a message: one line per kept item, then how many more.
pub fn body(m: &Message) -> String {
    let mut lines: Vec<String> = m.items.iter().map(|v| line(&m.event, v)).collect();
    let more = m.count.saturating_sub(m.items.len());
    if more > 0 {
        lines.push(format!("… and {more} more"));
    }
    lines.join("\n")
}

/// ntfy takes headers in ASCII; other text goes RFC 2047-encoded.
fn header_text(s: &str) -> String {
    if s.is_ascii() && !s.contains(['\r', '\n']) {
        s.to_string()
    } else {
        format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(s)
        )
    }
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

/// The request that tells `to` about `m`.
pub fn request(to: Destination<'_>, m: &Message) -> Request {
    let secret = to.secret.filter(|s| !s.is_empty());
    match to.kind {
        TargetKind::Webhook => {
            let body = json!({
                "id": m.id,
                "event": m.event,
                "at": m.at,
                "count": m.count,
                "data": m.data(),
            })
            .to_string();
            let mut headers = vec![
                ("X-Harmony-Event", m.event.clone()),
                ("X-Harmony-Delivery", m.id.clone()),
            ];
            if let Some(key) = secret {
                headers.push(("X-Harmony-Signature", sign(key, body.as_bytes())));
            }
            Request {
                url: to.url.to_string(),
                headers,
                content_type: "application/json",
                body,
            }
        }
        TargetKind::Ntfy => {
            let (priority, tags) = ntfy_style(&m.event);
            let mut headers = vec![
                ("Title", header_text(&title(m))),
                ("Priority", priority.to_string()),
                ("Tags", tags.to_string()),
                ("X-Harmony-Delivery", m.id.clone()),
            ];
            if let Some(token) = secret {
                headers.push(("Authorization", format!("Bearer {token}")));
            }
            Request {
                url: to.url.to_string(),
                headers,
                content_type: "text/plain; charset=utf-8",
                body: body(m),
            }
        }
        TargetKind::Discord => {
            let color = match severity(&m.event) {
                Severity::Success => 0x2e_cc71,
                Severity::Warning => 0xf1_c40f,
                Severity::Failure => 0xe7_4c3c,
                Severity::Info => 0x34_98db,
            };
            let mut description = body(m);
            // Discord refuses descriptions over 4096 characters.
            if description.chars().count() > 4000 {
                description = description.chars().take(4000).collect::<String>() + "…";
            }
            let body = json!({
                "embeds": [{
                    "title": title(m).chars().take(256).collect::<String>(),
                    "description": description,
                    "color": color,
                    "timestamp": m.at,
                    "fields": [{"name": "event", "value": m.event, "inline": true},
                               {"name": "count", "value": m.count.to_string(), "inline": true}],
                }],
            })
            .to_string();
            Request {
                url: to.url.to_string(),
                headers: vec![],
                content_type: "application/json",
                body,
            }
        }
        TargetKind::Gotify => {
            let (priority, _) = ntfy_style(&m.event);
            let body = json!({
                "title": title(m),
                "message": body(m),
                // Gotify's scale is 0–10.
                "priority": u32::from(priority) * 2,
                "extras": {"harmony::event": m.event, "harmony::id": m.id},
            })
            .to_string();
            Request {
                url: join(to.url, "message"),
                headers: vec![("X-Gotify-Key", secret.unwrap_or_default().to_string())],
                content_type: "application/json",
                body,
            }
        }
        TargetKind::Apprise => {
            let type_ = match severity(&m.event) {
                Severity::Success => "success",
                Severity::Warning => "warning",
                Severity::Failure => "failure",
                Severity::Info => "info",
            };
            let body = json!({"title": title(m), "body": body(m), "type": type_}).to_string();
            Request {
                url: join(
                    to.url,
                    &format!("notify/{}", to.apprise_key.unwrap_or("apprise")),
                ),
                headers: vec![],
                content_type: "application/json",
                body,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(count: usize) -> Message {
        let data = (0..count)
            .map(|i| json!({"artist": "Björk", "title": format!("Song {i}"), "path": "/m/x.flac"}))
            .collect();
        Message::group(
            7,
            "download.completed",
            "2026-12-06T17:00:00.000Z".into(),
            data,
        )
    }

    fn to(kind: TargetKind, secret: Option<&'static str>) -> Destination<'static> {
        Destination {
            kind,
            url: "http://h:1/x/",
            secret,
            apprise_key: Some("k1"),
        }
    }

    #[test]
    fn the_webhook_body_is_signed_as_sent() {
        let r = request(to(TargetKind::Webhook, Some("s3cret")), &msg(1));
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["event"], "download.completed");
        assert_eq!(body["id"], "hm-7");
        assert_eq!(body["data"]["title"], "Song 0");
        let sig = r
            .headers
            .iter()
            .find(|(k, _)| *k == "X-Harmony-Signature")
            .unwrap();
        assert_eq!(sig.1, sign("s3cret", r.body.as_bytes()));
        assert!(!r.body.contains("s3cret"));
        let unsigned = request(to(TargetKind::Webhook, None), &msg(1));
        assert!(unsigned
            .headers
            .iter()
            .all(|(k, _)| *k != "X-Harmony-Signature"));
    }

    #[test]
    fn a_group_has_its_count_and_first_items() {
        let m = msg(300);
        assert_eq!(title(&m), "300 downloads completed");
        let text = body(&m);
        assert_eq!(text.lines().count(), 11);
        assert!(text.ends_with("… and 290 more"));
        assert_eq!(m.data()["count"], 300);
        assert_eq!(m.data()["omitted"], 290);
    }

    #[test]
    fn each_kind_gets_its_format() {
        let ntfy = request(to(TargetKind::Ntfy, Some("tk")), &msg(1));
        assert_eq!(ntfy.url, "http://h:1/x/");
        assert!(ntfy
            .headers
            .contains(&("Authorization", "Bearer tk".into())));
        assert!(ntfy.headers.contains(&("Priority", "2".into())));
        assert_eq!(ntfy.body, "Björk – Song 0");
        let gotify = request(to(TargetKind::Gotify, Some("app")), &msg(1));
        assert_eq!(gotify.url, "http://h:1/x/message");
        assert!(gotify.headers.contains(&("X-Gotify-Key", "app".into())));
        let apprise = request(to(TargetKind::Apprise, None), &msg(2));
        assert_eq!(apprise.url, "http://h:1/x/notify/k1");
        let a: Value = serde_json::from_str(&apprise.body).unwrap();
        assert_eq!(a["type"], "success");
        let discord = request(to(TargetKind::Discord, None), &msg(1));
        let d: Value = serde_json::from_str(&discord.body).unwrap();
        assert_eq!(d["embeds"][0]["title"], "Download completed");
    }

    #[test]
    fn non_ascii_titles_are_encoded_for_headers() {
        assert_eq!(header_text("plain"), "plain");
        assert!(header_text("Björk").starts_with("=?UTF-8?B?"));
    }
}
