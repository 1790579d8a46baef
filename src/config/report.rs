//! What `harmony config check` prints: every key with its effective value
//! (secrets masked) and where that value came from. The output is a TOML
//! document, so it can be copied into a settings file.

use std::fmt::Write;

use super::keys::KEYS;
use super::raw::RawConfig;
use super::typed::Config;
use crate::domain::secret::MASK;

/// One line per key, in the key table's order, each ending with a comment
/// naming its source (`default`, a file's path, `environment`, `settings
/// database`). Keys whose empty value means "derived" say what it means.
pub fn render(raw: &RawConfig, config: &Config) -> String {
    let width = KEYS.iter().map(|k| k.name.len()).max().unwrap_or(0);
    let mut out = format!(
        "# configuration ok: {} (from {})\n",
        config.bind,
        raw.sources().join(", ")
    );
    for spec in KEYS {
        let value = raw.get(spec.name);
        let shown = if spec.secret && !value.is_empty() {
            MASK
        } else {
            value
        };
        let quoted = toml::Value::String(shown.to_string()).to_string();
        let mut comment = raw.source(spec.name).to_string();
        if let Some(derived) = derived(spec.name, value, config) {
            let _ = write!(comment, "; means {derived}");
        }
        let _ = writeln!(out, "{:<width$} = {quoted}  # {comment}", spec.name);
    }
    out
}

/// What an empty value of a key with a derived default stands for.
fn derived(name: &str, value: &str, config: &Config) -> Option<String> {
    if !value.is_empty() {
        return None;
    }
    let path = match name {
        "DATABASE_URL" => &config.database_path,
        "ARTWORK_DIR" => &config.artwork_dir,
        "PLAYLISTS_DIR" => &config.playlists_dir,
        _ => return None,
    };
    Some(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keys;
    use crate::config::Source;

    fn rendered(set: &[(&str, &str, Source)]) -> String {
        let mut raw = RawConfig::defaults();
        for (name, value, source) in set {
            raw.set(keys::find(name).unwrap(), value.to_string(), source.clone());
        }
        let config = Config::from_raw(&raw).unwrap();
        render(&raw, &config)
    }

    #[test]
    fn every_key_once_with_its_source_and_secrets_masked() {
        let out = rendered(&[
            ("SLSKD_API_KEY", "s3cr3t", Source::Environment),
            ("MATCH_MIN_SCORE", "0.8", Source::Database),
        ]);
        assert!(!out.contains("s3cr3t"), "{out}");
        let table: toml::Table = out.parse().unwrap();
        assert_eq!(table.len(), KEYS.len());
        let line = |key: &str| {
            out.lines()
                .find(|l| l.starts_with(&format!("{key} ")))
                .unwrap()
                .to_string()
        };
        assert!(line("SLSKD_API_KEY").ends_with("= \"********\"  # environment"));
        assert!(line("MATCH_MIN_SCORE").ends_with("= \"0.8\"  # settings database"));
        assert!(line("HARMONY_BIND").ends_with("= \"127.0.0.1:8080\"  # default"));
        // An unset secret shows as empty, so one can see it is unset.
        assert!(line("PLEX_TOKEN").ends_with("= \"\"  # default"));
        assert!(line("DATABASE_URL").contains("means ./data/harmony.db"));
    }
}
