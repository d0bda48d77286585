//! Who may log on: provisioning, the credential life cycle, IP allow-lists, master password
//! rotation, and the logon check itself.
//!
//! Every change is validated first, then committed to the store (when there is one), and only then
//! published in memory, so a failed call changes nothing and a successful one is durable. Logon
//! reads memory only: an HMAC of the password, a few map lookups, no disk and no PBKDF2.

use crate::cold::allowlist::{AllowList, IpRule};
use crate::cold::attempts::{AttemptPolicy, FailedAttempts};
use crate::cold::audit::{AuditEvent, AuditRetention};
use crate::cold::credentials::MAX_COMP_ID_POOL;
use crate::cold::credentials::{
    pooled_comp_id, sender_comp_id_for, validate_comp_id, Account, Accounts, CredentialInfo,
    CredentialRecord, CredentialStatus, LogonRefusal, PreviousVerifier, UserProfile,
};
use crate::cold::crypto::{generate_password, Keyring};
use crate::cold::geo::CountryRule;
use crate::cold::logon_keys::{LogonKeyInfo, LogonPolicy, SignedLogon};
use crate::cold::store::{KdfSettings, Store, Table, Write};
use crate::cold::users::validate_id;
use crate::engine::core::{unix_ms, Core};
use crate::engine::geo::CountryRules;
use crate::engine::signed::{GeneratedKey, LogonPolicies};
use crate::engine::{Config, Secret};
use crate::error::{Error, Result};
use crate::hot::session::KillReason;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A new credential, returned once by provisioning: the password is never readable again.
#[derive(Debug)]
pub struct Credentials {
    /// User id.
    pub user_id: String,
    /// SenderCompID (49) to log on with.
    pub sender_comp_id: String,
    /// TargetCompID (56) to address.
    pub target_comp_id: String,
    /// The password (554): 256 bits from the OS CSPRNG, base64url. Zeroized on drop; `Debug` hides it.
    pub password: Secret,
}

/// The pool of SenderCompIDs that provisioning assigns from, when it is on ([`Access::comp_id_pool`]).
///
/// A FIX engine that serves only the sessions it declared when it started (QuickFIX C++) declares
/// every pooled CompID ahead; a user provisioned later gets one of them and logs on at once, with
/// no restart of the engine. Without a pool (size 0) a SenderCompID is made from the user id.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct CompIdPool {
    /// How many CompIDs the pool holds: `PREFIX00001` to `PREFIX{size:05}`; 0 when off.
    pub size: u32,
    /// How many of them a credential holds (revoked ones included: a CompID is never reused).
    pub assigned: u32,
    /// How many are left to assign: `size - assigned`.
    pub free: u32,
    /// Every CompID of the pool, in order: the sessions to declare.
    pub comp_ids: Vec<String>,
}

/// A Logon (35=A) as the host saw it.
#[derive(Clone, Copy)]
pub struct LogonRequest<'a> {
    /// SenderCompID (49) of the peer.
    pub sender_comp_id: &'a str,
    /// TargetCompID (56) the peer addressed.
    pub target_comp_id: &'a str,
    /// Password (554).
    pub password: &'a [u8],
    /// Username (553), when the peer sent one; it must then be the user id.
    pub username: Option<&'a str>,
    /// The peer's address as the host saw it; `None` when the engine cannot tell (QuickFIX C++), in
    /// which case a user with a non-empty allow-list is refused (fail closed).
    pub peer: Option<IpAddr>,
}

impl std::fmt::Debug for LogonRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogonRequest")
            .field("sender_comp_id", &self.sender_comp_id)
            .field("target_comp_id", &self.target_comp_id)
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

/// Credential state of an engine.
pub(crate) struct AccessState {
    pub(crate) accounts: Accounts,
    store: Store,
    /// Whether the store is only in memory (no data directory).
    pub(super) in_memory: bool,
    pub(super) keyring: Keyring,
    iterations: u32,
    target_comp_id: String,
    sender_prefix: String,
    /// Failed logons per peer address, whatever CompID they named.
    failed_by_peer: FailedAttempts<IpAddr>,
    /// Failed logons per (SenderCompID, address): the lock a guesser meets first, which leaves the
    /// CompID's owner alone at its own address.
    failed_by_pair: FailedAttempts<(String, Option<IpAddr>)>,
    /// The CompID's ceiling across addresses, [`COMP_ID_CEILING`] times the pair's threshold, counted
    /// and enforced apart for the addresses its allow-list admits (`true`) and for all others: an
    /// outsider can never lock out an allow-listed owner at an admitted address.
    failed_by_comp_id: FailedAttempts<(String, bool)>,
    /// Every logon attempt per SenderCompID, whatever its outcome (`Config::logon_rate`).
    logons_by_comp_id: Option<FailedAttempts<String>>,
    /// Users whose credential has an expiry, for the housekeeper.
    expiring: Mutex<HashMap<String, u64>>,
    /// Serializes provisioning (SenderCompID allocation), pool changes and master password changes.
    provisioning: Mutex<()>,
    /// Size of the SenderCompID pool (0: off); changed under `provisioning`.
    comp_id_pool: AtomicU32,
    /// The audit log's retention, and when the housekeeper last applied it.
    pub(crate) retention: Option<AuditRetention>,
    pub(crate) retention_ran: Mutex<Option<Instant>>,
    /// This gateway's place in a fleet (a PostgreSQL store); `None` otherwise.
    pub(crate) fleet: Option<super::fleet::FleetState>,
    /// Refused logons of this interval, aggregated (see `refusals`).
    pub(super) refusals: super::refusals::Refusals,
    /// Logons by outcome since open.
    pub(super) logon_counters: super::stats::LogonCounters,
    /// Signed logons: the tiers' policies and the replay cache.
    pub(super) signed: super::signed::SignedState,
    /// Country rules and the database they read.
    pub(super) geo: super::geo::GeoState,
}

impl AccessState {
    pub(crate) fn open(config: &Config) -> Result<AccessState> {
        validate_comp_id("target_comp_id", &config.target_comp_id)?;
        validate_comp_id("sender_comp_id_prefix", &config.sender_comp_id_prefix)?;
        if config.sender_comp_id_prefix.len() > 8 {
            return Err(Error::invalid("sender_comp_id_prefix must be at most 8 characters"));
        }
        if config.data_dir.is_some() && config.database_url.is_some() {
            return Err(Error::invalid("set a data directory or a database URL, not both"));
        }
        let persistent = config.data_dir.is_some() || config.database_url.is_some();
        let fleet = match &config.database_url {
            Some(_) => {
                let gateway = config.gateway_id.clone().unwrap_or_else(super::fleet::default_gateway_id);
                super::fleet::validate_gateway_id(&gateway)?;
                if config.fleet_poll.is_zero() || config.fleet_poll > Duration::from_secs(60) {
                    return Err(Error::invalid("fleet_poll must be above zero and at most 60 s"));
                }
                if config.lease_expiry < Duration::from_millis(300)
                    || config.lease_expiry > Duration::from_secs(600)
                {
                    return Err(Error::invalid("lease_expiry must be 300 ms to 600 s"));
                }
                if config.lease_grace > Duration::from_secs(600) {
                    return Err(Error::invalid("lease_grace must be at most 600 s"));
                }
                Some(super::fleet::FleetState::new(
                    gateway,
                    config.fleet_poll,
                    config.lease_expiry,
                    config.lease_grace,
                ))
            }
            None => None,
        };
        let (store, keyring) = if persistent {
            let from_env;
            let password = match &config.master_password {
                Some(p) => p.expose(),
                None => {
                    from_env = Secret::new(std::env::var("FIX_MASTER_PASSWORD").unwrap_or_default());
                    from_env.expose()
                }
            };
            if password.is_empty() {
                return Err(Error::invalid(
                    "a data directory or database needs a master password: set FIX_MASTER_PASSWORD or pass one",
                ));
            }
            let kdf = KdfSettings { iterations: config.pbkdf2_iterations };
            if let Some(dir) = &config.data_dir {
                Store::open(dir, password, kdf)?
            } else {
                let url = config.database_url.as_ref().map(Secret::expose).unwrap_or_default();
                let url =
                    std::str::from_utf8(url).map_err(|_| Error::invalid("the database URL is not UTF-8"))?;
                let backend = crate::cold::store::PostgresBackend::new(url)?;
                Store::open_backend(Box::new(backend), password, kdf)?
            }
        } else {
            Store::open_in_memory()?
        };
        let signed = super::signed::SignedState::new(config)?;
        let geo = super::geo::GeoState::new(config)?;
        let shards = usize::try_from(config.logon_table_shards).unwrap_or(usize::MAX);
        if let Some(fleet) = &fleet {
            store.set_gateway(&fleet.gateway)?;
        }
        Ok(AccessState {
            accounts: Accounts::default(),
            in_memory: !persistent,
            store,
            keyring,
            iterations: config.pbkdf2_iterations,
            target_comp_id: config.target_comp_id.clone(),
            sender_prefix: config.sender_comp_id_prefix.clone(),
            failed_by_peer: FailedAttempts::with_shards(config.logon_attempts, shards),
            failed_by_pair: FailedAttempts::with_shards(config.logon_attempts, shards),
            failed_by_comp_id: FailedAttempts::with_shards(
                AttemptPolicy {
                    max_failures: config.logon_attempts.max_failures.max(1).saturating_mul(COMP_ID_CEILING),
                    ..config.logon_attempts
                },
                shards,
            ),
            logons_by_comp_id: config.logon_rate.map(|rate| FailedAttempts::with_shards(rate, shards)),
            expiring: Mutex::new(HashMap::new()),
            provisioning: Mutex::new(()),
            comp_id_pool: AtomicU32::new(0),
            retention: config.audit_retention,
            fleet,
            refusals: Default::default(),
            logon_counters: Default::default(),
            signed,
            geo,
            retention_ran: Mutex::new(None),
        })
    }

    /// Commits `writes` with the audit record of `event`, in one transaction: if the record cannot
    /// be written, neither is the change (fail closed).
    pub(crate) fn commit(&self, event: AuditEvent, writes: &[Write<'_>]) -> Result<()> {
        super::fleet::commit_fenced(
            self.fleet.as_ref(),
            |fence| self.store.apply_fenced(&self.keyring, &event, writes, fence),
            event.event,
            &event.subject,
        )
    }

    /// Sets the SenderCompID pool's size as another gateway committed it.
    pub(super) fn set_comp_id_pool_size(&self, size: u32) -> Result<()> {
        if size > MAX_COMP_ID_POOL {
            return Err(Error::Corrupt("the SenderCompID pool is larger than the limit".into()));
        }
        let _provisioning = self.provisioning.lock().unwrap_or_else(|p| p.into_inner());
        self.comp_id_pool.store(size, Ordering::Relaxed);
        Ok(())
    }

    /// Appends audit records that come with no change of their own.
    pub(crate) fn append_audit(&self, events: &[AuditEvent]) -> Result<()> {
        self.store.append_audit(&self.keyring, events)
    }

    /// The store (audit queries).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Puts `user` on the housekeeper's due list if its credential expires after `now_ms`, and
    /// takes it off otherwise. Returns true if the entry taken off was due and not yet swept: the
    /// caller then kills the user's sessions, as the housekeeper would have.
    ///
    /// A time already past never goes on the list. The change that sets it (`set_expiry`) kills at
    /// once; any later change, such as a regeneration, must not fire that expiry a second time on
    /// sessions opened since.
    pub(super) fn track_expiry(&self, user: &str, expires: Option<u64>, now_ms: u64) -> bool {
        let mut expiring = self.expiring.lock().unwrap_or_else(|p| p.into_inner());
        let taken = expiring.remove(user);
        if let Some(at) = expires.filter(|&at| at > now_ms) {
            expiring.insert(user.to_owned(), at);
        }
        taken.is_some_and(|at| at <= now_ms)
    }
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> zeroize::Zeroizing<Vec<u8>> {
    zeroize::Zeroizing::new(serde_json::to_vec(value).expect("records serialize"))
}

pub(super) fn decode<T: serde::de::DeserializeOwned>(table: &str, key: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes)
        .map_err(|e| Error::Corrupt(format!("{table} record '{key}' does not parse: {e}").into()))
}

impl Core {
    /// Loads the store into memory (at open).
    pub(crate) fn load(&self) -> Result<()> {
        if self.access.in_memory {
            return Ok(());
        }
        let (store, keyring) = (&self.access.store, &self.access.keyring);
        for row in store.load(keyring, Table::Tiers)? {
            self.tier_publish(&row.key, decode("tiers", &row.key, &row.value)?)?;
        }
        let mut allow_of = HashMap::new();
        for row in store.load(keyring, Table::Users)? {
            let profile: UserProfile = decode("users", &row.key, &row.value)?;
            let index = self.tier(&profile.tier)?.index;
            let user = self.users.get_or_create(&row.key, index)?.0;
            user.set_tier(&mut user.lock(), index);
            allow_of.insert(row.key, profile.allow);
        }
        let text = |row: &crate::cold::store::Row| String::from_utf8_lossy(&row.value).into_owned();
        let mut rows = crate::engine::eligibility::EligibilityRows::default();
        let mut debts = None;
        let mut weights = None;
        for row in store.load(keyring, Table::Settings)? {
            match row.key.as_str() {
                "rules" => rows.rules = Some(text(&row)),
                "tier_rules" => rows.tier_rules = Some(text(&row)),
                super::debts::DEBTS_KEY => debts = Some(row.value.to_vec()),
                super::tiers::WEIGHTS_KEY => weights = Some(row.value.to_vec()),
                super::signed::LOGON_POLICIES_KEY => self.logon_policies_load(&row.value)?,
                super::geo::TIER_COUNTRIES_KEY => self.tier_countries_load(&row.value)?,
                COMP_ID_POOL_KEY => {
                    let pool: PoolRecord = decode("settings", &row.key, &row.value)?;
                    if pool.size > MAX_COMP_ID_POOL {
                        return Err(Error::Corrupt("the SenderCompID pool is larger than the limit".into()));
                    }
                    self.access.comp_id_pool.store(pool.size, Ordering::Relaxed);
                }
                // The audit chain's head belongs to the store (checked by audit_verify).
                "audit_head" | "audit_base" | "manifest" => {}
                other => return Err(Error::Corrupt(format!("unknown setting '{other}'").into())),
            }
        }
        rows.facts = store.load(keyring, Table::Facts)?.iter().map(|r| (r.key.clone(), text(r))).collect();
        rows.overrides =
            store.load(keyring, Table::Overrides)?.iter().map(|r| (r.key.clone(), text(r))).collect();
        rows.bypasses =
            store.load(keyring, Table::Bypasses)?.iter().map(|r| (r.key.clone(), text(r))).collect();
        self.load_eligibility(rows)?;
        if let Some(debts) = debts {
            self.debts_load(&debts)?;
        }
        if let Some(weights) = weights {
            self.weights_load(&weights)?;
        }
        for row in store.load(keyring, Table::Credentials)? {
            let record: CredentialRecord = decode("credentials", &row.key, &row.value)?;
            if record.user_id != row.key || record.sender_comp_id != row.sender_comp_id {
                return Err(Error::Corrupt(
                    format!("credentials record '{}' names another user", row.key).into(),
                ));
            }
            // No session is live yet, so an expiry already past has nothing to kill.
            self.access.track_expiry(&record.user_id, record.expires_unix_ms, unix_ms());
            let allow = allow_of.remove(&row.key).unwrap_or_default();
            self.access.accounts.insert(record, allow);
        }
        Ok(())
    }

    /// The profile record of `user` as it would be stored with `tier` and `allow`.
    pub(crate) fn profile_write(tier: &str, allow: &AllowList) -> zeroize::Zeroizing<Vec<u8>> {
        json(&UserProfile { tier: tier.to_owned(), allow: allow.clone() })
    }

    /// The allow-list `user` has now (empty without a credential).
    pub(crate) fn allow_of(&self, user: &str) -> AllowList {
        self.access.accounts.by_user(user).map(|a| AllowList::clone(&a.allow())).unwrap_or_default()
    }

    pub(crate) fn provision(&self, user: &str, tier: Option<&str>) -> Result<Credentials> {
        validate_id(user)?;
        let tier = self.tier(tier.unwrap_or(crate::cold::tiers::DEFAULT_TIER))?;
        self.require_eligible(user)?;
        let _provisioning = self.access.provisioning.lock().unwrap_or_else(|p| p.into_inner());
        if self.access.accounts.has_user(user) {
            return Err(Error::exists("the user already has a credential"));
        }
        let accounts = &self.access.accounts;
        let pool = self.access.comp_id_pool.load(Ordering::Relaxed);
        let sender = if pool == 0 {
            sender_comp_id_for(&self.access.sender_prefix, user, |c| accounts.has_sender(c))
        } else {
            (1..=pool)
                .map(|n| pooled_comp_id(&self.access.sender_prefix, n))
                .find(|c| !accounts.has_sender(c))
                .ok_or_else(|| {
                    Error::LimitReached(
                        format!(
                            "the SenderCompID pool is exhausted: all {pool} are assigned; grow it \
                             (POST /admin/fix/comp-id-pool) and declare the new ones in the FIX engine"
                        )
                        .into(),
                    )
                })?
        };
        let password = generate_password();
        let now = unix_ms();
        let record = CredentialRecord {
            user_id: user.to_owned(),
            sender_comp_id: sender.clone(),
            target_comp_id: self.access.target_comp_id.clone(),
            status: CredentialStatus::Active,
            verifier: self.access.keyring.verifier(password.as_bytes()),
            previous: None,
            expires_unix_ms: None,
            created_unix_ms: now,
            password_changed_unix_ms: now,
            keys: Vec::new(),
            logon_policy: None,
            countries: None,
        };
        let allow = AllowList::new();
        let profile = Self::profile_write(&tier.name, &allow);
        let credential = json(&record);
        let event = AuditEvent::host(
            "credential.provision",
            user,
            serde_json::json!({"tier": tier.name, "sender_comp_id": sender, "target_comp_id": record.target_comp_id}),
        );
        self.access.commit(
            event,
            &[
                Write::Put { table: Table::Users, key: user, value: &profile },
                Write::PutCredential { user_id: user, sender_comp_id: &sender, value: &credential },
            ],
        )?;
        self.apply_user_tier(user, tier.index)?;
        accounts.insert(record, allow);
        Ok(Credentials {
            user_id: user.to_owned(),
            sender_comp_id: sender,
            target_comp_id: self.access.target_comp_id.clone(),
            password: Secret::new(password.as_bytes().to_vec()),
        })
    }

    /// Applies `change` to `user`'s credential record: commit, publish, and kill the user's sessions
    /// if that took an expiry that was due, and not yet swept, off the housekeeper's list.
    fn change_credential(
        &self,
        user: &str,
        event: &'static str,
        change: impl FnOnce(&mut CredentialRecord) -> Result<bool>,
    ) -> Result<Arc<Account>> {
        let account = self.access.accounts.by_user(user)?;
        let write = account.lock();
        let mut record = CredentialRecord::clone(&account.record());
        if !change(&mut record)? {
            // Nothing to change (reactivating an active user, the same expiry again): still an
            // operator action, recorded as such.
            let details = serde_json::json!({"changed": false, "status": record.status});
            self.access.append_audit(&[AuditEvent::host(event, user, details)])?;
            return Ok(account.clone());
        }
        let value = json(&record);
        let details = serde_json::json!({
            "status": record.status,
            "expires_unix_ms": record.expires_unix_ms,
            "previous_password_valid_until_unix_ms": record.previous.as_ref().map(|p| p.valid_until_unix_ms),
        });
        self.access.commit(
            AuditEvent::host(event, user, details),
            &[Write::PutCredential { user_id: user, sender_comp_id: &record.sender_comp_id, value: &value }],
        )?;
        let due = self.access.track_expiry(user, record.expires_unix_ms, unix_ms());
        account.publish(record);
        drop(write);
        if due {
            let _ = self.kill_user_by_id(user, KillReason::Expired);
        }
        Ok(account.clone())
    }

    pub(crate) fn revoke(&self, user: &str) -> Result<()> {
        self.change_credential(user, "credential.revoke", |r| {
            let changed = r.status != CredentialStatus::Revoked;
            r.status = CredentialStatus::Revoked;
            r.previous = None;
            Ok(changed)
        })?;
        self.kill_user_by_id(user, KillReason::Revoked).map(drop)
    }

    pub(crate) fn suspend(&self, user: &str) -> Result<()> {
        self.change_credential(user, "credential.suspend", |r| match r.status {
            CredentialStatus::Revoked => Err(Error::state("the credential is revoked")),
            CredentialStatus::Suspended => Ok(false),
            CredentialStatus::Active => {
                r.status = CredentialStatus::Suspended;
                Ok(true)
            }
        })?;
        self.kill_user_by_id(user, KillReason::Suspended).map(drop)
    }

    pub(crate) fn reactivate(&self, user: &str) -> Result<()> {
        self.change_credential(user, "credential.reactivate", |r| match r.status {
            CredentialStatus::Revoked => Err(Error::state("the credential is revoked")),
            CredentialStatus::Active => Ok(false),
            CredentialStatus::Suspended => {
                r.status = CredentialStatus::Active;
                Ok(true)
            }
        })
        .map(drop)
    }

    pub(crate) fn regenerate_password(&self, user: &str, overlap: Duration) -> Result<Secret> {
        let password = generate_password();
        let verifier = self.access.keyring.verifier(password.as_bytes());
        let now = unix_ms();
        self.change_credential(user, "credential.regenerate", |r| {
            if r.status == CredentialStatus::Revoked {
                return Err(Error::state("the credential is revoked"));
            }
            r.previous = (!overlap.is_zero()).then(|| PreviousVerifier {
                verifier: r.verifier,
                valid_until_unix_ms: now.saturating_add(overlap.as_millis() as u64),
            });
            r.verifier = verifier;
            r.password_changed_unix_ms = now;
            Ok(true)
        })?;
        Ok(Secret::new(password.as_bytes().to_vec()))
    }

    pub(crate) fn set_expiry(&self, user: &str, expires_unix_ms: Option<u64>) -> Result<()> {
        let expires_unix_ms = expires_unix_ms.filter(|&at| at != 0);
        self.change_credential(user, "credential.expiry", |r| {
            let changed = r.expires_unix_ms != expires_unix_ms;
            r.expires_unix_ms = expires_unix_ms;
            Ok(changed)
        })?;
        // A time already past is never on the housekeeper's list (see `track_expiry`): its
        // sessions are killed here, before this returns, the same past time again included.
        if expires_unix_ms.is_some_and(|at| at <= unix_ms()) {
            // The change is committed; the user exists, so this cannot fail for want of one.
            let _ = self.kill_user_by_id(user, KillReason::Expired);
        }
        Ok(())
    }

    fn change_allow(
        &self,
        user: &str,
        event: &'static str,
        rule: &IpRule,
        change: impl FnOnce(&mut AllowList) -> Result<bool>,
    ) -> Result<bool> {
        let account = self.access.accounts.by_user(user)?;
        let _write = account.lock();
        let mut allow = AllowList::clone(&account.allow());
        if !change(&mut allow)? {
            if event == "allowlist.add" {
                // Already on the list: nothing changes, but the operator's request is recorded.
                let details = serde_json::json!({"rule": rule.to_string(), "changed": false});
                self.access.append_audit(&[AuditEvent::host(event, user, details)])?;
            }
            return Ok(false);
        }
        let tier = self.user_tier(user)?;
        let profile = Self::profile_write(&tier, &allow);
        let event = AuditEvent::host(event, user, serde_json::json!({"rule": rule.to_string()}));
        self.access.commit(event, &[Write::Put { table: Table::Users, key: user, value: &profile }])?;
        account.publish_allow(allow);
        Ok(true)
    }

    pub(crate) fn ip_allow(&self, user: &str, rule: &str) -> Result<bool> {
        let rule: IpRule = rule.parse().map_err(|e| Error::invalid(format!("{e}")))?;
        self.change_allow(user, "allowlist.add", &rule, |allow| {
            allow.add(rule).map_err(|e| Error::invalid(format!("{e}")))
        })
    }

    pub(crate) fn ip_disallow(&self, user: &str, rule: &str) -> Result<()> {
        let rule: IpRule = rule.parse().map_err(|e| Error::invalid(format!("{e}")))?;
        let removed = self.change_allow(user, "allowlist.remove", &rule, |allow| Ok(allow.remove(&rule)))?;
        removed.then_some(()).ok_or_else(|| Error::not_found("the rule is not on the user's allow-list"))
    }

    pub(crate) fn comp_id_pool(&self) -> CompIdPool {
        let size = self.access.comp_id_pool.load(Ordering::Relaxed);
        let comp_ids: Vec<String> =
            (1..=size).map(|n| pooled_comp_id(&self.access.sender_prefix, n)).collect();
        let assigned = comp_ids.iter().filter(|c| self.access.accounts.has_sender(c)).count();
        let assigned = u32::try_from(assigned).unwrap_or(size);
        CompIdPool { size, assigned, free: size - assigned, comp_ids }
    }

    /// Sets the pool's size, persisted and audited ("comp_id_pool.set"); `grow_only` keeps a larger
    /// size as it is (the engine option's floor at open).
    pub(crate) fn set_comp_id_pool(&self, size: u32, grow_only: bool) -> Result<CompIdPool> {
        if size > MAX_COMP_ID_POOL {
            return Err(Error::invalid(format!("the SenderCompID pool holds at most {MAX_COMP_ID_POOL}")));
        }
        let serial = self.access.provisioning.lock().unwrap_or_else(|p| p.into_inner());
        let previous = self.access.comp_id_pool.load(Ordering::Relaxed);
        if grow_only && size <= previous {
            drop(serial);
            return Ok(self.comp_id_pool());
        }
        let value = json(&PoolRecord { size });
        let details = serde_json::json!({"size": size, "previous": previous, "changed": size != previous});
        self.access.commit(
            AuditEvent::host("comp_id_pool.set", COMP_ID_POOL_KEY, details),
            &[Write::Put { table: Table::Settings, key: COMP_ID_POOL_KEY, value: &value }],
        )?;
        self.access.comp_id_pool.store(size, Ordering::Relaxed);
        drop(serial);
        Ok(self.comp_id_pool())
    }

    pub(crate) fn credentials_all(&self) -> Vec<CredentialInfo> {
        let mut all: Vec<CredentialInfo> =
            self.access.accounts.all().iter().filter_map(|a| self.credentials(&a.user_id).ok()).collect();
        all.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        all
    }

    pub(crate) fn credentials(&self, user: &str) -> Result<CredentialInfo> {
        let account = self.access.accounts.by_user(user)?;
        let record = account.record();
        let now = unix_ms();
        Ok(CredentialInfo {
            user_id: record.user_id.clone(),
            sender_comp_id: record.sender_comp_id.clone(),
            target_comp_id: record.target_comp_id.clone(),
            status: record.status,
            expired: record.expired(now),
            expires_unix_ms: record.expires_unix_ms,
            created_unix_ms: record.created_unix_ms,
            password_changed_unix_ms: record.password_changed_unix_ms,
            previous_password_valid_until_unix_ms: record
                .previous
                .as_ref()
                .map(|p| p.valid_until_unix_ms)
                .filter(|until| *until > now),
            tier: self.user_tier(user)?,
            ip_allow: account.allow().rules().iter().map(|r| r.to_string()).collect(),
            live_sessions: self.user_live_sessions(user)?,
            logon_policy: self.logon_policy_of(&record),
            logon_keys: record.keys.iter().map(|k| k.info(now)).collect(),
            country_rule: record.countries.clone(),
        })
    }

    pub(crate) fn change_master_password(&self, new_password: &[u8]) -> Result<()> {
        if self.access.in_memory {
            return Err(Error::state("the engine has no store"));
        }
        let store = &self.access.store;
        let _serial = self.access.provisioning.lock().unwrap_or_else(|p| p.into_inner());
        store.change_master_password(
            &self.access.keyring,
            &AuditEvent::host("store.master_password", "", serde_json::json!({})),
            new_password,
            KdfSettings { iterations: self.access.iterations },
        )
    }

    /// Kills the live sessions of credentials expired at `now_ms` (the housekeeper's tick).
    pub(crate) fn expire_due(&self, now_ms: u64) {
        let due: Vec<String> = {
            let mut expiring = self.access.expiring.lock().unwrap_or_else(|p| p.into_inner());
            let due: Vec<String> =
                expiring.iter().filter(|(_, at)| **at <= now_ms).map(|(u, _)| u.clone()).collect();
            for user in &due {
                expiring.remove(user);
            }
            due
        };
        for user in due {
            let still = self.access.accounts.by_user(&user).is_ok_and(|a| a.record().expired(now_ms));
            if still {
                let _ = self.kill_user_by_id(&user, KillReason::Expired);
            }
        }
    }

    pub(crate) fn logon(
        &self,
        request: &LogonRequest<'_>,
        signed: Option<&SignedLogon<'_>>,
    ) -> std::result::Result<u64, LogonRefusal> {
        let result = self.logon_unaudited(request, signed);
        self.access.logon_counters.count(&result);
        // Tags 553 (Username) and 554 (Password) are never recorded.
        let user = self.access.accounts.by_sender(request.sender_comp_id).map(|a| a.user_id.clone());
        let mut details = serde_json::json!({
            "sender_comp_id": request.sender_comp_id,
            "target_comp_id": request.target_comp_id,
            "peer": request.peer.map(|p| p.to_canonical().to_string()),
        });
        if let Some(signed) = signed {
            // The key id and the signed fields; never RawData. A peer's field longer than any key id
            // or timestamp is not copied (a peer could send megabytes).
            let short =
                |field: &str| if field.len() <= 64 { field.to_owned() } else { "\u{FFFD}".to_owned() };
            details["key_id"] = short(signed.key_id).into();
            details["msg_seq_num"] = signed.msg_seq_num.into();
            details["sending_time"] = short(signed.sending_time).into();
        }
        let event = match result {
            Ok(session) => {
                details["session"] = session.into();
                "logon.accepted"
            }
            Err(refusal) => {
                let reason = serde_json::to_value(refusal).unwrap_or_default();
                // A flood of the same refusal is one record with its count (see `refusals`).
                let key = (
                    request.sender_comp_id.to_owned(),
                    request.target_comp_id.to_owned(),
                    details["peer"].as_str().map(str::to_owned),
                    reason.as_str().unwrap_or_default().to_owned(),
                );
                if !self.access.refusals.first(key, user.as_deref().unwrap_or(""), unix_ms()) {
                    return result;
                }
                details["refusal"] = reason;
                details["count"] = 1.into();
                "logon.refused"
            }
        };
        self.audit_later(AuditEvent::host(event, user.as_deref().unwrap_or(""), details));
        result
    }

    fn logon_unaudited(
        &self,
        request: &LogonRequest<'_>,
        signed: Option<&SignedLogon<'_>>,
    ) -> std::result::Result<u64, LogonRefusal> {
        let now = Instant::now();
        let access = &self.access;
        // One key per address: ::ffff:a.b.c.d is a.b.c.d.
        let peer = request.peer.map(|p| p.to_canonical());
        let account = access.accounts.by_sender(request.sender_comp_id);
        // An address the CompID's own non-empty allow-list admits. An unknown CompID and one with
        // no list have no such address, so both are throttled alike and a lock-out tells nothing
        // of whether the CompID exists.
        let admitted = peer.zip(account.as_ref()).is_some_and(|(p, a)| {
            let allow = a.allow();
            !allow.is_empty() && allow.permits(p)
        });
        let comp_id = request.sender_comp_id.to_owned();
        let pair = (comp_id.clone(), peer);
        let ceiling = (comp_id, admitted);
        if peer.is_some_and(|p| access.failed_by_peer.locked(&p, now).is_some())
            || access.failed_by_pair.locked(&pair, now).is_some()
            || access.failed_by_comp_id.locked(&ceiling, now).is_some()
        {
            return Err(LogonRefusal::LockedOut);
        }
        // Every attempt counts against the CompID's logon rate (known or not: a limit that only
        // known CompIDs met would tell a guesser which exist).
        if let Some(rate) = &access.logons_by_comp_id {
            if rate.locked(&pair.0, now).is_some() {
                return Err(LogonRefusal::TooManyLogons);
            }
            rate.record_failure(&pair.0, now);
        }
        let fail = |refusal| {
            if let Some(peer) = peer {
                access.failed_by_peer.record_failure(&peer, now);
            }
            access.failed_by_pair.record_failure(&pair, now);
            access.failed_by_comp_id.record_failure(&ceiling, now);
            Err(refusal)
        };
        let record = account.as_ref().map(|a| a.record());
        let Some((account, record)) =
            account.zip(record).filter(|(_, r)| r.target_comp_id == request.target_comp_id)
        else {
            // Spend what a real check spends before refusing.
            std::hint::black_box(access.keyring.verify(request.password, &UNKNOWN_VERIFIER));
            std::hint::black_box(access.keyring.verify(request.password, &UNKNOWN_VERIFIER));
            if let Some(signed) = signed {
                Self::spend_like_a_signature(signed);
            }
            return fail(LogonRefusal::UnknownCompId);
        };
        let now_ms = unix_ms();
        // Always two HMACs, as for an unknown CompID, whether or not a rotation overlap is open:
        // the time of an answer tells nothing of the CompID or of a rotation.
        let current = access.keyring.verify(request.password, &record.verifier);
        let (overlap_open, previous_verifier) = match record.previous.as_ref() {
            Some(p) => (now_ms < p.valid_until_unix_ms, &p.verifier),
            None => (false, &UNKNOWN_VERIFIER),
        };
        let previous =
            std::hint::black_box(access.keyring.verify(request.password, previous_verifier)) & overlap_open;
        let username_ok = request.username.is_none_or(|u| u == account.user_id);
        let policy = self.logon_policy_of(&record);
        if policy.needs_password() && (!(current || previous) || !username_ok) {
            return fail(LogonRefusal::BadCredentials);
        }
        if policy.needs_signature() {
            let Some(signed) = signed else {
                // A password-only Logon on a signature tier: the password (when asked for) was
                // proved, so the peer may be told what is missing; with no password to prove,
                // it is a failed attempt like any other.
                return match policy.needs_password() {
                    true => Err(LogonRefusal::SignatureRequired),
                    false => fail(LogonRefusal::SignatureRequired),
                };
            };
            if let Err(refusal) = self.check_signature(&record, signed, now_ms) {
                return fail(refusal);
            }
        }
        // The peer proved what its policy asks: from here on the answer may name the state.
        access.failed_by_pair.record_success(&pair);
        access.failed_by_comp_id.record_success(&ceiling);
        if let Some(refusal) = Self::barred(&record, now_ms) {
            return Err(refusal);
        }
        if self.eligibility.check_at_logon && !self.evaluate(&account.user_id).eligible {
            return Err(LogonRefusal::NotEligible);
        }
        let allow = account.allow();
        let permitted = match peer {
            Some(peer) => allow.permits(peer),
            None => allow.is_empty(),
        };
        if !permitted {
            return Err(LogonRefusal::IpNotAllowed);
        }
        self.check_country(&record, peer)?;
        // Fleet mode: a slot of the user's across every gateway first (one round trip).
        let lease = self.fleet_lease_take(&account.user_id)?;
        let session = match self.session_open(&account.user_id) {
            Ok(session) => session,
            Err(_) => {
                self.fleet_lease_drop(lease, None);
                return Err(LogonRefusal::SessionLimit);
            }
        };
        self.fleet_lease_bind(lease, session, &account.user_id);
        // A revoke, suspend or expiry that published its record after the read above may have run
        // its kill step before this session was registered: read again now that it is. Whichever
        // of the two came second sees the other (the session list is behind the user's lock), so
        // no session outlives a revocation.
        if let Some(refusal) = Self::barred(&account.record(), unix_ms()) {
            let _ = self.session_close(session);
            return Err(refusal);
        }
        Ok(session)
    }

    fn barred(record: &CredentialRecord, now_ms: u64) -> Option<LogonRefusal> {
        match record.status {
            CredentialStatus::Revoked => Some(LogonRefusal::Revoked),
            CredentialStatus::Suspended => Some(LogonRefusal::Suspended),
            CredentialStatus::Active if record.expired(now_ms) => Some(LogonRefusal::Expired),
            CredentialStatus::Active => None,
        }
    }
}

/// How many times the per-(CompID, address) threshold a CompID may fail across addresses before
/// it is refused from every address of the same kind (admitted by its allow-list, or not).
pub const COMP_ID_CEILING: u32 = 4;

/// Compared against when the SenderCompID is unknown, or when no previous password is kept, so that
/// every logon costs two HMACs.
const UNKNOWN_VERIFIER: [u8; 32] = [0; 32];

/// The settings row of the SenderCompID pool.
pub(super) const COMP_ID_POOL_KEY: &str = "comp_id_pool";

/// The SenderCompID pool as stored.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PoolRecord {
    pub(super) size: u32,
}

/// The access part of an engine, reached as [`Engine::access`](crate::Engine::access): who may log
/// on (provisioning and the credential life cycle, allow-lists), the logon check itself, and the
/// store's master password. May be used from several threads at once.
#[derive(Clone, Copy, Debug)]
pub struct Access<'e> {
    pub(super) core: &'e Core,
}

impl Access<'_> {
    /// Provisions `user` on `tier` (the default tier when `None`): a unique SenderCompID, the venue's
    /// TargetCompID and a new password, returned this once.
    pub fn provision(&self, user: &str, tier: Option<&str>) -> Result<Credentials> {
        self.core.provision(user, tier)
    }

    /// Revokes `user`'s credential for good and kills the user's live sessions.
    pub fn revoke(&self, user: &str) -> Result<()> {
        self.core.revoke(user)
    }

    /// Suspends `user` and kills the user's live sessions; a revoked user stays revoked.
    pub fn suspend(&self, user: &str) -> Result<()> {
        self.core.suspend(user)
    }

    /// Lets a suspended user log on again; a revoked user cannot be reactivated.
    pub fn reactivate(&self, user: &str) -> Result<()> {
        self.core.reactivate(user)
    }

    /// Gives `user` a new password, returned this once. The old one stops working now, or after
    /// `overlap` so a gateway can rotate without downtime.
    pub fn regenerate_password(&self, user: &str, overlap: Duration) -> Result<Secret> {
        self.core.regenerate_password(user, overlap)
    }

    /// Sets when `user`'s credential expires (milliseconds since the Unix epoch; `None` never).
    /// Logons after it fail; live sessions are killed (and the host told) at once, on the calling
    /// thread, for a time already past, otherwise by the housekeeper when the time comes.
    ///
    /// `Some(0)` means never too, as 0 does in the C ABI and over HTTP: one meaning everywhere, so
    /// that a 0 sent for "no expiry" can never expire a user at once and kill its sessions.
    pub fn set_expiry(&self, user: &str, expires_unix_ms: Option<u64>) -> Result<()> {
        self.core.set_expiry(user, expires_unix_ms)
    }

    /// Allows logons of `user` from an address or CIDR range ("203.0.113.7", "10.0.0.0/8",
    /// "2001:db8::/32"). An empty list allows any address. Returns false if it was already there.
    pub fn ip_allow(&self, user: &str, rule: &str) -> Result<bool> {
        self.core.ip_allow(user, rule)
    }

    /// Removes an address or range from `user`'s allow-list.
    pub fn ip_disallow(&self, user: &str, rule: &str) -> Result<()> {
        self.core.ip_disallow(user, rule)
    }

    /// The SenderCompID pool: its size, how many are assigned and free, and every CompID in it.
    pub fn comp_id_pool(&self) -> CompIdPool {
        self.core.comp_id_pool()
    }

    /// Sets the size of the SenderCompID pool (0 turns it off; at most [`MAX_COMP_ID_POOL`]),
    /// persisted and audited ("comp_id_pool.set"). Provisioning then assigns the first free pooled
    /// CompID (`PREFIX00001`, ...), and refuses with [`Error::LimitReached`] once all are assigned.
    /// CompIDs already assigned stay valid whatever the size; a FIX engine that declares sessions
    /// ahead must declare the new ones before they are assigned (QuickFIX C++: at a restart).
    pub fn set_comp_id_pool(&self, size: u32) -> Result<CompIdPool> {
        self.core.set_comp_id_pool(size, false)
    }

    /// Every provisioned user's credential, as [`Access::credentials`] gives it, ordered by user id.
    pub fn all_credentials(&self) -> Vec<CredentialInfo> {
        self.core.credentials_all()
    }

    /// Everything about `user`'s credential except the secret.
    pub fn credentials(&self, user: &str) -> Result<CredentialInfo> {
        self.core.credentials(user)
    }

    /// Re-wraps the store's data key under a new master password; nothing else is rewritten and
    /// nothing stops. Fails without a store.
    pub fn change_master_password(&self, new_password: &[u8]) -> Result<()> {
        self.core.change_master_password(new_password)
    }

    /// Validates a Logon and opens a session on the user's tier; or says why not.
    ///
    /// An unknown SenderCompID costs the same password hash as a known one and is throttled by the
    /// same per-CompID counter, so neither the answer, its timing nor a lock-out tells a guesser
    /// whether the CompID exists.
    pub fn logon(&self, request: &LogonRequest<'_>) -> std::result::Result<u64, LogonRefusal> {
        self.core.logon(request, None)
    }

    /// [`Access::logon`] with the Logon's signed fields, for users whose logon policy asks for a
    /// signature (a user on `password` ignores them). The signature is checked over the canonical
    /// payload (see [`crate::cold::logon_keys`]) under the live key `signed.key_id` names, its
    /// SendingTime against the freshness window (`Config::logon_window_back` and
    /// `logon_window_ahead`), and each signature is accepted once. The password may be empty for
    /// a user on `signature`.
    pub fn logon_signed(
        &self,
        request: &LogonRequest<'_>,
        signed: &SignedLogon<'_>,
    ) -> std::result::Result<u64, LogonRefusal> {
        self.core.logon(request, Some(signed))
    }

    /// Registers an Ed25519 public key (32 bytes in standard base64) to sign `user`'s logons, with
    /// an optional expiry (milliseconds since the Unix epoch; `None` or 0 never). Its id is
    /// `key_id` (1 to 64 printable ASCII characters without '=', unique among the user's keys), or
    /// a new `lk_` and 16 hexadecimal digits when `None`. At most
    /// [`MAX_LIVE_KEYS`](crate::cold::logon_keys::MAX_LIVE_KEYS) are live at once. Audited
    /// ("credential.key_add").
    pub fn add_ed25519_key(
        &self,
        user: &str,
        key_id: Option<&str>,
        public_key: &str,
        expires_unix_ms: Option<u64>,
    ) -> Result<LogonKeyInfo> {
        self.core.add_ed25519_key(user, key_id, public_key, expires_unix_ms)
    }

    /// Generates a 256-bit HMAC-SHA256 key to sign `user`'s logons, returned this once (stored only
    /// sealed). As [`Access::add_ed25519_key`] otherwise.
    pub fn generate_hmac_key(
        &self,
        user: &str,
        key_id: Option<&str>,
        expires_unix_ms: Option<u64>,
    ) -> Result<GeneratedKey> {
        self.core.generate_hmac_key(user, key_id, expires_unix_ms)
    }

    /// Revokes one of `user`'s logon keys: a logon signed with it is refused from now on. Audited
    /// ("credential.key_revoke").
    pub fn revoke_key(&self, user: &str, key_id: &str) -> Result<()> {
        self.core.revoke_key(user, key_id)
    }

    /// `user`'s logon keys (never an HMAC secret).
    pub fn logon_keys(&self, user: &str) -> Result<Vec<LogonKeyInfo>> {
        self.core.logon_keys(user)
    }

    /// Sets `user`'s own logon policy, over its tier's (`None`: follow the tier). Audited
    /// ("credential.logon_policy").
    pub fn set_logon_policy(&self, user: &str, policy: Option<LogonPolicy>) -> Result<()> {
        self.core.set_user_logon_policy(user, policy)
    }

    /// Sets what a Logon on `tier` must prove (new tiers: `password`). Audited
    /// ("logon_policy.tier").
    pub fn set_tier_logon_policy(&self, tier: &str, policy: LogonPolicy) -> Result<()> {
        self.core.set_tier_logon_policy(tier, policy)
    }

    /// Every tier's logon policy, and the users' own.
    pub fn logon_policies(&self) -> LogonPolicies {
        self.core.logon_policies()
    }

    /// Sets `user`'s own country rule (ISO 3166-1 alpha-2 codes to allow or deny at logon), over its
    /// tier's; `None` follows the tier's again. Audited ("credential.country_rule").
    pub fn set_country_rule(&self, user: &str, rule: Option<CountryRule>) -> Result<()> {
        self.core.set_user_country_rule(user, rule)
    }

    /// Sets `tier`'s country rule; `None` or an empty rule removes it. Audited
    /// ("country_rule.tier").
    pub fn set_tier_country_rule(&self, tier: &str, rule: Option<CountryRule>) -> Result<()> {
        self.core.set_tier_country_rule(tier, rule)
    }

    /// Every country rule: the tiers' and the users' own.
    pub fn country_rules(&self) -> CountryRules {
        self.core.country_rules()
    }

    /// The country of `ip` in the GeoIP database (`Config::geoip_database`); `None` without a
    /// database or when it does not know the address.
    pub fn country_of(&self, ip: IpAddr) -> Option<String> {
        self.core.country_of(ip)
    }

    /// How many signatures the replay cache holds now.
    pub fn replay_cache_len(&self) -> usize {
        self.core.access.signed.replay_len()
    }
}
