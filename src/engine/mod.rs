//! The engine: the hot path's session table, and the cold-path parts that manage it.
//!
//! [`Engine::check`] and its variants are the hot path, direct calls on the engine. Everything
//! else is cold and grouped by concern into parts, each in its own file and reached from the
//! engine:
//!
//! | part | reached as | does |
//! | --- | --- | --- |
//! | [`Access`] | [`Engine::access`] | provisioning, the credential life cycle, allow-lists, logon, the master password |
//! | [`Eligibility`] | [`Engine::eligibility`] | account facts, rules, overrides and bypasses, tier rules, re-evaluation |
//! | [`Tiers`] | [`Engine::tiers`] | tier definitions and each user's tier |
//! | [`Sessions`] | [`Engine::sessions`] | opening, closing and killing sessions, listings, counters, violations |
//! | [`Audit`] | [`Engine::audit`] | verification, the chain's head, retention, queries, export, flushing |
//!
//! The parts share one cold half (`Core`, private): the session table, the policy lock and the
//! users, which more than one part needs, and each part's own state, defined in that part's file
//! (`AccessState`, `EligibilityState`, `TiersState`, `SessionsState`, `AuditState`). The
//! housekeeper thread sweeps expiries and writes queued audit events.

mod access;
mod accounts;
mod audit;
mod core;
mod debts;
mod eligibility;
mod fleet;
mod geo;
pub(crate) use fleet::validate_gateway_id;
pub use fleet::FleetStatus;
mod housekeeper;
mod refusals;
mod sessions;
mod signed;
pub(crate) mod stats;
mod tiers;

pub use self::access::{Access, CompIdPool, Credentials, LogonRequest};
pub use self::audit::Audit;
pub(crate) use self::core::Core;
pub use self::core::{Event, EventKind, Listener, SessionInfo};
pub use self::eligibility::{Eligibility, Reevaluation, UserVerdict};
pub use self::geo::CountryRules;
pub use self::sessions::Sessions;
pub use self::signed::{GeneratedKey, LogonPolicies, DEFAULT_LOGON_WINDOW_AHEAD, DEFAULT_LOGON_WINDOW_BACK};
pub use self::stats::{LogonCounts, Stats, Totals, UserCounts};
pub use self::tiers::{Tiers, WeightTable};

use crate::cold::attempts::AttemptPolicy;
use crate::cold::tiers::Tiers as TierTable;
use crate::error::{Error, Result};
use crate::hot::clock::{Clock, ManualClock};
use crate::hot::msgtype::{self, MsgTypeError, OrderTypes};
use crate::hot::session::{CheckMode, Handle, MsgClass, SessionSlots, Verdict};
use crate::hot::weights::Weights;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// How a check without a timestamp reads the time.
#[derive(Clone, Debug)]
pub enum ClockConfig {
    /// A ticker thread refreshes one atomic every `tick`; a check costs one load. Decisions lag real
    /// time by less than one tick.
    Coarse {
        /// Refresh period.
        tick: Duration,
    },
    /// Read the TSC on every check (a call and a TSC read more per check; see BENCHMARKS.md).
    Precise,
    /// A clock the caller moves (tests).
    Manual(Arc<ManualClock>),
}

/// A secret held in memory: zeroized on drop, never shown by `Debug`.
#[derive(Clone, Default)]
pub struct Secret(zeroize::Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps secret bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Secret {
        Secret(zeroize::Zeroizing::new(bytes.into()))
    }

    /// The bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Engine configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Sessions open at once, all users together (the session table's size).
    pub max_sessions: u32,
    /// Tiers that can be defined, the four defaults included.
    pub max_tiers: u16,
    /// The clock of [`Engine::check`].
    pub clock: ClockConfig,
    /// MsgTypes counted as orders.
    pub order_types: OrderTypes,
    /// Where the embedded store lives; `None` keeps everything in memory (lost at close), unless
    /// `database_url` is set.
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL database to keep the store in instead (`postgres://user:password@host/db`),
    /// shared by every gateway of a fleet ([`PostgresBackend`](crate::cold::store::PostgresBackend)).
    /// A secret: it may hold the database password. Exclusive with `data_dir`.
    pub database_url: Option<Secret>,
    /// This gateway's id in a fleet (with `database_url`), named in every audit record it writes:
    /// 1 to 64 printable ASCII characters. `None`: the host's name and the process id.
    pub gateway_id: Option<String>,
    /// With `database_url`: the longest this gateway goes without reading the other gateways'
    /// changes when no notification comes (default 200 ms; a notification wakes it at once).
    pub fleet_poll: Duration,
    /// With `database_url`: a gateway that stops beating (killed, cut off from the database)
    /// loses its session leases after this, and the other gateways may then use those slots. It
    /// beats every third of it. Default 3 s; 300 ms to 600 s.
    pub lease_expiry: Duration,
    /// With `database_url`: when the database cannot be reached, how long after the last good
    /// heartbeat logons are still admitted on this gateway's own limits (the lease is taken when the
    /// database is back). Default 0: such logons are refused (`LogonRefusal::Unavailable`), fail
    /// closed.
    pub lease_grace: Duration,
    /// The master password of the store; `None` reads the FIX_MASTER_PASSWORD environment variable.
    pub master_password: Option<Secret>,
    /// PBKDF2 iterations for a new store or a master password change (at least 600,000).
    pub pbkdf2_iterations: u32,
    /// The venue's CompID: the TargetCompID (56) every provisioned user must address.
    pub target_comp_id: String,
    /// Prefix of generated SenderCompIDs.
    pub sender_comp_id_prefix: String,
    /// The least size of the SenderCompID pool ([`Access::set_comp_id_pool`]): at open, a store's
    /// smaller pool grows to it (persisted, audited). 0 (the default) leaves the store's as it is.
    pub comp_id_pool: u32,
    /// Failed logons allowed per user and per peer address before a cool-down.
    pub logon_attempts: AttemptPolicy,
    /// Logon attempts allowed per SenderCompID, whatever their outcome, before a cool-down: by
    /// default the 15th within 30 s starts 30 s in which that CompID's logons are refused
    /// (`TooManyLogons`) before anything is checked, so a client cannot log on and off as fast as
    /// it likes. `None` sets no such limit.
    pub logon_rate: Option<AttemptPolicy>,
    /// Shards of each table the logon path shares between threads (failed logons per address, per
    /// CompID and address, per CompID; the CompID's logon rate): 0 (the default) lets each table
    /// choose by its size ([`FailedAttempts`](crate::cold::attempts::FailedAttempts): 16 shards at
    /// the default sizes); 1 puts each behind one lock; n, n shards. The logon storm in
    /// BENCHMARKS.md measures 1 and 0 in one run: with more logon threads than cores, a thread
    /// preempted while it holds a table's lock stalls every other logon on one lock, and 1/16 of
    /// them on shards.
    pub logon_table_shards: u32,
    /// How often expired credentials' live sessions are looked for and killed.
    pub expiry_sweep: Duration,
    /// Currency of the default eligibility rules' thresholds (1,000.00 balance, 10,000.00 volume).
    pub currency: String,
    /// Start with the four default eligibility rules (balance 1,000.00, 30-day volume 10,000.00,
    /// account age 30 days, KYC level 2), or with none. A store's saved rule set replaces either.
    pub default_rules: bool,
    /// Signed logons: how far a signed Logon's SendingTime (52) may be behind the engine's clock
    /// (default 5 s; above zero, at most 600 s). A signature is remembered this long, so it is
    /// accepted once.
    pub logon_window_back: Duration,
    /// Signed logons: how far SendingTime may be ahead of the engine's clock (default 1 s; at most
    /// 60 s).
    pub logon_window_ahead: Duration,
    /// A MaxMind-format country database (.mmdb, GeoIP2/GeoLite2 Country or City) for country
    /// rules at logon; read at open (a missing or unreadable file fails the open) and again by the
    /// housekeeper within a second of the file changing, without a restart. `None`: no database,
    /// so no country can be told.
    pub geoip_database: Option<PathBuf>,
    /// Whether a logon whose country cannot be told (no peer address, no database, an address the
    /// database does not know) passes a country rule. Default false: refused, when a rule applies.
    pub geo_unknown_allowed: bool,
    /// Whether logon re-checks eligibility (off by default: facts change slowly, and re-evaluation
    /// suspends users who stopped qualifying).
    pub logon_checks_eligibility: bool,
    /// How much of the audit log to keep; the housekeeper cuts the rest once a minute (see
    /// [`Audit::retain`]). `None` keeps everything.
    pub audit_retention: Option<crate::cold::audit::AuditRetention>,
    /// Open every session as a single owner's ([`CheckMode::SingleOwner`]): the host promises to
    /// check each session on one thread at a time (as FIX engines do), and checks then take no
    /// locked instruction. Off by default; [`Sessions::set_mode`] changes one session.
    pub single_owner: bool,
    /// With `single_owner`, detect overlapping checks of one session (one `swap` per check; see
    /// [`Sessions::set_mode`]). On in debug builds, off in release builds by default.
    pub watch_owners: bool,
}

/// The default limit on logon attempts per SenderCompID: the 15th within 30 s starts 30 s of
/// refusals (venues: 15 connection attempts per 30 s).
pub const DEFAULT_LOGON_RATE: AttemptPolicy = AttemptPolicy {
    max_failures: 15,
    window: Duration::from_secs(30),
    cooldown: Duration::from_secs(30),
    max_tracked: 100_000,
};

/// Default tick of the coarse clock.
pub const DEFAULT_TICK: Duration = Duration::from_micros(500);

impl Default for Config {
    fn default() -> Self {
        Config {
            max_sessions: 65_536,
            max_tiers: 1_024,
            clock: ClockConfig::Coarse { tick: DEFAULT_TICK },
            order_types: OrderTypes::default(),
            data_dir: None,
            database_url: None,
            gateway_id: None,
            fleet_poll: fleet::DEFAULT_FLEET_POLL,
            lease_expiry: fleet::DEFAULT_LEASE_EXPIRY,
            lease_grace: Duration::ZERO,
            master_password: None,
            pbkdf2_iterations: crate::cold::crypto::MIN_PBKDF2_ITERATIONS,
            target_comp_id: "FIXPROV".into(),
            sender_comp_id_prefix: "FP".into(),
            comp_id_pool: 0,
            logon_attempts: AttemptPolicy::default(),
            logon_rate: Some(DEFAULT_LOGON_RATE),
            logon_table_shards: 0,
            expiry_sweep: Duration::from_millis(200),
            currency: "USD".into(),
            default_rules: true,
            logon_checks_eligibility: false,
            geoip_database: None,
            geo_unknown_allowed: false,
            logon_window_back: DEFAULT_LOGON_WINDOW_BACK,
            logon_window_ahead: DEFAULT_LOGON_WINDOW_AHEAD,
            audit_retention: None,
            single_owner: false,
            watch_owners: cfg!(debug_assertions),
        }
    }
}

/// Largest session table.
pub const MAX_SESSIONS_LIMIT: u32 = 1 << 24;

/// The enforcement engine.
///
/// May be used from several threads at once.
pub struct Engine {
    slots: SessionSlots,
    clock: Clock,
    order_types: OrderTypes,
    weights: Arc<Weights>,
    core: Arc<Core>,
    _follower: Option<fleet::Follower>,
    _housekeeper: housekeeper::Housekeeper,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("core", &self.core).finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens an engine with the four default tiers: on the store in `config.data_dir` (loading
    /// every user, credential, tier and allow-list into memory), or in memory without one.
    pub fn open(config: Config) -> Result<Engine> {
        if config.max_sessions == 0 || config.max_sessions > MAX_SESSIONS_LIMIT {
            return Err(Error::invalid("max_sessions must be 1 to 16,777,216"));
        }
        if config.max_tiers < crate::cold::tiers::DEFAULT_TIERS.len() as u16 {
            return Err(Error::invalid("max_tiers must be at least 4 (the defaults)"));
        }
        if config.expiry_sweep.is_zero() {
            return Err(Error::invalid("expiry_sweep must be above zero"));
        }
        let clock = match &config.clock {
            ClockConfig::Coarse { tick } => {
                if tick.is_zero() || *tick > Duration::from_secs(1) {
                    return Err(Error::invalid("the clock tick must be 1 us to 1 s"));
                }
                Clock::coarse(*tick)
                    .map_err(|e| Error::Internal(format!("cannot start the clock thread: {e}").into()))?
            }
            ClockConfig::Precise => Clock::precise(),
            ClockConfig::Manual(manual) => Clock::manual(manual.clone()),
        };
        // Generations start at a random point below 2^20, so a handle from another engine is
        // refused as stale (all but certainly), while handles stay below 2^53 (exact as JSON
        // numbers in every language) for the first million sessions of each slot.
        let first_generation = rand::random::<u32>() & ((1 << 20) - 1);
        let slots = SessionSlots::new(config.max_sessions, first_generation);
        let tiers = TierTable::with_defaults(config.max_tiers)?;
        let currency: crate::cold::rules::Currency =
            config.currency.parse().map_err(|e| Error::invalid(format!("currency: {e}")))?;
        let eligibility = eligibility::EligibilityState::new(
            currency,
            config.default_rules,
            config.logon_checks_eligibility,
        );
        let access = access::AccessState::open(&config)?;
        let mode = if config.single_owner {
            CheckMode::SingleOwner { watched: config.watch_owners }
        } else {
            CheckMode::Shared
        };
        let weights = Arc::new(Weights::new(usize::from(config.max_tiers)));
        let core = Arc::new(Core::new(
            slots.clone(),
            tiers,
            access,
            eligibility,
            mode,
            clock.reader(),
            weights.clone(),
        ));
        // The chain's head before the load: a change committed meanwhile is applied again by the
        // first catch-up, never missed.
        core.fleet_start()?;
        core.load()?;
        if config.comp_id_pool > 0 {
            core.set_comp_id_pool(config.comp_id_pool, true)?;
        }
        let housekeeper = housekeeper::Housekeeper::start(core.clone(), config.expiry_sweep)?;
        let follower = fleet::Follower::start(core.clone())?;
        Ok(Engine {
            slots,
            clock,
            order_types: config.order_types,
            weights,
            core,
            _follower: follower,
            _housekeeper: housekeeper,
        })
    }

    /// The cold half, shared: for the layers above the engine (the admin part) that outlive a
    /// borrow of it.
    pub(crate) fn core_shared(&self) -> Arc<Core> {
        self.core.clone()
    }

    // ----- the cold-path parts -----

    /// Provisioning, the credential life cycle, allow-lists, logon and the master password.
    pub fn access(&self) -> Access<'_> {
        self.core.access()
    }

    /// Account facts, eligibility rules, overrides, bypasses, tier rules and re-evaluation.
    pub fn eligibility(&self) -> Eligibility<'_> {
        self.core.eligibility()
    }

    /// Tier definitions and each user's tier.
    pub fn tiers(&self) -> Tiers<'_> {
        self.core.tiers()
    }

    /// Sessions on the cold path: open, close, kill, list, counters and violations.
    pub fn sessions(&self) -> Sessions<'_> {
        self.core.sessions()
    }

    /// The audit log: verification, the chain's head, retention, queries, export and flushing.
    pub fn audit(&self) -> Audit<'_> {
        self.core.audit()
    }

    /// In fleet mode ([`Config::database_url`]), applies now every change the other gateways have
    /// committed since this one last caught up, and returns how many; 0 otherwise. The engine's
    /// fleet thread does this on each change notification and at least every
    /// [`Config::fleet_poll`]; a host calls it when it must not wait for that.
    pub fn fleet_sync(&self) -> Result<usize> {
        self.core.fleet_sync()
    }

    /// The fleet's live session leases (every gateway's), of `user` or of everyone: who holds a
    /// session where. [`Error::InvalidState`] outside a fleet.
    pub fn fleet_leases(&self, user: Option<&str>) -> Result<Vec<crate::cold::store::backend::LeaseInfo>> {
        self.core.fleet_leases(user)
    }

    /// This gateway's place in its fleet: its id, how far it has caught up, and every gateway's live
    /// session leases. Outside a fleet, an empty status (`gateway: None`).
    pub fn fleet_status(&self) -> Result<FleetStatus> {
        self.core.fleet_status()
    }

    /// This gateway's id in a fleet; `None` for an engine with a store of its own.
    pub fn gateway_id(&self) -> Option<&str> {
        self.core.fleet().map(|f| f.gateway.as_str())
    }

    /// Tests only: stops (or restarts) the fleet thread's catching up, as a gateway that misses
    /// every notification would.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fn fleet_pause(&self, paused: bool) {
        if let Some(fleet) = self.core.fleet() {
            fleet.paused.store(paused, std::sync::atomic::Ordering::Release);
        }
    }

    /// Users, credentials, sessions, message totals by tier and logons by outcome, computed now.
    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    // ----- hot path -----

    /// Decides one inbound message of `class` on `session`, at the engine clock's time.
    #[inline(always)]
    pub fn check(&self, session: u64, class: MsgClass) -> Verdict {
        match self.clock.loaded() {
            Some(now) => self.check_at(session, class, now),
            None => self.check_precise(session, class),
        }
    }

    /// [`Engine::check`] on a precise clock, out of line: reading it is a call, and keeping calls
    /// off the common path lets the exported check run without saving registers.
    #[inline(never)]
    fn check_precise(&self, session: u64, class: MsgClass) -> Verdict {
        self.check_at(session, class, self.clock.now())
    }

    /// Decides one inbound message at the caller's time `now_ns` (for example the engine's receive
    /// timestamp). Use one time base per session: do not mix it with [`Engine::check`].
    #[inline(always)]
    pub fn check_at(&self, session: u64, class: MsgClass, now_ns: u64) -> Verdict {
        self.slots.check(Handle::from_raw(session), class, now_ns)
    }

    /// Decides a batch of messages read together from `session`'s peer, one after another at one
    /// instant of the engine clock, exactly as that many [`Engine::check`]s at that instant would;
    /// `out[i]` receives message `i`'s answer. A single owner's batch keeps its buckets in
    /// registers and stores them once.
    ///
    /// # Errors
    /// [`Error::StaleHandle`] for a closed or never-issued handle (nothing decided), and
    /// [`Error::InvalidArgument`](crate::Error) when `out` is shorter than `classes`.
    pub fn check_batch(&self, session: u64, classes: &[MsgClass], out: &mut [Verdict]) -> Result<()> {
        self.check_batch_at(session, classes, self.clock.now(), out)
    }

    /// [`Engine::check_batch`] at the caller's time `now_ns` (see [`Engine::check_at`]).
    pub fn check_batch_at(
        &self,
        session: u64,
        classes: &[MsgClass],
        now_ns: u64,
        out: &mut [Verdict],
    ) -> Result<()> {
        let Some(out) = out.get_mut(..classes.len()) else {
            return Err(Error::invalid("out must hold an answer for every message of the batch"));
        };
        self.batch_with(session, classes, Some(now_ns), |i, v| out[i] = v)
            .then_some(())
            .ok_or(Error::StaleHandle)
    }

    /// The batch with each answer handed to `out(i, verdict)` (the C ABI writes them in place);
    /// `now_ns` `None` reads the engine clock. `false` for a stale handle, nothing answered.
    #[inline]
    pub(crate) fn batch_with(
        &self,
        session: u64,
        classes: &[MsgClass],
        now_ns: Option<u64>,
        out: impl FnMut(usize, Verdict),
    ) -> bool {
        let now = now_ns.unwrap_or_else(|| self.clock.now());
        self.slots.check_batch(Handle::from_raw(session), classes, now, out)
    }

    /// Asks the CPU to bring `session`'s hot line into its cache: for hosts that know the session
    /// before they parse its message (at socket read time), so the check that follows does not
    /// wait on memory. Never fails, faults or blocks; a stale or foreign handle just prefetches
    /// nothing useful.
    #[inline(always)]
    pub fn prefetch(&self, session: u64) {
        self.slots.prefetch(Handle::from_raw(session).index)
    }

    /// Decides one inbound message given its raw MsgType (tag 35 value): its class from the
    /// engine's order set, its weight from the session's tier ([`Tiers::set_weights`]; 1 where the
    /// tier has none).
    #[inline]
    pub fn check_msgtype(&self, session: u64, msgtype: &[u8]) -> std::result::Result<Verdict, MsgTypeError> {
        msgtype::validate(msgtype)?;
        let class = self.order_types.classify(msgtype);
        if !self.weights.any() {
            return Ok(self.check(session, class));
        }
        Ok(self.slots.check_msgtype(
            Handle::from_raw(session),
            class,
            msgtype,
            &self.weights,
            self.clock.now(),
        ))
    }

    /// [`Engine::check`] for a message of `weight` tokens in each bucket it counts in (an order in
    /// both, any other message in the message bucket): for hosts that weigh messages themselves
    /// (the orders of a list, say). Weight 1 is the plain check, 0 admits the message without
    /// taking a token (kills and escalation still apply), and a weight above a bucket's burst is
    /// never admitted.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`](crate::Error) for a weight above
    /// [`MAX_WEIGHT`](crate::hot::weights::MAX_WEIGHT) (nothing decided).
    #[inline]
    pub fn check_weighted(&self, session: u64, class: MsgClass, weight: u32) -> Result<Verdict> {
        self.check_weighted_at(session, class, weight, self.clock.now())
    }

    /// [`Engine::check_weighted`] at the caller's time `now_ns` (see [`Engine::check_at`]).
    #[inline]
    pub fn check_weighted_at(
        &self,
        session: u64,
        class: MsgClass,
        weight: u32,
        now_ns: u64,
    ) -> Result<Verdict> {
        if weight > crate::hot::weights::MAX_WEIGHT {
            return Err(Error::invalid("a weight above 255"));
        }
        Ok(self.slots.check_weighted(Handle::from_raw(session), class, weight, now_ns))
    }

    /// The class of a MsgType under this engine's order set.
    pub fn classify(&self, msgtype: &[u8]) -> std::result::Result<MsgClass, MsgTypeError> {
        msgtype::validate(msgtype)?;
        Ok(self.order_types.classify(msgtype))
    }

    /// The engine clock's reading, in nanoseconds since open.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }
}
