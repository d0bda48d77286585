//! Fleet mode: engines (gateways) sharing one PostgreSQL store, against a real server that the
//! tests start (tests/pg). Each test uses a database of its own.

mod pg;

use fixprov::{ClockConfig, Config, Engine, Error, LogonRefusal, LogonRequest, ManualClock, Secret};

const MASTER: &[u8] = b"correct horse battery staple";

fn config(url: &str) -> Config {
    Config {
        database_url: Some(Secret::new(url.as_bytes().to_vec())),
        master_password: Some(Secret::new(MASTER.to_vec())),
        clock: ClockConfig::Manual(ManualClock::new(1)),
        default_rules: false,
        ..Config::default()
    }
}

fn gateway(url: &str) -> Engine {
    Engine::open(config(url)).expect("a gateway on PostgreSQL")
}

fn logon(engine: &Engine, sender: &str, password: &[u8]) -> Result<u64, LogonRefusal> {
    engine.access().logon(&LogonRequest {
        sender_comp_id: sender,
        target_comp_id: "FIXPROV",
        password,
        username: None,
        peer: Some("10.1.2.3".parse().unwrap()),
    })
}

#[test]
fn a_user_provisioned_at_one_gateway_logs_on_at_another() {
    let server = pg::shared();
    let url = server.database("provision_elsewhere");
    let a = gateway(&url);
    let alice = a.access().provision("alice", None).unwrap();
    let b = gateway(&url);
    let session = logon(&b, &alice.sender_comp_id, alice.password.expose()).expect("alice logs on at B");
    assert_eq!(b.sessions().list(None).len(), 1);
    b.sessions().close(session).unwrap();
    // Both gateways write one audit chain, and it verifies from either.
    assert!(a.audit().verify().unwrap().ok);
    assert!(b.audit().verify().unwrap().ok);
}

#[test]
fn an_unreachable_database_is_a_clear_error_that_keeps_the_password_out() {
    // A port nothing listens on: the open fails as a storage error within the connect timeout.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://fixprov:hunter2-db-password@127.0.0.1:{port}/fixprov?connect_timeout=2");
    let err = Engine::open(config(&url)).expect_err("nothing listens there");
    assert!(matches!(err, Error::Storage(_)), "{err:?}");
    for shown in [err.to_string(), format!("{err:?}"), format!("{:?}", config(&url))] {
        assert!(!shown.contains("hunter2"), "the database password shows: {shown}");
    }
    let err = Engine::open(config("not a url at all")).expect_err("not a URL");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    let mut both = config(&url);
    both.data_dir = Some(std::env::temp_dir().join("fixprov-fleet-both"));
    assert!(matches!(Engine::open(both), Err(Error::InvalidArgument(_))));
}

#[test]
fn a_wrong_master_password_changes_nothing() {
    let server = pg::shared();
    let url = server.database("wrong_master");
    drop(gateway(&url));
    let mut wrong = config(&url);
    wrong.master_password = Some(Secret::new(b"wrong".to_vec()));
    assert!(matches!(Engine::open(wrong), Err(Error::WrongMasterPassword)));
    drop(gateway(&url));
}

/// Every byte the database holds for fixprov, as the database hands it out.
fn everything(server: &pg::PgServer, db: &str) -> Vec<Vec<u8>> {
    let mut client = server.client(db);
    let mut out = Vec::new();
    for row in client.query("SELECT key::bytea, value FROM fixprov.meta", &[]).unwrap() {
        out.push(row.get(0));
        out.push(row.get(1));
    }
    for row in client
        .query("SELECT tbl::bytea, key::bytea, sender_comp_id::bytea, sealed FROM fixprov.rows", &[])
        .unwrap()
    {
        for i in 0..4 {
            out.push(row.get(i));
        }
    }
    for row in client
        .query("SELECT event::bytea, subject::bytea, record::bytea, mac FROM fixprov.audit", &[])
        .unwrap()
    {
        for i in 0..4 {
            out.push(row.get(i));
        }
    }
    out
}

#[test]
fn the_database_never_holds_a_secret_in_clear() {
    let server = pg::shared();
    let url = server.database("no_clear_secret");
    let engine = gateway(&url);
    let mut secrets = vec![MASTER.to_vec()];
    for user in ["lisa", "mike", "nora"] {
        secrets.push(engine.access().provision(user, None).unwrap().password.expose().to_vec());
    }
    secrets.push(
        engine
            .access()
            .regenerate_password("mike", std::time::Duration::from_secs(60))
            .unwrap()
            .expose()
            .to_vec(),
    );
    let held = everything(&server, "no_clear_secret");
    assert!(held.len() > 20, "the database holds the store");
    for value in &held {
        for secret in &secrets {
            assert!(!value.windows(secret.len()).any(|w| w == &secret[..]), "a secret is held in clear");
        }
    }
}

#[test]
fn a_tampered_or_deleted_row_is_detected_at_open() {
    let server = pg::shared();
    let url = server.database("tampered");
    {
        let engine = gateway(&url);
        engine.access().provision("olga", None).unwrap();
        engine.access().provision("pete", None).unwrap();
    }
    let mut client = server.client("tampered");
    // One flipped byte in olga's sealed credential.
    client
        .execute(
            "UPDATE fixprov.rows SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1)
             WHERE tbl = 'credentials' AND key = 'olga'",
            &[],
        )
        .unwrap();
    let err = Engine::open(config(&url)).expect_err("a flipped byte");
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
    client
        .execute(
            "UPDATE fixprov.rows SET sealed = set_byte(sealed, 20, get_byte(sealed, 20) # 1)
             WHERE tbl = 'credentials' AND key = 'olga'",
            &[],
        )
        .unwrap();
    drop(gateway(&url));
    // A row deleted: the manifest misses it.
    client.execute("DELETE FROM fixprov.rows WHERE tbl = 'users' AND key = 'pete'", &[]).unwrap();
    let err = Engine::open(config(&url)).expect_err("a deleted row");
    assert!(matches!(err, Error::Corrupt(_)), "{err:?}");
}
