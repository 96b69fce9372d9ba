//! The runtime's layers point one way: `oauth2` -> `resolve` -> `graph`. A module of a layer
//! names only its own layer and the ones below it; `openapi`, `services`, `testing` and
//! `__private` sit on top and may name any. This reads the runtime's sources, so a new
//! `use` against the arrows fails here rather than in review.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each layer and the top-level modules it may name.
const LAYERS: &[(&str, &[&str])] = &[
    ("graph", &["graph"]),
    ("resolve", &["resolve", "graph"]),
    ("oauth2", &["oauth2", "resolve", "graph"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules that `source` names as `crate::<module>`, outside comments and
/// macro-rules bodies (`$crate::`).
fn named_modules(source: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in source.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + "crate::".len()..];
            let ident = |text: &str| -> String {
                text.trim_start()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            };
            // `crate::{a::X, b}` names `a` and `b` (one level of braces, as rustfmt writes).
            let names: Vec<String> = match after.strip_prefix('{') {
                Some(group) => group
                    .split('}')
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(ident)
                    .collect(),
                None => vec![ident(after)],
            };
            if !before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_') {
                named.extend(names.into_iter().filter(|name| !name.is_empty()));
            }
            rest = after;
        }
    }
    named
}

#[test]
fn the_runtime_layers_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scopes-runtime/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut checked = 0;
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let Some(top) = relative.components().next() else {
            continue;
        };
        let top = top.as_os_str().to_string_lossy();
        let Some((layer, allowed)) = LAYERS.iter().find(|(layer, _)| top == *layer) else {
            continue;
        };
        let source = std::fs::read_to_string(&file).unwrap();
        for module in named_modules(&source) {
            assert!(
                allowed.contains(&module.as_str()),
                "{} (layer `{layer}`) names `crate::{module}`, against the arrows",
                relative.display()
            );
        }
        checked += 1;
    }
    assert!(
        checked >= 15,
        "only {checked} files of the three layers found"
    );
}

#[test]
fn the_scanner_sees_uses_and_paths_but_not_comments_or_macro_bodies() {
    let named = named_modules(
        "use crate::graph::Node;\n// crate::oauth2 in a comment\nlet x = crate::resolve::cached();\n$crate::__private::x\nuse crate::{services::A, testing};",
    );
    assert_eq!(
        named.into_iter().collect::<Vec<_>>(),
        ["graph", "resolve", "services", "testing"]
    );
}
