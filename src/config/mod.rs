//! Configuration: defaults → `config/default.toml` → `HARMONY_CONFIG` file →
//! environment → settings stored in the database (settable keys only).

mod error;
pub mod help;
pub mod keys;
mod raw;
pub mod report;
mod shared;
mod typed;

use std::path::Path;

pub use error::ConfigError;
pub use raw::{RawConfig, Source};
pub use shared::SharedConfig;
pub use typed::{Config, LogFormat};

/// The shipped, documented defaults file, read from the working directory when present.
pub const DEFAULT_FILE: &str = "config/default.toml";

/// Layers 1–4 from the process environment. Database overrides (layer 5) are
/// applied once the database is open.
pub fn load_from_env() -> Result<RawConfig, ConfigError> {
    load(|name| std::env::var(name).ok())
}

/// Layers 1–4 with an injectable environment (tests).
pub fn load(env: impl Fn(&str) -> Option<String>) -> Result<RawConfig, ConfigError> {
    let mut raw = RawConfig::defaults();
    let default_file = Path::new(DEFAULT_FILE);
    if default_file.is_file() {
        raw.merge_toml_file(default_file)?;
    }
    if let Some(path) = env("HARMONY_CONFIG").filter(|p| !p.trim().is_empty()) {
        raw.merge_toml_file(Path::new(path.trim()))?;
    }
    raw.merge_env(env);
    Ok(raw)
}
