//! The documentation's links: every relative link in README.md, ARCHITECTURE.md, SECURITY.md,
//! BENCHMARKS.md and docs/*.md resolves to a file or folder of the repository, and none points
//! outside it (no URLs: the docs must read the same offline and never send a reader elsewhere).

use std::path::{Path, PathBuf};

fn documents(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ["README.md", "ARCHITECTURE.md", "SECURITY.md", "BENCHMARKS.md"]
        .iter()
        .map(|f| root.join(f))
        .collect();
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    out
}

/// The targets of `[text](target)` links in `markdown`, outside code blocks and code spans.
fn links(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut fenced = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop code spans: a link inside backticks is text.
        let mut text = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                text.push_str(part);
            }
        }
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].trim().to_owned());
            rest = &after[end..];
        }
    }
    out
}

#[test]
fn every_relative_link_in_the_docs_resolves_inside_the_repository() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
    let mut problems = Vec::new();
    let docs = documents(&root);
    assert!(docs.len() >= 10, "{} documents found", docs.len());
    let mut checked = 0;
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        let name = doc.strip_prefix(&root).unwrap().display().to_string();
        for target in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                problems.push(format!("{name}: {target} points outside the repository"));
                continue;
            }
            let path = target.split('#').next().unwrap_or("");
            if path.is_empty() {
                continue;
            }
            checked += 1;
            match doc.parent().unwrap().join(path).canonicalize() {
                Ok(resolved) if resolved.starts_with(&root) => {}
                Ok(resolved) => {
                    problems.push(format!("{name}: {target} leaves the repository ({})", resolved.display()))
                }
                Err(_) => problems.push(format!("{name}: {target} does not exist")),
            }
        }
    }
    assert!(checked >= 15, "only {checked} links checked: is the parser still finding them?");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_readme_is_a_front_door() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(readme.lines().count() <= 150, "README.md has {} lines", readme.lines().count());
    for doc in ["SECURITY.md", "ARCHITECTURE.md", "BENCHMARKS.md"] {
        assert!(readme.contains(&format!("]({doc})")), "README.md does not link {doc}");
    }
}

#[test]
fn the_link_parser_sees_links_and_skips_code() {
    let md = "see [a](x.md) and [b](y/z.md#part)\n`[c](skip.md)`\n```\n[d](skip.md)\n```\n[e](#local)";
    assert_eq!(links(md), ["x.md", "y/z.md#part", "#local"]);
}
