//! The library worker's media-server side: rescans after files land (one
//! call per server and burst, retried after an outage), a probe of each
//! configured server at every scan, the connection states in `/status`.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use crate::actors::logic::{JobError, WorkerEnv};
use crate::actors::registry::{ConnectionObserved, Service};
use crate::domain::connections::state::ConnectionState;
use crate::domain::library::media_server::{connection_state, MediaServer};
use crate::domain::time::now_millis;
use crate::integrations::media_servers::{self, Answer};
use crate::lifecycle::{library, Event};

/// Files landed since Plex was last asked (Plex refreshes the sections
/// holding them); lost on restart, when every music section is refreshed.
pub type Landed = Rc<RefCell<Vec<PathBuf>>>;

fn observe(env: &WorkerEnv, server: MediaServer, state: ConnectionState) {
    env.registry.do_send(ConnectionObserved {
        service: Service::Media(server),
        state,
    });
}

/// The configured servers (the others are `unconfigured` in `/status`).
pub fn configured(env: &WorkerEnv) -> Vec<MediaServer> {
    let config = env.config.current();
    MediaServer::ALL
        .into_iter()
        .filter(|&s| {
            let on = media_servers::target(&config, s).is_some();
            if !on {
                observe(env, s, ConnectionState::Unconfigured);
            }
            on
        })
        .collect()
}

/// A file landed: every configured server rescans once things are quiet.
pub async fn file_landed(env: &WorkerEnv, landed: &Landed, path: PathBuf) -> Result<(), JobError> {
    landed.borrow_mut().push(path);
    let servers = configured(env);
    if servers.is_empty() {
        return Ok(());
    }
    let debounce = env.config.current().media_server_debounce;
    let run_at = now_millis() + i64::try_from(debounce.as_millis()).unwrap_or(i64::MAX / 2);
    env.lifecycle
        .change(move |c| library::request_rescans(c, &servers, run_at))
        .await
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// Checks each configured server (at start and every scan): a background
/// probe, so `/status` says whether the settings work before any file lands.
pub async fn probe(env: &WorkerEnv) {
    let config = env.config.current();
    for server in configured(env) {
        if let Some(target) = media_servers::target(&config, server) {
            let answer = media_servers::check(&target).await;
            observe(env, server, connection_state(&answer.end));
        }
    }
}

/// The `Rescan` job of one server.
pub async fn rescan(env: &WorkerEnv, landed: &Landed, server: &str) -> Result<(), JobError> {
    let Some(server) = MediaServer::parse(server) else {
        return Err(JobError::Permanent(format!(
            "unknown media server '{server}'"
        )));
    };
    let Some(target) = media_servers::target(&env.config.current(), server) else {
        observe(env, server, ConnectionState::Unconfigured);
        return Ok(());
    };
    let files: Vec<PathBuf> = landed.borrow().clone();
    let answer: Answer = media_servers::rescan(&target, &files).await;
    let state = connection_state(&answer.end);
    env.metrics.library.rescan(server.as_str(), state.as_str());
    observe(env, server, state);
    if answer.is_ok() {
        if server == MediaServer::Plex {
            landed.borrow_mut().drain(..files.len());
        }
        tracing::info!(server = server.as_str(), found = %answer.found, "media server rescanning");
        let _ = env
            .lifecycle
            .announce(Event::MediaServerRescanned {
                server: server.as_str(),
                found: answer.found,
            })
            .await;
        return Ok(());
    }
    tracing::warn!(server = server.as_str(), state = state.as_str(), error = %answer.found, "media server rescan failed");
    let _ = env
        .lifecycle
        .announce(Event::MediaServerRescanFailed {
            server: server.as_str(),
            state: state.as_str(),
            error: answer.found.clone(),
        })
        .await;
    let error = format!("{}: {} ({})", server.as_str(), state.as_str(), answer.found);
    match state {
        // Wrong settings do not mend by themselves; a new file queues a new call.
        ConnectionState::Unauthorized => Err(JobError::Permanent(error)),
        _ => Err(JobError::Retry(error)),
    }
}
