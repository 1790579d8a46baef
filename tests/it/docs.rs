//! The documents that tell what the code does: `docs/configuration.md` lists
//! every key with its default, the README stays a front door whose links
//! lead somewhere and whose test command is the one CI runs.

use std::path::{Path, PathBuf};

use harmony::config::keys::{Settable, KEYS};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The cells of the table row of `key`, without the key itself.
fn row<'a>(text: &'a str, key: &str) -> Option<Vec<&'a str>> {
    let start = format!("| `{key}` |");
    text.lines().find(|l| l.starts_with(&start)).map(|l| {
        l[start.len()..]
            .trim_end_matches('|')
            .split(" | ")
            .map(str::trim)
            .collect()
    })
}

#[test]
fn configuration_md_lists_every_key_with_its_default_and_how_it_is_set() {
    let text = read("docs/configuration.md");
    for spec in KEYS {
        let cells = row(&text, spec.name)
            .unwrap_or_else(|| panic!("{} has no row in docs/configuration.md", spec.name));
        let default = cells[0];
        if spec.default.is_empty() {
            assert!(default.starts_with("empty"), "{}: {default}", spec.name);
        } else {
            assert_eq!(default, format!("`{}`", spec.default), "{}", spec.name);
        }
        assert!(!cells[1].is_empty(), "{} has no meaning", spec.name);
        let flags = cells.get(2).copied().unwrap_or_default();
        let settable = match spec.settable {
            Settable::No => None,
            Settable::Live => Some("live"),
            Settable::Restart => Some("restart"),
        };
        assert_eq!(
            settable.map(|s| flags.contains(s)),
            settable.map(|_| true),
            "{}: settable column {flags:?}",
            spec.name
        );
        assert_eq!(
            flags.contains("secret"),
            spec.secret,
            "{}: secret column {flags:?}",
            spec.name
        );
    }
    // No row for a key the code does not have.
    let rows = text
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains("` |"))
        .count();
    assert_eq!(rows, KEYS.len(), "a row for an unknown key");
}

#[test]
fn the_readme_is_a_front_door() {
    let readme = read("README.md");
    assert!(
        readme.lines().count() <= 260,
        "README.md has {} lines; details belong in docs/",
        readme.lines().count()
    );
    assert!(readme.contains("docs/screenshots/dashboard-desktop-light.png"));
    for page in [
        "configuration",
        "api",
        "architecture",
        "benchmarks",
        "testing",
        "deployment",
        "library",
        "notifications",
        "ui",
    ] {
        assert!(
            readme.contains(&format!("(docs/{page}.md)")),
            "README does not link docs/{page}.md"
        );
    }
}

#[test]
fn every_relative_link_in_readme_and_docs_leads_to_a_file() {
    let mut pages = vec![PathBuf::from("README.md")];
    for entry in std::fs::read_dir(repo("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path.strip_prefix(repo("")).unwrap().to_path_buf());
        }
    }
    for page in pages {
        let text = read(&page.display().to_string());
        let dir = repo(&page.display().to_string())
            .parent()
            .unwrap()
            .to_path_buf();
        for target in text.split("](").skip(1).filter_map(|s| s.split(')').next()) {
            let target = target.split('#').next().unwrap_or_default();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            assert!(
                dir.join(target).exists(),
                "{}: link to {target} leads nowhere",
                page.display()
            );
        }
    }
}

#[test]
fn ci_runs_exactly_the_test_command_the_readme_gives() {
    let readme = read("README.md");
    let command = readme
        .lines()
        .find(|l| l.contains("# run every test"))
        .and_then(|l| l.split('#').next())
        .map(str::trim)
        .expect("the README's test command");
    let ci = read(".ci/run");
    let last = ci
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap();
    assert_eq!(
        last, command,
        ".ci/run must end with the README's test command"
    );
}
