//! Settings changed at runtime through the API (layer 5 of the configuration).

use std::sync::Arc;

use crate::config::keys::{self, KeySpec, Settable};
use crate::config::{Config, RawConfig, SharedConfig, Source};
use crate::db::settings::{self as repo, HistoryRow};
use crate::db::{Db, DbError};
use crate::domain::secret::MASK;
use crate::domain::time::now_millis;

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// (key, why) for every refused key.
    #[error("invalid settings")]
    Invalid(Vec<(String, String)>),
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Clone)]
pub struct Settings {
    /// Layers 1–4, as loaded at start.
    base: Arc<RawConfig>,
    /// The configuration the process started with; keys marked "(restart)" keep these values.
    startup: Arc<Config>,
    shared: SharedConfig,
    db: Db,
}

/// Applies stored overrides on top of `base`. A stored value that no longer
/// validates is skipped with a warning rather than blocking the start.
pub fn with_overrides(base: &RawConfig, overrides: &[(String, String)]) -> RawConfig {
    let mut raw = base.clone();
    for (key, value) in overrides {
        let Some(spec) = keys::find(key).filter(|k| k.settable != Settable::No) else {
            tracing::warn!(key = %key, "ignoring a stored setting that is not settable");
            continue;
        };
        let mut candidate = raw.clone();
        candidate.set(spec, value.clone(), Source::Database);
        match Config::from_raw(&candidate) {
            Ok(_) => raw = candidate,
            Err(e) => tracing::warn!(error = %e, "ignoring an invalid stored setting"),
        }
    }
    raw
}

fn shown(spec: &KeySpec, value: Option<&str>) -> Option<String> {
    value.map(|v| {
        if spec.secret && !v.is_empty() {
            MASK.to_string()
        } else {
            v.to_string()
        }
    })
}

impl Settings {
    pub fn new(base: RawConfig, startup: Arc<Config>, shared: SharedConfig, db: Db) -> Self {
        Settings {
            base: Arc::new(base),
            startup,
            shared,
            db,
        }
    }

    /// The configuration in force now (settings changes included).
    pub fn current(&self) -> Arc<Config> {
        self.shared.current()
    }

    /// Every settable key with its effective value; secrets masked.
    pub async fn effective(&self) -> Result<Vec<(&'static str, String)>, DbError> {
        let overrides = self.db.read(repo::overrides).await?;
        Ok(self.render(&with_overrides(&self.base, &overrides)))
    }

    fn render(&self, raw: &RawConfig) -> Vec<(&'static str, String)> {
        keys::settable()
            .map(|spec| {
                (
                    spec.name,
                    shown(spec, Some(raw.get(spec.name))).unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Validates every change, then stores them all or none. `None` removes an override.
    pub async fn update(
        &self,
        changes: Vec<(String, Option<String>)>,
    ) -> Result<Vec<(&'static str, String)>, SettingsError> {
        let mut refused = Vec::new();
        let mut accepted: Vec<(&'static KeySpec, Option<String>)> = Vec::new();
        for (key, value) in changes {
            match keys::find(&key).filter(|k| k.settable != Settable::No) {
                Some(spec) => accepted.push((spec, value.map(|v| v.trim().to_string()))),
                None => refused.push((key, "not a settable key".to_string())),
            }
        }
        if !refused.is_empty() {
            return Err(SettingsError::Invalid(refused));
        }
        let base = Arc::clone(&self.base);
        let raw = self
            .db
            .write(move |conn| {
                let stored = repo::overrides(conn)?;
                let mut raw = with_overrides(&base, &stored);
                let mut refused = Vec::new();
                for (spec, value) in &accepted {
                    let mut candidate = raw.clone();
                    let v = value
                        .clone()
                        .unwrap_or_else(|| base.get(spec.name).to_string());
                    candidate.set(spec, v, Source::Database);
                    match Config::from_raw(&candidate) {
                        Ok(_) => raw = candidate,
                        Err(e) => refused.push((spec.name.to_string(), e.expectation())),
                    }
                }
                if !refused.is_empty() {
                    return Ok(Err(refused));
                }
                let now = now_millis();
                for (spec, value) in &accepted {
                    repo::apply(conn, spec.name, value.as_deref(), now)?;
                }
                Ok(Ok(raw))
            })
            .await?
            .map_err(SettingsError::Invalid)?;
        self.apply_live(&raw);
        Ok(self.render(&raw))
    }

    /// Live keys take effect now; "(restart)" keys keep their start-up values.
    fn apply_live(&self, raw: &RawConfig) {
        match Config::from_raw(raw) {
            Ok(mut config) => {
                config.enable_artwork = self.startup.enable_artwork;
                config.enable_lyrics = self.startup.enable_lyrics;
                self.shared.replace(config);
            }
            Err(e) => tracing::error!(error = %e, "validated settings failed to apply"),
        }
    }

    /// Newest first; secrets masked.
    pub async fn history(&self, limit: i64) -> Result<Vec<HistoryRow>, DbError> {
        let rows = self.db.read(move |c| repo::history(c, limit)).await?;
        Ok(rows
            .into_iter()
            .map(|mut row| {
                if let Some(spec) = keys::find(&row.key) {
                    row.old_value = shown(spec, row.old_value.as_deref());
                    row.new_value = shown(spec, row.new_value.as_deref());
                }
                row
            })
            .collect())
    }
}
