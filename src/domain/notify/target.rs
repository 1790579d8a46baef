//! A target's settings, checked the same way whether they come through the
//! API or the settings file (`NOTIFY_TARGETS`).

use serde::Deserialize;

use super::filter;
use super::kind::TargetKind;
use crate::domain::secret::Secret;

/// A target as declared: every field but `name`, `kind` and `url` optional.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TargetInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub url: Option<String>,
    pub secret: Option<String>,
    pub apprise_key: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// Checked settings of a target.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTarget {
    pub name: String,
    pub kind: TargetKind,
    pub url: String,
    pub secret: Option<Secret>,
    pub apprise_key: Option<String>,
    pub events: Vec<String>,
    pub enabled: bool,
}

/// Which field is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> FieldProblem {
    FieldProblem {
        field,
        message: message.into(),
    }
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

/// Checks a complete target.
pub fn validate(input: TargetInput) -> Result<ValidTarget, FieldProblem> {
    let name = trimmed(input.name).ok_or_else(|| problem("name", "is required"))?;
    if name.chars().count() > 100 {
        return Err(problem("name", "must be at most 100 characters"));
    }
    let kind: TargetKind = trimmed(input.kind)
        .ok_or_else(|| problem("kind", "is required"))?
        .parse()
        .map_err(|e: super::kind::UnknownKind| problem("kind", e.to_string()))?;
    let url = trimmed(input.url).ok_or_else(|| problem("url", "is required"))?;
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
        .ok_or_else(|| problem("url", "must be an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err(problem(
            "url",
            "must be an http:// or https:// URL with a host",
        ));
    }
    let secret = trimmed(input.secret).map(Secret::new);
    if kind.requires_secret() && secret.is_none() {
        return Err(problem("secret", "the Gotify app token is required"));
    }
    let apprise_key = trimmed(input.apprise_key);
    if let Some(key) = &apprise_key {
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(problem("apprise_key", "letters, digits, - and _ only"));
        }
    }
    let events = filter::parse(input.events).map_err(|m| problem("events", m))?;
    Ok(ValidTarget {
        name,
        kind,
        url,
        secret,
        apprise_key,
        events,
        enabled: input.enabled.unwrap_or(true),
    })
}

/// `NOTIFY_TARGETS`: a JSON array of targets (empty text: none); names unique.
pub fn parse_declared(text: &str) -> Result<Vec<ValidTarget>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let inputs: Vec<TargetInput> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON array of targets ({e})"))?;
    let mut out: Vec<ValidTarget> = Vec::new();
    for (i, input) in inputs.into_iter().enumerate() {
        let t =
            validate(input).map_err(|p| format!("target {}: {}: {}", i + 1, p.field, p.message))?;
        if out.iter().any(|o| o.name == t.name) {
            return Err(format!(
                "target {}: name '{}' is declared twice",
                i + 1,
                t.name
            ));
        }
        out.push(t);
    }
    Ok(out)
}

/// A URL as answers show it: Discord's webhook token (the last path
/// segment) and any credentials are masked.
pub fn masked_url(kind: TargetKind, url: &str) -> String {
    let mask = crate::domain::secret::MASK;
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("{mask}@{host}"),
        None => authority.to_string(),
    };
    let path = match (kind, path.rsplit_once('/')) {
        (TargetKind::Discord, Some((head, tail))) if !tail.is_empty() => format!("{head}/{mask}"),
        _ => path.to_string(),
    };
    // A query may carry a token (`?token=`, `?auth=`).
    let path = match path.split_once('?') {
        Some((p, _)) => format!("{p}?{mask}"),
        None => path,
    };
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str, url: &str) -> TargetInput {
        TargetInput {
            name: Some("n".into()),
            kind: Some(kind.into()),
            url: Some(url.into()),
            ..TargetInput::default()
        }
    }

    #[test]
    fn fields_are_checked_and_named() {
        assert!(validate(input("webhook", "http://h/x")).is_ok());
        assert_eq!(
            validate(input("slack", "http://h")).unwrap_err().field,
            "kind"
        );
        assert_eq!(validate(input("ntfy", "ftp://h")).unwrap_err().field, "url");
        assert_eq!(validate(input("ntfy", "http://")).unwrap_err().field, "url");
        assert_eq!(
            validate(input("gotify", "http://h")).unwrap_err().field,
            "secret"
        );
        let mut bad = input("webhook", "http://h");
        bad.events = Some(vec!["nope".into()]);
        assert_eq!(validate(bad).unwrap_err().field, "events");
    }

    #[test]
    fn declared_targets_parse_and_names_are_unique() {
        let ok = parse_declared(
            r#"[{"name":"a","kind":"ntfy","url":"http://n/t","secret":"tk"},
                {"name":"b","kind":"apprise","url":"http://a","apprise_key":"k"}]"#,
        )
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].events, vec!["*"]);
        assert!(!format!("{ok:?}").contains("tk"));
        assert!(parse_declared("").unwrap().is_empty());
        assert!(parse_declared("{").is_err());
        assert!(parse_declared(r#"[{"name":"a","kind":"ntfy","url":"http://n"},{"name":"a","kind":"ntfy","url":"http://n"}]"#).is_err());
    }

    #[test]
    fn urls_are_masked() {
        assert_eq!(
            masked_url(
                TargetKind::Discord,
                "https://discord.com/api/webhooks/1/tok"
            ),
            "https://discord.com/api/webhooks/1/********"
        );
        assert_eq!(
            masked_url(TargetKind::Ntfy, "https://u:p@ntfy.sh/topic?auth=x"),
            "https://********@ntfy.sh/topic?********"
        );
        assert_eq!(
            masked_url(TargetKind::Webhook, "http://h:1/hook"),
            "http://h:1/hook"
        );
    }
}
