//! Engines leave no thread behind when they close. Alone in its binary, so that no other test's
//! engine threads come and go while it counts.

use fixprov::{Config, Engine};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

#[test]
fn closing_engines_leaves_no_thread_behind() {
    // Each engine starts two threads (the coarse clock and the housekeeper).
    let before = threads();
    for _ in 0..20 {
        let engine = Engine::open(Config::default()).unwrap();
        assert_eq!(threads(), before + 2, "the engine's threads started");
        drop(engine);
    }
    let after = threads();
    assert!(after <= before, "threads before {before}, after 20 opens and closes {after}");
}
