//! Engines and their admin servers leave no thread behind when they close. Alone in its binary, so that no other test's
//! engine threads come and go while it counts.

use fixprov::{Config, Engine};

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0)
}

/// The thread count once it reaches `expected`, or after 2 s. A joined thread can stay listed in
/// /proc for a moment: pthread_join returns when the kernel clears its id, before the task is gone.
fn settled(expected: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let now = threads();
        if now <= expected || std::time::Instant::now() > deadline {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn closing_engines_leaves_no_thread_behind() {
    // Each engine starts two threads (the coarse clock and the housekeeper).
    let before = threads();
    for _ in 0..20 {
        let engine = Engine::open(Config::default()).unwrap();
        assert_eq!(threads(), before + 2, "the engine's threads started");
        drop(engine);
        assert_eq!(settled(before), before, "the engine's threads stopped");
    }
    let after = settled(before);
    assert!(after <= before, "threads before {before}, after 20 opens and closes {after}");

    // The admin server, started and stopped three times from C, the last time by closing the engine.
    use fixprov::ffi::*;
    let tokens = r#"[{"name": "t", "role": "admin", "token": "0123456789abcdef0123456789abcdef"}]"#;
    let mut engine = std::ptr::null_mut();
    // SAFETY: NULL options; `engine` writable.
    assert_eq!(unsafe { fixprov_engine_open(std::ptr::null(), &mut engine) }, fixprov_status::FIXPROV_OK);
    for round in 0..3 {
        let (bind, mut port) = ("127.0.0.1:0", 0u16);
        // SAFETY: live engine; strings outlive the call; port writable.
        let rc = unsafe {
            fixprov_admin_start(
                engine,
                bind.as_ptr(),
                bind.len(),
                tokens.as_ptr(),
                tokens.len(),
                0,
                &mut port,
            )
        };
        assert_eq!(rc, fixprov_status::FIXPROV_OK);
        assert_ne!(port, 0);
        assert_eq!(threads(), before + 3, "clock, housekeeper and admin server");
        if round < 2 {
            // SAFETY: live engine.
            assert_eq!(unsafe { fixprov_admin_stop(engine) }, fixprov_status::FIXPROV_OK);
            assert_eq!(settled(before + 2), before + 2);
        }
    }
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
    assert!(settled(before) <= before, "closing the engine stopped the admin server too");
}
