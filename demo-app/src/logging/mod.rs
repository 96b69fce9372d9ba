//! Logs with `tracing`, to stderr, written by a background thread.
//!
//! The access log (target `demo_app::access`) has one line per request: the client address
//! ([`client_addr`]: the peer, or what a trusted proxy reports), method, path, status and
//! latency. Requests that never reach the app are in it too, logged by the connection
//! layer (`src/conn.rs`): a malformed request (`warn`, status 400 or 431, and the parser's
//! reason) and a request head or body that did not arrive in time (`info`, 408). The query
//! string, headers and bodies are never logged: they may carry tokens or passwords.
//!
//! # Writing: never on a worker
//!
//! [`init`] installs `tracing-subscriber`'s fmt layer over a [`LogWriter`]: each thread
//! appends its lines to a buffer of its own, and one background thread (`demo-app-log`)
//! writes the buffers to stderr, one write per buffer every [`WRITE_PAUSE`](writer::WRITE_PAUSE) (10 ms) under
//! load, at once when the server is idle. A worker never makes a system call, allocates or
//! wakes another thread to log; its lines are bounded ([`BUFFER_LIMIT`](writer::BUFFER_LIMIT): it waits for room
//! rather than drop a line) and written out when [`init`]'s [`LogGuard`] is dropped: `main`
//! keeps it until the server has stopped (SIGTERM or SIGINT: a graceful stop, every
//! request under way answered and logged) and the last line (`stopped`, or the error of a
//! bad configuration) is logged. Only a process killed outright (SIGKILL) loses lines:
//! those of its last 10 ms. See [`writer`].
//!
//! # The access line: written by the middleware
//!
//! [`access_log`] formats its line itself, exactly as the fmt layer would (the same
//! timestamp, level, target and fields, ANSI colours on a terminal: [`line`]), straight
//! into its thread's buffer, before the response is sent, so that the log has the line of
//! every request a client has seen answered, in that order. That costs a fraction of a
//! `tracing` event: no dispatch, no field visiting, no float formatting, no allocation;
//! the date is formatted once a second and the client's address once per client in a row. Whether it
//! is written is the filter's decision, taken once at [`init`] as for any event
//! (`--log-level warn` or `demo_app::access=off` silence it). Without [`init`]'s subscriber
//! (a test with a subscriber of its own) it is an ordinary `tracing` event with the same
//! fields. Every other line goes through `tracing`.

mod line;
pub mod writer;

use std::cell::RefCell;
use std::fmt;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest};
use smallvec::SmallVec;
use tracing_subscriber::EnvFilter;

use line::{Clock, Millis, format_ip, write_access_line};
use writer::{LogWriter, WriterGuard};

/// actix-http logs the error of every connection it fails at `ERROR` under this target
/// (`stream error: ...`), a malformed request from any client included; the connection
/// layer logs those itself, once, at the level they deserve. Filtered out unless the
/// filter names `actix_http` itself.
const ACTIX_DISPATCHER_OFF: &str = "actix_http::h1::dispatcher=off";

/// The access log's target.
const ACCESS: &str = "demo_app::access";

/// Where [`access_log`] writes its lines, once [`init`] has installed the subscriber.
static ACCESS_WRITER: OnceLock<AccessWriter> = OnceLock::new();

struct AccessWriter {
    writer: LogWriter,
    ansi: bool,
    /// Whether the filter lets access lines through: decided once (the filter is static).
    on: bool,
}

/// Keeps the log's writing thread; dropping it writes what is still buffered. Keep it
/// until the last line is logged.
#[must_use = "dropping the guard ends the log: keep it until the process exits"]
pub struct LogGuard {
    _writer: Option<WriterGuard>,
}

impl fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogGuard").finish_non_exhaustive()
    }
}

/// Installs the global subscriber, writing to stderr through a background thread (see the
/// module docs). `filter` is an `EnvFilter` directive (`info`, `demo_app=debug`, ..); an
/// invalid one falls back to `info`. ANSI colours when stderr is a terminal. Should the
/// thread not start (no thread can be made), the log is written synchronously.
pub fn init(filter: &str) -> LogGuard {
    let ansi = std::io::stderr().is_terminal();
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(env_filter(filter))
        .with_ansi(ansi);
    let Ok((writer, guard)) = LogWriter::start(std::io::stderr()) else {
        let _ = fmt.with_writer(std::io::stderr).try_init();
        return LogGuard { _writer: None };
    };
    if fmt.with_writer(writer.clone()).try_init().is_ok() {
        let on = tracing::enabled!(target: ACCESS, tracing::Level::INFO);
        let _ = ACCESS_WRITER.set(AccessWriter { writer, ansi, on });
    }
    LogGuard {
        _writer: Some(guard),
    }
}

fn env_filter(filter: &str) -> EnvFilter {
    let filter = if EnvFilter::try_new(filter).is_ok() {
        filter
    } else {
        "info"
    };
    if filter.contains("actix_http") {
        EnvFilter::new(filter)
    } else {
        EnvFilter::new(format!("{filter},{ACTIX_DISPATCHER_OFF}"))
    }
}

/// The client address of `req`: the connection's peer, or, when the peer is one of the
/// `--trusted-proxies`, the client the proxy reports in its forwarding header (see
/// [`crate::proxy`]). `0.0.0.0` for a request without a peer (in-process tests only).
pub fn client_addr(req: &HttpRequest) -> IpAddr {
    crate::proxy::client_addr(req)
}

/// Middleware: logs each request once it is answered.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let access = ACCESS_WRITER.get();
    let on = match access {
        Some(access) => access.on,
        None => tracing::enabled!(target: ACCESS, tracing::Level::INFO),
    };
    if !on {
        return next.call(req).await;
    }
    let start = Instant::now();
    let client = client_addr(req.request());
    let method = req.method().clone();
    // The path is read from the response's request; this copy (on the stack unless it is
    // long) is for a service that fails without a response, which none of the app's do.
    // (Not a clone of the request: the router needs to hold it alone.)
    let path = SmallVec::<[u8; 128]>::from_slice(req.path().as_bytes());
    let res = next.call(req).await;
    let latency = start.elapsed();
    let (path, status) = match &res {
        Ok(res) => (res.request().path(), res.status()),
        Err(error) => (
            std::str::from_utf8(&path).unwrap_or("?"),
            error.as_response_error().status_code(),
        ),
    };
    let status = status.as_u16();
    match access {
        Some(access) => access.write(client, &method, path, status, latency),
        None => tracing::info!(
            target: ACCESS,
            %client,
            %method,
            path,
            status,
            latency_ms = %Millis(latency),
            "request"
        ),
    }
    res
}

impl AccessWriter {
    /// Formats the access line of one request into this thread's log buffer: before the
    /// response is sent, so that the log has the line of every request a client has seen
    /// answered.
    fn write(&self, client: IpAddr, method: &Method, path: &str, status: u16, latency: Duration) {
        LINE.with_borrow_mut(|line| {
            // Clients come back (keep-alive): the last one's address is kept formatted.
            if line.client != Some(client) {
                format_ip(&mut line.client_text, client);
                line.client = Some(client);
            }
            let now = SystemTime::now();
            self.writer.append(|buf| {
                line.clock.write(buf, now, self.ansi);
                let text = &line.client_text;
                write_access_line(buf, self.ansi, text, method.as_str(), path, status, latency);
            });
        });
    }
}

thread_local! {
    /// Each worker's last client and its clock.
    static LINE: RefCell<Line> = RefCell::new(Line {
        client: None,
        client_text: Vec::with_capacity(48),
        clock: Clock::default(),
    });
}

struct Line {
    /// The last client, and its address formatted.
    client: Option<IpAddr>,
    client_text: Vec<u8>,
    clock: Clock,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatcher_is_silenced_unless_named() {
        assert_eq!(
            env_filter("info").to_string(),
            "actix_http::h1::dispatcher=off,info"
        );
        assert_eq!(
            env_filter("not a [filter").to_string(),
            "actix_http::h1::dispatcher=off,info"
        );
        assert_eq!(
            env_filter("info,actix_http=trace").to_string(),
            "actix_http=trace,info"
        );
    }
}
