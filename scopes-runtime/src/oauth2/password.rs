//! Password hashing and verification with bcrypt, on actix-web's blocking thread pool.

use core::fmt;
use core::num::NonZeroUsize;
use std::sync::OnceLock;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError, web};

/// The longest password accepted, in bytes: what bcrypt reads.
pub const MAX_PASSWORD_LEN: usize = 72;

/// Hashes and verifies passwords with bcrypt at a fixed cost.
///
/// bcrypt reads at most 72 bytes of a password, and stops at a NUL byte in some
/// implementations, so `secret\0anything` or a 73-byte password could match the hash of a
/// different password. [`PasswordHasher`] therefore rejects, before bcrypt runs, any password
/// longer than [`MAX_PASSWORD_LEN`] (72) bytes or containing a NUL byte: [`hash`] refuses it
/// with a [`PasswordError`], and [`verify`] answers `false`.
///
/// An unknown user is verified against a dummy hash of the same cost, computed once per cost
/// and process, so the time taken does not reveal which usernames exist.
///
/// At most [`max_concurrent`] bcrypt jobs run at once in the process (by default one fewer
/// than the CPUs, at least one); the others wait, without blocking a worker, for a slot. A
/// burst of logins therefore slows the logins down, not the rest of the API: with every CPU
/// busy hashing, the workers would wait for a CPU on every request.
///
/// [`hash`]: PasswordHasher::hash
/// [`verify`]: PasswordHasher::verify
///
/// `Copy` and `const`-constructible: keep one in a `static`, or in app data.
///
/// ```
/// use scopes_runtime::PasswordHasher;
///
/// static PASSWORDS: PasswordHasher = PasswordHasher::new(); // cost 12, as the tutorial
///
/// # actix_web::rt::System::new().block_on(async {
/// let fast = PasswordHasher::with_cost(4)?; // for tests only
/// let hash = fast.hash("secret").await?;
/// assert!(fast.verify("secret", Some(&hash)).await?);
/// assert!(!fast.verify("secret", None).await?); // unknown user: dummy hash, false
/// # Ok::<(), scopes_runtime::oauth2::PasswordError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordHasher {
    cost: u32,
}

/// One lazily computed dummy hash per bcrypt cost (4..=31).
static DUMMY_HASHES: [OnceLock<String>; 32] = [const { OnceLock::new() }; 32];

/// The slots of the bcrypt jobs allowed to run at once, shared by every worker.
static SLOTS: OnceLock<(usize, tokio::sync::Semaphore)> = OnceLock::new();

fn slots() -> &'static (usize, tokio::sync::Semaphore) {
    SLOTS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let n = cpus.saturating_sub(1).max(1);
        (n, tokio::sync::Semaphore::new(n))
    })
}

/// How many bcrypt jobs may run at once in this process: the value given to
/// [`set_max_concurrent`], or one fewer than the CPUs (at least one).
pub fn max_concurrent() -> usize {
    slots().0
}

/// Sets how many bcrypt jobs may run at once in this process. Call it at start-up, before
/// the first hash; returns `false` (and changes nothing) once the limit is in use.
pub fn set_max_concurrent(n: NonZeroUsize) -> bool {
    SLOTS
        .set((n.get(), tokio::sync::Semaphore::new(n.get())))
        .is_ok()
}

/// Runs the bcrypt job `f` on the blocking pool once a slot is free.
async fn run_bcrypt<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
) -> Result<T, PasswordError> {
    // The semaphore is never closed: `acquire` cannot fail. The slot goes with the job, so
    // that it stays taken while bcrypt runs even if this request is dropped meanwhile.
    let slot = slots()
        .1
        .acquire()
        .await
        .map_err(|_| PasswordError::Blocking)?;
    web::block(move || {
        let _slot = slot;
        f()
    })
    .await
    .map_err(|_| PasswordError::Blocking)?
    .map_err(PasswordError::Bcrypt)
}

impl PasswordHasher {
    /// The default cost: 12 (bcrypt's and the tutorial's).
    pub const DEFAULT_COST: u32 = bcrypt::DEFAULT_COST;

    /// A hasher of cost 12.
    ///
    /// ```
    /// # use scopes_runtime::PasswordHasher;
    /// assert_eq!(PasswordHasher::new().cost(), 12);
    /// ```
    pub const fn new() -> Self {
        Self {
            cost: Self::DEFAULT_COST,
        }
    }

    /// A hasher of cost `cost` (4 to 31).
    pub const fn with_cost(cost: u32) -> Result<Self, PasswordError> {
        if cost < 4 || cost > 31 {
            return Err(PasswordError::InvalidCost(cost));
        }
        Ok(Self { cost })
    }

    /// The cost of the hashes made, and of the dummy hash.
    pub const fn cost(&self) -> u32 {
        self.cost
    }

    /// Checks that bcrypt would read all of `password`, and nothing else.
    ///
    /// ```
    /// # use scopes_runtime::oauth2::PasswordError;
    /// # use scopes_runtime::PasswordHasher;
    /// assert!(PasswordHasher::check_password("secret").is_ok());
    /// assert!(matches!(PasswordHasher::check_password("a\0b"), Err(PasswordError::ContainsNul)));
    /// assert!(matches!(
    ///     PasswordHasher::check_password(&"x".repeat(73)),
    ///     Err(PasswordError::TooLong { len: 73 }),
    /// ));
    /// ```
    pub fn check_password(password: &str) -> Result<(), PasswordError> {
        if password.len() > MAX_PASSWORD_LEN {
            return Err(PasswordError::TooLong {
                len: password.len(),
            });
        }
        if password.as_bytes().contains(&0) {
            return Err(PasswordError::ContainsNul);
        }
        Ok(())
    }

    /// The bcrypt hash of `password`, computed on the blocking pool.
    ///
    /// Refuses passwords over 72 bytes or with a NUL byte ([`check_password`](Self::check_password)).
    ///
    /// ```
    /// # use scopes_runtime::PasswordHasher;
    /// # actix_web::rt::System::new().block_on(async {
    /// let hash = PasswordHasher::with_cost(4)?.hash("secret").await?;
    /// assert!(hash.starts_with("$2b$04$"));
    /// # Ok::<(), scopes_runtime::oauth2::PasswordError>(())
    /// # }).unwrap();
    /// ```
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        Self::check_password(password)?;
        let password = password.to_owned();
        let cost = self.cost;
        run_bcrypt(move || bcrypt::hash(password, cost)).await
    }

    /// Whether `password` matches `hash`, computed on the blocking pool. With no hash (an
    /// unknown user) it checks a dummy hash of the same cost and answers `false`, taking
    /// as long as a real check.
    ///
    /// A password over 72 bytes or with a NUL byte never matches (answered `false` without
    /// running bcrypt). A stored hash that is not bcrypt's is an error.
    ///
    /// ```
    /// # use scopes_runtime::PasswordHasher;
    /// # actix_web::rt::System::new().block_on(async {
    /// let hasher = PasswordHasher::with_cost(4)?;
    /// let hash = hasher.hash("secret").await?;
    /// assert!(!hasher.verify("secret\0anything", Some(&hash)).await?);
    /// # Ok::<(), scopes_runtime::oauth2::PasswordError>(())
    /// # }).unwrap();
    /// ```
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, PasswordError> {
        if Self::check_password(password).is_err() {
            return Ok(false);
        }
        let password = password.to_owned();
        let hash = hash.map(str::to_owned);
        let cost = self.cost;
        run_bcrypt(move || match hash {
            Some(hash) => bcrypt::verify(password, &hash),
            None => {
                let dummy = dummy_hash(cost)?;
                bcrypt::verify(password, dummy).map(|_| false)
            }
        })
        .await
    }
}

impl PasswordHasher {
    /// Computes the dummy hash now, on the blocking pool, so that the first unknown
    /// username is not slower than the ones after it. Call it once at start-up.
    ///
    /// ```
    /// # use scopes_runtime::PasswordHasher;
    /// # actix_web::rt::System::new().block_on(async {
    /// PasswordHasher::with_cost(4)?.warm_up().await?;
    /// # Ok::<(), scopes_runtime::oauth2::PasswordError>(())
    /// # }).unwrap();
    /// ```
    pub async fn warm_up(&self) -> Result<(), PasswordError> {
        let cost = self.cost;
        run_bcrypt(move || dummy_hash(cost).map(|_| ())).await
    }
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

/// The dummy hash of cost `cost`, computed on first use.
fn dummy_hash(cost: u32) -> Result<&'static str, bcrypt::BcryptError> {
    let cell = DUMMY_HASHES
        .get(cost as usize)
        .ok_or(bcrypt::BcryptError::CostNotAllowed(cost))?;
    if let Some(hash) = cell.get() {
        return Ok(hash);
    }
    let hash = bcrypt::hash("scopes-runtime dummy password", cost)?;
    Ok(cell.get_or_init(|| hash))
}

/// Why a password could not be hashed or verified.
#[derive(Debug)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password is longer than [`MAX_PASSWORD_LEN`] bytes. 422.
    TooLong {
        /// Its length, in bytes.
        len: usize,
    },
    /// The password contains a NUL byte. 422.
    ContainsNul,
    /// The bcrypt cost is outside 4..=31 (a configuration error).
    InvalidCost(u32),
    /// bcrypt failed, e.g. on a stored hash that is not a bcrypt hash. 500.
    Bcrypt(bcrypt::BcryptError),
    /// The blocking thread pool could not run the job. 500.
    Blocking,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLong { len } => write!(
                f,
                "the password is {len} bytes long; at most {MAX_PASSWORD_LEN} are allowed"
            ),
            Self::ContainsNul => f.write_str("the password contains a NUL byte"),
            Self::InvalidCost(cost) => write!(f, "bcrypt cost {cost} is outside 4..=31"),
            Self::Bcrypt(_) => f.write_str("password hashing failed"),
            Self::Blocking => f.write_str("the blocking thread pool is unavailable"),
        }
    }
}

impl std::error::Error for PasswordError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Bcrypt(e) => Some(e),
            _ => None,
        }
    }
}

impl ResponseError for PasswordError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::TooLong { .. } | Self::ContainsNul => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidCost(_) | Self::Bcrypt(_) | Self::Blocking => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let detail = match self {
            Self::TooLong { .. } | Self::ContainsNul => self.to_string(),
            _ => {
                tracing::error!(error = ?self, "password hashing failed");
                "Internal Server Error".to_owned()
            }
        };
        HttpResponse::build(self.status_code())
            .content_type(header::ContentType::json())
            .body(serde_json::json!({ "detail": detail }).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[actix_web::test]
    async fn bounds_the_concurrent_jobs() {
        static RUNNING: AtomicUsize = AtomicUsize::new(0);
        static PEAK: AtomicUsize = AtomicUsize::new(0);
        let job = || {
            run_bcrypt(|| {
                let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
                PEAK.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                RUNNING.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            })
        };
        let jobs: Vec<_> = (0..3 * max_concurrent() + 2)
            .map(|_| actix_web::rt::spawn(job()))
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        assert_eq!(RUNNING.load(Ordering::SeqCst), 0);
        let peak = PEAK.load(Ordering::SeqCst);
        assert!(
            (1..=max_concurrent()).contains(&peak),
            "{peak} jobs ran at once; the limit is {}",
            max_concurrent()
        );
    }

    #[actix_web::test]
    async fn rejects_what_bcrypt_would_not_read() {
        let hasher = PasswordHasher::with_cost(4).unwrap();
        let hash = hasher.hash("secret").await.unwrap();
        // bcrypt itself would accept these: the checks are ours.
        assert!(bcrypt::verify("x".repeat(73), &bcrypt::hash("x".repeat(72), 4).unwrap()).unwrap());
        assert!(
            !hasher
                .verify("secret\0anything", Some(&hash))
                .await
                .unwrap()
        );
        let long = "y".repeat(72);
        let long_hash = hasher.hash(&long).await.unwrap();
        assert!(hasher.verify(&long, Some(&long_hash)).await.unwrap());
        assert!(
            !hasher
                .verify(&format!("{long}z"), Some(&long_hash))
                .await
                .unwrap()
        );
    }
}
