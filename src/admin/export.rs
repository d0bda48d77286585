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

/// The pages of one export still to send: the cursor, or the blocking task reading the next page
/// with it.
pub(crate) struct AuditPages {
    cursor: Option<Cursor>,
    reading: Option<tokio::task::JoinHandle<(Cursor, Option<std::io::Result<Bytes>>)>>,
}

/// Where an export is.
struct Cursor {
    core: Arc<Core>,
    page: AuditQuery,
    left: u64,
    done: bool,
}

impl AuditPages {
    pub(crate) fn new(core: Arc<Core>, query: AuditQuery) -> AuditPages {
        let left = query.limit.map_or(u64::MAX, |l| l as u64);
        AuditPages { cursor: Some(Cursor { core, page: query, left, done: false }), reading: None }
    }
}

impl Cursor {
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
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Self::Error>>> {
        // A page is read off the server's thread, as every handler's work is (a store's client may
        // block on a runtime of its own).
        let this = self.get_mut();
        if this.reading.is_none() {
            let Some(mut cursor) = this.cursor.take() else { return Poll::Ready(None) };
            this.reading = Some(tokio::task::spawn_blocking(move || {
                let page = cursor.next_page();
                (cursor, page)
            }));
        }
        let Some(reading) = this.reading.as_mut() else { return Poll::Ready(None) };
        match std::future::Future::poll(Pin::new(reading), cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(joined) => {
                this.reading = None;
                match joined {
                    Ok((cursor, page)) => {
                        this.cursor = Some(cursor);
                        Poll::Ready(page.map(|page| page.map(Frame::data)))
                    }
                    Err(e) => {
                        Poll::Ready(Some(Err(std::io::Error::other(format!("the export failed: {e}")))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.reading.is_none() && self.cursor.as_ref().is_none_or(|c| c.done || c.left == 0)
    }
}
