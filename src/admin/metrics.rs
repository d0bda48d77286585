//! Prometheus metrics: a registry owned by each engine's admin part (no global state), served at `GET /metrics`
//! in the OpenMetrics text format that Prometheus scrapes.
//!
//! The engine's figures are not kept in metric objects: a collector computes [`Stats`] on each
//! scrape, exactly as `/admin/fix/stats` does, so the hot path writes nothing for metrics. The only
//! live metric objects count admin requests, which are cold-path events already.
//!
//! [`Stats`]: crate::engine::Stats

use crate::engine::Core;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Registry;
use std::fmt::Write as _;
use std::sync::Arc;

/// Labels of an admin request: its route (or "unknown"), method and HTTP status.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct RequestLabels {
    route: &'static str,
    method: &'static str,
    status: u16,
}

/// An engine's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Metrics {
    /// A registry over the engine's cold half `core`.
    pub(crate) fn new(core: Arc<Core>) -> Metrics {
        let mut registry = Registry::with_prefix("fixprov");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "admin_requests",
            "Admin API requests answered, by route, method and status",
            requests.clone(),
        );
        registry.register_collector(Box::new(EngineCollector { core }));
        Metrics { registry, requests }
    }

    /// Counts one admin request.
    pub(crate) fn count_request(&self, method: &str, path: &str, status: u16) {
        let route = super::ROUTES.iter().find(|r| r.path == path).map_or("unknown", |r| r.path);
        let method = match method {
            "GET" => "GET",
            "POST" => "POST",
            _ => "other",
        };
        self.requests.get_or_create(&RequestLabels { route, method, status }).inc();
    }

    /// The registry in the OpenMetrics text format.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.registry).is_err() {
            text.clear();
            let _ = writeln!(text, "# EOF");
        }
        text
    }
}

/// Reads the engine's statistics on each scrape.
struct EngineCollector {
    core: Arc<Core>,
}

impl std::fmt::Debug for EngineCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineCollector").finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TierLabel {
    tier: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

fn gauge(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: u64) -> std::fmt::Result {
    let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
    gauge.encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)
}

fn counter(encoder: &mut DescriptorEncoder, name: &str, help: &str, value: u64) -> std::fmt::Result {
    ConstCounter::new(value).encode(encoder.encode_descriptor(name, help, None, MetricType::Counter)?)
}

impl Collector for EngineCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        let core = &self.core;
        let stats = core.stats();
        {
            let mut family =
                encoder.encode_descriptor("users", "Users by credential state", None, MetricType::Gauge)?;
            let u = &stats.users;
            for (state, n) in [
                ("active", u.active),
                ("suspended", u.suspended),
                ("revoked", u.revoked),
                ("expired", u.expired),
                ("unprovisioned", u.unprovisioned),
            ] {
                ConstGauge::new(i64::try_from(n).unwrap_or(i64::MAX))
                    .encode(family.encode_family(&StateLabel { state })?)?;
            }
        }
        gauge(&mut encoder, "credentials", "Provisioned credentials", stats.credentials)?;
        type Pick = fn(&crate::engine::stats::Totals) -> u64;
        let per_tier: [(&str, &str, MetricType, Pick); 5] = [
            ("live_sessions", "Live sessions by tier", MetricType::Gauge, |t| t.live_sessions),
            ("messages", "Messages admitted by tier (orders included)", MetricType::Counter, |t| t.messages),
            ("orders", "Orders admitted by tier", MetricType::Counter, |t| t.orders),
            ("throttled", "Checks answered THROTTLED by tier", MetricType::Counter, |t| t.throttled),
            ("disconnects", "Checks answered DISCONNECT by tier", MetricType::Counter, |t| t.disconnects),
        ];
        for (name, help, kind, pick) in per_tier {
            let mut family = encoder.encode_descriptor(name, help, None, kind)?;
            for (tier, totals) in &stats.tiers {
                let labels = TierLabel { tier: tier.clone() };
                let value = pick(totals);
                match kind {
                    MetricType::Counter => ConstCounter::new(value).encode(family.encode_family(&labels)?)?,
                    _ => ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX))
                        .encode(family.encode_family(&labels)?)?,
                }
            }
        }
        {
            let mut family = encoder.encode_descriptor(
                "logons",
                "Logons since open, by outcome",
                None,
                MetricType::Counter,
            )?;
            ConstCounter::new(stats.logons.accepted)
                .encode(family.encode_family(&OutcomeLabel { outcome: "accepted".into() })?)?;
            for (reason, n) in &stats.logons.refused {
                ConstCounter::new(*n)
                    .encode(family.encode_family(&OutcomeLabel { outcome: reason.clone() })?)?;
            }
        }
        counter(
            &mut encoder,
            "audit_dropped",
            "Audit events dropped because the queue was full",
            core.audit().dropped(),
        )?;
        Ok(())
    }
}
