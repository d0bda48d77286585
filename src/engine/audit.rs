//! The audit log: the queue that logon, session and violation events wait in, the housekeeper's
//! writing of it, verification against the chain and a kept head, retention, queries and export.
//!
//! Changes made by the other parts commit their own audit record in the change's transaction
//! (`AccessState::commit`); only events with no change of their own (logons, session opens and
//! closes, violations, refusals) are queued here.

use crate::cold::audit::{
    AuditAnchor, AuditEvent, AuditQuery, AuditQueue, AuditRecord, AuditRetention, AuditVerification,
};
use crate::engine::core::{unix_ms, Core};
use crate::error::{Error, Result};
use crate::hot::session::Handle;
use std::collections::HashMap;
use std::sync::Mutex;

/// How often the housekeeper applies the audit retention.
const RETENTION_PERIOD: std::time::Duration = std::time::Duration::from_secs(60);

/// How often violations are aggregated into audit records.
const VIOLATION_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);

/// The audit part of an engine, reached as [`Engine::audit`](crate::Engine::audit). May be used
/// from several threads at once.
#[derive(Clone, Copy, Debug)]
pub struct Audit<'e> {
    pub(super) core: &'e Core,
}

/// Logon and session events queued at most before they are counted as dropped.
const AUDIT_QUEUE: usize = 100_000;

/// The audit part's state: what waits to be written, and the violation aggregation.
pub(super) struct AuditState {
    /// Logon, session and violation events waiting for the housekeeper to write them.
    pub(super) queue: AuditQueue,
    /// Held while queued audit events are taken and written.
    pub(super) writing: Mutex<()>,
    /// Violation counters already recorded, per open session.
    pub(super) violations_seen: Mutex<HashMap<u64, (u64, u64)>>,
    /// When violations were last aggregated.
    pub(super) violations_read: Mutex<std::time::Instant>,
}

impl AuditState {
    pub(super) fn new() -> AuditState {
        AuditState {
            queue: AuditQueue::new(AUDIT_QUEUE),
            writing: Mutex::new(()),
            violations_seen: Mutex::new(HashMap::new()),
            violations_read: Mutex::new(std::time::Instant::now()),
        }
    }
}

impl Audit<'_> {
    /// Audit events dropped since open because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.core.audit_dropped()
    }

    /// Writes the queued logon, session and violation events now, violations aggregated first (the
    /// housekeeper does this on its own every second; closing the engine does it once more).
    pub fn flush(&self) -> Result<()> {
        self.core.audit_flush()
    }

    /// Walks the audit chain and reports every break (see [`crate::cold::audit`]).
    pub fn verify(&self) -> Result<AuditVerification> {
        self.core.audit_verify()
    }

    /// The audit chain's head now, to keep off the machine and verify against later.
    pub fn head(&self) -> Result<AuditAnchor> {
        self.core.audit_head()
    }

    /// [`Audit::verify`], and that the chain still holds `expected`, a head kept earlier: a
    /// store rolled back to an older copy, or a chain rewritten after that record, is reported.
    pub fn verify_against(&self, expected: &AuditAnchor) -> Result<AuditVerification> {
        self.core.audit_verify_against(expected)
    }

    /// Cuts the audit records `retention` no longer keeps (see [`AuditRetention`]); returns how
    /// many. The chain stays verifiable from where it resumes, and an `audit.retention` record says
    /// what was cut. The housekeeper runs this every minute when the engine has a retention.
    pub fn retain(&self, retention: &AuditRetention) -> Result<u64> {
        self.core.audit_retain(retention)
    }

    /// Audit records matching `query`, in sequence order (at most 1,000; page with `after_seq`).
    pub fn query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        self.core.audit_query(query)
    }

    /// Writes every audit record matching `query` to `out` as JSON lines (one record a line, in
    /// sequence order), paging through the store; `query.limit` caps the total if given. Returns how
    /// many records were written.
    pub fn export(&self, query: &AuditQuery, out: &mut dyn std::io::Write) -> Result<u64> {
        self.core.audit_export(query, out)
    }
}

impl Core {
    pub(crate) fn audit_dropped(&self) -> u64 {
        self.audit.queue.dropped_total()
    }

    /// Queues a logon or session event for the housekeeper (the caller never waits on the store).
    pub(crate) fn audit_later(&self, event: AuditEvent) {
        self.audit.queue.push(event);
    }

    /// Records violations since the last call, one aggregated record per session that had any.
    /// The hot path only bumps its counters; this reads them on the cold path.
    pub(crate) fn aggregate_violations(&self) {
        // The session table is read directly, without copying the cold path's session list: with a
        // million open sessions, a copy a second cost the housekeeper a fifth of a core. Only
        // sessions that ever had a violation get an entry in `seen`, and only those with new ones
        // are looked up (for their user) and recorded.
        let mut seen = self.audit.violations_seen.lock().unwrap_or_else(|p| p.into_inner());
        let high_water = self.sessions.table.high_water() as usize;
        for (index, slot) in self.slots.iter(high_water) {
            let Some(generation) = slot.line.open_generation() else { continue };
            let Some(c) = slot.line.counters(generation, slot.side) else { continue };
            let handle = Handle { index, generation };
            let key = handle.to_raw();
            let last = seen.get(&key).copied().unwrap_or((0, 0));
            if (c.throttled, c.disconnects) == last {
                continue;
            }
            // A session whose owner is not registered yet (it is opening) is read next time.
            let Some(meta) = self.sessions.table.meta(handle.index, generation) else { continue };
            // A reset of the counters shows as a drop: count from the new value.
            let throttled = c.throttled.checked_sub(last.0).unwrap_or(c.throttled);
            let disconnects = c.disconnects.checked_sub(last.1).unwrap_or(c.disconnects);
            if throttled + disconnects > 0 {
                let details = serde_json::json!({
                    "session": key,
                    "throttled": throttled,
                    "disconnects": disconnects,
                });
                self.audit.queue.push(AuditEvent::host("session.violations", &meta.user.id, details));
            }
            seen.insert(key, (c.throttled, c.disconnects));
        }
    }

    /// The housekeeper's tick: violations are aggregated once a second (one record per session per
    /// second at most), queued events written every tick.
    pub(crate) fn audit_tick(&self) -> Result<()> {
        let due = {
            let mut read = self.audit.violations_read.lock().unwrap_or_else(|p| p.into_inner());
            let due = read.elapsed() >= VIOLATION_WINDOW;
            if due {
                *read = std::time::Instant::now();
            }
            due
        };
        if due {
            self.aggregate_violations();
            self.drain_refusals();
        }
        self.write_queued()?;
        self.retain_when_due()
    }

    /// Applies the engine's audit retention, at most once a minute.
    pub(super) fn retain_when_due(&self) -> Result<()> {
        let Some(retention) = self.access.retention else { return Ok(()) };
        {
            let mut ran = self.access.retention_ran.lock().unwrap_or_else(|p| p.into_inner());
            if ran.is_some_and(|at| at.elapsed() < RETENTION_PERIOD) {
                return Ok(());
            }
            *ran = Some(std::time::Instant::now());
        }
        self.audit_retain(&retention).map(drop)
    }

    pub(crate) fn audit_flush(&self) -> Result<()> {
        self.aggregate_violations();
        self.drain_refusals();
        self.write_queued()
    }

    /// Queues the records of the refused logons repeated this interval, and starts the next one.
    pub(super) fn drain_refusals(&self) {
        for event in self.access.refusals.drain(unix_ms()) {
            self.audit.queue.push(event);
        }
    }

    pub(super) fn write_queued(&self) -> Result<()> {
        // Taking and writing are one step: a flush that found the queue empty because the
        // housekeeper had just taken the events waits here until they are committed, and batches
        // commit in the order they were queued.
        let _writing = self.audit.writing.lock().unwrap_or_else(|p| p.into_inner());
        let events = self.audit.queue.take();
        if let Err(e) = self.access.append_audit(&events) {
            self.audit.queue.put_back(events);
            return Err(e);
        }
        Ok(())
    }

    pub(crate) fn audit_verify(&self) -> Result<AuditVerification> {
        self.access.store().audit_verify(&self.access.keyring, None)
    }

    pub(crate) fn audit_head(&self) -> Result<AuditAnchor> {
        self.access.store().audit_head(&self.access.keyring).map(AuditAnchor)
    }

    pub(crate) fn audit_verify_against(&self, expected: &AuditAnchor) -> Result<AuditVerification> {
        self.access.store().audit_verify(&self.access.keyring, Some(expected.0))
    }

    pub(crate) fn audit_retain(&self, retention: &AuditRetention) -> Result<u64> {
        let max_age_ms = retention.max_age.map(|a| a.as_millis().min(u128::from(u64::MAX)) as u64);
        self.access.store().audit_retain(
            &self.access.keyring,
            max_age_ms,
            retention.max_records,
            unix_ms(),
            |seq, n| {
                AuditEvent::host(
                    "audit.retention",
                    "",
                    serde_json::json!({
                        "cut_through_seq": seq,
                        "records_cut": n,
                        "resumes_at_seq": seq + 1,
                        "max_age_ms": max_age_ms,
                        "max_records": retention.max_records,
                    }),
                )
            },
        )
    }

    pub(crate) fn audit_query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        self.access.store().audit_query(query)
    }

    pub(crate) fn audit_export(&self, query: &AuditQuery, out: &mut dyn std::io::Write) -> Result<u64> {
        let mut page = query.clone();
        let mut left = query.limit.map_or(u64::MAX, |l| l as u64);
        let mut written = 0;
        while left > 0 {
            page.limit = Some(usize::try_from(left).unwrap_or(usize::MAX));
            let records = self.audit_query(&page)?;
            let Some(last) = records.last() else { break };
            page.after_seq = Some(last.seq);
            for record in &records {
                serde_json::to_writer(&mut *out, record)
                    .map_err(|e| Error::Internal(e.to_string().into()))?;
                out.write_all(b"\n").map_err(|e| Error::Internal(e.to_string().into()))?;
            }
            written += records.len() as u64;
            left -= records.len() as u64;
        }
        Ok(written)
    }
}
