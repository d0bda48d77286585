//! `fixprov --help` of every command, the shell completions and the man page are generated from the
//! command tree and checked in under docs/cli/ (the Debian package installs them from there): any
//! change to the commands must come with the regenerated files. `FIXPROV_UPDATE_CLI=1 cargo test -p
//! fixprov-cli --test generated` writes them.

use clap_complete::Shell;
use std::path::PathBuf;

fn check(name: &str, generated: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/cli").join(name);
    if std::env::var_os("FIXPROV_UPDATE_CLI").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    let checked_in = std::fs::read(&path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "docs/cli/{name} is not what the command tree generates: run FIXPROV_UPDATE_CLI=1 cargo test -p fixprov-cli --test generated"
    );
}

#[test]
fn help_completions_and_the_man_page_match_the_checked_in_files() {
    check("help.txt", fixprov_cli::help_text().as_bytes());
    check("fixprov.1", &fixprov_cli::man_page());
    check("fixprov.bash", &fixprov_cli::completions(Shell::Bash));
    check("_fixprov", &fixprov_cli::completions(Shell::Zsh));
    check("fixprov.fish", &fixprov_cli::completions(Shell::Fish));
}

#[test]
fn the_binary_prints_the_same() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fixprov")).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        out.stdout
    };
    assert_eq!(run(&["man"]), fixprov_cli::man_page());
    assert_eq!(run(&["completions", "bash"]), fixprov_cli::completions(Shell::Bash));
    let help = String::from_utf8(run(&["--help"])).unwrap();
    assert!(fixprov_cli::help_text().starts_with(&format!("$ fixprov --help\n{}", help.trim_end())));
    assert!(help.contains("Exit codes:"), "{help}");
}
