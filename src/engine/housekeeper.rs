//! The engine's housekeeping thread: kills the live sessions of credentials that expired, so the host
//! hears of it through the event callback (and the session's next check answers KILLED) without
//! waiting for a logon; and writes the queued logon, session and aggregated violation records to
//! the audit log, so neither logon nor the check ever waits on the store. Stopped and joined when
//! the engine closes (after a last flush): no thread outlives its engine.

use crate::engine::core::{unix_ms, Core};
use crate::error::{Error, Result};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub(crate) struct Housekeeper {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Housekeeper {
    pub(crate) fn start(core: Arc<Core>, every: Duration) -> Result<Housekeeper> {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("fixprov-housekeeper".into())
                .spawn(move || {
                    let (lock, wake) = &*stop;
                    let mut stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                    while !*stopped {
                        drop(stopped);
                        core.expire_due(unix_ms());
                        // The GeoIP database, read again when its file changed.
                        core.geo_tick();
                        // A store that cannot be written keeps the events queued for the next tick.
                        let _ = core.audit_tick();
                        // Carried bucket debts, when they changed (at most once a second).
                        let _ = core.debts_flush(false);
                        stopped = lock.lock().unwrap_or_else(|p| p.into_inner());
                        if *stopped {
                            break;
                        }
                        stopped = wake.wait_timeout(stopped, every).unwrap_or_else(|p| p.into_inner()).0;
                    }
                    drop(stopped);
                    // Closing: the debts carried now, then what is still queued, once more.
                    let _ = core.debts_flush(true);
                    let _ = core.audit_flush();
                })
                .map_err(|e| Error::Internal(format!("cannot start the housekeeping thread: {e}").into()))?
        };
        Ok(Housekeeper { stop, thread: Some(thread) })
    }
}

impl Drop for Housekeeper {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        *lock.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
