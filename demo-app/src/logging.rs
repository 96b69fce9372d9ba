//! Logs with `tracing`, to stderr.
//!
//! The access log (target `demo_app::access`) has one line per request: the client address
//! ([`client_addr`]: the peer, or what a trusted proxy reports), method, path, status and
//! latency. Requests that never reach the app are in it too, logged by the connection
//! layer (`src/conn.rs`): a malformed request (`warn`, status 400 or 431, and the parser's
//! reason) and a request head or body that did not arrive in time (`info`, 408). The query
//! string, headers and bodies are never logged: they may carry tokens or passwords.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest};
use tracing_subscriber::EnvFilter;

/// actix-http logs the error of every connection it fails at `ERROR` under this target
/// (`stream error: ...`), a malformed request from any client included; the connection
/// layer logs those itself, once, at the level they deserve. Filtered out unless the
/// filter names `actix_http` itself.
const ACTIX_DISPATCHER_OFF: &str = "actix_http::h1::dispatcher=off";

/// Installs the global subscriber, writing to stderr. `filter` is an `EnvFilter` directive
/// (`info`, `demo_app=debug`, ..); an invalid one falls back to `info`.
pub fn init(filter: &str) {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(env_filter(filter))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
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
    let start = Instant::now();
    let client = client_addr(req.request());
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await;
    let status = match &res {
        Ok(res) => res.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    tracing::info!(
        target: "demo_app::access",
        %client,
        %method,
        path,
        status,
        latency_ms = format_args!("{:.3}", start.elapsed().as_secs_f64() * 1e3),
        "request"
    );
    res
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
