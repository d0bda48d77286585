//! The sealed manifest: what must exist (see the store's module doc, "What must exist").

use super::backend::{ReadTx, WriteTx};
use super::{read_sealed, write_sealed, Table, AUDIT_HEAD, MANIFEST};
use crate::cold::crypto::Keyring;
use crate::error::{Error, Result};

/// How many rows a table holds and the XOR of a keyed MAC of each row's key: what must exist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct TableDigest {
    rows: u64,
    keys: [u8; 32],
}

impl TableDigest {
    fn toggle(&mut self, keyring: &Keyring, table: Table, key: &str, added: bool) {
        let mac =
            keyring.audit_mac(&[b"fixprov/v1/manifest/", table.name().as_bytes(), b"/", key.as_bytes()]);
        for (d, m) in self.keys.iter_mut().zip(mac) {
            *d ^= m;
        }
        self.rows = if added { self.rows + 1 } else { self.rows.saturating_sub(1) };
    }
}

/// The sealed manifest: one digest per table of [`Table::ALL`] (the manifest row itself left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Manifest {
    tables: [TableDigest; 7],
}

/// The error for a store without its manifest.
pub(super) fn missing() -> Error {
    Error::Corrupt("the store's sealed manifest is missing (rows deleted?)".into())
}

impl Manifest {
    /// Counts `key` of `table` in (`added`) or out.
    pub(super) fn toggle(&mut self, keyring: &Keyring, table: Table, key: &str, added: bool) {
        let index = Table::ALL.iter().position(|t| *t == table).expect("every table is listed");
        self.tables[index].toggle(keyring, table, key, added);
    }

    pub(super) fn read(tx: &mut dyn ReadTx, keyring: &Keyring) -> Result<Option<Manifest>> {
        read_sealed(tx, keyring, MANIFEST, "the store's manifest")
    }

    pub(super) fn write(&self, tx: &mut dyn WriteTx, keyring: &Keyring) -> Result<()> {
        write_sealed(tx, keyring, MANIFEST, self)
    }

    /// The manifest of the rows `tx` holds now.
    pub(super) fn of_rows(tx: &mut dyn ReadTx, keyring: &Keyring) -> Result<Manifest> {
        let mut manifest = Manifest::default();
        for table in Table::ALL {
            for key in tx.keys(table)? {
                if !(table == Table::Settings && key == MANIFEST) {
                    manifest.toggle(keyring, table, &key, true);
                }
            }
        }
        Ok(manifest)
    }

    /// Checks that the rows of `tx` are exactly those the sealed manifest names; says which table
    /// differs otherwise. The chain head must be among them.
    pub(super) fn check(tx: &mut dyn ReadTx, keyring: &Keyring) -> Result<()> {
        let Some(sealed) = Manifest::read(tx, keyring)? else {
            return Err(missing());
        };
        let present = Manifest::of_rows(tx, keyring)?;
        for ((table, want), have) in Table::ALL.iter().zip(&sealed.tables).zip(&present.tables) {
            if want != have {
                return Err(Error::Corrupt(
                    format!(
                        "the {} table holds {} rows where the sealed manifest names {} (rows deleted, added or renamed)",
                        table.name(),
                        have.rows,
                        want.rows
                    )
                    .into(),
                ));
            }
        }
        if !tx.contains(Table::Settings, AUDIT_HEAD)? {
            return Err(Error::Corrupt("the audit chain's sealed head is missing".into()));
        }
        Ok(())
    }
}
