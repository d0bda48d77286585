//! The contract every [`Backend`] must pass, written against the trait alone so that any backend
//! (SQLite in memory or in a file, PostgreSQL) runs the same cases:
//!
//! ```ignore
//! fixprov::cold::store::contract::run(|name| SqliteBackend::file(&dir.join(name).join("db")), true);
//! ```
//!
//! `make(name)` returns a backend, not yet prepared, for the store called `name`: each case uses
//! names of its own. For a durable backend (`durable: true`), calling `make` again with the same
//! name after the first backend was dropped must reach the same store; the reopen case checks that
//! everything survives. Only built with the `test-hooks` feature.

use super::backend::{AuditFilter, AuditRow, Backend, KeyMaterial, ReadTx, StoredRow, WriteTx};
use super::Table;
use crate::error::{Error, Result};
use std::sync::mpsc;
use std::time::Duration;

/// What the cases run against.
struct Subject<'a> {
    make: &'a dyn Fn(&str) -> Box<dyn Backend>,
    durable: bool,
}

/// One case of the contract.
type Case = fn(&Subject<'_>);

/// Every case, by name.
const CASES: &[(&str, Case)] = &[
    ("a_new_store_is_empty", a_new_store_is_empty),
    ("key_material_round_trips", key_material_round_trips),
    ("rows_round_trip_in_every_table", rows_round_trip_in_every_table),
    ("credentials_keep_sender_comp_ids_unique", credentials_keep_sender_comp_ids_unique),
    ("a_failed_transaction_leaves_nothing", a_failed_transaction_leaves_nothing),
    ("audit_rows_keep_their_order_and_columns", audit_rows_keep_their_order_and_columns),
    ("audit_find_filters_exactly", audit_find_filters_exactly),
    ("retention_cuts_a_prefix", retention_cuts_a_prefix),
    ("a_read_is_one_snapshot", a_read_is_one_snapshot),
    ("writes_are_serialized", writes_are_serialized),
    ("everything_survives_a_reopen", everything_survives_a_reopen),
];

/// Runs every case against the backends `make` returns; panics naming each case that failed.
pub fn run<B: Backend + 'static>(make: impl Fn(&str) -> B, durable: bool) {
    let make = move |name: &str| -> Box<dyn Backend> { Box::new(make(name)) };
    let subject = Subject { make: &make, durable };
    let mut failed = Vec::new();
    for (name, case) in CASES {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&subject)));
        if outcome.is_err() {
            failed.push(*name);
        }
    }
    assert!(
        failed.is_empty(),
        "store backend contract: {} of {} cases failed: {failed:?}",
        failed.len(),
        CASES.len()
    );
}

/// A prepared backend for the store `name`.
fn open(subject: &Subject<'_>, name: &str) -> Box<dyn Backend> {
    let backend = (subject.make)(name);
    backend.prepare().expect("prepare");
    backend
}

/// `f`'s answer from one snapshot.
fn read<T>(backend: &dyn Backend, mut f: impl FnMut(&mut dyn ReadTx) -> Result<T>) -> T {
    let mut out = None;
    backend
        .read(&mut |tx| {
            out = Some(f(tx)?);
            Ok(())
        })
        .expect("read");
    out.expect("read ran its closure")
}

/// Commits `f`'s writes; panics if the transaction fails.
fn write(backend: &dyn Backend, mut f: impl FnMut(&mut dyn WriteTx) -> Result<()>) {
    backend.write(&mut |tx| f(tx)).expect("write");
}

fn row(key: &str, sender: &str, sealed: &[u8]) -> StoredRow {
    StoredRow { key: key.to_owned(), sender_comp_id: sender.to_owned(), sealed: sealed.to_vec() }
}

fn material(n: u8) -> KeyMaterial {
    KeyMaterial { kdf: vec![n; 41], wrapped_data_key: (0..60).map(|i| i ^ n).collect() }
}

/// Audit row `seq`, its columns derived from `seq` (times not increasing with it).
fn audit(seq: u64) -> AuditRow {
    const EVENTS: [&str; 5] = ["tier.set", "credential.provision", "credential.revoke", "x_y.z", "xay.z"];
    const SUBJECTS: [&str; 3] = ["alice", "bob", ""];
    AuditRow {
        seq,
        at_unix_ms: 1_000 + (seq * 37 % 11) * 10,
        event: EVENTS[seq as usize % EVENTS.len()].to_owned(),
        subject: SUBJECTS[seq as usize % SUBJECTS.len()].to_owned(),
        record: format!(r#"{{"seq":{seq},"note":"é ✓ \"quoted\""}}"#),
        mac: (0..32).map(|i| (seq as u8).wrapping_mul(31) ^ i).collect(),
    }
}

fn append(backend: &dyn Backend, seqs: impl IntoIterator<Item = u64> + Clone) {
    write(backend, |tx| seqs.clone().into_iter().try_for_each(|seq| tx.append_audit(&audit(seq))));
}

fn scan(tx: &mut dyn ReadTx) -> Result<Vec<AuditRow>> {
    let mut rows = Vec::new();
    tx.audit_scan(&mut |row| {
        rows.push(row);
        Ok(())
    })?;
    Ok(rows)
}

fn seqs(rows: &[AuditRow]) -> Vec<u64> {
    rows.iter().map(|r| r.seq).collect()
}

/// Everything a store holds, to compare two states.
#[derive(Debug, PartialEq, Eq)]
struct State {
    material: Option<KeyMaterial>,
    tables: Vec<Vec<StoredRow>>,
    audit: Vec<AuditRow>,
}

fn state(backend: &dyn Backend) -> State {
    read(backend, |tx| {
        Ok(State {
            material: tx.key_material()?,
            tables: Table::ALL.iter().map(|t| tx.rows(*t)).collect::<Result<_>>()?,
            audit: scan(tx)?,
        })
    })
}

fn a_new_store_is_empty(subject: &Subject<'_>) {
    let backend = (subject.make)("empty");
    assert_eq!(backend.peek_key_material().unwrap(), None, "a store never created has no key material");
    backend.prepare().unwrap();
    let s = state(&*backend);
    assert_eq!(s, State { material: None, tables: vec![Vec::new(); 7], audit: Vec::new() });
    read(&*backend, |tx| {
        for table in Table::ALL {
            assert!(tx.keys(table)?.is_empty());
            assert_eq!(tx.row(table, "a")?, None);
            assert!(!tx.contains(table, "a")?);
        }
        assert_eq!(tx.audit_last(u64::MAX, None)?, None);
        assert!(tx.audit_find(&AuditFilter::default())?.is_empty());
        assert!(tx.audit_index_problems()?.is_empty());
        Ok(())
    });
}

fn key_material_round_trips(subject: &Subject<'_>) {
    let backend = open(subject, "key-material");
    write(&*backend, |tx| tx.put_key_material(&material(1)));
    assert_eq!(read(&*backend, |tx| tx.key_material()), Some(material(1)));
    write(&*backend, |tx| tx.put_key_material(&material(2)));
    assert_eq!(read(&*backend, |tx| tx.key_material()), Some(material(2)), "a put replaces");
}

/// Keys in an order that is not their byte order, with bytes that text handling could mangle.
const KEYS: [&str; 6] = ["b", "a", "é", "A", "a b", "Zürich-desk_01"];

fn sealed_for(table: Table, i: usize) -> Vec<u8> {
    match i {
        0 => (0..=255).collect(),
        1 => vec![0; 65_536],
        _ => format!("{}/{i}", table.name()).into_bytes(),
    }
}

fn rows_round_trip_in_every_table(subject: &Subject<'_>) {
    let backend = open(subject, "rows");
    let sender =
        |table: Table, i: usize| if table == Table::Credentials { format!("FP_{i}") } else { String::new() };
    write(&*backend, |tx| {
        for table in Table::ALL {
            for (i, key) in KEYS.iter().enumerate() {
                tx.put(table, &row(key, &sender(table, i), &sealed_for(table, i)))?;
            }
        }
        Ok(())
    });
    let mut sorted: Vec<(usize, &str)> = KEYS.iter().copied().enumerate().collect();
    sorted.sort_by(|a, b| a.1.as_bytes().cmp(b.1.as_bytes()));
    read(&*backend, |tx| {
        for table in Table::ALL {
            let want: Vec<StoredRow> =
                sorted.iter().map(|(i, k)| row(k, &sender(table, *i), &sealed_for(table, *i))).collect();
            assert_eq!(tx.rows(table)?, want, "{}: every row, in byte order of the keys", table.name());
            let keys: Vec<String> = sorted.iter().map(|(_, k)| (*k).to_owned()).collect();
            assert_eq!(tx.keys(table)?, keys);
            for want in &want {
                assert_eq!(tx.row(table, &want.key)?.as_ref(), Some(want));
                assert!(tx.contains(table, &want.key)?);
            }
            assert_eq!(tx.row(table, "á")?, None);
            assert!(!tx.contains(table, "B")?, "keys are compared exactly");
        }
        Ok(())
    });
    // Replace one key and delete another in one table: the other tables keep theirs.
    write(&*backend, |tx| {
        tx.put(Table::Credentials, &row("a", "FP_NEW", b"replaced"))?;
        tx.put(Table::Tiers, &row("a", "", b"replaced"))?;
        tx.delete(Table::Users, "b")?;
        tx.delete(Table::Users, "never there")
    });
    read(&*backend, |tx| {
        assert_eq!(tx.row(Table::Credentials, "a")?, Some(row("a", "FP_NEW", b"replaced")));
        assert_eq!(tx.row(Table::Tiers, "a")?, Some(row("a", "", b"replaced")));
        assert_eq!(tx.rows(Table::Tiers)?.len(), KEYS.len(), "a put of an existing key replaces it");
        assert_eq!(tx.row(Table::Users, "b")?, None);
        assert_eq!(tx.rows(Table::Users)?.len(), KEYS.len() - 1);
        for table in [Table::Facts, Table::Overrides, Table::Bypasses, Table::Settings] {
            assert_eq!(tx.row(table, "b")?, Some(row("b", "", &sealed_for(table, 0))));
        }
        Ok(())
    });
}

fn credentials_keep_sender_comp_ids_unique(subject: &Subject<'_>) {
    let backend = open(subject, "senders");
    write(&*backend, |tx| tx.put(Table::Credentials, &row("u1", "FP_ONE", b"1")));
    let before = state(&*backend);
    let result = backend.write(&mut |tx| {
        tx.put(Table::Tiers, &row("t", "", b"t"))?;
        tx.put(Table::Credentials, &row("u2", "FP_ONE", b"2"))
    });
    assert!(result.is_err(), "a second credential with FP_ONE must fail");
    assert_eq!(state(&*backend), before, "the failed transaction left something");
    // A SenderCompID given up in a transaction can be taken by another key later in it.
    write(&*backend, |tx| {
        tx.put(Table::Credentials, &row("u1", "FP_TWO", b"1"))?;
        tx.put(Table::Credentials, &row("u2", "FP_ONE", b"2"))
    });
    let rows = read(&*backend, |tx| tx.rows(Table::Credentials));
    assert_eq!(rows, vec![row("u1", "FP_TWO", b"1"), row("u2", "FP_ONE", b"2")]);
}

fn a_failed_transaction_leaves_nothing(subject: &Subject<'_>) {
    let backend = open(subject, "rollback");
    write(&*backend, |tx| {
        tx.put_key_material(&material(1))?;
        tx.put(Table::Tiers, &row("keep", "", b"kept"))?;
        tx.put(Table::Settings, &row("manifest", "", b"m1"))?;
        tx.append_audit(&audit(1))?;
        tx.append_audit(&audit(2))
    });
    let before = state(&*backend);
    let refused = Error::InvalidState("refused inside the transaction".into());
    let result = backend.write(&mut |tx| {
        tx.put(Table::Tiers, &row("new", "", b"new"))?;
        tx.delete(Table::Tiers, "keep")?;
        tx.put(Table::Settings, &row("manifest", "", b"m2"))?;
        tx.put_key_material(&material(2))?;
        assert_eq!(tx.cut_audit(1)?, 1);
        tx.append_audit(&audit(3))?;
        // The transaction reads its own writes.
        assert_eq!(tx.row(Table::Tiers, "new")?, Some(row("new", "", b"new")));
        assert!(!tx.contains(Table::Tiers, "keep")?);
        assert_eq!(tx.row(Table::Settings, "manifest")?.map(|r| r.sealed), Some(b"m2".to_vec()));
        assert_eq!(tx.key_material()?, Some(material(2)));
        assert_eq!(tx.audit_last(u64::MAX, None)?.map(|(seq, _)| seq), Some(3));
        assert_eq!(seqs(&scan(tx)?), vec![2, 3]);
        Err(refused.clone())
    });
    assert_eq!(result, Err(refused), "write returns the closure's error unchanged");
    assert_eq!(state(&*backend), before, "a failed transaction left something");
    // A write the backend itself refuses (a sequence number already there) fails the whole
    // transaction too.
    let result = backend.write(&mut |tx| {
        tx.put(Table::Users, &row("u", "", b"u"))?;
        tx.append_audit(&audit(2))
    });
    assert!(result.is_err(), "an audit row with a sequence number already there must fail");
    assert_eq!(state(&*backend), before);
}

fn audit_rows_keep_their_order_and_columns(subject: &Subject<'_>) {
    let backend = open(subject, "audit-order");
    append(&*backend, 1..=5);
    append(&*backend, [6]);
    append(&*backend, 7..=20);
    let all: Vec<AuditRow> = (1..=20).map(audit).collect();
    read(&*backend, |tx| {
        assert_eq!(scan(tx)?, all, "every row, in sequence order, exactly as written");
        assert_eq!(tx.audit_last(u64::MAX, None)?, Some((20, audit(20).mac)));
        assert_eq!(tx.audit_last(7, None)?, Some((7, audit(7).mac)));
        assert_eq!(tx.audit_last(0, None)?, None);
        // Times do not grow with the sequence: the newest row dated before t is found by seq.
        for t in [0, 1_000, 1_001, 1_031, 1_050, 1_100, 1_101, u64::MAX] {
            let want = all.iter().rev().find(|r| r.at_unix_ms < t).map(|r| (r.seq, r.mac.clone()));
            assert_eq!(tx.audit_last(u64::MAX, Some(t))?, want, "newest before {t}");
            let want =
                all.iter().rev().find(|r| r.at_unix_ms < t && r.seq <= 9).map(|r| (r.seq, r.mac.clone()));
            assert_eq!(tx.audit_last(9, Some(t))?, want, "newest through 9 before {t}");
        }
        let stopped = Error::InvalidState("enough".into());
        let mut visited = 0;
        let result = tx.audit_scan(&mut |_| {
            visited += 1;
            if visited == 3 {
                Err(stopped.clone())
            } else {
                Ok(())
            }
        });
        assert_eq!((result, visited), (Err(stopped.clone()), 3), "a scan stops at the visitor's error");
        Ok(())
    });
    let duplicate = backend.write(&mut |tx| tx.append_audit(&audit(20)));
    assert!(duplicate.is_err(), "a sequence number already there must fail");
}

fn audit_find_filters_exactly(subject: &Subject<'_>) {
    let backend = open(subject, "audit-find");
    append(&*backend, 1..=30);
    let all: Vec<AuditRow> = (1..=30).map(audit).collect();
    let filters = [
        AuditFilter::default(),
        AuditFilter { after_seq: 25, ..AuditFilter::default() },
        AuditFilter { limit: 3, ..AuditFilter::default() },
        AuditFilter { limit: 0, ..AuditFilter::default() },
        AuditFilter { from_unix_ms: 1_030, to_unix_ms: 1_070, ..AuditFilter::default() },
        AuditFilter { subject: Some("alice"), ..AuditFilter::default() },
        AuditFilter { subject: Some(""), ..AuditFilter::default() },
        AuditFilter { event_prefix: Some("credential."), ..AuditFilter::default() },
        AuditFilter { event_prefix: Some("credential.r"), ..AuditFilter::default() },
        // The prefix is literal: '_' and '%' are no wildcards.
        AuditFilter { event_prefix: Some("x_"), ..AuditFilter::default() },
        AuditFilter { event_prefix: Some("%"), ..AuditFilter::default() },
        AuditFilter { event_prefix: Some(""), ..AuditFilter::default() },
        AuditFilter {
            after_seq: 4,
            from_unix_ms: 1_010,
            to_unix_ms: 1_090,
            subject: Some("bob"),
            event_prefix: Some("credential"),
            limit: 2,
        },
    ];
    read(&*backend, |tx| {
        for filter in &filters {
            let want: Vec<String> = all
                .iter()
                .filter(|r| {
                    r.seq > filter.after_seq
                        && r.at_unix_ms >= filter.from_unix_ms
                        && r.at_unix_ms < filter.to_unix_ms
                        && filter.subject.is_none_or(|s| r.subject == s)
                        && filter.event_prefix.is_none_or(|p| r.event.as_bytes().starts_with(p.as_bytes()))
                })
                .take(filter.limit)
                .map(|r| r.record.clone())
                .collect();
            assert_eq!(tx.audit_find(filter)?, want, "{filter:?}");
        }
        Ok(())
    });
}

fn retention_cuts_a_prefix(subject: &Subject<'_>) {
    let backend = open(subject, "retention");
    append(&*backend, 1..=10);
    let mut cuts = Vec::new();
    write(&*backend, |tx| {
        cuts.push(tx.cut_audit(0)?);
        cuts.push(tx.cut_audit(4)?);
        cuts.push(tx.cut_audit(4)?);
        Ok(())
    });
    assert_eq!(cuts, vec![0, 4, 0], "rows cut, per call");
    assert_eq!(seqs(&read(&*backend, scan)), (5..=10).collect::<Vec<_>>());
    write(&*backend, |tx| {
        assert_eq!(tx.cut_audit(7)?, 3);
        Ok(())
    });
    read(&*backend, |tx| {
        assert_eq!(seqs(&scan(tx)?), vec![8, 9, 10]);
        assert_eq!(tx.audit_last(u64::MAX, None)?.map(|(seq, _)| seq), Some(10));
        assert_eq!(tx.audit_last(7, None)?, None, "nothing at or before a cut row");
        Ok(())
    });
    // The log goes on from where it was; nothing is renumbered.
    append(&*backend, [11]);
    write(&*backend, |tx| {
        assert_eq!(tx.cut_audit(100)?, 4);
        Ok(())
    });
    assert!(read(&*backend, scan).is_empty());
    append(&*backend, [12]);
    assert_eq!(read(&*backend, scan), vec![audit(12)]);
}

fn a_read_is_one_snapshot(subject: &Subject<'_>) {
    let backend = open(subject, "snapshot");
    write(&*backend, |tx| {
        tx.put(Table::Tiers, &row("t", "", b"v1"))?;
        tx.append_audit(&audit(1))
    });
    let (reading_tx, reading) = mpsc::channel();
    let (written_tx, written) = mpsc::channel();
    let shared: &dyn Backend = &*backend;
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            reading.recv().expect("the reader started");
            write(shared, |tx| {
                tx.put(Table::Tiers, &row("t", "", b"v2"))?;
                tx.put(Table::Tiers, &row("u", "", b"new"))?;
                tx.append_audit(&audit(2))
            });
            // The reader may have given up waiting (a backend that makes writers wait for reads).
            let _ = written_tx.send(());
        });
        read(&*backend, |tx| {
            assert_eq!(tx.row(Table::Tiers, "t")?.map(|r| r.sealed), Some(b"v1".to_vec()));
            reading_tx.send(()).expect("the writer waits");
            // Either the write commits meanwhile, or the backend holds it until this read ends.
            let _ = written.recv_timeout(Duration::from_millis(500));
            assert_eq!(
                tx.row(Table::Tiers, "t")?.map(|r| r.sealed),
                Some(b"v1".to_vec()),
                "a commit showed mid-read"
            );
            assert_eq!(tx.rows(Table::Tiers)?.len(), 1);
            assert_eq!(seqs(&scan(tx)?), vec![1]);
            assert_eq!(tx.audit_last(u64::MAX, None)?.map(|(seq, _)| seq), Some(1));
            Ok(())
        });
        writer.join().expect("the writer");
    });
    let s = state(&*backend);
    assert_eq!(s.tables[0], vec![row("t", "", b"v2"), row("u", "", b"new")], "the next read sees the commit");
    assert_eq!(seqs(&s.audit), vec![1, 2]);
}

fn writes_are_serialized(subject: &Subject<'_>) {
    const THREADS: u64 = 4;
    const EACH: u64 = 25;
    let backend = open(subject, "serialized");
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..EACH {
                    // Read, then write what was read plus one: lost updates show as a lower count
                    // or a sequence number taken twice.
                    write(&*backend, |tx| {
                        let n = tx
                            .row(Table::Settings, "counter")?
                            .map_or(0, |r| u64::from_le_bytes(r.sealed.try_into().expect("8 bytes")));
                        tx.put(Table::Settings, &row("counter", "", &(n + 1).to_le_bytes()))?;
                        let last = tx.audit_last(u64::MAX, None)?.map_or(0, |(seq, _)| seq);
                        tx.append_audit(&audit(last + 1))
                    });
                }
            });
        }
    });
    let s = state(&*backend);
    let counter = s.tables[6].iter().find(|r| r.key == "counter").expect("the counter row");
    assert_eq!(counter.sealed, (THREADS * EACH).to_le_bytes().to_vec());
    assert_eq!(seqs(&s.audit), (1..=THREADS * EACH).collect::<Vec<_>>());
}

fn everything_survives_a_reopen(subject: &Subject<'_>) {
    if !subject.durable {
        return;
    }
    let before = {
        let backend = open(subject, "reopen");
        write(&*backend, |tx| {
            tx.put_key_material(&material(7))?;
            for (i, table) in Table::ALL.into_iter().enumerate() {
                let sender = if table == Table::Credentials { "FP_X" } else { "" };
                tx.put(table, &row("k", sender, &sealed_for(table, i)))?;
            }
            (1..=6).try_for_each(|seq| tx.append_audit(&audit(seq)))
        });
        write(&*backend, |tx| tx.cut_audit(2).map(drop));
        write(&*backend, |tx| tx.delete(Table::Users, "k"));
        state(&*backend)
    };
    let backend = (subject.make)("reopen");
    assert_eq!(backend.peek_key_material().unwrap(), Some(material(7)), "peeked before prepare");
    let prepared = backend.prepare().unwrap();
    assert!(!prepared.may_lack_manifest, "a store this build wrote has the manifest's schema");
    assert_eq!(state(&*backend), before);
    assert_eq!(seqs(&before.audit), vec![3, 4, 5, 6]);
    assert!(before.tables[1].is_empty());
    // And it still writes.
    append(&*backend, [7]);
    assert_eq!(read(&*backend, |tx| tx.audit_last(u64::MAX, None)).map(|(seq, _)| seq), Some(7));
}
