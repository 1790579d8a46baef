use std::path::PathBuf;

/// Why the configuration cannot be used. Each renders as one line naming the
/// key, the value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {key} = {value:?} (from {origin}): expected {expected}")]
    Invalid {
        key: String,
        value: String,
        origin: String,
        expected: String,
    },
    #[error("invalid configuration: unknown key {key:?} in {}", path.display())]
    UnknownKey { key: String, path: PathBuf },
    #[error("invalid configuration: cannot read {}: {reason}", path.display())]
    File { path: PathBuf, reason: String },
    #[error("refusing to start: {0}")]
    Unsafe(String),
}

impl ConfigError {
    /// The key a validation error is about, for the settings API's `details`.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } | ConfigError::UnknownKey { key, .. } => Some(key),
            _ => None,
        }
    }

    pub fn expectation(&self) -> String {
        match self {
            ConfigError::Invalid { expected, .. } => format!("expected {expected}"),
            other => other.to_string(),
        }
    }
}
