//! The matrix entries for country rules and the GeoIP database option (src/ffi/geo.rs).

use crate::*;

/// A rule document: what is not JSON, or not a rule, is the host's invalid argument.
const RULE: S = S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV };

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_options_set_geoip",
            |c| vec![c.options(Own::Temp), s("/var/lib/GeoIP/GeoLite2-Country.mmdb"), Arg::U32(0)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_options_set_geoip(a[0].opts(), a[1].p(), a[1].n(), a[2].u32()) })
            },
            E_OK,
        )
        // The file is read at open; here any path is taken, but not one with a NUL byte.
        .text("path", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_OK })
        .set("unknown_allowed", 1, E_OK)
        .set("unknown_allowed", 2, E_INV)
        .set("unknown_allowed", u64::from(u32::MAX), E_INV),
        Entry::new(
            "fixprov_country_rule_set",
            |c| vec![c.m(), s(c.provision().user), s(r#"{"allow": ["fr", "DE"], "deny": ["KP"]}"#)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_country_rule_set(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .text("rule_json", RULE)
        .bytes("rule_json", "no restriction", "{}", E_OK)
        .bytes("rule_json", "a three-letter code", r#"{"allow": ["FRA"]}"#, E_INV)
        .bytes("rule_json", "allowed and denied", r#"{"allow": ["FR"], "deny": ["fr"]}"#, E_INV)
        .bytes("rule_json", "an unknown field", r#"{"permit": ["FR"]}"#, E_INV),
        Entry::new(
            "fixprov_tier_country_rule_set",
            // An empty rule removes the tier's (it has none): the matrix's other users keep logging
            // on from anywhere.
            |c| vec![c.m(), s("standard"), s("{}")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_tier_country_rule_set(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("tier", LOOKUP)
        .text("rule_json", RULE)
        .bytes("rule_json", "not a rule", "[1, 2]", E_INV),
    ]
}
