//! The `fixprov` command: see `fixprov --help` or `man fixprov`.

fn main() -> std::process::ExitCode {
    fixprov_cli::main()
}
