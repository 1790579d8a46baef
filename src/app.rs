//! Start-up and shutdown: database, actors, HTTP server — in that order up,
//! the reverse order down.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use actix_web::{middleware::from_fn, web, App, HttpServer};
use tracing_actix_web::TracingLogger;

use crate::actors::directory::WorkerDirectory;
use crate::actors::registry::{ConnectionObserved, ConnectionState, Service, WorkerRegistry};
use crate::actors::search_scheduler::SearchHandle;
use crate::actors::services::Services;
use crate::actors::supervisor::{ShutdownWorkers, SpawnWorker, WorkerSupervisor};
use crate::actors::workers::spawner_for;
use crate::api::{self, middleware, AppState};
use crate::config::{Config, ConfigError, RawConfig, SharedConfig};
use crate::data_dir_lock::LockError;
use crate::db::{self, Db, DbError};
use crate::domain::workers::name::WorkerName;
use crate::integrations::spotify::session::SpotifyAccess;
use crate::lifecycle::{EventBus, Lifecycle};
use crate::metrics::Metrics;
use crate::settings::{with_overrides, Settings};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Locked(#[from] LockError),
}

impl StartError {
    /// 2 for what the operator must fix before starting again (a bad value,
    /// a busy port, a data directory in use), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            StartError::Config(_)
            | StartError::Bind { .. }
            | StartError::Locked(LockError::Held { .. }) => 2,
            _ => 1,
        }
    }
}

/// Replaces the logic of some workers (tests, diagnostics); the rest run
/// their production logic.
#[derive(Default)]
pub struct WorkerOverrides(HashMap<WorkerName, SpawnWorker>);

impl WorkerOverrides {
    pub fn with(mut self, name: WorkerName, spawn: SpawnWorker) -> Self {
        self.0.insert(name, spawn);
        self
    }
}

/// Which workers run under this configuration.
pub fn active_workers(config: &Config) -> Vec<WorkerName> {
    if config.disable_workers {
        return Vec::new();
    }
    WorkerName::ALL
        .into_iter()
        .filter(|w| match w {
            WorkerName::Artwork => config.enable_artwork,
            WorkerName::Lyrics => config.enable_lyrics,
            _ => true,
        })
        .collect()
}

/// The configuration of layers 1–4, checked; touches nothing.
pub fn check(raw: &RawConfig) -> Result<Config, StartError> {
    let config = Config::from_raw(raw)?;
    config.check_bind_is_safe()?;
    Ok(config)
}

/// Binds the HTTP address. Done before anything else starts or is written,
/// so a busy port ends the start cleanly.
pub fn listen(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).map_err(|source| StartError::Bind { addr, source })
}

/// Opens the database and applies the stored settings (layer 5). Blocking.
pub fn prepare(raw: RawConfig) -> Result<(Config, RawConfig, Db), StartError> {
    let layered = Config::from_raw(&raw)?;
    layered.check_bind_is_safe()?;
    let db = Db::open(&layered.database_path)?;
    let overrides = db.read_blocking(db::settings::overrides)?;
    let config = Config::from_raw(&with_overrides(&raw, &overrides))?;
    seed_notification_targets(&db, &config)?;
    Ok((config, raw, db))
}

pub struct RunningApp {
    pub addr: SocketAddr,
    pub registry: Addr<WorkerRegistry>,
    pub supervisor: Option<Addr<WorkerSupervisor>>,
    /// Tests and tools subscribe to its events.
    pub lifecycle: Lifecycle,
    pub db: Db,
    pub config: SharedConfig,
    searches: SearchHandle,
    server: actix_web::dev::ServerHandle,
    grace: Duration,
}

/// Starts actors and the HTTP server on the current actix system, binding
/// `config.bind` first.
pub async fn start(
    config: Config,
    raw: RawConfig,
    db: Db,
    overrides: WorkerOverrides,
) -> Result<RunningApp, StartError> {
    let listener = listen(config.bind)?;
    start_on(listener, config, raw, db, overrides).await
}

/// Starts actors and the HTTP server on an already bound listener.
pub async fn start_on(
    listener: TcpListener,
    config: Config,
    raw: RawConfig,
    db: Db,
    overrides: WorkerOverrides,
) -> Result<RunningApp, StartError> {
    let bind = listener.local_addr().unwrap_or(config.bind);
    let mut overrides = overrides;
    let startup = Arc::new(config.clone());
    let shared = SharedConfig::new(config.clone());
    let metrics = Arc::new(Metrics::default());
    let directory = WorkerDirectory::default();
    let tolerance = shared.clone();
    let lifecycle = Lifecycle::new(db.clone(), Arc::new(directory.clone()), EventBus::default())
        .with_library_tolerance(Arc::new(move || {
            (tolerance.current().match_duration_tolerance_sec * 1000.0) as u64
        }));
    spawn_event_counter(&lifecycle, Arc::clone(&metrics));
    let active = active_workers(&config);

    let slskd = if config.slskd_url.is_empty() {
        ConnectionState::Unconfigured
    } else {
        ConnectionState::Unreachable
    };
    let spotify = if config.spotify_client_id.is_empty() {
        ConnectionState::Unconfigured
    } else if db
        .read_blocking(crate::db::spotify::account)
        .ok()
        .flatten()
        .is_some_and(|a| a.is_authorized())
    {
        // A stored token is believed good until Spotify says otherwise.
        ConnectionState::Ok
    } else {
        ConnectionState::Unauthorized
    };
    let registry = WorkerRegistry::new(
        &active,
        !config.disable_workers,
        config.worker_stale_after,
        (slskd, spotify),
        lifecycle.clone(),
    )
    .with_outage_after(config.notify_outage_after)
    .start();

    let searches =
        SearchHandle::start(shared.clone(), Arc::clone(&metrics), Some(registry.clone()));
    let observed = registry.clone();
    let spotify_access = SpotifyAccess::new(
        lifecycle.clone(),
        shared.clone(),
        Some(Arc::new(move |state| {
            observed.do_send(ConnectionObserved {
                service: Service::Spotify,
                state,
            })
        })),
    );

    let services = Services {
        db: db.clone(),
        config: shared.clone(),
        lifecycle: lifecycle.clone(),
        registry: registry.clone(),
        directory: directory.clone(),
        metrics: Arc::clone(&metrics),
        searches: searches.clone(),
        spotify: spotify_access,
    };
    let supervisor = (!active.is_empty()).then(|| {
        let workers = active
            .iter()
            .map(|&name| {
                (
                    name,
                    overrides
                        .0
                        .remove(&name)
                        .unwrap_or_else(|| spawner_for(name)),
                )
            })
            .collect();
        WorkerSupervisor::new(workers, services.clone()).start()
    });

    let state = web::Data::new(AppState {
        services: services.clone(),
        supervisor: supervisor.clone(),
        settings: Settings::new(raw.clone(), startup, shared.clone(), db.clone()),
        api_keys: config.api_keys.clone(),
        workers_disabled: config.disable_workers,
        features: api::Features {
            artwork: config.enable_artwork,
            lyrics: config.enable_lyrics,
        },
    });
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .configure(api::configure)
            .configure(crate::ui::configure)
            .wrap(from_fn(middleware::require_api_key))
            .wrap(from_fn(crate::ui::guard::require_session))
            .wrap(from_fn(middleware::count_requests))
            .wrap(TracingLogger::default())
    })
    .workers(config.http_workers)
    // A client that closes its side has gone: drop its request (a long
    // /matching/score stops scoring) instead of finishing it for no one.
    .h1_allow_half_closed(false)
    .disable_signals()
    .shutdown_timeout(config.shutdown_grace.as_secs().max(1))
    .listen(listener)
    .map_err(|source| StartError::Bind { addr: bind, source })?;
    let addr = server.addrs().first().copied().unwrap_or(bind);
    let server = server.run();
    let handle = server.handle();
    actix_rt::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    });

    let names: Vec<&str> = active.iter().map(|w| w.as_str()).collect();
    tracing::info!(
        config_sources = ?raw.sources(),
        database = %config.database_path.display(),
        bind = %addr,
        auth = if config.auth_required() { "api_keys" } else { "none" },
        workers = ?names,
        "harmony started"
    );
    Ok(RunningApp {
        addr,
        registry,
        supervisor,
        lifecycle,
        db,
        config: shared,
        searches,
        server: handle,
        grace: config.shutdown_grace,
    })
}

impl RunningApp {
    /// Stops accepting requests and drains the workers, both within the grace
    /// period. Returns the workers that did not finish in time.
    pub async fn shutdown(self) -> Vec<WorkerName> {
        tracing::info!(grace_sec = self.grace.as_secs_f64(), "shutting down");
        let server = self.server.clone();
        let http = actix_rt::spawn(async move { server.stop(true).await });
        // Waiting searches would hold the matching worker past the grace.
        self.searches.shutdown();
        let late = match &self.supervisor {
            Some(supervisor) => supervisor
                .send(ShutdownWorkers { grace: self.grace })
                .await
                .unwrap_or_default(),
            None => Vec::new(),
        };
        if !late.is_empty() {
            tracing::warn!(workers = ?late, "workers did not finish within the grace period");
        }
        let _ = actix_rt::time::timeout(self.grace + Duration::from_millis(500), http).await;
        tracing::info!("stopped");
        late
    }
}

/// The metrics count every announced event by name.
fn spawn_event_counter(lifecycle: &Lifecycle, metrics: Arc<Metrics>) {
    let mut events = lifecycle.events().subscribe();
    actix_rt::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => metrics.event(event.name()),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "event counter fell behind");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}

/// Notification targets declared in the settings file replace the previous
/// declaration (read-only through the API).
fn seed_notification_targets(db: &Db, config: &Config) -> Result<(), StartError> {
    let declared: Vec<db::notify::TargetFields> = config
        .notify_targets
        .iter()
        .map(api::notifications::fields)
        .collect();
    let now = crate::domain::time::now_millis();
    db.read_blocking(move |c| db::notify::seed_declared(c, &declared, now))?;
    Ok(())
}
