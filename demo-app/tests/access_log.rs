//! The access log is written by a background thread (src/logging/writer.rs): what the workers
//! logged just before a SIGTERM still reaches stderr before the process exits.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::Server;

const CONNECTIONS: usize = 4;
const PER_CONNECTION: usize = 50;

/// 200 requests as fast as the server answers them (pipelined, on 4 connections at once),
/// and a SIGTERM as soon as the last answer is in: every request has its access line, and
/// the process exits with 0.
#[test]
fn access_lines_logged_just_before_sigterm_reach_the_log() {
    let server = Server::start(&[]);
    let addr = server.addr;
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut requests = String::new();
                for i in 0..PER_CONNECTION {
                    let close = if i + 1 == PER_CONNECTION {
                        "Connection: close\r\n"
                    } else {
                        ""
                    };
                    requests.push_str(&format!(
                        "GET /flushed/{c}/{i} HTTP/1.1\r\nHost: {addr}\r\n{close}\r\n"
                    ));
                }
                let mut stream = TcpStream::connect(addr).expect("connect");
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .expect("timeout");
                stream.write_all(requests.as_bytes()).expect("write");
                let mut answers = Vec::new();
                stream.read_to_end(&mut answers).expect("read");
                String::from_utf8_lossy(&answers).into_owned()
            })
        })
        .collect();
    for client in clients {
        let answers = client.join().expect("client thread");
        assert_eq!(
            answers.matches("HTTP/1.1 404 ").count(),
            PER_CONNECTION,
            "{answers}"
        );
    }
    let (status, logs) = server.terminate(Duration::from_secs(15));
    let status = status.expect("exits after SIGTERM");
    assert!(status.success(), "{status:?}\n{logs}");
    let access: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("demo_app::access") && l.contains("path=\"/flushed/"))
        .collect();
    for c in 0..CONNECTIONS {
        for i in 0..PER_CONNECTION {
            let path = format!("path=\"/flushed/{c}/{i}\"");
            let lines = access.iter().filter(|l| l.contains(&path)).count();
            assert_eq!(lines, 1, "{path}: {lines} access lines\n{logs}");
        }
    }
    assert_eq!(access.len(), CONNECTIONS * PER_CONNECTION, "{logs}");
    assert!(
        access
            .iter()
            .all(|l| l.contains(" INFO ") && l.contains("status=404")),
        "{logs}"
    );
    // Logged as the process exits: written only because the queue is flushed then.
    assert!(
        logs.lines().any(|l| l.ends_with("demo_app: stopped")),
        "{logs}"
    );
}
