//! The audit export as a streaming HTTP body: JSON lines, one page of records at a time.
//!
//! Each frame is one page of [`crate::cold::audit::MAX_PAGE`] records at most, read with the
//! store's paged query (`after_seq` set to the last record sent), so the server holds one page in
//! memory whatever the size of the log, and a client that stops reading stops the reading of the
//! store too (hyper polls for the next frame only once the last one is written). Records come in
//! sequence order; a filter's `limit`, if given, caps the total.
//!
//! A store error half-way ends the body with an error: hyper closes the connection, so the client
//! sees a response cut short (no final chunk), never a complete-looking partial export.

use crate::cold::audit::{AuditQuery, MAX_PAGE};
use crate::engine::Core;
use axum::body::Bytes;
use http_body::Frame;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The export's content type.
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// The pages of one export still to send.
pub(crate) struct AuditPages {
    core: Arc<Core>,
    page: AuditQuery,
    left: u64,
    done: bool,
}

impl AuditPages {
    pub(crate) fn new(core: Arc<Core>, query: AuditQuery) -> AuditPages {
        let left = query.limit.map_or(u64::MAX, |l| l as u64);
        AuditPages { core, page: query, left, done: false }
    }

    /// The next page as JSON lines, or `None` at the end.
    fn next_page(&mut self) -> Option<std::io::Result<Bytes>> {
        if self.done || self.left == 0 {
            return None;
        }
        self.page.limit = Some(usize::try_from(self.left).unwrap_or(usize::MAX).min(MAX_PAGE));
        let records = match self.core.audit().query(&self.page) {
            Ok(records) => records,
            Err(e) => {
                self.done = true;
                return Some(Err(std::io::Error::other(e.to_string())));
            }
        };
        let Some(last) = records.last() else {
            self.done = true;
            return None;
        };
        self.page.after_seq = Some(last.seq);
        self.left = self.left.saturating_sub(records.len() as u64);
        let mut out = Vec::with_capacity(records.len() * 256);
        for record in &records {
            if let Err(e) = serde_json::to_writer(&mut out, record) {
                self.done = true;
                return Some(Err(std::io::Error::other(e)));
            }
            out.push(b'\n');
        }
        Some(Ok(Bytes::from(out)))
    }
}

impl http_body::Body for AuditPages {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        // A page is a short read of the store on the server's own thread, as every handler is.
        Poll::Ready(self.get_mut().next_page().map(|page| page.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.left == 0
    }
}
