//! Command line and environment configuration (clap).

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::proxy::{ProxyHeader, ProxyList};
use crate::server::Limits;

/// FastAPI's OAuth2-scopes tutorial, rebuilt on actix-web with `scopes`.
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// How to serve.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (the default).
    Serve,
    /// Print the security surface: every route, secured or public, with its required
    /// scopes and dependency chain.
    Routes {
        /// How to print it.
        #[arg(long, value_enum, default_value_t = crate::routes::Format::Table)]
        format: crate::routes::Format,
    },
    /// Print the OpenAPI document.
    Openapi,
}

/// Server configuration. Every flag has an environment variable; nothing is required.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1", global = true)]
    pub host: IpAddr,

    /// Port to listen on; 0 picks a free one (the chosen address is printed).
    #[arg(long, env = "PORT", default_value_t = 8000, global = true)]
    pub port: u16,

    /// Worker threads (default: one per core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,

    /// The HS256 signing secret (at least 32 bytes). Without a key, a random one is
    /// generated at start. `09d25e…` (the tutorial's) makes tokens interoperable with the
    /// original app.
    #[arg(long, env = "SECRET_KEY", hide_env_values = true, global = true)]
    pub secret_key: Option<String>,

    /// A file holding the HS256 secret (trailing newline ignored).
    #[arg(
        long,
        env = "SECRET_KEY_FILE",
        global = true,
        conflicts_with = "secret_key"
    )]
    pub secret_key_file: Option<PathBuf>,

    /// The JWT signing algorithm.
    #[arg(long, env = "JWT_ALGORITHM", value_enum, default_value_t = Algorithm::Hs256, global = true)]
    pub algorithm: Algorithm,

    /// PEM private key for RS256 / ES256 / EdDSA.
    #[arg(long, env = "JWT_PRIVATE_KEY_FILE", global = true)]
    pub private_key_file: Option<PathBuf>,

    /// PEM public key for RS256 / ES256 / EdDSA.
    #[arg(long, env = "JWT_PUBLIC_KEY_FILE", global = true)]
    pub public_key_file: Option<PathBuf>,

    /// Access token lifetime in minutes.
    #[arg(
        long,
        env = "ACCESS_TOKEN_EXPIRE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub token_minutes: u32,

    /// Log filter, e.g. `info` or `demo_app=debug`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,

    /// Answer in strict RFC 6750 / RFC 6749 form (403 `insufficient_scope`, `invalid_grant`,
    /// ..) instead of the tutorial's `{"detail": ..}` bodies.
    #[arg(long, env = "RFC6750", global = true)]
    pub rfc6750: bool,

    /// Limits on slow and numerous clients.
    #[command(flatten)]
    pub limits: LimitArgs,

    /// Reverse proxies whose forwarding header names the client (comma-separated
    /// addresses or CIDR blocks, e.g. `127.0.0.1,10.0.0.0/8`). From any other peer the
    /// header is ignored and the client is the peer. Trusted proxies are exempt from
    /// `--max-connections-per-ip`.
    #[arg(
        long,
        env = "TRUSTED_PROXIES",
        global = true,
        value_name = "ADDR[/PREFIX],.."
    )]
    pub trusted_proxies: Option<ProxyList>,

    /// The forwarding header the trusted proxies set (only that one is read).
    #[arg(
        long,
        env = "TRUSTED_PROXY_HEADER",
        value_enum,
        default_value_t = ProxyHeader::XForwardedFor,
        global = true
    )]
    pub trusted_proxy_header: ProxyHeader,
}

/// The server's limits on slow and numerous clients; the defaults are [`Limits::DEFAULT`].
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// A request head must be complete within this many milliseconds: of the connection's
    /// start for its first request, of the head's first byte for later ones (408, or the
    /// connection closed).
    #[arg(long, env = "HEADER_TIMEOUT_MS", default_value_t = Limits::DEFAULT.header_timeout.as_millis() as u64, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub header_timeout_ms: u64,

    /// A request body must be complete within this many milliseconds of its head (408,
    /// connection closed).
    #[arg(long, env = "BODY_TIMEOUT_MS", default_value_t = Limits::DEFAULT.body_timeout.as_millis() as u64, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub body_timeout_ms: u64,

    /// How long an idle connection is kept open between requests, in seconds; 0 closes
    /// it after each response.
    #[arg(long, env = "KEEP_ALIVE_S", default_value_t = Limits::DEFAULT.keep_alive.as_secs(), global = true)]
    pub keep_alive_s: u64,

    /// How long a closing connection may take to drain what the client still sends, in
    /// milliseconds.
    #[arg(long, env = "DISCONNECT_TIMEOUT_MS", default_value_t = Limits::DEFAULT.disconnect_timeout.as_millis() as u64, global = true)]
    pub disconnect_timeout_ms: u64,

    /// Open connections per worker; lowered at start to stay below the open-files limit.
    #[arg(long, env = "MAX_CONNECTIONS_PER_WORKER", default_value_t = Limits::DEFAULT.max_connections_per_worker as u64, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_connections_per_worker: u64,

    /// Open connections per client address (an IPv4 address or an IPv6 /64); more are
    /// closed on accept.
    #[arg(long, env = "MAX_CONNECTIONS_PER_IP", default_value_t = Limits::DEFAULT.max_connections_per_ip as u64, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub max_connections_per_ip: u64,

    /// The listening socket's backlog: connections the kernel queues before they are
    /// accepted.
    #[arg(long, env = "BACKLOG", default_value_t = Limits::DEFAULT.backlog, global = true)]
    pub backlog: u32,
}

/// Signing algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Algorithm {
    /// HMAC with SHA-256 and a shared secret (the tutorial's).
    #[value(name = "HS256")]
    Hs256,
    /// RSA PKCS#1 v1.5 with SHA-256.
    #[value(name = "RS256")]
    Rs256,
    /// ECDSA P-256 with SHA-256.
    #[value(name = "ES256")]
    Es256,
    /// Ed25519.
    #[value(name = "EdDSA")]
    EdDsa,
}
