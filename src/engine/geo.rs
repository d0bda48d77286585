//! Country rules in the engine: the database the host named (read again by the housekeeper when
//! the file changes), each tier's and user's rule, and the country step of a logon. The formats
//! are in [`crate::cold::geo`].

use crate::cold::audit::AuditEvent;
use crate::cold::credentials::{CredentialRecord, LogonRefusal};
use crate::cold::geo::{CountryRule, GeoDb, Reload};
use crate::cold::store::{Table, Write};
use crate::engine::access::{decode, json};
use crate::engine::core::Core;
use crate::engine::Config;
use crate::error::Result;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

/// The settings row of the tiers' country rules.
pub(super) const TIER_COUNTRIES_KEY: &str = "tier_countries";

/// How often the housekeeper looks at the database file for a change.
const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The country state of an engine.
pub(crate) struct GeoState {
    db: Option<GeoDb>,
    unknown_allowed: bool,
    tiers: RwLock<HashMap<String, CountryRule>>,
    checked: Mutex<Instant>,
}

impl GeoState {
    pub(crate) fn new(config: &Config) -> Result<GeoState> {
        let db = config.geoip_database.as_deref().map(GeoDb::open).transpose()?;
        Ok(GeoState {
            db,
            unknown_allowed: config.geo_unknown_allowed,
            tiers: RwLock::new(HashMap::new()),
            checked: Mutex::new(Instant::now()),
        })
    }
}

/// Every country rule set: per tier, and the users' own.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct CountryRules {
    /// Tiers with a rule.
    pub tiers: BTreeMap<String, CountryRule>,
    /// Users whose own rule replaces their tier's.
    pub users: BTreeMap<String, CountryRule>,
}

impl Core {
    /// Loads the tiers' rules from their settings row (at open, and when another gateway changed
    /// them).
    pub(crate) fn tier_countries_load(&self, bytes: &[u8]) -> Result<()> {
        let map: HashMap<String, CountryRule> = decode("settings", TIER_COUNTRIES_KEY, bytes)?;
        *self.access.geo.tiers.write().unwrap_or_else(|p| p.into_inner()) = map;
        Ok(())
    }

    /// The rule `record`'s user logs on under: its own, else its tier's.
    fn country_rule_of(&self, record: &CredentialRecord) -> Option<CountryRule> {
        if let Some(rule) = &record.countries {
            return Some(rule.clone());
        }
        let tier = self.user_tier(&record.user_id).ok()?;
        self.access.geo.tiers.read().unwrap_or_else(|p| p.into_inner()).get(&tier).cloned()
    }

    /// The country step of a logon: refused when a rule applies and the peer's country is denied,
    /// not allowed, or cannot be told (no address, no database, an address it does not know)
    /// while unknown countries are refused.
    pub(crate) fn check_country(
        &self,
        record: &CredentialRecord,
        peer: Option<IpAddr>,
    ) -> std::result::Result<(), LogonRefusal> {
        let Some(rule) = self.country_rule_of(record).filter(|r| !r.is_empty()) else { return Ok(()) };
        let geo = &self.access.geo;
        let country = peer.and_then(|p| geo.db.as_ref()?.country(p));
        match rule.permits(country.as_deref(), geo.unknown_allowed) {
            true => Ok(()),
            false => Err(LogonRefusal::CountryNotAllowed),
        }
    }

    /// The country of `ip` in the database; `None` without one or when it does not know `ip`.
    pub(crate) fn country_of(&self, ip: IpAddr) -> Option<String> {
        self.access.geo.db.as_ref()?.country(ip)
    }

    /// Every rule set.
    pub(crate) fn country_rules(&self) -> CountryRules {
        let tiers = self.access.geo.tiers.read().unwrap_or_else(|p| p.into_inner());
        let users = self
            .access
            .accounts
            .all()
            .iter()
            .filter_map(|a| a.record().countries.clone().map(|r| (a.user_id.clone(), r)))
            .collect();
        CountryRules { tiers: tiers.iter().map(|(t, r)| (t.clone(), r.clone())).collect(), users }
    }

    /// Sets `tier`'s rule (`None` or an empty rule removes it), persisted and audited
    /// ("country_rule.tier").
    pub(crate) fn set_tier_country_rule(&self, tier: &str, rule: Option<CountryRule>) -> Result<()> {
        let tier = self.tier(tier)?.name;
        let rule = rule.map(CountryRule::normalized).transpose()?.filter(|r| !r.is_empty());
        let mut tiers = self.access.geo.tiers.write().unwrap_or_else(|p| p.into_inner());
        let mut next = tiers.clone();
        let previous = match &rule {
            Some(rule) => next.insert(tier.clone(), rule.clone()),
            None => next.remove(&tier),
        };
        let value = json(&next);
        let details = serde_json::json!({"rule": rule, "previous": previous, "changed": rule != previous});
        self.access.commit(
            AuditEvent::host("country_rule.tier", &tier, details),
            &[Write::Put { table: Table::Settings, key: TIER_COUNTRIES_KEY, value: &value }],
        )?;
        *tiers = next;
        Ok(())
    }

    /// Sets `user`'s own rule, over its tier's (`None`: the tier's), audited
    /// ("credential.country_rule"). An empty rule is a rule: no country restriction for this user
    /// whatever its tier says.
    pub(crate) fn set_user_country_rule(&self, user: &str, rule: Option<CountryRule>) -> Result<()> {
        let rule = rule.map(CountryRule::normalized).transpose()?;
        self.change_credential_record(user, "credential.country_rule", |r| {
            let previous = r.countries.replace(rule.clone().unwrap_or_default());
            if rule.is_none() {
                r.countries = None;
            }
            Ok(serde_json::json!({"rule": rule, "previous": previous, "changed": rule != previous}))
        })
        .map(drop)
    }

    /// Reads the database file again if it changed (the housekeeper's tick, at most once a
    /// second); a new file and a file that cannot be read are audited ("geoip.reload").
    pub(crate) fn geo_tick(&self) {
        let Some(db) = &self.access.geo.db else { return };
        {
            let mut checked = self.access.geo.checked.lock().unwrap_or_else(|p| p.into_inner());
            if checked.elapsed() < RELOAD_EVERY {
                return;
            }
            *checked = Instant::now();
        }
        let path = db.path().display().to_string();
        match db.reload() {
            Reload::Unchanged => {}
            Reload::Loaded => {
                self.audit_later(AuditEvent::host("geoip.reload", "", serde_json::json!({"path": path})))
            }
            // The previous database stays in use.
            Reload::Failed(why) => self.audit_later(AuditEvent::host(
                "geoip.reload",
                "",
                serde_json::json!({"path": path, "error": why, "kept_previous": true}),
            )),
        }
    }
}
