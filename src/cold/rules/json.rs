//! A strict JSON tree for rule documents (duplicate keys refused, numbers classified without floats)
//! and the JSON paths that errors name.

use super::money::snippet;
use super::RuleError;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// A parsed JSON value. Numbers keep only what validation needs: no float is ever stored.
pub(super) enum J {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer outside `i64`.
    BigInt,
    /// A number with a fraction or an exponent.
    Float,
    Str(String),
    Arr(Vec<J>),
    Obj(BTreeMap<String, J>),
}

impl J {
    /// What the value is, for "found ..." messages.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            J::Null => "null",
            J::Bool(_) => "a boolean",
            J::Int(_) | J::BigInt => "an integer",
            J::Float => "a fractional number",
            J::Str(_) => "a string",
            J::Arr(_) => "an array",
            J::Obj(_) => "an object",
        }
    }

    /// Whether the value is a JSON number.
    pub(super) fn is_number(&self) -> bool {
        matches!(self, J::Int(_) | J::BigInt | J::Float)
    }
}

impl<'de> Deserialize<'de> for J {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<J, D::Error> {
        deserializer.deserialize_any(JVisitor)
    }
}

struct JVisitor;

impl<'de> Visitor<'de> for JVisitor {
    type Value = J;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<J, E> {
        Ok(J::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<J, E> {
        Ok(J::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<J, E> {
        Ok(J::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<J, E> {
        Ok(i64::try_from(v).map_or(J::BigInt, J::Int))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<J, E> {
        Ok(J::Float)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<J, E> {
        Ok(J::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<J, E> {
        Ok(J::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<J, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(J::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<J, A::Error> {
        let mut fields = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value()?;
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {:?}", snippet(&key))));
            }
            fields.insert(key, value);
        }
        Ok(J::Obj(fields))
    }
}

/// Parses a whole document (at most [`MAX_DOCUMENT_BYTES`](super::MAX_DOCUMENT_BYTES)).
pub(super) fn parse_document(json: &str) -> Result<J, RuleError> {
    if json.len() > super::MAX_DOCUMENT_BYTES {
        return Err(RuleError::TooLarge { size: json.len(), max: super::MAX_DOCUMENT_BYTES });
    }
    serde_json::from_str(json).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let full = e.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        RuleError::Json { line, column, message }
    })
}

/// A JSON path, built on the stack as the walk descends and rendered only for errors: `$`,
/// `$.when.any_of[1].value`, `$["odd key"]`.
#[derive(Clone, Copy)]
pub(super) enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub(super) fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }
    pub(super) fn index(&'a self, index: usize) -> Path<'a> {
        Path::Index(self, index)
    }
    /// An error at this path.
    pub(super) fn error(&self, problem: impl Into<String>) -> RuleError {
        RuleError::Invalid { path: self.to_string(), problem: problem.into() }
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Key(parent, key) => {
                let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if plain {
                    write!(f, "{parent}.{key}")
                } else {
                    write!(f, "{parent}[{:?}]", snippet(key))
                }
            }
            Path::Index(parent, index) => write!(f, "{parent}[{index}]"),
        }
    }
}

/// The object at `path`, or an error naming what was found instead.
pub(super) fn object<'j>(
    j: &'j J,
    path: &Path<'_>,
    what: &str,
) -> Result<&'j BTreeMap<String, J>, RuleError> {
    match j {
        J::Obj(fields) => Ok(fields),
        other => Err(path.error(format!("expected {what} (a JSON object), found {}", other.kind()))),
    }
}

/// Refuses any key of `fields` not in `allowed`.
pub(super) fn only_fields(
    fields: &BTreeMap<String, J>,
    path: &Path<'_>,
    allowed: &[&str],
) -> Result<(), RuleError> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(path.key(key).error(format!(
            "unknown field {:?}; expected one of: {}",
            snippet(key),
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

/// The value of a required field.
pub(super) fn required<'j>(
    fields: &'j BTreeMap<String, J>,
    path: &Path<'_>,
    key: &str,
) -> Result<&'j J, RuleError> {
    fields.get(key).ok_or_else(|| path.error(format!("missing field {key:?}")))
}

/// The string at `path`.
pub(super) fn string<'j>(j: &'j J, path: &Path<'_>) -> Result<&'j str, RuleError> {
    match j {
        J::Str(s) => Ok(s),
        other => Err(path.error(format!("expected a string, found {}", other.kind()))),
    }
}

/// The array at `path`.
pub(super) fn array<'j>(j: &'j J, path: &Path<'_>) -> Result<&'j [J], RuleError> {
    match j {
        J::Arr(items) => Ok(items),
        other => Err(path.error(format!("expected an array, found {}", other.kind()))),
    }
}

/// The integer at `path`.
pub(super) fn integer(j: &J, path: &Path<'_>) -> Result<i64, RuleError> {
    match j {
        J::Int(n) => Ok(*n),
        J::BigInt => Err(path.error("integer out of range (it must fit a signed 64-bit integer)")),
        other => Err(path.error(format!("expected an integer, found {}", other.kind()))),
    }
}

/// The integer at `path`, which must lie in `0..=u32::MAX`.
pub(super) fn integer_u32(j: &J, path: &Path<'_>) -> Result<u32, RuleError> {
    let n = integer(j, path)?;
    u32::try_from(n).map_err(|_| path.error(format!("{n} is out of range: use 0 to {}", u32::MAX)))
}
