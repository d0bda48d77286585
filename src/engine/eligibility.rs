//! Who qualifies for FIX access: account facts, the rule set, per-user overrides and bypasses, tier
//! rules, and where they apply (provisioning, optionally logon, and re-evaluation).
//!
//! Every change is validated, committed to the store, then published (`arc-swap` for the rule sets,
//! a map of `Arc`s per user for the rest), so evaluation reads without a lock on the values and a
//! failed call changes nothing.

use crate::cold::audit::AuditEvent;
use crate::cold::credentials::CredentialStatus;
use crate::cold::rules::{
    self, default_rules, evaluate, parse_rule, parse_tier_rule, pick_tier, rule_to_json, tier_rule_to_json,
    validate_override, AccountFacts, Bypass, Currency, Override, Rule, TierRule, Verdict,
};
use crate::cold::store::{Table, Write};
use crate::cold::users::validate_id;
use crate::engine::core::{unix_ms, Core};
use crate::error::{Error, Result};
use arc_swap::ArcSwap;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

pub(super) const RULES_KEY: &str = "rules";
pub(super) const TIER_RULES_KEY: &str = "tier_rules";

type PerUser<T> = RwLock<HashMap<String, Arc<T>>>;

/// Eligibility state of an engine.
pub(crate) struct EligibilityState {
    rules: ArcSwap<Vec<Rule>>,
    tier_rules: ArcSwap<Vec<TierRule>>,
    facts: PerUser<AccountFacts>,
    overrides: PerUser<BTreeMap<String, Override>>,
    bypasses: PerUser<Bypass>,
    writer: Mutex<()>,
    pub(crate) check_at_logon: bool,
}

impl EligibilityState {
    pub(crate) fn new(currency: Currency, defaults: bool, check_at_logon: bool) -> EligibilityState {
        EligibilityState {
            rules: ArcSwap::from_pointee(if defaults { default_rules(currency) } else { Vec::new() }),
            tier_rules: ArcSwap::from_pointee(Vec::new()),
            facts: RwLock::default(),
            overrides: RwLock::default(),
            bypasses: RwLock::default(),
            writer: Mutex::new(()),
            check_at_logon,
        }
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn get<T>(map: &PerUser<T>, user: &str) -> Option<Arc<T>> {
    map.read().unwrap_or_else(|p| p.into_inner()).get(user).cloned()
}

fn put<T>(map: &PerUser<T>, user: &str, value: Option<T>) {
    let mut map = map.write().unwrap_or_else(|p| p.into_inner());
    match value {
        Some(v) => map.insert(user.to_owned(), Arc::new(v)),
        None => map.remove(user),
    };
}

fn rule_error(e: impl std::fmt::Display) -> Error {
    Error::invalid(e.to_string())
}

fn json_array(items: impl Iterator<Item = String>) -> Vec<u8> {
    format!("[{}]", items.collect::<Vec<_>>().join(",")).into_bytes()
}

fn parse_array<T>(
    json: &str,
    parse: impl Fn(&str) -> std::result::Result<T, rules::RuleError>,
) -> Result<Vec<T>> {
    let items: Vec<serde_json::Value> = serde_json::from_str(json)
        .map_err(|e| Error::invalid(format!("expected a JSON array of documents: {e}")))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| parse(&item.to_string()).map_err(|e| Error::invalid(format!("document {i}: {e}"))))
        .collect()
}

/// What a re-evaluation of every provisioned user found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Reevaluation {
    /// Users evaluated.
    pub checked: usize,
    /// Users who no longer qualify, with why.
    pub not_eligible: Vec<UserVerdict>,
    /// Users suspended by this run (only when asked to suspend).
    pub suspended: Vec<String>,
    /// Users moved to another tier by the tier rules: (user, from, to).
    pub tier_changes: Vec<(String, String, String)>,
}

/// One user's verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct UserVerdict {
    /// User id.
    pub user: String,
    /// The verdict.
    pub verdict: Verdict,
}

impl Core {
    /// Loads the eligibility records (at open).
    pub(crate) fn load_eligibility(&self, rows: EligibilityRows) -> Result<()> {
        let state = &self.eligibility;
        if let Some(json) = rows.rules {
            state.rules.store(Arc::new(parse_array(&json, parse_rule).map_err(|e| corrupt("rules", e))?));
        }
        if let Some(json) = rows.tier_rules {
            let tier_rules = parse_array(&json, parse_tier_rule).map_err(|e| corrupt("tier rules", e))?;
            state.tier_rules.store(Arc::new(tier_rules));
        }
        for (user, json) in rows.facts {
            put(&state.facts, &user, Some(serde_json::from_str(&json).map_err(|e| corrupt("facts", e))?));
        }
        for (user, json) in rows.overrides {
            put(
                &state.overrides,
                &user,
                Some(serde_json::from_str(&json).map_err(|e| corrupt("overrides", e))?),
            );
        }
        for (user, json) in rows.bypasses {
            put(
                &state.bypasses,
                &user,
                Some(serde_json::from_str(&json).map_err(|e| corrupt("bypasses", e))?),
            );
        }
        Ok(())
    }

    /// Replaces `user`'s eligibility rows as another gateway committed them (`None`: no row).
    pub(crate) fn eligibility_refresh_user(
        &self,
        user: &str,
        facts: Option<String>,
        overrides: Option<String>,
        bypass: Option<String>,
    ) -> Result<()> {
        let state = &self.eligibility;
        let _w = state.lock();
        let facts = facts.map(|j| serde_json::from_str(&j).map_err(|e| corrupt("facts", e))).transpose()?;
        let overrides =
            overrides.map(|j| serde_json::from_str(&j).map_err(|e| corrupt("overrides", e))).transpose()?;
        let bypass =
            bypass.map(|j| serde_json::from_str(&j).map_err(|e| corrupt("bypasses", e))).transpose()?;
        put(&state.facts, user, facts);
        put(&state.overrides, user, overrides);
        put(&state.bypasses, user, bypass);
        Ok(())
    }

    pub(crate) fn account_set(&self, user: &str, facts: AccountFacts) -> Result<()> {
        validate_id(user)?;
        if let Some(name) = facts.custom.keys().find(|k| !rules::is_custom_fact_name(k)) {
            return Err(Error::invalid(format!("custom fact name '{name}' must be [a-z0-9_]{{1,32}}")));
        }
        let _w = self.eligibility.lock();
        let value = serde_json::to_vec(&facts).map_err(rule_error)?;
        let event = AuditEvent::host("account.facts", user, serde_json::to_value(&facts).unwrap_or_default());
        self.access.commit(event, &[Write::Put { table: Table::Facts, key: user, value: &value }])?;
        put(&self.eligibility.facts, user, Some(facts));
        Ok(())
    }

    pub(crate) fn account_facts(&self, user: &str) -> AccountFacts {
        get(&self.eligibility.facts, user).map(|f| AccountFacts::clone(&f)).unwrap_or_default()
    }

    pub(crate) fn evaluate(&self, user: &str) -> Verdict {
        let state = &self.eligibility;
        let facts = get(&state.facts, user);
        let overrides = get(&state.overrides, user);
        let bypass = get(&state.bypasses, user);
        let empty_facts;
        let facts = match &facts {
            Some(f) => f,
            None => {
                empty_facts = AccountFacts::default();
                &empty_facts
            }
        };
        let no_overrides = BTreeMap::new();
        evaluate(
            &state.rules.load(),
            facts,
            overrides.as_deref().unwrap_or(&no_overrides),
            bypass.as_deref(),
            unix_ms(),
        )
    }

    pub(crate) fn rules(&self) -> Vec<Rule> {
        Vec::clone(&self.eligibility.rules.load())
    }

    fn change_rules(
        &self,
        event: &'static str,
        id: &str,
        change: impl FnOnce(&mut Vec<Rule>) -> Result<()>,
    ) -> Result<()> {
        let _w = self.eligibility.lock();
        let mut rules = self.rules();
        change(&mut rules)?;
        let value = json_array(rules.iter().map(rule_to_json));
        let details = rules
            .iter()
            .find(|r| r.id == id)
            .map_or(serde_json::Value::Null, |r| serde_json::from_str(&rule_to_json(r)).unwrap_or_default());
        let event = AuditEvent::host(event, id, details);
        self.access.commit(event, &[Write::Put { table: Table::Settings, key: RULES_KEY, value: &value }])?;
        self.eligibility.rules.store(Arc::new(rules));
        Ok(())
    }

    pub(crate) fn rule_add(&self, document: &str) -> Result<()> {
        let rule = parse_rule(document).map_err(rule_error)?;
        let id = rule.id.clone();
        self.change_rules("rule.add", &id, |rules| {
            if rules.iter().any(|r| r.id == rule.id) {
                return Err(Error::exists(format!("a rule '{}' exists", rule.id)));
            }
            rules.push(rule);
            Ok(())
        })
    }

    pub(crate) fn rule_remove(&self, id: &str) -> Result<()> {
        self.change_rules("rule.remove", id, |rules| {
            let before = rules.len();
            rules.retain(|r| r.id != id);
            if rules.len() == before {
                return Err(Error::not_found("no such rule"));
            }
            Ok(())
        })
    }

    pub(crate) fn rule_enable(&self, id: &str, enabled: bool) -> Result<()> {
        let event = if enabled { "rule.enable" } else { "rule.disable" };
        self.change_rules(event, id, |rules| {
            let rule =
                rules.iter_mut().find(|r| r.id == id).ok_or_else(|| Error::not_found("no such rule"))?;
            rule.enabled = enabled;
            Ok(())
        })
    }

    pub(crate) fn override_set(&self, user: &str, rule_id: &str, value: Option<Override>) -> Result<()> {
        validate_id(user)?;
        let _w = self.eligibility.lock();
        let rules = self.eligibility.rules.load();
        let rule = rules.iter().find(|r| r.id == rule_id).ok_or_else(|| Error::not_found("no such rule"))?;
        let mut overrides =
            get(&self.eligibility.overrides, user).map(|o| BTreeMap::clone(&o)).unwrap_or_default();
        match value {
            Some(o) => {
                validate_override(rule, &o).map_err(rule_error)?;
                overrides.insert(rule_id.to_owned(), o);
            }
            None => {
                overrides
                    .remove(rule_id)
                    .ok_or_else(|| Error::not_found("the user has no override of this rule"))?;
            }
        }
        let value = serde_json::to_vec(&overrides).map_err(rule_error)?;
        let details = serde_json::json!({"rule": rule_id, "override": overrides.get(rule_id)});
        let event = AuditEvent::host("rule.override", user, details);
        let write = if overrides.is_empty() {
            Write::Delete { table: Table::Overrides, key: user }
        } else {
            Write::Put { table: Table::Overrides, key: user, value: &value }
        };
        self.access.commit(event, &[write])?;
        put(&self.eligibility.overrides, user, (!overrides.is_empty()).then_some(overrides));
        Ok(())
    }

    pub(crate) fn bypass_set(&self, user: &str, grant: Option<(&str, &str)>) -> Result<()> {
        validate_id(user)?;
        let _w = self.eligibility.lock();
        let bypass = match grant {
            Some((by, why)) => {
                if by.trim().is_empty() || why.trim().is_empty() {
                    return Err(Error::invalid("a bypass needs who granted it and why"));
                }
                Some(Bypass { granted_by: by.to_owned(), reason: why.to_owned(), granted_unix_ms: unix_ms() })
            }
            None if get(&self.eligibility.bypasses, user).is_none() => {
                return Err(Error::not_found("the user has no bypass"));
            }
            None => None,
        };
        let value = serde_json::to_vec(&bypass).map_err(rule_error)?;
        let event = AuditEvent::host("rule.bypass", user, serde_json::to_value(&bypass).unwrap_or_default());
        let write = match bypass {
            Some(_) => Write::Put { table: Table::Bypasses, key: user, value: &value },
            None => Write::Delete { table: Table::Bypasses, key: user },
        };
        self.access.commit(event, &[write])?;
        put(&self.eligibility.bypasses, user, bypass);
        Ok(())
    }

    pub(crate) fn tier_rules(&self) -> Vec<TierRule> {
        Vec::clone(&self.eligibility.tier_rules.load())
    }

    pub(crate) fn tier_rules_set(&self, documents: &str) -> Result<()> {
        let parsed = parse_array(documents, parse_tier_rule)?;
        for rule in &parsed {
            self.tier(&rule.tier)?;
        }
        let _w = self.eligibility.lock();
        let value = json_array(parsed.iter().map(tier_rule_to_json));
        let details = serde_json::from_slice(&value).unwrap_or_default();
        let event = AuditEvent::host("tier_rules.set", "", details);
        self.access
            .commit(event, &[Write::Put { table: Table::Settings, key: TIER_RULES_KEY, value: &value }])?;
        self.eligibility.tier_rules.store(Arc::new(parsed));
        Ok(())
    }

    /// Refuses provisioning an ineligible user, listing every failing rule.
    pub(crate) fn require_eligible(&self, user: &str) -> Result<()> {
        let verdict = self.evaluate(user);
        if verdict.eligible {
            return Ok(());
        }
        Err(Error::NotEligible(
            verdict
                .failures
                .iter()
                .map(|f| format!("{}: {} (needs {})", f.rule_id, f.actual, f.required))
                .collect(),
        ))
    }

    pub(crate) fn reevaluate(&self, suspend: bool) -> Result<Reevaluation> {
        let mut report = Reevaluation::default();
        let now = unix_ms();
        let tier_rules = self.eligibility.tier_rules.load();
        let mut accounts = self.access.accounts.all();
        accounts.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        for account in accounts {
            let user = &account.user_id;
            report.checked += 1;
            let verdict = self.evaluate(user);
            if !verdict.eligible {
                if suspend && account.record().status == CredentialStatus::Active {
                    self.suspend(user)?;
                    report.suspended.push(user.clone());
                }
                report.not_eligible.push(UserVerdict { user: user.clone(), verdict });
            }
            let facts = get(&self.eligibility.facts, user).unwrap_or_default();
            if let Some(tier) = pick_tier(&tier_rules, &facts, now) {
                let from = self.user_tier(user)?;
                if from != tier {
                    self.user_set_tier(user, tier)?;
                    report.tier_changes.push((user.clone(), from, tier.to_owned()));
                }
            }
        }
        // The run itself is an operator action, recorded with what it found (each suspension and
        // tier move it made has its own record too).
        let details = serde_json::json!({
            "suspend": suspend,
            "checked": report.checked,
            "not_eligible": report.not_eligible.len(),
            "suspended": report.suspended.len(),
            "tier_changes": report.tier_changes.len(),
        });
        self.access.append_audit(&[AuditEvent::host("eligibility.reevaluate", "", details)])?;
        Ok(report)
    }
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!("{what} record does not parse: {e}").into())
}

/// The eligibility records read back from the store at open.
#[derive(Default)]
pub(crate) struct EligibilityRows {
    pub(crate) rules: Option<String>,
    pub(crate) tier_rules: Option<String>,
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) overrides: Vec<(String, String)>,
    pub(crate) bypasses: Vec<(String, String)>,
}

/// The eligibility part of an engine, reached as [`Engine::eligibility`](crate::Engine::eligibility):
/// account facts, the rule set with per-user overrides and bypasses, tier rules, and re-evaluation.
/// May be used from several threads at once.
#[derive(Clone, Copy, Debug)]
pub struct Eligibility<'e> {
    pub(super) core: &'e Core,
}

impl Eligibility<'_> {
    /// Sets what is known of `user`'s account (the user need not be provisioned yet).
    pub fn account_set(&self, user: &str, facts: AccountFacts) -> Result<()> {
        self.core.account_set(user, facts)
    }

    /// What is known of `user`'s account (all unknown when nothing was set).
    pub fn account_facts(&self, user: &str) -> AccountFacts {
        self.core.account_facts(user)
    }

    /// Evaluates `user` against the rule set, its overrides and bypass, now.
    pub fn evaluate(&self, user: &str) -> Verdict {
        self.core.evaluate(user)
    }

    /// The rule set, in evaluation order.
    pub fn rules(&self) -> Vec<Rule> {
        self.core.rules()
    }

    /// Adds a rule from its JSON document (see [`crate::cold::rules`]); its id must be new.
    pub fn rule_add(&self, document: &str) -> Result<()> {
        self.core.rule_add(document)
    }

    /// Removes the rule `id`.
    pub fn rule_remove(&self, id: &str) -> Result<()> {
        self.core.rule_remove(id)
    }

    /// Enables or disables the rule `id`.
    pub fn rule_enable(&self, id: &str, enabled: bool) -> Result<()> {
        self.core.rule_enable(id, enabled)
    }

    /// Sets (`Some`) or clears (`None`) `user`'s override of rule `rule_id`.
    pub fn override_set(&self, user: &str, rule_id: &str, value: Option<Override>) -> Result<()> {
        self.core.override_set(user, rule_id, value)
    }

    /// Marks `user` eligible whatever the rules say, recording who granted it and why; `None`
    /// withdraws the bypass.
    pub fn bypass_set(&self, user: &str, grant: Option<(&str, &str)>) -> Result<()> {
        self.core.bypass_set(user, grant)
    }

    /// The tier rules, in order (the first match wins).
    pub fn tier_rules(&self) -> Vec<TierRule> {
        self.core.tier_rules()
    }

    /// Replaces the tier rules with a JSON array of tier-rule documents; applied by re-evaluation.
    pub fn tier_rules_set(&self, documents: &str) -> Result<()> {
        self.core.tier_rules_set(documents)
    }

    /// Evaluates every provisioned user: reports who no longer qualifies (suspending them when
    /// `suspend`), and moves users whose facts match a tier rule to that tier (their live sessions
    /// enforce it from their next message).
    pub fn reevaluate(&self, suspend: bool) -> Result<Reevaluation> {
        self.core.reevaluate(suspend)
    }
}
