//! What the engine hands the store and gets back: the tables, one write of a transaction, a record
//! read back, and how a store is keyed.

/// A table of sealed records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// Tier definitions, keyed by name.
    Tiers,
    /// User profiles (tier, IP allow-list), keyed by user id.
    Users,
    /// Credentials, keyed by user id.
    Credentials,
    /// Account facts, keyed by user id.
    Facts,
    /// A user's rule overrides, keyed by user id.
    Overrides,
    /// Eligibility bypasses, keyed by user id.
    Bypasses,
    /// Engine-wide settings (the rule set, the tier rules) and the store's own sealed rows (the
    /// manifest, the audit chain's head and base), keyed by name.
    Settings,
}

impl Table {
    /// Every table, in the manifest's order.
    pub const ALL: [Table; 7] = [
        Table::Tiers,
        Table::Users,
        Table::Credentials,
        Table::Facts,
        Table::Overrides,
        Table::Bypasses,
        Table::Settings,
    ];

    /// The table's name, as errors, associated data and the SQLite schema spell it.
    pub fn name(self) -> &'static str {
        match self {
            Table::Tiers => "tiers",
            Table::Users => "users",
            Table::Credentials => "credentials",
            Table::Facts => "facts",
            Table::Overrides => "overrides",
            Table::Bypasses => "bypasses",
            Table::Settings => "settings",
        }
    }

    /// The associated data that binds a sealed record to where it is stored.
    pub fn aad(self, key: &str, extra: &str) -> Vec<u8> {
        format!("fixprov/v1/{}/{}/{}", self.name(), key, extra).into_bytes()
    }
}

/// One write of a transaction. Its Debug output leaves the plaintext out.
pub enum Write<'a> {
    /// Insert or replace a tier or user record.
    Put {
        /// Which table.
        table: Table,
        /// The record's key.
        key: &'a str,
        /// The plaintext to seal.
        value: &'a [u8],
    },
    /// Delete a record (no error when absent).
    Delete {
        /// Which table.
        table: Table,
        /// The record's key.
        key: &'a str,
    },
    /// Insert or replace a credential, whose SenderCompID must stay unique.
    PutCredential {
        /// The user it belongs to.
        user_id: &'a str,
        /// Its SenderCompID.
        sender_comp_id: &'a str,
        /// The plaintext to seal.
        value: &'a [u8],
    },
}

impl std::fmt::Debug for Write<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Write::Put { table, key, value } => f
                .debug_struct("Put")
                .field("table", table)
                .field("key", key)
                .field("len", &value.len())
                .finish(),
            Write::Delete { table, key } => {
                f.debug_struct("Delete").field("table", table).field("key", key).finish()
            }
            Write::PutCredential { user_id, sender_comp_id, value } => f
                .debug_struct("PutCredential")
                .field("user_id", user_id)
                .field("sender_comp_id", sender_comp_id)
                .field("len", &value.len())
                .finish(),
        }
    }
}

/// A record read back at open. Its Debug output leaves the plaintext out.
pub struct Row {
    /// Its key.
    pub key: String,
    /// For credentials, the SenderCompID; empty otherwise.
    pub sender_comp_id: String,
    /// The opened plaintext.
    pub value: zeroize::Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Row")
            .field("key", &self.key)
            .field("sender_comp_id", &self.sender_comp_id)
            .finish_non_exhaustive()
    }
}

/// How to open or create a store.
#[derive(Clone, Copy, Debug)]
pub struct KdfSettings {
    /// PBKDF2 iterations for a new store or a master password change.
    pub iterations: u32,
}
