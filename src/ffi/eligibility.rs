//! Eligibility through the C ABI: account facts, rules, overrides, bypasses, tier rules and
//! evaluation. Documents are JSON; their format is in the crate's `cold::rules` documentation and
//! docs/eligibility.md.

use crate::cold::rules::{AccountFacts, Override};
use crate::ffi::boundary::{self, fixprov_engine, guard};
use crate::ffi::status::fixprov_status;
use std::ffi::c_char;

/// Sets what is known of a user's account (the user need not be provisioned yet), as a JSON
/// object: {"balance": {"amount": "1500.00", "currency": "USD"}, "volume_30d": {...},
/// "account_created_unix_ms": 1700000000000, "kyc_level": 2, "groups": ["desk-a"],
/// "custom": {"risk_score": 40}}. Every field is optional; amounts are strings (never floats).
/// Durable before it returns.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (with the
/// problem in fixprov_last_error()), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of user or facts.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user and facts are NULL or readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn fixprov_account_set(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    facts: *const u8,
    facts_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        // SAFETY: forwarded contract.
        let facts = unsafe { boundary::text(facts, facts_len, c"facts is NULL") }?;
        let facts: AccountFacts =
            serde_json::from_str(facts).map_err(|e| crate::Error::invalid(format!("account facts: {e}")))?;
        engine.eligibility().account_set(user, facts)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Evaluates a user against the rules now, as JSON: {"eligible": bool, "bypassed": bool,
/// "failures": [{"rule_id", "description", "actual", "required"}]}.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, or FIXPROV_ERR_INVALID_ARGUMENT.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Does not take ownership of user.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; user is NULL or user_len readable bytes; out_json NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_evaluate(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let (engine, user) = unsafe { boundary::engine_and_user(engine, user, user_len) }?;
        crate::cold::users::validate_id(user)?;
        let json = boundary::json_into_raw(&engine.eligibility().evaluate(user))?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Adds a rule from its JSON document, e.g. {"id": "min_kyc_level", "min_kyc_level": 2} or
/// {"id": "vip", "when": {"fact": "groups", "op": "contains", "value": "vip"}}. Its id must be new.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (the
/// document's problem, with its JSON path, in fixprov_last_error()), FIXPROV_ERR_ALREADY_EXISTS, or
/// FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of document.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; document is NULL or document_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_rule_add(
    engine: *const fixprov_engine,
    document: *const u8,
    document_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let document = unsafe { boundary::text(document, document_len, c"document is NULL") }?;
        engine.eligibility().rule_add(document)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Removes, enables or disables a rule (the defaults included).
///
/// Parameters:
/// - action: 0 removes the rule, 1 enables it, 2 disables it.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (unknown
/// action), FIXPROV_ERR_NOT_FOUND, or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of rule_id.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; rule_id is NULL or rule_id_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_rule_change(
    engine: *const fixprov_engine,
    rule_id: *const u8,
    rule_id_len: usize,
    action: u32,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let id = unsafe { boundary::text(rule_id, rule_id_len, c"rule_id is NULL") }?;
        match action {
            0 => engine.eligibility().rule_remove(id)?,
            1 => engine.eligibility().rule_enable(id, true)?,
            2 => engine.eligibility().rule_enable(id, false)?,
            _ => {
                return Err(
                    crate::Error::invalid("action must be 0 (remove), 1 (enable) or 2 (disable)").into()
                )
            }
        }
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// The rule set as a JSON array of rule documents, in evaluation order; with which (0 rules,
/// 1 tier rules).
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, or FIXPROV_ERR_INVALID_ARGUMENT.
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; out_json is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_rules_json(
    engine: *const fixprov_engine,
    which: u32,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        let documents: Vec<String> = match which {
            0 => engine.eligibility().rules().iter().map(crate::cold::rules::rule_to_json).collect(),
            1 => {
                engine.eligibility().tier_rules().iter().map(crate::cold::rules::tier_rule_to_json).collect()
            }
            _ => return Err(crate::Error::invalid("which must be 0 (rules) or 1 (tier rules)").into()),
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(boundary::string_into_raw(format!("[{}]", documents.join(",")))) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Sets or clears one user's override of one rule. override_json is "\"disabled\"" (the rule is
/// skipped for this user) or `{"threshold": VALUE}` (another threshold: money for balance and
/// volume rules, an integer for age and KYC); (NULL, 0) clears the override.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (a value
/// that does not fit the rule), FIXPROV_ERR_NOT_FOUND (no such rule, or no override to clear), or
/// FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of any argument.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; each string is NULL or readable for its length.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fixprov_override_set(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    rule_id: *const u8,
    rule_id_len: usize,
    override_json: *const u8,
    override_json_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (user, rule, json) = unsafe {
            (
                boundary::text(user, user_len, c"user is NULL")?,
                boundary::text(rule_id, rule_id_len, c"rule_id is NULL")?,
                boundary::optional_text(override_json, override_json_len, c"override_json is NULL")?,
            )
        };
        let value: Option<Override> = match json {
            Some(json) => Some(
                serde_json::from_str(json).map_err(|e| crate::Error::invalid(format!("override: {e}")))?,
            ),
            None => None,
        };
        engine.eligibility().override_set(user, rule, value)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Grants a user an eligibility bypass (eligible whatever the rules say), recording who granted it
/// and why; (NULL, 0) for both granted_by and reason withdraws it.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT (granted_by
/// or reason empty), FIXPROV_ERR_NOT_FOUND (no bypass to withdraw), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of any argument.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; each string is NULL or readable for its length.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fixprov_bypass_set(
    engine: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
    granted_by: *const u8,
    granted_by_len: usize,
    reason: *const u8,
    reason_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract (each pair).
        let (user, by, why) = unsafe {
            (
                boundary::text(user, user_len, c"user is NULL")?,
                boundary::optional_text(granted_by, granted_by_len, c"granted_by is NULL")?,
                boundary::optional_text(reason, reason_len, c"reason is NULL")?,
            )
        };
        let grant = match (by, why) {
            (None, None) => None,
            (by, why) => Some((by.unwrap_or(""), why.unwrap_or(""))),
        };
        engine.eligibility().bypass_set(user, grant)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Replaces the tier rules with a JSON array of tier-rule documents, e.g.
/// [{"tier": "premium", "when": {"fact": "volume_30d", "op": ">=", "value": {"amount":
/// "1000000.00", "currency": "USD"}}}]; the first match wins; applied by fixprov_reevaluate().
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_UTF8, FIXPROV_ERR_INVALID_ARGUMENT,
/// FIXPROV_ERR_NOT_FOUND (a tier that does not exist), or FIXPROV_ERR_STORAGE.
/// Ownership: does not take ownership of documents.
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; documents is NULL or documents_len readable bytes.
#[no_mangle]
pub unsafe extern "C" fn fixprov_tier_rules_set(
    engine: *const fixprov_engine,
    documents: *const u8,
    documents_len: usize,
) -> fixprov_status {
    guard(|| {
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        // SAFETY: forwarded contract.
        let documents = unsafe { boundary::text(documents, documents_len, c"documents is NULL") }?;
        engine.eligibility().tier_rules_set(documents)?;
        Ok(fixprov_status::FIXPROV_OK)
    })
}

/// Re-evaluates every provisioned user: reports those who no longer qualify (and suspends them,
/// killing their sessions, when suspend is 1), and moves users whose facts match a tier rule to
/// that tier (live sessions enforce it from their next message). The report is JSON:
/// `{"checked", "not_eligible": [{"user", "verdict"}], "suspended": [users], "tier_changes":
/// [[user, from, to]]}`.
///
/// Returns: FIXPROV_OK, FIXPROV_ERR_NULL, FIXPROV_ERR_INVALID_ARGUMENT (suspend not 0 or 1), or
/// FIXPROV_ERR_STORAGE (the report is then not written; changes made before the failure stay).
/// Ownership: returns a new string owned by the caller; free it with fixprov_string_free().
/// Thread safety: may be called from several threads at once.
///
/// # Safety
/// engine is NULL or live; out_json is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fixprov_reevaluate(
    engine: *const fixprov_engine,
    suspend: u32,
    out_json: *mut *mut c_char,
) -> fixprov_status {
    guard(|| {
        let out = boundary::out_ptr(out_json, c"out_json is NULL")?;
        // SAFETY: forwarded contract.
        let engine = unsafe { boundary::engine(engine) }?;
        if suspend > 1 {
            return Err(crate::Error::invalid("suspend must be 0 or 1").into());
        }
        let json = boundary::json_into_raw(&engine.eligibility().reevaluate(suspend == 1)?)?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(json) };
        Ok(fixprov_status::FIXPROV_OK)
    })
}
