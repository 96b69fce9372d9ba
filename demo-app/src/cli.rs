//! Command line and environment configuration (clap).

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use scopes_runtime::oauth2::{self, LoginLimits, TokenCache};

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

/// Where keys come from besides the demo's own, and what the resource publishes.
#[derive(Debug, Clone, clap::Args)]
pub struct ProviderArgs {
    /// A directory of PEM private keys (one per `*.pem` file, its name the `kid`, the last
    /// in name order signing) for RS256 / ES256 / EdDSA: all are published at
    /// `/.well-known/jwks.json`, and the directory is read again every
    /// `--key-reload-s` seconds, so adding a key rotates and removing one withdraws it.
    #[arg(long, env = "JWT_KEY_DIR", global = true)]
    pub key_dir: Option<PathBuf>,

    /// How often `--key-dir` is read again, in seconds.
    #[arg(long, env = "KEY_RELOAD_S", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..), global = true)]
    pub key_reload_s: u64,

    /// Verify tokens of this OpenID Connect issuer instead (its
    /// `/.well-known/openid-configuration` names the JWK Set; `iss` must be this URL).
    /// The demo's `/token` then issues nothing.
    #[arg(long, env = "OIDC_ISSUER", global = true, conflicts_with = "jwks_url")]
    pub oidc_issuer: Option<String>,

    /// Verify tokens with the JWK Set at this URL instead (see `--issuer`).
    #[arg(long, env = "JWKS_URL", global = true)]
    pub jwks_url: Option<String>,

    /// The `iss` tokens must carry (with `--jwks-url`).
    #[arg(long, env = "JWT_ISSUER", global = true)]
    pub issuer: Option<String>,

    /// The audiences tokens must name one of (comma-separated; RFC 8707 resource binding).
    #[arg(long, env = "JWT_AUDIENCE", global = true, value_delimiter = ',')]
    pub audience: Vec<String>,

    /// The least time between two JWK Set fetches caused by requests, in seconds.
    #[arg(long, env = "JWKS_COOLDOWN_S", default_value_t = 30, global = true)]
    pub jwks_cooldown_s: u64,

    /// Which claims grant scopes (comma-separated): `scope`, `scp`, `scopes`, `roles`,
    /// `permissions`, `realm_roles`, `client_roles/<client>`, each optionally `=<prefix>`.
    /// Default: the tutorial's `scopes`, else `scope`, else `scp`.
    #[arg(long, env = "SCOPE_CLAIMS", global = true, value_delimiter = ',')]
    pub scope_claims: Vec<String>,

    /// How many verified tokens are kept, so that a token presented again is not verified
    /// again (never past its `exp` or a key change); 0 verifies every token every time.
    #[arg(long, env = "TOKEN_CACHE_ENTRIES", default_value_t = TokenCache::DEFAULT_ENTRIES, global = true)]
    pub token_cache_entries: usize,

    /// The longest a verified token is answered from the cache, in seconds.
    #[arg(long, env = "TOKEN_CACHE_MAX_AGE_S", default_value_t = TokenCache::DEFAULT_MAX_AGE.as_secs(), global = true)]
    pub token_cache_max_age_s: u64,

    /// This API's resource identifier: serves its RFC 9728 metadata at
    /// `/.well-known/oauth-protected-resource[/<path>]` and names it in every 401/403.
    /// With `--rfc6750` and without it, the resource is `http://<listening address>`.
    #[arg(long, env = "RESOURCE_URL", global = true)]
    pub resource_url: Option<String>,

    /// The authorization server the metadata names (default: `--oidc-issuer`, else the
    /// resource's origin, where this demo's `/token` is).
    #[arg(long, env = "AUTHORIZATION_SERVER", global = true)]
    pub authorization_server: Option<String>,
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

    /// Tokens from an identity provider.
    #[command(flatten)]
    pub provider: ProviderArgs,

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

    /// Limits on logins.
    #[command(flatten)]
    pub logins: LoginArgs,
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

/// Limits on `POST /token`: failed logins per username and per client address (checked
/// before bcrypt; 429 with `Retry-After` past them), and the bcrypt queue (503 with
/// `Retry-After` when no slot is free in time).
///
/// # Examples
///
/// ```
/// use clap::Parser;
/// use demo_app::cli::Cli;
///
/// let cli = Cli::parse_from(["demo-app", "--login-failures-per-user", "5"]);
/// let limits = cli.serve.logins.limits();
/// assert_eq!(limits.get_failures_per_username(), 5);
/// assert_eq!(limits.get_failures_per_address(), 100); // the default
/// ```
#[derive(Debug, Clone, clap::Args)]
pub struct LoginArgs {
    /// Failed logins allowed per username within the window; then 429 until it ends
    /// (0: no limit).
    #[arg(
        long,
        env = "LOGIN_FAILURES_PER_USER",
        global = true,
        default_value_t = LoginLimits::DEFAULT_FAILURES_PER_USERNAME
    )]
    pub login_failures_per_user: u32,

    /// Failed logins allowed per client address (IPv6: per /64) within the window,
    /// whatever the usernames; then 429 until it ends (0: no limit).
    #[arg(
        long,
        env = "LOGIN_FAILURES_PER_IP",
        global = true,
        default_value_t = LoginLimits::DEFAULT_FAILURES_PER_ADDRESS
    )]
    pub login_failures_per_ip: u32,

    /// How long failures are counted, in seconds, from a username's or address's first
    /// failure.
    #[arg(
        long,
        env = "LOGIN_WINDOW_S",
        global = true,
        default_value_t = LoginLimits::DEFAULT_WINDOW.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub login_window_s: u64,

    /// Logins from one client address under way at once (waiting for bcrypt or in it);
    /// more are answered 429 (0: no limit).
    #[arg(
        long,
        env = "LOGIN_CONCURRENT_PER_IP",
        global = true,
        default_value_t = LoginLimits::DEFAULT_CONCURRENT_PER_ADDRESS
    )]
    pub login_concurrent_per_ip: u32,

    /// Usernames and addresses remembered at most (about 100 bytes each); the oldest are
    /// forgotten first.
    #[arg(
        long,
        env = "LOGIN_MAX_TRACKED",
        global = true,
        default_value_t = LoginLimits::DEFAULT_MAX_TRACKED
    )]
    pub login_max_tracked: usize,

    /// bcrypt jobs run at once (default: one fewer than the CPUs, at least one).
    #[arg(
        long,
        env = "BCRYPT_SLOTS",
        global = true,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub bcrypt_slots: Option<u32>,

    /// How long a login waits for a bcrypt slot at most, in milliseconds; then 503
    /// (0: no waiting).
    #[arg(
        long,
        env = "BCRYPT_WAIT_MS",
        global = true,
        default_value_t = oauth2::DEFAULT_MAX_WAIT.as_millis() as u64
    )]
    pub bcrypt_wait_ms: u64,

    /// Logins that may wait for a bcrypt slot at once; more are answered 503 at once
    /// (default: 16 per slot; 0: none wait).
    #[arg(long, env = "BCRYPT_QUEUE", global = true)]
    pub bcrypt_queue: Option<usize>,
}

impl LoginArgs {
    /// The throttle's limits.
    pub fn limits(&self) -> LoginLimits {
        LoginLimits::new()
            .failures_per_username(self.login_failures_per_user)
            .failures_per_address(self.login_failures_per_ip)
            .window(Duration::from_secs(self.login_window_s))
            .concurrent_per_address(self.login_concurrent_per_ip)
            .max_tracked(self.login_max_tracked)
    }

    /// Sizes the process's bcrypt queue. Call it before the first hash.
    pub fn configure_bcrypt(&self) {
        if let Some(slots) = self
            .bcrypt_slots
            .and_then(|n| NonZeroUsize::new(n as usize))
            && !oauth2::set_max_concurrent(slots)
        {
            tracing::warn!("--bcrypt-slots given after the first hash: ignored");
        }
        oauth2::set_max_wait(Duration::from_millis(self.bcrypt_wait_ms));
        if let Some(waiters) = self.bcrypt_queue {
            oauth2::set_max_waiters(waiters);
        }
    }
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
