//! Country rules at logon: a MaxMind-format database (.mmdb) the host names, read into memory and
//! read again when the file changes, and the allow and deny lists of ISO 3166-1 alpha-2 codes a
//! tier or a user carries.
//!
//! fixprov ships no database and downloads none: a venue points it at the GeoIP2 or GeoLite2
//! Country (or City) file it licenses and keeps up to date; tests generate a small one.

use crate::error::{Error, Result};
use arc_swap::ArcSwapOption;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Which countries a tier or user may log on from. Empty lists: no rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountryRule {
    /// When not empty, only these countries are allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// These countries are refused (checked first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deny: Vec<String>,
}

/// Most codes in one list: every country there is.
const MAX_CODES: usize = 300;

impl CountryRule {
    /// Whether the rule says nothing.
    pub fn is_empty(&self) -> bool {
        self.allow.is_empty() && self.deny.is_empty()
    }

    /// The rule with its codes checked (two ASCII letters), upper-cased, sorted and deduplicated.
    pub fn normalized(mut self) -> Result<CountryRule> {
        for list in [&mut self.allow, &mut self.deny] {
            if list.len() > MAX_CODES {
                return Err(Error::invalid("a country list holds at most 300 codes"));
            }
            for code in list.iter_mut() {
                if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(Error::invalid(format!(
                        "'{}' is not an ISO 3166-1 alpha-2 country code (two letters, \"FR\")",
                        code.escape_debug()
                    )));
                }
                code.make_ascii_uppercase();
            }
            list.sort();
            list.dedup();
        }
        if let Some(both) = self.allow.iter().find(|c| self.deny.contains(c)) {
            return Err(Error::invalid(format!("{both} is both allowed and denied")));
        }
        Ok(self)
    }

    /// Whether `country` may log on under this rule; `None` (not known) follows `unknown_allowed`.
    pub fn permits(&self, country: Option<&str>, unknown_allowed: bool) -> bool {
        match country {
            Some(c) => {
                !self.deny.iter().any(|d| d == c)
                    && (self.allow.is_empty() || self.allow.iter().any(|a| a == c))
            }
            None => unknown_allowed,
        }
    }
}

/// The country database: the file's bytes in memory, swapped whole when the file changes.
pub struct GeoDb {
    path: PathBuf,
    reader: ArcSwapOption<maxminddb::Reader<Vec<u8>>>,
    /// The file's modification time and length when last read.
    seen: Mutex<Option<(SystemTime, u64)>>,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb").field("path", &self.path).finish_non_exhaustive()
    }
}

/// What a reload found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reload {
    /// The file has not changed.
    Unchanged,
    /// The new file was read and is in use.
    Loaded,
    /// The file changed but cannot be read as a database; the previous one stays in use.
    Failed(String),
}

impl GeoDb {
    /// Reads the database at `path`; fails with a clear error when it is missing or not one.
    pub fn open(path: &Path) -> Result<GeoDb> {
        let db = GeoDb { path: path.to_owned(), reader: ArcSwapOption::empty(), seen: Mutex::new(None) };
        match db.reload() {
            Reload::Failed(why) => Err(Error::invalid(why)),
            _ => Ok(db),
        }
    }

    fn stamp(&self) -> std::io::Result<(SystemTime, u64)> {
        let meta = std::fs::metadata(&self.path)?;
        Ok((meta.modified()?, meta.len()))
    }

    /// Reads the file again if its modification time or length changed since the last read.
    pub fn reload(&self) -> Reload {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let stamp = match self.stamp() {
            Ok(stamp) => stamp,
            Err(e) => return Reload::Failed(format!("the GeoIP database {}: {e}", self.path.display())),
        };
        if *seen == Some(stamp) {
            return Reload::Unchanged;
        }
        // Remember the stamp even when the read fails: a bad file is reported once, not at every tick.
        *seen = Some(stamp);
        let loaded = std::fs::read(&self.path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| maxminddb::Reader::from_source(bytes).map_err(|e| e.to_string()));
        match loaded {
            Ok(reader) => {
                self.reader.store(Some(Arc::new(reader)));
                Reload::Loaded
            }
            Err(e) => {
                Reload::Failed(format!("the GeoIP database {} cannot be read: {e}", self.path.display()))
            }
        }
    }

    /// The ISO 3166-1 alpha-2 code of the country `ip` is in (the `country` record, else the
    /// `registered_country`), or `None` when the database does not know the address.
    pub fn country(&self, ip: IpAddr) -> Option<String> {
        let reader = self.reader.load();
        let reader = reader.as_ref()?;
        let record: maxminddb::geoip2::Country<'_> = reader.lookup(ip.to_canonical()).ok().flatten()?;
        let code =
            record.country.and_then(|c| c.iso_code).or(record.registered_country.and_then(|c| c.iso_code))?;
        (code.len() == 2 && code.bytes().all(|b| b.is_ascii_alphabetic())).then(|| code.to_ascii_uppercase())
    }

    /// The file it reads.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    fn rule(allow: &[&str], deny: &[&str]) -> CountryRule {
        CountryRule {
            allow: allow.iter().map(|s| s.to_string()).collect(),
            deny: deny.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn rules_normalize_and_decide() {
        let r = rule(&["fr", "DE", "FR"], &[]).normalized().unwrap();
        assert_eq!(r.allow, ["DE", "FR"]);
        assert!(r.permits(Some("FR"), false));
        assert!(!r.permits(Some("US"), true));
        assert!(!r.permits(None, false));
        assert!(r.permits(None, true));
        let d = rule(&[], &["KP"]).normalized().unwrap();
        assert!(d.permits(Some("FR"), false) && !d.permits(Some("KP"), true));
        for bad in [rule(&["FRA"], &[]), rule(&["F1"], &[]), rule(&[""], &[]), rule(&["FR"], &["fr"])] {
            assert!(bad.normalized().is_err());
        }
    }
}
