//! Logs with `tracing`: one line per request (method, path, status, latency). The query
//! string, headers and bodies are never logged: they may carry tokens or passwords.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber, writing to stderr.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Middleware: logs each request once it is answered.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let res = next.call(req).await;
    let status = match &res {
        Ok(res) => res.status().as_u16(),
        Err(error) => error.as_response_error().status_code().as_u16(),
    };
    tracing::info!(
        target: "demo_app::access",
        %method,
        path,
        status,
        latency_ms = format_args!("{:.3}", start.elapsed().as_secs_f64() * 1e3),
        "request"
    );
    res
}
