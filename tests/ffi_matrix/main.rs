//! The entry-point matrix: every function of include/fixprov.h, called as C would call it with
//! NULL for each pointer, invalid UTF-8, embedded NUL, empty, (NULL, 0) and 1 MiB strings,
//! out-of-range enums and flags, closed, never-issued and foreign session handles, and an injected
//! panic. Every call must answer a status its doc comment lists (the expected one), leave its
//! out-parameters untouched when it fails, return promptly, and leave the engine working.
//!
//! The functions and their parameters are read from the header at test time:
//! `the_table_covers_the_header` fails for a function without an entry in [`table`], for an entry
//! the header lacks, for arguments that do not match the declared parameters, for a string without
//! its string cases, for an integer without a case, and for an expected status the function's
//! "Returns:" paragraph does not list. The NULL cases are generated for every pointer parameter the
//! header declares, the string cases for every `(const uint8_t *x, size_t x_len)` pair and the
//! stale-handle cases for every `uint64_t session`; the table says only what each must answer.

use fixprov::ffi::*;
use fixprov_status::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::ffi::{c_char, c_void, CStr};
use std::path::{Path, PathBuf};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a call may take and still count as prompt: 3 s, or `FIXPROV_PROMPT_SECS`. The slowest
/// calls derive a key with PBKDF2 at 600,000 iterations (a master password change does it twice);
/// under ThreadSanitizer, which instruments every memory access of the hash, they take 3 to 4 s on
/// the 2-core machine class, so `scripts/sanitize.sh --tsan` raises the bound. Everywhere else
/// (the plain run, AddressSanitizer) it stays 3 s.
fn prompt() -> Duration {
    let secs = std::env::var("FIXPROV_PROMPT_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    Duration::from_secs(secs)
}

// ----- the header -----

/// What a parameter (or a string's pointer and length together) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Engine,
    Options,
    /// `const uint8_t *x, size_t x_len`: one slot.
    Str,
    /// `const uint32_t *x, size_t x_len` (message classes): one slot.
    U32s,
    Out,
    Spec,
    Callback,
    Context,
    /// A string the library handed out, given back (`fixprov_string_free`).
    Owned,
    U16,
    U32,
    U64,
}

impl Kind {
    fn is_pointer(self) -> bool {
        !matches!(self, Kind::U16 | Kind::U32 | Kind::U64)
    }
}

#[derive(Debug)]
struct Slot {
    name: String,
    kind: Kind,
}

/// One declared function.
#[derive(Debug)]
struct Decl {
    name: String,
    ret: String,
    slots: Vec<Slot>,
    /// The statuses its "Returns:" paragraph names.
    documented: BTreeSet<String>,
    /// "a FIXPROV_LOGON_* refusal".
    any_logon_refusal: bool,
}

impl Decl {
    fn returns_status(&self) -> bool {
        self.ret == "fixprov_status"
    }

    fn slot(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.name == name)
    }
}

fn header_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("include/fixprov.h"))
        .expect("include/fixprov.h")
}

/// The statuses named in a "Returns:" paragraph, whether it allows any logon refusal, and the
/// function it defers to ("as fixprov_check()").
fn statuses(text: &str) -> (BTreeSet<String>, bool, Option<String>) {
    let mut found = BTreeSet::new();
    let mut wildcard = false;
    for (at, _) in text.match_indices("FIXPROV_") {
        let rest = &text[at..];
        let end = rest.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
        let token = &rest[..end.unwrap_or(rest.len())];
        if rest[token.len()..].starts_with('*') {
            wildcard |= token == "FIXPROV_LOGON_";
        } else {
            found.insert(token.to_owned());
        }
    }
    let defers = text.find("as fixprov_").map(|at| {
        let rest = &text[at + 3..];
        rest[..rest.find('(').unwrap_or(rest.len())].to_owned()
    });
    (found, wildcard, defers)
}

fn parse_header(text: &str) -> Vec<Decl> {
    let fn_types: BTreeSet<String> = text
        .lines()
        .filter(|l| l.starts_with("typedef") && l.contains("(*"))
        .map(|l| l.split("(*").nth(1).unwrap().split(')').next().unwrap().to_owned())
        .collect();
    let mut decls: Vec<Decl> = Vec::new();
    let mut deferred = Vec::new();
    let mut doc = String::new();
    let mut in_doc = false;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t.starts_with("/**") {
            in_doc = true;
            doc.clear();
        }
        if in_doc {
            doc.push_str(t.trim_start_matches('/').trim_start_matches('*').trim_end_matches("*/").trim());
            doc.push('\n');
            in_doc = !t.ends_with("*/");
            continue;
        }
        let Some(open) = t.find('(') else { continue };
        if ["typedef", "#", "//", "/*", "*"].iter().any(|p| t.starts_with(p)) {
            continue;
        }
        let before = &t[..open];
        let name_at = before.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let name = &before[name_at..];
        if !name.starts_with("fixprov_") || name_at == 0 {
            continue;
        }
        let ret = before[..name_at].trim().to_owned();
        let mut declaration = t.to_owned();
        while !declaration.ends_with(");") {
            declaration.push(' ');
            declaration.push_str(lines.next().expect("a declaration ends with ');'").trim());
        }
        let inner = &declaration[open + 1..declaration.len() - 2];
        assert!(!inner.contains('('), "{name}: a parameter declared inline as a function pointer");
        let params: Vec<(String, String)> = inner
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty() && *p != "void")
            .map(|p| {
                let at = p.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
                (p[..at].trim().to_owned(), p[at..].to_owned())
            })
            .collect();
        let mut slots = Vec::new();
        let mut i = 0;
        while i < params.len() {
            let (ty, pname) = (&params[i].0, params[i].1.clone());
            let kind = match ty.as_str() {
                "const uint8_t *" => {
                    let len = params.get(i + 1);
                    assert!(
                        len.is_some_and(|(t, n)| t == "size_t" && *n == format!("{pname}_len")),
                        "{name}: `{pname}` is not followed by `size_t {pname}_len`"
                    );
                    i += 1;
                    Kind::Str
                }
                "const uint32_t *" => {
                    let len = params.get(i + 1);
                    assert!(
                        len.is_some_and(|(t, n)| t == "size_t" && *n == format!("{pname}_len")),
                        "{name}: `{pname}` is not followed by `size_t {pname}_len`"
                    );
                    i += 1;
                    Kind::U32s
                }
                "uint16_t" => Kind::U16,
                "uint32_t" => Kind::U32,
                "uint64_t" => Kind::U64,
                t if fn_types.contains(t) => Kind::Callback,
                "const struct fixprov_engine *" | "struct fixprov_engine *" if pname == "engine" => {
                    Kind::Engine
                }
                t if t.ends_with("fixprov_options *") => Kind::Options,
                _ if pname.starts_with("out_") && ty.ends_with('*') => Kind::Out,
                "const struct fixprov_tier_spec *" => Kind::Spec,
                "void *" => Kind::Context,
                "char *" => Kind::Owned,
                other => panic!("{name}: parameter `{other} {pname}` is of a kind the matrix does not know"),
            };
            slots.push(Slot { name: pname, kind });
            i += 1;
        }
        let returns = doc.find("Returns:").map_or("", |at| {
            let r = &doc[at..];
            let end = ["Ownership:", "Thread safety:", "# Safety"]
                .iter()
                .filter_map(|stop| r.find(stop))
                .min()
                .unwrap_or(r.len());
            &r[..end]
        });
        let (documented, any_logon_refusal, defers) = statuses(returns);
        if let Some(other) = defers {
            deferred.push((decls.len(), other));
        }
        decls.push(Decl { name: name.to_owned(), ret, slots, documented, any_logon_refusal });
    }
    for (i, other) in deferred {
        let from = decls.iter().find(|d| d.name == other).unwrap_or_else(|| panic!("no {other}"));
        let (inherited, wildcard) = (from.documented.clone(), from.any_logon_refusal);
        decls[i].documented.extend(inherited);
        decls[i].any_logon_refusal |= wildcard;
    }
    decls
}

// ----- arguments, answers, expectations -----

/// Who disposes of an object an argument points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Own {
    /// The matrix's own engine: never disposed of by a case.
    Shared,
    /// Made for this call; the harness disposes of it afterwards.
    Temp,
    /// The call consumes it (a close or free); disposed of by the harness only if a case replaced it.
    Consumed,
}

/// What an out-parameter receives, for the clean-up after a call that wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OutKind {
    Plain,
    /// A string to give back with `fixprov_string_free`.
    Str,
    /// An engine to close.
    Engine,
    /// A session handle to close.
    Session,
    /// A static text.
    Static,
}

const SENTINEL: u64 = 0xA5A5_A5A5_A5A5_A5A5;

enum Arg {
    Engine(*mut fixprov_engine, Own),
    Options(*mut fixprov_options, Own),
    /// The bytes (None: NULL) and the length passed with them.
    Str(Option<Vec<u8>>, usize),
    /// The values (None: NULL) and the length passed with them.
    U32s(Option<Vec<u32>>, usize),
    /// A 64-byte buffer filled with [`SENTINEL`] (None: NULL).
    Out(Option<Box<[u64; 8]>>, OutKind),
    Spec(Option<Box<fixprov_tier_spec>>),
    Callback(fixprov_event_fn),
    Context(*mut c_void),
    Owned(*mut c_char),
    U32(u32),
    U64(u64),
}

fn s(text: impl AsRef<[u8]>) -> Arg {
    let bytes = text.as_ref().to_vec();
    let len = bytes.len();
    Arg::Str(Some(bytes), len)
}

fn out(kind: OutKind) -> Arg {
    Arg::Out(Some(Box::new([SENTINEL; 8])), kind)
}

impl Arg {
    fn kind(&self) -> Kind {
        match self {
            Arg::Engine(..) => Kind::Engine,
            Arg::Options(..) => Kind::Options,
            Arg::Str(..) => Kind::Str,
            Arg::U32s(..) => Kind::U32s,
            Arg::Out(..) => Kind::Out,
            Arg::Spec(_) => Kind::Spec,
            Arg::Callback(_) => Kind::Callback,
            Arg::Context(_) => Kind::Context,
            Arg::Owned(_) => Kind::Owned,
            Arg::U32(_) => Kind::U32,
            Arg::U64(_) => Kind::U64,
        }
    }

    /// Sets the pointer to NULL (a string keeps its length).
    fn set_null(&mut self) {
        match self {
            Arg::Engine(p, _) => *p = null_mut(),
            Arg::Options(p, _) => *p = null_mut(),
            Arg::Str(bytes, _) => *bytes = None,
            Arg::U32s(values, _) => *values = None,
            Arg::Out(buffer, _) => *buffer = None,
            Arg::Spec(spec) => *spec = None,
            Arg::Callback(f) => *f = None,
            Arg::Context(p) => *p = null_mut(),
            Arg::Owned(p) => *p = null_mut(),
            Arg::U32(_) | Arg::U64(_) => panic!("not a pointer"),
        }
    }

    fn set_int(&mut self, value: u64) {
        match self {
            Arg::U32(x) => *x = value as u32,
            Arg::U64(x) => *x = value,
            _ => panic!("not an integer"),
        }
    }

    fn e(&self) -> *mut fixprov_engine {
        match self {
            Arg::Engine(p, _) => *p,
            _ => panic!("not an engine"),
        }
    }

    fn opts(&self) -> *mut fixprov_options {
        match self {
            Arg::Options(p, _) => *p,
            _ => panic!("not options"),
        }
    }

    fn words(&self) -> *const u32 {
        match self {
            Arg::U32s(Some(values), _) => values.as_ptr(),
            Arg::U32s(None, _) => null(),
            _ => panic!("not a uint32_t array"),
        }
    }

    /// Replaces a `uint32_t` array and its length.
    fn set_words(&mut self, values: Vec<u32>) {
        match self {
            Arg::U32s(v, len) => {
                *len = values.len();
                *v = Some(values);
            }
            _ => panic!("not a uint32_t array"),
        }
    }

    fn p(&self) -> *const u8 {
        match self {
            Arg::Str(Some(bytes), _) => bytes.as_ptr(),
            Arg::Str(None, _) => null(),
            _ => panic!("not a string"),
        }
    }

    fn n(&self) -> usize {
        match self {
            Arg::Str(_, len) | Arg::U32s(_, len) => *len,
            _ => panic!("not a string"),
        }
    }

    fn o<T>(&mut self) -> *mut T {
        match self {
            Arg::Out(Some(buffer), _) => buffer.as_mut_ptr().cast(),
            Arg::Out(None, _) => null_mut(),
            _ => panic!("not an out-parameter"),
        }
    }

    fn spec(&self) -> *const fixprov_tier_spec {
        match self {
            Arg::Spec(Some(spec)) => &**spec,
            Arg::Spec(None) => null(),
            _ => panic!("not a tier spec"),
        }
    }

    fn callback(&self) -> fixprov_event_fn {
        match self {
            Arg::Callback(f) => *f,
            _ => panic!("not a callback"),
        }
    }

    fn context(&self) -> *mut c_void {
        match self {
            Arg::Context(p) => *p,
            _ => panic!("not a context"),
        }
    }

    fn owned(&self) -> *mut c_char {
        match self {
            Arg::Owned(p) => *p,
            _ => panic!("not an owned string"),
        }
    }

    fn u32(&self) -> u32 {
        match self {
            Arg::U32(x) => *x,
            _ => panic!("not a uint32_t"),
        }
    }

    fn u64(&self) -> u64 {
        match self {
            Arg::U64(x) => *x,
            _ => panic!("not a uint64_t"),
        }
    }

    /// A string argument's bytes (none when NULL).
    fn bytes(&self) -> Vec<u8> {
        match self {
            Arg::Str(bytes, _) => bytes.clone().unwrap_or_default(),
            _ => panic!("not a string"),
        }
    }

    /// The first word of an out-parameter: None when it is NULL or untouched.
    fn written(&self) -> Option<u64> {
        match self {
            Arg::Out(Some(buffer), _) if buffer.iter().any(|w| *w != SENTINEL) => Some(buffer[0]),
            _ => None,
        }
    }

    /// A `uint32_t` out-parameter's value.
    fn written_u32(&self) -> Option<u32> {
        self.written().map(|w| u32::from_ne_bytes(w.to_ne_bytes()[..4].try_into().unwrap()))
    }
}

/// The arguments of one call, addressed by the header's parameter names.
struct Args<'d> {
    decl: &'d Decl,
    v: Vec<Arg>,
}

impl Args<'_> {
    fn at(&mut self, name: &str) -> &mut Arg {
        let i = self.decl.slot(name).unwrap_or_else(|| panic!("{} has no `{name}`", self.decl.name));
        &mut self.v[i]
    }

    fn text(&mut self, name: &str) -> String {
        String::from_utf8_lossy(&self.at(name).bytes()).into_owned()
    }
}

enum Ret {
    St(fixprov_status),
    /// fixprov_admin_request: the status and the HTTP status it wrote.
    Http(fixprov_status, Option<u32>),
    Void,
    Text(*const c_char),
    Options(*mut fixprov_options),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    St(fixprov_status),
    /// FIXPROV_OK with this HTTP status.
    Http(u32),
    Void,
    /// A non-NULL text, equal to this when given.
    Text(Option<&'static str>),
    /// A new, non-NULL object.
    Object,
}

const E_OK: Expect = Expect::St(FIXPROV_OK);
const E_NULL: Expect = Expect::St(FIXPROV_ERR_NULL);
const E_INV: Expect = Expect::St(FIXPROV_ERR_INVALID_ARGUMENT);
const E_UTF8: Expect = Expect::St(FIXPROV_ERR_UTF8);
const E_NF: Expect = Expect::St(FIXPROV_ERR_NOT_FOUND);
const E_STATE: Expect = Expect::St(FIXPROV_ERR_INVALID_STATE);

fn st(status: fixprov_status) -> Ret {
    Ret::St(status)
}

/// What a string parameter answers: invalid UTF-8, an embedded NUL, empty (both a non-NULL pointer
/// with length 0 and (NULL, 0): the header says "(NULL, 0) is an empty string"), and 1 MiB.
#[derive(Clone, Copy, Debug)]
struct S {
    utf8: Expect,
    nul: Expect,
    empty: Expect,
    long: Expect,
}

impl S {
    const fn all(e: Expect) -> S {
        S { utf8: e, nul: e, empty: e, long: e }
    }
}

/// A user id to create or validate: 1 to 128 bytes of UTF-8 without control characters.
const NEW_USER: S = S { utf8: E_UTF8, nul: E_INV, empty: E_INV, long: E_INV };
/// A name that is looked up: what names nothing is not found.
const LOOKUP: S = S { utf8: E_UTF8, nul: E_NF, empty: E_NF, long: E_NF };
/// A document or value that is parsed (JSON, an address, a name with a syntax).
const PARSED: S = S { utf8: E_UTF8, nul: E_INV, empty: E_INV, long: E_INV };

const INVALID_UTF8: &[u8] = &[0x66, 0xff, 0xfe];
const MIB: usize = 1 << 20;

/// A string case from the argument's valid bytes: the bytes to pass, None for NULL.
type Variant = fn(&[u8]) -> Option<Vec<u8>>;
type Make = fn(&Ctx) -> Vec<Arg>;
type Call = fn(&mut [Arg]) -> Ret;
type Edit = Box<dyn Fn(&Ctx, &mut Args<'_>)>;

struct Case {
    param: &'static str,
    label: String,
    edit: Edit,
    expect: Expect,
}

struct Entry {
    name: &'static str,
    make: Make,
    call: Call,
    ok: Expect,
    /// Pointers whose NULL is not FIXPROV_ERR_NULL (optional out-parameters, callbacks, ...).
    nulls: Vec<(&'static str, Expect)>,
    /// Every string parameter's answers.
    strs: Vec<(&'static str, S)>,
    cases: Vec<Case>,
}

impl Entry {
    fn new(name: &'static str, make: Make, call: Call, ok: Expect) -> Entry {
        Entry { name, make, call, ok, nulls: Vec::new(), strs: Vec::new(), cases: Vec::new() }
    }

    fn null(mut self, param: &'static str, expect: Expect) -> Entry {
        self.nulls.push((param, expect));
        self
    }

    fn text(mut self, param: &'static str, answers: S) -> Entry {
        self.strs.push((param, answers));
        self
    }

    /// An integer parameter set to `value`.
    fn set(mut self, param: &'static str, value: u64, expect: Expect) -> Entry {
        let edit: Edit = Box::new(move |_, a| a.at(param).set_int(value));
        self.cases.push(Case { param, label: format!("{param} = {value}"), edit, expect });
        self
    }

    /// A string parameter set to `bytes`.
    fn bytes(mut self, param: &'static str, label: &str, bytes: impl AsRef<[u8]>, expect: Expect) -> Entry {
        let bytes = bytes.as_ref().to_vec();
        let edit: Edit = Box::new(move |_, a| *a.at(param) = s(&bytes));
        self.cases.push(Case { param, label: format!("{param}: {label}"), edit, expect });
        self
    }

    fn case(
        mut self,
        param: &'static str,
        label: &str,
        edit: fn(&Ctx, &mut Args<'_>),
        expect: Expect,
    ) -> Entry {
        self.cases.push(Case { param, label: format!("{param}: {label}"), edit: Box::new(edit), expect });
        self
    }
}

// ----- the engines the cases run on -----

struct Creds {
    user: String,
    sender: String,
    target: String,
    password: String,
}

/// The engines and what the cases need on them.
struct Ctx {
    /// In memory, without eligibility rules (provisioning needs no account facts).
    main: *mut fixprov_engine,
    /// In memory, with the rule "base" (KYC level 2): rules, overrides and tier rules change here.
    elig: *mut fixprov_engine,
    /// On a store (PBKDF2 at open and at each master password change): opened when first needed.
    store: Cell<*mut fixprov_engine>,
    dir: PathBuf,
    counter: Cell<u64>,
    /// Sessions the current call's arguments opened, closed after it.
    sessions: RefCell<Vec<(*mut fixprov_engine, u64)>>,
    /// A handle of an engine that was closed since.
    foreign: u64,
}

fn ok(rc: fixprov_status, what: &str) {
    assert_eq!(rc, FIXPROV_OK, "{what}: {}", last_error());
}

fn last_error() -> String {
    // SAFETY: fixprov_last_error never returns NULL; the text lives until the next failing call.
    unsafe { CStr::from_ptr(fixprov_last_error()) }.to_string_lossy().into_owned()
}

/// Takes a string the library returned.
fn take(p: *mut c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: a NUL-terminated string from the library, freed once here.
    unsafe {
        let text = CStr::from_ptr(p).to_string_lossy().into_owned();
        fixprov_string_free(p);
        text
    }
}

fn open_engine(no_rules: bool, store: Option<(&Path, &str)>) -> *mut fixprov_engine {
    let options = fixprov_options_new();
    let mut engine = null_mut();
    // SAFETY: live options used by this thread only, freed once; every string outlives its call.
    unsafe {
        if no_rules {
            ok(fixprov_options_set_eligibility(options, 0, 0), "eligibility");
        }
        if let Some((dir, password)) = store {
            let dir = dir.to_str().unwrap();
            ok(fixprov_options_set_data_dir(options, dir.as_ptr(), dir.len()), "data dir");
            ok(fixprov_options_set_master_password(options, password.as_ptr(), password.len()), "password");
        }
        let rc = fixprov_engine_open(options, &mut engine);
        fixprov_options_free(options);
        ok(rc, "open");
    }
    engine
}

const TOKENS: &str = r#"[{"name": "ops", "role": "admin", "token": "matrix-token-0123456789-0123456789"}]"#;

impl Ctx {
    fn new() -> Ctx {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "ffi-matrix-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let foreign = {
            let other = open_engine(true, None);
            Ctx::set_tier(other, "eve", "basic");
            let handle = Ctx::open_session(other, "eve");
            // SAFETY: opened above, closed once; only its handle value is kept.
            unsafe { fixprov_engine_close(other) };
            handle
        };
        let c = Ctx {
            main: open_engine(true, None),
            elig: open_engine(true, None),
            store: Cell::new(null_mut()),
            dir,
            counter: Cell::new(0),
            sessions: RefCell::new(Vec::new()),
            foreign,
        };
        let tiny = fixprov_tier_spec {
            orders_per_sec: 1,
            order_burst: 1,
            messages_per_sec: 1_000,
            message_burst: 1_000,
            max_sessions: 100,
            escalation_threshold: 1,
            escalation_window_ms: 60_000,
            reserved: 0,
        };
        // SAFETY: live engine; the name and spec outlive the call.
        ok(unsafe { fixprov_tier_set(c.main, b"tiny".as_ptr(), 4, &tiny) }, "tier tiny");
        for engine in [c.main, c.elig] {
            Ctx::set_tier(engine, "holder", "unlimited");
        }
        c.provision_as(c.main, "alice");
        let base = r#"{"id": "base", "min_kyc_level": 2}"#;
        // SAFETY: live engine; the document outlives the call.
        ok(unsafe { fixprov_rule_add(c.elig, base.as_ptr(), base.len()) }, "rule base");
        c
    }

    fn m(&self) -> Arg {
        Arg::Engine(self.main, Own::Shared)
    }

    fn el(&self) -> Arg {
        Arg::Engine(self.elig, Own::Shared)
    }

    fn store(&self) -> *mut fixprov_engine {
        if self.store.get().is_null() {
            let engine = open_engine(true, Some((&self.dir.join("store"), "matrix master password")));
            Ctx::set_tier(engine, "keeper", "basic");
            self.store.set(engine);
        }
        self.store.get()
    }

    fn next(&self) -> u64 {
        self.counter.set(self.counter.get() + 1);
        self.counter.get()
    }

    fn name(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next())
    }

    fn set_tier(engine: *mut fixprov_engine, user: &str, tier: &str) {
        // SAFETY: live engine; the strings outlive the call.
        let rc =
            unsafe { fixprov_user_set_tier(engine, user.as_ptr(), user.len(), tier.as_ptr(), tier.len()) };
        ok(rc, "user_set_tier");
    }

    fn open_session(engine: *mut fixprov_engine, user: &str) -> u64 {
        let mut session = 0;
        // SAFETY: live engine; the string and out-parameter outlive the call.
        ok(unsafe { fixprov_session_open(engine, user.as_ptr(), user.len(), &mut session) }, "session_open");
        session
    }

    /// A user on `tier` of the main engine.
    fn user(&self, tier: &str) -> String {
        let user = self.name("user");
        Ctx::set_tier(self.main, &user, tier);
        user
    }

    /// A live session of the main engine, closed after the call.
    fn session_of(&self, user: &str) -> u64 {
        let session = Ctx::open_session(self.main, user);
        self.sessions.borrow_mut().push((self.main, session));
        session
    }

    fn session(&self) -> u64 {
        self.session_of("holder")
    }

    fn closed_session(&self) -> u64 {
        let session = Ctx::open_session(self.main, "holder");
        // SAFETY: live engine.
        ok(unsafe { fixprov_session_close(self.main, session) }, "session_close");
        session
    }

    fn provision_as(&self, engine: *mut fixprov_engine, user: &str) -> Creds {
        Ctx::provision_on(engine, user)
    }

    fn provision_on(engine: *mut fixprov_engine, user: &str) -> Creds {
        let (mut sender, mut target, mut password) = (null_mut(), null_mut(), null_mut());
        // SAFETY: live engine; the strings and out-parameters outlive the call.
        let rc = unsafe {
            fixprov_provision(
                engine,
                user.as_ptr(),
                user.len(),
                null(),
                0,
                &mut sender,
                &mut target,
                &mut password,
            )
        };
        ok(rc, "provision");
        Creds { user: user.to_owned(), sender: take(sender), target: take(target), password: take(password) }
    }

    /// A new user of the main engine, provisioned on "basic".
    fn provision(&self) -> Creds {
        self.provision_as(self.main, &self.name("prov"))
    }

    fn user_call(
        &self,
        f: unsafe extern "C" fn(*const fixprov_engine, *const u8, usize) -> fixprov_status,
        u: &str,
    ) {
        // SAFETY: live engine; the string outlives the call.
        ok(unsafe { f(self.main, u.as_ptr(), u.len()) }, "user call");
    }

    fn revoked(&self) -> String {
        let user = self.provision().user;
        self.user_call(fixprov_revoke, &user);
        user
    }

    /// A string the library allocated.
    fn lib_string(&self) -> *mut c_char {
        let mut json = null_mut();
        // SAFETY: live engine; `json` is writable.
        ok(unsafe { fixprov_rules_json(self.main, 0, &mut json) }, "rules_json");
        json
    }

    fn options(&self, own: Own) -> Arg {
        Arg::Options(fixprov_options_new(), own)
    }

    /// Closes what the last call's arguments opened.
    fn after_call(&self) {
        for (engine, session) in self.sessions.borrow_mut().drain(..) {
            // SAFETY: live engine; a session the call closed already answers STALE_HANDLE.
            unsafe { fixprov_session_close(engine, session) };
        }
    }

    /// After each function's cases: every engine still does its job.
    fn canary(&self) -> Result<(), String> {
        let fail = |what: &str| format!("canary {what}: {}", last_error());
        let creds = self.provision();
        let peer = format!("198.51.100.{}", self.next() % 250);
        let mut session = 0;
        // SAFETY: live engines; every pair and out-parameter outlives its call.
        unsafe {
            let rc = fixprov_logon(
                self.main,
                creds.sender.as_ptr(),
                creds.sender.len(),
                creds.target.as_ptr(),
                creds.target.len(),
                creds.password.as_ptr(),
                creds.password.len(),
                null(),
                0,
                peer.as_ptr(),
                peer.len(),
                &mut session,
                null_mut(),
                null_mut(),
            );
            (rc == FIXPROV_OK).then_some(()).ok_or_else(|| fail("logon"))?;
            (fixprov_check(self.main, session, 1) == FIXPROV_OK)
                .then_some(())
                .ok_or_else(|| fail("check"))?;
            (fixprov_session_close(self.main, session) == FIXPROV_OK)
                .then_some(())
                .ok_or_else(|| fail("close"))?;
            let mut engines = vec![(self.elig, "holder")];
            if !self.store.get().is_null() {
                engines.push((self.store.get(), "keeper"));
            }
            for (engine, user) in engines {
                let mut s = 0;
                (fixprov_session_open(engine, user.as_ptr(), user.len(), &mut s) == FIXPROV_OK)
                    .then_some(())
                    .ok_or_else(|| fail("session_open"))?;
                (fixprov_check_at(engine, s, 0, 1) == FIXPROV_OK)
                    .then_some(())
                    .ok_or_else(|| fail("check"))?;
                (fixprov_session_close(engine, s) == FIXPROV_OK)
                    .then_some(())
                    .ok_or_else(|| fail("close"))?;
            }
        }
        Ok(())
    }

    /// After each function: no admin server or callback is left behind.
    fn after_entry(&self) {
        // SAFETY: live engine; removing the callback and stopping a server that may not run.
        unsafe {
            ok(fixprov_set_event_callback(self.main, None, null_mut()), "callback");
            ok(fixprov_admin_stop(self.main), "admin_stop");
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: opened by Ctx, closed once (NULL is a no-op).
        unsafe {
            fixprov_engine_close(self.main);
            fixprov_engine_close(self.elig);
            fixprov_engine_close(self.store.get());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static EVENTS: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_event(context: *mut c_void, _event: *const fixprov_event) {
    // SAFETY: the context registered with this callback is `&EVENTS`.
    unsafe { &*(context as *const AtomicUsize) }.fetch_add(1, Ordering::Relaxed);
}

fn events_context() -> Arg {
    Arg::Context(&EVENTS as *const AtomicUsize as *mut c_void)
}

// ----- the table -----

const BAD_CREDS: Expect = Expect::St(FIXPROV_LOGON_BAD_CREDENTIALS);
const UNKNOWN: Expect = Expect::St(FIXPROV_LOGON_UNKNOWN_COMP_ID);

fn logon_args(c: &Ctx, creds: &Creds) -> Vec<Arg> {
    let n = c.next();
    let peer = format!("10.{}.{}.{}", (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    vec![
        c.m(),
        s(&creds.sender),
        s(&creds.target),
        s(&creds.password),
        s(&creds.user),
        s(peer),
        out(OutKind::Session),
        out(OutKind::Plain),
        out(OutKind::Static),
    ]
}

fn user_entry(name: &'static str, call: Call) -> Entry {
    let entry = Entry::new(name, |c| vec![c.m(), s(c.provision().user)], call, E_OK);
    entry.text("user", LOOKUP).bytes("user", "never provisioned", "nobody", E_NF)
}

/// Every export's entry, one file per module of src/ffi under tests/ffi_matrix/table/.
fn table() -> Vec<Entry> {
    [
        table::access::entries(),
        table::admin::entries(),
        table::eligibility::entries(),
        table::events::entries(),
        table::geo::entries(),
        table::options::entries(),
        table::session::entries(),
        table::signed::entries(),
        table::status::entries(),
        table::tiers::entries(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

mod table {
    pub(crate) mod access;
    pub(crate) mod admin;
    pub(crate) mod eligibility;
    pub(crate) mod events;
    pub(crate) mod geo;
    pub(crate) mod options;
    pub(crate) mod session;
    pub(crate) mod signed;
    pub(crate) mod status;
    pub(crate) mod tiers;
}

fn spec() -> fixprov_tier_spec {
    fixprov_tier_spec {
        orders_per_sec: 50,
        messages_per_sec: 100,
        order_burst: 20,
        message_burst: 40,
        max_sessions: 2,
        escalation_threshold: 0,
        escalation_window_ms: 1_000,
        reserved: 0,
    }
}

/// `json` padded with spaces to `len` bytes.
fn padded(json: &str, len: usize) -> String {
    format!("{json}{}", " ".repeat(len - json.len()))
}

fn set_store(options: *mut fixprov_options, dir: &Path, password: &str) {
    let dir = dir.to_str().unwrap();
    // SAFETY: live options of this thread; the strings outlive the calls.
    unsafe {
        ok(fixprov_options_set_data_dir(options, dir.as_ptr(), dir.len()), "data dir");
        ok(fixprov_options_set_master_password(options, password.as_ptr(), password.len()), "password");
    }
}

// ----- the table against the header -----

fn documented(decl: &Decl, expect: Expect) -> Result<(), String> {
    let fits = match (decl.ret.as_str(), expect) {
        ("fixprov_status", Expect::St(s)) => {
            let name = format!("{s:?}");
            s == FIXPROV_ERR_PANIC
                || decl.documented.contains(&name)
                || (decl.any_logon_refusal && name.starts_with("FIXPROV_LOGON_"))
        }
        ("fixprov_status", Expect::Http(_)) => decl.documented.contains("FIXPROV_OK"),
        ("void", Expect::Void) | ("const char *", Expect::Text(_)) => true,
        ("struct fixprov_options *", Expect::Object) => true,
        _ => false,
    };
    fits.then_some(()).ok_or_else(|| {
        format!("{}: {expect:?} is not what it documents (Returns: {:?})", decl.name, decl.documented)
    })
}

/// Checks the table against the declarations; returns every problem.
fn check_table(decls: &[Decl], entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    for decl in decls {
        if !entries.iter().any(|e| e.name == decl.name) {
            problems.push(format!("{}: declared in the header, not covered by the matrix", decl.name));
        }
    }
    for entry in entries {
        if entries.iter().filter(|e| e.name == entry.name).count() > 1 {
            problems.push(format!("{}: two entries", entry.name));
        }
        let Some(decl) = decls.iter().find(|d| d.name == entry.name) else {
            problems.push(format!("{}: in the matrix, not in the header", entry.name));
            continue;
        };
        let mut expects = vec![entry.ok];
        for (param, expect) in &entry.nulls {
            match decl.slot(param) {
                Some(i) if decl.slots[i].kind.is_pointer() => expects.push(*expect),
                _ => {
                    problems.push(format!("{}: NULL case for `{param}`, not a pointer parameter", decl.name))
                }
            }
        }
        for slot in decl.slots.iter().filter(|s| s.kind.is_pointer()) {
            if !entry.nulls.iter().any(|(p, _)| *p == slot.name) {
                expects.push(if decl.ret == "void" { Expect::Void } else { E_NULL });
            }
        }
        for slot in decl.slots.iter().filter(|s| s.kind == Kind::Str) {
            match entry.strs.iter().filter(|(p, _)| *p == slot.name).count() {
                0 => problems.push(format!("{}: no string cases for `{}`", decl.name, slot.name)),
                1 => {}
                _ => problems.push(format!("{}: string cases for `{}` twice", decl.name, slot.name)),
            }
        }
        for (param, answers) in &entry.strs {
            if decl.slot(param).is_none_or(|i| decl.slots[i].kind != Kind::Str) {
                problems.push(format!("{}: string cases for `{param}`, not a string parameter", decl.name));
            }
            expects.extend([answers.utf8, answers.nul, answers.empty, answers.long]);
        }
        for slot in decl.slots.iter().filter(|s| !s.kind.is_pointer()) {
            let session = slot.kind == Kind::U64 && slot.name == "session";
            if session {
                expects.push(if decl.ret == "void" {
                    Expect::Void
                } else {
                    Expect::St(FIXPROV_ERR_STALE_HANDLE)
                });
            } else if !entry.cases.iter().any(|c| c.param == slot.name) {
                problems.push(format!("{}: no case for the integer `{}`", decl.name, slot.name));
            }
        }
        for case in &entry.cases {
            if decl.slot(case.param).is_none() {
                problems.push(format!(
                    "{}: case `{}` names no parameter `{}`",
                    decl.name, case.label, case.param
                ));
            }
            expects.push(case.expect);
        }
        if decl.returns_status() {
            expects.push(Expect::St(FIXPROV_ERR_PANIC));
        }
        for expect in expects {
            if let Err(problem) = documented(decl, expect) {
                problems.push(problem);
            }
        }
    }
    problems
}

/// The exports whose successful call is an operator action or a logon, with the event its audit
/// record must carry (findings of the 2026-12 security review). `fixprov_admin_request` runs the route table,
/// walked route by route in tests/admin.rs.
const AUDITED: &[(&str, &str)] = &[
    ("fixprov_account_set", "account.facts"),
    ("fixprov_admin_start", "admin.start"),
    ("fixprov_bypass_set", "rule.bypass"),
    ("fixprov_country_rule_set", "credential.country_rule"),
    ("fixprov_ip_allow", "allowlist.add"),
    ("fixprov_ip_disallow", "allowlist.remove"),
    ("fixprov_key_add_ed25519", "credential.key_add"),
    ("fixprov_key_generate_hmac", "credential.key_add"),
    ("fixprov_key_revoke", "credential.key_revoke"),
    ("fixprov_logon", "logon."),
    ("fixprov_logon_policy_set", "credential.logon_policy"),
    ("fixprov_logon_signed", "logon."),
    ("fixprov_master_password_change", "store.master_password"),
    ("fixprov_override_set", "rule.override"),
    ("fixprov_provision", "credential.provision"),
    ("fixprov_reactivate", "credential.reactivate"),
    ("fixprov_reevaluate", "eligibility.reevaluate"),
    ("fixprov_regenerate_password", "credential.regenerate"),
    ("fixprov_revoke", "credential.revoke"),
    ("fixprov_rule_add", "rule.add"),
    ("fixprov_rule_change", "rule."),
    ("fixprov_session_close", "session.close"),
    ("fixprov_session_kill", "session.kill"),
    ("fixprov_session_set_mode", "session.mode"),
    ("fixprov_session_open", "session.open"),
    ("fixprov_session_reset_violations", "violations.reset"),
    ("fixprov_set_expiry", "credential.expiry"),
    ("fixprov_suspend", "credential.suspend"),
    ("fixprov_tier_rules_set", "tier_rules.set"),
    ("fixprov_tier_set", "tier.set"),
    ("fixprov_tier_country_rule_set", "country_rule.tier"),
    ("fixprov_tier_set_logon_policy", "logon_policy.tier"),
    ("fixprov_user_kill", "user.kill"),
    ("fixprov_user_reset_violations", "violations.reset"),
    ("fixprov_user_set_tier", "user.tier"),
];

/// The exports that change nothing an audit record is owed for: reads, the hot path, lifetimes of
/// objects the host owns, options before an engine exists, and those whose change depends on state
/// (stopping a server that may not run: each stop it makes is recorded).
const NOT_AUDITED: &[&str] = &[
    "fixprov_admin_request",
    "fixprov_admin_stop",
    "fixprov_audit_head",
    "fixprov_audit_query",
    "fixprov_audit_verify",
    "fixprov_audit_verify_head",
    "fixprov_check",
    "fixprov_check_at",
    "fixprov_check_batch",
    "fixprov_check_batch_at",
    "fixprov_check_msgtype",
    "fixprov_check_weighted",
    "fixprov_credentials_get",
    "fixprov_engine_close",
    "fixprov_engine_open",
    "fixprov_evaluate",
    "fixprov_last_error",
    "fixprov_options_free",
    "fixprov_options_new",
    "fixprov_options_set_audit_retention",
    "fixprov_options_set_clock",
    "fixprov_options_set_comp_id_pool",
    "fixprov_options_set_comp_ids",
    "fixprov_options_set_data_dir",
    "fixprov_options_set_database_url",
    "fixprov_options_set_eligibility",
    "fixprov_options_set_fleet",
    "fixprov_options_set_geoip",
    "fixprov_options_set_logon_rate",
    "fixprov_options_set_logon_window",
    "fixprov_options_set_master_password",
    "fixprov_options_set_max_sessions",
    "fixprov_options_set_order_msgtypes",
    "fixprov_options_set_pbkdf2_iterations",
    "fixprov_options_set_single_owner",
    "fixprov_prefetch",
    "fixprov_rules_json",
    "fixprov_session_get_stats",
    "fixprov_sessions_json",
    "fixprov_set_event_callback",
    "fixprov_stats_json",
    "fixprov_status_str",
    "fixprov_string_free",
    "fixprov_tier_get",
    "fixprov_user_violations",
    "fixprov_version",
];

/// The audit chain's head sequence on `engine` (an engine the matrix keeps open).
fn audit_seq(engine: *mut fixprov_engine) -> u64 {
    let mut out = null_mut();
    // SAFETY: a live engine; `out` is writable and its string freed once by `take`.
    ok(unsafe { fixprov_audit_head(engine, &mut out) }, "audit head");
    let head: serde_json::Value = serde_json::from_str(&take(out)).unwrap();
    head["seq"].as_u64().unwrap()
}

/// Whether `engine` has a record of an event starting with `event` after sequence `after`.
fn audited_since(engine: *mut fixprov_engine, after: u64, event: &str) -> bool {
    let filter = serde_json::json!({"after_seq": after, "event_prefix": event, "limit": 1}).to_string();
    let mut out = null_mut();
    // SAFETY: a live engine; the filter outlives the call; `out` is freed once by `take`.
    ok(unsafe { fixprov_audit_query(engine, filter.as_ptr(), filter.len(), &mut out) }, "audit query");
    !take(out).trim().is_empty()
}

#[test]
fn every_export_is_classed_as_audited_or_not() {
    let decls = parse_header(&header_text());
    for d in &decls {
        let audited = AUDITED.iter().any(|(name, _)| *name == d.name);
        let classes = [audited, NOT_AUDITED.contains(&d.name.as_str())];
        assert_eq!(classes.iter().filter(|c| **c).count(), 1, "{}: in AUDITED or NOT_AUDITED, once", d.name);
    }
    for name in AUDITED.iter().map(|(name, _)| name).chain(NOT_AUDITED) {
        assert!(decls.iter().any(|d| d.name == *name), "{name} is not in the header");
    }
}

#[test]
fn the_table_covers_the_header() {
    let decls = parse_header(&header_text());
    assert!(decls.len() >= 50, "{} declarations parsed", decls.len());
    let problems = check_table(&decls, &table());
    assert!(problems.is_empty(), "the matrix and the header disagree:\n{}", problems.join("\n"));
}

#[test]
fn the_header_parser_sees_what_it_must() {
    let decls = parse_header(&header_text());
    let logon = decls.iter().find(|d| d.name == "fixprov_logon").unwrap();
    let kinds: Vec<Kind> = logon.slots.iter().map(|s| s.kind).collect();
    use Kind::*;
    assert_eq!(kinds, [Engine, Str, Str, Str, Str, Str, Out, Out, Out]);
    assert!(logon.any_logon_refusal);
    let check_at = decls.iter().find(|d| d.name == "fixprov_check_at").unwrap();
    assert!(check_at.documented.contains("FIXPROV_ERR_STALE_HANDLE"), "inherits fixprov_check's list");
    let callback = decls.iter().find(|d| d.name == "fixprov_set_event_callback").unwrap();
    assert_eq!(callback.slots.iter().map(|s| s.kind).collect::<Vec<_>>(), [Engine, Callback, Context]);
    let version = decls.iter().find(|d| d.name == "fixprov_version").unwrap();
    assert_eq!((version.ret.as_str(), version.slots.len()), ("const char *", 0));
}

// ----- the matrix -----

struct Matrix<'a> {
    c: &'a Ctx,
    failures: RefCell<Vec<String>>,
    calls: Cell<usize>,
    /// Calls per kind of case, for the summary.
    tally: RefCell<std::collections::BTreeMap<&'static str, usize>>,
}

impl Matrix<'_> {
    fn fail(&self, message: String) {
        self.failures.borrow_mut().push(message);
    }

    /// One call: the entry's arguments, edited, then checked against `want`.
    fn run(&self, entry: &Entry, decl: &Decl, label: &str, edit: &dyn Fn(&Ctx, &mut Args<'_>), want: Expect) {
        self.run_with(entry, decl, label, edit, want, false);
    }

    fn run_with(
        &self,
        entry: &Entry,
        decl: &Decl,
        label: &str,
        edit: &dyn Fn(&Ctx, &mut Args<'_>),
        want: Expect,
        panic: bool,
    ) {
        let c = self.c;
        self.calls.set(self.calls.get() + 1);
        let what = format!("{} [{label}]", entry.name);
        let mut args = Args { decl, v: (entry.make)(c) };
        // What the arguments own, as made: disposed of after the call (see `Own`).
        let owned: Vec<(usize, *mut c_void, Own)> = args
            .v
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match a {
                Arg::Engine(p, own) => Some((i, p.cast(), *own)),
                Arg::Options(p, own) => Some((i, p.cast(), *own)),
                Arg::Owned(p) => Some((i, p.cast(), Own::Consumed)),
                _ => None,
            })
            .collect();
        let kinds: Vec<Kind> = args.v.iter().map(Arg::kind).collect();
        let declared: Vec<Kind> = decl.slots.iter().map(|s| s.kind).collect();
        if kinds != declared {
            self.fail(format!("{what}: arguments {kinds:?}, the header declares {declared:?}"));
            self.clean_up(&args.v, &Ret::Void, &owned, false);
            c.after_call();
            return;
        }
        edit(c, &mut args);
        // An operator action that succeeds must leave an audit record on its engine.
        let event = AUDITED.iter().find(|(name, _)| *name == entry.name).map(|(_, event)| *event);
        let audited = event
            .filter(|_| label == "valid arguments")
            .and_then(|event| args.v.first().filter(|a| a.kind() == Kind::Engine).map(|a| (a.e(), event)))
            .filter(|(e, _)| !e.is_null())
            .map(|(e, event)| (e, audit_seq(e), event));
        if panic {
            fixprov::ffi::inject_panic();
        }
        let started = Instant::now();
        let ret = (entry.call)(&mut args.v);
        let took = started.elapsed();
        if let (Some((engine, before, event)), Ret::St(FIXPROV_OK) | Ret::Http(FIXPROV_OK, _)) =
            (audited, &ret)
        {
            // Queued records (logons, sessions, kills) reach the store within the housekeeper's
            // 200 ms tick; wait up to 5 s for them.
            let deadline = Instant::now() + Duration::from_secs(5);
            while !audited_since(engine, before, event) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if !audited_since(engine, before, event) {
                self.fail(format!("{what}: succeeded and left no {event:?} audit record"));
            }
        }
        let got_status = match ret {
            Ret::St(s) | Ret::Http(s, _) => Some(s),
            _ => None,
        };
        let matches = match (want, &ret) {
            (Expect::St(w), Ret::St(s) | Ret::Http(s, _)) => w == *s,
            (Expect::Http(code), Ret::Http(s, got)) => *s == FIXPROV_OK && *got == Some(code),
            (Expect::Void, Ret::Void) => true,
            (Expect::Text(w), Ret::Text(p)) => {
                // SAFETY: a non-NULL text from the library is NUL-terminated and static or thread-owned.
                let text =
                    (!p.is_null()).then(|| unsafe { CStr::from_ptr(*p) }.to_string_lossy().into_owned());
                text.is_some_and(|t| w.is_none_or(|w| w == t))
            }
            (Expect::Object, Ret::Options(p)) => !p.is_null(),
            _ => false,
        };
        if !matches {
            let got = match &ret {
                Ret::St(s) => format!("{s:?}"),
                Ret::Http(s, code) => format!("{s:?} (HTTP {code:?})"),
                Ret::Void => "nothing".into(),
                Ret::Text(p) => format!("text at {p:?}"),
                Ret::Options(p) => format!("options at {p:?}"),
            };
            self.fail(format!("{what}: expected {want:?}, got {got} (last error: {})", last_error()));
        }
        if took > prompt() {
            self.fail(format!("{what}: took {took:?}"));
        }
        if let Some(status) = got_status {
            let code = status as u32;
            if (100..200).contains(&code) {
                for (slot, arg) in decl.slots.iter().zip(&args.v) {
                    if arg.written().is_some() {
                        self.fail(format!("{what}: {status:?}, yet `{}` was written", slot.name));
                    }
                }
            }
            let needle = match status {
                FIXPROV_ERR_NULL => Some("NULL"),
                FIXPROV_ERR_UTF8 => Some("UTF-8"),
                FIXPROV_ERR_STALE_HANDLE => Some("stale"),
                FIXPROV_ERR_PANIC => Some("panic"),
                _ => None,
            };
            if let Some(needle) = needle.filter(|n| !last_error().contains(n)) {
                self.fail(format!(
                    "{what}: {status:?} with the last error {:?} (no {needle:?})",
                    last_error()
                ));
            }
        }
        self.clean_up(&args.v, &ret, &owned, true);
        c.after_call();
    }

    /// Releases what the call left: what it wrote, and what its arguments owned (all of it when the
    /// call did not happen).
    fn clean_up(&self, args: &[Arg], ret: &Ret, owned: &[(usize, *mut c_void, Own)], called: bool) {
        if let Ret::Options(p) = ret {
            // SAFETY: options fixprov_options_new returned, freed once.
            unsafe { fixprov_options_free(*p) };
        }
        let engine = args.first().filter(|a| a.kind() == Kind::Engine).map(Arg::e);
        for arg in args {
            let (Some(word), Arg::Out(_, kind)) = (arg.written(), arg) else { continue };
            // SAFETY: the library wrote this out-parameter: a string, an engine or a session it
            // handed out, each released once here.
            unsafe {
                match kind {
                    OutKind::Str if word != 0 => fixprov_string_free(word as usize as *mut c_char),
                    OutKind::Engine if word != 0 => {
                        fixprov_engine_close(word as usize as *mut fixprov_engine)
                    }
                    OutKind::Session => {
                        if let Some(engine) = engine.filter(|e| !e.is_null()) {
                            fixprov_session_close(engine, word);
                        }
                    }
                    _ => {}
                }
            }
        }
        for &(i, p, own) in owned {
            let still: *mut c_void = match &args[i] {
                Arg::Engine(q, _) => q.cast(),
                Arg::Options(q, _) => q.cast(),
                Arg::Owned(q) => q.cast(),
                _ => null_mut(),
            };
            let dispose = match own {
                Own::Shared => false,
                Own::Temp => true,
                Own::Consumed => still != p || !called,
            };
            if dispose {
                // SAFETY: made for this call and not consumed by it: released once here.
                unsafe {
                    match &args[i] {
                        Arg::Engine(..) => fixprov_engine_close(p.cast()),
                        Arg::Options(..) => fixprov_options_free(p.cast()),
                        Arg::Owned(_) => fixprov_string_free(p.cast()),
                        _ => {}
                    }
                }
            }
        }
    }

    fn count(&self, kind: &'static str, before: usize) {
        *self.tally.borrow_mut().entry(kind).or_default() += self.calls.get() - before;
    }

    fn entry(&self, entry: &Entry, decl: &Decl) {
        let c = self.c;
        let before = self.calls.get();
        self.run(entry, decl, "valid arguments", &|_, _| {}, entry.ok);
        self.count("valid", before);
        let before = self.calls.get();
        // NULL, one pointer at a time.
        for (i, slot) in decl.slots.iter().enumerate().filter(|(_, s)| s.kind.is_pointer()) {
            let want = entry.nulls.iter().find(|(p, _)| *p == slot.name).map(|(_, e)| *e);
            let want = want.unwrap_or(if decl.ret == "void" { Expect::Void } else { E_NULL });
            let label = format!("{} NULL", slot.name);
            self.run(entry, decl, &label, &move |_, a| a.v[i].set_null(), want);
        }
        self.count("NULL pointer", before);
        let before = self.calls.get();
        // Strings.
        for (param, answers) in &entry.strs {
            let variants: [(&str, Variant, Expect); 5] = [
                ("invalid UTF-8", |_| Some(INVALID_UTF8.to_vec()), answers.utf8),
                (
                    "an embedded NUL",
                    |v| {
                        let mut v = v.to_vec();
                        v.insert(v.len() / 2, 0);
                        Some(v)
                    },
                    answers.nul,
                ),
                ("empty", |_| Some(Vec::new()), answers.empty),
                ("(NULL, 0)", |_| None, answers.empty),
                ("1 MiB", |_| Some(vec![b'a'; MIB]), answers.long),
            ];
            for (label, make, want) in variants {
                let label = format!("{param}: {label}");
                let edit = move |_: &Ctx, a: &mut Args<'_>| {
                    let arg = a.at(param);
                    let bytes = make(&arg.bytes());
                    let len = bytes.as_ref().map_or(0, Vec::len);
                    *arg = Arg::Str(bytes, len);
                };
                self.run(entry, decl, &label, &edit, want);
            }
        }
        self.count("string", before);
        let before = self.calls.get();
        // Session handles that name no session of this engine.
        if let Some(i) = decl.slots.iter().position(|s| s.kind == Kind::U64 && s.name == "session") {
            let random = random_u64();
            let live = Ctx::open_session(c.main, "holder");
            let stale = [
                ("closed", c.closed_session()),
                ("never issued: 0", 0),
                ("never issued: u64::MAX", u64::MAX),
                ("never issued: random", random),
                ("never issued: random generation of slot 0", (random & 0xF_FFFF) << 32),
                ("a live slot's other generation", live ^ (1 << 32)),
                ("of an engine closed since", c.foreign),
            ];
            for (label, handle) in stale {
                let label = format!("session {label} ({handle:#x})");
                // A hint that returns nothing (fixprov_prefetch) ignores it.
                let want =
                    if decl.ret == "void" { Expect::Void } else { Expect::St(FIXPROV_ERR_STALE_HANDLE) };
                self.run(entry, decl, &label, &move |_, a| a.v[i].set_int(handle), want);
            }
            // SAFETY: live engine; the session opened above.
            ok(unsafe { fixprov_session_close(c.main, live) }, "the live session");
        }
        self.count("stale handle", before);
        let before = self.calls.get();
        for case in &entry.cases {
            self.run(entry, decl, &case.label, &*case.edit, case.expect);
        }
        self.count("out-of-range value and state", before);
        let before = self.calls.get();
        // A panic inside: FIXPROV_ERR_PANIC, and the next call works.
        if decl.returns_status() {
            self.run_with(entry, decl, "injected panic", &|_, _| {}, Expect::St(FIXPROV_ERR_PANIC), true);
            self.run(entry, decl, "the call after a panic", &|_, _| {}, entry.ok);
        }
        self.count("injected panic and next call", before);
        if let Err(problem) = c.canary() {
            self.fail(format!("{}: after its cases: {problem}", entry.name));
        }
        c.after_entry();
    }
}

fn random_u64() -> u64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut x = nanos ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// The injected panics are expected: the default hook would print each with a backtrace.
fn quiet_injected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let text =
                payload.downcast_ref::<&str>().copied().or(payload.downcast_ref::<String>().map(|s| &s[..]));
            if !text.is_some_and(|t| t.contains("fixprov test hook: injected panic")) {
                default(info);
            }
        }));
    });
}

#[test]
fn every_entry_point_answers_its_documented_status_and_the_engine_keeps_working() {
    quiet_injected_panics();
    let decls = parse_header(&header_text());
    let entries = table();
    let c = Ctx::new();
    let m =
        Matrix { c: &c, failures: RefCell::new(Vec::new()), calls: Cell::new(0), tally: RefCell::default() };
    let started = Instant::now();
    for decl in &decls {
        // A function without an entry fails `the_table_covers_the_header`.
        if let Some(entry) = entries.iter().find(|e| e.name == decl.name) {
            m.entry(entry, decl);
        }
    }
    let failures = m.failures.into_inner();
    eprintln!(
        "ffi matrix: {} functions, {} calls ({:?}) in {:?}, {} failures",
        decls.len(),
        m.calls.get(),
        m.tally.borrow(),
        started.elapsed(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn an_over_long_comp_id_is_not_copied_into_the_audit_log() {
    // A peer controls tags 49 and 56: a megabyte of either is refused as unknown, and what the
    // audit log keeps of the attempt stays small.
    let engine = open_engine(true, None);
    let creds = Ctx::provision_on(engine, "mallory");
    let long = vec![b'A'; MIB];
    for (sender, target) in [(&long[..], creds.target.as_bytes()), (creds.sender.as_bytes(), &long[..])] {
        let mut session = 0;
        // SAFETY: live engine; every pair outlives the call; NULL optional out-parameters.
        let rc = unsafe {
            fixprov_logon(
                engine,
                sender.as_ptr(),
                sender.len(),
                target.as_ptr(),
                target.len(),
                creds.password.as_ptr(),
                creds.password.len(),
                null(),
                0,
                null(),
                0,
                &mut session,
                null_mut(),
                null_mut(),
            )
        };
        assert_eq!(rc, FIXPROV_LOGON_UNKNOWN_COMP_ID);
    }
    // SAFETY: live engine, read through its Rust side.
    unsafe { &*engine }.engine().audit().flush().unwrap();
    let (filter, mut lines) = (r#"{"event_prefix": "logon."}"#, null_mut());
    // SAFETY: live engine; the filter and out-parameter outlive the call.
    ok(unsafe { fixprov_audit_query(engine, filter.as_ptr(), filter.len(), &mut lines) }, "audit_query");
    let lines = take(lines);
    assert_eq!(lines.lines().count(), 2, "{lines:.400}");
    assert!(lines.len() < 4096, "{} bytes of audit for two refused logons", lines.len());
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
}

/// `text` with `from` replaced by `to` exactly once.
fn edited(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn the_matrix_fails_a_function_or_parameter_it_does_not_cover() {
    let header = header_text();
    let problems = |text: &str| check_table(&parse_header(text), &table()).join("\n");
    let added = edited(
        &header,
        "}  // extern \"C\"",
        "/**\n * Returns: FIXPROV_OK.\n */\nfixprov_status fixprov_new_thing(void);\n}  // extern \"C\"",
    );
    assert!(problems(&added).contains("fixprov_new_thing: declared in the header, not covered"));
    let removed = edited(&header, "const char *fixprov_version(void);", "");
    assert!(problems(&removed).contains("fixprov_version: in the matrix, not in the header"));
    let new_string = edited(
        &header,
        "fixprov_admin_stop(const struct fixprov_engine *engine);",
        "fixprov_admin_stop(const struct fixprov_engine *engine, const uint8_t *why, size_t why_len);",
    );
    assert!(problems(&new_string).contains("fixprov_admin_stop: no string cases for `why`"));
    let new_integer = edited(
        &header,
        "fixprov_admin_stop(const struct fixprov_engine *engine);",
        "fixprov_admin_stop(const struct fixprov_engine *engine, uint32_t flags);",
    );
    assert!(problems(&new_integer).contains("fixprov_admin_stop: no case for the integer `flags`"));
    let undocumented = edited(
        &header,
        "Returns: FIXPROV_OK or FIXPROV_ERR_NULL.\n * Thread safety: may be called from several threads at once.\n *\n \
         * # Safety\n * engine is NULL or live.\n */\nfixprov_status fixprov_admin_stop",
        "Returns: FIXPROV_OK.\n */\nfixprov_status fixprov_admin_stop",
    );
    assert!(
        problems(&undocumented).contains("fixprov_admin_stop: St(FIXPROV_ERR_NULL) is not what it documents")
    );
    assert_eq!(problems(&header), "");

    // A new pointer parameter: the entry's arguments no longer match, and its cases fail.
    let new_pointer = edited(
        &header,
        "fixprov_stats_json(const struct fixprov_engine *engine, char **out_json);",
        "fixprov_stats_json(const struct fixprov_engine *engine, char **out_json, uint32_t *out_n);",
    );
    let decls = parse_header(&new_pointer);
    assert_eq!(problems(&new_pointer), "", "the header-only checks pass: the run catches it");
    let decl = decls.iter().find(|d| d.name == "fixprov_stats_json").unwrap();
    let entries = table();
    let entry = entries.iter().find(|e| e.name == decl.name).unwrap();
    let c = Ctx::new();
    let m =
        Matrix { c: &c, failures: RefCell::new(Vec::new()), calls: Cell::new(0), tally: RefCell::default() };
    m.run(entry, decl, "valid arguments", &|_, _| {}, entry.ok);
    let failures = m.failures.into_inner().join("\n");
    assert!(
        failures.contains("arguments [Engine, Out], the header declares [Engine, Out, Out]"),
        "{failures}"
    );
}
