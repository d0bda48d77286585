//! The admin routes: path, method, the role each needs, and a thin handler over the engine.

use super::{Answer, Call, Outcome, Response, Role};
use crate::cold::audit::AuditQuery;
use crate::cold::rules::{AccountFacts, Override};
use crate::cold::tiers::TierSpec;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;

/// One route.
pub struct Route {
    /// "GET" or "POST".
    pub method: &'static str,
    /// The path, without query.
    pub path: &'static str,
    /// The least role that may call it.
    pub role: Role,
    /// The query parameters it takes (any other is refused).
    pub query: &'static [&'static str],
    pub(crate) handler: Handler,
}

/// A route's handler: most answer JSON; a few answer text in another format; the audit export
/// answers the filter it runs, for the caller to stream (HTTP) or collect (C ABI).
pub(crate) enum Handler {
    Json(fn(&Call<'_>) -> Answer),
    Text(&'static str, fn(&Call<'_>) -> std::result::Result<String, Response>),
    Export(fn(&Call<'_>) -> std::result::Result<AuditQuery, Response>),
}

impl Handler {
    pub(crate) fn run(&self, call: &Call<'_>) -> std::result::Result<Outcome, Response> {
        match self {
            Handler::Json(handler) => handler(call).map(|body| Outcome::Answer(Response::ok(body))),
            Handler::Text(content_type, handler) => handler(call).map(|text| {
                Outcome::Answer(Response { status: 200, body: Value::Null, text: Some((content_type, text)) })
            }),
            Handler::Export(handler) => handler(call).map(Outcome::Export),
        }
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.role)
    }
}

fn err(e: crate::Error) -> Response {
    e.into()
}

fn to_json<T: serde::Serialize>(value: T) -> Answer {
    serde_json::to_value(value).map_err(|e| err(crate::Error::Internal(e.to_string().into())))
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct User {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Provision {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    tier: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Regenerate {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    #[serde(default)]
    overlap_secs: u64,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
/// Exactly one of session and user.
#[schemars(inline)]
pub(super) struct Kill {
    session: Option<u64>,
    #[schemars(with = "Option<super::openapi::UserId>")]
    user: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct UserTier {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    tier: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct TierDefinition {
    #[schemars(length(min = 1, max = 64))]
    name: String,
    spec: TierSpec,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct TierWeights {
    #[schemars(length(min = 1, max = 64))]
    tier: String,
    #[schemars(with = "super::openapi::WeightTable")]
    weights: std::collections::BTreeMap<String, u64>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
/// Exactly one of session and user.
#[schemars(inline)]
pub(super) struct ResetViolations {
    session: Option<u64>,
    #[schemars(with = "Option<super::openapi::UserId>")]
    user: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct RuleId {
    id: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Expiry {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    expires_unix_ms: Option<u64>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct IpRule {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    rule: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct PoolSize {
    size: u32,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Facts {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    facts: AccountFacts,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct OverrideBody {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    rule: String,
    #[serde(rename = "override")]
    value: Option<Override>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Bypass {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    reason: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Ed25519Key {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    #[schemars(with = "Option<super::openapi::KeyId>")]
    key_id: Option<String>,
    public_key: String,
    expires_unix_ms: Option<u64>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct HmacKey {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    #[schemars(with = "Option<super::openapi::KeyId>")]
    key_id: Option<String>,
    expires_unix_ms: Option<u64>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct KeyRevoke {
    #[schemars(with = "super::openapi::UserId")]
    user: String,
    #[schemars(with = "super::openapi::KeyId")]
    key_id: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct PolicyBody {
    tier: Option<String>,
    #[schemars(with = "Option<super::openapi::UserId>")]
    user: Option<String>,
    /// Required, and may be null (a user's: follow its tier's).
    #[schemars(with = "super::openapi::Nullable<crate::LogonPolicy>")]
    policy: Value,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct CountryBody {
    tier: Option<String>,
    #[schemars(with = "Option<super::openapi::UserId>")]
    user: Option<String>,
    rule: Option<crate::CountryRule>,
}

#[derive(Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Reevaluate {
    #[serde(default)]
    suspend: bool,
}

// The answers that are not a domain type of their own. Each is what the route serializes, and its
// schema (derived) is what the OpenAPI document says the route answers.

/// The user the operation was done to.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Done {
    user: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Provisioned {
    user: String,
    sender_comp_id: String,
    target_comp_id: String,
    /// The new password, in this answer only: it cannot be read back later.
    #[schemars(length(min = 1))]
    password: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct NewPassword {
    user: String,
    /// The new password, in this answer only: it cannot be read back later.
    #[schemars(length(min = 1))]
    password: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Killed {
    /// Sessions killed.
    killed: usize,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserLimits {
    user: String,
    tier: String,
    live_sessions: u32,
    violations: u64,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct RateLimits {
    users: Vec<UserLimits>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Moved {
    user: String,
    tier: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Weights {
    tier: String,
    #[schemars(with = "super::openapi::WeightTable")]
    weights: crate::engine::WeightTable,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Reset {
    reset: bool,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct Rules {
    #[schemars(with = "Vec<super::openapi::Rule>")]
    rules: Vec<Value>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(inline)]
pub(super) struct KeyRevoked {
    user: String,
    key_id: String,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(inline)]
pub(super) struct GeneratedKey {
    #[serde(flatten)]
    key: crate::cold::logon_keys::LogonKeyInfo,
    /// The 32-byte secret in standard base64, in this answer only.
    #[schemars(length(min = 44, max = 44))]
    secret: String,
}

fn provision(c: &Call<'_>) -> Answer {
    let b: Provision = c.body()?;
    let creds = c.core.access().provision(&b.user, b.tier.as_deref()).map_err(err)?;
    let password = String::from_utf8(creds.password.expose().to_vec()).unwrap_or_default();
    // The password appears in this one response only.
    to_json(Provisioned {
        user: creds.user_id.clone(),
        sender_comp_id: creds.sender_comp_id.clone(),
        target_comp_id: creds.target_comp_id.clone(),
        password,
    })
}

fn user_op(c: &Call<'_>, op: fn(&crate::engine::Core, &str) -> crate::Result<()>) -> Answer {
    let b: User = c.body()?;
    op(c.core, &b.user).map_err(err)?;
    to_json(Done { user: b.user })
}

fn regenerate(c: &Call<'_>) -> Answer {
    let b: Regenerate = c.body()?;
    let password =
        c.core.access().regenerate_password(&b.user, Duration::from_secs(b.overlap_secs)).map_err(err)?;
    to_json(NewPassword {
        user: b.user,
        password: String::from_utf8(password.expose().to_vec()).unwrap_or_default(),
    })
}

fn credentials(c: &Call<'_>) -> Answer {
    to_json(c.core.access().all_credentials())
}

fn credentials_user(c: &Call<'_>) -> Answer {
    to_json(c.core.access().credentials(c.user()?).map_err(err)?)
}

fn sessions(c: &Call<'_>) -> Answer {
    to_json(c.core.sessions().list(None))
}

fn sessions_user(c: &Call<'_>) -> Answer {
    let user = c.user()?;
    c.core.tiers().of(user).map_err(err)?;
    to_json(c.core.sessions().list(Some(user)))
}

fn kill(c: &Call<'_>) -> Answer {
    match c.body::<Kill>()? {
        Kill { session: Some(s), user: None } => {
            c.core.sessions().kill(s).map_err(err)?;
            to_json(Killed { killed: 1 })
        }
        Kill { session: None, user: Some(u) } => {
            to_json(Killed { killed: c.core.sessions().kill_user(&u).map_err(err)? })
        }
        _ => Err(Response::error(400, "invalid_argument", "give either a session or a user")),
    }
}

fn rate_limits(c: &Call<'_>) -> Answer {
    let users = c
        .core
        .sessions()
        .users()
        .into_iter()
        .map(|user| UserLimits {
            tier: c.core.tiers().of(&user).unwrap_or_default(),
            live_sessions: c.core.sessions().live_sessions(&user).unwrap_or(0),
            violations: c.core.sessions().user_violations(&user).unwrap_or(0),
            user,
        })
        .collect();
    to_json(RateLimits { users })
}

fn rate_limits_update(c: &Call<'_>) -> Answer {
    let b: UserTier = c.body()?;
    c.core.tiers().assign(&b.user, &b.tier).map_err(err)?;
    to_json(Moved { user: b.user, tier: b.tier })
}

fn tiers(c: &Call<'_>) -> Answer {
    to_json(c.core.tiers().all())
}

fn tier_set(c: &Call<'_>) -> Answer {
    let b: TierDefinition = c.body()?;
    c.core.tiers().set(&b.name, b.spec).map_err(err)?;
    to_json(c.core.tiers().get(&b.name).map_err(err)?)
}

fn weights(c: &Call<'_>) -> Answer {
    to_json(c.core.tiers().all_weights())
}

fn weights_set(c: &Call<'_>) -> Answer {
    let b: TierWeights = c.body()?;
    let weights = c.core.tiers().set_weights(&b.tier, &b.weights).map_err(err)?;
    to_json(Weights { tier: b.tier, weights })
}

fn reset_violations(c: &Call<'_>) -> Answer {
    match c.body::<ResetViolations>()? {
        ResetViolations { session: Some(s), user: None } => {
            c.core.sessions().reset_violations(s).map_err(err)?
        }
        ResetViolations { session: None, user: Some(u) } => {
            c.core.sessions().reset_user_violations(&u).map_err(err)?
        }
        _ => return Err(Response::error(400, "invalid_argument", "give either a session or a user")),
    }
    to_json(Reset { reset: true })
}

fn rules(c: &Call<'_>) -> Answer {
    let rules: Vec<Value> = c
        .core
        .eligibility()
        .rules()
        .iter()
        .map(|r| serde_json::from_str(&crate::cold::rules::rule_to_json(r)).unwrap_or_default())
        .collect();
    to_json(Rules { rules })
}

fn rule_add(c: &Call<'_>) -> Answer {
    let document =
        std::str::from_utf8(c.body_bytes()).map_err(|_| Response::error(400, "bad_json", "not UTF-8"))?;
    // Malformed JSON is bad_json here as on every route; a well-formed document that is not a valid
    // rule is invalid_argument, with the rule parser's message.
    serde_json::from_str::<serde::de::IgnoredAny>(document)
        .map_err(|e| Response::error(400, "bad_json", e.to_string()))?;
    c.core.eligibility().rule_add(document).map_err(err)?;
    rules(c)
}

fn rule_change(c: &Call<'_>, action: fn(&crate::engine::Core, &str) -> crate::Result<()>) -> Answer {
    let b: RuleId = c.body()?;
    action(c.core, &b.id).map_err(err)?;
    rules(c)
}

fn expiry(c: &Call<'_>) -> Answer {
    let b: Expiry = c.body()?;
    c.core.access().set_expiry(&b.user, b.expires_unix_ms).map_err(err)?;
    to_json(c.core.access().credentials(&b.user).map_err(err)?)
}

fn ip_allow(c: &Call<'_>) -> Answer {
    let b: IpRule = c.body()?;
    c.core.access().ip_allow(&b.user, &b.rule).map_err(err)?;
    to_json(c.core.access().credentials(&b.user).map_err(err)?)
}

fn ip_disallow(c: &Call<'_>) -> Answer {
    let b: IpRule = c.body()?;
    c.core.access().ip_disallow(&b.user, &b.rule).map_err(err)?;
    to_json(c.core.access().credentials(&b.user).map_err(err)?)
}

fn key_ed25519(c: &Call<'_>) -> Answer {
    let b: Ed25519Key = c.body()?;
    let access = c.core.access();
    to_json(
        access
            .add_ed25519_key(&b.user, b.key_id.as_deref(), &b.public_key, b.expires_unix_ms)
            .map_err(err)?,
    )
}

fn key_hmac(c: &Call<'_>) -> Answer {
    let b: HmacKey = c.body()?;
    let generated =
        c.core.access().generate_hmac_key(&b.user, b.key_id.as_deref(), b.expires_unix_ms).map_err(err)?;
    // The secret appears in this one response only.
    to_json(GeneratedKey {
        secret: String::from_utf8(generated.secret.expose().to_vec()).unwrap_or_default(),
        key: generated.key,
    })
}

fn key_revoke(c: &Call<'_>) -> Answer {
    let b: KeyRevoke = c.body()?;
    c.core.access().revoke_key(&b.user, &b.key_id).map_err(err)?;
    to_json(KeyRevoked { user: b.user, key_id: b.key_id })
}

fn keys(c: &Call<'_>) -> Answer {
    to_json(c.core.access().logon_keys(c.user()?).map_err(err)?)
}

fn policies(c: &Call<'_>) -> Answer {
    to_json(c.core.access().logon_policies())
}

fn policy_set(c: &Call<'_>) -> Answer {
    let b: PolicyBody = c.body()?;
    let policy: Option<crate::LogonPolicy> = serde_json::from_value(b.policy)
        .map_err(|e| Response::error(400, "invalid_argument", format!("policy: {e}")))?;
    match (b.tier, b.user, policy) {
        (Some(tier), None, Some(policy)) => {
            c.core.access().set_tier_logon_policy(&tier, policy).map_err(err)?
        }
        (None, Some(user), policy) => c.core.access().set_logon_policy(&user, policy).map_err(err)?,
        _ => {
            return Err(Response::error(
                400,
                "invalid_argument",
                "give a tier and a policy, or a user and a policy (null: the tier's)",
            ))
        }
    }
    policies(c)
}

fn country_rules(c: &Call<'_>) -> Answer {
    to_json(c.core.access().country_rules())
}

fn country_rule_set(c: &Call<'_>) -> Answer {
    match c.body::<CountryBody>()? {
        CountryBody { tier: Some(tier), user: None, rule } => {
            c.core.access().set_tier_country_rule(&tier, rule).map_err(err)?
        }
        CountryBody { tier: None, user: Some(user), rule } => {
            c.core.access().set_country_rule(&user, rule).map_err(err)?
        }
        _ => {
            return Err(Response::error(400, "invalid_argument", "give either a tier or a user, with a rule"))
        }
    }
    country_rules(c)
}

fn comp_id_pool(c: &Call<'_>) -> Answer {
    to_json(c.core.access().comp_id_pool())
}

fn comp_id_pool_set(c: &Call<'_>) -> Answer {
    let b: PoolSize = c.body()?;
    to_json(c.core.access().set_comp_id_pool(b.size).map_err(err)?)
}

fn accounts(c: &Call<'_>) -> Answer {
    let b: Facts = c.body()?;
    c.core.eligibility().account_set(&b.user, b.facts).map_err(err)?;
    to_json(c.core.eligibility().evaluate(&b.user))
}

fn eligibility(c: &Call<'_>) -> Answer {
    let user = c.user()?;
    crate::cold::users::validate_id(user).map_err(err)?;
    to_json(c.core.eligibility().evaluate(user))
}

fn override_set(c: &Call<'_>) -> Answer {
    let b: OverrideBody = c.body()?;
    c.core.eligibility().override_set(&b.user, &b.rule, b.value).map_err(err)?;
    to_json(c.core.eligibility().evaluate(&b.user))
}

fn bypass(c: &Call<'_>) -> Answer {
    let b: Bypass = c.body()?;
    let grant = b.reason.as_deref().map(|why| (c.actor.name.as_str(), why));
    c.core.eligibility().bypass_set(&b.user, grant).map_err(err)?;
    to_json(c.core.eligibility().evaluate(&b.user))
}

fn reevaluate(c: &Call<'_>) -> Answer {
    let b: Reevaluate = c.body()?;
    to_json(c.core.eligibility().reevaluate(b.suspend).map_err(err)?)
}

fn stats(c: &Call<'_>) -> Answer {
    to_json(c.core.stats())
}

fn fleet(c: &Call<'_>) -> Answer {
    to_json(c.core.fleet_status().map_err(err)?)
}

/// The audit filter: the JSON body's, with each query parameter given replacing its field.
fn audit_filter(c: &Call<'_>) -> std::result::Result<AuditQuery, Response> {
    let mut query: AuditQuery = c.body()?;
    if let Some(user) = c.param("user") {
        query.subject = Some(user.to_owned());
    }
    if let Some(event) = c.param("event") {
        query.event_prefix = Some(event.to_owned());
    }
    for (key, field) in [
        ("from_unix_ms", &mut query.from_unix_ms),
        ("to_unix_ms", &mut query.to_unix_ms),
        ("after_seq", &mut query.after_seq),
    ] {
        if let Some(value) = c.param_u64(key)? {
            *field = Some(value);
        }
    }
    if let Some(limit) = c.param_u64("limit")? {
        // As the document says (minimum 1): a limit of 0 would answer nothing, silently.
        if limit == 0 {
            return Err(Response::error(400, "invalid_argument", "limit must be at least 1"));
        }
        query.limit = Some(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(query)
}

fn audit(c: &Call<'_>) -> Answer {
    to_json(c.core.audit().query(&audit_filter(c)?).map_err(err)?)
}

fn metrics(c: &Call<'_>) -> std::result::Result<String, Response> {
    Ok(c.metrics.encode())
}

fn openapi(_: &Call<'_>) -> Answer {
    Ok(super::openapi::document())
}

fn audit_verify(c: &Call<'_>) -> Answer {
    to_json(c.core.audit().verify().map_err(err)?)
}

macro_rules! route {
    ($method:literal, $path:literal, $role:ident, $handler:expr) => {
        route!($method, $path, $role, [], $handler)
    };
    ($method:literal, $path:literal, $role:ident, [$($param:literal),*], $handler:expr) => {
        Route { method: $method, path: $path, role: Role::$role, query: &[$($param),*], handler: Handler::Json($handler) }
    };
}

/// Query parameters of the audit query and export.
macro_rules! audit_params {
    () => {
        ["user", "event", "from_unix_ms", "to_unix_ms", "after_seq", "limit"]
    };
}

/// Every admin route.
pub static ROUTES: &[Route] = &[
    route!("POST", "/admin/fix/provision", Admin, provision),
    route!("POST", "/admin/fix/revoke", Admin, |c| user_op(c, |core, u| core.access().revoke(u))),
    route!("POST", "/admin/fix/suspend", Operator, |c| user_op(c, |core, u| core.access().suspend(u))),
    route!("POST", "/admin/fix/reactivate", Operator, |c| user_op(c, |core, u| core.access().reactivate(u))),
    route!("POST", "/admin/fix/regenerate-password", Admin, regenerate),
    route!("POST", "/admin/fix/expiry", Admin, expiry),
    route!("POST", "/admin/fix/ip-allow", Admin, ip_allow),
    route!("POST", "/admin/fix/ip-disallow", Admin, ip_disallow),
    route!("GET", "/admin/fix/credentials", Viewer, credentials),
    route!("GET", "/admin/fix/comp-id-pool", Viewer, comp_id_pool),
    route!("POST", "/admin/fix/logon-keys/ed25519", Admin, key_ed25519),
    route!("POST", "/admin/fix/logon-keys/hmac", Admin, key_hmac),
    route!("POST", "/admin/fix/logon-keys/revoke", Admin, key_revoke),
    route!("GET", "/admin/fix/logon-keys", Viewer, ["user"], keys),
    route!("GET", "/admin/fix/logon-policy", Viewer, policies),
    route!("POST", "/admin/fix/logon-policy", Admin, policy_set),
    route!("GET", "/admin/fix/country-rules", Viewer, country_rules),
    route!("POST", "/admin/fix/country-rules", Admin, country_rule_set),
    route!("POST", "/admin/fix/comp-id-pool", Admin, comp_id_pool_set),
    route!("GET", "/admin/fix/credentials/user", Viewer, ["user"], credentials_user),
    route!("GET", "/admin/fix/sessions", Viewer, sessions),
    route!("GET", "/admin/fix/sessions/user", Viewer, ["user"], sessions_user),
    route!("POST", "/admin/fix/sessions/kill", Operator, kill),
    route!("GET", "/admin/fix/rate-limits", Viewer, rate_limits),
    route!("POST", "/admin/fix/rate-limits/update", Operator, rate_limits_update),
    route!("POST", "/admin/fix/rate-limits/reset-violations", Operator, reset_violations),
    route!("GET", "/admin/fix/rate-limits/tiers", Viewer, tiers),
    route!("POST", "/admin/fix/rate-limits/tiers", Operator, tier_set),
    route!("GET", "/admin/fix/rate-limits/weights", Viewer, weights),
    route!("POST", "/admin/fix/rate-limits/weights", Operator, weights_set),
    route!("GET", "/admin/fix/rules", Viewer, rules),
    route!("POST", "/admin/fix/rules/add", Admin, rule_add),
    route!("POST", "/admin/fix/rules/remove", Admin, |c| rule_change(c, |core, id| core
        .eligibility()
        .rule_remove(id))),
    route!("POST", "/admin/fix/rules/enable", Admin, |c| rule_change(c, |core, id| core
        .eligibility()
        .rule_enable(id, true))),
    route!("POST", "/admin/fix/rules/disable", Admin, |c| rule_change(c, |core, id| core
        .eligibility()
        .rule_enable(id, false))),
    route!("POST", "/admin/fix/rules/override", Admin, override_set),
    route!("POST", "/admin/fix/rules/bypass", Admin, bypass),
    route!("POST", "/admin/fix/accounts", Admin, accounts),
    route!("GET", "/admin/fix/eligibility", Viewer, ["user"], eligibility),
    route!("POST", "/admin/fix/eligibility/reevaluate", Admin, reevaluate),
    route!("GET", "/admin/fix/stats", Viewer, stats),
    route!("GET", "/admin/fix/fleet", Viewer, fleet),
    Route {
        method: "GET",
        path: "/admin/fix/audit",
        role: Role::Viewer,
        query: &audit_params!(),
        handler: Handler::Json(audit),
    },
    Route {
        method: "GET",
        path: "/admin/fix/audit/export",
        role: Role::Viewer,
        query: &audit_params!(),
        handler: Handler::Export(audit_filter),
    },
    route!("GET", "/admin/fix/audit/verify", Viewer, audit_verify),
    route!("GET", "/admin/fix/openapi.json", Viewer, openapi),
    Route {
        method: "GET",
        path: "/metrics",
        role: Role::Viewer,
        query: &[],
        handler: Handler::Text("application/openmetrics-text; version=1.0.0; charset=utf-8", metrics),
    },
];
