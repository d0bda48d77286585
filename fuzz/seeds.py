#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the `rules` and `admin` fuzz targets into corpus/<target>/.

Run from anywhere: python3 fuzz/seeds.py. The `logon` and `stateful` seeds are inputs the fuzzer
found and `-merge=1` kept (their format is whatever `arbitrary` reads), so they are not written here.

admin inputs are requests separated by 0xFF, each `[route index][flags] query 0x00 body`, the route
index being the position in fixprov::admin::ROUTES (read from src/admin/routes.rs, in order).
"""
import json
import pathlib
import re

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent

RULES = [
    '{"id": "min_balance", "description": "Balance of at least 1000.00", '
    '"min_balance": {"amount": "1000.00", "currency": "USD"}}',
    '{"id": "min_volume_30d", "min_volume_30d": {"amount": "-3.25", "currency": "EUR"}}',
    '{"id": "min_kyc_level", "min_kyc_level": 2}',
    '{"id": "min_account_age", "min_account_age_days": 30, "enabled": false}',
    '{"id": "desk", "description": "Desk A or B only", "groups": {"any_of": ["desk-a", "desk-b"]}}',
    '{"id": "not_banned", "groups": {"none_of": ["banned", "suspended"]}}',
    '{"id": "both", "groups": {"all_of": ["desk-a", "vip"]}}',
    '{"id": "vip_or_big", "description": "VIPs, or big traders with KYC 3", "when": {"any_of": ['
    '{"fact": "groups", "op": "contains", "value": "vip"}, '
    '{"all_of": [{"fact": "volume_30d", "op": ">=", "value": {"amount": "250000.00", "currency": "USD"}}, '
    '{"fact": "kyc_level", "op": ">=", "value": 3}]}]}}',
    '{"id": "low_risk", "when": {"all_of": ['
    '{"fact": "custom.risk_score", "op": "<", "value": 70}, '
    '{"fact": "custom.region", "op": "in", "value": [1, 2, 5]}, '
    '{"not": {"fact": "groups", "op": "contains", "value": "watchlist"}}]}}',
    '{"id": "age", "when": {"not": {"fact": "account_age_days", "op": "!=", "value": 0}}}',
    '{"id": "bal", "when": {"fact": "balance", "op": "<=", "value": {"amount": "92233720368547758.07", "currency": "JPY"}}}',
    '{"tier": "premium", "when": {"all_of": [{"fact": "kyc_level", "op": ">=", "value": 3}, '
    '{"fact": "balance", "op": ">=", "value": {"amount": "100000.00", "currency": "USD"}}]}}',
    '{"tier": "standard", "when": {"fact": "kyc_level", "op": ">=", "value": 2}}',
    '"disabled"',
    '{"threshold": {"amount": "500.00", "currency": "EUR"}}',
    # A rule, then facts to evaluate it against (after a NUL byte).
    '{"id": "k", "min_kyc_level": 1}\0{"kyc_level": 1, "groups": ["vip"], "custom": {"risk_score": 40}, '
    '"balance": {"amount": "1500.00", "currency": "USD"}, "account_created_unix_ms": 1700000000000}',
]


def routes():
    text = (ROOT / "src/admin/routes.rs").read_text()
    text = text[text.index("pub static ROUTES"):]
    pattern = re.compile(r'"(GET|POST)",\s*"(/[^"]*)"|method:\s*"(GET|POST)",\s*path:\s*"(/[^"]*)"')
    return [(m.group(1) or m.group(3), m.group(2) or m.group(4)) for m in pattern.finditer(text)]


def admin_seeds():
    api = json.loads((ROOT / "docs/openapi.json").read_text())
    table = routes()
    seeds = {}
    for i, (method, path) in enumerate(table):
        op = api["paths"][path][method.lower()]
        example = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("example")
        body = json.dumps(example).encode() if example is not None else b""
        params = [p["name"] for p in op.get("parameters", [])]
        query = b"user=alice" if "user" in params else b""
        if "limit" in params:
            query += b"&limit=5&event=credential."
        name = path.strip("/").replace("/", "_") + "_" + method.lower()
        seeds[name] = bytes([i, 0]) + query + b"\0" + body
    index = {r: i for i, r in enumerate(table)}

    def req(method, path, flags=0, query=b"", body=b""):
        return bytes([index[(method, path)], flags]) + query + b"\0" + body

    seeds["sequence_provision_regenerate_export"] = b"\xff".join([
        req("POST", "/admin/fix/accounts", body=b'{"user": "carol", "facts": {"kyc_level": 3, '
            b'"balance": {"amount": "5000.00", "currency": "USD"}, "volume_30d": {"amount": "50000.00", '
            b'"currency": "USD"}, "account_created_unix_ms": 1600000000000}}'),
        req("POST", "/admin/fix/provision", body=b'{"user": "carol"}'),
        req("POST", "/admin/fix/regenerate-password", body=b'{"user": "carol", "overlap_secs": 60}'),
        req("GET", "/admin/fix/audit/export", query=b"user=carol"),
    ])
    seeds["sequence_c_abi_and_roles"] = b"\xff".join([
        req("POST", "/admin/fix/sessions/kill", flags=4, body=b'{"session": 1}'),
        req("POST", "/admin/fix/revoke", flags=2, body=b'{"user": "alice"}'),
        req("GET", "/admin/fix/credentials/user", flags=3, query=b"user=al%69ce"),
        req("POST", "/admin/fix/rules/add", flags=4, body=RULES[7].encode()),
        req("GET", "/admin/fix/stats", flags=8),
    ])
    return seeds


def write(target, seeds):
    out = FUZZ / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (out / name).write_bytes(data)


write("rules", {f"doc{i:02}": doc.encode() for i, doc in enumerate(RULES)})
write("admin", admin_seeds())
