//! The C boundary's plumbing: the panic guard, NULL and slice checks, out-parameters, owned
//! pointers, and the thread's last error. This is the only home of raw-pointer `unsafe`.

use crate::admin::Admin;
use crate::engine::Engine;
use crate::error::Error;
use crate::ffi::status::fixprov_status;
use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// An opaque engine. Callers never see its layout.
// The top layer: it wires the engine to its admin part, which knows the engine (the engine knows
// nothing of it), and stops the admin part before the engine closes.
#[allow(non_camel_case_types)]
pub struct fixprov_engine {
    pub(crate) inner: Engine,
    pub(crate) admin: Admin,
}

impl fixprov_engine {
    /// Hands a Rust-built engine to C code; close it with `fixprov_engine_close`.
    pub fn into_raw(engine: Engine) -> *mut fixprov_engine {
        into_raw(fixprov_engine::new(engine))
    }

    pub(crate) fn new(engine: Engine) -> fixprov_engine {
        fixprov_engine { admin: Admin::new(&engine), inner: engine }
    }

    /// The engine behind the handle, for Rust code that holds one.
    pub fn engine(&self) -> &Engine {
        &self.inner
    }

    /// The engine's admin part.
    pub fn admin(&self) -> &Admin {
        &self.admin
    }
}

impl Drop for fixprov_engine {
    fn drop(&mut self) {
        // The server's requests use the engine: stop them before the engine closes.
        self.admin.stop();
    }
}

/// A failed call: its status, with the thread's last error already recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failure(pub fixprov_status);

/// What exported functions compute before conversion to a status.
pub(crate) type FfiResult<T> = Result<T, Failure>;

enum Message {
    Static(&'static CStr),
    Owned(CString),
}

thread_local! {
    static LAST_ERROR: RefCell<Message> = const { RefCell::new(Message::Static(c"no error")) };
}

#[cfg(feature = "test-hooks")]
thread_local! {
    static PANIC_NEXT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Test hook: the next exported call on this thread panics inside its guard.
#[cfg(feature = "test-hooks")]
pub fn inject_panic() {
    PANIC_NEXT.with(|p| p.set(true));
}

/// Records a fixed message as the thread's last error; never allocates (safe on the hot path).
#[cold]
#[inline(never)]
pub(crate) fn fail_static(status: fixprov_status, message: &'static CStr) -> Failure {
    LAST_ERROR.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            *m = Message::Static(message);
        }
    });
    Failure(status)
}

#[cold]
#[inline(never)]
fn fail_owned(status: fixprov_status, message: String) -> Failure {
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|m| {
        if let Ok(mut m) = m.try_borrow_mut() {
            *m = Message::Owned(message);
        }
    });
    Failure(status)
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let status = match &e {
            Error::InvalidArgument(_) => fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
            Error::NotFound(_) => fixprov_status::FIXPROV_ERR_NOT_FOUND,
            Error::LimitReached(_) => fixprov_status::FIXPROV_ERR_LIMIT_REACHED,
            Error::StaleHandle => {
                return fail_static(fixprov_status::FIXPROV_ERR_STALE_HANDLE, c"stale session handle")
            }
            Error::Internal(_) => fixprov_status::FIXPROV_ERR_INTERNAL,
            Error::AlreadyExists(_) => fixprov_status::FIXPROV_ERR_ALREADY_EXISTS,
            Error::InvalidState(_) => fixprov_status::FIXPROV_ERR_INVALID_STATE,
            Error::WrongMasterPassword => fixprov_status::FIXPROV_ERR_WRONG_MASTER_PASSWORD,
            Error::Corrupt(_) => fixprov_status::FIXPROV_ERR_CORRUPT,
            Error::Storage(_) => fixprov_status::FIXPROV_ERR_STORAGE,
            Error::NotEligible(_) => fixprov_status::FIXPROV_ERR_NOT_ELIGIBLE,
        };
        fail_owned(status, e.to_string())
    }
}

/// Pointer to the thread's last error text, valid until the next failing call on this thread.
pub(crate) fn last_error() -> *const std::ffi::c_char {
    LAST_ERROR.with(|m| match &*m.borrow() {
        Message::Static(s) => s.as_ptr(),
        Message::Owned(s) => s.as_ptr(),
    })
}

/// Runs the body of an exported function; a panic becomes `FIXPROV_ERR_PANIC` instead of unwinding
/// into the host (which would abort it: a JVM or a trading gateway).
#[inline(always)]
pub(crate) fn guard(body: impl FnOnce() -> FfiResult<fixprov_status>) -> fixprov_status {
    let run = AssertUnwindSafe(|| {
        #[cfg(feature = "test-hooks")]
        if PANIC_NEXT.with(|p| p.replace(false)) {
            panic!("fixprov test hook: injected panic");
        }
        body()
    });
    match catch_unwind(run) {
        Ok(Ok(status)) => status,
        Ok(Err(Failure(status))) => status,
        Err(payload) => caught(payload),
    }
}

/// Records a caught panic and drops its payload; out of line, so the landing pad of every guarded
/// call stays one call and the hot check keeps its registers free.
#[cold]
#[inline(never)]
fn caught(payload: Box<dyn std::any::Any + Send>) -> fixprov_status {
    drop(payload);
    fail_static(
        fixprov_status::FIXPROV_ERR_PANIC,
        c"panic inside fixprov (caught; the engine is still usable)",
    )
    .0
}

/// Like [`guard`] for functions that return nothing (frees): a panic is swallowed.
pub(crate) fn guard_void(body: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(body));
}

#[cold]
#[inline(never)]
fn null(what: &'static CStr) -> Failure {
    fail_static(fixprov_status::FIXPROV_ERR_NULL, what)
}

/// The engine behind `ptr`.
///
/// # Safety
/// `ptr` is NULL or a pointer returned by `fixprov_engine_open` and not yet closed.
#[inline(always)]
pub(crate) unsafe fn engine<'a>(ptr: *const fixprov_engine) -> FfiResult<&'a Engine> {
    // SAFETY: the caller guarantees a non-NULL `ptr` is a live engine; `as_ref` checks NULL.
    match unsafe { ptr.as_ref() } {
        Some(e) => Ok(&e.inner),
        None => Err(null(c"engine is NULL")),
    }
}

/// The handle behind `ptr`: the engine and its admin part.
///
/// # Safety
/// As for [`engine`].
pub(crate) unsafe fn handle<'a>(ptr: *const fixprov_engine) -> FfiResult<&'a fixprov_engine> {
    // SAFETY: the caller guarantees a non-NULL `ptr` is a live engine; `as_ref` checks NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(c"engine is NULL"))
}

/// The engine and a user id: the first arguments of most calls.
///
/// # Safety
/// As for [`engine`] and [`text`].
#[inline]
pub(crate) unsafe fn engine_and_user<'a>(
    engine_ptr: *const fixprov_engine,
    user: *const u8,
    user_len: usize,
) -> FfiResult<(&'a Engine, &'a str)> {
    // SAFETY: forwarded contract.
    let engine = unsafe { engine(engine_ptr) }?;
    // SAFETY: forwarded contract.
    let user = unsafe { text(user, user_len, c"user is NULL") }?;
    Ok((engine, user))
}

/// `(ptr, len)` as bytes: `(NULL, 0)` is empty, `(NULL, n > 0)` is an error. Nothing is built
/// before the NULL check.
///
/// # Safety
/// A non-NULL `ptr` points to `len` readable bytes that stay valid and unchanged for `'a`.
pub(crate) unsafe fn bytes<'a>(ptr: *const u8, len: usize, what: &'static CStr) -> FfiResult<&'a [u8]> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(null(what)) };
    }
    if len > isize::MAX as usize {
        return Err(fail_static(
            fixprov_status::FIXPROV_ERR_INVALID_ARGUMENT,
            c"length is larger than isize::MAX",
        ));
    }
    // SAFETY: `ptr` is non-NULL and the caller guarantees `len` readable bytes for `'a`.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// `(ptr, len)` as UTF-8 text; invalid UTF-8 is `FIXPROV_ERR_UTF8`.
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn text<'a>(ptr: *const u8, len: usize, what: &'static CStr) -> FfiResult<&'a str> {
    // SAFETY: forwarded contract.
    let raw = unsafe { bytes(ptr, len, what) }?;
    std::str::from_utf8(raw)
        .map_err(|_| fail_static(fixprov_status::FIXPROV_ERR_UTF8, c"a string argument is not valid UTF-8"))
}

/// Like [`text`], but an empty argument means "none": `(NULL, 0)` and a non-NULL pointer with
/// length 0 alike, since the header makes `(NULL, 0)` the empty string (a C++ host passes an empty
/// `std::string` as a non-NULL pointer, an empty `std::string_view` as NULL).
///
/// # Safety
/// As for [`bytes`].
pub(crate) unsafe fn optional_text<'a>(
    ptr: *const u8,
    len: usize,
    what: &'static CStr,
) -> FfiResult<Option<&'a str>> {
    if len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { text(ptr, len, what) }.map(Some)
}

/// Checks an out-parameter for NULL before any work is done.
pub(crate) fn out_ptr<T>(ptr: *mut T, what: &'static CStr) -> FfiResult<OutPtr<T>> {
    if ptr.is_null() {
        Err(null(what))
    } else {
        Ok(OutPtr(ptr))
    }
}

/// A checked, non-NULL out-parameter; written only on success.
pub(crate) struct OutPtr<T>(*mut T);

impl<T> OutPtr<T> {
    /// Writes the result.
    ///
    /// # Safety
    /// The pointer given to [`out_ptr`] is valid for a write of `T` (it may be uninitialized).
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: non-NULL (checked in `out_ptr`) and writable by the caller's guarantee.
        unsafe { self.0.write(value) }
    }
}

/// A reference to a caller's struct.
///
/// # Safety
/// A non-NULL `ptr` points to a valid, initialized `T` for `'a`.
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, what: &'static CStr) -> FfiResult<&'a T> {
    // SAFETY: the caller guarantees validity of a non-NULL pointer; `as_ref` checks NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(what))
}

/// A mutable reference to an object the library handed out.
///
/// # Safety
/// A non-NULL `ptr` came from [`into_raw`] and is not freed, nor used by another thread meanwhile.
pub(crate) unsafe fn borrow_mut<'a, T>(ptr: *mut T, what: &'static CStr) -> FfiResult<&'a mut T> {
    // SAFETY: the caller guarantees exclusive access to a live object; `as_mut` checks NULL.
    unsafe { ptr.as_mut() }.ok_or_else(|| null(what))
}

/// Hands ownership of `value` to C.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes back ownership of an object handed out by [`into_raw`]; NULL gives `None`.
///
/// # Safety
/// A non-NULL `ptr` came from [`into_raw`] with the same `T` and is not freed yet.
pub(crate) unsafe fn from_raw<T>(ptr: *mut T) -> Option<Box<T>> {
    // SAFETY: per the contract, `ptr` is a live `Box<T>` allocation we handed out.
    (!ptr.is_null()).then(|| unsafe { Box::from_raw(ptr) })
}

/// Hands a string to C as a NUL-terminated buffer; free it with `fixprov_string_free`.
pub(crate) fn string_into_raw(s: String) -> *mut std::ffi::c_char {
    CString::new(s.replace('\0', " ")).unwrap_or_default().into_raw()
}

/// Hands bytes (a secret, valid UTF-8 without NUL) to C without an intermediate copy; free with
/// `fixprov_string_free`, which wipes them.
pub(crate) fn bytes_into_raw(bytes: Vec<u8>) -> *mut std::ffi::c_char {
    match CString::new(bytes) {
        Ok(s) => s.into_raw(),
        Err(e) => {
            let mut v = e.into_vec();
            zeroize::Zeroize::zeroize(&mut v);
            CString::default().into_raw()
        }
    }
}

/// Serializes `value` as JSON and hands it to C; free with `fixprov_string_free`.
pub(crate) fn json_into_raw<T: serde::Serialize>(value: &T) -> FfiResult<*mut std::ffi::c_char> {
    serde_json::to_string(value)
        .map(string_into_raw)
        .map_err(|e| Error::Internal(format!("serializing the answer: {e}").into()).into())
}

/// Wipes and frees a string from [`string_into_raw`].
///
/// # Safety
/// A non-NULL `ptr` came from [`string_into_raw`] and is not freed yet.
pub(crate) unsafe fn string_free(ptr: *mut std::ffi::c_char) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: per the contract, `ptr` is a live `CString` allocation we handed out.
    let owned = unsafe { CString::from_raw(ptr) };
    let mut bytes = owned.into_bytes_with_nul();
    for b in bytes.iter_mut() {
        // SAFETY: `b` is a valid, exclusive `&mut u8`; the volatile write keeps the wipe from being
        // optimized away before the buffer is freed.
        unsafe { std::ptr::write_volatile(b, 0) };
    }
}

/// A `void *` the host gave us with a callback, sent to whichever thread raises an event.
#[derive(Clone, Copy)]
pub(crate) struct HostContext(pub *mut std::ffi::c_void);

// SAFETY: the host documents (fixprov_set_event_callback) that its context may be used from any
// thread; we never dereference it, only pass it back.
unsafe impl Send for HostContext {}
// SAFETY: as above; the pointer is only copied.
unsafe impl Sync for HostContext {}
