//! Session bookkeeping on the cold path: which lines of the table are free, and who owns each
//! open one. The hot path never reads this.
//!
//! Freed lines go to the back of a FIFO and fresh lines are used first, so a line is reused as late as
//! possible: a check that raced with the close of the line's previous session (and so may still be
//! touching its buckets) is long finished before the line serves anyone else.

use crate::cold::users::User;
use crate::error::{Error, Result};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Who owns an open line.
#[derive(Clone, Debug)]
pub struct SessionMeta {
    /// The user.
    pub user: Arc<User>,
    /// Handle generation.
    pub generation: u32,
    /// Wall-clock open time, milliseconds since the Unix epoch.
    pub opened_unix_ms: u64,
    /// Open time on the engine's clock, nanoseconds.
    pub opened_ns: u64,
}

#[derive(Debug, Default)]
struct Inner {
    next_fresh: u32,
    free: VecDeque<u32>,
    open: HashMap<u32, SessionMeta>,
}

/// The allocator of session lines.
///
/// May be used from several threads at once.
#[derive(Debug)]
pub struct Sessions {
    capacity: u32,
    inner: Mutex<Inner>,
}

impl Sessions {
    /// An allocator over `capacity` lines.
    pub fn new(capacity: u32) -> Sessions {
        Sessions { capacity, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a free line.
    pub fn allocate(&self) -> Result<u32> {
        let mut inner = self.lock();
        if inner.next_fresh < self.capacity {
            inner.next_fresh += 1;
            return Ok(inner.next_fresh - 1);
        }
        inner
            .free
            .pop_front()
            .ok_or_else(|| Error::limit(format!("the session table is full ({} sessions)", self.capacity)))
    }

    /// Records the owner of a line that was just opened.
    pub fn register(&self, index: u32, meta: SessionMeta) {
        self.lock().open.insert(index, meta);
    }

    /// Returns a line that was allocated but never opened.
    pub fn unallocate(&self, index: u32) {
        self.lock().free.push_back(index);
    }

    /// Forgets a closed line and frees it; returns its owner.
    pub fn release(&self, index: u32) -> Option<SessionMeta> {
        let mut inner = self.lock();
        let meta = inner.open.remove(&index)?;
        inner.free.push_back(index);
        Some(meta)
    }

    /// The owner of an open line with this generation.
    pub fn meta(&self, index: u32, generation: u32) -> Option<SessionMeta> {
        self.lock().open.get(&index).filter(|m| m.generation == generation).cloned()
    }

    /// Lines ever handed out: every open line's index is below this.
    pub fn high_water(&self) -> u32 {
        self.lock().next_fresh
    }

    /// Every open line and its owner, by index.
    pub fn all(&self) -> Vec<(u32, SessionMeta)> {
        let mut all: Vec<_> = self.lock().open.iter().map(|(i, m)| (*i, m.clone())).collect();
        all.sort_unstable_by_key(|(i, _)| *i);
        all
    }

    /// Open sessions.
    pub fn len(&self) -> usize {
        self.lock().open.len()
    }

    /// Whether no session is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
