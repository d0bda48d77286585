//! Country rules at logon, against small GeoIP databases (.mmdb) the tests generate with a writer
//! from crates.io (no real database is shipped or downloaded): tier and user rules, allow and deny
//! lists, unknown addresses, the database read again when its file changes, and what survives a
//! reopen.

use fixprov::{Config, CountryRule, Engine, LogonRefusal, LogonRequest, Secret};
use ipnet::IpNet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(serde::Serialize)]
struct Country<'a> {
    iso_code: &'a str,
}

#[derive(serde::Serialize)]
struct Record<'a> {
    country: Country<'a>,
}

/// Writes a country database mapping each network to a country code.
fn write_db(path: &Path, networks: &[(&str, &str)]) {
    let mut writer = mmdb_writer::Writer::new("GeoIP2-Country");
    for (network, code) in networks {
        let net: IpNet = network.parse().unwrap();
        writer.insert(net, &Record { country: Country { iso_code: code } }).unwrap();
    }
    // Write aside and rename, as a venue's updater does: a reader never sees half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, writer.to_bytes().unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

const WORLD: &[(&str, &str)] =
    &[("192.0.2.0/24", "FR"), ("198.51.100.0/24", "US"), ("2001:db8::/32", "DE"), ("127.0.0.2/32", "US")];

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("fixprov-geo-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn engine(db: &Path, unknown_allowed: bool) -> Engine {
    Engine::open(Config {
        default_rules: false,
        logon_rate: None,
        geoip_database: Some(db.to_owned()),
        geo_unknown_allowed: unknown_allowed,
        expiry_sweep: Duration::from_millis(50),
        ..Config::default()
    })
    .unwrap()
}

struct User {
    sender: String,
    password: Vec<u8>,
}

fn provision(engine: &Engine, user: &str, tier: &str) -> User {
    let c = engine.access().provision(user, Some(tier)).unwrap();
    User { sender: c.sender_comp_id, password: c.password.expose().to_vec() }
}

fn logon(engine: &Engine, user: &User, peer: Option<&str>) -> Result<(), LogonRefusal> {
    let session = engine.access().logon(&LogonRequest {
        sender_comp_id: &user.sender,
        target_comp_id: "FIXPROV",
        password: &user.password,
        username: None,
        peer: peer.map(|p| p.parse().unwrap()),
    })?;
    engine.sessions().close(session).unwrap();
    Ok(())
}

fn rule(allow: &[&str], deny: &[&str]) -> CountryRule {
    CountryRule {
        allow: allow.iter().map(|s| s.to_string()).collect(),
        deny: deny.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn the_database_tells_countries_of_v4_v6_and_mapped_addresses() {
    let dir = TempDir::new("lookup");
    let db = dir.0.join("country.mmdb");
    write_db(&db, WORLD);
    let engine = engine(&db, false);
    let country = |ip: &str| engine.access().country_of(ip.parse::<IpAddr>().unwrap());
    assert_eq!(country("192.0.2.7").as_deref(), Some("FR"));
    assert_eq!(country("::ffff:192.0.2.7").as_deref(), Some("FR"));
    assert_eq!(country("198.51.100.1").as_deref(), Some("US"));
    assert_eq!(country("2001:db8::5").as_deref(), Some("DE"));
    assert_eq!(country("203.0.113.9"), None);
}

#[test]
fn tier_and_user_rules_allow_deny_and_refuse_what_cannot_be_told() {
    let dir = TempDir::new("rules");
    let db = dir.0.join("country.mmdb");
    write_db(&db, WORLD);
    let engine = engine(&db, false);
    let alice = provision(&engine, "alice", "premium");
    let bob = provision(&engine, "bob", "basic");
    // No rule: any address, known or not, and none.
    logon(&engine, &alice, Some("203.0.113.9")).unwrap();
    logon(&engine, &alice, None).unwrap();
    // Premium: France and Germany only (codes in any case; stored upper-cased).
    engine.access().set_tier_country_rule("premium", Some(rule(&["fr", "DE"], &[]))).unwrap();
    logon(&engine, &alice, Some("192.0.2.7")).unwrap();
    logon(&engine, &alice, Some("2001:db8::5")).unwrap();
    assert_eq!(logon(&engine, &alice, Some("198.51.100.1")), Err(LogonRefusal::CountryNotAllowed));
    // Unknown to the database, or no address: refused while a rule applies (the default).
    assert_eq!(logon(&engine, &alice, Some("203.0.113.9")), Err(LogonRefusal::CountryNotAllowed));
    assert_eq!(logon(&engine, &alice, None), Err(LogonRefusal::CountryNotAllowed));
    // Basic has no rule: bob is not affected.
    logon(&engine, &bob, Some("198.51.100.1")).unwrap();
    // Alice's own rule replaces the tier's: deny France only.
    engine.access().set_country_rule("alice", Some(rule(&[], &["FR"]))).unwrap();
    assert_eq!(logon(&engine, &alice, Some("192.0.2.7")), Err(LogonRefusal::CountryNotAllowed));
    logon(&engine, &alice, Some("198.51.100.1")).unwrap();
    // An empty rule of her own: no restriction, whatever the tier says.
    engine.access().set_country_rule("alice", Some(CountryRule::default())).unwrap();
    logon(&engine, &alice, Some("203.0.113.9")).unwrap();
    // Back to the tier's.
    engine.access().set_country_rule("alice", None).unwrap();
    assert_eq!(logon(&engine, &alice, Some("198.51.100.1")), Err(LogonRefusal::CountryNotAllowed));
    let rules = engine.access().country_rules();
    assert_eq!(rules.tiers["premium"].allow, ["DE", "FR"]);
    assert!(rules.users.is_empty());
    // Bad rules: a clear error, nothing changed.
    for bad in [rule(&["FRA"], &[]), rule(&["F1"], &[]), rule(&["FR"], &["FR"])] {
        assert!(engine.access().set_tier_country_rule("premium", Some(bad)).is_err());
    }
    assert!(engine.access().set_tier_country_rule("no-such-tier", Some(rule(&["FR"], &[]))).is_err());
    assert_eq!(engine.access().country_rules(), rules);
    // The refusal's answer: its own text, 1409=7, and not a failed attempt (the password was
    // right): the pair is not locked out after many.
    for _ in 0..10 {
        assert_eq!(logon(&engine, &alice, Some("198.51.100.1")), Err(LogonRefusal::CountryNotAllowed));
    }
    assert_eq!(LogonRefusal::CountryNotAllowed.session_status(), 7);
    assert_eq!(LogonRefusal::CountryNotAllowed.text(), "Logon not allowed from this country");
    // Removing the tier's rule lifts it.
    engine.access().set_tier_country_rule("premium", None).unwrap();
    logon(&engine, &alice, Some("198.51.100.1")).unwrap();
}

#[test]
fn unknown_countries_may_be_allowed_by_configuration() {
    let dir = TempDir::new("unknown");
    let db = dir.0.join("country.mmdb");
    write_db(&db, WORLD);
    let engine = engine(&db, true);
    let carol = provision(&engine, "carol", "basic");
    engine.access().set_tier_country_rule("basic", Some(rule(&["FR"], &[]))).unwrap();
    logon(&engine, &carol, Some("203.0.113.9")).unwrap();
    logon(&engine, &carol, None).unwrap();
    assert_eq!(logon(&engine, &carol, Some("198.51.100.1")), Err(LogonRefusal::CountryNotAllowed));
}

/// Waits up to 5 s for `f` to hold.
fn eventually(mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    f()
}

#[test]
fn a_changed_file_is_read_again_without_a_restart_and_a_bad_one_keeps_the_last_good() {
    let dir = TempDir::new("reload");
    let db = dir.0.join("country.mmdb");
    write_db(&db, WORLD);
    let engine = engine(&db, false);
    let dave = provision(&engine, "dave", "basic");
    engine.access().set_tier_country_rule("basic", Some(rule(&["FR"], &[]))).unwrap();
    logon(&engine, &dave, Some("192.0.2.7")).unwrap();
    // The venue's updater replaces the file: 192.0.2.0/24 is now in the US.
    std::thread::sleep(Duration::from_millis(20));
    write_db(&db, &[("192.0.2.0/24", "US"), ("198.51.100.0/24", "FR")]);
    assert!(eventually(|| logon(&engine, &dave, Some("192.0.2.7")) == Err(LogonRefusal::CountryNotAllowed)));
    logon(&engine, &dave, Some("198.51.100.1")).unwrap();
    // A file that is not a database: the last good one stays in use, and the failure is audited.
    std::fs::write(&db, b"not a database at all").unwrap();
    let audited = || {
        engine.audit().flush().unwrap();
        let records = engine.audit().query(&fixprov::AuditQuery::default()).unwrap();
        records.iter().filter(|r| r.event == "geoip.reload").map(|r| r.details.clone()).collect::<Vec<_>>()
    };
    assert!(eventually(|| audited().iter().any(|d| d.get("error").is_some())));
    logon(&engine, &dave, Some("198.51.100.1")).unwrap();
    assert_eq!(engine.access().country_of("198.51.100.1".parse().unwrap()).as_deref(), Some("FR"));
    assert!(audited().iter().any(|d| d.get("error").is_none()), "the good reload was audited too");
}

#[test]
fn a_missing_or_unreadable_database_fails_the_open_with_a_clear_error() {
    let dir = TempDir::new("missing");
    let missing = dir.0.join("nope.mmdb");
    let err = Engine::open(Config { geoip_database: Some(missing), ..Config::default() }).unwrap_err();
    assert!(err.to_string().contains("nope.mmdb"), "{err}");
    let garbage = dir.0.join("garbage.mmdb");
    std::fs::write(&garbage, b"garbage").unwrap();
    let err = Engine::open(Config { geoip_database: Some(garbage), ..Config::default() }).unwrap_err();
    assert!(err.to_string().contains("cannot be read"), "{err}");
}

#[test]
fn rules_survive_a_reopen_and_every_change_is_audited() {
    let dir = TempDir::new("reopen");
    let db = dir.0.join("country.mmdb");
    write_db(&db, WORLD);
    let config = || Config {
        data_dir: Some(dir.0.join("store")),
        master_password: Some(Secret::new(b"correct horse battery staple".to_vec())),
        ..Config { default_rules: false, geoip_database: Some(db.clone()), ..Config::default() }
    };
    let erin = {
        let engine = Engine::open(config()).unwrap();
        let erin = provision(&engine, "erin", "standard");
        engine.access().set_tier_country_rule("standard", Some(rule(&["US"], &[]))).unwrap();
        engine.access().set_country_rule("erin", Some(rule(&[], &["US"]))).unwrap();
        erin
    };
    let engine = Engine::open(config()).unwrap();
    assert_eq!(logon(&engine, &erin, Some("198.51.100.1")), Err(LogonRefusal::CountryNotAllowed));
    logon(&engine, &erin, Some("192.0.2.7")).unwrap();
    let rules = engine.access().country_rules();
    assert_eq!((rules.tiers["standard"].allow.len(), rules.users["erin"].deny.len()), (1, 1));
    assert_eq!(engine.access().credentials("erin").unwrap().country_rule, Some(rule(&[], &["US"])));
    let records = engine.audit().query(&fixprov::AuditQuery::default()).unwrap();
    for event in ["country_rule.tier", "credential.country_rule"] {
        assert!(records.iter().any(|r| r.event == event), "{event}");
    }
}
