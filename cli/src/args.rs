//! The command line's definitions: one clap tree, from which `--help`, the shell completions and the
//! man page are all generated (so they cannot disagree with what the tool accepts).

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Exit codes, stable across versions (printed in `--help` and the man page).
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the gateway refused the request (bad input, a conflict, a rule not met: HTTP 400, 409, 422)
  2  usage error (unknown command or option, a missing argument, no admin URL)
  3  not found (an unknown user, session, rule or key: HTTP 404)
  4  not authorized (no token, a wrong token, a role too low, too many failures: 401, 403, 429)
  5  the gateway cannot be reached (connection refused, a timeout, a bad address)
  6  the gateway failed (HTTP 5xx) or answered something that is not the admin API
  7  audit verify: the audit chain is broken
  8  a local file: a config or token file others may read, an input file unreadable or not
     JSON, an --out file that exists or cannot be written

Connection: --url, else FIXPROV_URL, else `url` in the config file. Token: --token-file, else
FIXPROV_TOKEN, else `token` in the config file ($FIXPROV_CONFIG, else
$XDG_CONFIG_HOME/fixprov/config.toml, else ~/.config/fixprov/config.toml), which must have mode
0600. A token is never taken as a command-line argument.";

/// fixprov: operate a FIX gateway's provisioning and limits through its admin API.
#[derive(Debug, Parser)]
#[command(name = "fixprov", version, after_long_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    /// The admin API's base URL, e.g. http://127.0.0.1:8080
    #[arg(long, global = true, env = "FIXPROV_URL", hide_env_values = true, value_name = "URL")]
    pub url: Option<String>,
    /// A file holding the admin token (mode 0600)
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// The config file (TOML with `url` and `token`; mode 0600)
    #[arg(long, global = true, env = "FIXPROV_CONFIG", hide_env_values = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Print the gateway's JSON answer instead of a table
    #[arg(long, global = true)]
    pub json: bool,
    /// Seconds to wait for the gateway's answer
    #[arg(long, global = true, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    #[command(subcommand)]
    pub command: Command,
}

/// Every command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Provision FIX access for a user: CompIDs and a password shown this once
    Provision {
        /// The user id
        user: String,
        /// The tier (the gateway's default tier otherwise)
        #[arg(long)]
        tier: Option<String>,
        #[command(flatten)]
        out: SecretOut,
    },
    /// Revoke a user's FIX access for good (live sessions are logged out)
    Revoke {
        /// The user id
        user: String,
    },
    /// Suspend a user (live sessions are logged out; logons refused until reactivated)
    Suspend {
        /// The user id
        user: String,
    },
    /// Reactivate a suspended user
    Reactivate {
        /// The user id
        user: String,
    },
    /// Give a user a new password, shown this once
    Regenerate {
        /// The user id
        user: String,
        /// Seconds the old password keeps working
        #[arg(long, value_name = "SECS", default_value_t = 0)]
        overlap: u64,
        #[command(flatten)]
        out: SecretOut,
    },
    /// Set or clear a credential's expiry
    #[command(group(ArgGroup::new("when").required(true).args(["at_unix_ms", "never"])))]
    Expiry {
        /// The user id
        user: String,
        /// Expires at this time (milliseconds since 1970-01-01 UTC)
        #[arg(long, value_name = "MS")]
        at_unix_ms: Option<u64>,
        /// Never expires
        #[arg(long)]
        never: bool,
    },
    /// A user's IP allow-list
    #[command(subcommand)]
    Ip(IpCommand),
    /// Credentials: every user's, or one user's
    Credentials {
        /// One user (all otherwise)
        user: Option<String>,
    },
    /// Live sessions: every one, or one user's
    Sessions {
        /// One user (all otherwise)
        user: Option<String>,
    },
    /// Kill a session, or every session of a user (each is logged out)
    Kill(Target),
    /// Each user's tier and rate limits
    Limits,
    /// Rate-limit tiers
    #[command(subcommand)]
    Tiers(TiersCommand),
    /// Message weights per tier
    #[command(subcommand)]
    Weights(WeightsCommand),
    /// Rate-limit violations
    #[command(subcommand)]
    Violations(ViolationsCommand),
    /// Eligibility rules
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Override one rule for one user
    #[command(group(ArgGroup::new("how").required(true).args(["disabled", "threshold", "clear"])))]
    Override {
        /// The user id
        user: String,
        /// The rule id
        rule: String,
        /// The rule does not apply to this user
        #[arg(long)]
        disabled: bool,
        /// Another threshold for this user: a number, or an amount with its currency ("250000.00 USD")
        #[arg(long, value_name = "VALUE")]
        threshold: Option<String>,
        /// Remove the override
        #[arg(long)]
        clear: bool,
    },
    /// Grant or withdraw an eligibility bypass
    #[command(group(ArgGroup::new("how").required(true).args(["reason", "clear"])))]
    Bypass {
        /// The user id
        user: String,
        /// Grant it, with this reason (audited)
        #[arg(long)]
        reason: Option<String>,
        /// Withdraw it
        #[arg(long)]
        clear: bool,
    },
    /// Set a user's account facts (JSON: kyc_level, balance, volume_30d, groups, ...)
    Accounts {
        /// The user id
        user: String,
        /// The facts as a JSON object ("-" reads standard input)
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
    /// Eligibility
    #[command(subcommand)]
    Eligibility(EligibilityCommand),
    /// Logon keys for signed logons (Ed25519, HMAC-SHA256)
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Logon policies (password, signature, password+signature)
    #[command(subcommand)]
    LogonPolicy(LogonPolicyCommand),
    /// Countries tiers and users may log on from
    #[command(subcommand)]
    CountryRules(CountryRulesCommand),
    /// The pool of SenderCompIDs declared ahead in the FIX engine
    #[command(subcommand)]
    CompIdPool(CompIdPoolCommand),
    /// Users, credentials, sessions, messages, logons and top violators
    Stats,
    /// Fleet mode: this gateway, its catch-up and every gateway's session leases
    Fleet,
    /// The Prometheus metrics, as the gateway serves them
    Metrics,
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The admin API's OpenAPI document
    Openapi,
    /// Whether the gateway's admin API answers (no token needed)
    Health,
    /// Print a shell completion script
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    Man,
}

/// Where a secret shown once goes.
#[derive(Debug, Args)]
pub struct SecretOut {
    /// Write the secret to this new file (mode 0600) instead of standard output
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// A user or a session.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Target {
    /// Every session of this user
    #[arg(long)]
    pub user: Option<String>,
    /// This session (its id, as `sessions` shows)
    #[arg(long, value_name = "ID")]
    pub session: Option<u64>,
}

/// A tier or a user.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct TierOrUser {
    /// For this tier
    #[arg(long)]
    pub tier: Option<String>,
    /// For this user
    #[arg(long)]
    pub user: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IpCommand {
    /// Allow an address or a CIDR block
    Allow {
        /// The user id
        user: String,
        /// An address or a CIDR block (10.0.0.0/8, 2001:db8::/32)
        rule: String,
    },
    /// Remove an address or a CIDR block
    Disallow {
        /// The user id
        user: String,
        /// The rule, as it was allowed
        rule: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TiersCommand {
    /// Every tier and its limits
    List,
    /// Create or change a tier (live sessions on it take the new limits at once)
    Set {
        /// The tier's name
        name: String,
        /// The tier's spec as JSON (messages_per_sec, message_burst, orders_per_sec, ...; "-" reads
        /// standard input)
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
    /// Move a user to another tier (live sessions included)
    Move {
        /// The user id
        user: String,
        /// The tier
        tier: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum WeightsCommand {
    /// Every tier's weights
    List,
    /// Set a tier's weights (JSON object: MsgType to weight, e.g. {"F": 0, "E": 5})
    Set {
        /// The tier
        tier: String,
        /// The weights as JSON ("-" reads standard input)
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ViolationsCommand {
    /// Reset the violation count of a user's sessions or of one session
    Reset(Target),
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Every rule
    List,
    /// Add a rule from a JSON file (id, min_kyc_level, min_balance, groups, when, ...)
    Add {
        /// The rule as JSON ("-" reads standard input)
        #[arg(long, value_name = "PATH")]
        file: PathBuf,
    },
    /// Remove a rule
    Remove {
        /// The rule id
        id: String,
    },
    /// Enable a rule
    Enable {
        /// The rule id
        id: String,
    },
    /// Disable a rule
    Disable {
        /// The rule id
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum EligibilityCommand {
    /// A user's verdict, rule by rule
    Show {
        /// The user id
        user: String,
    },
    /// Re-evaluate every provisioned user
    Reevaluate {
        /// Suspend those no longer eligible
        #[arg(long)]
        suspend: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// A user's logon keys
    List {
        /// The user id
        user: String,
    },
    /// Register a user's Ed25519 public key
    AddEd25519 {
        /// The user id
        user: String,
        /// The 32-byte public key in standard base64
        public_key: String,
        /// The key id (one is made otherwise)
        #[arg(long)]
        id: Option<String>,
        /// Expires at this time (milliseconds since 1970-01-01 UTC)
        #[arg(long, value_name = "MS")]
        expires_unix_ms: Option<u64>,
    },
    /// Generate an HMAC-SHA256 key for a user; its secret is shown this once
    GenerateHmac {
        /// The user id
        user: String,
        /// The key id (one is made otherwise)
        #[arg(long)]
        id: Option<String>,
        /// Expires at this time (milliseconds since 1970-01-01 UTC)
        #[arg(long, value_name = "MS")]
        expires_unix_ms: Option<u64>,
        #[command(flatten)]
        out: SecretOut,
    },
    /// Revoke a logon key at once
    Revoke {
        /// The user id
        user: String,
        /// The key id
        key_id: String,
    },
}

/// A logon policy.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Policy {
    /// The password alone
    Password,
    /// A signature alone
    Signature,
    /// Both
    #[value(name = "password+signature")]
    PasswordSignature,
    /// A user's: back to its tier's
    Tier,
}

#[derive(Debug, Subcommand)]
pub enum LogonPolicyCommand {
    /// Every tier's policy, and the users' own
    List,
    /// Set a tier's or a user's policy
    Set {
        /// The policy
        policy: Policy,
        #[command(flatten)]
        target: TierOrUser,
    },
}

#[derive(Debug, Subcommand)]
pub enum CountryRulesCommand {
    /// Every tier's rule, and the users' own
    List,
    /// Set a tier's or a user's rule (ISO 3166-1 alpha-2 codes)
    #[command(group(ArgGroup::new("rule").required(true).args(["allow", "deny", "clear"]).multiple(true)))]
    Set {
        #[command(flatten)]
        target: TierOrUser,
        /// Only these countries (comma-separated)
        #[arg(long, value_delimiter = ',', value_name = "CC")]
        allow: Vec<String>,
        /// Never these countries (comma-separated)
        #[arg(long, value_delimiter = ',', value_name = "CC")]
        deny: Vec<String>,
        /// Remove the rule (a user goes back to its tier's)
        #[arg(long, conflicts_with_all = ["allow", "deny"])]
        clear: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CompIdPoolCommand {
    /// The pool: its size and which CompIDs are free
    Show,
    /// Declare the pool's size (takes effect in the FIX engine at its next planned restart)
    Set {
        /// The number of SenderCompIDs
        size: u32,
    },
}

/// Filters of the audit query and export.
#[derive(Debug, Args)]
pub struct AuditFilter {
    /// Records about this user
    #[arg(long)]
    pub user: Option<String>,
    /// Events starting with this (credential., session.kill, ...)
    #[arg(long)]
    pub event: Option<String>,
    /// From this time (milliseconds since 1970-01-01 UTC)
    #[arg(long, value_name = "MS")]
    pub from_unix_ms: Option<u64>,
    /// Until this time (milliseconds since 1970-01-01 UTC)
    #[arg(long, value_name = "MS")]
    pub to_unix_ms: Option<u64>,
    /// After this sequence number (paging)
    #[arg(long, value_name = "SEQ")]
    pub after_seq: Option<u64>,
    /// At most this many records
    #[arg(long)]
    pub limit: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Audit records (a page of at most 1,000; page with --after-seq)
    Query(AuditFilter),
    /// Every matching record as JSON lines, to a file or standard output
    Export {
        #[command(flatten)]
        filter: AuditFilter,
        /// Write to this new file instead of standard output
        #[arg(long, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Verify the audit log's hash chain
    Verify,
}
