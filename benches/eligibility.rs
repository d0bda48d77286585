//! Evaluating one user against the default eligibility rules through the engine (the facts,
//! overrides and bypass lookups included): an eligible user (no allocation), one that fails two
//! rules (failure texts built), and one with a nested custom rule added.
//!
//! `cargo bench --bench eligibility` prints the medians and the eligible case against its 2 us target.

#[path = "common/mod.rs"]
mod common;

use criterion::{black_box, Criterion};
use fixprov::cold::rules::{AccountFacts, Currency, Money};
use fixprov::{Config, Engine};
use std::time::Duration;

const GROUP: &str = "eligibility";
const IDS: [&str; 3] = ["defaults_eligible", "defaults_two_failing", "defaults_plus_custom"];

fn facts(balance_minor: i64, kyc: u32) -> AccountFacts {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64;
    AccountFacts {
        balance: Some(Money::new(balance_minor, Currency::USD)),
        volume_30d: Some(Money::new(5_000_000, Currency::USD)),
        account_created_unix_ms: Some(now - 90 * 86_400_000),
        kyc_level: Some(kyc),
        groups: ["desk-a".to_string()].into(),
        ..AccountFacts::default()
    }
}

fn benches(c: &mut Criterion) {
    let engine = Engine::open(Config::default()).expect("engine opens");
    engine.eligibility().account_set("eligible", facts(250_000, 3)).unwrap();
    engine.eligibility().account_set("failing", facts(99_999, 1)).unwrap();
    let mut group = c.benchmark_group(GROUP);
    group
        .bench_function(IDS[0], |b| b.iter(|| engine.eligibility().evaluate(black_box("eligible")).eligible));
    group.bench_function(IDS[1], |b| b.iter(|| engine.eligibility().evaluate(black_box("failing")).eligible));
    engine
        .eligibility()
        .rule_add(
            r#"{"id": "desk_or_vip", "when": {"any_of": [{"fact": "groups", "op": "contains", "value": "vip"},
               {"all_of": [{"fact": "groups", "op": "contains", "value": "desk-a"},
                           {"fact": "kyc_level", "op": ">=", "value": 2}]}]}}"#,
        )
        .unwrap();
    group
        .bench_function(IDS[2], |b| b.iter(|| engine.eligibility().evaluate(black_box("eligible")).eligible));
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50)
        .configure_from_args();
    benches(&mut c);
    c.final_summary();
    if common::listing_only() {
        return;
    }
    println!("\n| benchmark | median ns |\n| --- | ---: |");
    for id in IDS {
        if let Some(m) = common::median_ns(GROUP, id) {
            println!("| {id} | {m:.1} |");
        }
    }
    if let Some(m) = common::median_ns(GROUP, IDS[0]) {
        println!("\neligible user, default rules: {:.3} us median (target < 2 us)", m / 1_000.0);
    }
}
