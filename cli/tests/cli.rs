//! The `fixprov` binary against a real engine's admin server on loopback: every command in table
//! and JSON form, the secrets shown once, the errors and their exit codes, the config file.

use fixprov::admin::http::TokenConfig;
use fixprov::admin::{Admin, Role};
use fixprov::{Config, Engine, LogonRequest, Secret};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

const ADMIN: &str = "admin-token-0123456789abcdef0123456789";
const VIEWER: &str = "viewer-token-0123456789abcdef012345678";

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("fixprov-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An engine with its admin server on a loopback port.
struct Gateway {
    engine: Engine,
    admin: Admin,
    url: String,
}

impl Gateway {
    fn start(config: Config) -> Gateway {
        let engine = Engine::open(config).unwrap();
        let admin = Admin::new(&engine);
        let tokens = vec![
            TokenConfig { name: "ops-admin".into(), role: Role::Admin, token: ADMIN.into() },
            TokenConfig { name: "dashboard".into(), role: Role::Viewer, token: VIEWER.into() },
        ];
        let addr = admin.start("127.0.0.1:0".parse().unwrap(), tokens, false).unwrap();
        Gateway { engine, admin, url: format!("http://{addr}") }
    }

    fn in_memory() -> Gateway {
        Gateway::start(Config { default_rules: false, ..Config::default() })
    }
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    /// The table's rows, each split on white space.
    fn rows(&self) -> Vec<Vec<&str>> {
        self.stdout.lines().map(|l| l.split_whitespace().collect()).collect()
    }

    /// Whether a row starts with these cells.
    fn has_row(&self, cells: &[&str]) -> bool {
        self.rows().iter().any(|row| row.starts_with(cells))
    }
}

/// The binary with a clean environment: no config file of the user running the tests.
fn fixprov(env: &[(&str, &str)], args: &[&str]) -> Run {
    let home = std::env::temp_dir().join("fixprov-cli-no-home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixprov"));
    command
        .args(args)
        .env_remove("FIXPROV_URL")
        .env_remove("FIXPROV_TOKEN")
        .env_remove("FIXPROV_CONFIG")
        .env("XDG_CONFIG_HOME", &home)
        .env("HOME", &home);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The binary as an admin of `gateway`.
fn admin(gateway: &Gateway, args: &[&str]) -> Run {
    fixprov(&[("FIXPROV_URL", &gateway.url), ("FIXPROV_TOKEN", ADMIN)], args)
}

fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.is_empty(), "{run:?}");
    run
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Every command, run twice: as a table for alice and with --json for bob, in an order that makes
/// each valid (provision first, revoke last). `{u}` is the user.
#[test]
fn every_command_as_a_table_and_as_json() {
    let gateway = Gateway::in_memory();
    let dir = Dir::new("walk");
    let desk = dir.file(
        "desk.json",
        r#"{"messages_per_sec": 70, "message_burst": 14, "orders_per_sec": 7, "order_burst": 14, "max_sessions": 2,
            "escalation_threshold": 0, "escalation_window_ms": 1000}"#,
    );
    let weights = dir.file("weights.json", r#"{"F": 0, "E": 5}"#);
    let facts =
        dir.file("facts.json", r#"{"kyc_level": 3, "balance": {"amount": "1500.00", "currency": "USD"}}"#);
    for user in ["alice", "bob"] {
        dir.file(&format!("rule-{user}.json"), &format!(r#"{{"id": "kyc2-{user}", "min_kyc_level": 2}}"#));
    }
    let public_key = "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=";

    type Check = fn(&Run, &str);
    let d = dir.0.display().to_string();
    let steps: Vec<(String, Check, Check)> = vec![
        (
            "provision {u} --tier premium".into(),
            |r, u| {
                assert!(r.has_row(&["USER", u]) && r.has_row(&["SENDER_COMP_ID"]), "{r:?}");
                assert!(r.rows().iter().any(|row| row[0] == "PASSWORD" && row[1].len() == 43), "{r:?}");
            },
            |r, u| {
                assert_eq!(
                    (r.json()["user"].as_str(), r.json()["password"].as_str().map(str::len)),
                    (Some(u), Some(43))
                )
            },
        ),
        (
            format!("regenerate {{u}} --overlap 60 --out {d}/{{u}}.password"),
            |r, u| {
                assert!(r.has_row(&["PASSWORD", "(written", "to"]) && r.has_row(&["USER", u]), "{r:?}");
            },
            |r, _| assert!(r.json()["password"].as_str().unwrap().starts_with("(written to "), "{r:?}"),
        ),
        (
            "expiry {u} --at-unix-ms 4102444800000".into(),
            |r, _| assert!(r.stdout.contains("4102444800000"), "{r:?}"),
            |r, _| assert!(r.stdout.contains("4102444800000"), "{r:?}"),
        ),
        (
            "ip allow {u} 10.0.0.0/8".into(),
            |r, _| assert!(r.stdout.contains("10.0.0.0/8"), "{r:?}"),
            |r, _| assert!(r.json().to_string().contains("10.0.0.0/8"), "{r:?}"),
        ),
        (
            "ip disallow {u} 10.0.0.0/8".into(),
            |r, _| assert!(!r.stdout.contains("10.0.0.0/8"), "{r:?}"),
            |r, _| assert!(!r.json().to_string().contains("10.0.0.0/8"), "{r:?}"),
        ),
        (
            "expiry {u} --never".into(),
            |r, _| assert!(!r.stdout.contains("4102444800000"), "{r:?}"),
            |r, _| assert!(!r.stdout.contains("4102444800000"), "{r:?}"),
        ),
        (
            "credentials".into(),
            |r, u| assert!(r.rows()[0][0] == "USER_ID" && r.rows().iter().any(|row| row[0] == u), "{r:?}"),
            |r, u| assert!(r.json().as_array().unwrap().iter().any(|c| c["user_id"] == u), "{r:?}"),
        ),
        (
            "credentials {u}".into(),
            |r, u| assert!(r.has_row(&["USER_ID", u]) && r.has_row(&["STATUS", "active"]), "{r:?}"),
            |r, u| assert_eq!(r.json()["user_id"], u),
        ),
        (
            "comp-id-pool set 8".into(),
            |r, _| assert!(r.has_row(&["SIZE", "8"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["size"], 8),
        ),
        (
            "comp-id-pool show".into(),
            |r, _| assert!(r.has_row(&["SIZE", "8"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["size"], 8),
        ),
        (
            format!("keys add-ed25519 {{u}} {public_key} --id {{u}}-ed-1"),
            |r, u| {
                assert!(
                    r.has_row(&["KEY_ID", &format!("{u}-ed-1")]) && r.has_row(&["KIND", "ed25519"]),
                    "{r:?}"
                )
            },
            |r, u| assert_eq!(r.json()["key_id"], format!("{u}-ed-1")),
        ),
        (
            "keys generate-hmac {u} --id {u}-hmac-1".into(),
            |r, _| assert!(r.rows().iter().any(|row| row[0] == "SECRET" && row[1].len() == 44), "{r:?}"),
            |r, _| assert_eq!(r.json()["secret"].as_str().map(str::len), Some(44)),
        ),
        (
            "keys list {u}".into(),
            |r, u| {
                assert!(r.rows()[0].starts_with(&["KEY_ID"]) && r.rows()[0].contains(&"KIND"), "{r:?}");
                assert!(
                    r.has_row(&[&format!("{u}-ed-1")])
                        && r.stdout.contains("ed25519")
                        && r.has_row(&[&format!("{u}-hmac-1")]),
                    "{r:?}"
                );
            },
            |r, _| assert_eq!(r.json().as_array().unwrap().len(), 2),
        ),
        (
            "keys revoke {u} {u}-ed-1".into(),
            |r, u| assert!(r.has_row(&["KEY_ID", &format!("{u}-ed-1")]), "{r:?}"),
            |r, u| assert_eq!(r.json(), json!({"user": u, "key_id": format!("{u}-ed-1")})),
        ),
        (
            "logon-policy set password+signature --tier premium".into(),
            |r, _| assert!(r.has_row(&["TIERS.PREMIUM", "password+signature"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["tiers"]["premium"], "password+signature"),
        ),
        (
            "logon-policy set signature --user {u}".into(),
            |r, u| assert!(r.has_row(&[&format!("USERS.{}", u.to_uppercase()), "signature"]), "{r:?}"),
            |r, u| assert_eq!(r.json()["users"][u], "signature"),
        ),
        (
            "logon-policy set tier --user {u}".into(),
            |r, u| assert!(!r.stdout.contains(&format!("USERS.{}", u.to_uppercase())), "{r:?}"),
            |r, u| assert!(r.json()["users"].get(u).is_none(), "{r:?}"),
        ),
        (
            "logon-policy set password --tier premium".into(),
            |r, _| assert!(r.has_row(&["TIERS.PREMIUM", "password"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["tiers"]["premium"], "password"),
        ),
        (
            "logon-policy list".into(),
            |r, _| assert!(r.has_row(&["TIERS.PREMIUM", "password"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["tiers"]["premium"], "password"),
        ),
        (
            "country-rules set --tier premium --allow FR,DE --deny RU".into(),
            |r, _| {
                assert!(
                    r.has_row(&["TIERS.PREMIUM.ALLOW", "DE,", "FR"])
                        && r.has_row(&["TIERS.PREMIUM.DENY", "RU"]),
                    "{r:?}"
                )
            },
            |r, _| assert_eq!(r.json()["tiers"]["premium"]["allow"], json!(["DE", "FR"])),
        ),
        (
            "country-rules set --tier premium --clear".into(),
            |r, _| assert!(!r.stdout.contains("PREMIUM"), "{r:?}"),
            |r, _| assert!(r.json()["tiers"].get("premium").is_none(), "{r:?}"),
        ),
        (
            "country-rules list".into(),
            |r, _| assert!(!r.stdout.contains("PREMIUM"), "{r:?}"),
            |r, _| assert!(r.json().is_object(), "{r:?}"),
        ),
        (
            "sessions".into(),
            |r, _| assert!(r.rows()[0].contains(&"USER") && r.stdout.contains("carol"), "{r:?}"),
            |r, _| assert!(r.json().as_array().unwrap().iter().any(|s| s["user"] == "carol"), "{r:?}"),
        ),
        (
            "sessions {u}".into(),
            |r, _| assert_eq!(r.stdout.trim(), "(none)"),
            |r, _| assert_eq!(r.json(), json!([])),
        ),
        (
            "limits".into(),
            |r, u| assert!(r.stdout.contains("USERS:") && r.stdout.contains(u), "{r:?}"),
            |r, u| assert!(r.json()["users"].as_array().unwrap().iter().any(|x| x["user"] == u), "{r:?}"),
        ),
        (
            format!("tiers set desk --file {}", desk.display()),
            |r, _| assert!(r.has_row(&["NAME", "desk"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["name"], "desk"),
        ),
        (
            "tiers list".into(),
            |r, _| {
                assert!(r.rows()[0].contains(&"NAME") && r.rows().iter().any(|row| row[0] == "desk"), "{r:?}")
            },
            |r, _| assert!(r.json().as_array().unwrap().iter().any(|t| t["name"] == "desk"), "{r:?}"),
        ),
        (
            "tiers move {u} desk".into(),
            |r, u| assert!(r.has_row(&["USER", u]) && r.has_row(&["TIER", "desk"]), "{r:?}"),
            |r, u| assert_eq!(r.json(), json!({"user": u, "tier": "desk"})),
        ),
        (
            format!("weights set desk --file {}", weights.display()),
            |r, _| assert!(r.has_row(&["WEIGHTS.E", "5"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["weights"]["E"], 5),
        ),
        (
            "weights list".into(),
            |r, _| assert!(r.has_row(&["DESK.E", "5"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["desk"]["E"], 5),
        ),
        (
            "violations reset --user {u}".into(),
            |r, _| assert!(r.has_row(&["RESET"]), "{r:?}"),
            |r, _| assert!(r.json()["reset"].is_boolean(), "{r:?}"),
        ),
        (
            format!("rules add --file {d}/rule-{{u}}.json"),
            |r, u| assert!(r.stdout.contains("RULES:") && r.stdout.contains(&format!("kyc2-{u}")), "{r:?}"),
            |r, u| {
                assert!(r.json()["rules"].as_array().unwrap().iter().any(|x| x["id"] == format!("kyc2-{u}")))
            },
        ),
        (
            "rules list".into(),
            |r, u| assert!(r.stdout.contains(&format!("kyc2-{u}")), "{r:?}"),
            |r, u| {
                assert!(r.json()["rules"].as_array().unwrap().iter().any(|x| x["id"] == format!("kyc2-{u}")))
            },
        ),
        (
            "rules disable kyc2-{u}".into(),
            |r, u| assert!(r.stdout.contains(&format!("kyc2-{u}")), "{r:?}"),
            |r, u| {
                let rules = r.json()["rules"].as_array().unwrap().clone();
                assert_eq!(rules.iter().find(|x| x["id"] == format!("kyc2-{u}")).unwrap()["enabled"], false);
            },
        ),
        (
            "rules enable kyc2-{u}".into(),
            |r, u| assert!(r.stdout.contains(&format!("kyc2-{u}")), "{r:?}"),
            |r, u| {
                let rules = r.json()["rules"].as_array().unwrap().clone();
                assert_eq!(rules.iter().find(|x| x["id"] == format!("kyc2-{u}")).unwrap()["enabled"], true);
            },
        ),
        (
            format!("accounts {{u}} --file {}", facts.display()),
            |r, _| assert!(r.has_row(&["ELIGIBLE", "true"]) && r.has_row(&["FAILURES", "-"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["eligible"], true),
        ),
        (
            "override {u} kyc2-{u} --threshold 5".into(),
            |r, _| assert!(r.has_row(&["ELIGIBLE", "false"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["eligible"], false),
        ),
        (
            "override {u} kyc2-{u} --disabled".into(),
            |r, _| assert!(r.has_row(&["ELIGIBLE", "true"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["eligible"], true),
        ),
        (
            "override {u} kyc2-{u} --clear".into(),
            |r, _| assert!(r.has_row(&["ELIGIBLE", "true"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["eligible"], true),
        ),
        (
            "bypass {u} --reason pilot".into(),
            |r, _| assert!(r.has_row(&["BYPASSED", "true"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["bypassed"], true),
        ),
        (
            "bypass {u} --clear".into(),
            |r, _| assert!(r.has_row(&["BYPASSED", "false"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["bypassed"], false),
        ),
        (
            "eligibility show {u}".into(),
            |r, _| assert!(r.has_row(&["ELIGIBLE", "true"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["eligible"], true),
        ),
        (
            "eligibility reevaluate".into(),
            |r, _| assert!(!r.stdout.trim().is_empty(), "{r:?}"),
            |r, _| assert!(r.json().is_object(), "{r:?}"),
        ),
        (
            "rules remove kyc2-{u}".into(),
            |r, u| assert!(!r.stdout.contains(&format!("kyc2-{u}")), "{r:?}"),
            |r, u| assert!(!r.json().to_string().contains(&format!("kyc2-{u}")), "{r:?}"),
        ),
        (
            "suspend {u}".into(),
            |r, u| assert!(r.has_row(&["USER", u]), "{r:?}"),
            |r, u| assert_eq!(r.json(), json!({"user": u})),
        ),
        (
            "reactivate {u}".into(),
            |r, u| assert!(r.has_row(&["USER", u]), "{r:?}"),
            |r, u| assert_eq!(r.json(), json!({"user": u})),
        ),
        (
            "kill --user {u}".into(),
            |r, _| assert!(r.has_row(&["KILLED", "0"]), "{r:?}"),
            |r, _| assert_eq!(r.json(), json!({"killed": 0})),
        ),
        (
            "stats".into(),
            |r, _| assert!(r.rows().iter().any(|row| row[0].starts_with("USERS.")), "{r:?}"),
            |r, _| assert!(r.json()["users"].is_object(), "{r:?}"),
        ),
        (
            "fleet".into(),
            |r, _| assert!(!r.stdout.trim().is_empty(), "{r:?}"),
            |r, _| assert!(r.json().is_object()),
        ),
        (
            "metrics".into(),
            |r, _| {
                assert!(
                    r.stdout.contains("fixprov_users{") && r.stdout.trim_end().ends_with("# EOF"),
                    "{r:?}"
                )
            },
            |r, _| assert!(r.stdout.trim_end().ends_with("# EOF"), "{r:?}"),
        ),
        (
            "audit query --user {u} --event credential. --limit 50".into(),
            |r, _| {
                assert!(r.rows()[0].starts_with(&["SEQ"]), "{r:?}");
                assert!(r.stdout.contains("credential.provision") && r.stdout.contains("ops-admin"), "{r:?}");
            },
            |r, u| {
                let records = r.json();
                let records = records.as_array().unwrap();
                assert!(records.len() >= 3 && records.iter().all(|x| x["subject"] == u), "{r:?}");
            },
        ),
        (
            format!("audit export --user {{u}} --out {d}/{{u}}.ndjson"),
            |r, _| assert_eq!(r.stdout, ""),
            |r, _| assert_eq!(r.stdout, ""),
        ),
        (
            "audit verify".into(),
            |r, _| assert!(r.has_row(&["OK", "true"]), "{r:?}"),
            |r, _| assert_eq!(r.json()["ok"], true),
        ),
        (
            "openapi".into(),
            |r, _| assert!(r.json()["openapi"].is_string()),
            |r, _| assert!(r.json()["paths"].is_object()),
        ),
        (
            "health".into(),
            |r, _| assert!(!r.stdout.trim().is_empty(), "{r:?}"),
            |r, _| assert!(r.json().is_object()),
        ),
        (
            "revoke {u}".into(),
            |r, u| assert!(r.has_row(&["USER", u]), "{r:?}"),
            |r, u| assert_eq!(r.json(), json!({"user": u})),
        ),
    ];

    // A live session of a third user, for `sessions` and `kill --session`.
    let carol = gateway.engine.access().provision("carol", None).unwrap();
    let session = gateway
        .engine
        .access()
        .logon(&LogonRequest {
            sender_comp_id: &carol.sender_comp_id,
            target_comp_id: &carol.target_comp_id,
            password: carol.password.expose(),
            username: None,
            peer: None,
        })
        .unwrap();

    for (template, table, as_json) in &steps {
        for (user, json) in [("alice", false), ("bob", true)] {
            let line = template.replace("{u}", user);
            let mut args: Vec<&str> = line.split(' ').collect();
            if json {
                args.push("--json");
            }
            let run = ok(admin(&gateway, &args));
            if json {
                as_json(&run, user);
            } else {
                table(&run, user);
            }
        }
    }

    // The passwords written with --out: the file alone holds them, readable by its owner alone.
    for user in ["alice", "bob"] {
        let path = dir.0.join(format!("{user}.password"));
        let password = std::fs::read_to_string(&path).unwrap();
        assert_eq!(password.trim_end().len(), 43, "{password:?}");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let export = std::fs::read_to_string(dir.0.join(format!("{user}.ndjson"))).unwrap();
        let events: Vec<Value> = export.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert!(events.iter().any(|e| e["event"] == "credential.provision"), "{export}");
        assert!(!export.contains(password.trim_end()), "the export never holds a password");
    }

    let run = ok(admin(&gateway, &["kill", "--session", &session.to_string()]));
    assert!(run.has_row(&["KILLED", "1"]), "{run:?}");
    // Killed: the host logs the peer out and closes the session.
    let run = ok(admin(&gateway, &["sessions", "--json"]));
    assert_eq!(run.json()[0]["killed"], "admin", "{run:?}");
}

#[test]
fn errors_have_their_exit_codes_and_the_gateways_words() {
    let gateway = Gateway::in_memory();
    let dir = Dir::new("errors");
    let url = gateway.url.as_str();

    // 2: usage.
    let run = fixprov(&[], &["stats"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("no admin URL"), "{run:?}");
    assert_eq!(fixprov(&[("FIXPROV_URL", url)], &["kill"]).code, 2);
    assert_eq!(fixprov(&[("FIXPROV_URL", url)], &["frobnicate"]).code, 2);
    assert_eq!(fixprov(&[("FIXPROV_URL", "ftp://127.0.0.1:1")], &["stats"]).code, 2);
    let run = admin(&gateway, &["override", "alice", "kyc", "--threshold", "lots of money"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(ok(fixprov(&[], &["--help"])).code, 0);
    assert!(ok(fixprov(&[], &["--version"])).stdout.starts_with("fixprov "));

    // 3: not found, with the gateway's code and message.
    let run = admin(&gateway, &["suspend", "nobody"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("(not_found, HTTP 404)"), "{run:?}");
    assert_eq!(run.stdout, "");
    let run = admin(&gateway, &["credentials", "nobody", "--json"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.json()["error"]["code"].is_string(), "--json prints the error too: {run:?}");

    // 1: refused.
    ok(admin(&gateway, &["provision", "alice"]));
    let run = admin(&gateway, &["ip", "allow", "alice", "not-an-address"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("HTTP 400"), "{run:?}");
    let run = admin(&gateway, &["provision", "alice"]);
    assert_eq!(run.code, 1, "provisioned twice: {run:?}");

    // 4: not authorized.
    let run = fixprov(&[("FIXPROV_URL", url)], &["stats"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("no token was given"), "{run:?}");
    let run = fixprov(&[("FIXPROV_URL", url), ("FIXPROV_TOKEN", VIEWER)], &["suspend", "alice"]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("forbidden"), "{run:?}");
    assert_eq!(ok(fixprov(&[("FIXPROV_URL", url), ("FIXPROV_TOKEN", VIEWER)], &["stats"])).code, 0);
    let run = fixprov(
        &[("FIXPROV_URL", url), ("FIXPROV_TOKEN", "wrong-token-wrong-token-wrong-token")],
        &["stats"],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(!run.stderr.contains("wrong-token"), "a token is never printed: {run:?}");

    // 5: unreachable (a port nobody listens on).
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let run = fixprov(&[("FIXPROV_URL", &format!("http://{closed}")), ("FIXPROV_TOKEN", ADMIN)], &["stats"]);
    assert_eq!(run.code, 5, "{run:?}");
    assert!(!run.stderr.contains(ADMIN) && !run.stdout.contains(ADMIN));

    // 6: a server that fails, or is not the admin API.
    for answer in [
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\noops!",
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 6\r\nConnection: close\r\n\r\n<html>",
    ] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            stream.write_all(answer.as_bytes()).unwrap();
        });
        let run =
            fixprov(&[("FIXPROV_URL", &format!("http://{addr}")), ("FIXPROV_TOKEN", ADMIN)], &["stats"]);
        assert_eq!(run.code, 6, "{run:?}");
        server.join().unwrap();
    }

    // 8: local files. Rules from a file that is not JSON, or is missing; an --out that exists
    // (nothing is provisioned then: no secret is made that nobody would receive).
    let bad = dir.file("bad.json", "{\"id\": ");
    assert_eq!(admin(&gateway, &["rules", "add", "--file", bad.to_str().unwrap()]).code, 8);
    assert_eq!(admin(&gateway, &["rules", "add", "--file", "/nonexistent/rule.json"]).code, 8);
    let taken = dir.file("taken", "keep me");
    let run = admin(&gateway, &["provision", "dave", "--out", taken.to_str().unwrap()]);
    assert_eq!(run.code, 8, "{run:?}");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "keep me");
    assert_eq!(admin(&gateway, &["credentials", "dave"]).code, 3, "dave was not provisioned");
    // A refused export leaves no file behind, and says why.
    let export = dir.0.join("export.ndjson");
    let run = fixprov(&[("FIXPROV_URL", url)], &["audit", "export", "--out", export.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("(unauthorized, HTTP 401)"), "{run:?}");
    assert!(!export.exists());
    // A refused request leaves no empty secret file behind.
    let fresh = dir.0.join("fresh");
    assert_eq!(admin(&gateway, &["regenerate", "nobody", "--out", fresh.to_str().unwrap()]).code, 3);
    assert!(!fresh.exists());
}

#[cfg(unix)]
#[test]
fn the_config_file_and_the_token_file_must_be_private() {
    let gateway = Gateway::in_memory();
    let dir = Dir::new("config");
    let config = dir.file("config.toml", &format!("url = \"{}\"\ntoken = \"{ADMIN}\"\n", gateway.url));
    let config_path = config.to_str().unwrap();

    chmod(&config, 0o644);
    let run = fixprov(&[("FIXPROV_CONFIG", config_path)], &["stats"]);
    assert_eq!(run.code, 8, "{run:?}");
    assert!(run.stderr.contains("chmod 600") && !run.stderr.contains(ADMIN), "{run:?}");
    chmod(&config, 0o600);
    ok(fixprov(&[("FIXPROV_CONFIG", config_path)], &["stats"]));
    ok(fixprov(&[], &["--config", config_path, "stats"]));

    // The user's default config file.
    let home = dir.0.join("xdg");
    std::fs::create_dir_all(home.join("fixprov")).unwrap();
    std::fs::copy(&config, home.join("fixprov/config.toml")).unwrap();
    chmod(&home.join("fixprov/config.toml"), 0o600);
    ok(fixprov(&[("XDG_CONFIG_HOME", home.to_str().unwrap())], &["stats"]));

    // Flags and the environment come before the file: a viewer token from the environment.
    let run = fixprov(&[("FIXPROV_CONFIG", config_path), ("FIXPROV_TOKEN", VIEWER)], &["suspend", "x"]);
    assert_eq!(run.code, 4, "{run:?}");

    // A token file.
    let token = dir.file("token", &format!("{ADMIN}\n"));
    chmod(&token, 0o640);
    let run = fixprov(&[("FIXPROV_URL", &gateway.url)], &["--token-file", token.to_str().unwrap(), "stats"]);
    assert_eq!(run.code, 8, "{run:?}");
    chmod(&token, 0o600);
    ok(fixprov(&[("FIXPROV_URL", &gateway.url)], &["--token-file", token.to_str().unwrap(), "stats"]));

    // An unknown key or broken TOML is a clear error.
    let broken = dir.file("broken.toml", "url = \"http://127.0.0.1:1\"\ncolour = \"red\"\n");
    let run = fixprov(&[("FIXPROV_CONFIG", broken.to_str().unwrap())], &["stats"]);
    assert_eq!(run.code, 8, "{run:?}");
    assert!(run.stderr.contains("colour"), "{run:?}");
    let missing = dir.0.join("missing.toml");
    assert_eq!(fixprov(&[("FIXPROV_CONFIG", missing.to_str().unwrap())], &["stats"]).code, 8);
}

#[test]
fn a_broken_audit_chain_exits_7() {
    let dir = Dir::new("chain");
    let config = || Config {
        data_dir: Some(dir.0.join("store")),
        master_password: Some(Secret::new(b"cli master".to_vec())),
        default_rules: false,
        ..Config::default()
    };
    let gateway = Gateway::start(config());
    ok(admin(&gateway, &["provision", "alice"]));
    ok(admin(&gateway, &["suspend", "alice"]));
    ok(admin(&gateway, &["audit", "verify"]));
    drop(gateway);

    let db = rusqlite::Connection::open(dir.0.join("store/fixprov.db")).unwrap();
    let record: String = db.query_row("SELECT record FROM audit WHERE seq = 2", [], |r| r.get(0)).unwrap();
    db.execute("UPDATE audit SET record = ?1 WHERE seq = 2", [record.replace("alice", "alicf")]).unwrap();
    drop(db);

    let gateway = Gateway::start(config());
    let run = admin(&gateway, &["audit", "verify"]);
    assert_eq!(run.code, 7, "{run:?}");
    assert!(run.has_row(&["OK", "false"]) && run.stderr.contains("audit chain is broken"), "{run:?}");
    let run = admin(&gateway, &["audit", "verify", "--json"]);
    assert_eq!((run.code, &run.json()["ok"]), (7, &json!(false)), "{run:?}");
    drop(gateway.admin);
}
