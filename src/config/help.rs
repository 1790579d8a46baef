//! Each key's help text: the comment above it in `config/default.toml`
//! (which a test keeps equal to the key table), so the settings page and
//! the file never disagree.

use std::collections::HashMap;
use std::sync::OnceLock;

const DEFAULTS: &str = include_str!("../../config/default.toml");

/// key → the comment lines right above it, joined.
pub fn parse(text: &str) -> HashMap<String, String> {
    let mut help = HashMap::new();
    let mut comment: Vec<&str> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim());
        } else if let Some((key, _)) = line.split_once('=') {
            if !comment.is_empty() {
                help.insert(key.trim().to_string(), comment.join(" "));
            }
            comment.clear();
        } else {
            comment.clear();
        }
    }
    help
}

/// The help text of a key, if the file has one.
pub fn of(key: &str) -> Option<&'static str> {
    static HELP: OnceLock<HashMap<String, String>> = OnceLock::new();
    HELP.get_or_init(|| parse(DEFAULTS))
        .get(key)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comment_above_a_key_is_its_help() {
        let help = parse("# Intro.\n\n# Listen address.\n# Loopback only.\nHARMONY_BIND = \"x\"\nNO_HELP = \"1\"\n");
        assert_eq!(
            help.get("HARMONY_BIND").map(String::as_str),
            Some("Listen address. Loopback only.")
        );
        assert!(!help.contains_key("NO_HELP"));
    }

    #[test]
    fn every_settable_key_has_help() {
        for spec in crate::config::keys::settable() {
            assert!(
                of(spec.name).is_some(),
                "{} has no comment in config/default.toml",
                spec.name
            );
        }
    }
}
