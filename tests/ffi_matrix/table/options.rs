//! The matrix entries for options and opening and closing engines (src/ffi/options.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_options_new",
            |_| vec![],
            |_| Ret::Options(fixprov_options_new()),
            Expect::Object,
        ),
        Entry::new(
            "fixprov_options_free",
            |c| vec![c.options(Own::Consumed)],
            |a| {
                // SAFETY: options from fixprov_options_new, or NULL.
                unsafe { fixprov_options_free(a[0].opts()) };
                Ret::Void
            },
            Expect::Void,
        ),
        Entry::new(
            "fixprov_options_set_max_sessions",
            |c| vec![c.options(Own::Temp), Arg::U32(1_000)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_max_sessions(a[0].opts(), a[1].u32()) })
            },
            E_OK,
        )
        .set("max_sessions", 0, E_INV)
        .set("max_sessions", 1, E_OK)
        .set("max_sessions", 16_777_216, E_OK)
        .set("max_sessions", 16_777_217, E_INV)
        .set("max_sessions", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_options_set_logon_window",
            |c| vec![c.options(Own::Temp), Arg::U32(5_000), Arg::U32(1_000)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_logon_window(a[0].opts(), a[1].u32(), a[2].u32()) })
            },
            E_OK,
        )
        .set("back_ms", 0, E_INV)
        .set("back_ms", 1, E_OK)
        .set("back_ms", 600_000, E_OK)
        .set("back_ms", 600_001, E_INV)
        .set("ahead_ms", 0, E_OK)
        .set("ahead_ms", 60_000, E_OK)
        .set("ahead_ms", 60_001, E_INV),
        Entry::new(
            "fixprov_options_set_comp_id_pool",
            |c| vec![c.options(Own::Temp), Arg::U32(64)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_comp_id_pool(a[0].opts(), a[1].u32()) })
            },
            E_OK,
        )
        .set("size", 0, E_OK)
        .set("size", 100_000, E_OK)
        .set("size", 100_001, E_INV)
        .set("size", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_options_set_logon_rate",
            |c| vec![c.options(Own::Temp), Arg::U32(15), Arg::U32(30_000)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_logon_rate(a[0].opts(), a[1].u32(), a[2].u32()) })
            },
            E_OK,
        )
        .set("max_attempts", 0, E_OK)
        .set("window_ms", 0, E_INV)
        .set("window_ms", 3_600_000, E_OK)
        .set("window_ms", 3_600_001, E_INV)
        .set("window_ms", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_options_set_clock",
            |c| vec![c.options(Own::Temp), Arg::U32(0), Arg::U32(500)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_clock(a[0].opts(), a[1].u32(), a[2].u32()) })
            },
            E_OK,
        )
        .set("clock", 1, E_OK)
        .set("clock", 2, E_INV)
        .set("clock", 99, E_INV)
        .set("clock", u64::from(u32::MAX), E_INV)
        .set("tick_us", 0, E_INV)
        .set("tick_us", 1, E_OK)
        .set("tick_us", 1_000_000, E_OK)
        .set("tick_us", 1_000_001, E_INV)
        .case(
            "tick_us",
            "ignored by the precise clock",
            |_, a| {
                a.at("clock").set_int(1);
                a.at("tick_us").set_int(0);
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_options_set_order_msgtypes",
            |c| vec![c.options(Own::Temp), s("D,F,AB")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_order_msgtypes(a[0].opts(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        .text("list", PARSED)
        .bytes("list", "an empty member", "D,,F", E_INV)
        .bytes("list", "'='", "D,=", E_INV)
        .bytes("list", "17 characters", "ABCDEFGHIJKLMNOPQ", E_INV),
        Entry::new(
            "fixprov_options_set_data_dir",
            |c| vec![c.options(Own::Temp), s(c.dir.join("data").to_str().unwrap())],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_data_dir(a[0].opts(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        // A path: a NUL cannot be in one; a long one fails at open.
        .text("path", S { utf8: E_UTF8, nul: E_INV, empty: E_INV, long: E_OK }),
        Entry::new(
            "fixprov_options_set_database_url",
            |c| vec![c.options(Own::Temp), s("postgres://fixprov@127.0.0.1:5432/fixprov")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_database_url(a[0].opts(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        // Not a URL (a long run of one letter is neither a URL nor key=value pairs).
        .text("url", S { utf8: E_UTF8, nul: E_INV, empty: E_INV, long: E_INV }),
        Entry::new(
            "fixprov_options_set_fleet",
            |c| vec![c.options(Own::Temp), s("gw-a"), Arg::U32(3_000), Arg::U32(0)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_options_set_fleet(a[0].opts(), a[1].p(), a[1].n(), a[2].u32(), a[3].u32())
                })
            },
            E_OK,
        )
        // Empty keeps the default id; 1 to 64 printable characters.
        .text("gateway_id", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .bytes("gateway_id", "64 characters", "g".repeat(64), E_OK)
        .bytes("gateway_id", "a space", "gw a", E_INV)
        .set("lease_expiry_ms", 0, E_OK)
        .set("lease_expiry_ms", 299, E_INV)
        .set("lease_expiry_ms", 300, E_OK)
        .set("lease_expiry_ms", 600_000, E_OK)
        .set("lease_expiry_ms", 600_001, E_INV)
        .set("lease_grace_ms", 600_000, E_OK)
        .set("lease_grace_ms", 600_001, E_INV),
        Entry::new(
            "fixprov_options_set_master_password",
            |c| vec![c.options(Own::Temp), s("secret")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_master_password(a[0].opts(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        // Any bytes, but not none.
        .text("password", S { utf8: E_OK, nul: E_OK, empty: E_INV, long: E_OK }),
        Entry::new(
            "fixprov_options_set_comp_ids",
            |c| vec![c.options(Own::Temp), s("VENUE"), s("AB")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_options_set_comp_ids(a[0].opts(), a[1].p(), a[1].n(), a[2].p(), a[2].n())
                })
            },
            E_OK,
        )
        // Empty leaves the value unchanged.
        .text("target_comp_id", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .text("sender_comp_id_prefix", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .bytes("target_comp_id", "64 characters", "V".repeat(64), E_OK)
        .bytes("target_comp_id", "65 characters", "V".repeat(65), E_INV)
        .bytes("target_comp_id", "'='", "A=B", E_INV)
        .bytes("sender_comp_id_prefix", "9 characters", "NINECHARS", E_INV),
        Entry::new(
            "fixprov_options_set_pbkdf2_iterations",
            |c| vec![c.options(Own::Temp), Arg::U32(600_000)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_pbkdf2_iterations(a[0].opts(), a[1].u32()) })
            },
            E_OK,
        )
        .set("iterations", 0, E_INV)
        .set("iterations", 599_999, E_INV)
        .set("iterations", 20_000_000, E_OK)
        .set("iterations", 20_000_001, E_INV)
        .set("iterations", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_options_set_audit_retention",
            |c| vec![c.options(Own::Temp), Arg::U64(86_400), Arg::U64(1_000_000)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_audit_retention(a[0].opts(), a[1].u64(), a[2].u64()) })
            },
            E_OK,
        )
        .set("max_age_secs", 0, E_OK)
        .set("max_age_secs", u64::MAX, E_OK)
        .set("max_records", 0, E_OK)
        .set("max_records", u64::MAX, E_OK),
        Entry::new(
            "fixprov_options_set_eligibility",
            |c| vec![c.options(Own::Temp), Arg::U32(1), Arg::U32(0)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_eligibility(a[0].opts(), a[1].u32(), a[2].u32()) })
            },
            E_OK,
        )
        .set("default_rules", 0, E_OK)
        .set("default_rules", 2, E_INV)
        .set("default_rules", u64::from(u32::MAX), E_INV)
        .set("logon_check", 1, E_OK)
        .set("logon_check", 2, E_INV)
        .set("logon_check", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_options_set_single_owner",
            |c| vec![c.options(Own::Temp), Arg::U32(1), Arg::U32(0)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_single_owner(a[0].opts(), a[1].u32(), a[2].u32()) })
            },
            E_OK,
        )
        .set("on", 0, E_OK)
        .set("on", 2, E_INV)
        .set("on", u64::from(u32::MAX), E_INV)
        .set("watch", 1, E_OK)
        .set("watch", 2, E_INV),
        Entry::new(
            "fixprov_engine_open",
            |c| vec![c.options(Own::Temp), out(OutKind::Engine)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_engine_open(a[0].opts(), a[1].o()) })
            },
            E_OK,
        )
        // NULL options are the defaults.
        .null("options", E_OK)
        .case(
            "options",
            "a data directory that is a file",
            |_, a| {
                let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/fixprov.h");
                set_store(a.at("options").opts(), &file, "pw");
            },
            Expect::St(FIXPROV_ERR_STORAGE),
        )
        .case(
            "options",
            "the wrong master password",
            |c, a| {
                let dir = c.dir.join(c.name("wrong"));
                // SAFETY: opened here, closed once.
                unsafe { fixprov_engine_close(open_engine(true, Some((&dir, "right")))) };
                set_store(a.at("options").opts(), &dir, "wrong");
            },
            Expect::St(FIXPROV_ERR_WRONG_MASTER_PASSWORD),
        ),
        Entry::new(
            "fixprov_engine_close",
            |_| vec![Arg::Engine(open_engine(true, None), Own::Consumed)],
            |a| {
                // SAFETY: an engine from fixprov_engine_open, or NULL.
                unsafe { fixprov_engine_close(a[0].e()) };
                Ret::Void
            },
            Expect::Void,
        ),
    ]
}
