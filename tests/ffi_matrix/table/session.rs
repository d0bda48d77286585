//! The matrix entries for sessions and the per-message checks (src/ffi/session.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_session_open",
            |c| vec![c.m(), s("holder"), out(OutKind::Session)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_session_open(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .case(
            "user",
            "its tier's sessions all open",
            |c, a| {
                let user = c.user("basic");
                c.session_of(&user);
                *a.at("user") = s(user);
            },
            Expect::St(FIXPROV_ERR_LIMIT_REACHED),
        ),
        Entry::new(
            "fixprov_session_close",
            |c| vec![c.m(), Arg::U64(c.session())],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_session_close(a[0].e(), a[1].u64()) })
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_session_kill",
            |c| vec![c.m(), Arg::U64(c.session())],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_session_kill(a[0].e(), a[1].u64()) })
            },
            E_OK,
        )
        .case(
            "session",
            "killed already",
            |c, a| {
                let session = a.at("session").u64();
                // SAFETY: live engine.
                ok(unsafe { fixprov_session_kill(c.main, session) }, "kill");
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_user_kill",
            |c| {
                let user = c.user("standard");
                c.session_of(&user);
                vec![c.m(), s(user), out(OutKind::Plain)]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_user_kill(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .null("out_killed", E_OK)
        .text("user", LOOKUP),
        Entry::new(
            "fixprov_check",
            |c| vec![c.m(), Arg::U64(c.session()), Arg::U32(1)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_check(a[0].e(), a[1].u64(), a[2].u32()) })
            },
            E_OK,
        )
        .set("msg_class", 0, E_OK)
        .set("msg_class", 2, E_INV)
        .set("msg_class", 7, E_INV)
        .set("msg_class", u64::from(u32::MAX), E_INV)
        .case(
            "session",
            "killed",
            |c, a| {
                let session = a.at("session").u64();
                // SAFETY: live engine.
                ok(unsafe { fixprov_session_kill(c.main, session) }, "kill");
            },
            Expect::St(FIXPROV_KILLED),
        )
        .case(
            "session",
            "over its rate",
            |c, a| {
                let session = c.session_of(&c.user("tiny"));
                // SAFETY: live engine.
                ok(unsafe { fixprov_check(c.main, session, 1) }, "first order");
                a.at("session").set_int(session);
            },
            Expect::St(FIXPROV_THROTTLED),
        ),
        Entry::new(
            "fixprov_check_at",
            |c| vec![c.m(), Arg::U64(c.session()), Arg::U32(1), Arg::U64(1_000)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_check_at(a[0].e(), a[1].u64(), a[2].u32(), a[3].u64()) })
            },
            E_OK,
        )
        .set("msg_class", 0, E_OK)
        .set("msg_class", 2, E_INV)
        .set("msg_class", 7, E_INV)
        .set("msg_class", u64::from(u32::MAX), E_INV)
        .set("now_ns", 0, E_OK)
        // Not a single interval fits above the top of the clock: refused, never admitted for free.
        .set("now_ns", u64::MAX, Expect::St(FIXPROV_THROTTLED))
        .set("now_ns", u64::MAX - 1_000_000_000, E_OK)
        .case(
            "session",
            "over its rate",
            |c, a| {
                let session = c.session_of(&c.user("tiny"));
                // SAFETY: live engine.
                ok(unsafe { fixprov_check_at(c.main, session, 1, 1_000) }, "first order");
                a.at("session").set_int(session);
            },
            Expect::St(FIXPROV_THROTTLED),
        )
        .case(
            "session",
            "over its rate again: escalated",
            |c, a| {
                let session = c.session_of(&c.user("tiny"));
                // SAFETY: live engine.
                unsafe {
                    ok(fixprov_check_at(c.main, session, 1, 1_000), "first order");
                    assert_eq!(fixprov_check_at(c.main, session, 1, 1_000), FIXPROV_THROTTLED);
                }
                a.at("session").set_int(session);
            },
            Expect::St(FIXPROV_DISCONNECT),
        ),
        Entry::new(
            "fixprov_check_batch",
            |c| vec![c.m(), Arg::U64(c.session()), Arg::U32s(Some(vec![1, 0, 1]), 3), out(OutKind::Plain)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`);
                // the out buffer holds 16 statuses, more than any case's length.
                st(unsafe { fixprov_check_batch(a[0].e(), a[1].u64(), a[2].words(), a[2].n(), a[3].o()) })
            },
            E_OK,
        )
        .case(
            "msg_classes",
            "an unknown class among known ones",
            |_, a| a.at("msg_classes").set_words(vec![1, 2, 0]),
            E_INV,
        )
        .case("msg_classes", "u32::MAX", |_, a| a.at("msg_classes").set_words(vec![u32::MAX]), E_INV)
        .case("msg_classes", "an empty batch", |_, a| a.at("msg_classes").set_words(vec![]), E_OK)
        .case(
            "msg_classes",
            "NULL with a length of 0",
            |_, a| *a.at("msg_classes") = Arg::U32s(None, 0),
            E_OK,
        )
        .case(
            "session",
            "killed",
            |c, a| {
                let session = c.session();
                // SAFETY: live engine.
                ok(unsafe { fixprov_session_kill(c.main, session) }, "kill");
                a.at("session").set_int(session);
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_check_batch_at",
            |c| {
                vec![
                    c.m(),
                    Arg::U64(c.session()),
                    Arg::U32s(Some(vec![1, 0]), 2),
                    out(OutKind::Plain),
                    Arg::U64(1_000),
                ]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_check_batch_at(a[0].e(), a[1].u64(), a[2].words(), a[2].n(), a[3].o(), a[4].u64())
                })
            },
            E_OK,
        )
        .case("msg_classes", "an unknown class", |_, a| a.at("msg_classes").set_words(vec![0, 9]), E_INV)
        .set("now_ns", 0, E_OK)
        .set("now_ns", u64::MAX, E_OK),
        Entry::new(
            "fixprov_session_set_mode",
            |c| vec![c.m(), Arg::U64(c.session()), Arg::U32(1)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_session_set_mode(a[0].e(), a[1].u64(), a[2].u32()) })
            },
            E_OK,
        )
        .set("mode", 0, E_OK)
        .set("mode", 2, E_OK)
        .set("mode", 3, E_INV)
        .set("mode", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_prefetch",
            |c| vec![c.m(), Arg::U64(c.session())],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                unsafe { fixprov_prefetch(a[0].e(), a[1].u64()) };
                Ret::Void
            },
            Expect::Void,
        ),
        Entry::new(
            "fixprov_check_msgtype",
            |c| vec![c.m(), Arg::U64(c.session()), s("D")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_check_msgtype(a[0].e(), a[1].u64(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        // Raw bytes of tag 35: anything but 1 to 16 printable ASCII characters is malformed.
        .text("msgtype", S::all(E_INV))
        .bytes("msgtype", "'='", "=", E_INV)
        .bytes("msgtype", "16 characters", "ABCDEFGHIJKLMNOP", E_OK)
        .bytes("msgtype", "17 characters", "ABCDEFGHIJKLMNOPQ", E_INV)
        .bytes("msgtype", "SOH", "D\x01", E_INV),
        Entry::new(
            "fixprov_check_weighted",
            |c| vec![c.m(), Arg::U64(c.session()), Arg::U32(1), Arg::U32(3)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_check_weighted(a[0].e(), a[1].u64(), a[2].u32(), a[3].u32()) })
            },
            E_OK,
        )
        .set("msg_class", 0, E_OK)
        .set("msg_class", 2, E_INV)
        .set("msg_class", u64::from(u32::MAX), E_INV)
        .set("weight", 0, E_OK)
        .set("weight", 255, E_OK)
        .set("weight", 256, E_INV)
        .set("weight", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_session_get_stats",
            |c| vec![c.m(), Arg::U64(c.session()), out(OutKind::Plain)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_session_get_stats(a[0].e(), a[1].u64(), a[2].o()) })
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_session_reset_violations",
            |c| vec![c.m(), Arg::U64(c.session())],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_session_reset_violations(a[0].e(), a[1].u64()) })
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_user_violations",
            |c| vec![c.m(), s("holder"), out(OutKind::Plain)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_user_violations(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .text("user", LOOKUP),
        Entry::new(
            "fixprov_user_reset_violations",
            |c| vec![c.m(), s("holder")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_user_reset_violations(a[0].e(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        .text("user", LOOKUP),
    ]
}
