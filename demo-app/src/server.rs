//! The HTTP server: the app behind `actix-server` and `actix-http`, with explicit limits on
//! slow and numerous clients.
//!
//! `actix_web::HttpServer` is not used: it cannot refuse a connection by its peer address,
//! nor time anything but the first request's head. The server is built from the same parts
//! (`actix_server::Server`, `actix_http::HttpService`, the app), with the connection layer
//! of `src/conn.rs` between them. The limits ([`Limits`], each a flag of `demo-app serve`):
//!
//! | limit | default | on a slow or greedy client |
//! |---|---|---|
//! | header time | 5 s | the head of the first request must be complete within it of the connection's start (else `408`); a later request's, of its first byte (else the connection is closed) |
//! | body time | 5 s | the body must be complete within it of the head (else `408` and the connection is closed); a `/token` form is a few dozen bytes |
//! | keep-alive | 5 s | an idle connection is closed |
//! | disconnect time | 1 s | a closing connection drains what the client still sends for at most this long |
//! | connections per worker | 4096 | no more are accepted (they wait in the backlog); lowered to fit the open-files limit |
//! | connections per client address | 64 | more are closed as soon as they are accepted |
//! | backlog | 1024 | the kernel refuses connections beyond it |
//!
//! At start the soft open-files limit is raised to the hard limit, and the connection cap
//! (connections per worker × workers) is kept [`fd_reserve`] below it, so that accepting
//! never fails for want of a descriptor.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, KeepAlive, Protocol};
use actix_rt::net::TcpStream;
use actix_service::{IntoServiceFactory, Service, ServiceFactoryExt, apply_fn_factory, map_config};
use actix_web::dev::AppConfig;
use actix_web::{App, middleware};

use crate::app::AppState;
use crate::cli::ServeArgs;
use crate::conn::{self, AddrLimiter, Conn, Layer, Timeouts};
use crate::proxy::TrustedProxies;
use crate::{deadline, logging};

/// The server's limits on slow and numerous clients (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A request head must be complete within this.
    pub header_timeout: Duration,
    /// A request body must be complete within this of its head.
    pub body_timeout: Duration,
    /// How long an idle connection is kept; zero closes it after each response.
    pub keep_alive: Duration,
    /// How long a closing connection may drain what the client still sends.
    pub disconnect_timeout: Duration,
    /// Open connections per worker (before fitting to the open-files limit).
    pub max_connections_per_worker: usize,
    /// Open connections per client address (an IPv4 address or an IPv6 /64).
    pub max_connections_per_ip: usize,
    /// The listening socket's backlog.
    pub backlog: u32,
}

impl Limits {
    /// The defaults: 5 s for a head, 5 s for a body, 5 s of keep-alive, 1 s to disconnect,
    /// 4096 connections per worker, 64 per client address, a backlog of 1024.
    pub const DEFAULT: Self = Self {
        header_timeout: Duration::from_secs(5),
        body_timeout: Duration::from_secs(5),
        keep_alive: Duration::from_secs(5),
        disconnect_timeout: Duration::from_secs(1),
        max_connections_per_worker: 4096,
        max_connections_per_ip: 64,
        backlog: 1024,
    };

    /// The limits given on the command line.
    pub fn from_args(args: &ServeArgs) -> Self {
        let limits = &args.limits;
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Self {
            header_timeout: Duration::from_millis(limits.header_timeout_ms),
            body_timeout: Duration::from_millis(limits.body_timeout_ms),
            keep_alive: Duration::from_secs(limits.keep_alive_s),
            disconnect_timeout: Duration::from_millis(limits.disconnect_timeout_ms),
            max_connections_per_worker: count(limits.max_connections_per_worker),
            max_connections_per_ip: count(limits.max_connections_per_ip),
            backlog: limits.backlog,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address to listen on.
    pub addr: SocketAddr,
    /// Worker threads; one per core when `None`.
    pub workers: Option<usize>,
    /// The limits.
    pub limits: Limits,
    /// Proxies whose forwarding header is believed.
    pub proxies: TrustedProxies,
}

impl ServerConfig {
    /// The configuration given on the command line.
    pub fn from_args(args: &ServeArgs) -> Self {
        Self {
            addr: SocketAddr::new(args.host, args.port),
            workers: args.workers,
            limits: Limits::from_args(args),
            proxies: TrustedProxies::new(
                args.trusted_proxies.clone().unwrap_or_default().0,
                args.trusted_proxy_header,
            ),
        }
    }
}

/// A started server.
pub struct Running {
    /// The server; await it to run until it stops (on SIGINT/SIGTERM, or its handle's
    /// `stop`).
    pub server: actix_server::Server,
    /// The address it listens on (the chosen port when 0 was asked for).
    pub addr: SocketAddr,
}

/// Binds and starts the server for `state`; to be called within an actix system.
pub fn start(config: ServerConfig, state: AppState) -> io::Result<Running> {
    start_with(config, |_| state)
}

/// Binds, then starts the server for the state `state` makes of the bound address (the
/// resource's own URL, when the port was chosen by the system).
pub fn start_with(
    config: ServerConfig,
    state: impl FnOnce(SocketAddr) -> AppState,
) -> io::Result<Running> {
    let workers = config
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
        .clamp(1, 512);
    let limits = config.limits;
    let open_files = raise_open_files_limit();
    let per_worker = fit_connections(limits.max_connections_per_worker, workers, open_files.soft);
    match (open_files.raised_from, open_files.error.as_ref()) {
        (_, Some(error)) => tracing::warn!(
            soft = open_files.soft,
            hard = open_files.hard,
            %error,
            "could not raise the open-files limit"
        ),
        (Some(from), None) => tracing::info!(
            from,
            to = open_files.soft,
            "open-files limit raised to the hard limit"
        ),
        (None, None) => tracing::info!(soft = open_files.soft, "open-files limit"),
    }
    if per_worker < limits.max_connections_per_worker {
        tracing::warn!(
            asked = limits.max_connections_per_worker,
            lowered_to = per_worker,
            workers,
            open_files = open_files.soft,
            reserve = open_files.soft.map(fd_reserve),
            "connections per worker lowered to stay below the open-files limit"
        );
    }
    tracing::info!(
        header_timeout_ms = limits.header_timeout.as_millis(),
        body_timeout_ms = limits.body_timeout.as_millis(),
        keep_alive_s = limits.keep_alive.as_secs(),
        disconnect_timeout_ms = limits.disconnect_timeout.as_millis(),
        workers,
        max_connections_per_worker = per_worker,
        max_connections_per_ip = limits.max_connections_per_ip,
        backlog = limits.backlog,
        trusted_proxies = config.proxies.len(),
        "limits"
    );

    let listener = listen(config.addr, limits.backlog)?;
    let addr = listener.local_addr()?;
    let state = state(addr);
    let layer = Arc::new(Layer {
        limiter: AddrLimiter::new(limits.max_connections_per_ip),
        proxies: config.proxies,
        timeouts: Timeouts {
            header: limits.header_timeout,
            body: limits.body_timeout,
            keep_alive: (!limits.keep_alive.is_zero()).then_some(limits.keep_alive),
        },
    });
    let builder = actix_server::Server::build()
        .workers(workers)
        .max_concurrent_connections(per_worker)
        .shutdown_timeout(10);
    let shutdown = builder.graceful_shutdown_signal();
    let server = builder
        .listen("demo-app", listener, move || {
            let state = state.clone();
            let proxies = layer.proxies.clone();
            let shutdown = shutdown.clone();
            let app = App::new()
                .app_data(proxies)
                .wrap(state.gate())
                .wrap(middleware::from_fn(deadline::request_deadlines))
                .wrap(middleware::from_fn(logging::access_log))
                .configure(move |cfg| state.configure(cfg))
                .into_factory()
                .map_err(|error| error.error_response());
            // What `HttpServer` gives the app; only its test constructor is public.
            let app_config = AppConfig::__priv_test_new(false, addr.to_string(), addr);
            let keep_alive = match layer.timeouts.keep_alive {
                Some(period) => KeepAlive::Timeout(period),
                None => KeepAlive::Disabled,
            };
            let http = HttpService::build()
                .keep_alive(keep_alive)
                .client_request_timeout(limits.header_timeout)
                .client_disconnect_timeout(limits.disconnect_timeout)
                .h1_allow_half_closed(true)
                .local_addr(addr)
                .graceful_shutdown_signal(move || {
                    let shutdown = shutdown.clone();
                    async move { shutdown.notified().await }
                })
                .on_connect_ext(|io: &Conn, data: &mut actix_http::Extensions| {
                    data.insert(io.handle());
                })
                .finish(map_config(app, move |()| app_config.clone()));
            let layer = Arc::clone(&layer);
            apply_fn_factory(http, move |io: TcpStream, http: &_| {
                let serving = layer.admit(io).map(|(conn, peer)| {
                    let handle = conn.handle();
                    (handle, http.call((conn, Protocol::Http1, Some(peer))))
                });
                async move {
                    if let Some((handle, connection)) = serving {
                        conn::report(&handle, connection.await);
                    }
                    Ok(())
                }
            })
        })?
        .run();
    Ok(Running { server, addr })
}

/// A listening socket on `addr` with `backlog`.
fn listen(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(i32::try_from(backlog).unwrap_or(i32::MAX))?;
    Ok(socket.into())
}

/// The open-files limit after [`raise_open_files_limit`].
#[derive(Debug)]
pub struct OpenFiles {
    /// The soft limit now in force; `None` when unlimited.
    pub soft: Option<u64>,
    /// The hard limit; `None` when unlimited.
    pub hard: Option<u64>,
    /// The soft limit before, when it was raised.
    pub raised_from: Option<u64>,
    /// Why it could not be raised.
    pub error: Option<io::Error>,
}

/// Raises the soft open-files limit (`RLIMIT_NOFILE`) to the hard limit. An unlimited hard
/// limit is left alone (Linux refuses an unlimited soft one).
#[cfg(unix)]
pub fn raise_open_files_limit() -> OpenFiles {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let mut open_files = OpenFiles {
        soft: limit.current,
        hard: limit.maximum,
        raised_from: None,
        error: None,
    };
    if let (Some(soft), Some(hard)) = (limit.current, limit.maximum)
        && soft < hard
    {
        let raised = Rlimit {
            current: Some(hard),
            maximum: Some(hard),
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => {
                open_files.soft = Some(hard);
                open_files.raised_from = Some(soft);
            }
            Err(error) => open_files.error = Some(error.into()),
        }
    }
    open_files
}

/// Not on this platform: the limit is reported as unknown.
#[cfg(not(unix))]
pub fn raise_open_files_limit() -> OpenFiles {
    OpenFiles {
        soft: None,
        hard: None,
        raised_from: None,
        error: None,
    }
}

/// The descriptors kept free below a soft limit of `soft`: for the listener, the runtime's
/// event queues, the log, and connections accepted only to be closed at once (over their
/// address's limit). 64, plus a sixteenth of the limit.
pub fn fd_reserve(soft: u64) -> u64 {
    64 + soft / 16
}

/// Connections per worker: `asked`, lowered so that all workers' connections stay
/// [`fd_reserve`] below the soft open-files limit `soft` (at least one per worker).
pub fn fit_connections(asked: usize, workers: usize, soft: Option<u64>) -> usize {
    let Some(soft) = soft else {
        return asked;
    };
    let budget = soft.saturating_sub(fd_reserve(soft));
    let workers = u64::try_from(workers.max(1)).unwrap_or(u64::MAX);
    let fits = usize::try_from(budget / workers).unwrap_or(usize::MAX);
    asked.min(fits).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_fit_below_the_open_files_limit() {
        // ulimit -n 1024, two workers: 1024 - (64 + 64) = 896, 448 each.
        assert_eq!(fit_connections(4096, 2, Some(1024)), 448);
        assert_eq!(fit_connections(100, 2, Some(1024)), 100);
        assert_eq!(fit_connections(4096, 1, None), 4096);
        assert_eq!(fit_connections(4096, 4, Some(1_048_576)), 4096);
        assert_eq!(fit_connections(4096, 8, Some(32)), 1, "at least one");
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let open_files = raise_open_files_limit();
        if cfg!(unix) && open_files.error.is_none() && open_files.hard.is_some() {
            assert_eq!(open_files.soft, open_files.hard);
        }
    }
}
