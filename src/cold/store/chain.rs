//! The audit chain above the backend: numbering and MACs, the sealed head and base, verification,
//! retention and queries (the chain itself is described in [`crate::cold::audit`]).

use super::backend::{AuditFilter, AuditRow, ReadTx, WriteTx};
use super::manifest::{missing, Manifest};
use super::{read_sealed, write_sealed, Store, Table, AUDIT_BASE, AUDIT_HEAD};
use crate::cold::audit::{AuditEvent, AuditQuery, AuditRecord, AuditVerification, ChainHead, MAX_PAGE};
use crate::cold::crypto::Keyring;
use crate::cold::unix_ms;
use crate::error::{Error, Result};

/// Whether a stored MAC (any length) is `expected`, compared in constant time.
fn mac_is(stored: &[u8], expected: &[u8; 32]) -> bool {
    <&[u8; 32]>::try_from(stored).is_ok_and(|stored| crate::cold::crypto::same_digest(stored, expected))
}

fn audit_mac(keyring: &Keyring, seq: u64, prev: &[u8; 32], record: &[u8]) -> [u8; 32] {
    keyring.audit_mac(&[&seq.to_le_bytes(), prev, record])
}

/// Where the chain starts: after the records retention cut (their last one's sequence and MAC), or
/// at the beginning.
fn base(tx: &mut dyn ReadTx, keyring: &Keyring) -> Result<ChainHead> {
    Ok(read_sealed(tx, keyring, AUDIT_BASE, "the audit chain's base")?.unwrap_or_default())
}

fn head(tx: &mut dyn ReadTx, keyring: &Keyring) -> Result<ChainHead> {
    read_sealed(tx, keyring, AUDIT_HEAD, "the audit chain head")?
        .ok_or_else(|| Error::Corrupt("the audit chain's sealed head is missing".into()))
}

pub(super) fn write_head(tx: &mut dyn WriteTx, keyring: &Keyring, head: &ChainHead) -> Result<()> {
    write_sealed(tx, keyring, AUDIT_HEAD, head)
}

/// The head naming the last record in the log (a schema-3 store's upgrade, when it has no head).
pub(super) fn last_record_head(tx: &mut dyn ReadTx) -> Result<ChainHead> {
    Ok(tx
        .audit_last(u64::MAX, None)?
        .map_or(ChainHead::default(), |(seq, mac)| ChainHead { seq, mac: mac.try_into().unwrap_or([0; 32]) }))
}

/// Appends `event` as the record after the head, and moves the head to it.
pub(super) fn append(
    tx: &mut dyn WriteTx,
    keyring: &Keyring,
    event: &AuditEvent,
    gateway: Option<&str>,
) -> Result<()> {
    let last = head(tx, keyring)?;
    let mut record = AuditRecord::new(last.seq + 1, unix_ms(), event);
    record.gateway = gateway.map(str::to_owned);
    let bytes = record.canonical();
    let mac = audit_mac(keyring, record.seq, &last.mac, &bytes);
    tx.append_audit(&AuditRow {
        seq: record.seq,
        at_unix_ms: record.at_unix_ms,
        event: record.event,
        subject: record.subject,
        record: String::from_utf8(bytes).expect("JSON is UTF-8"),
        mac: mac.to_vec(),
    })?;
    write_head(tx, keyring, &ChainHead { seq: record.seq, mac })
}

impl Store {
    /// Appends `events` to the audit chain in one transaction (records without a change of their
    /// own: logons, session events, violations).
    pub fn append_audit(&self, keyring: &Keyring, events: &[AuditEvent]) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let gateway = self.gateway();
        self.backend.write(&mut |tx| events.iter().try_for_each(|event| append(tx, keyring, event, gateway)))
    }

    /// The chain's sealed head.
    pub fn audit_head(&self, keyring: &Keyring) -> Result<ChainHead> {
        let mut out = ChainHead::default();
        self.backend.read(&mut |tx| {
            out = head(tx, keyring)?;
            Ok(())
        })?;
        Ok(out)
    }

    /// Walks the whole audit chain and reports every break: an edited record (its MAC), a deleted
    /// one (a gap), records out of order, columns that disagree with their record, or records cut
    /// off the end (the sealed head). With `expected`, also that the chain reaches that head with
    /// the same MAC there (an older copy of the store, or a chain rewritten after it, fails).
    ///
    /// Reads one snapshot of the backend (the records and the head from the same state); a file
    /// backend lets writers (revocations, the housekeeper's audit batches) go on meanwhile.
    pub fn audit_verify(&self, keyring: &Keyring, expected: Option<ChainHead>) -> Result<AuditVerification> {
        let mut report = AuditVerification::default();
        self.backend.read(&mut |tx| {
            report = verify(tx, keyring, expected)?;
            Ok(())
        })?;
        Ok(report)
    }

    /// Cuts the oldest audit records: those older than `max_age_ms` before `now_ms` and those
    /// beyond the newest `max_records`, whichever cuts more. The chain stays verifiable: the last
    /// cut record's sequence and MAC are kept sealed as the chain's base, and `event` (told what was
    /// cut) is appended, all in one transaction. Returns how many records were cut.
    pub fn audit_retain(
        &self,
        keyring: &Keyring,
        max_age_ms: Option<u64>,
        max_records: Option<u64>,
        now_ms: u64,
        event: impl FnOnce(u64, u64) -> AuditEvent,
    ) -> Result<u64> {
        let mut event = Some(event);
        let mut removed = 0;
        let gateway = self.gateway();
        self.backend.write(&mut |tx| {
            let (start, last) = (base(tx, keyring)?, head(tx, keyring)?);
            let mut cut = start.seq;
            if let Some(keep) = max_records {
                cut = cut.max(last.seq.saturating_sub(keep));
            }
            if let Some(age) = max_age_ms {
                let old = tx.audit_last(u64::MAX, Some(now_ms.saturating_sub(age)))?;
                cut = cut.max(old.map_or(0, |(seq, _)| seq));
            }
            if cut <= start.seq {
                return Ok(());
            }
            let mac: [u8; 32] = tx
                .audit_last(cut, None)?
                .filter(|(seq, _)| *seq == cut)
                .and_then(|(_, mac)| mac.try_into().ok())
                .ok_or_else(|| Error::Corrupt(format!("audit record {cut} is missing").into()))?;
            removed = tx.cut_audit(cut)?;
            if !tx.contains(Table::Settings, AUDIT_BASE)? {
                let mut manifest = Manifest::read(tx, keyring)?.ok_or_else(missing)?;
                manifest.toggle(keyring, Table::Settings, AUDIT_BASE, true);
                manifest.write(tx, keyring)?;
            }
            write_sealed(tx, keyring, AUDIT_BASE, &ChainHead { seq: cut, mac })?;
            let event = event.take().expect("a backend runs a transaction once");
            append(tx, keyring, &event(cut, removed), gateway)
        })?;
        Ok(removed)
    }

    /// Records matching `query`, in sequence order.
    pub fn audit_query(&self, query: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let filter = AuditFilter {
            after_seq: query.after_seq.unwrap_or(0),
            from_unix_ms: query.from_unix_ms.unwrap_or(0),
            to_unix_ms: query.to_unix_ms.unwrap_or(u64::MAX),
            subject: query.subject.as_deref(),
            event_prefix: query.event_prefix.as_deref(),
            limit: query.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
        };
        let mut texts = Vec::new();
        self.backend.read(&mut |tx| {
            texts = tx.audit_find(&filter)?;
            Ok(())
        })?;
        let records: Vec<AuditRecord> = texts
            .iter()
            .map(|text| {
                serde_json::from_str(text).map_err(|e| Error::Corrupt(format!("an audit record: {e}").into()))
            })
            .collect::<Result<_>>()?;
        // The query may run over an index: each answer is checked against the filter and the
        // order, so a damaged index shows as an error, never as a wrong answer (audit_verify finds
        // the rest).
        let mut last = filter.after_seq;
        for r in &records {
            let fits = r.seq > last
                && r.at_unix_ms >= filter.from_unix_ms
                && query.to_unix_ms.is_none_or(|t| r.at_unix_ms < t)
                && query.subject.as_ref().is_none_or(|s| *s == r.subject)
                && query.event_prefix.as_ref().is_none_or(|p| r.event.starts_with(p.as_str()));
            if !fits {
                return Err(Error::Corrupt(
                    format!("the audit index answered record {} out of place (damaged index?)", r.seq).into(),
                ));
            }
            last = r.seq;
        }
        Ok(records)
    }
}

/// [`Store::audit_verify`] inside one snapshot.
fn verify(tx: &mut dyn ReadTx, keyring: &Keyring, expected: Option<ChainHead>) -> Result<AuditVerification> {
    let mut report = AuditVerification::default();
    // A chain cut by retention resumes after its sealed base; the cut itself is a record.
    let start = base(tx, keyring)?;
    let (mut expected_seq, mut prev) = (start.seq + 1, start.mac);
    let mut anchor_found = false;
    if let Some(e) = expected.filter(|e| e.seq <= start.seq) {
        // At the base the MAC is known; before it the records are gone, and only the order of the
        // two heads can be checked.
        anchor_found = true;
        if e.seq == start.seq && !mac_is(&e.mac, &start.mac) {
            report.problems.push(format!(
                "record {}: its MAC differs from the expected head's (the chain was rewritten or replaced)",
                e.seq
            ));
        }
    }
    tx.audit_scan(&mut |row| {
        let AuditRow { seq, at_unix_ms: at, event, subject, record, mac } = row;
        report.records += 1;
        if seq != expected_seq {
            report.problems.push(format!("record {expected_seq}: missing or out of order (found {seq} there)"));
        }
        if !mac_is(&mac, &audit_mac(keyring, seq, &prev, record.as_bytes())) {
            report
                .problems
                .push(format!("record {seq}: its MAC does not match (edited, or its predecessor changed)"));
        }
        match serde_json::from_str::<AuditRecord>(&record) {
            Ok(r) if r.seq == seq && r.at_unix_ms == at && r.event == event && r.subject == subject => {}
            _ => report.problems.push(format!("record {seq}: its columns disagree with the record")),
        }
        prev = mac.try_into().unwrap_or([0; 32]);
        if let Some(e) = expected.filter(|e| e.seq == seq) {
            anchor_found = true;
            if !mac_is(&e.mac, &prev) {
                report.problems.push(format!(
                    "record {seq}: its MAC differs from the expected head's (the chain was rewritten or replaced)"
                ));
            }
        }
        expected_seq = seq + 1;
        Ok(())
    })?;
    // The chain is walked through the table itself; queries and the export may go through indexes,
    // which the chain does not cover: a damaged index would change their answers unseen.
    for finding in tx.audit_index_problems()? {
        report.problems.push(format!("the audit table's indexes: {finding}"));
    }
    match head(tx, keyring) {
        Ok(head) if head.seq == expected_seq - 1 && mac_is(&head.mac, &prev) => {}
        Ok(head) => report.problems.push(format!(
            "the chain ends at record {} but its sealed head names record {} (records cut off the end?)",
            expected_seq - 1,
            head.seq
        )),
        Err(Error::Corrupt(why)) => report.problems.push(why.to_string()),
        Err(other) => return Err(other),
    }
    if let Some(e) = expected.filter(|_| !anchor_found) {
        report.problems.push(format!(
            "the chain ends at record {} before the expected head, record {} (the store was rolled back to an older copy?)",
            expected_seq - 1,
            e.seq
        ));
    }
    report.ok = report.problems.is_empty();
    Ok(report)
}
