//! The OpenAPI 3.1 document of the admin API, built from the route table (paths, methods, roles,
//! query parameters) and a description of each route (summary, body schema, an example body).
//!
//! It is served at `GET /admin/fix/openapi.json` and checked in at `docs/openapi.json`; a test
//! fails when the two differ (`FIXPROV_UPDATE_OPENAPI=1 cargo test --test http` rewrites the file),
//! and another replays every route's example against a live server. Building the document fails a
//! test when a route has no description, so the document cannot fall behind the table.

use super::{Role, ROUTES};
use serde_json::{json, Map, Value};

/// How one route is described.
struct Doc {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    /// The request body's schema (POST routes).
    body: Option<fn() -> Value>,
    /// An example request body that the route accepts on a store where the README's walk-through
    /// has run (user "alice" provisioned).
    example: Option<fn() -> Value>,
    /// The 200 answer's schema.
    answer: fn() -> Value,
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

fn user_body() -> Value {
    object(json!({"user": {"$ref": "#/components/schemas/UserId"}}), &["user"])
}

fn user_example() -> Value {
    json!({"user": "alice"})
}

fn user_answer() -> Value {
    object(json!({"user": {"type": "string"}}), &["user"])
}

/// The new password in the one answer that carries it. Not `writeOnly`: in OpenAPI 3.1 that
/// means "never in a response", and response validators then refuse the answer.
fn new_password() -> Value {
    json!({"type": "string", "minLength": 1,
           "description": "The new password, in this answer only: it cannot be read back later"})
}

/// Routes whose body may be left out: an empty body reads as `{}`, which they accept (re-evaluate
/// every user without suspending). Every other POST route needs a body.
const OPTIONAL_BODIES: &[&str] = &["/admin/fix/eligibility/reevaluate"];

fn any_object() -> Value {
    json!({"type": "object"})
}

fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn list_of(name: &str) -> Value {
    json!({"type": "array", "items": schema(name)})
}

/// `schema` or null: the server reads an optional field given as null as left out.
fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

fn kill_or_reset_body() -> Value {
    json!({"type": "object", "additionalProperties": false,
           "description": "Exactly one of session and user.",
           "properties": {"session": {"type": ["integer", "null"], "format": "uint64", "minimum": 0},
                          "user": nullable(schema("UserId"))}})
}

macro_rules! doc {
    ($method:literal, $path:literal, $summary:literal, $answer:expr) => {
        Doc { method: $method, path: $path, summary: $summary, body: None, example: None, answer: $answer }
    };
    ($method:literal, $path:literal, $summary:literal, $body:expr, $example:expr, $answer:expr) => {
        Doc {
            method: $method,
            path: $path,
            summary: $summary,
            body: Some($body),
            example: Some($example),
            answer: $answer,
        }
    };
}

static DOCS: &[Doc] = &[
    doc!(
        "POST",
        "/admin/fix/provision",
        "Provisions a FIX credential for a user; the password is in this one answer only",
        || object(json!({"user": schema("UserId"), "tier": {"type": ["string", "null"]}}), &["user"]),
        || json!({"user": "alice", "tier": "premium"}),
        || object(
            json!({"user": {"type": "string"}, "sender_comp_id": {"type": "string"},
                   "target_comp_id": {"type": "string"}, "password": new_password()}),
            &["user", "sender_comp_id", "target_comp_id", "password"]
        )
    ),
    doc!(
        "POST",
        "/admin/fix/revoke",
        "Revokes a credential for good and kills its sessions",
        user_body,
        user_example,
        user_answer
    ),
    doc!(
        "POST",
        "/admin/fix/suspend",
        "Suspends a credential and kills its sessions",
        user_body,
        user_example,
        user_answer
    ),
    doc!(
        "POST",
        "/admin/fix/reactivate",
        "Reactivates a suspended credential",
        user_body,
        user_example,
        user_answer
    ),
    doc!(
        "POST",
        "/admin/fix/regenerate-password",
        "Issues a new password; the old one stays valid for overlap_secs (default 0)",
        || object(
            json!({"user": schema("UserId"), "overlap_secs": {"type": "integer", "minimum": 0}}),
            &["user"]
        ),
        || json!({"user": "alice", "overlap_secs": 60}),
        || object(json!({"user": {"type": "string"}, "password": new_password()}), &["user", "password"])
    ),
    doc!(
        "POST",
        "/admin/fix/expiry",
        "Sets or clears (null) when a credential expires",
        || object(
            json!({"user": schema("UserId"), "expires_unix_ms": {"type": ["integer", "null"], "minimum": 0}}),
            &["user"]
        ),
        || json!({"user": "alice", "expires_unix_ms": 4102444800000u64}),
        || schema("Credential")
    ),
    doc!(
        "POST",
        "/admin/fix/ip-allow",
        "Adds an address or CIDR block to a user's logon allow-list",
        || object(
            json!({"user": schema("UserId"), "rule": {"type": "string", "examples": ["10.0.0.0/8"]}}),
            &["user", "rule"]
        ),
        || json!({"user": "alice", "rule": "10.0.0.0/8"}),
        || schema("Credential")
    ),
    doc!(
        "POST",
        "/admin/fix/ip-disallow",
        "Removes an entry from a user's logon allow-list",
        || object(json!({"user": schema("UserId"), "rule": {"type": "string"}}), &["user", "rule"]),
        || json!({"user": "alice", "rule": "10.0.0.0/8"}),
        || schema("Credential")
    ),
    doc!("GET", "/admin/fix/credentials", "Every credential (never a password)", || list_of("Credential")),
    doc!("GET", "/admin/fix/credentials/user", "One user's credential", || schema("Credential")),
    doc!(
        "GET",
        "/admin/fix/comp-id-pool",
        "The SenderCompID pool provisioning assigns from: size, assigned, free, every CompID (the sessions a FIX engine declares ahead)",
        || schema("CompIdPool")
    ),
    doc!(
        "POST",
        "/admin/fix/comp-id-pool",
        "Sets the SenderCompID pool's size (0: off, CompIDs made from user ids); assigned CompIDs stay valid",
        || object(json!({"size": {"type": "integer", "minimum": 0, "maximum": 100000}}), &["size"]),
        || json!({"size": 8}),
        || schema("CompIdPool")
    ),
    doc!(
        "POST",
        "/admin/fix/logon-keys/ed25519",
        "Registers an Ed25519 public key that signs a user's logons (at most two live at once)",
        || object(
            json!({"user": schema("UserId"), "key_id": nullable(schema("KeyId")),
                   "public_key": {"type": "string", "description": "32 bytes in standard base64"},
                   "expires_unix_ms": {"type": ["integer", "null"], "minimum": 0}}),
            &["user", "public_key"]
        ),
        || json!({"user": "alice", "key_id": "alice-ed-1",
                  "public_key": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w="}),
        || schema("LogonKey")
    ),
    doc!(
        "POST",
        "/admin/fix/logon-keys/hmac",
        "Generates an HMAC-SHA256 key that signs a user's logons; the secret is in this one answer only",
        || object(
            json!({"user": schema("UserId"), "key_id": nullable(schema("KeyId")),
                   "expires_unix_ms": {"type": ["integer", "null"], "minimum": 0}}),
            &["user"]
        ),
        || json!({"user": "alice", "key_id": "alice-hmac-1"}),
        || {
            let mut key = logon_key();
            key["properties"]["secret"] = json!({"type": "string", "minLength": 44, "maxLength": 44,
                "description": "The 32-byte secret in standard base64, in this answer only"});
            if let Some(required) = key["required"].as_array_mut() {
                required.push("secret".into());
            }
            key
        }
    ),
    doc!(
        "POST",
        "/admin/fix/logon-keys/revoke",
        "Revokes a logon key: a logon signed with it is refused from now on",
        || object(json!({"user": schema("UserId"), "key_id": schema("KeyId")}), &["user", "key_id"]),
        || json!({"user": "alice", "key_id": "alice-ed-1"}),
        || object(json!({"user": {"type": "string"}, "key_id": {"type": "string"}}), &["user", "key_id"])
    ),
    doc!("GET", "/admin/fix/logon-keys", "A user's logon keys (never an HMAC secret)", || list_of("LogonKey")),
    doc!("GET", "/admin/fix/logon-policy", "Every tier's logon policy, and the users' own", || schema(
        "LogonPolicies"
    )),
    doc!(
        "POST",
        "/admin/fix/logon-policy",
        "Sets what a Logon must prove, for a tier or a user (a user's null: its tier's)",
        || json!({"type": "object", "additionalProperties": false,
                  "description": "A tier and a policy, or a user and a policy (null: follow the tier).",
                  "properties": {"tier": {"type": ["string", "null"]}, "user": nullable(schema("UserId")),
                                 "policy": nullable(schema("LogonPolicy"))},
                  "required": ["policy"]}),
        || json!({"tier": "premium", "policy": "password+signature"}),
        || schema("LogonPolicies")
    ),
    doc!("GET", "/admin/fix/country-rules", "Every tier's country rule, and the users' own", || schema(
        "CountryRules"
    )),
    doc!(
        "POST",
        "/admin/fix/country-rules",
        "Sets the countries a tier or a user may log on from (null: a tier's removed, a user's back to its tier's)",
        || json!({"type": "object", "additionalProperties": false,
                  "description": "A tier or a user, and its rule (null removes it).",
                  "properties": {"tier": {"type": ["string", "null"]}, "user": nullable(schema("UserId")),
                                 "rule": nullable(schema("CountryRule"))}}),
        || json!({"tier": "premium", "rule": {"allow": ["FR", "DE"]}}),
        || schema("CountryRules")
    ),
    doc!("GET", "/admin/fix/sessions", "Live sessions with their counters", || list_of("Session")),
    doc!("GET", "/admin/fix/sessions/user", "One user's live sessions", || list_of("Session")),
    doc!(
        "POST",
        "/admin/fix/sessions/kill",
        "Kills one session, or every session of a user; the next check answers KILLED",
        kill_or_reset_body,
        || json!({"user": "alice"}),
        || object(json!({"killed": {"type": "integer"}}), &["killed"])
    ),
    doc!("GET", "/admin/fix/rate-limits", "Each user's tier, live sessions and violations", || object(
        json!({"users": {"type": "array", "items": any_object()}}),
        &["users"]
    )),
    doc!(
        "POST",
        "/admin/fix/rate-limits/update",
        "Moves a user to another tier; live sessions enforce it from their next message",
        || object(json!({"user": schema("UserId"), "tier": {"type": "string"}}), &["user", "tier"]),
        || json!({"user": "alice", "tier": "standard"}),
        || object(json!({"user": {"type": "string"}, "tier": {"type": "string"}}), &["user", "tier"])
    ),
    doc!(
        "POST",
        "/admin/fix/rate-limits/reset-violations",
        "Resets the violation counters of a session or a user",
        kill_or_reset_body,
        user_example,
        || object(json!({"reset": {"type": "boolean"}}), &["reset"])
    ),
    doc!("GET", "/admin/fix/rate-limits/tiers", "Every tier", || list_of("Tier")),
    doc!(
        "POST",
        "/admin/fix/rate-limits/tiers",
        "Creates or changes a tier; live sessions enforce it from their next message",
        || object(
            json!({"name": {"type": "string", "minLength": 1, "maxLength": 64}, "spec": schema("TierSpec")}),
            &["name", "spec"]
        ),
        || json!({"name": "desk", "spec": {"orders_per_sec": 7, "messages_per_sec": 70, "max_sessions": 2,
                  "order_burst": 14, "message_burst": 14, "escalation_threshold": 0, "escalation_window_ms": 1000,
                  "account": {"orders_per_sec": 10, "order_burst": 10}}}),
        || schema("Tier")
    ),
    doc!(
        "GET",
        "/admin/fix/rate-limits/weights",
        "Every tier's message weights (tiers where every MsgType weighs 1 are absent)",
        || json!({"type": "object", "additionalProperties": schema("WeightTable")})
    ),
    doc!(
        "POST",
        "/admin/fix/rate-limits/weights",
        "Sets a tier's message weights, replacing its table ({} puts every MsgType back at 1); checks by MsgType use them from their next message",
        || object(
            json!({"tier": {"type": "string", "minLength": 1, "maxLength": 64}, "weights": schema("WeightTable")}),
            &["tier", "weights"]
        ),
        || json!({"tier": "basic", "weights": {"F": 0, "E": 5, "0": 0}}),
        || object(json!({"tier": {"type": "string"}, "weights": schema("WeightTable")}), &["tier", "weights"])
    ),
    doc!("GET", "/admin/fix/rules", "The eligibility rules", || object(
        json!({"rules": {"type": "array", "items": schema("Rule")}}),
        &["rules"]
    )),
    doc!(
        "POST",
        "/admin/fix/rules/add",
        "Adds an eligibility rule (a rule document)",
        || schema("Rule"),
        || json!({"id": "kyc2", "min_kyc_level": 2}),
        || object(json!({"rules": {"type": "array", "items": schema("Rule")}}), &["rules"])
    ),
    doc!(
        "POST",
        "/admin/fix/rules/remove",
        "Removes a rule",
        || object(json!({"id": {"type": "string"}}), &["id"]),
        || json!({"id": "kyc2"}),
        || object(json!({"rules": {"type": "array", "items": schema("Rule")}}), &["rules"])
    ),
    doc!(
        "POST",
        "/admin/fix/rules/enable",
        "Enables a rule",
        || object(json!({"id": {"type": "string"}}), &["id"]),
        || json!({"id": "kyc2"}),
        || object(json!({"rules": {"type": "array", "items": schema("Rule")}}), &["rules"])
    ),
    doc!(
        "POST",
        "/admin/fix/rules/disable",
        "Disables a rule",
        || object(json!({"id": {"type": "string"}}), &["id"]),
        || json!({"id": "kyc2"}),
        || object(json!({"rules": {"type": "array", "items": schema("Rule")}}), &["rules"])
    ),
    doc!(
        "POST",
        "/admin/fix/rules/override",
        "Sets (or clears, with null) a per-user override of one rule",
        || object(
            json!({"user": schema("UserId"), "rule": {"type": "string"},
                   "override": {"oneOf": [{"const": "disabled"}, {"type": "null"},
                       {"type": "object", "additionalProperties": false, "required": ["threshold"],
                        "properties": {"threshold": {"oneOf": [{"type": "integer"}, schema("Money")]}}}]}}),
            &["user", "rule"]
        ),
        || json!({"user": "alice", "rule": "kyc2", "override": "disabled"}),
        || schema("Verdict")
    ),
    doc!(
        "POST",
        "/admin/fix/rules/bypass",
        "Grants (with a reason) or withdraws (without) an eligibility bypass",
        || object(json!({"user": schema("UserId"), "reason": {"type": ["string", "null"]}}), &["user"]),
        || json!({"user": "alice", "reason": "pilot"}),
        || schema("Verdict")
    ),
    doc!(
        "POST",
        "/admin/fix/accounts",
        "Sets a user's account facts and answers the user's eligibility",
        || object(json!({"user": schema("UserId"), "facts": schema("AccountFacts")}), &["user", "facts"]),
        || json!({"user": "alice", "facts": {"kyc_level": 3, "balance": {"amount": "1500.00", "currency": "USD"}}}),
        || schema("Verdict")
    ),
    doc!("GET", "/admin/fix/eligibility", "A user's eligibility now", || schema("Verdict")),
    doc!(
        "POST",
        "/admin/fix/eligibility/reevaluate",
        "Re-evaluates every provisioned user; with suspend, suspends those no longer eligible",
        || object(json!({"suspend": {"type": "boolean"}}), &[]),
        || json!({"suspend": false}),
        any_object
    ),
    doc!(
        "GET",
        "/admin/fix/stats",
        "Users, credentials, sessions, message totals, logons, top violators",
        any_object
    ),
    doc!(
        "GET",
        "/admin/fix/fleet",
        "Fleet mode: this gateway's id, how far it has caught up with the others' changes, and every gateway's live session leases (empty outside a fleet)",
        any_object
    ),
    doc!("GET", "/admin/fix/audit", "Audit records (at most 1,000 a page; page with after_seq)", || list_of(
        "AuditRecord"
    )),
    doc!(
        "GET",
        "/admin/fix/audit/export",
        "Every matching audit record as JSON lines",
        || json!({"type": "string"})
    ),
    doc!("GET", "/admin/fix/audit/verify", "Walks the audit hash chain and reports every break", || object(
        json!({"records": {"type": "integer"}, "ok": {"type": "boolean"}, "problems": {"type": "array", "items": {"type": "string"}}}),
        &["records", "ok", "problems"]
    )),
    doc!("GET", "/admin/fix/openapi.json", "This document", any_object),
    doc!("GET", "/metrics", "Prometheus metrics (OpenMetrics text)", || json!({"type": "string"})),
];

fn logon_key() -> Value {
    object(
        json!({"key_id": {"type": "string"}, "kind": {"enum": ["ed25519", "hmac_sha256"]},
               "public_key": {"type": ["string", "null"]}, "created_unix_ms": {"type": "integer"},
               "expires_unix_ms": {"type": ["integer", "null"]}, "live": {"type": "boolean"}}),
        &["key_id", "kind", "public_key", "created_unix_ms", "expires_unix_ms", "live"],
    )
}

fn components() -> Value {
    let money = object(
        json!({"amount": {"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$", "description": "Decimal, always a string (money is never a float)"},
               "currency": {"type": "string", "pattern": "^[A-Z]{3}$"}}),
        &["amount", "currency"],
    );
    let credential = object(
        json!({"user_id": {"type": "string"}, "sender_comp_id": {"type": "string"},
               "target_comp_id": {"type": "string"},
               "status": {"enum": ["active", "suspended", "revoked"]}, "expired": {"type": "boolean"},
               "expires_unix_ms": {"type": ["integer", "null"]}, "created_unix_ms": {"type": "integer"},
               "password_changed_unix_ms": {"type": "integer"},
               "previous_password_valid_until_unix_ms": {"type": ["integer", "null"]},
               "tier": {"type": "string"}, "ip_allow": {"type": "array", "items": {"type": "string"}},
               "live_sessions": {"type": "integer"},
               "logon_policy": schema("LogonPolicy"), "logon_keys": list_of("LogonKey"),
               "country_rule": nullable(schema("CountryRule"))}),
        &["user_id", "sender_comp_id", "target_comp_id", "status", "tier"],
    );
    let session = json!({"type": "object", "required": ["session", "user", "tier"],
        "properties": {"session": {"type": "integer"}, "user": {"type": "string"}, "tier": {"type": "string"},
                       "opened_unix_ms": {"type": "integer"}, "messages": {"type": "integer"},
                       "orders": {"type": "integer"}, "throttled": {"type": "integer"},
                       "disconnects": {"type": "integer"}, "killed": {}, "escalated": {"type": "boolean"}}});
    let tier_spec = object(
        json!({"orders_per_sec": {"type": "integer", "minimum": 0}, "messages_per_sec": {"type": "integer", "minimum": 0},
        "max_sessions": {"type": "integer", "minimum": 0}, "order_burst": {"type": "integer", "minimum": 0},
        "message_burst": {"type": "integer", "minimum": 0}, "escalation_threshold": {"type": "integer", "minimum": 0},
        "escalation_window_ms": {"type": "integer", "minimum": 0},
        "account": object(
            json!({"orders_per_sec": {"type": "integer", "minimum": 0}, "order_burst": {"type": "integer", "minimum": 0},
                   "messages_per_sec": {"type": "integer", "minimum": 0}, "message_burst": {"type": "integer", "minimum": 0}}),
            &[]
        )}),
        &[
            "orders_per_sec",
            "messages_per_sec",
            "max_sessions",
            "order_burst",
            "message_burst",
            "escalation_threshold",
            "escalation_window_ms",
        ],
    );
    let facts = object(
        json!({"balance": schema("Money"), "volume_30d": schema("Money"),
               "account_created_unix_ms": {"type": "integer", "minimum": 0},
               "kyc_level": {"type": "integer", "minimum": 0},
               "groups": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
               "custom": {"type": "object", "propertyNames": {"pattern": "^[a-z0-9_]{1,32}$"},
                          "additionalProperties": {"type": "integer"}}}),
        &[],
    );
    let rule = json!({"type": "object", "required": ["id"],
        "description": "A rule document: an id, optionally a description and enabled, and exactly one check \
                        (min_balance, min_volume_30d, min_account_age_days, min_kyc_level, groups or when). \
                        See docs/eligibility.md.",
        "properties": {"id": {"type": "string"}, "description": {"type": "string"}, "enabled": {"type": "boolean"},
                       "min_balance": schema("Money"), "min_volume_30d": schema("Money"),
                       "min_account_age_days": {"type": "integer", "minimum": 0},
                       "min_kyc_level": {"type": "integer", "minimum": 0},
                       "groups": {"type": "object"}, "when": {"type": "object"}}});
    let verdict = json!({"type": "object", "required": ["eligible", "bypassed", "failures"],
        "properties": {"eligible": {"type": "boolean"}, "bypassed": {"type": "boolean"},
                       "failures": {"type": "array", "items": {"type": "object",
                           "properties": {"rule_id": {"type": "string"}, "description": {"type": "string"}}}}}});
    let record = json!({"type": "object",
        "required": ["seq", "at_unix_ms", "actor", "source", "event", "subject", "details", "outcome"],
        "properties": {"seq": {"type": "integer"}, "at_unix_ms": {"type": "integer"}, "actor": {"type": "string"},
                       "source": {"type": "string"}, "event": {"type": "string"}, "subject": {"type": "string"},
                       "details": {}, "outcome": {"type": "string"}}});
    let error = object(
        json!({"error": object(json!({"code": {"type": "string"}, "message": {"type": "string"},
                                      "failures": {"type": "array"}}), &["code", "message"])}),
        &["error"],
    );
    json!({
        "schemas": {
            "UserId": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\u0000-\\u001f\\u007f]+$"},
            "Money": money, "Credential": credential, "Session": session, "TierSpec": tier_spec,
            "Tier": {"type": "object", "required": ["name", "spec"],
                     "properties": {"name": {"type": "string"}, "index": {"type": "integer"}, "spec": schema("TierSpec")}},
            "WeightTable": {"type": "object",
                "description": "MsgType (1 to 7 printable ASCII characters, no '=') to the tokens it takes from each bucket it counts in (0 to 255; at most 8 MsgTypes of 2 or more characters); a MsgType absent weighs 1",
                "propertyNames": {"minLength": 1, "maxLength": 7, "pattern": "^[!-<>-~]+$"},
                "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 255}},
            "CompIdPool": object(
                json!({"size": {"type": "integer", "minimum": 0}, "assigned": {"type": "integer", "minimum": 0},
                       "free": {"type": "integer", "minimum": 0},
                       "comp_ids": {"type": "array", "items": {"type": "string"}}}),
                &["size", "assigned", "free", "comp_ids"]),
            "LogonPolicy": {"enum": ["password", "signature", "password+signature"]},
            "LogonPolicies": object(
                json!({"tiers": {"type": "object", "additionalProperties": schema("LogonPolicy")},
                       "users": {"type": "object", "additionalProperties": schema("LogonPolicy")}}),
                &["tiers", "users"]),
            "LogonKey": logon_key(),
            "CountryRule": object(
                json!({"allow": {"type": "array", "maxItems": 300, "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                                 "description": "ISO 3166-1 alpha-2 codes; when not empty, only these"},
                       "deny": {"type": "array", "maxItems": 300, "items": {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                                "description": "ISO 3166-1 alpha-2 codes refused"}}),
                &[]),
            "CountryRules": object(
                json!({"tiers": {"type": "object", "additionalProperties": schema("CountryRule")},
                       "users": {"type": "object", "additionalProperties": schema("CountryRule")}}),
                &["tiers", "users"]),
            "KeyId": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-<>-~]+$"},
            "AccountFacts": facts, "Rule": rule, "Verdict": verdict, "AuditRecord": record, "Error": error,
        },
        "responses": {
            "Error": {"description": "An error with a stable code",
                      "content": {"application/json": {"schema": schema("Error")}}},
            "MethodNotAllowed": {"description": "The path does not take this method (code method_not_allowed)",
                      "headers": {"Allow": {"description": "The methods the path takes", "schema": {"type": "string"}}},
                      "content": {"application/json": {"schema": schema("Error")}}},
        },
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
            "description": "A token the host configured, with a role: viewer (GET), operator (sessions, \
                            suspensions, tiers, violations) or admin (everything)"}},
    })
}

fn parameter(name: &str) -> Value {
    let (description, schema) = match name {
        "user" => ("The user id", json!({"$ref": "#/components/schemas/UserId"})),
        "event" => ("Records whose event starts with this (\"credential.\")", json!({"type": "string"})),
        "from_unix_ms" => ("Records at or after this time", json!({"type": "integer", "minimum": 0})),
        "to_unix_ms" => ("Records before this time", json!({"type": "integer", "minimum": 0})),
        "after_seq" => {
            ("Records after this sequence number (paging)", json!({"type": "integer", "minimum": 0}))
        }
        "limit" => ("At most this many", json!({"type": "integer", "minimum": 1})),
        _ => ("", json!({"type": "string"})),
    };
    json!({"name": name, "in": "query", "description": description, "schema": schema})
}

/// HEAD on a GET route: the GET's answers without their bodies.
fn head(get: &Value) -> Value {
    let mut responses = get["responses"].clone();
    responses["200"] = json!({"description": "As GET, without the body"});
    json!({"summary": format!("{} (headers only)", get["summary"].as_str().unwrap_or("")),
           "operationId": get["operationId"].as_str().unwrap_or("").replacen("get_", "head_", 1),
           "security": [{"bearer": []}], "parameters": get["parameters"], "responses": responses})
}

/// `/healthz`: served by the HTTP server itself (not a route of the command layer), without a token.
fn healthz() -> Value {
    let get = json!({
        "summary": "Whether the admin server answers (no token needed)",
        "operationId": "get_healthz",
        "x-fixprov-role": "anyone",
        "security": [],
        "responses": {
            "200": {"description": "The server answers", "content": {"application/json": {"schema":
                object(json!({"ok": {"const": true}}), &["ok"])}}},
            "503": {"$ref": "#/components/responses/Error"},
        },
    });
    let mut head = head(&get);
    head["security"] = json!([]);
    let mut options = options("/healthz", "GET, HEAD, OPTIONS");
    options["security"] = json!([]);
    if let Some(responses) = options["responses"].as_object_mut() {
        responses.remove("401");
        responses.remove("429");
    }
    json!({"get": get, "head": head, "options": options})
}

/// OPTIONS on a route's path: 204 with the methods it takes.
fn options(path: &str, allow: &str) -> Value {
    json!({"summary": format!("The methods {path} takes ({allow}), in Allow"),
    "operationId": format!("options{}", path.replace(['/', '-', '.'], "_")),
    "security": [{"bearer": []}],
    "responses": {
        "204": {"description": "No body; Allow lists the methods",
                "headers": {"Allow": {"schema": {"type": "string", "const": allow}}}},
        "401": {"$ref": "#/components/responses/Error"},
        "429": {"$ref": "#/components/responses/Error"},
        "503": {"$ref": "#/components/responses/Error"},
    }})
}

const CONVENTIONS: &str =
    "Every request needs a bearer token (GET /healthz aside); bodies are JSON objects of at \
    most 64 KiB and unknown fields are refused. Every error answer is JSON of one shape, \
    {\"error\": {\"code\", \"message\"}} with a stable code: 404 no_such_route for an unknown path, 405 \
    method_not_allowed with an Allow header for a method a path does not take (x-fixprov-other-methods), 413 \
    body_too_large, 408 request_timeout for a body slower than 5 s, 503 too_many_connections over 64 open \
    connections. HEAD on a GET route answers as GET without the body; OPTIONS answers 204 with Allow. \
    The same routes are reachable without HTTP through fixprov_admin_request() in the C ABI.";

/// The OpenAPI document. Panics if a route has no description (a test builds it).
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let doc = DOCS
            .iter()
            .find(|d| d.method == route.method && d.path == route.path)
            .unwrap_or_else(|| panic!("route {} {} has no OpenAPI description", route.method, route.path));
        let role = match route.role {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
        };
        let answer_type = match route.path {
            "/metrics" => "application/openmetrics-text",
            "/admin/fix/audit/export" => "application/x-ndjson",
            _ => "application/json",
        };
        let mut operation = json!({
            "summary": doc.summary,
            "operationId": format!("{}{}", route.method.to_lowercase(), route.path.replace(['/', '-', '.'], "_")),
            "x-fixprov-role": role,
            "security": [{"bearer": []}],
            "parameters": route.query.iter().map(|q| {
                // A lone `user` parameter names the route's subject: required.
                let mut p = parameter(q);
                p["required"] = json!(*q == "user" && route.query.len() == 1);
                p
            }).collect::<Vec<_>>(),
            "responses": {
                "200": {"description": "Done", "content": {answer_type: {"schema": (doc.answer)()}}},
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "403": {"$ref": "#/components/responses/Error"},
                "404": {"$ref": "#/components/responses/Error"},
                "409": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
                "408": {"$ref": "#/components/responses/Error"},
                "429": {"$ref": "#/components/responses/Error"},
                "500": {"$ref": "#/components/responses/Error"},
                "503": {"$ref": "#/components/responses/Error"},
            },
        });
        if let (Some(body), Some(example)) = (doc.body, doc.example) {
            let required = !OPTIONAL_BODIES.contains(&route.path);
            operation["requestBody"] = json!({"required": required, "content": {"application/json": {
                "schema": body(), "example": example()}}});
        }
        let entry = paths.entry(route.path.to_owned()).or_insert_with(|| json!({}));
        if route.method == "GET" {
            entry["head"] = head(&operation);
        }
        entry[route.method.to_lowercase()] = operation;
        if let Some(allow) = super::allowed_methods(route.path) {
            entry["options"] = options(route.path, &allow);
        }
    }
    paths.insert("/healthz".to_owned(), healthz());
    for item in paths.values_mut() {
        item["x-fixprov-other-methods"] = json!({"$ref": "#/components/responses/MethodNotAllowed"});
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "fixprov admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Provisioning, sessions, tiers, eligibility rules, audit and statistics of a \
                                    fixprov engine. {CONVENTIONS}"),
        },
        "servers": [{"url": "http://127.0.0.1:8700"}],
        "paths": paths,
        "components": components(),
    })
}
