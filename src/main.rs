use std::process::ExitCode;

use harmony::app::{self, WorkerOverrides};
use harmony::config;

fn main() -> ExitCode {
    let raw = match config::load_from_env() {
        Ok(raw) => raw,
        Err(e) => return fail(&e.to_string(), 2),
    };
    let (config, raw, db) = match app::prepare(raw) {
        Ok(prepared) => prepared,
        Err(e) => return fail(&e.to_string(), e.exit_code()),
    };
    harmony::telemetry::init(&config);
    actix_rt::System::new().block_on(async move {
        let running = match app::start(config, raw, db, WorkerOverrides::default()).await {
            Ok(running) => running,
            Err(e) => return fail(&e.to_string(), e.exit_code()),
        };
        wait_for_stop_signal().await;
        running.shutdown().await;
        ExitCode::SUCCESS
    })
}

fn fail(message: &str, code: u8) -> ExitCode {
    eprintln!("harmony: {message}");
    ExitCode::from(code)
}

/// SIGTERM (service managers, `docker stop`) or SIGINT (Ctrl-C).
async fn wait_for_stop_signal() {
    #[cfg(unix)]
    {
        use actix_rt::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio_select(term.recv(), actix_rt::signal::ctrl_c()).await;
            }
            Err(_) => {
                let _ = actix_rt::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = actix_rt::signal::ctrl_c().await;
    }
}

/// Waits for whichever of the two finishes first.
async fn tokio_select<A: std::future::Future, B: std::future::Future>(a: A, b: B) {
    futures_util::future::select(Box::pin(a), Box::pin(b)).await;
}
