//! The enforcement core through its Rust API, on a manual clock so every decision is exact.

use fixprov::{ClockConfig, Config, Engine, EventKind, KillReason, ManualClock, MsgClass, TierSpec, Verdict};
use std::sync::{Arc, Barrier, Mutex};

const SEC: u64 = 1_000_000_000;
const MS: u64 = 1_000_000;

fn engine() -> (Engine, Arc<ManualClock>) {
    let clock = ManualClock::new(1_000 * SEC);
    let engine =
        Engine::open(Config { clock: ClockConfig::Manual(clock.clone()), ..Config::default() }).unwrap();
    (engine, clock)
}

fn session(engine: &Engine, user: &str, tier: &str) -> u64 {
    engine.tiers().assign(user, tier).unwrap();
    engine.sessions().open(user).unwrap()
}

fn count(engine: &Engine, s: u64, class: MsgClass, n: usize) -> [usize; 3] {
    let mut seen = [0; 3];
    for _ in 0..n {
        match engine.check(s, class) {
            Verdict::Ok => seen[0] += 1,
            Verdict::Throttled => seen[1] += 1,
            Verdict::Disconnect => seen[2] += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    seen
}

#[test]
fn basic_tier_admits_its_burst_then_its_rate() {
    let (engine, clock) = engine();
    let s = session(&engine, "alice", "basic");
    // Basic: 5 orders/s, 20 messages/s, burst 10 each; escalation after 20 violations in 1 s.
    assert_eq!(count(&engine, s, MsgClass::Order, 15), [10, 5, 0]);
    // One order token every 200 ms, exactly.
    clock.advance(200 * MS - 1);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    clock.advance(1);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Ok);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    // Messages: 11 of 20/s burst 10 spent; the message bucket earned 4 tokens over 200 ms, so
    // 10 - 11 + 4 = 3 are left... counted exactly:
    let c = engine.sessions().counters(s).unwrap();
    assert_eq!((c.messages, c.orders, c.throttled), (11, 11, 7));
}

#[test]
fn non_orders_do_not_spend_order_tokens() {
    let (engine, _clock) = engine();
    let s = session(&engine, "bob", "standard");
    // Standard: 20 orders/s, 100 msgs/s, burst 40 each.
    assert_eq!(count(&engine, s, MsgClass::Other, 30), [30, 0, 0]);
    // 10 message tokens left: orders are now limited by messages, and a refused order keeps no
    // order token (the refund), so after time passes orders flow again at the right rate.
    assert_eq!(count(&engine, s, MsgClass::Order, 15), [10, 5, 0]);
    let c = engine.sessions().counters(s).unwrap();
    assert_eq!((c.messages, c.orders), (40, 10));
}

#[test]
fn long_idle_grants_only_the_burst() {
    let (engine, clock) = engine();
    let s = session(&engine, "carol", "premium");
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Ok);
    clock.advance(24 * 3_600 * SEC);
    // Premium burst 200; escalation threshold 500, so 300 refusals are all THROTTLED.
    assert_eq!(count(&engine, s, MsgClass::Order, 500), [200, 300, 0]);
}

#[test]
fn clock_going_backwards_neither_panics_nor_refills() {
    let (engine, clock) = engine();
    let s = session(&engine, "dave", "basic");
    assert_eq!(count(&engine, s, MsgClass::Order, 10), [10, 0, 0]);
    clock.set(0);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    clock.set(1_000 * SEC + 200 * MS);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Ok);
    // check_at with any value is safe too.
    for t in [0, 1, u64::MAX, u64::MAX / 2, 0] {
        let _ = engine.check_at(s, MsgClass::Order, t);
    }
}

#[test]
fn exact_admission_over_a_random_walk() {
    // Over every interval [t0, t1], admitted <= burst + rate * (t1 - t0); checked from the start
    // against a client that sends at random gaps.
    let (engine, clock) = engine();
    engine.tiers().set("t", TierSpec { escalation_threshold: 0, ..TierSpec::new(7, 1_000, 1, 3) }).unwrap();
    let s = session(&engine, "erin", "t");
    let mut admitted_at = Vec::new();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        clock.advance(x % (60 * MS));
        if engine.check(s, MsgClass::Order) == Verdict::Ok {
            admitted_at.push(clock.now());
        }
    }
    let interval = 1_000_000_000u64.div_ceil(7);
    for (i, &t0) in admitted_at.iter().enumerate().step_by(37) {
        for (j, &t1) in admitted_at[i..].iter().enumerate().take(200) {
            let n = (j + 1) as u64;
            assert!(n <= 3 + (t1 - t0) / interval, "{n} admitted in {} ns", t1 - t0);
        }
    }
    assert!(admitted_at.len() > 100);
}

#[test]
fn tier_change_reaches_a_live_session_on_its_next_message() {
    let (engine, _clock) = engine();
    let s = session(&engine, "frank", "basic");
    assert_eq!(count(&engine, s, MsgClass::Order, 10), [10, 0, 0]);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    // Raise the basic tier's burst: the very next message sees it.
    engine.tiers().set("basic", TierSpec::new(5, 20, 1, 12)).unwrap();
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Ok);
    // Cut it to nothing: the very next message is refused.
    engine.tiers().set("basic", TierSpec::new(0, 20, 1, 12)).unwrap();
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    assert_eq!(engine.check(s, MsgClass::Other), Verdict::Ok);
}

#[test]
fn moving_a_user_to_another_tier_reaches_live_sessions() {
    let (engine, _clock) = engine();
    engine.tiers().assign("gina", "standard").unwrap();
    let a = engine.sessions().open("gina").unwrap();
    let b = engine.sessions().open("gina").unwrap();
    for s in [a, b] {
        assert_eq!(count(&engine, s, MsgClass::Order, 40), [40, 0, 0]);
        assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    }
    engine.tiers().assign("gina", "unlimited").unwrap();
    for s in [a, b] {
        assert_eq!(engine.check(s, MsgClass::Order), Verdict::Ok);
        assert_eq!(engine.sessions().info(s).unwrap().tier, "unlimited");
    }
    // A session opened after the move starts on the new tier too.
    let c = engine.sessions().open("gina").unwrap();
    assert_eq!(engine.sessions().info(c).unwrap().tier, "unlimited");
}

#[test]
fn max_sessions_race_never_exceeds_the_limit() {
    let (engine, _clock) = engine();
    let engine = Arc::new(engine);
    engine.tiers().assign("hank", "standard").unwrap(); // max 3
    for round in 0..50 {
        let barrier = Arc::new(Barrier::new(16));
        let opened: Vec<u64> = (0..16)
            .map(|_| {
                let (engine, barrier) = (engine.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    engine.sessions().open("hank").ok()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect();
        assert_eq!(opened.len(), 3, "round {round}");
        assert_eq!(engine.sessions().live_sessions("hank").unwrap(), 3);
        assert!(matches!(engine.sessions().open("hank"), Err(fixprov::Error::LimitReached(_))));
        for s in opened {
            engine.sessions().close(s).unwrap();
        }
        assert_eq!(engine.sessions().live_sessions("hank").unwrap(), 0);
    }
}

#[test]
fn closing_releases_the_slot_and_stales_the_handle() {
    let (engine, _clock) = engine();
    let s = session(&engine, "ivy", "basic");
    assert!(engine.sessions().open("ivy").is_err());
    engine.sessions().close(s).unwrap();
    assert_eq!(engine.check(s, MsgClass::Other), Verdict::Stale);
    assert_eq!(engine.sessions().close(s), Err(fixprov::Error::StaleHandle));
    assert_eq!(engine.sessions().kill(s), Err(fixprov::Error::StaleHandle));
    let t = engine.sessions().open("ivy").unwrap();
    assert_ne!(s, t);
    assert_eq!(engine.check(t, MsgClass::Other), Verdict::Ok);
    assert_eq!(engine.check(0, MsgClass::Other), Verdict::Stale);
    assert_eq!(engine.check(u64::MAX, MsgClass::Other), Verdict::Stale);
    assert!(matches!(engine.sessions().open("nobody"), Err(fixprov::Error::NotFound(_))));
}

#[test]
fn kill_answers_killed_and_tells_the_listener() {
    let (engine, _clock) = engine();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    engine.sessions().set_listener(Some(Box::new(move |e| {
        sink.lock().unwrap().push((e.kind, e.session, e.user.to_owned(), e.reason))
    })));
    engine.tiers().assign("jack", "premium").unwrap();
    let a = engine.sessions().open("jack").unwrap();
    let b = engine.sessions().open("jack").unwrap();
    let c = engine.sessions().open("jack").unwrap();
    engine.sessions().kill(a).unwrap();
    engine.sessions().kill(a).unwrap(); // idempotent, no second event
    assert_eq!(engine.check(a, MsgClass::Other), Verdict::Killed);
    assert_eq!(engine.check(b, MsgClass::Other), Verdict::Ok);
    assert_eq!(engine.sessions().kill_user("jack").unwrap(), 2);
    assert_eq!(engine.check(b, MsgClass::Order), Verdict::Killed);
    assert_eq!(engine.check(c, MsgClass::Other), Verdict::Killed);
    assert_eq!(engine.sessions().info(a).unwrap().killed, Some(KillReason::Admin));
    let events = events.lock().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0], (EventKind::SessionKilled, a, "jack".to_owned(), KillReason::Admin));
    assert!(events[1..].iter().all(|e| e.3 == KillReason::User));
    // A killed session still closes and frees its slot.
    engine.sessions().close(a).unwrap();
    assert_eq!(engine.sessions().live_sessions("jack").unwrap(), 2);
}

#[test]
fn violations_are_counted_per_session_and_user_and_reset() {
    let (engine, _clock) = engine();
    engine.tiers().assign("kim", "standard").unwrap();
    let a = engine.sessions().open("kim").unwrap();
    let b = engine.sessions().open("kim").unwrap();
    assert_eq!(count(&engine, a, MsgClass::Order, 45), [40, 5, 0]);
    assert_eq!(count(&engine, b, MsgClass::Order, 43), [40, 3, 0]);
    assert_eq!(engine.sessions().counters(a).unwrap().violations(), 5);
    assert_eq!(engine.sessions().user_violations("kim").unwrap(), 8);
    engine.sessions().close(b).unwrap();
    assert_eq!(engine.sessions().user_violations("kim").unwrap(), 8, "closed sessions still count");
    engine.sessions().reset_violations(a).unwrap();
    assert_eq!(engine.sessions().counters(a).unwrap().violations(), 0);
    assert_eq!(engine.sessions().user_violations("kim").unwrap(), 3);
    engine.sessions().reset_user_violations("kim").unwrap();
    assert_eq!(engine.sessions().user_violations("kim").unwrap(), 0);
}

#[test]
fn repeated_throttling_escalates_to_disconnect() {
    let (engine, clock) = engine();
    let spec =
        TierSpec { escalation_threshold: 3, escalation_window_ms: 1_000, ..TierSpec::new(1, 100, 1, 1) };
    engine.tiers().set("strict", spec).unwrap();
    let s = session(&engine, "lee", "strict");
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Ok);
    // Three violations are THROTTLED; the fourth within the window is DISCONNECT, and so is every
    // check after it.
    assert_eq!(count(&engine, s, MsgClass::Order, 3), [0, 3, 0]);
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Disconnect);
    assert_eq!(engine.check(s, MsgClass::Other), Verdict::Disconnect);
    let c = engine.sessions().counters(s).unwrap();
    assert_eq!((c.throttled, c.disconnects), (3, 1));
    assert!(engine.sessions().info(s).unwrap().escalated);

    // A reconnect does not refill: the next session owes what this one did (its one token), until
    // a second has passed.
    engine.sessions().close(s).unwrap();
    let s = engine.sessions().open("lee").unwrap();
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
    clock.advance(1_001 * MS);
    // Violations spread over separate windows never escalate.
    for _ in 0..10 {
        assert_eq!(count(&engine, s, MsgClass::Order, 4), [1, 3, 0]);
        clock.advance(1_001 * MS);
    }
    // Threshold 0 never escalates.
    engine.tiers().set("strict", TierSpec { escalation_threshold: 0, ..spec }).unwrap();
    assert_eq!(count(&engine, s, MsgClass::Order, 1_000), [1, 999, 0]);
}

#[test]
fn msgtype_classification_uses_the_order_set() {
    let (engine, clock) = engine();
    let s = session(&engine, "max", "basic");
    for _ in 0..10 {
        assert_eq!(engine.check_msgtype(s, b"D"), Ok(Verdict::Ok));
    }
    // Both buckets are empty (basic: burst 10 each).
    assert_eq!(engine.check_msgtype(s, b"F"), Ok(Verdict::Throttled));
    assert_eq!(engine.check_msgtype(s, b"AB"), Ok(Verdict::Throttled));
    assert_eq!(engine.check_msgtype(s, b"V"), Ok(Verdict::Throttled));
    // 50 ms later one message token (20/s) is due but no order token (5/s): a market data request
    // (V) passes, an order (G, AC, q) does not, and a refused order spends no message token.
    clock.advance(50 * MS);
    for order in [&b"G"[..], b"AC", b"q"] {
        assert_eq!(engine.check_msgtype(s, order), Ok(Verdict::Throttled));
    }
    assert_eq!(engine.check_msgtype(s, b"V"), Ok(Verdict::Ok));
    assert_eq!(engine.check_msgtype(s, b"V"), Ok(Verdict::Throttled));
    assert!(engine.check_msgtype(s, b"").is_err());
    assert!(engine.check_msgtype(s, b"D\x01").is_err());
    assert!(engine.check_msgtype(s, b"35=D").is_err());
}

#[test]
fn a_tier_change_starts_buckets_afresh_under_the_new_rates() {
    let (engine, _clock) = engine();
    let s = session(&engine, "quinn", "standard");
    assert_eq!(count(&engine, s, MsgClass::Order, 41), [40, 1, 0]);
    engine.tiers().assign("quinn", "premium").unwrap();
    // Premium's full burst of 200, not standard's debt carried over.
    assert_eq!(count(&engine, s, MsgClass::Order, 210), [200, 10, 0]);
    // Redefining a tier without changing its rates leaves the buckets alone.
    let mut premium = engine.tiers().get("premium").unwrap().spec;
    premium.max_sessions = 11;
    engine.tiers().set("premium", premium).unwrap();
    assert_eq!(engine.check(s, MsgClass::Order), Verdict::Throttled);
}

#[test]
fn sessions_are_listed_with_their_details() {
    let (engine, _clock) = engine();
    let a = session(&engine, "nina", "premium");
    let b = session(&engine, "omar", "basic");
    engine.check(a, MsgClass::Order);
    engine.check(a, MsgClass::Other);
    let all = engine.sessions().list(None);
    assert_eq!(all.len(), 2);
    let nina = engine.sessions().list(Some("nina"));
    assert_eq!(nina.len(), 1);
    let info = &nina[0];
    assert_eq!((info.session, info.user.as_str(), info.tier.as_str()), (a, "nina", "premium"));
    assert_eq!((info.messages, info.orders, info.throttled), (2, 1, 0));
    assert!(info.opened_unix_ms > 1_600_000_000_000);
    assert_eq!(engine.sessions().list(Some("omar"))[0].session, b);
    let json = serde_json::to_value(&all).unwrap();
    assert_eq!(json[0]["killed"], serde_json::Value::Null);
}

#[test]
fn bad_configuration_is_refused() {
    for config in [
        Config { max_sessions: 0, ..Config::default() },
        Config { max_tiers: 3, ..Config::default() },
        Config { clock: ClockConfig::Coarse { tick: std::time::Duration::ZERO }, ..Config::default() },
    ] {
        assert!(matches!(Engine::open(config), Err(fixprov::Error::InvalidArgument(_))));
    }
}

#[test]
fn the_session_table_fills_up_cleanly() {
    let clock = ManualClock::new(SEC);
    let engine =
        Engine::open(Config { max_sessions: 2, clock: ClockConfig::Manual(clock), ..Config::default() })
            .unwrap();
    engine.tiers().assign("pat", "premium").unwrap();
    let a = engine.sessions().open("pat").unwrap();
    let _b = engine.sessions().open("pat").unwrap();
    assert!(matches!(engine.sessions().open("pat"), Err(fixprov::Error::LimitReached(_))));
    assert_eq!(engine.sessions().live_sessions("pat").unwrap(), 2, "the refused open gave its slot back");
    engine.sessions().close(a).unwrap();
    let c = engine.sessions().open("pat").unwrap();
    assert_eq!(engine.check(c, MsgClass::Order), Verdict::Ok);
    assert_eq!(engine.check(a, MsgClass::Order), Verdict::Stale, "the reused line has a new generation");
}

/// Single owners, each checked on its own thread, while the cold path works on other threads: each
/// admits exactly its tier's burst at one instant while listings and statistics are read beside
/// it; a tier redefinition reaches every owner through its state word (its next check refills at
/// the new burst, exactly once); kills from another thread are seen by the next check; and no
/// owner's watched checks ever overlapped.
#[test]
fn single_owners_on_their_threads_see_every_cold_path_change_exactly() {
    const OWNERS: usize = 6;
    let (engine, clock) = engine();
    let engine = Arc::new(engine);
    let small = |burst| TierSpec { escalation_threshold: 0, ..TierSpec::new(1, 1_000, 10, burst) };
    // TierSpec::new(orders/s, messages/s, max sessions, burst): 1 order a second, so no token comes
    // back while the test runs at one instant.
    engine.tiers().set("owned", small(5)).unwrap();
    let sessions: Vec<u64> = (0..OWNERS)
        .map(|i| {
            let s = session(&engine, &format!("owner-{i}"), "owned");
            engine.sessions().set_mode(s, fixprov::CheckMode::SingleOwner { watched: true }).unwrap();
            s
        })
        .collect();
    let now = clock.now();
    let barrier = Arc::new(Barrier::new(OWNERS + 1));
    let owners: Vec<_> = sessions
        .iter()
        .map(|&s| {
            let (engine, barrier) = (engine.clone(), barrier.clone());
            std::thread::spawn(move || {
                let admitted = |engine: &Engine| {
                    (0..40).filter(|_| engine.check_at(s, MsgClass::Order, now) == Verdict::Ok).count()
                };
                barrier.wait(); // phase 1: the first burst, beside cold-path reads
                let first = admitted(&engine);
                barrier.wait(); // phase 1 done
                barrier.wait(); // the tier was redefined (burst 8) before this
                let second = admitted(&engine);
                barrier.wait(); // phase 2 done
                barrier.wait(); // the user was killed before this
                let killed = engine.check_at(s, MsgClass::Other, now);
                (first, second, killed)
            })
        })
        .collect();
    barrier.wait();
    for _ in 0..200 {
        assert_eq!(engine.sessions().list(None).len(), OWNERS);
        let _ = engine.stats();
    }
    barrier.wait();
    engine.tiers().set("owned", small(8)).unwrap();
    barrier.wait();
    barrier.wait();
    for i in 0..OWNERS {
        assert_eq!(engine.sessions().kill_user(&format!("owner-{i}")).unwrap(), 1);
    }
    barrier.wait();
    for (owner, s) in owners.into_iter().zip(&sessions) {
        let (first, second, killed) = owner.join().unwrap();
        assert_eq!((first, second, killed), (5, 8, Verdict::Killed), "session {s:#x}");
        let info = engine.sessions().info(*s).unwrap();
        assert_eq!((info.orders, info.single_owner, info.owner_overlaps), (13, true, 0), "{info:?}");
    }
}

// ----- message weights -----

/// A tier of 5 orders a second (burst 10) whose message bucket (100/s, burst 100) stays out of the
/// way, with `user` on it, and a session of `user` in `mode`.
fn weighted_session(engine: &Engine, user: &str, mode: fixprov::CheckMode) -> u64 {
    let mut spec = TierSpec::new(5, 100, 4, 10);
    spec.message_burst = 100;
    engine.tiers().set("weighed", spec).unwrap();
    let s = session(engine, user, "weighed");
    engine.sessions().set_mode(s, mode).unwrap();
    s
}

fn weights(pairs: &[(&str, u64)]) -> std::collections::BTreeMap<String, u64> {
    pairs.iter().map(|(t, w)| (t.to_string(), *w)).collect()
}

const MODES: [fixprov::CheckMode; 3] = [
    fixprov::CheckMode::Shared,
    fixprov::CheckMode::SingleOwner { watched: false },
    fixprov::CheckMode::SingleOwner { watched: true },
];

#[test]
fn a_cancel_at_weight_zero_passes_while_orders_are_throttled() {
    for mode in MODES {
        let (engine, _clock) = engine();
        let s = weighted_session(&engine, "carol", mode);
        engine.tiers().set_weights("weighed", &weights(&[("F", 0)])).unwrap();
        for _ in 0..10 {
            assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Ok);
        }
        assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Throttled, "{mode:?}");
        assert_eq!(engine.check_msgtype(s, b"G").unwrap(), Verdict::Throttled, "{mode:?}");
        for _ in 0..50 {
            assert_eq!(engine.check_msgtype(s, b"F").unwrap(), Verdict::Ok, "{mode:?}: a cancel");
        }
        assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Throttled, "{mode:?}");
        let c = engine.sessions().counters(s).unwrap();
        assert_eq!((c.messages, c.orders, c.throttled), (60, 60, 3), "{mode:?}: cancels are counted");
        // The same through the class check with an explicit weight.
        assert_eq!(engine.check_weighted(s, MsgClass::Order, 0).unwrap(), Verdict::Ok);
        assert_eq!(engine.check_weighted(s, MsgClass::Order, 1).unwrap(), Verdict::Throttled);
    }
}

#[test]
fn a_new_order_list_at_weight_five_takes_five_tokens() {
    for mode in MODES {
        let (engine, clock) = engine();
        let s = weighted_session(&engine, "dave", mode);
        engine.tiers().set_weights("weighed", &weights(&[("E", 5), ("0", 0)])).unwrap();
        assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Ok);
        assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Ok);
        // 4 order tokens left: a list of 5 does not fit, 4 single orders do.
        assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Throttled, "{mode:?}");
        for _ in 0..4 {
            assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Ok, "{mode:?}");
        }
        assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Throttled);
        // 5 tokens come back after exactly 1 s (one per 200 ms), not a nanosecond sooner.
        clock.advance(SEC - 1);
        assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Throttled, "{mode:?}");
        clock.advance(1);
        assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Ok, "{mode:?}");
        assert_eq!(engine.check_msgtype(s, b"D").unwrap(), Verdict::Throttled);
        // A heartbeat at weight 0, and the message bucket: 5 + 1 + 4 + 5 = 15 tokens of 100 spent.
        assert_eq!(engine.check_msgtype(s, b"0").unwrap(), Verdict::Ok);
        let c = engine.sessions().counters(s).unwrap();
        assert_eq!((c.messages, c.orders, c.throttled), (8, 7, 4), "{mode:?}");
        // The class check with an explicit weight agrees.
        clock.advance(SEC);
        assert_eq!(engine.check_weighted(s, MsgClass::Order, 5).unwrap(), Verdict::Ok);
        assert_eq!(engine.check_weighted(s, MsgClass::Order, 1).unwrap(), Verdict::Throttled);
    }
}

#[test]
fn weights_follow_the_tier_and_tables_replace_whole() {
    let (engine, _clock) = engine();
    let s = weighted_session(&engine, "erin", fixprov::CheckMode::Shared);
    let other = session(&engine, "frank", "premium");
    engine.tiers().set_weights("weighed", &weights(&[("E", 10), ("AB", 10)])).unwrap();
    assert_eq!(engine.check_msgtype(s, b"AB").unwrap(), Verdict::Ok);
    assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Throttled);
    // Another tier's sessions weigh 1.
    for _ in 0..200 {
        assert_eq!(engine.check_msgtype(other, b"E").unwrap(), Verdict::Ok);
    }
    assert_eq!(engine.check_msgtype(other, b"E").unwrap(), Verdict::Throttled);
    // Moving frank onto the weighed tier weighs his next message by it.
    engine.tiers().assign("frank", "weighed").unwrap();
    assert_eq!(engine.check_msgtype(other, b"E").unwrap(), Verdict::Ok, "a full bucket on the new tier");
    assert_eq!(engine.check_msgtype(other, b"E").unwrap(), Verdict::Throttled);
    // A new table replaces the old one whole: AB weighs 1 again.
    assert_eq!(engine.tiers().set_weights("weighed", &weights(&[("E", 2)])).unwrap().len(), 1);
    assert_eq!(engine.tiers().weights("weighed").unwrap(), [("E".to_string(), 2)].into());
    assert_eq!(engine.tiers().set_weights("weighed", &weights(&[])).unwrap().len(), 0);
    assert!(engine.tiers().all_weights().is_empty());
}

#[test]
fn bad_weight_tables_are_refused_and_change_nothing() {
    let (engine, _clock) = engine();
    let s = weighted_session(&engine, "gina", fixprov::CheckMode::Shared);
    engine.tiers().set_weights("weighed", &weights(&[("E", 5)])).unwrap();
    let many: Vec<(String, u64)> = (0..9).map(|i| (format!("U{i}"), 1)).collect();
    let many: Vec<(&str, u64)> = many.iter().map(|(t, w)| (t.as_str(), *w)).collect();
    for (table, why) in [
        (weights(&[("", 1)]), "an empty MsgType"),
        (weights(&[("D=", 1)]), "a MsgType with '='"),
        (weights(&[("D\u{1}", 1)]), "a MsgType with SOH"),
        (weights(&[("ABCDEFGH", 1)]), "a MsgType of 8 characters"),
        (weights(&[("E", 256)]), "a weight above 255"),
        (weights(&[("E", u64::MAX)]), "an overflowing weight"),
        (weights(&many), "nine long MsgTypes"),
    ] {
        let refused = engine.tiers().set_weights("weighed", &table);
        assert!(matches!(refused, Err(fixprov::Error::InvalidArgument(_))), "{why}: {refused:?}");
    }
    let unknown = engine.tiers().set_weights("no-such-tier", &weights(&[("E", 1)]));
    assert!(matches!(unknown, Err(fixprov::Error::NotFound(_))), "{unknown:?}");
    assert!(matches!(
        engine.check_weighted(s, MsgClass::Order, 256),
        Err(fixprov::Error::InvalidArgument(_))
    ));
    // Nothing changed: E still weighs 5.
    assert_eq!(engine.tiers().weights("weighed").unwrap(), [("E".to_string(), 5)].into());
    assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Ok);
    assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Ok);
    assert_eq!(engine.check_msgtype(s, b"E").unwrap(), Verdict::Throttled);
    let records = engine
        .audit()
        .query(&fixprov::AuditQuery { event_prefix: Some("tier.weights".into()), ..Default::default() })
        .unwrap();
    assert_eq!(records.len(), 1, "only the accepted table is audited");
}

// ----- account-wide limits -----

/// Premium (100 orders/s, burst 200 each; 10 sessions) given an account limit of 150 orders a
/// second (burst 150) and none on messages, as "desk" (and premium itself).
fn account_tier(engine: &Engine) {
    let mut spec = engine.tiers().get("premium").unwrap().spec;
    assert_eq!((spec.orders_per_sec, spec.order_burst, spec.max_sessions), (100, 200, 10));
    spec.account = fixprov::AccountLimits::per_second(150, 0);
    engine.tiers().set("desk", spec).unwrap();
    engine.tiers().set("premium", spec).unwrap();
}

/// Orders from `sessions` in turn until every one is refused; how many were admitted.
fn drain(engine: &Engine, sessions: &[u64]) -> u64 {
    let mut admitted = 0;
    loop {
        let mut any = false;
        for s in sessions {
            if engine.check(*s, MsgClass::Order) == Verdict::Ok {
                admitted += 1;
                any = true;
            }
        }
        if !any {
            return admitted;
        }
    }
}

#[test]
fn ten_sessions_of_one_account_share_its_limit_exactly() {
    for mode in MODES {
        let (engine, clock) = engine();
        account_tier(&engine);
        engine.tiers().assign("mm", "premium").unwrap();
        let sessions: Vec<u64> = (0..10).map(|_| engine.sessions().open("mm").unwrap()).collect();
        for s in &sessions {
            engine.sessions().set_mode(*s, mode).unwrap();
        }
        // One token every ceil(1e9 / 150) ns: 149 in a second (the interval rounds up, so the
        // bucket never exceeds 150/s), 15 in 100 ms.
        let interval = SEC.div_ceil(150);
        assert_eq!(drain(&engine, &sessions), 150, "{mode:?}: the account's burst at one instant");
        clock.advance(SEC);
        assert_eq!(drain(&engine, &sessions), SEC / interval, "{mode:?}: one second's worth");
        clock.advance(100 * MS);
        assert_eq!(drain(&engine, &sessions), 15, "{mode:?}: a tenth of a second's");
        // Non-orders have no account limit here: each session's own 500/s, burst 200, less the
        // orders it sent.
        let orders_of_first = engine.sessions().counters(sessions[0]).unwrap().orders;
        let admitted =
            (0..1_000).filter(|_| engine.check(sessions[0], MsgClass::Other) == Verdict::Ok).count();
        assert!(admitted as u64 >= 200 - orders_of_first && admitted <= 200, "{mode:?}: {admitted}");
        // Refused orders kept no token of the session's own buckets: the sum of admitted orders
        // over the sessions is the account's.
        let orders: u64 = sessions.iter().map(|s| engine.sessions().counters(*s).unwrap().orders).sum();
        assert_eq!(orders, 150 + SEC / interval + 15, "{mode:?}");
    }
}

#[test]
fn two_threads_on_one_account_never_exceed_it() {
    let (engine, clock) = engine();
    account_tier(&engine);
    engine.tiers().assign("mm", "desk").unwrap();
    let sessions: Vec<u64> = (0..10).map(|_| engine.sessions().open("mm").unwrap()).collect();
    let t0 = clock.now();
    // Two threads, five sessions each, orders at their own pace over one simulated second.
    const STEPS: u64 = 200_000;
    let admitted: u64 = std::thread::scope(|scope| {
        let threads: Vec<_> = sessions
            .chunks(5)
            .map(|mine| {
                let engine = &engine;
                scope.spawn(move || {
                    let mut admitted = 0u64;
                    for i in 0..STEPS {
                        let now = t0 + i * (SEC / STEPS);
                        let s = mine[(i % 5) as usize];
                        admitted += u64::from(engine.check_at(s, MsgClass::Order, now) == Verdict::Ok);
                    }
                    admitted
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });
    // Over [t0, t0 + 1 s - 5 us]: at most the burst plus one second's worth, never more.
    assert!(admitted <= 150 + 150, "{admitted} orders admitted");
    assert!(admitted >= 150, "{admitted}: the burst, at least");
    let counted: u64 = sessions.iter().map(|s| engine.sessions().counters(*s).unwrap().orders).sum();
    assert_eq!(counted, admitted, "the sessions' counters agree");
}

#[test]
fn an_account_survives_a_reconnect_and_follows_its_tier() {
    let (engine, clock) = engine();
    account_tier(&engine);
    engine.tiers().assign("mm", "desk").unwrap();
    let a = engine.sessions().open("mm").unwrap();
    let b = engine.sessions().open("mm").unwrap();
    assert_eq!(drain(&engine, &[a, b]), 150);
    engine.sessions().close(a).unwrap();
    engine.sessions().close(b).unwrap();
    // A new session of the account starts where the last left it: a reconnect does not refill.
    clock.advance(200 * MS);
    let c = engine.sessions().open("mm").unwrap();
    assert_eq!(drain(&engine, &[c]), 200 * MS / SEC.div_ceil(150), "200 ms of the account's rate");
    // A tier change refills the account (as it does the sessions' own buckets).
    let mut spec = TierSpec::new(100, 500, 10, 200);
    spec.account = fixprov::AccountLimits::per_second(40, 0);
    engine.tiers().set("desk", spec).unwrap();
    assert_eq!(drain(&engine, &[c]), 40);
    // Without an account limit the sessions' own buckets alone decide (new rates: full ones).
    engine.tiers().set("desk", TierSpec::new(100, 500, 10, 210)).unwrap();
    assert_eq!(drain(&engine, &[c]), 210);
    // A move onto a tier with an account limit applies it to the live sessions.
    let mut other = TierSpec::new(100, 500, 10, 200);
    other.account = fixprov::AccountLimits::per_second(7, 0);
    engine.tiers().set("small-desk", other).unwrap();
    engine.tiers().assign("mm", "small-desk").unwrap();
    let d = engine.sessions().open("mm").unwrap();
    assert_eq!(drain(&engine, &[c, d]), 7);
}

#[test]
fn accounts_weigh_batches_and_bad_account_limits_are_refused() {
    let (engine, _clock) = engine();
    let mut spec = TierSpec::new(100, 500, 10, 200);
    spec.account = fixprov::AccountLimits {
        orders_per_sec: 10,
        order_burst: 10,
        messages_per_sec: 12,
        message_burst: 12,
    };
    engine.tiers().set("desk", spec).unwrap();
    engine.tiers().assign("mm", "desk").unwrap();
    let a = engine.sessions().open("mm").unwrap();
    let b = engine.sessions().open("mm").unwrap();
    assert_eq!(engine.check_weighted(a, MsgClass::Order, 6).unwrap(), Verdict::Ok);
    assert_eq!(
        engine.check_weighted(b, MsgClass::Order, 5).unwrap(),
        Verdict::Throttled,
        "4 account tokens left"
    );
    let mut out = [Verdict::Stale; 8];
    engine.check_batch(b, &[MsgClass::Order; 8], &mut out).unwrap();
    assert_eq!(out.iter().filter(|v| **v == Verdict::Ok).count(), 4, "{out:?}");
    // Two message tokens left for anything else, the session's own 500/s notwithstanding.
    assert_eq!(engine.check(a, MsgClass::Other), Verdict::Ok);
    assert_eq!(engine.check(b, MsgClass::Other), Verdict::Ok);
    assert_eq!(engine.check(a, MsgClass::Other), Verdict::Throttled);

    for (limits, why) in [
        (fixprov::AccountLimits { orders_per_sec: 5, ..Default::default() }, "a rate without a burst"),
        (fixprov::AccountLimits { order_burst: 5, ..Default::default() }, "a burst without a rate"),
        (
            fixprov::AccountLimits {
                messages_per_sec: 2_000_000_000,
                message_burst: 1,
                ..Default::default()
            },
            "a rate too high",
        ),
    ] {
        let mut bad = TierSpec::new(1, 1, 1, 1);
        bad.account = limits;
        assert!(matches!(engine.tiers().set("bad", bad), Err(fixprov::Error::InvalidArgument(_))), "{why}");
    }
}
