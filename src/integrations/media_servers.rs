//! Calls to the media servers (issue 15): a rescan after files landed and a
//! check of the settings. Navidrome / any Subsonic server: `/rest/startScan`
//! and `/rest/ping` with token auth (`u`, `t` = md5(password + salt), `s`,
//! `v`, `c`, `f=json`; a refused login is HTTP 200 with a `failed` body).
//! Jellyfin: `POST /Library/Refresh` and `GET /System/Info` with
//! `Authorization: MediaBrowser Token="…"`. Plex: `GET /library/sections`
//! then `/library/sections/{key}/refresh` of the sections holding the new
//! files, with `X-Plex-Token`. Secrets are never logged nor put in errors.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::config::Config;
use crate::domain::library::media_server::{
    plex_sections_holding, subsonic_token, CallEnd, MediaServer, PlexSection,
};
use crate::domain::secret::Secret;
use crate::integrations::http::client;

const TIMEOUT: Duration = Duration::from_secs(15);
const SUBSONIC_VERSION: &str = "1.16.1";

/// One configured server.
#[derive(Debug, Clone)]
pub struct Target {
    pub server: MediaServer,
    pub url: String,
    pub user: String,
    pub secret: Secret,
}

/// The server's settings, `None` when its URL is empty.
pub fn target(config: &Config, server: MediaServer) -> Option<Target> {
    let (url, user, secret) = match server {
        MediaServer::Navidrome => (
            &config.navidrome_url,
            config.navidrome_user.clone(),
            config.navidrome_password.clone(),
        ),
        MediaServer::Jellyfin => (
            &config.jellyfin_url,
            String::new(),
            config.jellyfin_api_key.clone(),
        ),
        MediaServer::Plex => (&config.plex_url, String::new(), config.plex_token.clone()),
    };
    (!url.is_empty()).then(|| Target {
        server,
        url: url.trim_end_matches('/').to_string(),
        user,
        secret,
    })
}

/// How a call went, and what it found (for `POST /library/media-servers/test`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub end: CallEnd,
    pub found: String,
}

impl Answer {
    fn no_answer(e: impl std::fmt::Display) -> Answer {
        Answer {
            end: CallEnd::NoAnswer,
            found: format!("no answer: {e}"),
        }
    }

    fn status(status: u16, found: impl Into<String>) -> Answer {
        Answer {
            end: CallEnd::Status {
                status,
                subsonic_error: None,
            },
            found: found.into(),
        }
    }

    pub fn is_ok(&self) -> bool {
        matches!(self.end, CallEnd::Status { status, subsonic_error: None } if (200..300).contains(&status))
    }
}

fn salt() -> String {
    let mut buf = [0u8; 8];
    if getrandom::fill(&mut buf).is_err() {
        buf = fastrand::u64(..).to_le_bytes();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

async fn subsonic(t: &Target, method: &str) -> Answer {
    let salt = salt();
    let token = subsonic_token(t.secret.expose(), &salt);
    let query = [
        ("u", t.user.as_str()),
        ("t", token.as_str()),
        ("s", salt.as_str()),
        ("v", SUBSONIC_VERSION),
        ("c", "harmony"),
        ("f", "json"),
    ];
    let request = client(TIMEOUT).get(format!("{}/rest/{method}", t.url));
    let request = match request.query(&query) {
        Ok(r) => r,
        Err(e) => return Answer::no_answer(e),
    };
    let mut res = match request.send().await {
        Ok(res) => res,
        Err(e) => return Answer::no_answer(e),
    };
    let status = res.status().as_u16();
    let body: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
    let answer = &body["subsonic-response"];
    match answer["status"].as_str() {
        Some("ok") => {
            let mut found = format!("Subsonic API {}", answer["version"].as_str().unwrap_or("?"));
            if let Some(kind) = answer["type"].as_str() {
                found.push_str(&format!(
                    ", {kind} {}",
                    answer["serverVersion"].as_str().unwrap_or("")
                ));
            }
            if method == "startScan" {
                found.push_str(", scan started");
            }
            Answer::status(status, found.trim_end().to_string())
        }
        Some(_) => Answer {
            end: CallEnd::Status {
                status,
                subsonic_error: Some(answer["error"]["code"].as_i64().unwrap_or(0)),
            },
            found: answer["error"]["message"]
                .as_str()
                .unwrap_or("refused")
                .to_string(),
        },
        None if (200..300).contains(&status) => Answer {
            end: CallEnd::Status {
                status,
                subsonic_error: Some(0),
            },
            found: "not a Subsonic answer".into(),
        },
        None => Answer::status(status, format!("HTTP {status}")),
    }
}

fn jellyfin_auth(t: &Target) -> String {
    format!(
        "MediaBrowser Client=\"Harmony\", Token=\"{}\"",
        t.secret.expose()
    )
}

async fn jellyfin(t: &Target, refresh: bool) -> Answer {
    let c = client(TIMEOUT);
    let request = if refresh {
        c.post(format!("{}/Library/Refresh", t.url))
    } else {
        c.get(format!("{}/System/Info", t.url))
    };
    let mut res = match request
        .insert_header(("Authorization", jellyfin_auth(t)))
        .send()
        .await
    {
        Ok(res) => res,
        Err(e) => return Answer::no_answer(e),
    };
    let status = res.status().as_u16();
    if !(200..300).contains(&status) {
        return Answer::status(status, format!("HTTP {status}"));
    }
    if refresh {
        return Answer::status(status, "library refresh started");
    }
    let info: Value = res.json().limit(1 << 20).await.unwrap_or(Value::Null);
    Answer::status(
        status,
        format!(
            "Jellyfin {} ({})",
            info["Version"].as_str().unwrap_or("?"),
            info["ServerName"].as_str().unwrap_or("unnamed")
        ),
    )
}

async fn plex_sections(t: &Target) -> Result<Vec<(PlexSection, String, String)>, Answer> {
    let mut res = client(TIMEOUT)
        .get(format!("{}/library/sections", t.url))
        .insert_header(("X-Plex-Token", t.secret.expose()))
        .insert_header(("Accept", "application/json"))
        .send()
        .await
        .map_err(Answer::no_answer)?;
    let status = res.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(Answer::status(status, format!("HTTP {status}")));
    }
    let body: Value = res
        .json()
        .limit(4 << 20)
        .await
        .map_err(|e| Answer::status(status, format!("unreadable section list: {e}")))?;
    let dirs = body["MediaContainer"]["Directory"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(dirs
        .iter()
        .filter_map(|d| {
            let key = d["key"].as_str()?.to_string();
            let locations = d["Location"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .filter_map(|l| l["path"].as_str().map(PathBuf::from))
                        .collect()
                })
                .unwrap_or_default();
            Some((
                PlexSection { key, locations },
                d["type"].as_str().unwrap_or("").to_string(),
                d["title"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect())
}

async fn plex(t: &Target, refresh: Option<&[PathBuf]>) -> Answer {
    let sections = match plex_sections(t).await {
        Ok(s) => s,
        Err(answer) => return answer,
    };
    let Some(files) = refresh else {
        let music: Vec<String> = sections
            .iter()
            .filter(|(_, kind, _)| kind == "artist")
            .map(|(_, _, title)| title.clone())
            .collect();
        return Answer::status(
            200,
            format!("{} music section(s): {}", music.len(), music.join(", ")),
        );
    };
    let only: Vec<PlexSection> = sections
        .into_iter()
        .filter(|(_, kind, _)| kind == "artist" || kind.is_empty())
        .map(|(s, _, _)| s)
        .collect();
    let keys = plex_sections_holding(&only, files);
    for key in &keys {
        let res = client(TIMEOUT)
            .get(format!("{}/library/sections/{key}/refresh", t.url))
            .insert_header(("X-Plex-Token", t.secret.expose()))
            .send()
            .await;
        match res {
            Ok(res) if res.status().is_success() => {}
            Ok(res) => {
                let status = res.status().as_u16();
                return Answer::status(status, format!("section {key}: HTTP {status}"));
            }
            Err(e) => return Answer::no_answer(e),
        }
    }
    Answer::status(200, format!("refreshed section(s) {}", keys.join(", ")))
}

/// Asks the server to rescan (Plex: the sections holding `files`, every
/// music section when none are known).
pub async fn rescan(t: &Target, files: &[PathBuf]) -> Answer {
    match t.server {
        MediaServer::Navidrome => subsonic(t, "startScan").await,
        MediaServer::Jellyfin => jellyfin(t, true).await,
        MediaServer::Plex => plex(t, Some(files)).await,
    }
}

/// Checks the settings without changing anything on the server.
pub async fn check(t: &Target) -> Answer {
    match t.server {
        MediaServer::Navidrome => subsonic(t, "ping").await,
        MediaServer::Jellyfin => jellyfin(t, false).await,
        MediaServer::Plex => plex(t, None).await,
    }
}
