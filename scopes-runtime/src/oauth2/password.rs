//! Password hashing and verification with bcrypt, on actix-web's blocking thread pool.

use core::fmt;
use core::num::NonZeroUsize;
use core::time::Duration;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError, web};
use tokio::sync::{Semaphore, SemaphorePermit, TryAcquireError};

use super::throttle::whole_seconds;

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
/// The wait is bounded: at most [`max_waiters`] jobs wait (by default 16 per slot), each
/// for at most [`max_wait`] (2 s by default). A job that finds the queue full, or no slot
/// free in time, is refused with [`PasswordError::Busy`] (503 with `Retry-After`) rather
/// than queued without bound. Limit failed logins before they reach the queue with a
/// [`LoginThrottle`](super::LoginThrottle), and check the passwords of the logins that look
/// like guessing at [`Priority::Low`] ([`verify_with_priority`]): however many of them
/// wait, the other logins wait behind at most half the slots' worth of them.
///
/// [`verify_with_priority`]: PasswordHasher::verify_with_priority
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
static SLOTS: OnceLock<Slots> = OnceLock::new();

/// The jobs of each [`Priority`] waiting for a slot (normal, low).
static WAITING: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

/// [`max_waiters`], or `usize::MAX` for its default (16 per slot).
static MAX_WAITERS: AtomicUsize = AtomicUsize::new(usize::MAX);

/// [`max_wait`], in milliseconds.
static MAX_WAIT_MS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_WAIT.as_millis() as u64);

/// The default of [`max_wait`]: 2 s. At cost 12 a slot checks about 4 passwords a second,
/// so 2 s is the wait behind 7 or so logins: more than an ordinary burst (a few clients
/// logging in at once, each waiting for the others) on a busy small machine.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(2);

/// The bcrypt slots, and the lane that [`Priority::Low`] jobs pass before them.
struct Slots {
    n: usize,
    slots: Semaphore,
    /// Half the slots, at least one: how many low-priority jobs may be queued for a slot
    /// or hold one at once.
    low: Semaphore,
}

impl Slots {
    fn new(n: usize) -> Self {
        Self {
            n,
            slots: Semaphore::new(n),
            low: Semaphore::new((n / 2).max(1)),
        }
    }
}

fn slots() -> &'static Slots {
    SLOTS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        Slots::new(cpus.saturating_sub(1).max(1))
    })
}

/// How many bcrypt jobs may run at once in this process: the value given to
/// [`set_max_concurrent`], or one fewer than the CPUs (at least one).
pub fn max_concurrent() -> usize {
    slots().n
}

/// Sets how many bcrypt jobs may run at once in this process. Call it at start-up, before
/// the first hash; returns `false` (and changes nothing) once the limit is in use.
pub fn set_max_concurrent(n: NonZeroUsize) -> bool {
    SLOTS.set(Slots::new(n.get())).is_ok()
}

/// How many bcrypt jobs of each [`Priority`] may wait for a slot at once: the value given
/// to [`set_max_waiters`], or 16 per slot ([`max_concurrent`]). A job that finds this many
/// of its priority waiting is refused at once with [`PasswordError::Busy`].
pub fn max_waiters() -> usize {
    match MAX_WAITERS.load(Ordering::Relaxed) {
        usize::MAX => max_concurrent().saturating_mul(16),
        n => n,
    }
}

/// Sets how many bcrypt jobs of each [`Priority`] may wait for a slot at once (`0`: none
/// wait; a job runs at once or is refused). Takes effect for the jobs that start waiting
/// afterwards.
///
/// ```
/// use scopes_runtime::oauth2::{max_waiters, set_max_waiters};
/// set_max_waiters(8);
/// assert_eq!(max_waiters(), 8);
/// ```
pub fn set_max_waiters(n: usize) {
    MAX_WAITERS.store(n.min(usize::MAX - 1), Ordering::Relaxed);
}

/// How long a bcrypt job waits for a slot at most before it is refused with
/// [`PasswordError::Busy`]: the value given to [`set_max_wait`], or [`DEFAULT_MAX_WAIT`]
/// (2 s).
pub fn max_wait() -> Duration {
    Duration::from_millis(MAX_WAIT_MS.load(Ordering::Relaxed))
}

/// Sets how long a bcrypt job waits for a slot at most (millisecond precision; zero: it
/// runs at once or is refused). Takes effect for the jobs that start waiting afterwards.
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::oauth2::{max_wait, set_max_wait};
/// set_max_wait(Duration::from_millis(500));
/// assert_eq!(max_wait(), Duration::from_millis(500));
/// ```
pub fn set_max_wait(wait: Duration) {
    let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
    MAX_WAIT_MS.store(ms, Ordering::Relaxed);
}

/// Which queue a bcrypt job waits in ([`PasswordHasher::verify_with_priority`]).
///
/// Low-priority jobs pass a lane of half the slots (at least one) before they queue for a
/// slot: at most that many are queued for a slot or hold one at once, the others wait in
/// the lane. A normal job therefore waits behind the normal jobs ahead of it and at most
/// that many low-priority ones, however many low-priority jobs are waiting. Give logins
/// that look like guessing low priority ([`LoginAttempt::priority`]), so that a flood of
/// them does not delay the other users' logins.
///
/// [`LoginAttempt::priority`]: super::LoginAttempt::priority
///
/// # Examples
///
/// ```
/// use scopes_runtime::oauth2::Priority;
/// assert_eq!(Priority::default(), Priority::Normal);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Priority {
    /// The queue of the slots.
    #[default]
    Normal,
    /// The lane before it.
    Low,
}

/// A place in the queue of [`acquire`], given back on drop.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A slot, and the place in the low-priority lane its job took on the way.
struct Slot<'s> {
    _slot: SemaphorePermit<'s>,
    _lane: Option<SemaphorePermit<'s>>,
}

/// A slot of `slots` (through `lane` first when given): at once if one is free, otherwise
/// after waiting at most `max_wait` as one of at most `max_waiters` counted by `waiting`;
/// [`PasswordError::Busy`] if not.
async fn acquire<'s>(
    slots: &'s Semaphore,
    lane: Option<&'s Semaphore>,
    waiting: &AtomicUsize,
    max_waiters: usize,
    max_wait: Duration,
) -> Result<Slot<'s>, PasswordError> {
    let closed = |_| PasswordError::Blocking;
    let mut passed = None;
    if let Some(lane) = lane {
        match lane.try_acquire() {
            Ok(place) => passed = Some(place),
            Err(TryAcquireError::Closed) => return Err(PasswordError::Blocking),
            Err(TryAcquireError::NoPermits) => {}
        }
    }
    if lane.is_none() || passed.is_some() {
        match slots.try_acquire() {
            Ok(slot) => {
                return Ok(Slot {
                    _slot: slot,
                    _lane: passed,
                });
            }
            Err(TryAcquireError::Closed) => return Err(PasswordError::Blocking),
            Err(TryAcquireError::NoPermits) => {}
        }
    }
    let busy = PasswordError::Busy {
        retry_after: whole_seconds(max_wait),
    };
    if max_wait.is_zero()
        || waiting
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max_waiters).then_some(n + 1)
            })
            .is_err()
    {
        return Err(busy);
    }
    let _place = Waiting(waiting);
    let wait = async move {
        let passed = match (lane, passed) {
            (Some(lane), None) => Some(lane.acquire().await.map_err(closed)?),
            (_, passed) => passed,
        };
        let slot = slots.acquire().await.map_err(closed)?;
        Ok(Slot {
            _slot: slot,
            _lane: passed,
        })
    };
    match actix_web::rt::time::timeout(max_wait, wait).await {
        Ok(slot) => slot,
        Err(_elapsed) => Err(busy),
    }
}

/// Runs the bcrypt job `f` on the blocking pool once a slot is free: within the queue's
/// bounds, in the queue of `priority`, when `bounded`; otherwise however long it takes.
async fn run_bcrypt<T: Send + 'static>(
    bounded: Option<Priority>,
    f: impl FnOnce() -> Result<T, bcrypt::BcryptError> + Send + 'static,
) -> Result<T, PasswordError> {
    let all = slots();
    // The slot goes with the job, so that it stays taken while bcrypt runs even if this
    // request is dropped meanwhile.
    let slot = match bounded {
        Some(Priority::Normal) => {
            acquire(&all.slots, None, &WAITING[0], max_waiters(), max_wait()).await?
        }
        Some(Priority::Low) => {
            let lane = Some(&all.low);
            acquire(&all.slots, lane, &WAITING[1], max_waiters(), max_wait()).await?
        }
        None => Slot {
            _slot: all
                .slots
                .acquire()
                .await
                .map_err(|_| PasswordError::Blocking)?,
            _lane: None,
        },
    };
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
        run_bcrypt(Some(Priority::Normal), move || bcrypt::hash(password, cost)).await
    }

    /// Whether `password` matches `hash`, computed on the blocking pool. With no hash (an
    /// unknown user) it checks a dummy hash of the same cost and answers `false`, taking
    /// as long as a real check.
    ///
    /// A password over 72 bytes or with a NUL byte never matches (answered `false` without
    /// running bcrypt). A stored hash that is not bcrypt's is an error, and so is a full
    /// queue: [`PasswordError::Busy`] when no slot is free within [`max_wait`].
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
        self.verify_with_priority(password, hash, Priority::Normal)
            .await
    }

    /// [`verify`](Self::verify), waiting for a slot in the queue of `priority`.
    ///
    /// ```
    /// # use scopes_runtime::PasswordHasher;
    /// # use scopes_runtime::oauth2::Priority;
    /// # actix_web::rt::System::new().block_on(async {
    /// let hasher = PasswordHasher::with_cost(4)?;
    /// let hash = hasher.hash("secret").await?;
    /// assert!(hasher.verify_with_priority("secret", Some(&hash), Priority::Low).await?);
    /// # Ok::<(), scopes_runtime::oauth2::PasswordError>(())
    /// # }).unwrap();
    /// ```
    pub async fn verify_with_priority(
        &self,
        password: &str,
        hash: Option<&str>,
        priority: Priority,
    ) -> Result<bool, PasswordError> {
        if Self::check_password(password).is_err() {
            return Ok(false);
        }
        let password = password.to_owned();
        let hash = hash.map(str::to_owned);
        let cost = self.cost;
        run_bcrypt(Some(priority), move || match hash {
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
    /// username is not slower than the ones after it. Call it once at start-up. It waits
    /// for a slot however long it takes.
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
        run_bcrypt(None, move || dummy_hash(cost).map(|_| ())).await
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
    /// No bcrypt slot became free within [`max_wait`], or [`max_waiters`] jobs were
    /// waiting already. 503 with `Retry-After`.
    Busy {
        /// When to retry: [`max_wait`] in whole seconds, at least one.
        retry_after: Duration,
    },
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
            Self::Busy { .. } => f.write_str("no bcrypt slot became free in time"),
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
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status_code());
        let detail = match self {
            Self::TooLong { .. } | Self::ContainsNul => self.to_string(),
            Self::Busy { retry_after } => {
                tracing::debug!(error = %self, "password check refused");
                res.insert_header((header::RETRY_AFTER, retry_after.as_secs()));
                "Service temporarily unavailable".to_owned()
            }
            _ => {
                tracing::error!(error = ?self, "password hashing failed");
                "Internal Server Error".to_owned()
            }
        };
        res.content_type(header::ContentType::json())
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
            run_bcrypt(None, || {
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
    async fn the_wait_for_a_slot_is_bounded() {
        let slots = Semaphore::new(1);
        let waiting = AtomicUsize::new(0);
        let taken = slots.try_acquire().unwrap();
        // No slot within the wait: refused, with the wait as `Retry-After`.
        let refused = acquire(&slots, None, &waiting, 4, Duration::from_millis(10))
            .await
            .map(drop);
        assert!(
            matches!(refused, Err(PasswordError::Busy { retry_after }) if retry_after == Duration::from_secs(1)),
            "{refused:?}"
        );
        // No wait at all, or no place in the queue: refused at once.
        assert!(matches!(
            acquire(&slots, None, &waiting, 4, Duration::ZERO).await,
            Err(PasswordError::Busy { .. })
        ));
        assert!(matches!(
            acquire(&slots, None, &waiting, 0, Duration::from_secs(3600)).await,
            Err(PasswordError::Busy { .. })
        ));
        assert_eq!(waiting.load(Ordering::SeqCst), 0, "places are given back");
        // A slot freed while waiting is taken.
        let slots: &'static Semaphore = Box::leak(Box::new(Semaphore::new(1)));
        let waiting: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
        let taken_static = slots.try_acquire().unwrap();
        let waiter = actix_web::rt::spawn(async move {
            acquire(slots, None, waiting, 1, Duration::from_secs(3600))
                .await
                .map(drop)
        });
        while waiting.load(Ordering::SeqCst) == 0 {
            actix_web::rt::task::yield_now().await;
        }
        // The one place is taken.
        assert!(matches!(
            acquire(slots, None, waiting, 1, Duration::from_secs(3600))
                .await
                .map(drop),
            Err(PasswordError::Busy { .. })
        ));
        drop(taken_static);
        assert!(waiter.await.unwrap().is_ok());
        assert_eq!(waiting.load(Ordering::SeqCst), 0);
        drop(taken);
    }

    #[actix_web::test]
    async fn low_priority_jobs_wait_behind_normal_ones() {
        fn leak<T>(value: T) -> &'static T {
            Box::leak(Box::new(value))
        }
        let slots = leak(Semaphore::new(1));
        let lane = leak(Semaphore::new(1));
        let (low, normal) = (leak(AtomicUsize::new(0)), leak(AtomicUsize::new(0)));
        let order = leak(std::sync::Mutex::new(Vec::new()));
        let wait = Duration::from_secs(3600);
        let job = |name: &'static str, lane: Option<&'static Semaphore>, waiting| {
            actix_web::rt::spawn(async move {
                let slot = acquire(slots, lane, waiting, 8, wait).await.unwrap();
                order.lock().unwrap().push(name);
                drop(slot);
            })
        };
        async fn until(counter: &AtomicUsize, n: usize) {
            while counter.load(Ordering::SeqCst) != n {
                actix_web::rt::task::yield_now().await;
            }
        }
        let taken = slots.try_acquire().unwrap();
        // `low1` passes the lane and queues for the slot, `low2` waits in the lane, then
        // `normal` queues for the slot.
        let jobs = [
            job("low1", Some(lane), low),
            {
                until(low, 1).await;
                job("low2", Some(lane), low)
            },
            {
                until(low, 2).await;
                job("normal", None, normal)
            },
        ];
        until(normal, 1).await;
        drop(taken);
        for job in jobs {
            job.await.unwrap();
        }
        // First come first served would be low1, low2, normal.
        assert_eq!(*order.lock().unwrap(), ["low1", "normal", "low2"]);
        assert_eq!(
            (low.load(Ordering::SeqCst), normal.load(Ordering::SeqCst)),
            (0, 0)
        );
    }

    #[test]
    fn busy_is_a_503_with_retry_after() {
        let busy = PasswordError::Busy {
            retry_after: Duration::from_secs(2),
        };
        let res = busy.error_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers().get(header::RETRY_AFTER).unwrap(), "2");
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
