//! [`JwksSource`]: an identity provider's published keys (a JWK Set at a URL or in a file),
//! cached, refreshed when they expire or when a token names a key the cache lacks, one
//! fetch at a time and at most one per cooldown, the last good set kept through failures.
//! [`discover`]: the same from an OpenID Connect issuer URL.

#[cfg(feature = "jwks")]
mod discovery;
mod fetch;

use core::fmt;
use core::time::Duration;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

#[cfg(feature = "jwks")]
pub use discovery::{Discovered, discover};

use super::JwtAlgorithm;
use super::KeySet;

/// Where a [`JwksSource`] reads its JWK Set.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksLocation {
    /// An `http://` or `https://` URL, fetched with `awc` (feature `jwks`). For `https`,
    /// enable one of awc's TLS features in the app (e.g. `rustls-0_23-webpki-roots`).
    Url(String),
    /// A file holding the JWK Set document, read again on every refresh.
    File(PathBuf),
}

/// How a [`JwksSource`] caches and refreshes.
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::oauth2::{JwksOptions, JwtAlgorithm};
///
/// let options = JwksOptions::default()
///     .ttl(Duration::from_secs(600))
///     .cooldown(Duration::from_secs(10))
///     .algorithms([JwtAlgorithm::RS256]);
/// assert_eq!(options.cooldown_duration(), Duration::from_secs(10));
/// ```
#[derive(Debug, Clone)]
pub struct JwksOptions {
    ttl: Duration,
    max_ttl: Duration,
    cooldown: Duration,
    timeout: Duration,
    #[cfg_attr(not(feature = "jwks"), allow(dead_code))]
    max_size: usize,
    algorithms: Vec<JwtAlgorithm>,
}

impl Default for JwksOptions {
    /// Keys kept 5 minutes unless `Cache-Control: max-age` says otherwise (bounded by the
    /// cooldown and 24 hours), at most one fetch per 30 seconds, fetches time out after 5
    /// seconds, documents up to 256 KiB, every asymmetric algorithm allowed.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(300),
            max_ttl: Duration::from_secs(24 * 3600),
            cooldown: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            max_size: 256 * 1024,
            algorithms: Vec::new(),
        }
    }
}

impl JwksOptions {
    /// How long a fetched set is used when the response has no `Cache-Control: max-age`.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The longest a `max-age` may keep a set.
    #[must_use]
    pub fn max_ttl(mut self, max_ttl: Duration) -> Self {
        self.max_ttl = max_ttl;
        self
    }

    /// The least time between two fetches that a request causes (an unknown `kid`, an
    /// expired set): a flood of tokens with made-up `kid`s fetches at most once per cooldown.
    #[must_use]
    pub fn cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// The cooldown.
    pub fn cooldown_duration(&self) -> Duration {
        self.cooldown
    }

    /// How long a fetch may take.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest document accepted, in bytes.
    #[must_use]
    pub fn max_size(mut self, max_size: usize) -> Self {
        self.max_size = max_size;
        self
    }

    /// The algorithms keys may verify (empty, the default: every asymmetric one). Each key
    /// is pinned to its JWK `alg`, which must be one of these, else to these within its
    /// family; HMAC is never accepted from a key set.
    #[must_use]
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = JwtAlgorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }
}

/// An identity provider's verification keys: a JWK Set (RFC 7517) at a URL or in a file,
/// cached in the process and shared by its workers. Give it to
/// [`TokenConfig::jwks`](super::TokenConfig::jwks).
///
/// # Semantics
/// - The set is kept for its TTL (`Cache-Control: max-age` of the response, bounded by the
///   cooldown and [`JwksOptions::max_ttl`]; else [`JwksOptions::ttl`]). A request that finds
///   it expired refreshes it if no other fetch is running (requests meanwhile verify with
///   the current keys).
/// - A token whose `kid` the set lacks causes one refresh, then is verified once more. All
///   refreshes are single-flight (concurrent requests wait for the one fetch, then use its
///   keys) and a request causes at most one fetch per [`JwksOptions::cooldown`], so
///   made-up `kid`s cannot hammer the provider.
/// - A failed fetch (network, status, a document without a usable key) keeps the last good
///   set, logged at `warn`.
/// - [`JwksSource::refresh`] fetches now, e.g. before the server starts answering, so that
///   the first requests need not wait and a misconfigured URL fails at startup.
/// - `kid` only chooses among the fetched keys; each key is pinned to its algorithm (see
///   [`KeySet`]); `alg: none`, HMAC and keys carried by the token (`jwk`, `jku`, `x5u`,
///   `x5c`) are never accepted.
///
/// Each instance of a service behind a load balancer keeps its own cache: verification
/// needs no shared state.
///
/// ```no_run
/// use std::time::Duration;
/// use actix_web::web;
/// use scopes_runtime::oauth2::{JwksLocation, JwksOptions, JwksSource};
/// use scopes_runtime::TokenConfig;
///
/// # async fn run() -> Result<(), scopes_runtime::oauth2::JwksError> {
/// let keys = JwksSource::new(
///     JwksLocation::Url("https://login.example.com/.well-known/jwks.json".into()),
///     JwksOptions::default().cooldown(Duration::from_secs(30)),
/// );
/// keys.refresh().await?; // before serving
/// let config = TokenConfig::jwks(keys)
///     .issuer("https://login.example.com/")
///     .audience(["https://api.example.com"]);
/// let data = web::Data::new(config);
/// # drop(data);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct JwksSource {
    inner: Arc<Inner>,
}

struct Inner {
    location: JwksLocation,
    options: JwksOptions,
    cached: RwLock<Cached>,
    /// Held while fetching: refreshes are single-flight.
    refresh: tokio::sync::Mutex<Attempts>,
    /// Bumped by every successful fetch.
    generation: AtomicU64,
    /// Bumped by a successful fetch that brought a different document than the last one:
    /// verified tokens kept by the token cache are then verified again.
    epoch: AtomicU64,
    fetches: AtomicU64,
}

#[derive(Clone)]
struct Cached {
    keys: Arc<KeySet>,
    /// `None` until the first successful fetch.
    expires: Option<Instant>,
}

#[derive(Default)]
struct Attempts {
    last: Option<Instant>,
    /// The document the keys in use were read from.
    body: Vec<u8>,
}

/// Why a JWK Set could not be fetched. The last good set stays in use.
#[derive(Debug)]
#[non_exhaustive]
pub enum JwksError {
    /// The HTTP request failed (connection, timeout, body too large).
    Fetch(String),
    /// The server answered with this non-success status.
    Status(u16),
    /// The document is not a JWK Set (or not the discovery document).
    Parse(serde_json::Error),
    /// The set holds no key usable for verification.
    NoUsableKeys,
    /// The file could not be read.
    Io(std::io::Error),
    /// The discovery document's `issuer` is not the configured issuer (OpenID Connect
    /// Discovery section 4.3).
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The document's.
        found: String,
    },
    /// The location needs the `jwks` feature (a URL) or is not `http(s)`.
    Unsupported(String),
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fetch(e) => write!(f, "cannot fetch the JWK Set: {e}"),
            Self::Status(status) => write!(f, "the JWK Set server answered {status}"),
            Self::Parse(e) => write!(f, "not a valid document: {e}"),
            Self::NoUsableKeys => f.write_str("the JWK Set holds no usable signature key"),
            Self::Io(e) => write!(f, "cannot read the JWK Set file: {e}"),
            Self::IssuerMismatch { expected, found } => write!(
                f,
                "the discovery document names the issuer {found:?}, not {expected:?}"
            ),
            Self::Unsupported(what) => write!(f, "unsupported key location: {what}"),
        }
    }
}

impl std::error::Error for JwksError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Parse(e) => Some(e),
            Self::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl JwksSource {
    /// Keys from `location`, cached and refreshed as `options` say. Nothing is fetched
    /// until [`refresh`](Self::refresh) or the first token.
    pub fn new(location: JwksLocation, options: JwksOptions) -> Self {
        Self {
            inner: Arc::new(Inner {
                location,
                options,
                cached: RwLock::new(Cached {
                    keys: Arc::new(KeySet::default()),
                    expires: None,
                }),
                refresh: tokio::sync::Mutex::new(Attempts::default()),
                generation: AtomicU64::new(0),
                epoch: AtomicU64::new(0),
                fetches: AtomicU64::new(0),
            }),
        }
    }

    /// Keys from the JWK Set at `url`, with the default options.
    pub fn url(url: impl Into<String>) -> Self {
        Self::new(JwksLocation::Url(url.into()), JwksOptions::default())
    }

    /// Where the keys come from.
    pub fn location(&self) -> &JwksLocation {
        &self.inner.location
    }

    /// Fetches the set now (waiting for a fetch already running, then fetching again), and
    /// returns how many usable keys it holds. On failure the last good set stays.
    pub async fn refresh(&self) -> Result<usize, JwksError> {
        let mut attempts = self.inner.refresh.lock().await;
        self.fetch(&mut attempts).await
    }

    /// The keys in use now.
    pub fn keys(&self) -> Arc<KeySet> {
        Arc::clone(&self.cached().keys)
    }

    /// How many fetches were attempted (successful or not) since the source was made.
    pub fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// Bumped by every successful fetch: a reader that saw generation `g` and still misses
    /// a key after another reader's fetch need not fetch again.
    pub(crate) fn generation(&self) -> u64 {
        self.inner.generation.load(Ordering::Acquire)
    }

    /// Which keys are in use: changes when a fetch brings a different JWK Set. Read before
    /// the keys, it never names newer keys than those.
    pub(crate) fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    /// Whether the keys were fetched and have not expired.
    pub(crate) fn is_fresh(&self) -> bool {
        let fresh = |cached: &Cached| cached.expires.is_some_and(|e| Instant::now() < e);
        match self.inner.cached.read() {
            Ok(cached) => fresh(&cached),
            Err(poisoned) => fresh(&poisoned.into_inner()),
        }
    }

    /// Whether the set was never fetched, or has expired.
    pub(crate) fn due(&self) -> Due {
        match self.cached().expires {
            None => Due::Missing,
            Some(expires) if Instant::now() >= expires => Due::Expired,
            Some(_) => Due::Fresh,
        }
    }

    /// A refresh a request asked for (`seen`: the generation it verified with): waits for a
    /// fetch in flight, and fetches unless one succeeded since `seen` or one was attempted
    /// within the cooldown. Returns whether the keys changed since `seen`.
    pub(crate) async fn refresh_for(&self, seen: u64) -> bool {
        let mut attempts = self.inner.refresh.lock().await;
        if self.generation() == seen && !self.cooling(&attempts) {
            // Failures are logged by `fetch`; the last good set stays.
            let _ = self.fetch(&mut attempts).await;
        }
        self.generation() != seen
    }

    /// Refreshes an expired set unless a fetch is already running (its requests go on with
    /// the current keys) or one was attempted within the cooldown.
    pub(crate) async fn refresh_if_idle(&self) {
        if let Ok(mut attempts) = self.inner.refresh.try_lock()
            && self.due() == Due::Expired
            && !self.cooling(&attempts)
        {
            let _ = self.fetch(&mut attempts).await;
        }
    }

    fn cooling(&self, attempts: &Attempts) -> bool {
        attempts
            .last
            .is_some_and(|last| last.elapsed() < self.inner.options.cooldown)
    }

    /// One fetch, with the refresh lock held.
    async fn fetch(&self, attempts: &mut Attempts) -> Result<usize, JwksError> {
        let inner = &self.inner;
        attempts.last = Some(Instant::now());
        inner.fetches.fetch_add(1, Ordering::Relaxed);
        let fetched = fetch::fetch(&inner.location, &inner.options).await;
        let outcome = fetched.and_then(|(body, max_age)| {
            let keys =
                KeySet::from_json(&body, &inner.options.algorithms).map_err(JwksError::Parse)?;
            if keys.is_empty() {
                return Err(JwksError::NoUsableKeys);
            }
            Ok((keys, max_age, body))
        });
        match outcome {
            Ok((keys, max_age, body)) => {
                let options = &inner.options;
                let ttl = max_age.map_or(options.ttl, |age| {
                    age.clamp(options.cooldown, options.max_ttl.max(options.cooldown))
                });
                let count = keys.len();
                tracing::info!(location = ?inner.location, keys = count, ?ttl, "JWK Set fetched");
                let cached = Cached {
                    keys: Arc::new(keys),
                    expires: Some(Instant::now() + ttl),
                };
                match inner.cached.write() {
                    Ok(mut slot) => *slot = cached,
                    Err(poisoned) => *poisoned.into_inner() = cached,
                }
                inner.generation.fetch_add(1, Ordering::Release);
                if body != attempts.body {
                    inner.epoch.fetch_add(1, Ordering::Release);
                    attempts.body = body;
                }
                Ok(count)
            }
            Err(e) => {
                tracing::warn!(
                    location = ?inner.location,
                    error = %e,
                    "JWK Set fetch failed; keeping the last good keys"
                );
                Err(e)
            }
        }
    }

    fn cached(&self) -> Cached {
        match self.inner.cached.read() {
            Ok(cached) => cached.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// The state of a [`JwksSource`]'s cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Due {
    Missing,
    Expired,
    Fresh,
}

impl fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksSource")
            .field("location", &self.inner.location)
            .field("keys", &self.keys())
            .field("fetches", &self.fetches())
            .finish()
    }
}
