//! The admin HTTP server's limits, through the C ABI as a host drives it (security finding 4): a
//! client holding half a request head, dripping one, or holding many connections cannot hang
//! fixprov_admin_stop or fixprov_engine_close, nor keep valid requests out for good.

mod common;

use common::{parse, send, tokens_json, VIEWER};
use fixprov::ffi::*;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::ptr::{null, null_mut};
use std::time::{Duration, Instant};

use fixprov_status::*;

/// Shutdown's bound, as a correctness limit: the host's thread must come back.
const STOP_BOUND: Duration = Duration::from_secs(2);
const HALF_HEAD: &[u8] = b"GET /admin/fix/stats HTTP/1.1\r\nHost: x\r\n";

fn open() -> *mut fixprov_engine {
    let mut engine = null_mut();
    // SAFETY: NULL options mean defaults; `engine` is writable.
    assert_eq!(unsafe { fixprov_engine_open(null(), &mut engine) }, FIXPROV_OK);
    engine
}

fn start(engine: *mut fixprov_engine) -> SocketAddr {
    let (bind, tokens) = ("127.0.0.1:0", tokens_json());
    let mut port = 0u16;
    // SAFETY: live engine; the strings and `port` outlive the call.
    let rc = unsafe {
        fixprov_admin_start(engine, bind.as_ptr(), bind.len(), tokens.as_ptr(), tokens.len(), 0, &mut port)
    };
    assert_eq!(rc, FIXPROV_OK);
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn half_head(addr: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(HALF_HEAD).unwrap();
    stream
}

#[test]
fn admin_stop_returns_while_a_client_holds_half_a_request_head() {
    let engine = open();
    let addr = start(engine);
    let held = half_head(addr);
    std::thread::sleep(Duration::from_millis(100));
    let began = Instant::now();
    // SAFETY: live engine.
    assert_eq!(unsafe { fixprov_admin_stop(engine) }, FIXPROV_OK);
    assert!(began.elapsed() < STOP_BOUND, "fixprov_admin_stop took {:?}", began.elapsed());
    drop(held);
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
}

#[test]
fn engine_close_returns_while_a_client_holds_half_a_request_head() {
    let engine = open();
    let addr = start(engine);
    let held: Vec<TcpStream> = (0..3).map(|_| half_head(addr)).collect();
    std::thread::sleep(Duration::from_millis(100));
    let began = Instant::now();
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
    assert!(began.elapsed() < STOP_BOUND, "fixprov_engine_close took {:?}", began.elapsed());
    drop(held);
}

/// Reads until the server closes the connection or `bound` passes; true if it closed.
fn closed_within(stream: &mut TcpStream, bound: Duration) -> bool {
    let began = Instant::now();
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 1024];
    while began.elapsed() < bound {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return true,
        }
    }
    false
}

#[test]
fn a_slowloris_drip_is_cut_off_at_the_head_timeout() {
    let engine = open();
    let addr = start(engine);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_millis(1))).unwrap();
    let began = Instant::now();
    // One byte every 100 ms, never finishing the head: each byte would reset an idle timer.
    let head = b"GET /admin/fix/stats HTTP/1.1\r\nHost: x\r\nX-Drip: ".iter().chain(std::iter::repeat(&b'a'));
    let mut cut = false;
    let bound = fixprov::admin::http::HEAD_TIMEOUT + Duration::from_secs(5);
    for byte in head {
        if began.elapsed() > bound {
            break;
        }
        if stream.write_all(&[*byte]).is_err() {
            cut = true;
            break;
        }
        let mut buf = [0u8; 256];
        match stream.read(&mut buf) {
            Ok(0) => {
                cut = true;
                break;
            }
            Ok(_) => {} // hyper may answer 408 first; the close follows.
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => {
                cut = true;
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(cut, "a head dripped for {:?} was still being read", began.elapsed());
    assert!(
        began.elapsed() >= fixprov::admin::http::HEAD_TIMEOUT - Duration::from_millis(500),
        "cut before the head timeout: {:?}",
        began.elapsed()
    );
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let engine = open();
    let addr = start(engine);
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!("GET /admin/fix/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {VIEWER}\r\n\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut buf = [0u8; 4096];
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = stream.read(&mut buf).unwrap();
    assert_eq!(parse(&String::from_utf8_lossy(&buf[..n])).status, 200);
    // Kept alive, then idle: closed by the server after the head timeout.
    let bound = fixprov::admin::http::HEAD_TIMEOUT + Duration::from_secs(5);
    assert!(closed_within(&mut stream, bound), "an idle keep-alive connection stayed open");
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
}

#[test]
fn a_slow_body_is_answered_408() {
    let engine = open();
    let addr = start(engine);
    let mut stream = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST /admin/fix/suspend HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: 100\r\n\r\n{{",
        common::ADMIN
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.set_read_timeout(Some(fixprov::admin::http::BODY_TIMEOUT + Duration::from_secs(5))).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let answer = parse(&String::from_utf8_lossy(&raw));
    assert_eq!((answer.status, answer.error_code().as_deref()), (408, Some("request_timeout")), "{answer:?}");
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
}

#[test]
fn connections_over_the_cap_are_refused_and_valid_requests_served_once_others_close() {
    let engine = open();
    let addr = start(engine);
    let cap = fixprov::admin::http::MAX_CONNECTIONS;
    let held: Vec<TcpStream> = (0..cap).map(|_| half_head(addr)).collect();
    // The next connection is answered 503 at once (not left waiting for a place).
    let mut extra = TcpStream::connect(addr).unwrap();
    extra.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut raw = Vec::new();
    let _ = extra.read_to_end(&mut raw);
    let answer = parse(&String::from_utf8_lossy(&raw));
    assert_eq!(
        (answer.status, answer.error_code().as_deref()),
        (503, Some("too_many_connections")),
        "{answer:?}"
    );
    drop(held);
    // Once the held connections close, a valid request is served (the server sees the closes
    // asynchronously: a few 503s may come first, within a bounded number of tries).
    let mut served = false;
    for _ in 0..100 {
        let answer = send(addr, "GET", "/admin/fix/stats", Some(VIEWER), b"");
        if answer.status == 200 {
            served = true;
            break;
        }
        assert_eq!(answer.status, 503, "{answer:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(served, "a valid request was never served after the held connections closed");
    let began = Instant::now();
    // SAFETY: opened above, closed once.
    unsafe { fixprov_engine_close(engine) };
    assert!(began.elapsed() < STOP_BOUND);
}
