//! Statistics add up over live and closed sessions.

use fixprov::{Config, Engine, LogonRequest, MsgClass, TierSpec};

fn config() -> Config {
    Config { default_rules: false, ..Config::default() }
}

#[test]
fn statistics_add_up_over_live_and_closed_sessions() {
    let engine = Engine::open(config()).unwrap();
    engine.tiers().set("one", TierSpec { escalation_threshold: 0, ..TierSpec::new(1, 100, 5, 2) }).unwrap();
    let a = engine.access().provision("a", Some("one")).unwrap();
    engine.access().provision("b", Some("premium")).unwrap();
    engine.access().provision("c", None).unwrap();
    engine.access().suspend("c").unwrap();
    engine.tiers().assign("d", "basic").unwrap(); // known, never provisioned
    let logon = |password: &[u8]| {
        engine.access().logon(&LogonRequest {
            sender_comp_id: &a.sender_comp_id,
            target_comp_id: "FIXPROV",
            password,
            username: None,
            peer: None,
        })
    };
    assert!(logon(b"wrong").is_err());
    let s1 = logon(a.password.expose()).unwrap();
    let s2 = logon(a.password.expose()).unwrap();
    for s in [s1, s2] {
        for _ in 0..5 {
            engine.check(s, MsgClass::Order); // 2 admitted, 3 throttled each
        }
        engine.check(s, MsgClass::Other); // throttled: the 2 orders spent the message burst too
    }
    engine.sessions().close(s2).unwrap();
    let b = engine.sessions().open("b").unwrap();
    engine.check(b, MsgClass::Other);

    let stats = engine.stats();
    assert_eq!(
        (stats.users.total, stats.users.active, stats.users.suspended, stats.users.unprovisioned),
        (4, 2, 1, 1)
    );
    assert_eq!(stats.credentials, 3);
    assert_eq!(
        (stats.totals.live_sessions, stats.totals.messages, stats.totals.orders, stats.totals.throttled),
        (2, 5, 4, 8),
        "closed sessions still count"
    );
    let one = &stats.tiers["one"];
    assert_eq!((one.live_sessions, one.messages, one.throttled), (1, 4, 8));
    assert_eq!(stats.tiers["premium"].messages, 1);
    assert_eq!(stats.logons.accepted, 2);
    assert_eq!(stats.logons.refused["bad_credentials"], 1);
    assert_eq!(stats.top_violators, [("a".to_string(), 8)]);
    let json = serde_json::to_value(&stats).unwrap();
    assert_eq!(json["totals"]["orders"], 4);
}
