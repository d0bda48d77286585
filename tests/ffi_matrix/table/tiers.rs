//! The matrix entries for tiers and users' tiers (src/ffi/tiers.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_tier_set",
            |c| vec![c.m(), s("matrix"), Arg::Spec(Some(Box::new(spec())))],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_tier_set(a[0].e(), a[1].p(), a[1].n(), a[2].spec()) })
            },
            E_OK,
        )
        .text("name", PARSED)
        .bytes("name", "a space", "has space", E_INV)
        .bytes("name", "64 characters", "t".repeat(64), E_OK)
        .bytes("name", "65 characters", "t".repeat(65), E_INV)
        .case(
            "spec",
            "a burst of 0 with a rate",
            |_, a| {
                *a.at("spec") = Arg::Spec(Some(Box::new(fixprov_tier_spec { order_burst: 0, ..spec() })));
            },
            E_INV,
        ),
        Entry::new(
            "fixprov_tier_get",
            |c| vec![c.m(), s("premium"), out(OutKind::Plain)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_tier_get(a[0].e(), a[1].p(), a[1].n(), a[2].o()) })
            },
            E_OK,
        )
        .text("name", LOOKUP),
        Entry::new(
            "fixprov_user_set_tier",
            |c| vec![c.m(), s(c.name("ust")), s("basic")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_user_set_tier(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", NEW_USER)
        .text("tier", LOOKUP),
    ]
}
