//! The admin command layer: every route answers, roles are enforced, bad input gets a JSON error
//! with a stable code, and the actor is on the audit records. The same layer behind the C ABI.

use fixprov::admin::{Actor, Response, Role, ROUTES};
use fixprov::cold::audit::AuditQuery;
use fixprov::{Config, Engine};
use serde_json::{json, Value};

/// One request through a fresh admin part of `engine` (what `fixprov_admin_request` does on the
/// engine's own).
fn handle(engine: &Engine, actor: &Actor, method: &str, path: &str, body: &[u8]) -> fixprov::admin::Response {
    fixprov::admin::Admin::new(engine).handle(actor, method, path, body)
}

fn engine() -> Engine {
    Engine::open(Config { default_rules: false, ..Config::default() }).unwrap()
}

fn actor(role: Role) -> Actor {
    Actor { name: format!("{role:?}-token").to_lowercase(), role, source: "127.0.0.1".into() }
}

fn call(engine: &Engine, role: Role, method: &str, path: &str, body: Value) -> Response {
    let body = if body.is_null() { Vec::new() } else { body.to_string().into_bytes() };
    handle(engine, &actor(role), method, path, &body)
}

fn ok(engine: &Engine, method: &str, path: &str, body: Value) -> Value {
    let r = call(engine, Role::Admin, method, path, body);
    assert_eq!(r.status, 200, "{method} {path}: {}", r.body);
    r.body
}

/// One successful request for every route of the table (after provisioning "alice" and opening
/// `session` for her).
fn happy_steps(session: u64) -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("POST", "/admin/fix/regenerate-password", json!({"user": "alice", "overlap_secs": 60})),
        ("POST", "/admin/fix/expiry", json!({"user": "alice", "expires_unix_ms": 4102444800000u64})),
        ("POST", "/admin/fix/ip-allow", json!({"user": "alice", "rule": "10.0.0.0/8"})),
        ("POST", "/admin/fix/ip-disallow", json!({"user": "alice", "rule": "10.0.0.0/8"})),
        ("GET", "/admin/fix/credentials", Value::Null),
        ("POST", "/admin/fix/comp-id-pool", json!({"size": 8})),
        ("GET", "/admin/fix/comp-id-pool", Value::Null),
        (
            "POST",
            "/admin/fix/logon-keys/ed25519",
            json!({"user": "alice", "key_id": "alice-ed-1", "public_key": "iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w="}),
        ),
        ("POST", "/admin/fix/logon-keys/hmac", json!({"user": "alice"})),
        ("GET", "/admin/fix/logon-keys?user=alice", Value::Null),
        ("POST", "/admin/fix/logon-keys/revoke", json!({"user": "alice", "key_id": "alice-ed-1"})),
        ("POST", "/admin/fix/logon-policy", json!({"tier": "premium", "policy": "password+signature"})),
        ("POST", "/admin/fix/logon-policy", json!({"user": "alice", "policy": null})),
        ("GET", "/admin/fix/logon-policy", Value::Null),
        ("POST", "/admin/fix/country-rules", json!({"user": "alice", "rule": {"deny": ["KP"]}})),
        ("POST", "/admin/fix/country-rules", json!({"user": "alice", "rule": null})),
        ("GET", "/admin/fix/country-rules", Value::Null),
        ("GET", "/admin/fix/credentials/user?user=alice", Value::Null),
        ("GET", "/admin/fix/sessions", Value::Null),
        ("GET", "/admin/fix/sessions/user?user=alice", Value::Null),
        ("GET", "/admin/fix/rate-limits", Value::Null),
        ("POST", "/admin/fix/rate-limits/update", json!({"user": "alice", "tier": "standard"})),
        ("POST", "/admin/fix/rate-limits/reset-violations", json!({"user": "alice"})),
        ("GET", "/admin/fix/rate-limits/tiers", Value::Null),
        (
            "POST",
            "/admin/fix/rate-limits/tiers",
            json!({"name": "desk", "spec": {"orders_per_sec": 7,
            "messages_per_sec": 70, "max_sessions": 2, "order_burst": 14, "message_burst": 14,
            "escalation_threshold": 0, "escalation_window_ms": 1000,
            "account": {"orders_per_sec": 10, "order_burst": 10}}}),
        ),
        ("POST", "/admin/fix/rate-limits/weights", json!({"tier": "desk", "weights": {"F": 0, "E": 5}})),
        ("GET", "/admin/fix/rate-limits/weights", Value::Null),
        ("GET", "/admin/fix/rules", Value::Null),
        ("POST", "/admin/fix/rules/add", json!({"id": "kyc2", "min_kyc_level": 2})),
        ("POST", "/admin/fix/rules/disable", json!({"id": "kyc2"})),
        ("POST", "/admin/fix/rules/enable", json!({"id": "kyc2"})),
        ("POST", "/admin/fix/accounts", json!({"user": "alice", "facts": {"kyc_level": 1}})),
        (
            "POST",
            "/admin/fix/rules/override",
            json!({"user": "alice", "rule": "kyc2", "override": "disabled"}),
        ),
        ("POST", "/admin/fix/rules/bypass", json!({"user": "alice", "reason": "pilot"})),
        ("GET", "/admin/fix/eligibility?user=alice", Value::Null),
        ("POST", "/admin/fix/eligibility/reevaluate", json!({"suspend": false})),
        ("POST", "/admin/fix/rules/remove", json!({"id": "kyc2"})),
        ("POST", "/admin/fix/suspend", json!({"user": "alice"})),
        ("POST", "/admin/fix/reactivate", json!({"user": "alice"})),
        ("POST", "/admin/fix/sessions/kill", json!({"session": session})),
        ("GET", "/admin/fix/stats", Value::Null),
        ("GET", "/admin/fix/fleet", Value::Null),
        ("GET", "/admin/fix/audit?user=alice", Value::Null),
        ("GET", "/admin/fix/audit/verify", Value::Null),
        ("GET", "/admin/fix/audit/export?user=alice", Value::Null),
        ("GET", "/admin/fix/openapi.json", Value::Null),
        ("GET", "/metrics", Value::Null),
        ("POST", "/admin/fix/revoke", json!({"user": "alice"})),
    ]
}

#[test]
fn every_route_answers_its_happy_path() {
    let e = engine();
    let created = ok(&e, "POST", "/admin/fix/provision", json!({"user": "alice", "tier": "premium"}));
    assert_eq!(created["sender_comp_id"], "FP_ALICE");
    assert_eq!(created["password"].as_str().unwrap().len(), 43, "shown in this one response");
    let session = e.sessions().open("alice").unwrap();
    let steps = happy_steps(session);
    for (method, path, body) in &steps {
        ok(&e, method, path, body.clone());
    }
    // Every route of the table was exercised.
    for route in ROUTES {
        let covered = route.path == "/admin/fix/provision"
            || steps.iter().any(|(m, p, _)| *m == route.method && p.split('?').next() == Some(route.path));
        assert!(covered, "{route:?} has no happy-path test");
    }
    let credentials = ok(&e, "GET", "/admin/fix/credentials/user?user=alice", Value::Null);
    assert_eq!(
        (credentials["status"].as_str(), credentials["tier"].as_str()),
        (Some("revoked"), Some("standard"))
    );
    assert_eq!(ok(&e, "GET", "/admin/fix/audit/verify", Value::Null)["ok"], true);
}

#[test]
fn roles_bad_input_and_unknown_routes_get_json_errors() {
    let e = engine();
    let code = |r: &Response| r.body["error"]["code"].as_str().unwrap_or("").to_owned();
    let r = call(&e, Role::Viewer, "POST", "/admin/fix/suspend", json!({"user": "x"}));
    assert_eq!((r.status, code(&r)), (403, "forbidden".into()));
    let r = call(&e, Role::Operator, "POST", "/admin/fix/provision", json!({"user": "x"}));
    assert_eq!((r.status, code(&r)), (403, "forbidden".into()));
    assert_eq!(call(&e, Role::Viewer, "GET", "/admin/fix/stats", Value::Null).status, 200);
    let r = call(&e, Role::Admin, "GET", "/admin/fix/nope", Value::Null);
    assert_eq!((r.status, code(&r)), (404, "no_such_route".into()));
    let r = call(&e, Role::Admin, "GET", "/admin/fix/provision", Value::Null);
    assert_eq!((r.status, code(&r)), (405, "method_not_allowed".into()));
    let r = handle(&e, &actor(Role::Admin), "POST", "/admin/fix/provision", b"{\"user\": ");
    assert_eq!((r.status, code(&r)), (400, "bad_json".into()));
    let r = call(&e, Role::Admin, "POST", "/admin/fix/provision", json!({"user": "x", "colour": "red"}));
    assert_eq!((r.status, code(&r)), (400, "bad_json".into()));
    assert!(r.body["error"]["message"].as_str().unwrap().contains("colour"));
    let big = vec![b' '; 64 * 1024 + 1];
    let r = handle(&e, &actor(Role::Admin), "POST", "/admin/fix/provision", &big);
    assert_eq!((r.status, code(&r)), (413, "body_too_large".into()));
    let r = call(&e, Role::Admin, "POST", "/admin/fix/revoke", json!({"user": "ghost"}));
    assert_eq!((r.status, code(&r)), (404, "not_found".into()));
    let r = call(&e, Role::Admin, "GET", "/admin/fix/credentials/user", Value::Null);
    assert_eq!((r.status, code(&r)), (400, "invalid_argument".into()));
    let r = call(&e, Role::Admin, "GET", "/admin/fix/credentials/user?user=a%ZZ", Value::Null);
    assert_eq!(r.status, 400);
    let r = call(&e, Role::Admin, "GET", "/admin/fix/sessions/user?who=a", Value::Null);
    assert_eq!(r.status, 400);
    let r = call(&e, Role::Admin, "POST", "/admin/fix/sessions/kill", json!({"session": 1, "user": "a"}));
    assert_eq!(r.status, 400);
    ok(&e, "POST", "/admin/fix/provision", json!({"user": "bo"}));
    let r = call(&e, Role::Admin, "POST", "/admin/fix/provision", json!({"user": "bo"}));
    assert_eq!((r.status, code(&r)), (409, "already_exists".into()));

    // Ineligible users are refused with the failing rules.
    let strict = Engine::open(Config::default()).unwrap();
    let r = call(&strict, Role::Admin, "POST", "/admin/fix/provision", json!({"user": "newbie"}));
    assert_eq!((r.status, code(&r)), (422, "not_eligible".into()));
    assert_eq!(r.body["error"]["failures"].as_array().unwrap().len(), 4);

    // The actor is on the audit records, refused requests included.
    e.audit().flush().unwrap();
    let records = e.audit().query(&AuditQuery::default()).unwrap();
    let provision = records.iter().find(|r| r.event == "credential.provision").unwrap();
    assert_eq!((provision.actor.as_str(), provision.source.as_str()), ("admin-token", "127.0.0.1"));
    let refused: Vec<_> = records.iter().filter(|r| r.event == "admin.refused").collect();
    assert!(refused.iter().any(|r| r.actor == "viewer-token" && r.details["code"] == "forbidden"));
    assert!(refused.iter().any(|r| r.details["code"] == "already_exists"));
}

#[test]
fn the_same_layer_through_the_c_abi() {
    use fixprov::ffi::*;
    let e = fixprov_engine::into_raw(engine());
    let request = |method: &str, path: &str, body: &str| {
        let (mut status, mut json) = (0u32, std::ptr::null_mut());
        // SAFETY: `e` is live; the strings outlive the call; out-parameters are writable.
        let rc = unsafe {
            fixprov_admin_request(
                e,
                method.as_ptr(),
                method.len(),
                path.as_ptr(),
                path.len(),
                body.as_ptr(),
                body.len(),
                &mut status,
                &mut json,
            )
        };
        assert_eq!(rc, fixprov_status::FIXPROV_OK);
        // SAFETY: a NUL-terminated string from the library, freed once below.
        let text = unsafe { std::ffi::CStr::from_ptr(json) }.to_str().unwrap().to_owned();
        // SAFETY: as above.
        unsafe { fixprov_string_free(json) };
        (status, serde_json::from_str::<Value>(&text).unwrap())
    };
    let (status, body) = request("POST", "/admin/fix/provision", r#"{"user": "cy", "tier": "standard"}"#);
    assert_eq!((status, body["sender_comp_id"].as_str()), (200, Some("FP_CY")));
    let (status, body) = request("GET", "/admin/fix/sessions/user?user=cy", "");
    assert_eq!((status, body), (200, json!([])));
    let (status, _) = request("POST", "/admin/fix/suspend", "{bad");
    assert_eq!(status, 400);
    let (mut status, mut json) = (0u32, std::ptr::null_mut());
    // SAFETY: `e` is live; NULL arguments are what is tested.
    unsafe {
        assert_eq!(
            fixprov_admin_request(
                e,
                std::ptr::null(),
                3,
                b"/".as_ptr(),
                1,
                std::ptr::null(),
                0,
                &mut status,
                &mut json
            ),
            fixprov_status::FIXPROV_ERR_NULL
        );
        assert_eq!(
            fixprov_admin_request(
                e,
                b"GET".as_ptr(),
                3,
                b"/".as_ptr(),
                1,
                std::ptr::null(),
                0,
                std::ptr::null_mut(),
                &mut json
            ),
            fixprov_status::FIXPROV_ERR_NULL
        );
        fixprov_engine_close(e);
    }
    assert!(json.is_null());
}

#[test]
fn an_expiry_of_zero_means_never_in_the_c_abi_over_http_and_in_rust() {
    use fixprov::ffi::*;
    let e = engine();
    for user in ["c", "http", "rust"] {
        ok(&e, "POST", "/admin/fix/provision", json!({"user": user, "tier": "premium"}));
    }
    let sessions: Vec<u64> = ["c", "http", "rust"].iter().map(|u| e.sessions().open(u).unwrap()).collect();
    // Over HTTP (the route table the server serves): 0 once meant the epoch, which expired the
    // user at once and killed its sessions.
    ok(&e, "POST", "/admin/fix/expiry", json!({"user": "http", "expires_unix_ms": 0}));
    e.access().set_expiry("rust", Some(0)).unwrap();
    // Through the C ABI, on an engine opened there.
    let mut c = std::ptr::null_mut();
    let user = b"c";
    // SAFETY: options are used on this thread only; the strings and out-parameters outlive the
    // calls; every string handed out is freed once.
    unsafe {
        let options = fixprov_options_new();
        assert_eq!(fixprov_options_set_eligibility(options, 0, 0), fixprov_status::FIXPROV_OK);
        assert_eq!(fixprov_engine_open(options, &mut c), fixprov_status::FIXPROV_OK);
        fixprov_options_free(options);
        let (mut sender, mut target, mut password) =
            (std::ptr::null_mut(), std::ptr::null_mut(), std::ptr::null_mut());
        let rc = fixprov_provision(
            c,
            user.as_ptr(),
            1,
            std::ptr::null(),
            0,
            &mut sender,
            &mut target,
            &mut password,
        );
        assert_eq!(rc, fixprov_status::FIXPROV_OK);
        for s in [sender, target, password] {
            fixprov_string_free(s);
        }
        let mut session = 0;
        assert_eq!(fixprov_session_open(c, user.as_ptr(), 1, &mut session), fixprov_status::FIXPROV_OK);
        assert_eq!(fixprov_set_expiry(c, user.as_ptr(), 1, 0), fixprov_status::FIXPROV_OK);
        let mut json = std::ptr::null_mut();
        assert_eq!(fixprov_credentials_get(c, user.as_ptr(), 1, &mut json), fixprov_status::FIXPROV_OK);
        let info: Value = serde_json::from_str(std::ffi::CStr::from_ptr(json).to_str().unwrap()).unwrap();
        fixprov_string_free(json);
        assert_eq!((info["expires_unix_ms"].clone(), info["expired"].clone()), (Value::Null, json!(false)));
        assert_eq!(fixprov_check(c, session, 0), fixprov_status::FIXPROV_OK);
        fixprov_engine_close(c);
    }
    for (user, session) in ["http", "rust"].iter().zip(&sessions[1..]) {
        let info = e.access().credentials(user).unwrap();
        assert_eq!((info.expires_unix_ms, info.expired), (None, false), "{user}");
        assert_eq!(e.sessions().info(*session).unwrap().killed, None, "{user}'s session was killed");
    }
}

#[test]
fn an_escalation_threshold_that_could_never_trigger_is_refused() {
    let e = engine();
    let tier = |threshold: u64| {
        call(
            &e,
            Role::Admin,
            "POST",
            "/admin/fix/rate-limits/tiers",
            json!({"name": "t", "spec": {"orders_per_sec": 1, "messages_per_sec": 1, "max_sessions": 1,
                "order_burst": 1, "message_burst": 1, "escalation_threshold": threshold,
                "escalation_window_ms": 1000}}),
        )
    };
    // The window's violation counter holds 2^22 - 1; escalation needs more than the threshold.
    let max = u64::from(fixprov::hot::session::MAX_ESCALATION_THRESHOLD);
    assert_eq!(max, (1 << 22) - 2);
    assert_eq!(tier(max).status, 200);
    for refused in [max + 1, u64::from(u32::MAX)] {
        let r = tier(refused);
        assert_eq!(
            (r.status, r.body["error"]["code"].as_str()),
            (400, Some("invalid_argument")),
            "{refused}"
        );
    }
    // A rate above it gives a tier whose escalation can still trigger.
    let spec = fixprov::TierSpec::new(1, 100_000_000, 1, 1);
    assert_eq!(spec.escalation_threshold, fixprov::hot::session::MAX_ESCALATION_THRESHOLD);
    assert!(e.tiers().set("fast", spec).is_ok());
}

#[test]
fn every_successful_change_through_the_route_table_leaves_an_audit_record() {
    let e = engine();
    let head = |e: &Engine| {
        e.audit().flush().unwrap();
        e.audit().head().unwrap().0.seq
    };
    let before = head(&e);
    ok(&e, "POST", "/admin/fix/provision", json!({"user": "alice", "tier": "premium"}));
    assert!(head(&e) > before, "POST /admin/fix/provision left no audit record");
    let session = e.sessions().open("alice").unwrap();
    let steps = happy_steps(session);
    for (method, path, body) in &steps {
        let before = head(&e);
        ok(&e, method, path, body.clone());
        let after = head(&e);
        // Every POST changes something; a GET changes nothing and records nothing.
        if *method == "POST" {
            assert!(after > before, "{method} {path} succeeded and left no audit record");
        } else {
            assert_eq!(after, before, "{method} {path} wrote to the audit log");
        }
    }
    // The walk covered every route of the table.
    for route in ROUTES {
        let covered = route.path == "/admin/fix/provision"
            || steps.iter().any(|(m, p, _)| *m == route.method && p.split('?').next() == Some(route.path));
        assert!(covered, "{route:?} is not walked");
    }
}

#[test]
fn the_comp_id_pool_is_listed_set_assigned_in_order_and_audited() {
    let e = engine();
    let code = |r: &Response| r.body["error"]["code"].as_str().unwrap_or("").to_owned();
    let alice = ok(&e, "POST", "/admin/fix/provision", json!({"user": "alice"}));
    assert_eq!(alice["sender_comp_id"], "FP_ALICE", "no pool: made from the user id");
    let pool = ok(&e, "GET", "/admin/fix/comp-id-pool", Value::Null);
    assert_eq!(pool, json!({"size": 0, "assigned": 0, "free": 0, "comp_ids": []}));

    let pool = ok(&e, "POST", "/admin/fix/comp-id-pool", json!({"size": 3}));
    assert_eq!(
        pool,
        json!({"size": 3, "assigned": 0, "free": 3, "comp_ids": ["FP00001", "FP00002", "FP00003"]})
    );
    let bob = ok(&e, "POST", "/admin/fix/provision", json!({"user": "bob"}));
    assert_eq!(bob["sender_comp_id"], "FP00001");
    let carol = ok(&e, "POST", "/admin/fix/provision", json!({"user": "carol"}));
    assert_eq!(carol["sender_comp_id"], "FP00002");
    // A revoked credential keeps its CompID: it is never handed to someone else.
    ok(&e, "POST", "/admin/fix/revoke", json!({"user": "bob"}));
    let pool = ok(&e, "GET", "/admin/fix/comp-id-pool", Value::Null);
    assert_eq!((pool["assigned"].as_u64(), pool["free"].as_u64()), (Some(2), Some(1)));
    assert_eq!(ok(&e, "POST", "/admin/fix/provision", json!({"user": "dave"}))["sender_comp_id"], "FP00003");

    // Exhausted: a clear refusal that loses nothing; the user can be provisioned once it grows.
    let r = call(&e, Role::Admin, "POST", "/admin/fix/provision", json!({"user": "erin"}));
    assert_eq!((r.status, code(&r)), (409, "limit_reached".into()));
    assert!(r.body["error"]["message"].as_str().unwrap().contains("pool is exhausted"), "{}", r.body);
    let r = call(&e, Role::Admin, "GET", "/admin/fix/credentials/user?user=erin", Value::Null);
    assert_eq!(r.status, 404, "nothing half-provisioned");
    ok(&e, "POST", "/admin/fix/comp-id-pool", json!({"size": 4}));
    assert_eq!(ok(&e, "POST", "/admin/fix/provision", json!({"user": "erin"}))["sender_comp_id"], "FP00004");

    // Bad input and roles.
    let r = call(&e, Role::Admin, "POST", "/admin/fix/comp-id-pool", json!({"size": 100_001}));
    assert_eq!((r.status, code(&r)), (400, "invalid_argument".into()));
    let r = call(&e, Role::Admin, "POST", "/admin/fix/comp-id-pool", json!({"size": -1}));
    assert_eq!((r.status, code(&r)), (400, "bad_json".into()));
    let r = call(&e, Role::Operator, "POST", "/admin/fix/comp-id-pool", json!({"size": 9}));
    assert_eq!((r.status, code(&r)), (403, "forbidden".into()));
    assert_eq!(call(&e, Role::Viewer, "GET", "/admin/fix/comp-id-pool", Value::Null).status, 200);
    assert_eq!(
        ok(&e, "GET", "/admin/fix/comp-id-pool", Value::Null)["size"],
        4,
        "the refusals changed nothing"
    );

    // Off again: CompIDs from user ids; the pooled ones stay valid.
    ok(&e, "POST", "/admin/fix/comp-id-pool", json!({"size": 0}));
    assert_eq!(
        ok(&e, "POST", "/admin/fix/provision", json!({"user": "frank"}))["sender_comp_id"],
        "FP_FRANK"
    );
    assert_eq!(
        ok(&e, "GET", "/admin/fix/credentials/user?user=carol", Value::Null)["sender_comp_id"],
        "FP00002"
    );

    e.audit().flush().unwrap();
    let sets = e
        .audit()
        .query(&AuditQuery { event_prefix: Some("comp_id_pool.set".into()), ..Default::default() })
        .unwrap();
    let sizes: Vec<(u64, u64)> = sets
        .iter()
        .map(|r| (r.details["previous"].as_u64().unwrap(), r.details["size"].as_u64().unwrap()))
        .collect();
    assert_eq!(sizes, [(0, 3), (3, 4), (4, 0)]);
    assert!(sets.iter().all(|r| r.actor == "admin-token"), "the operator is named");
}

#[test]
fn tier_weights_over_the_admin_api_are_validated_audited_and_enforced() {
    let e = engine();
    let set = |role: Role, body: Value| call(&e, role, "POST", "/admin/fix/rate-limits/weights", body);
    let r = set(Role::Operator, json!({"tier": "basic", "weights": {"F": 0, "E": 5, "AB": 2}}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, json!({"tier": "basic", "weights": {"AB": 2, "E": 5, "F": 0}}));
    assert_eq!(
        ok(&e, "GET", "/admin/fix/rate-limits/weights", Value::Null),
        json!({"basic": {"AB": 2, "E": 5, "F": 0}})
    );
    for (body, status, code) in [
        (json!({"tier": "basic", "weights": {"D=": 1}}), 400, "invalid_argument"),
        (json!({"tier": "basic", "weights": {"E": 256}}), 400, "invalid_argument"),
        (json!({"tier": "basic", "weights": {"E": -1}}), 400, "bad_json"),
        (json!({"tier": "basic", "weights": {"E": 1.5}}), 400, "bad_json"),
        (json!({"tier": "basic", "weights": {"ABCDEFGH": 1}}), 400, "invalid_argument"),
        (json!({"tier": "basic"}), 400, "bad_json"),
        (json!({"tier": "basic", "weights": {}, "extra": 1}), 400, "bad_json"),
        (json!({"tier": "nope", "weights": {"E": 1}}), 404, "not_found"),
    ] {
        let r = set(Role::Operator, body.clone());
        assert_eq!((r.status, r.body["error"]["code"].as_str()), (status, Some(code)), "{body}");
    }
    let huge = br#"{"tier": "basic", "weights": {"E": 18446744073709551616}}"#;
    let r = handle(&e, &actor(Role::Operator), "POST", "/admin/fix/rate-limits/weights", huge);
    assert_eq!((r.status, r.body["error"]["code"].as_str()), (400, Some("bad_json")));
    assert_eq!(set(Role::Viewer, json!({"tier": "basic", "weights": {}})).status, 403);
    // Nothing refused changed the table, and the one change is on the audit log with its actor.
    assert_eq!(e.tiers().weights("basic").unwrap().len(), 3);
    let records = e.audit().query(&AuditQuery::default()).unwrap();
    let changes: Vec<_> = records.iter().filter(|r| r.event == "tier.weights").collect();
    assert_eq!(changes.len(), 1);
    assert_eq!((changes[0].actor.as_str(), changes[0].subject.as_str()), ("operator-token", "basic"));
    assert_eq!(changes[0].details["weights"], json!({"AB": 2, "E": 5, "F": 0}));
    // Enforced: on basic (burst 10 orders) two NewOrderLists fill the order bucket.
    e.tiers().assign("ivy", "basic").unwrap();
    let s = e.sessions().open("ivy").unwrap();
    assert_eq!(e.check_msgtype(s, b"E").unwrap(), fixprov::Verdict::Ok);
    assert_eq!(e.check_msgtype(s, b"E").unwrap(), fixprov::Verdict::Ok);
    assert_eq!(e.check_msgtype(s, b"D").unwrap(), fixprov::Verdict::Throttled);
    assert_eq!(e.check_msgtype(s, b"F").unwrap(), fixprov::Verdict::Ok);
}
