//! Logging through tracing, as text or JSON.

use tracing_subscriber::EnvFilter;

use crate::config::{Config, LogFormat};

/// Installs the global subscriber (once per process; later calls are no-ops,
/// which lets tests start several apps) and the panic hook.
pub fn init(config: &Config) {
    let filter = EnvFilter::builder().parse_lossy(&config.log_level);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stdout);
    let _ = match config.log_format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .flatten_event(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    crate::actors::panic_capture::install_hook();
}
