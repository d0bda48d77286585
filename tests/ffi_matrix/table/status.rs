//! The matrix entries for status names, the last error and the version (src/ffi/status.rs).

use crate::*;

pub(crate) fn entries() -> Vec<Entry> {
    vec![
        Entry::new(
            "fixprov_status_str",
            |_| vec![Arg::U32(0)],
            |a| Ret::Text(fixprov_status_str(a[0].u32())),
            Expect::Text(Some("ok")),
        )
        .set("status", 106, Expect::Text(Some("panic caught")))
        .set("status", 4, Expect::Text(Some("unknown status")))
        .set("status", 9_999, Expect::Text(Some("unknown status")))
        .set("status", u64::from(u32::MAX), Expect::Text(Some("unknown status"))),
        Entry::new("fixprov_last_error", |_| vec![], |_| Ret::Text(fixprov_last_error()), Expect::Text(None)),
        Entry::new(
            "fixprov_version",
            |_| vec![],
            |_| Ret::Text(fixprov_version()),
            Expect::Text(Some(env!("CARGO_PKG_VERSION"))),
        ),
    ]
}
