//! `fixprov`, the operator's command line: every admin API route as a command, with tables for
//! people and `--json` for scripts. The binary is `src/main.rs`; this library holds the command
//! tree (so the tests generate the completions and the man page from it) and the commands.

pub mod args;
mod client;
mod output;

use args::*;
use clap::{CommandFactory, Parser};
use client::{encode, Client};
use serde_json::{json, Value};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// The exit codes (see [`args::EXIT_CODES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    Refused = 1,
    Usage = 2,
    NotFound = 3,
    Unauthorized = 4,
    Unreachable = 5,
    ServerError = 6,
    ChainBroken = 7,
    LocalFile = 8,
}

/// Why a command failed: its exit code and a message for standard error.
#[derive(Debug)]
pub struct Failure {
    exit: Exit,
    message: String,
}

impl Failure {
    fn new(exit: Exit, message: impl Into<String>) -> Failure {
        Failure { exit, message: message.into() }
    }
}

/// The command tree (`--help`, completions and the man page come from it).
pub fn command() -> clap::Command {
    Cli::command()
}

/// Escapes text for roff.
fn roff(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-").replace('\'', "\\(aq");
    text.lines()
        .map(|l| if l.starts_with('.') { format!("\\&{l}") } else { l.to_owned() })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The man page, in roff: one page, every command with its arguments under COMMANDS.
pub fn man_page() -> Vec<u8> {
    fn commands(command: &clap::Command, path: &str, out: &mut String) {
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{path} {}", sub.get_name());
            if sub.has_subcommands() {
                commands(sub, &path, out);
                continue;
            }
            let usage = sub.clone().render_usage().to_string();
            let usage = usage.trim_start_matches("Usage: ").trim_start_matches(&path).trim();
            out.push_str(&format!(".TP\n\\fB{}\\fR {}\n", roff(&path), roff(usage)));
            out.push_str(&format!(
                "{}\n",
                roff(&sub.get_about().map(ToString::to_string).unwrap_or_default())
            ));
            for arg in sub
                .get_arguments()
                .filter(|a| !a.is_global_set() && !["help", "version"].contains(&a.get_id().as_str()))
            {
                let name = match (arg.get_long(), arg.get_value_names()) {
                    (Some(long), Some(values)) if arg.get_action().takes_values() => {
                        format!("--{long} <{}>", values[0])
                    }
                    (Some(long), _) => format!("--{long}"),
                    (None, Some(values)) => format!("<{}>", values[0]),
                    (None, None) => format!("<{}>", arg.get_id().as_str().to_uppercase()),
                };
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                out.push_str(&format!(".RS\n.TP\n\\fI{}\\fR\n{}\n.RE\n", roff(&name), roff(&help)));
            }
        }
    }
    let mut command = command();
    command.build();
    let man = clap_mangen::Man::new(command.clone());
    let mut out = Vec::new();
    let mut body = String::from(".SH COMMANDS\n");
    commands(&command, "fixprov", &mut body);
    (|| -> std::io::Result<()> {
        man.render_title(&mut out)?;
        man.render_name_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
        out.extend_from_slice(body.as_bytes());
        man.render_extra_section(&mut out)?;
        man.render_version_section(&mut out)
    })()
    .expect("writing to memory");
    out
}

/// A completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "fixprov", &mut out);
    out
}

/// `--help` of every command, each under the command line that prints it (docs/cli/help.txt).
pub fn help_text() -> String {
    fn walk(command: &mut clap::Command, path: &str, out: &mut String) {
        let help = command.render_long_help().to_string();
        out.push_str(&format!("$ {path} --help\n{}\n\n", help.trim_end()));
        for sub in command.get_subcommands_mut() {
            if sub.get_name() != "help" {
                let path = format!("{path} {}", sub.get_name());
                walk(sub, &path, out);
            }
        }
    }
    let mut command = command();
    command.build();
    let mut out = String::new();
    walk(&mut command, "fixprov", &mut out);
    out
}

/// Runs the command line `std::env::args` gives; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are successes; everything else clap refuses is a usage error.
            return ExitCode::from(if e.use_stderr() { Exit::Usage as u8 } else { Exit::Ok as u8 });
        }
    };
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("fixprov: {}", failure.message);
            }
            ExitCode::from(failure.exit as u8)
        }
    }
}

/// A request: method, path with its query, body.
struct Call {
    method: &'static str,
    path: String,
    body: Option<Value>,
}

fn get(path: impl Into<String>) -> Call {
    Call { method: "GET", path: path.into(), body: None }
}

fn post(path: &str, body: Value) -> Call {
    Call { method: "POST", path: path.into(), body: Some(body) }
}

fn with_user(path: &str, user: &str) -> String {
    format!("{path}?user={}", encode(user))
}

/// A JSON object from a file, or standard input for "-".
fn read_json(path: &Path) -> Result<Value, Failure> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| Failure::new(Exit::LocalFile, format!("{}: {e}", path.display())))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::new(Exit::LocalFile, format!("{}: not JSON: {e}", path.display())))?;
    if !value.is_object() {
        return Err(Failure::new(Exit::LocalFile, format!("{}: a JSON object is expected", path.display())));
    }
    Ok(value)
}

/// A new file, readable by its owner alone; an existing one is never overwritten.
fn create_private(path: &Path) -> Result<std::fs::File, Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|e| Failure::new(Exit::LocalFile, format!("{}: {e}", path.display())))
}

/// An --override threshold: an integer, or an amount and its currency.
fn threshold(text: &str) -> Result<Value, Failure> {
    if let Ok(n) = text.trim().parse::<u64>() {
        return Ok(json!(n));
    }
    match text.split_whitespace().collect::<Vec<_>>()[..] {
        [amount, currency] => Ok(json!({"amount": amount, "currency": currency})),
        _ => Err(Failure::new(
            Exit::Usage,
            format!(
                "--threshold takes a whole number or an amount and a currency (\"250000.00 USD\"): {text}"
            ),
        )),
    }
}

fn audit_query(filter: &AuditFilter) -> String {
    let mut query = Vec::new();
    if let Some(user) = &filter.user {
        query.push(format!("user={}", encode(user)));
    }
    if let Some(event) = &filter.event {
        query.push(format!("event={}", encode(event)));
    }
    for (name, value) in [
        ("from_unix_ms", filter.from_unix_ms),
        ("to_unix_ms", filter.to_unix_ms),
        ("after_seq", filter.after_seq),
        ("limit", filter.limit),
    ] {
        if let Some(value) = value {
            query.push(format!("{name}={value}"));
        }
    }
    if query.is_empty() {
        String::new()
    } else {
        format!("?{}", query.join("&"))
    }
}

/// The request a command makes, and the field of its answer holding a secret shown once.
fn call(command: &Command) -> Result<Call, Failure> {
    Ok(match command {
        Command::Provision { user, tier, .. } => {
            post("/admin/fix/provision", json!({"user": user, "tier": tier}))
        }
        Command::Revoke { user } => post("/admin/fix/revoke", json!({"user": user})),
        Command::Suspend { user } => post("/admin/fix/suspend", json!({"user": user})),
        Command::Reactivate { user } => post("/admin/fix/reactivate", json!({"user": user})),
        Command::Regenerate { user, overlap, .. } => {
            post("/admin/fix/regenerate-password", json!({"user": user, "overlap_secs": overlap}))
        }
        Command::Expiry { user, at_unix_ms, .. } => {
            post("/admin/fix/expiry", json!({"user": user, "expires_unix_ms": at_unix_ms}))
        }
        Command::Ip(IpCommand::Allow { user, rule }) => {
            post("/admin/fix/ip-allow", json!({"user": user, "rule": rule}))
        }
        Command::Ip(IpCommand::Disallow { user, rule }) => {
            post("/admin/fix/ip-disallow", json!({"user": user, "rule": rule}))
        }
        Command::Credentials { user: None } => get("/admin/fix/credentials"),
        Command::Credentials { user: Some(user) } => get(with_user("/admin/fix/credentials/user", user)),
        Command::Sessions { user: None } => get("/admin/fix/sessions"),
        Command::Sessions { user: Some(user) } => get(with_user("/admin/fix/sessions/user", user)),
        Command::Kill(t) => post("/admin/fix/sessions/kill", json!({"user": t.user, "session": t.session})),
        Command::Limits => get("/admin/fix/rate-limits"),
        Command::Tiers(TiersCommand::List) => get("/admin/fix/rate-limits/tiers"),
        Command::Tiers(TiersCommand::Set { name, file }) => {
            post("/admin/fix/rate-limits/tiers", json!({"name": name, "spec": read_json(file)?}))
        }
        Command::Tiers(TiersCommand::Move { user, tier }) => {
            post("/admin/fix/rate-limits/update", json!({"user": user, "tier": tier}))
        }
        Command::Weights(WeightsCommand::List) => get("/admin/fix/rate-limits/weights"),
        Command::Weights(WeightsCommand::Set { tier, file }) => {
            post("/admin/fix/rate-limits/weights", json!({"tier": tier, "weights": read_json(file)?}))
        }
        Command::Violations(ViolationsCommand::Reset(t)) => {
            post("/admin/fix/rate-limits/reset-violations", json!({"user": t.user, "session": t.session}))
        }
        Command::Rules(RulesCommand::List) => get("/admin/fix/rules"),
        Command::Rules(RulesCommand::Add { file }) => post("/admin/fix/rules/add", read_json(file)?),
        Command::Rules(RulesCommand::Remove { id }) => post("/admin/fix/rules/remove", json!({"id": id})),
        Command::Rules(RulesCommand::Enable { id }) => post("/admin/fix/rules/enable", json!({"id": id})),
        Command::Rules(RulesCommand::Disable { id }) => post("/admin/fix/rules/disable", json!({"id": id})),
        Command::Override { user, rule, disabled, threshold: value, .. } => {
            let how = match (disabled, value) {
                (true, _) => json!("disabled"),
                (false, Some(value)) => json!({"threshold": threshold(value)?}),
                (false, None) => Value::Null,
            };
            post("/admin/fix/rules/override", json!({"user": user, "rule": rule, "override": how}))
        }
        Command::Bypass { user, reason, .. } => {
            post("/admin/fix/rules/bypass", json!({"user": user, "reason": reason}))
        }
        Command::Accounts { user, file } => {
            post("/admin/fix/accounts", json!({"user": user, "facts": read_json(file)?}))
        }
        Command::Eligibility(EligibilityCommand::Show { user }) => {
            get(with_user("/admin/fix/eligibility", user))
        }
        Command::Eligibility(EligibilityCommand::Reevaluate { suspend }) => {
            post("/admin/fix/eligibility/reevaluate", json!({"suspend": suspend}))
        }
        Command::Keys(KeysCommand::List { user }) => get(with_user("/admin/fix/logon-keys", user)),
        Command::Keys(KeysCommand::AddEd25519 { user, public_key, id, expires_unix_ms }) => post(
            "/admin/fix/logon-keys/ed25519",
            json!({"user": user, "public_key": public_key, "key_id": id, "expires_unix_ms": expires_unix_ms}),
        ),
        Command::Keys(KeysCommand::GenerateHmac { user, id, expires_unix_ms, .. }) => post(
            "/admin/fix/logon-keys/hmac",
            json!({"user": user, "key_id": id, "expires_unix_ms": expires_unix_ms}),
        ),
        Command::Keys(KeysCommand::Revoke { user, key_id }) => {
            post("/admin/fix/logon-keys/revoke", json!({"user": user, "key_id": key_id}))
        }
        Command::LogonPolicy(LogonPolicyCommand::List) => get("/admin/fix/logon-policy"),
        Command::LogonPolicy(LogonPolicyCommand::Set { policy, target }) => {
            let policy = match policy {
                Policy::Password => json!("password"),
                Policy::Signature => json!("signature"),
                Policy::PasswordSignature => json!("password+signature"),
                Policy::Tier => Value::Null,
            };
            post(
                "/admin/fix/logon-policy",
                json!({"tier": target.tier, "user": target.user, "policy": policy}),
            )
        }
        Command::CountryRules(CountryRulesCommand::List) => get("/admin/fix/country-rules"),
        Command::CountryRules(CountryRulesCommand::Set { target, allow, deny, clear }) => {
            let rule = if *clear { Value::Null } else { json!({"allow": allow, "deny": deny}) };
            post("/admin/fix/country-rules", json!({"tier": target.tier, "user": target.user, "rule": rule}))
        }
        Command::CompIdPool(CompIdPoolCommand::Show) => get("/admin/fix/comp-id-pool"),
        Command::CompIdPool(CompIdPoolCommand::Set { size }) => {
            post("/admin/fix/comp-id-pool", json!({"size": size}))
        }
        Command::Stats => get("/admin/fix/stats"),
        Command::Fleet => get("/admin/fix/fleet"),
        Command::Metrics => get("/metrics"),
        Command::Audit(AuditCommand::Query(filter)) => {
            get(format!("/admin/fix/audit{}", audit_query(filter)))
        }
        Command::Audit(AuditCommand::Export { filter, .. }) => {
            get(format!("/admin/fix/audit/export{}", audit_query(filter)))
        }
        Command::Audit(AuditCommand::Verify) => get("/admin/fix/audit/verify"),
        Command::Openapi => get("/admin/fix/openapi.json"),
        Command::Health => get("/healthz"),
        Command::Completions { .. } | Command::Man => unreachable!("answered locally"),
    })
}

/// Where a command's secret shown once goes: the field, and the file (standard output otherwise).
fn secret(command: &Command) -> Option<(&'static str, Option<&Path>)> {
    match command {
        Command::Provision { out, .. } | Command::Regenerate { out, .. } => {
            Some(("password", out.out.as_deref()))
        }
        Command::Keys(KeysCommand::GenerateHmac { out, .. }) => Some(("secret", out.out.as_deref())),
        _ => None,
    }
}

/// The exit code for an HTTP status the gateway answered.
fn exit_for(status: u16) -> Exit {
    match status {
        200..=299 => Exit::Ok,
        404 => Exit::NotFound,
        401 | 403 | 429 => Exit::Unauthorized,
        400..=499 => Exit::Refused,
        _ => Exit::ServerError,
    }
}

fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}")
        .and_then(|()| stdout.flush())
        .map_err(|e| Failure::new(Exit::LocalFile, format!("standard output: {e}")))
}

/// Runs one parsed command line.
pub fn run(cli: &Cli) -> Result<(), Failure> {
    match &cli.command {
        Command::Completions { shell } => {
            return std::io::stdout()
                .write_all(&completions(*shell))
                .map_err(|e| Failure::new(Exit::LocalFile, e.to_string()))
        }
        Command::Man => {
            return std::io::stdout()
                .write_all(&man_page())
                .map_err(|e| Failure::new(Exit::LocalFile, e.to_string()))
        }
        _ => {}
    }
    let request = call(&cli.command)?;
    let client = Client::new(
        cli.url.as_deref(),
        cli.token_file.as_deref(),
        cli.config.as_deref(),
        Duration::from_secs(cli.timeout.max(1)),
    )?;
    let secret = secret(&cli.command);
    // A secret's file is created before the request, so a file that exists (or a directory that
    // cannot be written) fails before the gateway makes a secret that nobody would receive.
    let mut secret_file = match secret {
        Some((_, Some(path))) => Some((create_private(path)?, path)),
        _ => None,
    };
    if let Command::Audit(AuditCommand::Export { out, .. }) = &cli.command {
        return export(cli, &client, &request.path, out.as_deref());
    }
    let verify = matches!(cli.command, Command::Audit(AuditCommand::Verify));
    let spinner = verify.then(|| spinner("verifying the audit chain"));
    let answer = client.request(request.method, &request.path, request.body.as_ref());
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    let answer = answer.and_then(|answer| match exit_for(answer.status) {
        Exit::Ok => Ok(answer),
        exit => Err(refusal(cli, &client, answer.status, &answer.body, exit)),
    });
    let answer = match answer {
        Ok(answer) => answer,
        Err(failure) => {
            if let Some((_, Some(path))) = secret {
                // Nothing was made: the empty file goes.
                let _ = std::fs::remove_file(path);
            }
            return Err(failure);
        }
    };
    // Text answers (metrics) are printed as they are.
    let mut value: Value = match serde_json::from_str(&answer.body) {
        Ok(value) => value,
        Err(_) if matches!(cli.command, Command::Metrics) => return print(answer.body.trim_end()),
        Err(_) => {
            return Err(Failure::new(
                Exit::ServerError,
                format!("the gateway answered HTTP {} with something that is not JSON", answer.status),
            ))
        }
    };
    if let (Some((field, _)), Some((file, path))) = (secret, secret_file.as_mut()) {
        let shown = value.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
        writeln!(file, "{shown}").and_then(|()| file.sync_all()).map_err(|e| {
            Failure::new(
                Exit::LocalFile,
                format!("{}: {e} (the {field} is lost: make a new one)", path.display()),
            )
        })?;
        value[field] = json!(format!("(written to {})", path.display()));
    }
    if cli.json || matches!(cli.command, Command::Openapi) {
        print(&serde_json::to_string_pretty(&value).expect("a JSON value prints"))?;
    } else {
        print(&output::render(&value))?;
    }
    if verify && value["ok"] != json!(true) {
        return Err(Failure::new(Exit::ChainBroken, "the audit chain is broken"));
    }
    Ok(())
}

/// The failure for a refused request: the gateway's own code and message.
fn refusal(cli: &Cli, client: &Client, status: u16, body: &str, exit: Exit) -> Failure {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let error = parsed.as_ref().map(|v| &v["error"]);
    let code = error.and_then(|e| e["code"].as_str()).unwrap_or("");
    let message = error.and_then(|e| e["message"].as_str()).unwrap_or("");
    if cli.json {
        if let Some(parsed) = &parsed {
            let _ = print(&serde_json::to_string_pretty(parsed).expect("a JSON value prints"));
        }
    }
    let mut text = if code.is_empty() {
        format!("the gateway answered HTTP {status}")
    } else {
        format!("{message} ({code}, HTTP {status})")
    };
    if status == 401 && !client.has_token() {
        text.push_str(
            "; no token was given: set FIXPROV_TOKEN, use --token-file, or put token in the config file",
        );
    }
    Failure::new(exit, text)
}

fn spinner(message: &'static str) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// The audit export, streamed to a new file or standard output, with its progress on a terminal.
/// A file left half-written (the gateway refused, or the stream broke off) is removed.
fn export(cli: &Cli, client: &Client, path: &str, out: Option<&Path>) -> Result<(), Failure> {
    let mut file = out.map(create_private).transpose()?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} exporting: {pos} records, {msg}")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut bytes = 0u64;
    let stdout = std::io::stdout();
    let mut lock;
    let sink: &mut dyn Write = match file.as_mut() {
        Some(file) => file,
        None => {
            lock = stdout.lock();
            &mut lock
        }
    };
    let result = client
        .stream(path, sink, &mut |chunk| {
            bytes += chunk.len() as u64;
            bar.inc(chunk.iter().filter(|&&b| b == b'\n').count() as u64);
            bar.set_message(format!("{} KiB", bytes / 1024));
        })
        .and_then(|answer| match exit_for(answer.status) {
            Exit::Ok => Ok(()),
            exit => Err(refusal(cli, client, answer.status, &answer.body, exit)),
        })
        .and_then(|()| match file.as_mut() {
            Some(file) => file.sync_all().map_err(|e| Failure::new(Exit::LocalFile, e.to_string())),
            None => Ok(()),
        });
    bar.finish_and_clear();
    if let (Err(_), Some(out)) = (&result, out) {
        let _ = std::fs::remove_file(out);
    }
    result
}
