//! The matrix entries for the admin command layer and its HTTP server (src/ffi/admin.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_admin_request",
            |c| {
                vec![
                    c.m(),
                    s("POST"),
                    s("/admin/fix/rate-limits/reset-violations"),
                    s(r#"{"user": "holder"}"#),
                    out(OutKind::Plain),
                    out(OutKind::Str),
                ]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                let rc = unsafe {
                    fixprov_admin_request(
                        a[0].e(),
                        a[1].p(),
                        a[1].n(),
                        a[2].p(),
                        a[2].n(),
                        a[3].p(),
                        a[3].n(),
                        a[4].o(),
                        a[5].o(),
                    )
                };
                Ret::Http(rc, a[4].written_u32())
            },
            Expect::Http(200),
        )
        .text(
            "method",
            S { utf8: E_UTF8, nul: Expect::Http(405), empty: Expect::Http(405), long: Expect::Http(405) },
        )
        .text(
            "path",
            S { utf8: E_UTF8, nul: Expect::Http(404), empty: Expect::Http(404), long: Expect::Http(404) },
        )
        // The body is bytes: what is not JSON is the answer's 400, and over 64 KiB its 413.
        .text(
            "body",
            S {
                utf8: Expect::Http(400),
                nul: Expect::Http(400),
                empty: Expect::Http(400),
                long: Expect::Http(413),
            },
        )
        .bytes("body", "64 KiB", padded(r#"{"user": "holder"}"#, 64 * 1024), Expect::Http(200))
        .bytes("body", "64 KiB + 1", padded(r#"{"user": "holder"}"#, 64 * 1024 + 1), Expect::Http(413))
        .bytes("body", "nested 10,000 deep", "[".repeat(10_000), Expect::Http(400))
        .bytes("body", "an unknown field", r#"{"user": "holder", "x": 1}"#, Expect::Http(400))
        .bytes("path", "a query parameter the route does not take", "/admin/fix/stats?x=1", Expect::Http(405))
        .bytes("method", "GET on a POST route", "GET", Expect::Http(405)),
        Entry::new(
            "fixprov_admin_start",
            |c| vec![c.m(), s("127.0.0.1:0"), s(TOKENS), Arg::U32(0), out(OutKind::Plain)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_admin_start(
                        a[0].e(),
                        a[1].p(),
                        a[1].n(),
                        a[2].p(),
                        a[2].n(),
                        a[3].u32(),
                        a[4].o(),
                    )
                })
            },
            E_OK,
        )
        .null("out_port", E_OK)
        .text("bind_addr", PARSED)
        .text("tokens_json", PARSED)
        .set("allow_remote", 2, E_INV)
        .set("allow_remote", u64::from(u32::MAX), E_INV)
        .set("allow_remote", 1, E_OK)
        .bytes("bind_addr", "not loopback", "0.0.0.0:0", E_INV)
        .bytes("tokens_json", "a short token", r#"[{"name": "a", "role": "admin", "token": "short"}]"#, E_INV)
        .bytes("tokens_json", "an unknown role", TOKENS.replace("admin", "root"), E_INV),
        Entry::new(
            "fixprov_admin_stop",
            |c| vec![c.m()],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_admin_stop(a[0].e()) })
            },
            E_OK,
        ),
    ]
}
