//! The matrix entries for account facts, rules, overrides, bypasses, tier rules and re-evaluation (src/ffi/eligibility.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_account_set",
            |c| {
                vec![
                    c.m(),
                    s(c.name("acct")),
                    s(r#"{"kyc_level": 2, "balance": {"amount": "10.00", "currency": "USD"}}"#),
                ]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_account_set(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", NEW_USER)
        .text("facts", PARSED)
        .bytes("facts", "a float amount", r#"{"balance": {"amount": 1.5, "currency": "USD"}}"#, E_INV)
        .bytes("facts", "nested 100,000 deep", "[".repeat(100_000), E_INV)
        .bytes("facts", "a bad custom fact name", r#"{"custom": {"Bad Name": 1}}"#, E_INV),
        Entry::new(
            "fixprov_evaluate",
            |c| vec![c.el(), s(c.name("eval")), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_evaluate(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .text("user", NEW_USER),
        Entry::new(
            "fixprov_rule_add",
            |c| {
                vec![c.el(), s(format!(r#"{{"id": "r{}", "min_kyc_level": 1, "enabled": false}}"#, c.next()))]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_rule_add(a[0].e(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        .text("document", PARSED)
        .bytes(
            "document",
            "an id taken",
            r#"{"id": "base", "min_kyc_level": 1}"#,
            Expect::St(FIXPROV_ERR_ALREADY_EXISTS),
        )
        .bytes("document", "nested 100,000 deep", "[".repeat(100_000), E_INV)
        .bytes("document", "an unknown field", r#"{"id": "x", "min_kyc_level": 1, "y": 2}"#, E_INV),
        Entry::new(
            "fixprov_rule_change",
            |c| {
                let id = format!("rc{}", c.next());
                let doc = format!(r#"{{"id": "{id}", "min_kyc_level": 1, "enabled": false}}"#);
                // SAFETY: live engine; the document outlives the call.
                ok(unsafe { fixprov_rule_add(c.elig, doc.as_ptr(), doc.len()) }, "rule_add");
                vec![c.el(), s(id), Arg::U32(2)]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_rule_change(a[0].e(), a[1].p(), a[1].n(), a[2].u32()) })
            },
            E_OK,
        )
        .text("rule_id", LOOKUP)
        .set("action", 0, E_OK)
        .set("action", 1, E_OK)
        .set("action", 3, E_INV)
        .set("action", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_rules_json",
            |c| vec![c.el(), Arg::U32(0), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_rules_json(a[0].e(), a[1].u32(), a[2].o()) })
            },
            E_OK,
        )
        .set("which", 1, E_OK)
        .set("which", 2, E_INV)
        .set("which", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_override_set",
            |c| vec![c.el(), s(c.name("ovr")), s("base"), s(r#""disabled""#)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_override_set(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n(), a[3].p(), a[3].n())
                })
            },
            E_OK,
        )
        .text("user", NEW_USER)
        .text("rule_id", LOOKUP)
        // Empty clears the override: a new user has none.
        .text("override_json", S { utf8: E_UTF8, nul: E_INV, empty: E_NF, long: E_INV })
        .bytes("override_json", "a threshold of the wrong type", r#"{"threshold": "x"}"#, E_INV)
        .bytes("override_json", "a threshold", r#"{"threshold": 1}"#, E_OK)
        .case(
            "override_json",
            "cleared after one was set",
            |c, a| {
                let user = a.text("user");
                let json = r#""disabled""#;
                // SAFETY: live engine; the strings outlive the call.
                let rc = unsafe {
                    fixprov_override_set(
                        c.elig,
                        user.as_ptr(),
                        user.len(),
                        b"base".as_ptr(),
                        4,
                        json.as_ptr(),
                        json.len(),
                    )
                };
                ok(rc, "override_set");
                *a.at("override_json") = Arg::Str(None, 0);
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_bypass_set",
            |c| vec![c.m(), s(c.name("byp")), s("ops"), s("matrix test")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_bypass_set(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n(), a[3].p(), a[3].n())
                })
            },
            E_OK,
        )
        .text("user", NEW_USER)
        // Free text, recorded; empty alone is refused.
        .text("granted_by", S { utf8: E_UTF8, nul: E_OK, empty: E_INV, long: E_OK })
        .text("reason", S { utf8: E_UTF8, nul: E_OK, empty: E_INV, long: E_OK })
        .bytes("granted_by", "blank", "   ", E_INV)
        .case(
            "granted_by",
            "both empty: withdraw, without a bypass",
            |_, a| {
                *a.at("granted_by") = Arg::Str(None, 0);
                *a.at("reason") = s("");
            },
            E_NF,
        )
        .case(
            "reason",
            "both empty: withdraw a bypass",
            |c, a| {
                let user = a.text("user");
                // SAFETY: live engine; the strings outlive the call.
                ok(
                    unsafe {
                        fixprov_bypass_set(
                            c.main,
                            user.as_ptr(),
                            user.len(),
                            b"a".as_ptr(),
                            1,
                            b"b".as_ptr(),
                            1,
                        )
                    },
                    "bypass",
                );
                *a.at("granted_by") = s("");
                *a.at("reason") = Arg::Str(None, 0);
            },
            E_OK,
        ),
        Entry::new(
            "fixprov_tier_rules_set",
            |c| {
                vec![
                    c.el(),
                    s(r#"[{"tier": "premium", "when": {"fact": "kyc_level", "op": ">=", "value": 9}}]"#),
                ]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_tier_rules_set(a[0].e(), a[1].p(), a[1].n()) })
            },
            E_OK,
        )
        .text("documents", PARSED)
        .bytes("documents", "no rules", "[]", E_OK)
        .bytes(
            "documents",
            "no such tier",
            r#"[{"tier": "gold", "when": {"fact": "kyc_level", "op": ">=", "value": 9}}]"#,
            E_NF,
        )
        .bytes("documents", "nested 100,000 deep", "[".repeat(100_000), E_INV),
        Entry::new(
            "fixprov_reevaluate",
            |c| vec![c.m(), Arg::U32(0), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_reevaluate(a[0].e(), a[1].u32(), a[2].o()) })
            },
            E_OK,
        )
        .set("suspend", 1, E_OK)
        .set("suspend", 2, E_INV)
        .set("suspend", u64::from(u32::MAX), E_INV),
    ]
}
