use std::process::ExitCode;

use harmony::app::{self, StartError, WorkerOverrides};
use harmony::config;
use harmony::data_dir_lock::DataDirLock;

fn main() -> ExitCode {
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
    let (config, raw, db) = match app::prepare(raw) {
        Ok(prepared) => prepared,
        Err(e) => return fail(&e.to_string(), e.exit_code()),
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
