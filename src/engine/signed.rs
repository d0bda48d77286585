//! Signed logons in the engine: each user's logon keys (added, generated, revoked, all audited),
//! the logon policy of each tier and user, and the signature step of a logon (freshness window,
//! verification, replay cache). The formats are in [`crate::cold::logon_keys`].

use crate::cold::audit::AuditEvent;
use crate::cold::credentials::{CredentialRecord, LogonRefusal};
use crate::cold::logon_keys::{
    canonical_payload, decode_signature, new_key_id, parse_ed25519_public_key, parse_sending_time,
    replay_digest, KeyKind, LogonKey, LogonKeyInfo, LogonPolicy, ReplayCache, ReplayRefusal, SignedLogon,
    MAX_LIVE_KEYS, REPLAY_CAPACITY,
};
use crate::cold::store::{Table, Write};
use crate::engine::access::{decode, json};
use crate::engine::core::{unix_ms, Core};
use crate::engine::{Config, Secret};
use crate::error::{Error, Result};
use base64::Engine as _;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

/// The settings row of the tiers' logon policies.
pub(super) const LOGON_POLICIES_KEY: &str = "logon_policies";

/// The default freshness window: SendingTime at most 5 s behind the engine's clock...
pub const DEFAULT_LOGON_WINDOW_BACK: Duration = Duration::from_secs(5);
/// ...and at most 1 s ahead of it (Binance's limits).
pub const DEFAULT_LOGON_WINDOW_AHEAD: Duration = Duration::from_secs(1);

/// The signed-logon state of an engine.
pub(crate) struct SignedState {
    /// Each tier's policy; a tier not named here is `password`.
    tiers: RwLock<HashMap<String, LogonPolicy>>,
    replay: Mutex<ReplayCache>,
    back_ms: u64,
    ahead_ms: u64,
}

impl SignedState {
    pub(crate) fn new(config: &Config) -> Result<SignedState> {
        if config.logon_window_back.is_zero() || config.logon_window_back > Duration::from_secs(600) {
            return Err(Error::invalid("logon_window_back must be above zero and at most 600 s"));
        }
        if config.logon_window_ahead > Duration::from_secs(60) {
            return Err(Error::invalid("logon_window_ahead must be at most 60 s"));
        }
        Ok(SignedState {
            tiers: RwLock::new(HashMap::new()),
            replay: Mutex::new(ReplayCache::new(REPLAY_CAPACITY)),
            back_ms: config.logon_window_back.as_millis() as u64,
            ahead_ms: config.logon_window_ahead.as_millis() as u64,
        })
    }

    /// How many signatures the replay cache holds now (tests, stats).
    pub(crate) fn replay_len(&self) -> usize {
        self.replay.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Every logon policy set: per tier, and the users' own.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct LogonPolicies {
    /// Each tier's policy (every tier, `password` where none was set).
    pub tiers: BTreeMap<String, LogonPolicy>,
    /// Users whose own policy overrides their tier's.
    pub users: BTreeMap<String, LogonPolicy>,
}

/// A key just generated: its description, and the HMAC secret shown this once.
#[derive(Debug)]
pub struct GeneratedKey {
    /// The key as [`Access::logon_keys`](crate::engine::Access::logon_keys) lists it.
    pub key: LogonKeyInfo,
    /// The 32-byte secret in standard base64; zeroized on drop, hidden from `Debug`.
    pub secret: Secret,
}

impl Core {
    /// Loads the tiers' policies from their settings row (at open, and when another gateway
    /// changed them).
    pub(crate) fn logon_policies_load(&self, bytes: &[u8]) -> Result<()> {
        let map: HashMap<String, LogonPolicy> = decode("settings", LOGON_POLICIES_KEY, bytes)?;
        *self.access.signed.tiers.write().unwrap_or_else(|p| p.into_inner()) = map;
        Ok(())
    }

    /// The policy `record`'s user logs on under: its own, else its tier's, else `password`.
    pub(crate) fn logon_policy_of(&self, record: &CredentialRecord) -> LogonPolicy {
        if let Some(policy) = record.logon_policy {
            return policy;
        }
        let Ok(tier) = self.user_tier(&record.user_id) else { return LogonPolicy::Password };
        let tiers = self.access.signed.tiers.read().unwrap_or_else(|p| p.into_inner());
        tiers.get(&tier).copied().unwrap_or_default()
    }

    /// Every policy set.
    pub(crate) fn logon_policies(&self) -> LogonPolicies {
        let set = self.access.signed.tiers.read().unwrap_or_else(|p| p.into_inner()).clone();
        let tiers = self
            .tier_list()
            .into_iter()
            .map(|t| (t.name.clone(), set.get(&t.name).copied().unwrap_or_default()));
        let users = self
            .access
            .accounts
            .all()
            .iter()
            .filter_map(|a| a.record().logon_policy.map(|p| (a.user_id.clone(), p)))
            .collect();
        LogonPolicies { tiers: tiers.collect(), users }
    }

    /// Sets `tier`'s logon policy, persisted and audited ("logon_policy.tier").
    pub(crate) fn set_tier_logon_policy(&self, tier: &str, policy: LogonPolicy) -> Result<()> {
        let tier = self.tier(tier)?.name;
        let mut tiers = self.access.signed.tiers.write().unwrap_or_else(|p| p.into_inner());
        let previous = tiers.get(&tier).copied().unwrap_or_default();
        let mut next = tiers.clone();
        next.insert(tier.clone(), policy);
        let value = json(&next);
        let details =
            serde_json::json!({"policy": policy, "previous": previous, "changed": policy != previous});
        self.access.commit(
            AuditEvent::host("logon_policy.tier", &tier, details),
            &[Write::Put { table: Table::Settings, key: LOGON_POLICIES_KEY, value: &value }],
        )?;
        *tiers = next;
        Ok(())
    }

    /// Changes `user`'s credential record under its lock, then commits and publishes it with the
    /// audit record of `event` (`details` never hold a secret).
    pub(super) fn change_credential_record(
        &self,
        user: &str,
        event: &'static str,
        change: impl FnOnce(&mut CredentialRecord) -> Result<serde_json::Value>,
    ) -> Result<CredentialRecord> {
        let account = self.access.accounts.by_user(user)?;
        let _write = account.lock();
        let mut record = CredentialRecord::clone(&account.record());
        let details = change(&mut record)?;
        let value = json(&record);
        self.access.commit(
            AuditEvent::host(event, user, details),
            &[Write::PutCredential { user_id: user, sender_comp_id: &record.sender_comp_id, value: &value }],
        )?;
        account.publish(record.clone());
        Ok(record)
    }

    /// Sets `user`'s own logon policy (`None`: its tier's), audited ("credential.logon_policy").
    pub(crate) fn set_user_logon_policy(&self, user: &str, policy: Option<LogonPolicy>) -> Result<()> {
        self.change_credential_record(user, "credential.logon_policy", |r| {
            let previous = r.logon_policy;
            r.logon_policy = policy;
            Ok(serde_json::json!({"policy": policy, "previous": previous, "changed": policy != previous}))
        })
        .map(drop)
    }

    fn add_key(
        &self,
        user: &str,
        key_id: Option<&str>,
        kind: KeyKind,
        material: [u8; 32],
        expires: Option<u64>,
    ) -> Result<LogonKeyInfo> {
        if let Some(id) = key_id {
            validate_key_id(id)?;
        }
        let now = unix_ms();
        let expires = expires.filter(|&at| at != 0);
        if expires.is_some_and(|at| at <= now) {
            return Err(Error::invalid("the key's expiry is already past"));
        }
        let id = key_id.map_or_else(new_key_id, str::to_owned);
        let key = LogonKey::new(id, kind, material, now, expires);
        let info = key.info(now);
        self.change_credential_record(user, "credential.key_add", |r| {
            if r.status == crate::cold::credentials::CredentialStatus::Revoked {
                return Err(Error::state("the credential is revoked"));
            }
            // Expired keys go when a new one comes: they can never work again.
            r.keys.retain(|k| k.live(now));
            if r.keys.iter().any(|k| k.id == key.id) {
                return Err(Error::exists("the user has a logon key with this id"));
            }
            if r.keys.len() >= MAX_LIVE_KEYS {
                return Err(Error::LimitReached(
                    format!("the user has {MAX_LIVE_KEYS} live logon keys: revoke one first").into(),
                ));
            }
            let details = serde_json::json!({"key_id": key.id, "kind": key.kind, "expires_unix_ms": expires});
            r.keys.push(key);
            Ok(details)
        })?;
        Ok(info)
    }

    /// Registers an Ed25519 public key (standard base64) for `user`'s signed logons.
    pub(crate) fn add_ed25519_key(
        &self,
        user: &str,
        key_id: Option<&str>,
        public_key: &str,
        expires: Option<u64>,
    ) -> Result<LogonKeyInfo> {
        let material = parse_ed25519_public_key(public_key)?;
        self.add_key(user, key_id, KeyKind::Ed25519, material, expires)
    }

    /// Generates a 256-bit HMAC-SHA256 key for `user`, returned this once.
    pub(crate) fn generate_hmac_key(
        &self,
        user: &str,
        key_id: Option<&str>,
        expires: Option<u64>,
    ) -> Result<GeneratedKey> {
        let mut material = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut material);
        let secret = Secret::new(base64::engine::general_purpose::STANDARD.encode(material).into_bytes());
        let key = self.add_key(user, key_id, KeyKind::HmacSha256, material, expires);
        zeroize::Zeroize::zeroize(&mut material);
        Ok(GeneratedKey { key: key?, secret })
    }

    /// Revokes one of `user`'s keys: the next logon signed with it is refused.
    pub(crate) fn revoke_key(&self, user: &str, key_id: &str) -> Result<()> {
        self.change_credential_record(user, "credential.key_revoke", |r| {
            let before = r.keys.len();
            r.keys.retain(|k| k.id != key_id);
            if r.keys.len() == before {
                return Err(Error::not_found("the user has no logon key with this id"));
            }
            Ok(serde_json::json!({"key_id": key_id}))
        })
        .map(drop)
    }

    /// `user`'s logon keys, expired ones included until a new key replaces them.
    pub(crate) fn logon_keys(&self, user: &str) -> Result<Vec<LogonKeyInfo>> {
        let now = unix_ms();
        Ok(self.access.accounts.by_user(user)?.record().keys.iter().map(|k| k.info(now)).collect())
    }

    /// The signature step of a logon for `record`, whose SenderCompID and TargetCompID the
    /// request named: freshness, then the signature, then the replay cache (only a signature that
    /// verified is remembered).
    pub(crate) fn check_signature(
        &self,
        record: &CredentialRecord,
        signed: &SignedLogon<'_>,
        now_ms: u64,
    ) -> std::result::Result<(), LogonRefusal> {
        let state = &self.access.signed;
        let sent = parse_sending_time(signed.sending_time).ok_or(LogonRefusal::StaleSignature)?;
        if sent.saturating_add(state.back_ms) < now_ms || sent > now_ms.saturating_add(state.ahead_ms) {
            return Err(LogonRefusal::StaleSignature);
        }
        let payload = canonical_payload(
            signed.msg_type,
            &record.sender_comp_id,
            &record.target_comp_id,
            signed.msg_seq_num,
            signed.sending_time,
        );
        let signature = decode_signature(signed.raw_data);
        let key = record.keys.iter().find(|k| k.id == signed.key_id && k.live(now_ms));
        let verified = match (payload, signature, key) {
            (Some(payload), Some(signature), Some(key)) if signed.msg_type == "A" => {
                key.verifies(&payload, &signature).then_some(signature)
            }
            _ => None,
        };
        let signature = verified.ok_or(LogonRefusal::BadSignature)?;
        let forget_at = sent.saturating_add(state.back_ms).saturating_add(1);
        let digest = replay_digest(signed.key_id, &signature);
        let local =
            state.replay.lock().unwrap_or_else(|p| p.into_inner()).insert_digest(digest, forget_at, now_ms);
        match local {
            Ok(()) => {}
            Err(ReplayRefusal::Replayed) => return Err(LogonRefusal::ReplayedSignature),
            // Fail closed: only holders of valid keys can fill it, and it empties within the window.
            Err(ReplayRefusal::Full) => return Err(LogonRefusal::TooManyLogons),
        }
        // Fleet mode: every gateway's signatures, in the shared database (one round trip), so a
        // Logon accepted at one gateway cannot be replayed at another. When it cannot be reached:
        // fail closed, as a lease does, unless within `lease_grace` (this gateway's cache only).
        if let Some(fleet) = self.fleet() {
            return match self.access.store().backend().replay_record(&digest, forget_at, now_ms) {
                Ok(true) => Ok(()),
                Ok(false) => Err(LogonRefusal::ReplayedSignature),
                Err(_) if Self::fleet_within_grace(fleet) => Ok(()),
                Err(_) => Err(LogonRefusal::Unavailable),
            };
        }
        Ok(())
    }

    /// What an unknown SenderCompID's signed logon costs, spent so that its answer's timing tells
    /// nothing of which CompIDs ask for signatures.
    pub(crate) fn spend_like_a_signature(signed: &SignedLogon<'_>) {
        let key = LogonKey::new(String::new(), KeyKind::Ed25519, DUMMY_PUBLIC_KEY, 0, None);
        let signature = decode_signature(signed.raw_data).unwrap_or_else(|| vec![0; 64]);
        std::hint::black_box(key.verifies(b"A", &signature));
    }
}

/// Checks a key id an operator chose: 1 to 64 printable ASCII characters without '=' (it travels
/// in Username, 553).
fn validate_key_id(id: &str) -> Result<()> {
    crate::cold::credentials::validate_comp_id("key_id", id)
}

/// A valid Ed25519 public key (the base point's encoding): only what verifying under it costs matters.
const DUMMY_PUBLIC_KEY: [u8; 32] = [
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
];
