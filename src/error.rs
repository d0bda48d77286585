//! The crate's error type; each variant maps to one C status code (see `ffi::status`).

use std::borrow::Cow;

/// What went wrong in a cold-path call. Messages never contain secrets.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// An argument is out of range or malformed; the text says which and why.
    #[error("invalid argument: {0}")]
    InvalidArgument(Cow<'static, str>),
    /// The named user, tier or session does not exist.
    #[error("not found: {0}")]
    NotFound(Cow<'static, str>),
    /// A limit was reached (sessions of a user, the session table, the tier table).
    #[error("limit reached: {0}")]
    LimitReached(Cow<'static, str>),
    /// The session handle is closed or was never issued.
    #[error("stale session handle")]
    StaleHandle,
    /// A failure inside the library (a thread that could not start, ...).
    #[error("internal error: {0}")]
    Internal(Cow<'static, str>),
    /// The user, CompID or tier already exists.
    #[error("already exists: {0}")]
    AlreadyExists(Cow<'static, str>),
    /// The operation does not apply in the object's current state (reactivating a revoked user, ...).
    #[error("not allowed in the current state: {0}")]
    InvalidState(Cow<'static, str>),
    /// The master password does not unlock the store.
    #[error("wrong master password")]
    WrongMasterPassword,
    /// A record or the database failed an integrity check; the text names what.
    #[error("store corrupted or tampered with: {0}")]
    Corrupt(Cow<'static, str>),
    /// The user does not qualify for FIX access; one line per failing rule (rule: actual (needs ...)).
    #[error("not eligible: {}", .0.join("; "))]
    NotEligible(Vec<String>),
    /// The store could not be read or written (I/O, disk full, locked); nothing was acknowledged.
    #[error("storage error: {0}")]
    Storage(Cow<'static, str>),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn invalid(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::InvalidArgument(msg.into())
    }

    pub(crate) fn not_found(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::NotFound(msg.into())
    }

    pub(crate) fn limit(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::LimitReached(msg.into())
    }

    pub(crate) fn exists(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::AlreadyExists(msg.into())
    }

    pub(crate) fn state(msg: impl Into<Cow<'static, str>>) -> Error {
        Error::InvalidState(msg.into())
    }
}
