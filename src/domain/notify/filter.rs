//! A target's event filter: the event names it wants, `*` for all.

use super::kind::EVENTS;

/// Whether a target with this filter wants the event. The test message
/// reaches every target.
pub fn wants(filter: &[String], event: &str) -> bool {
    event == "test" || filter.iter().any(|f| f == "*" || f == event)
}

/// The filter as given, checked: known names (or `*`), no duplicates, at
/// least one. An empty or missing filter means all events.
pub fn parse(names: Option<Vec<String>>) -> Result<Vec<String>, String> {
    let names = match names {
        None => return Ok(vec!["*".to_string()]),
        Some(n) if n.is_empty() => return Ok(vec!["*".to_string()]),
        Some(n) => n,
    };
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim().to_string();
        if name != "*" && (name == "test" || !EVENTS.contains(&name.as_str())) {
            return Err(format!(
                "unknown event '{name}'; known: *, {}",
                EVENTS[..EVENTS.len() - 1].join(", ")
            ));
        }
        if !out.contains(&name) {
            out.push(name);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_wants_its_events_and_the_test() {
        let f = vec!["download.completed".to_string()];
        assert!(wants(&f, "download.completed"));
        assert!(!wants(&f, "wanted.failed"));
        assert!(wants(&f, "test"));
        assert!(wants(&["*".to_string()], "slskd.unreachable"));
    }

    #[test]
    fn parse_checks_names() {
        assert_eq!(parse(None).unwrap(), vec!["*"]);
        assert_eq!(parse(Some(vec![])).unwrap(), vec!["*"]);
        assert_eq!(
            parse(Some(vec![" wanted.failed".into(), "wanted.failed".into()])).unwrap(),
            vec!["wanted.failed"]
        );
        assert!(parse(Some(vec!["download.queued".into()])).is_err());
        assert!(parse(Some(vec!["test".into()])).is_err());
    }
}
