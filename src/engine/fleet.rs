//! Fleet mode: several gateways (engines in several processes, on several hosts) on one
//! PostgreSQL store, each keeping its own in-memory state and learning every change the others
//! make.
//!
//! # The change feed is the audit chain
//! Every cold-path change commits its audit record in the same transaction, and the store numbers
//! records one after another across the fleet (writes are serialized in the database). So the
//! chain is already a totally ordered log of every change, and each record names the gateway that
//! wrote it ([`AuditRecord::gateway`]). A gateway remembers the last record it has applied
//! (`applied`); to catch up it reads the records after it, in order, and for each one written by
//! another gateway refreshes what that record's event touched ([`touch`]) from the store: a user's
//! credential and profile, a user's eligibility rows, a tier, a setting; or kills a user's live
//! sessions here (`user.kill`). Refreshing reads the sealed rows themselves, never the record's
//! details, so a record only says *where* to look: the database cannot make a gateway believe
//! anything that is not a genuine sealed row.
//!
//! # When a gateway catches up
//! - A follower thread waits on the database's change notification (`LISTEN`; every write
//!   transaction notifies at commit), or at most `Config::fleet_poll`, then catches up. A
//!   notification lost (a connection that broke, a gateway that was stopped) costs nothing: the
//!   next catch-up reads every record after `applied`, whatever woke it.
//! - At open, `applied` is the chain's head read *before* the state was loaded, so a change
//!   committed during the load is applied again (refreshing is idempotent), never missed.
//! - Records cut by retention before a gateway read them (a gap after `applied`): it refreshes
//!   everything.
//!
//! # No lost update
//! A gateway computes a change from its memory, which may lag the database by one catch-up. Its
//! commit is therefore fenced ([`Store::apply_fenced`](crate::cold::store::Store::apply_fenced)):
//! inside the write transaction it reads the records after `applied`, and if another gateway's
//! record touches the same thing, nothing is written and the call fails with
//! [`Error::InvalidState`] ("try again"); the follower has by then been notified, and a retry
//! computes from the new state. A catch-up refreshing a user takes that account's write lock,
//! which a local change holds from reading the record to publishing it, so a change never reads a
//! state that a catch-up is half-way through, and `applied` moves past a record only once it is
//! applied.
//!
//! # What stays local
//! The per-message check, the session table and its buckets, failed-logon counters, refusal
//! aggregation and carried bucket debts are this gateway's own; nothing on the hot path touches
//! the network.

use crate::cold::audit::{AuditQuery, AuditRecord};
use crate::cold::credentials::LogonRefusal;
use crate::cold::credentials::{CredentialRecord, CredentialStatus, UserProfile};
use crate::cold::store::backend::Lease;
use crate::cold::store::{Fence, Table};
use crate::engine::access::{decode, PoolRecord, COMP_ID_POOL_KEY};
use crate::engine::core::{unix_ms, Core};
use crate::engine::eligibility::{EligibilityRows, RULES_KEY, TIER_RULES_KEY};
use crate::engine::geo::TIER_COUNTRIES_KEY;
use crate::engine::signed::LOGON_POLICIES_KEY;
use crate::engine::tiers::WEIGHTS_KEY;
use crate::error::{Error, Result};
use crate::hot::session::KillReason;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A gateway's place in its fleet, as the admin API shows it (`GET /admin/fix/fleet`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FleetStatus {
    /// This gateway's id; `None` for an engine with a store of its own (then everything else is
    /// empty).
    pub gateway: Option<String>,
    /// The last audit record whose change this gateway has applied.
    pub applied_seq: u64,
    /// Changes made by other gateways applied here since open.
    pub changes_applied: u64,
    /// Catch-ups that failed (the database unreachable) since open.
    pub sync_failures: u64,
    /// The fleet's live session leases: who holds a session at which gateway.
    pub leases: Vec<crate::cold::store::backend::LeaseInfo>,
}

/// Records read per catch-up query.
const PAGE: usize = 1_000;

/// Default `Config::fleet_poll`: the longest a gateway goes without catching up when no
/// notification comes.
pub const DEFAULT_FLEET_POLL: Duration = Duration::from_millis(200);

/// Default `Config::lease_expiry`: a gateway that stopped beating (killed, cut off) loses its
/// session leases after this; it beats three times as often, as venues' heartbeats go.
pub const DEFAULT_LEASE_EXPIRY: Duration = Duration::from_secs(3);

/// A lease taken less than this long ago is never dropped by its own gateway's heartbeat (its
/// session may not be registered yet).
const LEASE_GRACE_AT_TAKE: Duration = Duration::from_secs(5);

/// What a record's event touches: where a gateway looks to apply it, and what two changes must
/// not both compute from a stale copy of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Touch<'a> {
    /// A user's credential and profile (tier, allow-list).
    User(&'a str),
    /// A user's eligibility rows (facts, overrides, bypass).
    Eligibility(&'a str),
    /// A tier's definition.
    Tier(&'a str),
    /// An engine-wide setting row.
    Setting(&'static str),
    /// No state: kill the user's live sessions on every gateway.
    KillUser(&'a str),
    /// Nothing another gateway needs to apply (logons, session events, the store's own records).
    Nothing,
}

/// What the record of `event` about `subject` touches.
pub(crate) fn touch<'a>(event: &str, subject: &'a str) -> Touch<'a> {
    match event {
        e if e.starts_with("credential.") || e.starts_with("allowlist.") => Touch::User(subject),
        "user.tier" => Touch::User(subject),
        "account.facts" | "rule.override" | "rule.bypass" => Touch::Eligibility(subject),
        "tier.set" => Touch::Tier(subject),
        "tier.weights" => Touch::Setting(WEIGHTS_KEY),
        "rule.add" | "rule.remove" | "rule.enable" | "rule.disable" => Touch::Setting(RULES_KEY),
        "tier_rules.set" => Touch::Setting(TIER_RULES_KEY),
        "comp_id_pool.set" => Touch::Setting(COMP_ID_POOL_KEY),
        "logon_policy.tier" => Touch::Setting(LOGON_POLICIES_KEY),
        "country_rule.tier" => Touch::Setting(TIER_COUNTRIES_KEY),
        "user.kill" => Touch::KillUser(subject),
        _ => Touch::Nothing,
    }
}

impl Touch<'_> {
    /// Whether it changes stored state (and so is fenced).
    fn is_state(self) -> bool {
        !matches!(self, Touch::KillUser(_) | Touch::Nothing)
    }
}

/// A gateway's place in the fleet.
pub(crate) struct FleetState {
    /// This gateway's id, named in every audit record it writes.
    pub(crate) gateway: String,
    /// The last audit record whose change this gateway has applied (or made).
    applied: AtomicU64,
    /// One catch-up at a time.
    sync: Mutex<()>,
    /// Changes made by other gateways applied here, since open.
    pub(crate) changes_applied: AtomicU64,
    /// Catch-ups that failed (the database unreachable), since open.
    pub(crate) sync_failures: AtomicU64,
    /// How long the follower waits for a notification before catching up anyway.
    pub(crate) poll: Duration,
    /// Tests only: the follower does not catch up while set (a gateway that missed everything).
    pub(crate) paused: AtomicBool,
    /// This gateway's session leases: session handle -> (lease id, user).
    leases: Mutex<HashMap<u64, (u64, String)>>,
    /// The next lease id (random start, so that a restarted gateway with the same id never reuses
    /// one of its previous life's).
    next_lease: AtomicU64,
    /// A lease is live while its gateway's heartbeat is younger than this.
    pub(crate) lease_expiry: Duration,
    /// With the database unreachable, how long after the last heartbeat a logon is still admitted
    /// on local limits alone (0: refused, fail closed).
    pub(crate) lease_grace: Duration,
    /// When the last heartbeat reached the database.
    last_heartbeat: Mutex<Option<Instant>>,
    /// The next heartbeat takes back this gateway's leases (after one failed, or a logon admitted
    /// under the grace).
    reassert: AtomicBool,
}

impl std::fmt::Debug for FleetState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetState")
            .field("gateway", &self.gateway)
            .field("applied", &self.applied.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl FleetState {
    pub(crate) fn new(
        gateway: String,
        poll: Duration,
        lease_expiry: Duration,
        lease_grace: Duration,
    ) -> FleetState {
        FleetState {
            leases: Mutex::new(HashMap::new()),
            next_lease: AtomicU64::new(rand::random::<u64>() >> 2),
            lease_expiry,
            lease_grace,
            last_heartbeat: Mutex::new(None),
            reassert: AtomicBool::new(false),
            gateway,
            applied: AtomicU64::new(0),
            sync: Mutex::new(()),
            changes_applied: AtomicU64::new(0),
            sync_failures: AtomicU64::new(0),
            poll,
            paused: AtomicBool::new(false),
        }
    }

    /// The last record applied here.
    pub(crate) fn applied(&self) -> u64 {
        self.applied.load(Ordering::Acquire)
    }
}

/// Commits through `apply`, fenced when `fleet` is set (see the module doc): a change whose
/// record (`event` about `subject`) touches stored state is refused if another gateway's record
/// after the last one applied here touches the same.
pub(crate) fn commit_fenced(
    fleet: Option<&FleetState>,
    apply: impl FnOnce(Option<Fence<'_>>) -> Result<()>,
    event: &str,
    subject: &str,
) -> Result<()> {
    let ours = touch(event, subject);
    let Some(fleet) = fleet.filter(|_| ours.is_state()) else { return apply(None) };
    let conflicts = |r: &AuditRecord| {
        r.gateway.as_deref() != Some(fleet.gateway.as_str()) && touch(&r.event, &r.subject) == ours
    };
    apply(Some(Fence { after_seq: fleet.applied(), conflicts: &conflicts }))
}

/// The default gateway id: the host's name and this process's id.
pub(crate) fn default_gateway_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .unwrap_or_else(|| "gateway".into());
    format!("{host}-{}", std::process::id())
}

/// Checks a gateway id: 1 to 64 printable ASCII characters.
pub(crate) fn validate_gateway_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::invalid("the gateway id must be 1 to 64 printable ASCII characters"));
    }
    Ok(())
}

impl Core {
    pub(crate) fn fleet(&self) -> Option<&FleetState> {
        self.access.fleet.as_ref()
    }

    /// Marks everything up to the chain's head as applied (at open, before the load), and beats
    /// once, so that this gateway's first leases are live.
    pub(crate) fn fleet_start(&self) -> Result<()> {
        if let Some(fleet) = self.fleet() {
            let head = self.access.store().audit_head(&self.access.keyring)?;
            fleet.applied.store(head.seq, Ordering::Release);
            self.fleet_heartbeat()?;
        }
        Ok(())
    }

    /// Takes a session lease for `user` before its session opens (fleet mode): `Ok(None)` outside a
    /// fleet, `Ok(Some(id))` when taken (or admitted under the grace, see `Config::lease_grace`),
    /// [`LogonRefusal::SessionLimit`] when the user holds every slot its tier allows across the
    /// fleet, [`LogonRefusal::Unavailable`] when the database cannot be reached.
    pub(crate) fn fleet_lease_take(&self, user: &str) -> std::result::Result<Option<u64>, LogonRefusal> {
        let Some(fleet) = self.fleet() else { return Ok(None) };
        let max = self
            .users
            .get(user)
            .ok()
            .and_then(|u| self.tiers.table.snapshot().by_index(u.lock().tier()).map(|t| t.spec.max_sessions))
            .ok_or(LogonRefusal::SessionLimit)?;
        let id = fleet.next_lease.fetch_add(1, Ordering::Relaxed);
        let lease = Lease { gateway: &fleet.gateway, id, user, session: 0 };
        match self.access.store().backend().lease_take(&lease, max, fleet.lease_expiry) {
            Ok(true) => Ok(Some(id)),
            Ok(false) => Err(LogonRefusal::SessionLimit),
            Err(_) => {
                // Under the grace the lease is the heartbeat's to take when the database is back.
                if Self::fleet_within_grace(fleet) {
                    fleet.reassert.store(true, Ordering::Release);
                    Ok(Some(id))
                } else {
                    Err(LogonRefusal::Unavailable)
                }
            }
        }
    }

    /// Whether the database was last reached less than `lease_grace` ago: logons that need it are
    /// then admitted on this gateway's own state (`Config::lease_grace`).
    pub(crate) fn fleet_within_grace(fleet: &FleetState) -> bool {
        fleet
            .last_heartbeat
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some_and(|at| at.elapsed() < fleet.lease_grace)
    }

    /// Binds a taken lease to the session it let open.
    pub(crate) fn fleet_lease_bind(&self, lease: Option<u64>, session: u64, user: &str) {
        if let (Some(fleet), Some(id)) = (self.fleet(), lease) {
            fleet.leases.lock().unwrap_or_else(|p| p.into_inner()).insert(session, (id, user.to_owned()));
        }
    }

    /// Gives back a lease whose session did not open, or a closed session's.
    pub(crate) fn fleet_lease_drop(&self, lease: Option<u64>, session: Option<u64>) {
        let Some(fleet) = self.fleet() else { return };
        let id = match session {
            Some(s) => fleet.leases.lock().unwrap_or_else(|p| p.into_inner()).remove(&s).map(|(id, _)| id),
            None => lease,
        };
        if let Some(id) = id {
            // Not reached: the heartbeat drops it (it is not among the live ones).
            let _ = self.access.store().backend().lease_release(&fleet.gateway, id);
        }
    }

    /// Beats: this gateway is alive, its leases are exactly its live sessions'.
    ///
    /// Taking leases back holds the lease map for the round trip, so a session closing meanwhile
    /// cannot have its released lease put back; an ordinary beat only drops leases older than
    /// `LEASE_GRACE_AT_TAKE` that no live session holds, and holds nothing.
    fn fleet_heartbeat(&self) -> Result<()> {
        let Some(fleet) = self.fleet() else { return Ok(()) };
        let reassert = fleet.reassert.swap(false, Ordering::AcqRel);
        let map = fleet.leases.lock().unwrap_or_else(|p| p.into_inner());
        let held: Vec<(u64, u64, String)> =
            map.iter().map(|(session, (id, user))| (*session, *id, user.clone())).collect();
        let _map = if reassert {
            Some(map)
        } else {
            drop(map);
            None
        };
        let live: Vec<Lease<'_>> = held
            .iter()
            .map(|(session, id, user)| Lease { gateway: &fleet.gateway, id: *id, user, session: *session })
            .collect();
        let beat =
            self.access.store().backend().heartbeat(&fleet.gateway, &live, LEASE_GRACE_AT_TAKE, reassert);
        if beat.is_err() {
            // Others may drop this gateway's leases as expired meanwhile: take them back later.
            fleet.reassert.store(true, Ordering::Release);
        } else {
            *fleet.last_heartbeat.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
        beat
    }

    /// This gateway's place in the fleet.
    pub(crate) fn fleet_status(&self) -> Result<FleetStatus> {
        let Some(fleet) = self.fleet() else { return Ok(FleetStatus::default()) };
        Ok(FleetStatus {
            gateway: Some(fleet.gateway.clone()),
            applied_seq: fleet.applied(),
            changes_applied: fleet.changes_applied.load(Ordering::Relaxed),
            sync_failures: fleet.sync_failures.load(Ordering::Relaxed),
            leases: self.fleet_leases(None)?,
        })
    }

    /// The fleet's live session leases, of `user` or of everyone.
    pub(crate) fn fleet_leases(
        &self,
        user: Option<&str>,
    ) -> Result<Vec<crate::cold::store::backend::LeaseInfo>> {
        let fleet = self.fleet().ok_or_else(|| Error::state("not in a fleet (no database URL)"))?;
        self.access.store().backend().leases(user, fleet.lease_expiry)
    }

    /// Applies every change other gateways committed since the last catch-up; returns how many.
    pub(crate) fn fleet_sync(&self) -> Result<usize> {
        let Some(fleet) = self.fleet() else { return Ok(0) };
        let _one = fleet.sync.lock().unwrap_or_else(|p| p.into_inner());
        let mut applied = 0;
        loop {
            let after = fleet.applied();
            let query = AuditQuery { after_seq: Some(after), limit: Some(PAGE), ..AuditQuery::default() };
            let records = self.access.store().audit_query(&query)?;
            let Some(first) = records.first() else { return Ok(applied) };
            if first.seq > after + 1 {
                // Records cut by retention before this gateway read them: what they changed is
                // unknown, so everything is read again.
                self.fleet_refresh_all()?;
            }
            for record in &records {
                if record.gateway.as_deref() != Some(fleet.gateway.as_str()) {
                    self.fleet_apply(record)?;
                    if touch(&record.event, &record.subject) != Touch::Nothing {
                        applied += 1;
                        fleet.changes_applied.fetch_add(1, Ordering::Relaxed);
                    }
                }
                fleet.applied.store(record.seq, Ordering::Release);
            }
        }
    }

    fn fleet_apply(&self, record: &AuditRecord) -> Result<()> {
        match touch(&record.event, &record.subject) {
            Touch::User(user) => self.fleet_refresh_user(user),
            Touch::Eligibility(user) => self.fleet_refresh_eligibility(user),
            Touch::Tier(name) => self.fleet_refresh_tier(name),
            Touch::Setting(key) => self.fleet_refresh_setting(key),
            Touch::KillUser(user) => self.kill_user_by_id(user, KillReason::User).map(drop).or(Ok(())),
            Touch::Nothing => Ok(()),
        }
    }

    /// Reads `user`'s profile and credential again and applies them: a tier move, an allow-list,
    /// a new credential, a status or expiry that ends the user's live sessions here.
    fn fleet_refresh_user(&self, user: &str) -> Result<()> {
        let (store, keyring) = (self.access.store(), &self.access.keyring);
        let profile: Option<UserProfile> = match store.load_one(keyring, Table::Users, user)? {
            Some(row) => Some(decode("users", user, &row.value)?),
            None => None,
        };
        let record: Option<CredentialRecord> = match store.load_one(keyring, Table::Credentials, user)? {
            Some(row) => {
                let record: CredentialRecord = decode("credentials", user, &row.value)?;
                if record.user_id != row.key || record.sender_comp_id != row.sender_comp_id {
                    return Err(Error::Corrupt(
                        format!("credentials record '{user}' names another user").into(),
                    ));
                }
                Some(record)
            }
            None => None,
        };
        let allow = profile.as_ref().map(|p| p.allow.clone()).unwrap_or_default();
        let account = self.access.accounts.by_user(user).ok();
        let reason = {
            let _write = account.as_ref().map(|a| a.lock());
            if let Some(profile) = &profile {
                let index = self.tier(&profile.tier)?.index;
                self.apply_user_tier(user, index)?;
            }
            let Some(record) = record else { return Ok(()) };
            let now = unix_ms();
            let due = self.access.track_expiry(user, record.expires_unix_ms, now);
            let expired = due || record.expires_unix_ms.is_some_and(|at| at <= now);
            let reason = match record.status {
                CredentialStatus::Revoked => Some(KillReason::Revoked),
                CredentialStatus::Suspended => Some(KillReason::Suspended),
                CredentialStatus::Active => expired.then_some(KillReason::Expired),
            };
            match &account {
                Some(account) => {
                    account.publish(record);
                    account.publish_allow(allow);
                }
                None => {
                    self.access.accounts.insert(record, allow);
                }
            }
            reason
        };
        if let Some(reason) = reason {
            self.kill_user_by_id(user, reason)?;
        }
        Ok(())
    }

    fn fleet_refresh_eligibility(&self, user: &str) -> Result<()> {
        let (store, keyring) = (self.access.store(), &self.access.keyring);
        let text = |table| -> Result<Option<String>> {
            Ok(store.load_one(keyring, table, user)?.map(|r| String::from_utf8_lossy(&r.value).into_owned()))
        };
        self.eligibility_refresh_user(
            user,
            text(Table::Facts)?,
            text(Table::Overrides)?,
            text(Table::Bypasses)?,
        )
    }

    fn fleet_refresh_tier(&self, name: &str) -> Result<()> {
        let row = self.access.store().load_one(&self.access.keyring, Table::Tiers, name)?;
        match row {
            Some(row) => self.tier_publish(name, decode("tiers", name, &row.value)?),
            // Tiers are never deleted; a row missing here was cut by the manifest check's failure.
            None => Err(Error::Corrupt(format!("tier '{name}' named by the audit log is missing").into())),
        }
    }

    fn fleet_refresh_setting(&self, key: &'static str) -> Result<()> {
        let Some(row) = self.access.store().load_one(&self.access.keyring, Table::Settings, key)? else {
            if key == WEIGHTS_KEY {
                self.weights_publish(Default::default());
            }
            return Ok(());
        };
        let text = || String::from_utf8_lossy(&row.value).into_owned();
        match key {
            RULES_KEY => self.load_eligibility(EligibilityRows { rules: Some(text()), ..Default::default() }),
            TIER_RULES_KEY => {
                self.load_eligibility(EligibilityRows { tier_rules: Some(text()), ..Default::default() })
            }
            WEIGHTS_KEY => self.weights_load(&row.value),
            COMP_ID_POOL_KEY => {
                let pool: PoolRecord = decode("settings", key, &row.value)?;
                self.access.set_comp_id_pool_size(pool.size)
            }
            LOGON_POLICIES_KEY => self.logon_policies_load(&row.value),
            TIER_COUNTRIES_KEY => self.tier_countries_load(&row.value),
            _ => Ok(()),
        }
    }

    /// Reads every tier, setting and user again (after records were cut before this gateway read
    /// them).
    fn fleet_refresh_all(&self) -> Result<()> {
        let (store, keyring) = (self.access.store(), &self.access.keyring);
        for row in store.load(keyring, Table::Tiers)? {
            self.tier_publish(&row.key, decode("tiers", &row.key, &row.value)?)?;
        }
        for key in
            [RULES_KEY, TIER_RULES_KEY, WEIGHTS_KEY, COMP_ID_POOL_KEY, LOGON_POLICIES_KEY, TIER_COUNTRIES_KEY]
        {
            self.fleet_refresh_setting(key)?;
        }
        let mut users: std::collections::BTreeSet<String> =
            store.load(keyring, Table::Users)?.into_iter().map(|r| r.key).collect();
        users.extend(store.load(keyring, Table::Credentials)?.into_iter().map(|r| r.key));
        for user in &users {
            self.fleet_refresh_user(user)?;
            self.fleet_refresh_eligibility(user)?;
        }
        Ok(())
    }
}

/// The thread that keeps a gateway caught up: waits for the database's change notification (or
/// `fleet_poll`), then applies what changed. Stopped and joined when the engine closes.
pub(crate) struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    core: Arc<Core>,
}

impl Follower {
    pub(crate) fn start(core: Arc<Core>) -> Result<Option<Follower>> {
        let Some((poll, beat)) = core.fleet().map(|f| (f.poll, f.lease_expiry / 3)) else { return Ok(None) };
        let stop = Arc::new(AtomicBool::new(false));
        let owner = core.clone();
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("fixprov-fleet".into())
                .spawn(move || {
                    let mut backoff = poll;
                    let mut beaten = Instant::now();
                    while !stop.load(Ordering::Acquire) {
                        if beaten.elapsed() >= beat && core.fleet_heartbeat().is_ok() {
                            beaten = Instant::now();
                        }
                        if core.fleet().is_some_and(|f| f.paused.load(Ordering::Acquire)) {
                            std::thread::sleep(Duration::from_millis(10));
                            continue;
                        }
                        let outcome =
                            core.access.store().wait_for_change(poll).and_then(|_| core.fleet_sync());
                        match outcome {
                            Ok(_) => backoff = poll,
                            Err(_) => {
                                if let Some(fleet) = core.fleet() {
                                    fleet.sync_failures.fetch_add(1, Ordering::Relaxed);
                                }
                                // The database is away: wait (up to 2 s between tries) and
                                // catch up from `applied` when it is back.
                                let until = std::time::Instant::now() + backoff;
                                while !stop.load(Ordering::Acquire) && std::time::Instant::now() < until {
                                    std::thread::sleep(Duration::from_millis(20));
                                }
                                backoff = (backoff * 2).min(Duration::from_secs(2));
                            }
                        }
                    }
                })
                .map_err(|e| Error::Internal(format!("cannot start the fleet thread: {e}").into()))?
        };
        Ok(Some(Follower { stop, thread: Some(thread), core: owner }))
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // A graceful close frees this gateway's slots at once (a killed one's expire).
        if let Some(fleet) = self.core.fleet() {
            let _ = self.core.access.store().backend().leave(&fleet.gateway);
        }
    }
}
