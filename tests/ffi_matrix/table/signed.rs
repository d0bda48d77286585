//! The matrix entries for signed logons, logon keys and logon policies (src/ffi/signed.rs).

use crate::*;
use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const BAD_SIG: Expect = Expect::St(FIXPROV_LOGON_BAD_SIGNATURE);
const STALE: Expect = Expect::St(FIXPROV_LOGON_STALE_SIGNATURE);
const E_LIMIT: Expect = Expect::St(FIXPROV_ERR_LIMIT_REACHED);

/// The key every signing user of the matrix registers.
fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[0x2a; 32])
}

fn public_key() -> String {
    B64.encode(signing_key().verifying_key().to_bytes())
}

/// Registers the matrix's key for `user` through the C ABI; returns its id.
fn add_key(c: &Ctx, user: &str) -> String {
    let public = public_key();
    let mut id = null_mut();
    // SAFETY: live engine; the strings and the out-parameter outlive the call.
    let rc = unsafe {
        fixprov_key_add_ed25519(c.main, user.as_ptr(), user.len(), public.as_ptr(), public.len(), 0, &mut id)
    };
    ok(rc, "key_add_ed25519");
    take(id)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

/// A FIX UTCTimestamp of `ms` since the Unix epoch (a civil-from-days conversion).
fn sending_time(ms: u64) -> String {
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}-{:02}:{:02}:{:02}.{millis:03}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A signed Logon's arguments for a new user on "password+signature" with the matrix's key.
fn signed_logon_args(c: &Ctx) -> Vec<Arg> {
    let creds = c.provision();
    let policy = "password+signature";
    // SAFETY: live engine; the strings outlive the call.
    let rc = unsafe {
        fixprov_logon_policy_set(c.main, creds.user.as_ptr(), creds.user.len(), policy.as_ptr(), policy.len())
    };
    ok(rc, "logon_policy_set");
    let key_id = add_key(c, &creds.user);
    let n = c.next();
    let peer = format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    let time = sending_time(now_ms());
    let payload = format!("A\x01{}\x01{}\x01{n}\x01{time}", creds.sender, creds.target);
    let raw = B64.encode(signing_key().sign(payload.as_bytes()).to_bytes());
    vec![
        c.m(),
        s(&creds.sender),
        s(&creds.target),
        s(&creds.password),
        s(peer),
        s("A"),
        Arg::U64(n),
        s(time),
        s(raw),
        s(key_id),
        out(OutKind::Session),
        out(OutKind::Plain),
        out(OutKind::Static),
    ]
}

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_logon_signed",
            signed_logon_args,
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_logon_signed(
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
                        a[6].u64(),
                        a[7].p(),
                        a[7].n(),
                        a[8].p(),
                        a[8].n(),
                        a[9].p(),
                        a[9].n(),
                        a[10].o(),
                        a[11].o(),
                        a[12].o(),
                    )
                })
            },
            E_OK,
        )
        .null("out_session_status", E_OK)
        .null("out_text", E_OK)
        // The peer's fields: what cannot match or verify is the peer's refusal.
        .text("sender_comp_id", S::all(Expect::St(FIXPROV_LOGON_UNKNOWN_COMP_ID)))
        .text("target_comp_id", S::all(Expect::St(FIXPROV_LOGON_UNKNOWN_COMP_ID)))
        .text("password", S::all(Expect::St(FIXPROV_LOGON_BAD_CREDENTIALS)))
        .text("peer_ip", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .text("msg_type", S::all(BAD_SIG))
        .bytes("msg_type", "another MsgType", "D", BAD_SIG)
        .set("msg_seq_num", u64::MAX, BAD_SIG)
        .text("sending_time", S::all(STALE))
        .bytes("sending_time", "a minute ago", sending_time(now_ms() - 60_000), STALE)
        .bytes("sending_time", "a minute ahead", sending_time(now_ms() + 60_000), STALE)
        .text("raw_data", S::all(BAD_SIG))
        .bytes("raw_data", "a signature of something else", B64.encode([0u8; 64]), BAD_SIG)
        .text("key_id", S::all(BAD_SIG))
        .bytes("key_id", "an unknown key", "lk_0000000000000000", BAD_SIG),
        Entry::new(
            "fixprov_key_add_ed25519",
            |c| vec![c.m(), s(c.provision().user), s(public_key()), Arg::U64(0), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_key_add_ed25519(
                        a[0].e(),
                        a[1].p(),
                        a[1].n(),
                        a[2].p(),
                        a[2].n(),
                        a[3].u64(),
                        a[4].o(),
                    )
                })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .text("public_key", PARSED)
        .bytes("public_key", "31 bytes", B64.encode([7u8; 31]), E_INV)
        .set("expires_unix_ms", 1, E_INV)
        .set("expires_unix_ms", u64::MAX, E_OK)
        .case(
            "user",
            "two keys live already",
            |c, a| {
                let user = a.text("user");
                add_key(c, &user);
                add_key(c, &user);
            },
            E_LIMIT,
        )
        .case("user", "revoked", |c, a| *a.at("user") = s(c.revoked()), E_STATE),
        Entry::new(
            "fixprov_key_generate_hmac",
            |c| vec![c.m(), s(c.provision().user), Arg::U64(0), out(OutKind::Str), out(OutKind::Str)],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe {
                    fixprov_key_generate_hmac(a[0].e(), a[1].p(), a[1].n(), a[2].u64(), a[3].o(), a[4].o())
                })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .set("expires_unix_ms", 1, E_INV)
        .set("expires_unix_ms", u64::MAX, E_OK),
        Entry::new(
            "fixprov_key_revoke",
            |c| {
                let user = c.provision().user;
                let key = add_key(c, &user);
                vec![c.m(), s(user), s(key)]
            },
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_key_revoke(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        .text("key_id", LOOKUP),
        Entry::new(
            "fixprov_logon_policy_set",
            |c| vec![c.m(), s(c.provision().user), s("signature")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_logon_policy_set(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("user", LOOKUP)
        // (NULL, 0) and empty: follow the tier's policy again.
        .text("policy", S { utf8: E_UTF8, nul: E_INV, empty: E_OK, long: E_INV })
        .bytes("policy", "password+signature", "password+signature", E_OK)
        .bytes("policy", "another name", "totp", E_INV),
        Entry::new(
            "fixprov_tier_set_logon_policy",
            // "password" (the default) again: the matrix's other users of "standard" keep logging on
            // with a password alone.
            |c| vec![c.m(), s("standard"), s("password")],
            |a| {
                // SAFETY: every pointer in `a` is NULL or valid for its length or type (see `Arg`).
                st(unsafe { fixprov_tier_set_logon_policy(a[0].e(), a[1].p(), a[1].n(), a[2].p(), a[2].n()) })
            },
            E_OK,
        )
        .text("tier", LOOKUP)
        .text("policy", PARSED)
        .bytes("policy", "another name", "totp", E_INV),
    ]
}
