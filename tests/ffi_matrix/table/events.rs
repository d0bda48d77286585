//! The matrix entries for the event callback, listings, strings, the audit log and statistics (src/ffi/events.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_set_event_callback",
            |c| vec![c.m(), Arg::Callback(Some(on_event)), events_context()],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`); the
                // callback only counts, into the static its context points to.
                st(unsafe { fixprov_set_event_callback(a[0].e(), a[1].callback(), a[2].context()) })
            },
            E_OK,
        )
        .null("callback", E_OK)
        .null("context", E_OK),
        Entry::new(
            "fixprov_sessions_json",
            |c| vec![c.m(), s("holder"), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_sessions_json(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        // A filter: a user that does not exist has no sessions; empty is every user.
        .text("user", S { utf8: E_UTF8, nul: E_OK, empty: E_OK, long: E_OK }),
        Entry::new(
            "fixprov_string_free",
            |c| vec![Arg::Owned(c.lib_string())],
            |a| {
                // SAFETY: a string from the library, or NULL.
                unsafe { fixprov_string_free(a[0].owned()) };
                Ret::Void
            },
            Expect::Void,
        ),
        Entry::new(
            "fixprov_audit_verify",
            |c| vec![c.m(), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_audit_verify(a[0].e(), a[1].o()) })
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_audit_head",
            |c| vec![c.m(), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_audit_head(a[0].e(), a[1].o()) })
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_audit_verify_head",
            |c| vec![c.m(), s(format!(r#"{{"seq": 0, "mac": "{}"}}"#, "0".repeat(64))), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_audit_verify_head(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .text("head_json", S { utf8: E_UTF8, nul: E_INV, empty: E_INV, long: E_INV })
        .bytes("head_json", "a short MAC", r#"{"seq": 1, "mac": "00"}"#, E_INV)
        .bytes("head_json", "upper-case hex", format!(r#"{{"seq": 1, "mac": "{}"}}"#, "A".repeat(64)), E_INV)
        .bytes("head_json", "an unknown field", r#"{"seq": 1, "mac": "", "x": 1}"#, E_INV),
        Entry::new(
            "fixprov_audit_query",
            |c| vec![c.m(), s(r#"{"limit": 5}"#), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_audit_query(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        // Empty is no filter.
        .text("filter", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .bytes("filter", "an unknown field", r#"{"nope": 1}"#, E_INV)
        .bytes("filter", "a negative limit", r#"{"limit": -1}"#, E_INV)
        .bytes("filter", "nested 100,000 deep", "[".repeat(100_000), E_INV),
        Entry::new(
            "fixprov_stats_json",
            |c| vec![c.m(), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_stats_json(a[0].e(), a[1].o()) })
            },
            E_OK,
        ),
    ]
}
