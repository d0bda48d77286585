//! Country rules through the C ABI: the GeoIP database option and the rules of users and tiers.

use crate::cold::geo::CountryRule;
use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::options::fixprov_options;
use crate::ffi::status::fixprov_status;

/// A rule from its JSON text, `{"allow": ["FR", "DE"], "deny": []}` (either list may be left out).
fn parse_rule(json: &str) -> crate::Result<CountryRule> {
    serde_json::from_str(json).map_err(|e| crate::Error::invalid(format!("a country rule: {e}")))
}

/// The GeoIP database for country rules: a MaxMind-format file (.mmdb: GeoIP2 or GeoLite2 Country
/// or City), read at fixprov_engine_open() (a missing or unreadable file fails the open) and again
/// within a second of the file changing, without a restart. (NULL, 0) sets none. unknown_allowed
/// 1 lets a logon whose country cannot be told (no peer address, no database, an address the
/// database does not know) pass a country rule; 0 (the default) refuses it when a rule applies.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT
/// (unknown_allowed not 0 or 1).
/// Ownership: does not take ownership of options or path (it is copied).
/// Thread safety: one thread at a time per options object.
///
/// # Safety
/// options is NULL or a live fixprov_options not used by another thread meanwhile; path is NULL
/// or path_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_options_set_geoip(
    options: *mut fixprov_options,
    path: *const u8,
    path_len: usize,
    unknown_allowed: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let options = unsafe { boundary::borrow_mut(options, c"options is NULL") }?;
        // SAFETY: forwarded contract.
        let path = unsafe { boundary::optional_text(path, path_len, c"path is NULL") }?;
        if unknown_allowed > 1 {
            return Err(crate::Error::invalid("unknown_allowed must be 0 or 1").into());
        }
        if path.is_some_and(|p| p.contains('\0')) {
            return Err(crate::Error::invalid("the path holds a NUL byte").into());
        }
        options.config.geoip_database = path.map(std::path::PathBuf::from);
        options.config.geo_unknown_allowed = unknown_allowed == 1;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets a user's own country rule, over its tier's: JSON `{"allow": ["FR"], "deny": ["KP"]}` of
/// ISO 3166-1 alpha-2 codes (either list may be left out; `{}` is no restriction whatever the
/// tier says); (NULL, 0) follows the tier's rule again. Audited ("credential.country_rule").
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (not a
/// rule, a code that is not two letters, a code both allowed and denied), FIXPROV_ERR_NOT_FOUND
/// (no credential), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user or rule_json.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and rule_json are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_country_rule_set(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    rule_json: *const u8,
    rule_json_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let rule = unsafe { boundary::optional_text(rule_json, rule_json_len, c"rule_json is NULL") }?;
        let rule = rule.map(parse_rule).transpose()?;
        engine.access().set_country_rule(user, rule)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets a tier's country rule (JSON as for fixprov_country_rule_set()); (NULL, 0) or an empty rule
/// removes it. Audited ("country_rule.tier").
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND (no such tier), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of tier or rule_json.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; tier and rule_json are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_tier_country_rule_set(
    engine: *const fixprov_engine,
    tier: *const u8,
    tier_len: usize,
    rule_json: *const u8,
    rule_json_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (tier, rule) = unsafe {
            (
                boundary::text(tier, tier_len, c"tier is NULL")?,
                boundary::optional_text(rule_json, rule_json_len, c"rule_json is NULL")?,
            )
        };
        let rule = rule.map(parse_rule).transpose()?;
        engine.access().set_tier_country_rule(tier, rule)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}
