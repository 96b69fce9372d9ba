//! The connection layer, between `actix-server` (which accepts TCP connections) and
//! `actix-http` (which speaks HTTP/1.1 on them): what `HttpServer` cannot do.
//!
//! - **Connections per client address.** Each accepted connection takes a slot in a shared
//!   table keyed by its peer address (an IPv4 address, or an IPv6 address's /64: one
//!   customer's allocation); over the limit it is closed at once, before any byte is read.
//!   The table holds only addresses with open connections, so its size is bounded by the
//!   server's connection cap. Trusted proxies are exempt (every client behind them shares
//!   their address).
//! - **Header time on every request.** `actix-http` times the first request's head only
//!   (from the connection's start; it answers 408). [`Conn`], the I/O type handed to
//!   `actix-http`, times the heads of the requests after it: once a response is done, the
//!   next head must be complete within the header timeout of its first byte (or of the
//!   keep-alive period's end, whichever comes first), else the connection is closed.
//! - **Unread bodies.** When a response is done before its request body was read to the
//!   end, `actix-http` closes the connection after the disconnect timeout, except for a
//!   chunked body, which it drains for as long as the client sends it: [`Conn`] closes it
//!   after the body timeout.
//! - **Logs.** What `actix-http` only reports by failing the connection (a malformed
//!   request it answered 400 itself, a head too large, a head that timed out) is logged here
//!   once, at `warn` or `info`, in the access log with the client address. `actix-http`'s
//!   own `ERROR` line for it (target `actix_http::h1::dispatcher`) is filtered out by
//!   [`crate::logging::init`].

use std::cell::Cell;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_http::error::{DispatchError, ParseError};
use actix_rt::net::TcpStream;
use actix_rt::time::{Instant, Sleep, sleep_until};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::proxy::TrustedProxies;

/// Per-address connection counts, shared by all workers.
pub(crate) struct AddrLimiter {
    shards: Box<[Mutex<HashMap<AddrKey, usize>>]>,
    hasher: std::hash::RandomState,
    limit: usize,
    refusals: RefusalLog,
}

/// What connections are counted by: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum AddrKey {
    V4(u32),
    V6(u64),
}

impl AddrKey {
    fn of(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(ip) => Self::V4(u32::from(ip)),
            IpAddr::V6(ip) => Self::V6((u128::from(ip) >> 64) as u64),
        }
    }
}

const SHARDS: usize = 16;

impl AddrLimiter {
    /// At most `limit` open connections per address.
    pub(crate) fn new(limit: usize) -> Arc<Self> {
        Arc::new(Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: std::hash::RandomState::new(),
            limit,
            refusals: RefusalLog::default(),
        })
    }

    fn shard(&self, key: AddrKey) -> &Mutex<HashMap<AddrKey, usize>> {
        // SHARDS is a power of two: the low bits of a keyed hash pick the shard.
        &self.shards[(self.hasher.hash_one(key) as usize) & (SHARDS - 1)]
    }

    /// A slot for one more connection from `ip`, or `None` when it has `limit` already.
    pub(crate) fn acquire(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let key = AddrKey::of(ip);
        let mut counts = self
            .shard(key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(key).or_insert(0);
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            limiter: Arc::clone(self),
            key,
        })
    }

    /// Open connections from `ip` (its /64 for IPv6).
    #[cfg(test)]
    fn open(&self, ip: IpAddr) -> usize {
        let key = AddrKey::of(ip);
        let counts = self.shard(key).lock().unwrap();
        counts.get(&key).copied().unwrap_or(0)
    }

    /// Addresses in the table.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap().len()).sum()
    }
}

/// One open connection's place in the [`AddrLimiter`]; released on drop.
pub(crate) struct Slot {
    limiter: Arc<AddrLimiter>,
    key: AddrKey,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self
            .limiter
            .shard(self.key)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.key) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// Refused connections are logged at most once a second, with how many there were since
/// the last line: one client opening thousands must not flood the log.
#[derive(Default)]
struct RefusalLog {
    pending: AtomicU64,
    last: Mutex<Option<std::time::Instant>>,
}

impl RefusalLog {
    fn refused(&self, peer: IpAddr, limit: usize) {
        self.pending.fetch_add(1, Ordering::Relaxed);
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        let now = std::time::Instant::now();
        if last.is_some_and(|at| now.duration_since(at) < Duration::from_secs(1)) {
            return;
        }
        *last = Some(now);
        let refused = self.pending.swap(0, Ordering::Relaxed);
        tracing::warn!(
            target: "demo_app::conn",
            client = %peer,
            refused,
            limit,
            "connections over the per-address limit closed"
        );
    }
}

/// What the connection layer shares between workers.
pub(crate) struct Layer {
    /// Per-address connection counts.
    pub(crate) limiter: Arc<AddrLimiter>,
    /// Peers exempt from the per-address limit.
    pub(crate) proxies: TrustedProxies,
    /// The request timeouts.
    pub(crate) timeouts: Timeouts,
}

/// The timeouts [`Conn`] and the request middleware apply.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timeouts {
    /// A request head must be complete within this.
    pub(crate) header: Duration,
    /// A request body must be complete within this of the request's start.
    pub(crate) body: Duration,
    /// How long an idle connection is kept (`None`: not kept).
    pub(crate) keep_alive: Option<Duration>,
}

impl Layer {
    /// Admits a new connection: a [`Conn`] to serve, or `None` to close it (over its
    /// address's limit, or without a peer address).
    pub(crate) fn admit(&self, io: TcpStream) -> Option<(Conn, SocketAddr)> {
        let peer = io.peer_addr().ok()?;
        let ip = peer.ip().to_canonical();
        let slot = if self.proxies.contains(ip) {
            None
        } else {
            match self.limiter.acquire(ip) {
                Some(slot) => Some(slot),
                None => {
                    self.limiter.refusals.refused(ip, self.limiter.limit);
                    return None;
                }
            }
        };
        let state = Rc::new(ConnState {
            peer,
            timeouts: self.timeouts,
            in_flight: Cell::new(0),
            requests: Cell::new(0),
            phase: Cell::new(Phase::First),
            wrote: Cell::new(false),
        });
        Some((
            Conn {
                io,
                state,
                timer: None,
                _slot: slot,
            },
            peer,
        ))
    }
}

/// One connection's state, shared by its [`Conn`] and its requests (through
/// [`ConnHandle`], the connection data `actix-http` hands every request).
struct ConnState {
    peer: SocketAddr,
    timeouts: Timeouts,
    /// Requests whose response is not done (0 or 1: HTTP/1.1 answers in order).
    in_flight: Cell<u32>,
    /// Requests that reached the app.
    requests: Cell<u64>,
    phase: Cell<Phase>,
    /// Whether anything was written to the client.
    wrote: Cell<bool>,
}

/// Where a connection is between requests, and what [`Conn`] times.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Before the first request: `actix-http` times its head.
    First,
    /// A request is in flight: its body has its own timeout (`crate::deadline`).
    Request,
    /// A response is done and its request was read to the end: waiting for the next head.
    /// `seen` once its first byte is read.
    Idle { deadline: Instant, seen: bool },
    /// A response is done before its request body was read to the end: `actix-http`
    /// discards the rest (or closes the connection) until `deadline`.
    Draining { deadline: Instant },
}

impl ConnState {
    fn deadline(&self) -> Option<(Instant, Expired)> {
        match self.phase.get() {
            Phase::First | Phase::Request => None,
            Phase::Idle { deadline, .. } => Some((deadline, Expired::Head)),
            Phase::Draining { deadline } => Some((deadline, Expired::Drain)),
        }
    }

    fn received(&self) {
        if let Phase::Idle {
            deadline,
            seen: false,
        } = self.phase.get()
        {
            self.phase.set(Phase::Idle {
                deadline: deadline.min(Instant::now() + self.timeouts.header),
                seen: true,
            });
        }
    }
}

/// The connection a request arrived on, from `HttpRequest::conn_data`.
#[derive(Clone)]
pub(crate) struct ConnHandle(Rc<ConnState>);

impl ConnHandle {
    /// The timeouts in force.
    pub(crate) fn timeouts(&self) -> Timeouts {
        self.0.timeouts
    }

    /// Marks a request as started; dropping the guard (when its response is done) starts
    /// the clock for what follows.
    pub(crate) fn request_started(&self) -> RequestGuard {
        let state = &self.0;
        state.in_flight.set(state.in_flight.get() + 1);
        state.requests.set(state.requests.get() + 1);
        state.phase.set(Phase::Request);
        RequestGuard {
            state: Rc::clone(state),
            body_read: Rc::new(Cell::new(false)),
        }
    }
}

/// A request in flight on its connection; see [`ConnHandle::request_started`].
pub(crate) struct RequestGuard {
    state: Rc<ConnState>,
    body_read: Rc<Cell<bool>>,
}

impl RequestGuard {
    /// Set when the request body has been read to its end (or it has none).
    pub(crate) fn body_read(&self) -> Rc<Cell<bool>> {
        Rc::clone(&self.body_read)
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let state = &self.state;
        let left = state.in_flight.get().saturating_sub(1);
        state.in_flight.set(left);
        if left > 0 {
            return;
        }
        let now = Instant::now();
        state.phase.set(if self.body_read.get() {
            // Idle: actix-http closes the connection when keep-alive ends; a head begun
            // before then must be complete within the header timeout of its first byte
            // (`received` tightens this bound when that byte arrives).
            let idle = state.timeouts.keep_alive.unwrap_or_default();
            Phase::Idle {
                deadline: now + idle + state.timeouts.header,
                seen: false,
            }
        } else {
            // actix-http drains a chunked body the handler left, for as long as the client
            // sends it; this bounds it.
            Phase::Draining {
                deadline: now + state.timeouts.body,
            }
        });
    }
}

/// What [`Conn`] fails a read with when a deadline passes (in an `io::Error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expired {
    /// The next request's head.
    Head,
    /// Discarding the rest of a request body.
    Drain,
}

impl std::fmt::Display for Expired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Head => "request head timeout",
            Self::Drain => "request body drain timeout",
        })
    }
}

impl std::error::Error for Expired {}

fn expired(error: &io::Error) -> Option<Expired> {
    error.get_ref()?.downcast_ref::<Expired>().copied()
}

/// A TCP connection as `actix-http` sees it: reads fail once the deadline of its
/// [`Phase`] passes;
/// holds the connection's [`Slot`] until `actix-http` drops it.
pub(crate) struct Conn {
    io: TcpStream,
    state: Rc<ConnState>,
    timer: Option<Pin<Box<Sleep>>>,
    _slot: Option<Slot>,
}

impl Conn {
    /// The handle its requests see.
    pub(crate) fn handle(&self) -> ConnHandle {
        ConnHandle(Rc::clone(&self.state))
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some((deadline, what)) = this.state.deadline() {
            let timer = this
                .timer
                .get_or_insert_with(|| Box::pin(sleep_until(deadline)));
            if timer.deadline() != deadline {
                timer.as_mut().reset(deadline);
            }
            if timer.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::TimedOut, what)));
            }
        }
        let before = buf.filled().len();
        let read = Pin::new(&mut this.io).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.state.received();
        }
        read
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.state.wrote.set(true);
        }
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.io).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            this.state.wrote.set(true);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Logs how a connection ended, when that is something an operator needs to see and no
/// request reached the app to be logged by the access log middleware.
pub(crate) fn report(handle: &ConnHandle, result: Result<(), DispatchError>) {
    let state = &handle.0;
    let client = state.peer.ip().to_canonical();
    let header_ms = state.timeouts.header.as_millis();
    match result {
        Ok(()) => {
            // Nothing reached the app, yet actix-http answered: its first-head timeout (it
            // answers nothing else without an error).
            if state.requests.get() == 0 && state.wrote.get() {
                tracing::info!(
                    target: "demo_app::access",
                    %client,
                    status = 408u16,
                    reason = %format_args!("no complete request head within {header_ms} ms"),
                    "request timeout"
                );
            }
        }
        Err(DispatchError::Parse(ParseError::TooLarge)) => tracing::warn!(
            target: "demo_app::access",
            %client,
            status = 431u16,
            reason = %ParseError::TooLarge,
            "malformed request"
        ),
        Err(DispatchError::Parse(error)) => tracing::warn!(
            target: "demo_app::access",
            %client,
            status = 400u16,
            reason = %error,
            "malformed request"
        ),
        Err(DispatchError::Io(error)) if expired(&error) == Some(Expired::Drain) => {
            // The access log has the request's line already.
            tracing::debug!(target: "demo_app::conn", %client, "request body drain timeout");
        }
        Err(DispatchError::Io(error)) if expired(&error) == Some(Expired::Head) => tracing::info!(
            target: "demo_app::access",
            %client,
            reason = %format_args!(
                "request head not complete within {header_ms} ms of its first byte; \
                 connection closed"
            ),
            "request timeout"
        ),
        Err(DispatchError::Io(error)) => {
            tracing::debug!(target: "demo_app::conn", %client, %error, "connection error");
        }
        Err(DispatchError::DisconnectTimeout | DispatchError::HandlerDroppedPayload) => {
            tracing::debug!(target: "demo_app::conn", %client, "connection closed");
        }
        // The server's own failures (a response body that failed, an answer of 500).
        Err(error @ (DispatchError::Body(_) | DispatchError::InternalError)) => {
            tracing::error!(target: "demo_app::conn", %client, %error, "connection failed");
        }
        Err(error) => {
            tracing::warn!(target: "demo_app::conn", %client, %error, "connection failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_per_address_and_forgets_closed_ones() {
        let limiter = AddrLimiter::new(2);
        let a: IpAddr = "127.0.0.2".parse().unwrap();
        let b: IpAddr = "127.0.0.3".parse().unwrap();
        let first = limiter.acquire(a).expect("first");
        let second = limiter.acquire(a).expect("second");
        assert!(limiter.acquire(a).is_none(), "third from the same address");
        assert!(
            limiter.acquire(b).is_some(),
            "another address is not affected"
        );
        assert_eq!(limiter.open(a), 2);
        drop(first);
        let third = limiter.acquire(a).expect("a slot freed");
        drop((second, third));
        assert_eq!(limiter.open(a), 0);
        assert_eq!(limiter.tracked(), 0, "closed addresses leave the table");
    }

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let limiter = AddrLimiter::new(1);
        let one: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let same_64: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other_64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        let _slot = limiter.acquire(one).unwrap();
        assert!(limiter.acquire(same_64).is_none());
        assert!(limiter.acquire(other_64).is_some());
        let v4: IpAddr = "10.0.0.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
        let _v4 = limiter.acquire(v4).unwrap();
        assert!(limiter.acquire(mapped).is_none());
    }
}
