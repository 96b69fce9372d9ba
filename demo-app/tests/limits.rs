//! Slow and numerous clients (issue 14): the header and body timeouts close slow
//! connections, one address cannot take more than its share of connections, the
//! open-files limit is raised and respected, and what never reaches the app (a malformed
//! request, a timed-out head) is logged once, without alerting, in the access log.
//!
//! The only timing in these tests is a generous bound on how long a connection may stay
//! open: long enough never to fail on a loaded machine, far below "forever".

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

use common::Server;
use socket2::{Domain, Socket, Type};

/// How long a connection that should be closed may take to be: the timeouts under test
/// are a second; a slow CI machine gets plenty more.
const CLOSED_WITHIN: Duration = Duration::from_secs(10);

/// A connection to `server` from `local` (a loopback address: 127.0.0.2 is another client).
fn connect_from(local: &str, server: SocketAddr) -> TcpStream {
    let local: IpAddr = local.parse().expect("an address");
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    socket
        .bind(&SocketAddr::new(local, 0).into())
        .expect("bind the client address");
    socket.connect(&server.into()).expect("connect");
    socket.into()
}

/// Reads until the server closes the connection or `within` passes; what was read, and
/// whether it was closed.
fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (Vec<u8>, bool) {
    stream.set_read_timeout(Some(within)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return (got, true),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (got, false);
            }
            Err(e) => panic!("read: {e}"),
        }
    }
}

/// Reads one response (head and `Content-Length` body) from a kept-alive connection.
fn read_response(stream: &mut TcpStream) -> String {
    stream
        .set_read_timeout(Some(CLOSED_WITHIN))
        .expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    loop {
        let n = stream.read(&mut buf).expect("a response");
        assert!(
            n > 0,
            "closed before a response: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if got.len() >= end + 4 + length {
                return text;
            }
        }
    }
}

fn status(response: &[u8]) -> Option<u16> {
    String::from_utf8_lossy(response)
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
}

const STATUS: &[u8] = b"GET /status/ HTTP/1.1\r\nHost: x\r\n\r\n";

/// The reproduction: a `/token` head announcing 100 bytes, 10 of them, then
/// nothing. Today's answer: 408, and the connection closed.
#[test]
fn a_slow_body_is_closed_within_the_body_timeout() {
    let server = Server::start(&["--body-timeout-ms", "1000"]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream
        .write_all(
            b"POST /token HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 100\r\n\r\nusername=j",
        )
        .expect("write");
    let (response, closed) = read_until_closed(&mut stream, CLOSED_WITHIN);
    assert!(closed, "still open: {}", String::from_utf8_lossy(&response));
    assert_eq!(
        status(&response),
        Some(408),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert!(
        String::from_utf8_lossy(&response).contains("connection: close"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    // Other clients never noticed.
    assert_eq!(server.get("/status/", None).status, 401);
    // A body that arrives in time is read as usual, on a connection that is kept.
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    let form = b"username=johndoe&password=secret";
    stream
        .write_all(
            format!(
                "POST /token HTTP/1.1\r\nHost: x\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\n\
                 Content-Length: {}\r\n\r\n",
                form.len()
            )
            .as_bytes(),
        )
        .expect("write head");
    stream.write_all(form).expect("write body");
    assert!(read_response(&mut stream).starts_with("HTTP/1.1 200"));
    stream.write_all(STATUS).expect("write");
    assert!(read_response(&mut stream).starts_with("HTTP/1.1 401"));

    let (status, logs) = server.terminate(CLOSED_WITHIN);
    assert!(status.is_some(), "{logs}");
    let line = logs
        .lines()
        .find(|l| l.contains("status=408"))
        .unwrap_or_else(|| panic!("the 408 is in the access log:\n{logs}"));
    assert!(
        line.contains("demo_app::access") && line.contains("client=127.0.0.1"),
        "{line}"
    );
    assert!(!logs.contains("ERROR"), "{logs}");
}

/// A body sent in chunks, one a while, to a route that never reads it: the connection does
/// not stay open draining it.
#[test]
fn an_unread_slow_body_is_not_drained_forever() {
    let server = Server::start(&["--body-timeout-ms", "1000"]);
    let mut stream = TcpStream::connect(server.addr).expect("connect");
    stream
        .write_all(
            b"GET /status/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n",
        )
        .expect("write");
    let deadline = std::time::Instant::now() + CLOSED_WITHIN;
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    let closed = loop {
        if std::time::Instant::now() > deadline {
            break false;
        }
        // One more chunk every 200 ms, as long as the server reads them.
        if stream.write_all(b"1\r\nb\r\n").is_err() {
            break true;
        }
        match stream.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break true,
            Err(_) => {}
        }
    };
    assert!(closed, "still draining: {}", String::from_utf8_lossy(&got));
    assert_eq!(status(&got), Some(401), "{}", String::from_utf8_lossy(&got));
}

/// A head that never completes: on a new connection (408), and on a kept-alive one after
/// a first request (closed; actix-web alone times only the first head).
#[test]
fn slow_headers_are_closed_within_the_header_timeout() {
    let server = Server::start(&["--header-timeout-ms", "1000", "--keep-alive-s", "60"]);

    let mut first = TcpStream::connect(server.addr).expect("connect");
    first
        .write_all(b"GET /status/ HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let (response, closed) = read_until_closed(&mut first, CLOSED_WITHIN);
    assert!(closed, "first head: still open");
    assert_eq!(
        status(&response),
        Some(408),
        "{}",
        String::from_utf8_lossy(&response)
    );

    let mut later = TcpStream::connect(server.addr).expect("connect");
    later.write_all(STATUS).expect("write");
    assert!(read_response(&mut later).starts_with("HTTP/1.1 401"));
    later
        .write_all(b"GET /status/ HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .expect("write");
    let (response, closed) = read_until_closed(&mut later, CLOSED_WITHIN);
    assert!(closed, "second head: still open");
    assert!(
        response.is_empty(),
        "{}",
        String::from_utf8_lossy(&response)
    );

    // An idle kept-alive connection is not a slow head: it is kept until keep-alive ends.
    let mut idle = TcpStream::connect(server.addr).expect("connect");
    idle.write_all(STATUS).expect("write");
    assert!(read_response(&mut idle).starts_with("HTTP/1.1 401"));
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(3));
    assert!(!closed, "an idle connection is kept for its keep-alive");
    idle.write_all(STATUS).expect("write");
    assert!(read_response(&mut idle).starts_with("HTTP/1.1 401"));

    let (_, logs) = server.terminate(CLOSED_WITHIN);
    let timeouts: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("request timeout"))
        .collect();
    assert_eq!(timeouts.len(), 2, "one line per slow head:\n{logs}");
    for line in timeouts {
        assert!(
            line.contains(" INFO ") && line.contains("client=127.0.0.1"),
            "{line}"
        );
    }
    assert!(!logs.contains("ERROR"), "{logs}");
}

/// One address gets `--max-connections-per-ip` connections; the next is closed before a
/// byte is read, while other addresses are served, and a closed connection frees its slot.
#[test]
fn connections_per_address_are_capped() {
    let server = Server::start(&[
        "--max-connections-per-ip",
        "3",
        "--keep-alive-s",
        "60",
        "--header-timeout-ms",
        "30000",
    ]);
    let mut held: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = connect_from("127.0.0.2", server.addr);
            stream.write_all(STATUS).expect("write");
            assert!(read_response(&mut stream).starts_with("HTTP/1.1 401"));
            stream
        })
        .collect();

    let mut over = connect_from("127.0.0.2", server.addr);
    // The server may have closed it before this write arrives: either is fine.
    let _ = over.write_all(STATUS);
    let (response, closed) = read_until_closed(&mut over, CLOSED_WITHIN);
    assert!(closed, "the fourth connection from 127.0.0.2 is closed");
    assert!(
        response.is_empty(),
        "and never answered: {}",
        String::from_utf8_lossy(&response)
    );

    // Another address is not affected, and neither are the connections held.
    assert_eq!(server.get("/status/", None).status, 401);
    let mut other = connect_from("127.0.0.3", server.addr);
    other.write_all(STATUS).expect("write");
    assert!(read_response(&mut other).starts_with("HTTP/1.1 401"));
    held[0].write_all(STATUS).expect("write");
    assert!(read_response(&mut held[0]).starts_with("HTTP/1.1 401"));

    // A closed connection frees its slot (once the server has seen it close).
    drop(held.pop());
    let deadline = std::time::Instant::now() + CLOSED_WITHIN;
    let served = loop {
        let mut again = connect_from("127.0.0.2", server.addr);
        let _ = again.write_all(STATUS);
        let (response, _) = read_until_closed(&mut again, Duration::from_millis(500));
        if status(&response) == Some(401) {
            break true;
        }
        if std::time::Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(served, "a slot was freed");

    let (_, logs) = server.terminate(CLOSED_WITHIN);
    let line = logs
        .lines()
        .find(|l| l.contains("per-address limit"))
        .unwrap_or_else(|| panic!("the refusal is logged:\n{logs}"));
    assert!(
        line.contains(" WARN ") && line.contains("client=127.0.0.2") && line.contains("limit=3"),
        "{line}"
    );
}

/// Every client behind a trusted proxy shares its address: the proxy is not capped.
#[test]
fn trusted_proxies_are_exempt_from_the_address_limit() {
    let server = Server::start(&[
        "--max-connections-per-ip",
        "1",
        "--trusted-proxies",
        "127.0.0.2",
        "--keep-alive-s",
        "60",
    ]);
    let _proxied: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut stream = connect_from("127.0.0.2", server.addr);
            stream.write_all(STATUS).expect("write");
            assert!(read_response(&mut stream).starts_with("HTTP/1.1 401"));
            stream
        })
        .collect();
    let mut first = connect_from("127.0.0.3", server.addr);
    first.write_all(STATUS).expect("write");
    assert!(read_response(&mut first).starts_with("HTTP/1.1 401"));
    let mut second = connect_from("127.0.0.3", server.addr);
    let _ = second.write_all(STATUS);
    let (response, closed) = read_until_closed(&mut second, CLOSED_WITHIN);
    assert!(closed && response.is_empty(), "127.0.0.3 is capped at one");
}

/// A request actix-http cannot parse (a control byte in a header name): answered 400
/// before it reaches the app; logged once, as a warning with the parser's reason, in the
/// access log with the client address; no `ERROR`.
#[test]
fn a_malformed_request_is_logged_once_without_alerting() {
    let server = Server::start(&[]);
    let response = server.raw(b"GET /status/ HTTP/1.1\r\nHost: x\r\nBad\x01Header: y\r\n\r\n");
    assert_eq!(response.status, 400);
    let (_, logs) = server.terminate(CLOSED_WITHIN);
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("malformed") || l.contains("invalid Header"))
        .collect();
    assert_eq!(lines.len(), 1, "logged once:\n{logs}");
    let line = lines[0];
    for expected in [
        " WARN ",
        "demo_app::access",
        "client=127.0.0.1",
        "status=400",
        "reason=invalid Header provided",
    ] {
        assert!(line.contains(expected), "{expected} in {line}");
    }
    assert!(!logs.contains("ERROR"), "{logs}");
}

/// Every access line names the client: its address, wherever it connects from.
#[test]
fn the_access_log_carries_the_client_address() {
    let server = Server::start(&[]);
    let mut stream = connect_from("127.0.0.2", server.addr);
    stream.write_all(STATUS).expect("write");
    assert!(read_response(&mut stream).starts_with("HTTP/1.1 401"));
    // Without trusted proxies, forwarding headers are the client's word: ignored.
    let _ = server.send(
        "GET",
        "/status/",
        &[("X-Forwarded-For", "198.51.100.9")],
        b"",
    );
    let (_, logs) = server.terminate(CLOSED_WITHIN);
    let access: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("demo_app::access") && l.contains("path=\"/status/\""))
        .collect();
    assert_eq!(access.len(), 2, "{logs}");
    assert!(access[0].contains("client=127.0.0.2"), "{}", access[0]);
    assert!(access[1].contains("client=127.0.0.1"), "{}", access[1]);
    assert!(!logs.contains("198.51.100.9"), "{logs}");
}

/// `X-Forwarded-For` names the client only when the peer is a trusted proxy; the
/// `Forwarded` header only when configured.
#[test]
fn forwarding_headers_are_believed_only_from_trusted_proxies() {
    let server = Server::start(&["--trusted-proxies", "127.0.0.1"]);
    let _ = server.send(
        "GET",
        "/status/",
        &[("X-Forwarded-For", "6.6.6.6, 203.0.113.7")],
        b"",
    );
    let mut untrusted = connect_from("127.0.0.2", server.addr);
    untrusted
        .write_all(b"GET /status/ HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.9\r\n\r\n")
        .expect("write");
    assert!(read_response(&mut untrusted).starts_with("HTTP/1.1 401"));
    let (_, logs) = server.terminate(CLOSED_WITHIN);
    let access: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("demo_app::access"))
        .collect();
    assert_eq!(access.len(), 2, "{logs}");
    assert!(access[0].contains("client=203.0.113.7"), "{}", access[0]);
    assert!(access[1].contains("client=127.0.0.2"), "{}", access[1]);
    assert!(
        !logs.contains("6.6.6.6") && !logs.contains("198.51.100.9"),
        "{logs}"
    );

    let server = Server::start(&[
        "--trusted-proxies",
        "127.0.0.0/8",
        "--trusted-proxy-header",
        "forwarded",
    ]);
    let _ = server.send(
        "GET",
        "/status/",
        &[
            ("Forwarded", "for=\"[2001:db8::7]:4711\";proto=https"),
            ("X-Forwarded-For", "198.51.100.9"),
        ],
        b"",
    );
    let (_, logs) = server.terminate(CLOSED_WITHIN);
    assert!(logs.contains("client=2001:db8::7"), "{logs}");
}

/// At start the soft open-files limit is raised to the hard one; with a low hard limit the
/// connection cap is lowered to keep a reserve of descriptors below it.
#[test]
fn the_open_files_limit_is_raised_and_kept_below() {
    let server = Server::start_after("ulimit -Sn 256 && ulimit -Hn 4096", &[]);
    let (_, logs) = server.terminate(CLOSED_WITHIN);
    assert!(
        logs.contains("open-files limit raised to the hard limit from=256 to=4096"),
        "{logs}"
    );

    let server = Server::start_after("ulimit -n 256", &[]);
    assert_eq!(server.get("/status/", None).status, 401);
    let (_, logs) = server.terminate(CLOSED_WITHIN);
    // 256 - (64 + 256 / 16) = 176 descriptors for two workers' connections.
    assert!(
        logs.contains("connections per worker lowered") && logs.contains("lowered_to=88"),
        "{logs}"
    );
    assert!(logs.contains("max_connections_per_worker=88"), "{logs}");
}
