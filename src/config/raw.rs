//! The layered, untyped view of the configuration: one text value per key and
//! where it came from. Layers are merged lowest precedence first.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::keys::{self, KeySpec, KEYS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File(PathBuf),
    Environment,
    Database,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Environment => f.write_str("environment"),
            Source::Database => f.write_str("settings database"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RawValue {
    pub value: String,
    pub source: Source,
}

#[derive(Debug, Clone)]
pub struct RawConfig {
    values: BTreeMap<&'static str, RawValue>,
}

impl Default for RawConfig {
    fn default() -> Self {
        Self::defaults()
    }
}

impl RawConfig {
    /// Layer 1: the defaults in code.
    pub fn defaults() -> Self {
        let values = KEYS
            .iter()
            .map(|k| {
                (
                    k.name,
                    RawValue {
                        value: k.default.to_string(),
                        source: Source::Default,
                    },
                )
            })
            .collect();
        RawConfig { values }
    }

    /// Layers 2 and 3: a TOML file whose top-level keys are the key names
    /// (case-insensitive). Unknown keys and nested tables are errors.
    pub fn merge_toml_str(&mut self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ConfigError::File {
                path: path.to_path_buf(),
                reason: e.message().to_string(),
            })?;
        for (name, value) in table {
            let spec = keys::find(&name).ok_or_else(|| ConfigError::UnknownKey {
                key: name.clone(),
                path: path.to_path_buf(),
            })?;
            // Notification targets may be written as `[[NOTIFY_TARGETS]]` tables.
            let structured = (spec.name == "NOTIFY_TARGETS" && value.is_array())
                .then(|| serde_json::to_string(&value).ok())
                .flatten();
            let text = structured.or_else(|| toml_to_text(&value)).ok_or_else(|| {
                ConfigError::Invalid {
                    key: spec.name.to_string(),
                    value: value.to_string(),
                    origin: path.display().to_string(),
                    expected: "a string, number, boolean or list of strings".to_string(),
                }
            })?;
            self.set(spec, text, Source::File(path.to_path_buf()));
        }
        Ok(())
    }

    pub fn merge_toml_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        self.merge_toml_str(&text, path)
    }

    /// Layer 4: environment variables named exactly like the keys. Unrelated
    /// variables are not looked at.
    pub fn merge_env(&mut self, lookup: impl Fn(&str) -> Option<String>) {
        for spec in KEYS {
            if let Some(value) = lookup(spec.name) {
                self.set(spec, value, Source::Environment);
            }
        }
    }

    pub fn set(&mut self, spec: &KeySpec, value: String, source: Source) {
        self.values.insert(spec.name, RawValue { value, source });
    }

    /// The value of a known key; every key has one (its default at least).
    pub fn get(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(|v| v.value.as_str())
            .unwrap_or_default()
    }

    pub fn source(&self, name: &str) -> Source {
        self.values
            .get(name)
            .map(|v| v.source.clone())
            .unwrap_or(Source::Default)
    }

    /// The distinct sources that contributed, for the start-up log line.
    pub fn sources(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in self.values.values() {
            let s = v.source.to_string();
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }
}

fn toml_to_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Array(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|v| match v {
                    toml::Value::Array(_) | toml::Value::Table(_) => None,
                    other => toml_to_text(other),
                })
                .collect();
            parts.map(|p| p.join(","))
        }
        toml::Value::Datetime(_) | toml::Value::Table(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win() {
        let mut raw = RawConfig::defaults();
        assert_eq!(raw.get("SLSKD_URL"), "http://localhost:5030");
        raw.merge_toml_str(
            "slskd_url = \"http://nas:5030\"\nSYNC_WORKER_CONCURRENCY = 3",
            Path::new("a.toml"),
        )
        .unwrap();
        assert_eq!(raw.get("SLSKD_URL"), "http://nas:5030");
        assert_eq!(raw.get("SYNC_WORKER_CONCURRENCY"), "3");
        raw.merge_env(|k| (k == "SLSKD_URL").then(|| "http://env:5030".to_string()));
        assert_eq!(raw.get("SLSKD_URL"), "http://env:5030");
        assert_eq!(raw.source("SLSKD_URL"), Source::Environment);
        assert_eq!(
            raw.source("SYNC_WORKER_CONCURRENCY"),
            Source::File("a.toml".into())
        );
    }

    #[test]
    fn unknown_key_in_a_file_is_an_error() {
        let mut raw = RawConfig::defaults();
        let err = raw
            .merge_toml_str("SLSKD_URLL = \"x\"", Path::new("b.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("SLSKD_URLL"), "{err}");
        assert!(err.to_string().contains("b.toml"), "{err}");
    }

    #[test]
    fn nested_tables_are_refused_and_lists_are_joined() {
        let mut raw = RawConfig::defaults();
        assert!(raw
            .merge_toml_str("[SLSKD_URL]\nx = 1", Path::new("c.toml"))
            .is_err());
        raw.merge_toml_str(
            "MATCH_PREFERRED_FORMATS = [\"flac\", \"opus\"]",
            Path::new("c.toml"),
        )
        .unwrap();
        assert_eq!(raw.get("MATCH_PREFERRED_FORMATS"), "flac,opus");
    }

    #[test]
    fn notification_targets_may_be_tables() {
        let mut raw = RawConfig::defaults();
        raw.merge_toml_str(
            "[[NOTIFY_TARGETS]]\nname = \"phone\"\nkind = \"ntfy\"\nurl = \"http://n/t\"\nevents = [\"wanted.failed\"]",
            Path::new("d.toml"),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(raw.get("NOTIFY_TARGETS")).unwrap();
        assert_eq!(v[0]["name"], "phone");
        assert_eq!(v[0]["events"][0], "wanted.failed");
    }
}
