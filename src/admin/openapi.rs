//! The OpenAPI 3.1 document of the admin API, built from the route table (paths, methods, roles,
//! query parameters), a summary and an example body per route, and the request and answer types
//! themselves: each route names the type it deserializes and the type it serializes, and their
//! schemas are derived from those types by schemars, serde attributes included (a field with a
//! default is optional, `deny_unknown_fields` is `additionalProperties: false`, an `Option` is
//! nullable), so the document says what the code reads and writes. schemars rather than utoipa:
//! the route table stays the one list of paths, roles and handlers (utoipa would add a second, in
//! path macros), and schemars emits JSON Schema 2020-12, which OpenAPI 3.1 uses as it is. A type
//! with a hand-written serde format (Money, a rule document) has a hand-written `JsonSchema` beside it.
//!
//! It is served at `GET /admin/fix/openapi.json` and checked in at `docs/openapi.json`; a test
//! fails when the two differ (`FIXPROV_UPDATE_OPENAPI=1 cargo test --test http` rewrites the file),
//! another replays every route's example against a live server, and every answer the HTTP tests
//! receive is validated against the document's schemas. Building the document fails a test when a
//! route has no description, so the document cannot fall behind the table.

use super::{routes, Role, ROUTES};
use schemars::generate::{Contract, SchemaSettings};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How one route is described: its summary, the types of its request body and of its answer, and
/// an example body.
struct Doc {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    /// The request body's schema (POST routes), from the type the route deserializes.
    body: Option<fn(&mut SchemaGenerator) -> Schema>,
    /// An example request body that the route accepts on a store where the README's walk-through
    /// has run (user "alice" provisioned).
    example: Option<fn() -> Value>,
    /// The 200 answer's schema, from the type the route serializes.
    answer: fn(&mut SchemaGenerator) -> Schema,
}

/// `T`'s schema: a reference to its component, or inline for the bodies that have no name.
fn of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

/// Routes whose body may be left out: an empty body reads as `{}`, which they accept (re-evaluate
/// every user without suspending). Every other POST route needs a body.
const OPTIONAL_BODIES: &[&str] = &["/admin/fix/eligibility/reevaluate"];

// Schemas for strings and maps the routes read and write as plain Rust types, named in the
// document so that every route says the same: `#[schemars(with = "...")]` on the fields.

/// A user id: 1 to 128 characters, no control character.
pub(super) struct UserId;

impl JsonSchema for UserId {
    fn schema_name() -> Cow<'static, str> {
        "UserId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\u0000-\\u001f\\u007f]+$"})
    }
}

/// A logon key's id: 1 to 64 printable ASCII characters, no '='.
pub(super) struct KeyId;

impl JsonSchema for KeyId {
    fn schema_name() -> Cow<'static, str> {
        "KeyId".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[!-<>-~]+$"})
    }
}

/// A tier's message weights ([`crate::WeightTable`]).
pub(super) struct WeightTable;

impl JsonSchema for WeightTable {
    fn schema_name() -> Cow<'static, str> {
        "WeightTable".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "object",
            "description": "MsgType (1 to 7 printable ASCII characters, no '=') to the tokens it takes from each bucket it counts in (0 to 255; at most 8 MsgTypes of 2 or more characters); a MsgType absent weighs 1",
            "propertyNames": {"minLength": 1, "maxLength": 7, "pattern": "^[!-<>-~]+$"},
            "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 255}})
    }
}

/// A rule document, as the rule parser reads it and `rule_to_json` writes it
/// ([`crate::cold::rules`]).
pub(super) struct Rule;

impl JsonSchema for Rule {
    fn schema_name() -> Cow<'static, str> {
        "Rule".into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let money = generator.subschema_for::<crate::cold::rules::Money>();
        json_schema!({"type": "object", "required": ["id"],
            "description": "A rule document: an id, optionally a description and enabled, and exactly one check \
                            (min_balance, min_volume_30d, min_account_age_days, min_kyc_level, groups or when). \
                            See docs/eligibility.md.",
            "properties": {"id": {"type": "string"}, "description": {"type": "string"}, "enabled": {"type": "boolean"},
                           "min_balance": money, "min_volume_30d": money,
                           "min_account_age_days": {"type": "integer", "minimum": 0},
                           "min_kyc_level": {"type": "integer", "minimum": 0},
                           "groups": {"type": "object"}, "when": {"type": "object"}}})
    }
}

/// `T`, or null: a field that must be present and may be null.
pub(super) struct Nullable<T>(std::marker::PhantomData<T>);

impl<T: JsonSchema> JsonSchema for Nullable<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Nullable_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let inner = generator.subschema_for::<T>();
        json_schema!({"oneOf": [inner, {"type": "null"}]})
    }
}

macro_rules! doc {
    ($method:literal, $path:literal, $summary:literal, $answer:ty) => {
        Doc {
            method: $method,
            path: $path,
            summary: $summary,
            body: None,
            example: None,
            answer: of::<$answer>,
        }
    };
    ($method:literal, $path:literal, $summary:literal, $body:ty, $example:expr, $answer:ty) => {
        Doc {
            method: $method,
            path: $path,
            summary: $summary,
            body: Some(of::<$body>),
            example: Some($example),
            answer: of::<$answer>,
        }
    };
}

static DOCS: &[Doc] = &[
    doc!("POST", "/admin/fix/provision", "Provisions a FIX credential for a user; the password is in this one answer only", routes::Provision, || json!({"tier": "premium", "user": "alice"}), routes::Provisioned),
    doc!("POST", "/admin/fix/revoke", "Revokes a credential for good and kills its sessions", routes::User, || json!({"user": "alice"}), routes::Done),
    doc!("POST", "/admin/fix/suspend", "Suspends a credential and kills its sessions", routes::User, || json!({"user": "alice"}), routes::Done),
    doc!("POST", "/admin/fix/reactivate", "Reactivates a suspended credential", routes::User, || json!({"user": "alice"}), routes::Done),
    doc!("POST", "/admin/fix/regenerate-password", "Issues a new password; the old one stays valid for overlap_secs (default 0)", routes::Regenerate, || json!({"overlap_secs": 60, "user": "alice"}), routes::NewPassword),
    doc!("POST", "/admin/fix/expiry", "Sets or clears (null) when a credential expires", routes::Expiry, || json!({"expires_unix_ms": 4102444800000u64, "user": "alice"}), crate::cold::credentials::CredentialInfo),
    doc!("POST", "/admin/fix/ip-allow", "Adds an address or CIDR block to a user's logon allow-list", routes::IpRule, || json!({"rule": "10.0.0.0/8", "user": "alice"}), crate::cold::credentials::CredentialInfo),
    doc!("POST", "/admin/fix/ip-disallow", "Removes an entry from a user's logon allow-list", routes::IpRule, || json!({"rule": "10.0.0.0/8", "user": "alice"}), crate::cold::credentials::CredentialInfo),
    doc!("GET", "/admin/fix/credentials", "Every credential (never a password)", Vec<crate::cold::credentials::CredentialInfo>),
    doc!("GET", "/admin/fix/credentials/user", "One user's credential", crate::cold::credentials::CredentialInfo),
    doc!("GET", "/admin/fix/comp-id-pool", "The SenderCompID pool provisioning assigns from: size, assigned, free, every CompID (the sessions a FIX engine declares ahead)", crate::engine::CompIdPool),
    doc!("POST", "/admin/fix/comp-id-pool", "Sets the SenderCompID pool's size (0: off, CompIDs made from user ids); assigned CompIDs stay valid", routes::PoolSize, || json!({"size": 8}), crate::engine::CompIdPool),
    doc!("POST", "/admin/fix/logon-keys/ed25519", "Registers an Ed25519 public key that signs a user's logons (at most two live at once)", routes::Ed25519Key, || json!({"key_id": "alice-ed-1", "public_key": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=", "user": "alice"}), crate::cold::logon_keys::LogonKeyInfo),
    doc!("POST", "/admin/fix/logon-keys/hmac", "Generates an HMAC-SHA256 key that signs a user's logons; the secret is in this one answer only", routes::HmacKey, || json!({"key_id": "alice-hmac-1", "user": "alice"}), routes::GeneratedKey),
    doc!("POST", "/admin/fix/logon-keys/revoke", "Revokes a logon key: a logon signed with it is refused from now on", routes::KeyRevoke, || json!({"key_id": "alice-ed-1", "user": "alice"}), routes::KeyRevoked),
    doc!("GET", "/admin/fix/logon-keys", "A user's logon keys (never an HMAC secret)", Vec<crate::cold::logon_keys::LogonKeyInfo>),
    doc!("GET", "/admin/fix/logon-policy", "Every tier's logon policy, and the users' own", crate::LogonPolicies),
    doc!("POST", "/admin/fix/logon-policy", "Sets what a Logon must prove, for a tier or a user (a user's null: its tier's)", routes::PolicyBody, || json!({"policy": "password+signature", "tier": "premium"}), crate::LogonPolicies),
    doc!("GET", "/admin/fix/country-rules", "Every tier's country rule, and the users' own", crate::engine::CountryRules),
    doc!("POST", "/admin/fix/country-rules", "Sets the countries a tier or a user may log on from (null: a tier's removed, a user's back to its tier's)", routes::CountryBody, || json!({"rule": {"allow": ["FR", "DE"]}, "tier": "premium"}), crate::engine::CountryRules),
    doc!("GET", "/admin/fix/sessions", "Live sessions with their counters", Vec<crate::SessionInfo>),
    doc!("GET", "/admin/fix/sessions/user", "One user's live sessions", Vec<crate::SessionInfo>),
    doc!("POST", "/admin/fix/sessions/kill", "Kills one session, or every session of a user; the next check answers KILLED", routes::Kill, || json!({"user": "alice"}), routes::Killed),
    doc!("GET", "/admin/fix/rate-limits", "Each user's tier, live sessions and violations", routes::RateLimits),
    doc!("POST", "/admin/fix/rate-limits/update", "Moves a user to another tier; live sessions enforce it from their next message", routes::UserTier, || json!({"tier": "standard", "user": "alice"}), routes::Moved),
    doc!("POST", "/admin/fix/rate-limits/reset-violations", "Resets the violation counters of a session or a user", routes::ResetViolations, || json!({"user": "alice"}), routes::Reset),
    doc!("GET", "/admin/fix/rate-limits/tiers", "Every tier", Vec<crate::cold::tiers::Tier>),
    doc!("POST", "/admin/fix/rate-limits/tiers", "Creates or changes a tier; live sessions enforce it from their next message", routes::TierDefinition, || json!({"name": "desk", "spec": {"account": {"order_burst": 10, "orders_per_sec": 10}, "escalation_threshold": 0, "escalation_window_ms": 1000, "max_sessions": 2, "message_burst": 14, "messages_per_sec": 70, "order_burst": 14, "orders_per_sec": 7}}), crate::cold::tiers::Tier),
    doc!("GET", "/admin/fix/rate-limits/weights", "Every tier's message weights (tiers where every MsgType weighs 1 are absent)", BTreeMap<String, WeightTable>),
    doc!("POST", "/admin/fix/rate-limits/weights", "Sets a tier's message weights, replacing its table ({} puts every MsgType back at 1); checks by MsgType use them from their next message", routes::TierWeights, || json!({"tier": "basic", "weights": {"0": 0, "E": 5, "F": 0}}), routes::Weights),
    doc!("GET", "/admin/fix/rules", "The eligibility rules", routes::Rules),
    doc!("POST", "/admin/fix/rules/add", "Adds an eligibility rule (a rule document)", Rule, || json!({"id": "kyc2", "min_kyc_level": 2}), routes::Rules),
    doc!("POST", "/admin/fix/rules/remove", "Removes a rule", routes::RuleId, || json!({"id": "kyc2"}), routes::Rules),
    doc!("POST", "/admin/fix/rules/enable", "Enables a rule", routes::RuleId, || json!({"id": "kyc2"}), routes::Rules),
    doc!("POST", "/admin/fix/rules/disable", "Disables a rule", routes::RuleId, || json!({"id": "kyc2"}), routes::Rules),
    doc!("POST", "/admin/fix/rules/override", "Sets (or clears, with null) a per-user override of one rule", routes::OverrideBody, || json!({"override": "disabled", "rule": "kyc2", "user": "alice"}), crate::cold::rules::Verdict),
    doc!("POST", "/admin/fix/rules/bypass", "Grants (with a reason) or withdraws (without) an eligibility bypass", routes::Bypass, || json!({"reason": "pilot", "user": "alice"}), crate::cold::rules::Verdict),
    doc!("POST", "/admin/fix/accounts", "Sets a user's account facts and answers the user's eligibility", routes::Facts, || json!({"facts": {"balance": {"amount": "1500.00", "currency": "USD"}, "kyc_level": 3}, "user": "alice"}), crate::cold::rules::Verdict),
    doc!("GET", "/admin/fix/eligibility", "A user's eligibility now", crate::cold::rules::Verdict),
    doc!("POST", "/admin/fix/eligibility/reevaluate", "Re-evaluates every provisioned user; with suspend, suspends those no longer eligible", routes::Reevaluate, || json!({"suspend": false}), crate::engine::Reevaluation),
    doc!("GET", "/admin/fix/stats", "Users, credentials, sessions, message totals, logons, top violators", crate::engine::Stats),
    doc!("GET", "/admin/fix/fleet", "Fleet mode: this gateway's id, how far it has caught up with the others' changes, and every gateway's live session leases (empty outside a fleet)", crate::engine::FleetStatus),
    doc!("GET", "/admin/fix/audit", "Audit records (at most 1,000 a page; page with after_seq)", Vec<crate::cold::audit::AuditRecord>),
    doc!("GET", "/admin/fix/audit/export", "Every matching audit record as JSON lines", String),
    doc!("GET", "/admin/fix/audit/verify", "Walks the audit hash chain and reports every break", crate::cold::audit::AuditVerification),
    doc!("GET", "/admin/fix/openapi.json", "This document", serde_json::Map<String, Value>),
    doc!("GET", "/metrics", "Prometheus metrics (OpenMetrics text)", String),
];

/// A generator of schemas for one direction: what the server reads (`Deserialize`) or writes
/// (`Serialize`), with their named schemas under `#/components/schemas`.
fn generator(contract: Contract) -> SchemaGenerator {
    SchemaGenerator::new(SchemaSettings::draft2020_12().with(|settings| {
        settings.definitions_path = "/components/schemas".into();
        settings.contract = contract;
        settings.meta_schema = None;
    }))
}

/// A description from a doc comment, without rustdoc's links: "[`evaluate`](super::evaluate)" and
/// "[`evaluate`]" read "`evaluate`".
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        let Some(end) = rest[start..].find("`]").map(|e| start + e) else { break };
        out.push_str(&rest[..start]);
        out.push_str(&rest[start + 1..end + 1]);
        rest = &rest[end + 2..];
        if rest.starts_with('(') {
            if let Some(close) = rest.find(')') {
                rest = &rest[close + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every description in `value` made [`plain`].
fn plain_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(text) if key == "description" => *text = plain(text),
                    _ => plain_descriptions(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

/// Points every `$ref` to a component in `renamed` at its new name.
fn rename_refs(value: &mut Value, renamed: &[(String, String)]) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref") {
                if let Some((_, to)) =
                    renamed.iter().find(|(from, _)| target.as_str() == format!("#/components/schemas/{from}"))
                {
                    *target = format!("#/components/schemas/{to}");
                }
            }
            map.values_mut().for_each(|v| rename_refs(v, renamed));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

fn components(read: Map<String, Value>, written: Map<String, Value>) -> (Value, Vec<(String, String)>) {
    // A type read and written alike has one schema; one whose two directions differ (a field with a
    // default is optional when read, always there when written) gets its read schema as NameInput.
    let mut schemas = written;
    let renamed: Vec<(String, String)> = read
        .iter()
        .filter(|(name, schema)| schemas.get(*name).is_some_and(|other| other != *schema))
        .map(|(name, _)| (name.clone(), format!("{name}Input")))
        .collect();
    for (name, mut schema) in read {
        rename_refs(&mut schema, &renamed);
        match renamed.iter().find(|(from, _)| *from == name) {
            Some((_, to)) => {
                schemas.insert(to.clone(), schema);
            }
            None => {
                schemas.entry(name).or_insert(schema);
            }
        }
    }
    let components = json!({
        "schemas": schemas,
        "responses": {
            "Error": {"description": "An error with a stable code",
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "MethodNotAllowed": {"description": "The path does not take this method (code method_not_allowed)",
                      "headers": {"Allow": {"description": "The methods the path takes", "schema": {"type": "string"}}},
                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
            "description": "A token the host configured, with a role: viewer (GET), operator (sessions, \
                            suspensions, tiers, violations) or admin (everything)"}},
    });
    (components, renamed)
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
    let mut read = generator(Contract::Deserialize);
    let mut written = generator(Contract::Serialize);
    let error = written.subschema_for::<super::ErrorAnswer>().to_value();
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
                "200": {"description": "Done", "content": {answer_type: {"schema": (doc.answer)(&mut written).to_value()}}},
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
                "schema": body(&mut read).to_value(), "example": example()}}});
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
    let (components, renamed) = components(read.take_definitions(true), written.take_definitions(true));
    for item in paths.values_mut() {
        if let Some(post) = item.get_mut("post") {
            rename_refs(&mut post["requestBody"], &renamed);
        }
    }
    debug_assert_eq!(error, json!({"$ref": "#/components/schemas/Error"}));
    for item in paths.values_mut() {
        item["x-fixprov-other-methods"] = json!({"$ref": "#/components/responses/MethodNotAllowed"});
    }
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "fixprov admin API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": format!("Provisioning, sessions, tiers, eligibility rules, audit and statistics of a \
                                    fixprov engine. {CONVENTIONS}"),
        },
        "servers": [{"url": "http://127.0.0.1:8700"}],
        "paths": paths,
        "components": components,
    });
    plain_descriptions(&mut document);
    document
}

#[cfg(test)]
mod tests {
    #[test]
    fn descriptions_lose_rustdoc_links() {
        assert_eq!(super::plain("The outcome of [`evaluate`]."), "The outcome of `evaluate`.");
        assert_eq!(super::plain("See [`set_mode`](super::Sessions::set_mode)) now"), "See `set_mode`) now");
        assert_eq!(super::plain("[`a`] and [`b`](x) and [unclosed"), "`a` and `b` and [unclosed");
    }
}
