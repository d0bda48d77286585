//! Where a check gets `now` when the caller gives no timestamp.
//!
//! * [`Clock::coarse`] (the default): a ticker thread owned by the engine stores the time every
//!   `tick` into one atomic; a check reads it with one relaxed load. Decisions are exact against that
//!   clock, which lags real time by less than one tick.
//! * [`Clock::precise`]: reads the TSC through `quanta` on every check (its cost is in BENCHMARKS.md).
//! * [`Clock::manual`]: a clock that tests set and advance, so every decision in a test is exact.
//!
//! All three count nanoseconds since the engine opened. The ticker is not part of a lock-free protocol
//! (one writer, readers that want any recent value), so it uses `std` atomics directly.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// A manual clock for tests: starts at the given time and moves only when told.
///
/// May be used from several threads at once.
#[derive(Debug, Default)]
pub struct ManualClock {
    ns: AtomicU64,
}

impl ManualClock {
    /// A clock reading `ns`.
    pub fn new(ns: u64) -> Arc<ManualClock> {
        Arc::new(ManualClock { ns: AtomicU64::new(ns) })
    }

    /// Sets the time (backwards too).
    pub fn set(&self, ns: u64) {
        self.ns.store(ns, Ordering::Relaxed);
    }

    /// Moves the time forward by `ns`.
    pub fn advance(&self, ns: u64) {
        self.ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The current reading.
    pub fn now(&self) -> u64 {
        self.ns.load(Ordering::Relaxed)
    }
}

/// What a check without a timestamp reads.
///
/// The coarse and manual clocks are the same thing to a check, one atomic load: the coarse clock is
/// a [`ManualClock`] that a ticker thread sets. Only the precise clock makes a call.
pub struct Clock {
    time: Arc<ManualClock>,
    precise: Option<PreciseClock>,
    _ticker: Option<Ticker>,
}

impl Clock {
    /// A coarse clock refreshed every `tick` by a thread that stops when the clock is dropped.
    pub fn coarse(tick: Duration) -> std::io::Result<Clock> {
        let time = ManualClock::new(0);
        let ticker = Ticker::start(tick, time.clone())?;
        Ok(Clock { time, precise: None, _ticker: Some(ticker) })
    }

    /// A clock that reads the TSC on every call.
    pub fn precise() -> Clock {
        Clock { time: ManualClock::new(0), precise: Some(PreciseClock::new()), _ticker: None }
    }

    /// A clock that moves only when `manual` is told to.
    pub fn manual(manual: Arc<ManualClock>) -> Clock {
        Clock { time: manual, precise: None, _ticker: None }
    }

    /// The coarse or manual clock's reading with one load, or `None` for a precise clock (which
    /// makes a call: the check takes it on a separate path, so the common one calls nothing).
    #[inline(always)]
    pub fn loaded(&self) -> Option<u64> {
        match &self.precise {
            None => Some(self.time.now()),
            Some(_) => None,
        }
    }

    /// Nanoseconds since the engine opened (or the manual clock's reading).
    #[inline(always)]
    pub fn now(&self) -> u64 {
        match &self.precise {
            None => self.time.now(),
            Some(precise) => precise.now(),
        }
    }

    /// A reader of this clock for the cold path (it shares the time; it keeps no ticker alive).
    pub fn reader(&self) -> ClockReader {
        ClockReader { time: self.time.clone(), precise: self.precise.clone() }
    }
}

/// The engine's clock as the cold path reads it: the same time as [`Clock::now`].
#[derive(Clone)]
pub struct ClockReader {
    time: Arc<ManualClock>,
    precise: Option<PreciseClock>,
}

impl ClockReader {
    /// Nanoseconds since the engine opened (or the manual clock's reading).
    pub fn now(&self) -> u64 {
        match &self.precise {
            None => self.time.now(),
            Some(precise) => precise.now(),
        }
    }
}

/// A precise clock over `quanta`.
#[derive(Clone)]
pub struct PreciseClock {
    clock: quanta::Clock,
    start: u64,
}

impl PreciseClock {
    /// A clock reading 0 now.
    pub fn new() -> PreciseClock {
        let clock = quanta::Clock::new();
        let start = clock.raw();
        PreciseClock { clock, start }
    }

    /// Nanoseconds since [`PreciseClock::new`].
    #[inline]
    pub fn now(&self) -> u64 {
        self.clock.delta_as_nanos(self.start, self.clock.raw())
    }
}

impl Default for PreciseClock {
    fn default() -> Self {
        Self::new()
    }
}

/// The coarse clock's thread; stopped and joined on drop, so no thread outlives its engine.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Ticker {
    /// Starts a thread that sets `time` to the precise time every `tick`.
    fn start(tick: Duration, time: Arc<ManualClock>) -> std::io::Result<Ticker> {
        let precise = PreciseClock::new();
        time.set(precise.now());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new().name("fixprov-clock".into()).spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    time.set(precise.now());
                    std::thread::park_timeout(tick);
                }
            })?
        };
        Ok(Ticker { stop, thread: Some(thread) })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(all(test, not(fixprov_loom)))]
mod tests {
    use super::*;

    #[test]
    fn coarse_clock_advances_and_stops() {
        let clock = Clock::coarse(Duration::from_micros(100)).unwrap();
        let a = clock.now();
        std::thread::sleep(Duration::from_millis(5));
        let b = clock.now();
        assert!(b > a, "{a} then {b}");
        drop(clock);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let manual = ManualClock::new(10);
        let clock = Clock::manual(manual.clone());
        assert_eq!(clock.now(), 10);
        manual.advance(5);
        assert_eq!(clock.now(), 15);
        manual.set(3);
        assert_eq!(clock.now(), 3);
    }

    #[test]
    fn precise_clock_is_monotonic() {
        let clock = PreciseClock::new();
        let a = clock.now();
        let b = clock.now();
        assert!(b >= a);
    }
}
