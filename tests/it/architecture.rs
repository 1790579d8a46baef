//! The shape of `src/`, checked: no module imports one that imports it back
//! (directly or around a loop), and the lower layers never reach up —
//! `domain` is pure, `db` knows only `domain`, the lifecycle knows only
//! `db`, `domain` and the typed jobs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Module path (`db::downloads`) → source, tests cut off, comments dropped.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).unwrap().with_extension("");
                let mut name = rel.to_string_lossy().replace('/', "::");
                if let Some(parent) = name.strip_suffix("::mod") {
                    name = parent.to_string();
                }
                if name == "lib" || name == "main" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
                let code: Vec<&str> = code
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect();
                out.insert(name, code.join("\n"));
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// Which modules each module names (`crate::…`, `super::…`, `self::…`).
fn graph(mods: &BTreeMap<String, String>) -> Graph {
    let mut graph = Graph::new();
    for (name, code) in mods {
        let mut uses = BTreeSet::new();
        let bytes = code.as_bytes();
        for (start, _) in code
            .match_indices("crate::")
            .chain(code.match_indices("super::"))
            .chain(code.match_indices("self::"))
        {
            if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                continue;
            }
            let path: String = code[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if let Some(target) = resolve(name, &path, mods) {
                if target != *name
                    && !target.starts_with(&format!("{name}::"))
                    && !name.starts_with(&format!("{target}::"))
                {
                    uses.insert(target);
                }
            }
        }
        graph.insert(name.clone(), uses);
    }
    graph
}

/// The longest module the path names.
fn resolve(from: &str, path: &str, mods: &BTreeMap<String, String>) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut base: Vec<&str> = from.split("::").collect();
    match parts.first().copied() {
        Some("crate") => {
            base.clear();
            parts.remove(0);
        }
        Some("super") => {
            while parts.first() == Some(&"super") {
                base.pop();
                parts.remove(0);
            }
        }
        Some("self") => {
            parts.remove(0);
        }
        _ => return None,
    }
    (0..=parts.len()).rev().find_map(|n| {
        let candidate: Vec<&str> = base
            .iter()
            .copied()
            .chain(parts[..n].iter().copied())
            .collect();
        let name = candidate.join("::");
        mods.contains_key(&name).then_some(name)
    })
}

/// Strongly connected groups of more than one node (Tarjan).
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct State<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.graph.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                group.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                s.found.push(group);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn top(name: &str) -> &str {
    name.split("::").next().unwrap_or(name)
}

fn layers(graph: &Graph) -> Graph {
    let mut out = Graph::new();
    for (from, uses) in graph {
        for to in uses {
            if top(from) != top(to) {
                out.entry(top(from).to_string())
                    .or_default()
                    .insert(top(to).to_string());
            }
        }
    }
    out
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = graph(&modules());
    assert!(
        graph.len() > 100,
        "the source was found ({} modules)",
        graph.len()
    );
    assert_eq!(
        cycles(&graph),
        Vec::<Vec<String>>::new(),
        "import cycles between files"
    );
    assert_eq!(
        cycles(&layers(&graph)),
        Vec::<Vec<String>>::new(),
        "import cycles between top-level modules"
    );
}

#[test]
fn the_lower_layers_never_reach_up() {
    let layers = layers(&graph(&modules()));
    let allowed: [(&str, &[&str]); 4] = [
        ("domain", &[]),
        ("db", &["domain"]),
        ("jobs", &["domain"]),
        ("lifecycle", &["db", "domain", "jobs"]),
    ];
    for (layer, may_use) in allowed {
        let uses = layers.get(layer).cloned().unwrap_or_default();
        let beyond: Vec<&String> = uses
            .iter()
            .filter(|u| !may_use.contains(&u.as_str()))
            .collect();
        assert!(beyond.is_empty(), "{layer} uses {beyond:?}");
    }
}

#[test]
fn the_checker_sees_a_loop() {
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".to_string()].into());
    graph.insert("b".into(), ["a".to_string()].into());
    graph.insert("c".into(), ["a".to_string()].into());
    assert_eq!(cycles(&graph).len(), 1);
}
