//! The matrix entries for credentials, their life cycle, allow-lists, logon and the master password (src/ffi/access.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_provision",
            |c| {
                vec![
                    c.m(),
                    s(c.name("prov")),
                    s("standard"),
                    out(OutKind::Str),
                    out(OutKind::Str),
                    out(OutKind::Str),
                ]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_provision(
                        a[0].e(),
                        a[1].p(),
                        a[1].n(),
                        a[2].p(),
                        a[2].n(),
                        a[3].o(),
                        a[4].o(),
                        a[5].o(),
                    )
                })
            },
            E_OK,
        )
        .null("out_sender_comp_id", E_OK)
        .null("out_target_comp_id", E_OK)
        .text("user", NEW_USER)
        .text("tier", S { utf8: E_UTF8, nul: E_NF, empty: E_OK, long: E_NF })
        .bytes("tier", "no such tier", "gold", E_NF)
        .case(
            "user",
            "already provisioned",
            |_, a| *a.at("user") = s("alice"),
            Expect::St(FIXPROV_ERR_ALREADY_EXISTS),
        )
        .case(
            "user",
            "refused by an eligibility rule",
            |c, a| *a.at("engine") = c.el(),
            Expect::St(FIXPROV_ERR_NOT_ELIGIBLE),
        ),
        user_entry("fixprov_revoke", |a| {
            // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
            st(unsafe { fixprov_revoke(a[0].e(), a[1].p(), a[1].n()) })
        })
        .case("user", "revoked already", |c, a| *a.at("user") = s(c.revoked()), E_OK),
        user_entry("fixprov_suspend", |a| {
            // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
            st(unsafe { fixprov_suspend(a[0].e(), a[1].p(), a[1].n()) })
        })
        .case("user", "revoked", |c, a| *a.at("user") = s(c.revoked()), E_STATE),
        user_entry("fixprov_reactivate", |a| {
            // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
            st(unsafe { fixprov_reactivate(a[0].e(), a[1].p(), a[1].n()) })
        })
        .case("user", "revoked", |c, a| *a.at("user") = s(c.revoked()), E_STATE)
        .case(
            "user",
            "suspended",
            |c, a| {
                let user = a.text("user");
                c.user_call(fixprov_suspend, &user);
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_regenerate_password",
            |c| vec![c.m(), s(c.provision().user), Arg::U32(0), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_regenerate_password(a[0].e(), a[1].p(), a[1].n(), a[2].u32(), a[3].o()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .set("overlap_secs", u64::from(u32::MAX), E_OK)
        .case("user", "revoked", |c, a| *a.at("user") = s(c.revoked()), E_STATE),
        Entry::new(
            "fixprov_set_expiry",
            |c| vec![c.m(), s(c.provision().user), Arg::U64(0)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_set_expiry(a[0].e(), a[1].p(), a[1].n(), a[2].u64()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .set("expires_unix_ms", u64::MAX, E_OK)
        .set("expires_unix_ms", 1, E_OK),
        Entry::new(
            "fixprov_ip_allow",
            |c| vec![c.m(), s(c.provision().user), s("10.0.0.0/8")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_ip_allow(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .text("rule", PARSED)
        .bytes("rule", "a host name", "example.com", E_INV)
        .bytes("rule", "a prefix too long", "10.0.0.0/33", E_INV)
        .bytes("rule", "IPv6", "2001:db8::/32", E_OK),
        Entry::new(
            "fixprov_ip_disallow",
            |c| {
                let user = c.provision().user;
                let rule = "10.0.0.0/8";
                // SAFETY: live engine; the strings outlive the call.
                ok(
                    unsafe { fixprov_ip_allow(c.main, user.as_ptr(), user.len(), rule.as_ptr(), rule.len()) },
                    "allow",
                );
                vec![c.m(), s(user), s(rule)]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_ip_disallow(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .text("rule", PARSED)
        .bytes("rule", "not on the list", "192.0.2.0/24", E_NF),
        Entry::new(
            "fixprov_credentials_get",
            |c| vec![c.m(), s("alice"), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_credentials_get(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .text("user", LOOKUP),
        Entry::new(
            "fixprov_logon",
            |c| logon_args(c, &c.provision()),
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_logon(
                        a[0].e(),
                        a[1].p(),
                        a[1].n(),
                        a[2].p(),
                        a[2].n(),
                        a[3].p(),
                        a[3].n(),
                        a[4].p(),
                        a[4].n(),
                        a[5].p(),
                        a[5].n(),
                        a[6].o(),
                        a[7].o(),
                        a[8].o(),
                    )
                })
            },
            E_OK,
        )
        .null("out_session_status", E_OK)
        .null("out_text", E_OK)
        // Peer-supplied fields: what cannot match is the peer's refusal, not the host's error.
        .text("sender_comp_id", S::all(UNKNOWN))
        .text("target_comp_id", S::all(UNKNOWN))
        .text("password", S::all(BAD_CREDS))
        .text("username", S { utf8: BAD_CREDS, nul: BAD_CREDS, empty: E_OK, long: BAD_CREDS })
        // The host's own view of the address; empty means it cannot tell.
        .text("peer_ip", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .bytes("peer_ip", "not an address", "not-an-ip", E_INV)
        .bytes("peer_ip", "with a port", "[2001:db8::1]:5001", E_OK)
        .case(
            "username",
            "suspended",
            |c, a| {
                let user = a.text("username");
                c.user_call(fixprov_suspend, &user);
            },
            Expect::St(FIXPROV_LOGON_SUSPENDED),
        )
        .case(
            "username",
            "revoked",
            |c, a| {
                let user = a.text("username");
                c.user_call(fixprov_revoke, &user);
            },
            Expect::St(FIXPROV_LOGON_REVOKED),
        )
        .case(
            "username",
            "its one session open",
            |c, a| {
                let user = a.text("username");
                c.session_of(&user);
            },
            Expect::St(FIXPROV_LOGON_SESSION_LIMIT),
        )
        .case(
            "peer_ip",
            "outside the allow-list",
            |c, a| {
                let (user, rule) = (a.text("username"), "192.0.2.0/24");
                // SAFETY: live engine; the strings outlive the call.
                let rc =
                    unsafe { fixprov_ip_allow(c.main, user.as_ptr(), user.len(), rule.as_ptr(), rule.len()) };
                ok(rc, "ip_allow");
            },
            Expect::St(FIXPROV_LOGON_IP_NOT_ALLOWED),
        ),
        Entry::new(
            "fixprov_master_password_change",
            |c| vec![Arg::Engine(c.store(), Own::Shared), s(c.name("master password"))],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_master_password_change(a[0].e(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        // Any bytes.
        .text("new_password", S { utf8: E_OK, nul: E_OK, empty: E_INV, long: E_OK })
        .case("engine", "an engine without a store", |c, a| *a.at("engine") = c.m(), E_STATE),
    ]
}
