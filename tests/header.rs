//! include/fixprov.h is generated, checked in, never drifts, and compiles warning-free as C and C++.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn checked_in_header_matches_a_fresh_one() {
    let fresh = std::fs::read_to_string(env!("FIXPROV_GENERATED_HEADER")).expect("build.rs wrote the header");
    let checked_in =
        std::fs::read_to_string(root().join("include/fixprov.h")).expect("include/fixprov.h exists");
    assert!(
        fresh == checked_in,
        "include/fixprov.h is stale: run `FIXPROV_UPDATE_HEADER=1 cargo build` and commit it"
    );
}

#[test]
fn every_export_is_declared_and_documented() {
    let header = std::fs::read_to_string(root().join("include/fixprov.h")).unwrap();
    let mut exports = Vec::new();
    for entry in std::fs::read_dir(root().join("src/ffi")).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let mut lines = source.lines().peekable();
        while let Some(line) = lines.next() {
            if line.trim() == "#[no_mangle]" {
                let sig = lines.by_ref().find(|l| !l.trim_start().starts_with("#[")).unwrap();
                let name = sig.split("fn ").nth(1).unwrap().split('(').next().unwrap().to_owned();
                exports.push(name);
            }
        }
    }
    assert!(exports.len() >= 25, "{exports:?}");
    for name in &exports {
        // The declaration: a line outside any comment that names the function.
        let mut offset = 0;
        let mut at = None;
        for line in header.split_inclusive('\n') {
            let t = line.trim_start();
            if !t.starts_with('*') && !t.starts_with("/*") && line.contains(&format!("{name}(")) {
                at = Some(offset);
                break;
            }
            offset += line.len();
        }
        let at = at.unwrap_or_else(|| panic!("{name} is not declared in the header"));
        let before = &header[..at];
        let doc = &before[before.rfind("/**").unwrap()..];
        assert!(doc.contains("Thread safety:"), "{name}: no Thread safety line");
        assert!(
            doc.contains("Returns") || doc.contains("no-op") || doc.contains("Ownership"),
            "{name}: no Returns/Ownership section"
        );
    }
    for required in [
        "fixprov_version",
        "fixprov_status_str",
        "fixprov_engine_open",
        "fixprov_engine_close",
        "fixprov_tier_set",
        "fixprov_user_set_tier",
        "fixprov_session_open",
        "fixprov_session_close",
        "fixprov_session_kill",
        "fixprov_check",
        "fixprov_check_at",
        "fixprov_check_msgtype",
        "fixprov_set_event_callback",
    ] {
        assert!(exports.iter().any(|e| e == required), "{required} is not exported");
    }
}

fn compile_and_run(compiler: &str, std: &str, source: &Path, ext: &str) {
    let dir = std::env::temp_dir().join(format!("fixprov-header-{}-{std}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join(format!("version-{ext}"));
    let out = Command::new(compiler)
        .args([&format!("-std={std}"), "-Wall", "-Wextra", "-Werror", "-pedantic", "-I"])
        .arg(root().join("include"))
        .arg(source)
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap_or_else(|e| panic!("{compiler} is required: {e}"));
    assert!(out.status.success(), "{compiler} -std={std}:\n{}", String::from_utf8_lossy(&out.stderr));
    let run = Command::new(&exe).output().unwrap();
    assert!(run.status.success());
    let printed = String::from_utf8(run.stdout).unwrap();
    let expected = format!(
        "{} {} {} {}\n",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(printed, expected, "version macros of the header");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn header_compiles_as_c_and_cpp_without_warnings() {
    let c = root().join("tests/c/header_version.c");
    compile_and_run("cc", "c99", &c, "c99");
    compile_and_run("cc", "c11", &c, "c11");
    let cpp = std::env::temp_dir().join(format!("fixprov-header-{}.cpp", std::process::id()));
    std::fs::copy(&c, &cpp).unwrap();
    compile_and_run("c++", "c++14", &cpp, "cpp14");
    compile_and_run("c++", "c++17", &cpp, "cpp17");
    let _ = std::fs::remove_file(cpp);
}
