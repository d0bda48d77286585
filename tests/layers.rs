//! The layers of ARCHITECTURE.md, checked on the source: each layer names only the layers below
//! it. hot < cold < engine < admin < ffi; `src/sync.rs` and `src/error.rs` are shared by all.

use std::path::{Path, PathBuf};

/// Each layer's directory and the layers it must not name.
const LAYERS: &[(&str, &[&str])] = &[
    ("src/hot", &["cold", "engine", "admin", "ffi"]),
    ("src/cold", &["engine", "admin", "ffi"]),
    ("src/engine", &["admin", "ffi"]),
    ("src/admin", &["ffi"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether `text` (a line, or a whole file) names the crate's module `layer`: `crate::layer`, a
/// grouped `use crate::{..., layer::...}`, or a `super::` path that climbs `depth` levels to the
/// crate root and down into it (`use super::super::admin`).
fn names(text: &str, layer: &str, depth: usize) -> bool {
    let roots = ["crate::".to_string(), "super::".repeat(depth)];
    roots.iter().any(|root| {
        text.match_indices(root.as_str()).any(|(at, _)| {
            let after = &text[at + root.len()..];
            if let Some(group) = after.strip_prefix('{') {
                // A grouped import: its top-level names, up to the closing brace.
                let group = &group[..group.find('}').unwrap_or(group.len())];
                group.split(',').any(|item| {
                    let item = item.trim();
                    item == layer || item.starts_with(&format!("{layer}::"))
                })
            } else {
                after.starts_with(layer)
                    && after[layer.len()..].starts_with(|c: char| !(c.is_alphanumeric() || c == '_'))
            }
        })
    })
}

#[test]
fn no_layer_names_a_layer_above_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offences = Vec::new();
    let mut checked = 0;
    for (dir, above) in LAYERS {
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        assert!(!files.is_empty(), "{dir} has no Rust files");
        for file in files {
            let relative = file.strip_prefix(root.join("src")).unwrap();
            // src/engine/core.rs is at depth 1: `super::` is the engine module, not the crate
            // root; a file inside a module directory counts its own directories.
            let depth = relative.components().count() - 1;
            let depth = if file.file_name().is_some_and(|n| n == "mod.rs") { depth - 1 } else { depth };
            let text = std::fs::read_to_string(&file).unwrap();
            for layer in *above {
                for (n, line) in text.lines().enumerate() {
                    if names(line, layer, depth + 1) {
                        offences.push(format!(
                            "{}:{}: names {layer}: {}",
                            file.display(),
                            n + 1,
                            line.trim()
                        ));
                    }
                }
                // Grouped imports spread over several lines.
                let joined: String = text.lines().map(str::trim).collect::<Vec<_>>().join(" ");
                if names(&joined, layer, depth + 1) && !text.lines().any(|l| names(l, layer, depth + 1)) {
                    offences.push(format!("{}: names {layer} in a grouped import", file.display()));
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} files checked");
    assert!(offences.is_empty(), "layer violations:\n{}", offences.join("\n"));
}

#[test]
fn the_check_finds_an_upward_import() {
    assert!(names("use crate::admin::metrics::Metrics;", "admin", 1));
    assert!(names("    metrics: crate::admin::metrics::Metrics,", "admin", 1));
    assert!(names("use super::super::admin::Admin;", "admin", 2));
    assert!(names("use crate::{engine::Core, admin::Admin};", "admin", 1));
    assert!(names("use crate::{ engine::Core, admin };", "admin", 1));
    assert!(!names("use crate::engine::Core;", "admin", 1));
    assert!(!names("use crate::{engine::Core, error::Error};", "admin", 1));
    assert!(!names("use crate::administration::X;", "admin", 1));
    assert!(!names("use super::admin::X;", "admin", 2), "a sibling module, not the crate's");
    assert!(!names("// the admin part knows the engine", "admin", 1));
}
