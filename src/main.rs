use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use harmony::app::{self, StartError, WorkerOverrides};
use harmony::config;
use harmony::data_dir_lock::DataDirLock;
use harmony::settings::with_overrides;

/// Harmony: Spotify playlists, liked songs, watched artists and pasted track
/// lists into a tagged music library, through slskd. Configured by
/// `config/default.toml`, `HARMONY_CONFIG` and the environment.
#[derive(Parser)]
#[command(name = "harmony", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service (what `harmony` alone does).
    Run,
    /// Exit 0 when the service on the configured address answers
    /// `/health/ready` (database and actors up), 1 when it does not (for a
    /// container's health check and monitoring).
    Healthcheck {
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3.0)]
        timeout: f64,
    },
    /// Check the configuration without starting or writing anything: exit 0
    /// and print every key's effective value (secrets masked) and where it
    /// came from, or exit 2 with the first problem (the key, the value, what
    /// was expected), exactly as the service would.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    Check,
}

fn main() -> ExitCode {
    match Cli::parse().command {
        None | Some(Command::Run) => run(),
        Some(Command::Healthcheck { timeout }) => healthcheck(timeout),
        Some(Command::Config {
            action: ConfigAction::Check,
        }) => config_check(),
    }
}

fn healthcheck(timeout: f64) -> ExitCode {
    let config = match config::load_from_env()
        .map_err(StartError::from)
        .and_then(|raw| app::check(&raw))
    {
        Ok(config) => config,
        Err(e) => return fail(&e.to_string(), e.exit_code()),
    };
    let timeout = Duration::try_from_secs_f64(timeout.max(0.1)).unwrap_or(Duration::from_secs(3));
    match harmony::healthcheck::probe(config.bind, timeout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string(), 1),
    }
}

fn config_check() -> ExitCode {
    match effective_config() {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string(), e.exit_code()),
    }
}

/// Every layer the service would read, in its order: files and environment,
/// then the settings stored in its database (read-only; none before the
/// first start).
fn effective_config() -> Result<String, StartError> {
    let raw = config::load_from_env()?;
    let layered = app::check(&raw)?;
    let stored = harmony::db::settings_peek::stored_overrides(&layered.database_path)?;
    let raw = with_overrides(&raw, &stored);
    let config = app::check(&raw)?;
    Ok(config::report::render(&raw, &config))
}

fn run() -> ExitCode {
    harmony::heap::limit_arenas();
    let raw = match config::load_from_env() {
        Ok(raw) => raw,
        Err(e) => return fail(&e.to_string(), 2),
    };
    // Everything that can refuse the start comes before anything is written:
    // the configuration, the port, then the data directory's lock.
    let claimed = app::check(&raw).and_then(|config| {
        let listener = app::listen(config.bind)?;
        let lock = DataDirLock::acquire(&config.data_dir).map_err(StartError::from)?;
        Ok((listener, lock))
    });
    let (listener, _lock) = match claimed {
        Ok(claimed) => claimed,
        Err(e) => return fail(&e.to_string(), e.exit_code()),
    };
    // Opening the database (migrations: SQLite's parser recurses deeply)
    // runs on a thread of its own, whose stack goes back to the system when
    // it ends; on the main thread it would stay resident for the service's
    // life (0.3 MiB, docs/benchmarks.md).
    let prepared = std::thread::scope(|scope| scope.spawn(|| app::prepare(raw)).join());
    let (config, raw, db) = match prepared {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(e)) => return fail(&e.to_string(), e.exit_code()),
        Err(_) => return fail("opening the database failed unexpectedly", 1),
    };
    harmony::telemetry::init(&config);
    actix_rt::System::new().block_on(async move {
        // Listen before starting: a SIGTERM that arrives right after the start
        // line must shut down gracefully, not kill the process.
        let stop = stop_signal();
        let overrides = WorkerOverrides::default();
        let running = match app::start_on(listener, config, raw, db, overrides).await {
            Ok(running) => running,
            Err(e) => return fail(&e.to_string(), e.exit_code()),
        };
        harmony::heap::release_periodically();
        stop.await;
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("harmony: {message}");
    ExitCode::from(code)
}

/// SIGTERM (service managers, `docker stop`) or SIGINT (Ctrl-C). The handlers
/// are registered when this is called, not when the future is first polled.
#[cfg(unix)]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use actix_rt::signal::unix::{signal, SignalKind};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                futures_util::future::select(Box::pin(term.recv()), Box::pin(int.recv())).await;
            }
            _ => {
                let _ = actix_rt::signal::ctrl_c().await;
            }
        }
    }
}

#[cfg(not(unix))]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = actix_rt::signal::ctrl_c().await;
    }
}
