//! [`LoginThrottle`]: failed logins limited per username and per client address, checked
//! before bcrypt runs, in a bounded amount of memory.

use core::fmt;
use core::hash::{BuildHasher, Hasher};
use std::collections::{HashMap, VecDeque};
use std::hash::RandomState;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::Priority;

/// The limits of a [`LoginThrottle`]: how many failed logins a username and a client address
/// may have within a window, how many logins an address may have under way at once, and how
/// many usernames and addresses are remembered.
///
/// | limit | default | `0` |
/// |---|---|---|
/// | [`failures_per_username`](Self::failures_per_username) | 10 | no limit |
/// | [`failures_per_address`](Self::failures_per_address) | 100 | no limit |
/// | [`window`](Self::window) | 15 minutes | (at least 1 s) |
/// | [`concurrent_per_address`](Self::concurrent_per_address) | 4 | no limit |
/// | [`max_tracked`](Self::max_tracked) | 65 536 | (at least 1) |
///
/// The defaults follow OWASP ASVS (v4.0.3 2.2.1, v5.0 6.3.1: no more than 100 failed
/// attempts per hour on one account): at most 10 failures per username in 15 minutes, so
/// at most 40 an hour. An address may fail more often than a username, since many users
/// can share one (a NAT, a proxy), but it cannot try 100 usernames more than once a window
/// each.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::oauth2::LoginLimits;
///
/// let limits = LoginLimits::new()
///     .failures_per_username(5)
///     .window(Duration::from_secs(600));
/// assert_eq!(limits.get_failures_per_username(), 5);
/// assert_eq!(limits.get_failures_per_address(), 100);
/// assert_eq!(limits.get_window(), Duration::from_secs(600));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    per_username: u32,
    per_address: u32,
    window: Duration,
    concurrent_per_address: u32,
    max_tracked: usize,
}

impl LoginLimits {
    /// The default failures allowed per username within a window: 10.
    pub const DEFAULT_FAILURES_PER_USERNAME: u32 = 10;
    /// The default failures allowed per client address within a window: 100.
    pub const DEFAULT_FAILURES_PER_ADDRESS: u32 = 100;
    /// The default window: 15 minutes.
    pub const DEFAULT_WINDOW: Duration = Duration::from_secs(15 * 60);
    /// The default logins an address may have under way at once: 4.
    pub const DEFAULT_CONCURRENT_PER_ADDRESS: u32 = 4;
    /// The default number of usernames and addresses remembered: 65 536.
    pub const DEFAULT_MAX_TRACKED: usize = 1 << 16;

    /// The default limits (see the table above).
    pub const fn new() -> Self {
        Self {
            per_username: Self::DEFAULT_FAILURES_PER_USERNAME,
            per_address: Self::DEFAULT_FAILURES_PER_ADDRESS,
            window: Self::DEFAULT_WINDOW,
            concurrent_per_address: Self::DEFAULT_CONCURRENT_PER_ADDRESS,
            max_tracked: Self::DEFAULT_MAX_TRACKED,
        }
    }

    /// How many failed logins a username may have within a window before its logins are
    /// refused until the window ends; `0` for no limit.
    #[must_use]
    pub const fn failures_per_username(mut self, failures: u32) -> Self {
        self.per_username = failures;
        self
    }

    /// How many failed logins a client address may have within a window (whatever the
    /// usernames) before its logins are refused until the window ends; `0` for no limit.
    #[must_use]
    pub const fn failures_per_address(mut self, failures: u32) -> Self {
        self.per_address = failures;
        self
    }

    /// How long failures are counted: a username's or address's window starts at its first
    /// failure, and its count starts again once the window is over. At least one second.
    #[must_use]
    pub const fn window(mut self, window: Duration) -> Self {
        self.window = if window.as_secs() == 0 {
            Duration::from_secs(1)
        } else {
            window
        };
        self
    }

    /// How many logins from one client address may be under way at once (waiting for
    /// bcrypt or running it); `0` for no limit. This bounds the share of the bcrypt queue
    /// that one address can take, before any of its failures is known.
    #[must_use]
    pub const fn concurrent_per_address(mut self, logins: u32) -> Self {
        self.concurrent_per_address = logins;
        self
    }

    /// How many usernames and addresses are remembered at most, together (at least one).
    /// Once full, the one whose window started first is forgotten to make room.
    #[must_use]
    pub const fn max_tracked(mut self, keys: usize) -> Self {
        self.max_tracked = if keys == 0 { 1 } else { keys };
        self
    }

    /// See [`failures_per_username`](Self::failures_per_username).
    pub const fn get_failures_per_username(&self) -> u32 {
        self.per_username
    }

    /// See [`failures_per_address`](Self::failures_per_address).
    pub const fn get_failures_per_address(&self) -> u32 {
        self.per_address
    }

    /// See [`window`](Self::window).
    pub const fn get_window(&self) -> Duration {
        self.window
    }

    /// See [`concurrent_per_address`](Self::concurrent_per_address).
    pub const fn get_concurrent_per_address(&self) -> u32 {
        self.concurrent_per_address
    }

    /// See [`max_tracked`](Self::max_tracked).
    pub const fn get_max_tracked(&self) -> usize {
        self.max_tracked
    }
}

impl Default for LoginLimits {
    fn default() -> Self {
        Self::new()
    }
}

/// Failed logins limited per username and per client address, checked before the password
/// is: a login refused here never reaches bcrypt, so a flood of wrong passwords cannot fill
/// the bcrypt queue ([`PasswordHasher`](super::PasswordHasher)).
///
/// [`begin`](Self::begin) counts the login as a failure of its username and of its address
/// at once, before the password is checked, so that concurrent logins cannot all pass
/// before any of them has failed; the [`LoginAttempt`] it returns settles it:
/// [`succeeded`](LoginAttempt::succeeded) forgets the username's failures and takes the
/// login off the address's count, [`failed`](LoginAttempt::failed) (or dropping it) keeps
/// it counted, [`abandon`](LoginAttempt::abandon) (the password could not be checked)
/// takes it off both. Once a username or an address has as many failures in its window as
/// [`LoginLimits`] allow, its logins are refused with a [`LoginRefused`] saying when to
/// retry, until the window is over; an address is also refused while it has
/// [`concurrent_per_address`](LoginLimits::concurrent_per_address) logins under way.
///
/// A login whose username or address has failures in its window, or whose address has
/// another login under way, looks like guessing: its [`LoginAttempt::priority`] is
/// [`Priority::Low`], for
/// [`PasswordHasher::verify_with_priority`](super::PasswordHasher::verify_with_priority),
/// so that the other users' logins do not wait behind it.
///
/// - **Usernames** compare lowercased (Unicode), so that case variants share one count,
///   whatever the app's lookup does. An unknown username counts exactly like a known one:
///   the throttle runs before the lookup, and its answers do not say whether a user exists.
/// - **Addresses**: an IPv4 address, or the /64 prefix of an IPv6 one (a host usually holds
///   a whole /64); an IPv4-mapped IPv6 address is its IPv4 address.
/// - **Memory** is bounded: at most [`max_tracked`](LoginLimits::max_tracked) usernames and
///   addresses, each kept as a 64-bit keyed hash (never the username itself) with its
///   counts, in about 100 bytes; a login that succeeds leaves nothing behind. When full, the
///   entry whose window started first is forgotten. An attacker who can fail logins fast
///   enough to fill it can so free the oldest of them, but every entry is a failure bcrypt
///   checked (the refused logins add nothing): at cost 12 a core checks about 4 passwords a
///   second, so the default 65 536 outlasts a 15-minute window on up to about 18 bcrypt
///   slots.
/// - **Shared** by every worker (put it in `web::Data`); its entries are spread over 16
///   mutexes, each held for a few hash-map operations.
///
/// # Examples
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use scopes_runtime::oauth2::{LoginLimits, LoginThrottle, RefusalReason};
///
/// let throttle = LoginThrottle::new(LoginLimits::new().failures_per_username(2));
/// let client = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
///
/// for _ in 0..2 {
///     let attempt = throttle.begin("johndoe", client).expect("not limited yet");
///     // .. bcrypt says the password is wrong ..
///     attempt.failed();
/// }
/// let refused = throttle.begin("JohnDoe", client).unwrap_err();
/// assert_eq!(refused.reason(), RefusalReason::Username);
/// assert_eq!(refused.retry_after_secs(), 15 * 60); // the rest of the window
///
/// // Another user from the same address is not affected.
/// throttle.begin("alice", client).expect("another username").succeeded();
/// ```
pub struct LoginThrottle {
    limits: LoginLimits,
    keys: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

/// How many mutexes the entries are spread over.
const SHARDS: usize = 16;

/// How many expired entries a login removes, at most, on its way.
const SWEEP: usize = 4;

impl LoginThrottle {
    /// A throttle with `limits`, remembering nothing yet.
    pub fn new(limits: LoginLimits) -> Self {
        let total = limits.max_tracked;
        let n = SHARDS.min(total);
        let shards = (0..n)
            .map(|i| Mutex::new(Shard::new(total / n + usize::from(i < total % n))))
            .collect();
        Self {
            limits,
            keys: RandomState::new(),
            shards,
        }
    }

    /// The limits.
    pub fn limits(&self) -> LoginLimits {
        self.limits
    }

    /// Starts a login of `username` from `address`: refused if either has used up its
    /// failures in the window, or the address has its maximum of logins under way;
    /// otherwise counted as a failure until the [`LoginAttempt`] says otherwise.
    ///
    /// Call it before checking the password, and settle the attempt once it is checked.
    pub fn begin(&self, username: &str, address: IpAddr) -> Result<LoginAttempt<'_>, LoginRefused> {
        self.begin_at(username, address, Instant::now())
    }

    /// How many usernames and addresses are remembered now: at most
    /// [`max_tracked`](LoginLimits::max_tracked).
    ///
    /// ```
    /// # use std::net::{IpAddr, Ipv4Addr};
    /// # use scopes_runtime::oauth2::{LoginLimits, LoginThrottle};
    /// let throttle = LoginThrottle::new(LoginLimits::new());
    /// let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
    /// throttle.begin("nobody", client).unwrap().failed();
    /// assert_eq!(throttle.tracked(), 2); // the username and the address
    /// throttle.begin("nobody", client).unwrap().succeeded();
    /// assert_eq!(throttle.tracked(), 1); // the address's first failure
    /// ```
    pub fn tracked(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    fn begin_at(
        &self,
        username: &str,
        address: IpAddr,
        now: Instant,
    ) -> Result<LoginAttempt<'_>, LoginRefused> {
        let limits = &self.limits;
        let mut attempt = LoginAttempt {
            throttle: self,
            username: None,
            address: None,
        };
        if limits.per_address != 0 || limits.concurrent_per_address != 0 {
            let key = self.address_key(address);
            let rule = Rule {
                window: limits.window,
                failures: limits.per_address,
                concurrent: limits.concurrent_per_address,
            };
            // (The shard's guard goes at the end of the statement, before anything else
            // locks a shard.)
            let reserved = self.shard(key).reserve(key, now, rule);
            match reserved {
                Ok(ticket) => attempt.address = Some(ticket),
                Err(refusal) => return Err(refusal.refused(RefusalReason::Address)),
            }
        }
        if limits.per_username != 0 {
            let key = self.username_key(username);
            let rule = Rule {
                window: limits.window,
                failures: limits.per_username,
                concurrent: 0,
            };
            let reserved = self.shard(key).reserve(key, now, rule);
            match reserved {
                Ok(ticket) => attempt.username = Some(ticket),
                Err(refusal) => {
                    // Not tried: the address's count goes back to what it was.
                    attempt.abandon();
                    return Err(refusal.refused(RefusalReason::Username));
                }
            }
        }
        Ok(attempt)
    }

    /// Settles `ticket`: whether its key has now used up its failures.
    fn settle(&self, ticket: Ticket, outcome: Outcome) -> bool {
        self.shard(ticket.key).settle(ticket, outcome)
    }

    fn shard(&self, key: u64) -> MutexGuard<'_, Shard> {
        // The high half picks the shard, so that the map's buckets (the low bits) vary.
        lock(&self.shards[(key >> 32) as usize % self.shards.len()])
    }

    fn username_key(&self, username: &str) -> u64 {
        let mut hasher = self.keys.build_hasher();
        hasher.write_u8(0);
        for c in username.chars().flat_map(char::to_lowercase) {
            hasher.write_u32(u32::from(c));
        }
        hasher.finish()
    }

    fn address_key(&self, address: IpAddr) -> u64 {
        let mut hasher = self.keys.build_hasher();
        match address.to_canonical() {
            IpAddr::V4(v4) => {
                hasher.write_u8(4);
                hasher.write_u32(u32::from(v4));
            }
            IpAddr::V6(v6) => {
                hasher.write_u8(6);
                hasher.write_u64((u128::from(v6) >> 64) as u64);
            }
        }
        hasher.finish()
    }
}

impl fmt::Debug for LoginThrottle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginThrottle")
            .field("limits", &self.limits)
            .field("tracked", &self.tracked())
            .finish_non_exhaustive()
    }
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(LoginLimits::new())
    }
}

/// A shard's mutex, whether or not a thread panicked while holding it: every update of a
/// shard leaves it consistent.
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A login under way, counted as a failure of its username and its address until settled.
///
/// Settle it once the password is checked: [`succeeded`](Self::succeeded),
/// [`failed`](Self::failed), or [`abandon`](Self::abandon) when it could not be checked.
/// Dropping it unsettled (the request was cancelled meanwhile) counts it as failed.
///
/// # Examples
///
/// ```
/// # use std::net::{IpAddr, Ipv6Addr};
/// # use scopes_runtime::oauth2::LoginThrottle;
/// let throttle = LoginThrottle::default();
/// let client = IpAddr::V6(Ipv6Addr::LOCALHOST);
/// let attempt = throttle.begin("johndoe", client).unwrap();
/// let password_ok = true; // PasswordHasher::verify(..).await
/// if password_ok {
///     attempt.succeeded();
/// } else {
///     attempt.failed();
/// }
/// ```
#[must_use = "settle the attempt: dropping it counts as a failed login"]
pub struct LoginAttempt<'a> {
    throttle: &'a LoginThrottle,
    username: Option<Ticket>,
    address: Option<Ticket>,
}

impl LoginAttempt<'_> {
    /// The password was right: the username's failures are forgotten, and the login is no
    /// failure of the address (whose other failures stay counted).
    pub fn succeeded(mut self) {
        self.settle(Outcome::Reset, Outcome::Refund);
    }

    /// The username or the password was wrong: the login stays counted as a failure of both.
    ///
    /// Says which, if either, has now used up its failures: [`RefusalReason::Username`] or
    /// [`RefusalReason::Address`] (the username when both), once per window, for a log
    /// line or an alert.
    pub fn failed(mut self) -> Option<RefusalReason> {
        let settle = |t: Ticket| self.throttle.settle(t, Outcome::Failed);
        let username = self.username.take().map(settle);
        let address = self.address.take().map(settle);
        if username == Some(true) {
            Some(RefusalReason::Username)
        } else if address == Some(true) {
            Some(RefusalReason::Address)
        } else {
            None
        }
    }

    /// [`Priority::Low`] when the username or the address already has failures in its
    /// window (those under way included: the address has another login under way), else
    /// [`Priority::Normal`]: the queue to check the password in.
    ///
    /// ```
    /// # use std::net::{IpAddr, Ipv4Addr};
    /// use scopes_runtime::oauth2::{LoginThrottle, Priority};
    /// let throttle = LoginThrottle::default();
    /// let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
    /// let first = throttle.begin("johndoe", client).unwrap();
    /// assert_eq!(first.priority(), Priority::Normal);
    /// let second = throttle.begin("alice", client).unwrap(); // while the first is under way
    /// assert_eq!(second.priority(), Priority::Low);
    /// # drop((first, second));
    /// ```
    pub fn priority(&self) -> Priority {
        let suspect = |t: &Option<Ticket>| t.is_some_and(|t| t.suspect);
        if suspect(&self.username) || suspect(&self.address) {
            Priority::Low
        } else {
            Priority::Normal
        }
    }

    /// The password could not be checked (no bcrypt slot, say): the login is not counted.
    pub fn abandon(mut self) {
        self.settle(Outcome::Refund, Outcome::Refund);
    }

    fn settle(&mut self, username: Outcome, address: Outcome) {
        for (ticket, outcome) in [
            (self.username.take(), username),
            (self.address.take(), address),
        ] {
            if let Some(ticket) = ticket {
                self.throttle.settle(ticket, outcome);
            }
        }
    }
}

impl Drop for LoginAttempt<'_> {
    fn drop(&mut self) {
        self.settle(Outcome::Failed, Outcome::Failed);
    }
}

impl fmt::Debug for LoginAttempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("username_counted", &self.username.is_some())
            .field("address_counted", &self.address.is_some())
            .finish()
    }
}

/// A login refused by a [`LoginThrottle`]: why, and when to retry (the `Retry-After` of
/// the 429 it becomes as an [`AuthError`](super::AuthError)).
///
/// # Examples
///
/// ```
/// # use std::net::{IpAddr, Ipv4Addr};
/// use scopes_runtime::oauth2::{LoginLimits, LoginThrottle, RefusalReason};
/// use scopes_runtime::AuthError;
/// use actix_web::ResponseError;
///
/// let throttle = LoginThrottle::new(LoginLimits::new().concurrent_per_address(1));
/// let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// let _first = throttle.begin("johndoe", client).unwrap();
/// let refused = throttle.begin("alice", client).unwrap_err();
/// assert_eq!(refused.reason(), RefusalReason::Concurrent);
/// assert_eq!(refused.retry_after_secs(), 1);
/// assert_eq!(AuthError::from(refused).status_code().as_u16(), 429);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginRefused {
    reason: RefusalReason,
    retry_after: Duration,
}

/// Why a [`LoginThrottle`] refused a login, or which limit a failed login used up
/// ([`LoginAttempt::failed`]).
///
/// # Examples
///
/// ```
/// # use std::net::{IpAddr, Ipv4Addr};
/// use scopes_runtime::oauth2::{LoginLimits, LoginThrottle, RefusalReason};
/// let throttle = LoginThrottle::new(LoginLimits::new().failures_per_address(1));
/// let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
/// let used_up = throttle.begin("nobody", client).unwrap().failed();
/// assert_eq!(used_up, Some(RefusalReason::Address));
/// let refused = throttle.begin("johndoe", client).unwrap_err();
/// assert_eq!(refused.reason(), RefusalReason::Address);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The username has used up its failures in the window.
    Username,
    /// The client address has used up its failures in the window.
    Address,
    /// The client address has its maximum of logins under way.
    Concurrent,
}

impl RefusalReason {
    /// A short description, for logs.
    ///
    /// ```
    /// # use scopes_runtime::oauth2::RefusalReason;
    /// assert_eq!(RefusalReason::Username.as_str(), "too many failed logins for the username");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Username => "too many failed logins for the username",
            Self::Address => "too many failed logins from the address",
            Self::Concurrent => "too many logins under way from the address",
        }
    }
}

impl fmt::Display for RefusalReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl LoginRefused {
    /// Why.
    pub fn reason(&self) -> RefusalReason {
        self.reason
    }

    /// How long until a login may be accepted again: the rest of the window, or one second
    /// for [`RefusalReason::Concurrent`]; whole seconds, at least one.
    pub fn retry_after(&self) -> Duration {
        self.retry_after
    }

    /// [`retry_after`](Self::retry_after) in seconds, as `Retry-After` carries it.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs()
    }
}

impl fmt::Display for LoginRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; retry after {} s",
            self.reason,
            self.retry_after_secs()
        )
    }
}

impl std::error::Error for LoginRefused {}

/// `d` in whole seconds, rounded up, at least one.
pub(super) fn whole_seconds(d: Duration) -> Duration {
    let secs = d.as_secs().saturating_add(u64::from(d.subsec_nanos() > 0));
    Duration::from_secs(secs.max(1))
}

/// The limits that apply to one key.
#[derive(Clone, Copy)]
struct Rule {
    window: Duration,
    failures: u32,
    concurrent: u32,
}

/// Why a shard refused a reservation.
enum Refusal {
    /// Out of failures until the window ends, in this long.
    Failures(Duration),
    /// Too many logins under way.
    Concurrent,
}

impl Refusal {
    fn refused(self, failures: RefusalReason) -> LoginRefused {
        match self {
            Self::Failures(rest) => LoginRefused {
                reason: failures,
                retry_after: whole_seconds(rest),
            },
            Self::Concurrent => LoginRefused {
                reason: RefusalReason::Concurrent,
                retry_after: Duration::from_secs(1),
            },
        }
    }
}

/// How an attempt ends, for one of its keys.
#[derive(Clone, Copy)]
enum Outcome {
    /// Stays counted.
    Failed,
    /// Not counted.
    Refund,
    /// Every settled failure of the key is forgotten.
    Reset,
}

/// What a reservation counted: the entry, by its id (which outlives the entry's windows).
#[derive(Debug, Clone, Copy)]
struct Ticket {
    key: u64,
    id: u64,
    /// The key's failure limit (0: none).
    limit: u32,
    /// The key had failures in its window (those under way included) before this one.
    suspect: bool,
}

/// One username or address.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// Unique in its shard: a ticket of an entry forgotten meanwhile settles nothing.
    id: u64,
    /// The `seq` of its item in [`Shard::order`].
    seq: u64,
    /// When its window started.
    start: Instant,
    /// Failures in the window, the logins under way included (so never fewer than
    /// `in_flight`).
    failures: u32,
    /// Logins under way.
    in_flight: u32,
}

/// Some of the entries, behind one mutex.
struct Shard {
    entries: HashMap<u64, Entry>,
    /// `(key, seq)` for every window started, oldest first. An item is stale once its
    /// entry is gone or has started another window (another `seq`); stale items are
    /// skipped, and dropped once they outnumber the entries.
    order: VecDeque<(u64, u64)>,
    capacity: usize,
    next_id: u64,
    next_seq: u64,
}

/// Whether a window that started at `start` is over at `now`.
fn expired(start: Instant, window: Duration, now: Instant) -> bool {
    start.checked_add(window).is_some_and(|end| now >= end)
}

impl Shard {
    fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            order: VecDeque::new(),
            capacity,
            next_id: 0,
            next_seq: 0,
        }
    }

    /// Counts a login of `key` as a failure under way, unless `rule` refuses it.
    fn reserve(&mut self, key: u64, now: Instant, rule: Rule) -> Result<Ticket, Refusal> {
        self.sweep(now, rule.window);
        let Some(entry) = self.entries.get_mut(&key) else {
            self.make_room();
            let id = self.next_id;
            self.next_id = self.next_id.wrapping_add(1);
            let seq = self.push_order(key);
            self.entries.insert(
                key,
                Entry {
                    id,
                    seq,
                    start: now,
                    failures: 1,
                    in_flight: 1,
                },
            );
            return Ok(Ticket {
                key,
                id,
                limit: rule.failures,
                suspect: false,
            });
        };
        let renewed = expired(entry.start, rule.window, now);
        if renewed {
            // The logins still under way stay counted in the new window.
            entry.start = now;
            entry.failures = entry.in_flight;
        }
        let result = if rule.failures != 0 && entry.failures >= rule.failures {
            let end = entry.start.checked_add(rule.window);
            Err(Refusal::Failures(end.map_or(rule.window, |end| {
                end.saturating_duration_since(now)
            })))
        } else if rule.concurrent != 0 && entry.in_flight >= rule.concurrent {
            Err(Refusal::Concurrent)
        } else {
            let suspect = entry.failures > 0;
            entry.failures = entry.failures.saturating_add(1);
            entry.in_flight = entry.in_flight.saturating_add(1);
            Ok(Ticket {
                key,
                id: entry.id,
                limit: rule.failures,
                suspect,
            })
        };
        if renewed {
            let seq = self.push_order(key);
            if let Some(entry) = self.entries.get_mut(&key) {
                entry.seq = seq;
            }
        }
        result
    }

    /// Ends a login counted by `ticket`: whether its failure is the one that used up the
    /// key's failures (the settled ones reach the limit: once per window).
    fn settle(&mut self, ticket: Ticket, outcome: Outcome) -> bool {
        let Some(entry) = self.entries.get_mut(&ticket.key) else {
            return false;
        };
        if entry.id != ticket.id {
            return false;
        }
        entry.in_flight = entry.in_flight.saturating_sub(1);
        let mut used_up = false;
        match outcome {
            Outcome::Failed => {
                let settled = entry.failures.saturating_sub(entry.in_flight);
                used_up = ticket.limit != 0 && settled == ticket.limit;
            }
            // Its reservation is among the failures, whichever window it began in: a new
            // window starts with the logins under way.
            Outcome::Refund => entry.failures = entry.failures.saturating_sub(1),
            // The logins still under way stay counted.
            Outcome::Reset => entry.failures = entry.in_flight,
        }
        if entry.failures == 0 && entry.in_flight == 0 {
            self.entries.remove(&ticket.key);
        }
        used_up
    }

    /// The entry of `item` if the item is its current one.
    fn live(&self, (key, seq): (u64, u64)) -> Option<&Entry> {
        self.entries.get(&key).filter(|e| e.seq == seq)
    }

    /// Removes up to [`SWEEP`] entries whose window is over and that have no login under
    /// way, oldest first.
    fn sweep(&mut self, now: Instant, window: Duration) {
        for _ in 0..SWEEP {
            let Some(&item) = self.order.front() else {
                return;
            };
            if let Some(entry) = self.live(item) {
                if entry.in_flight != 0 || !expired(entry.start, window, now) {
                    return;
                }
                self.entries.remove(&item.0);
            }
            self.order.pop_front();
        }
    }

    /// Forgets the oldest entries until there is room for one more.
    fn make_room(&mut self) {
        while self.entries.len() >= self.capacity {
            match self.order.pop_front() {
                Some(item) => {
                    if self.live(item).is_some() {
                        self.entries.remove(&item.0);
                    }
                }
                // Every entry has an item in `order`; should one not, forget any entry.
                None => match self.entries.keys().next().copied() {
                    Some(key) => {
                        self.entries.remove(&key);
                    }
                    None => return,
                },
            }
        }
    }

    /// Appends an item for `key`'s new window; its `seq`, for the entry.
    fn push_order(&mut self, key: u64) -> u64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.wrapping_add(1);
        self.order.push_back((key, seq));
        // Once compacted, `order` holds one item per entry.
        if self.order.len() > 2 * self.capacity.max(self.entries.len()) + SWEEP {
            let entries = &self.entries;
            self.order.retain(|&(key, item)| {
                item == seq || entries.get(&key).is_some_and(|e| e.seq == item)
            });
        }
        seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    const MINUTE: Duration = Duration::from_secs(60);

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, last))
    }

    fn fail(throttle: &LoginThrottle, username: &str, address: IpAddr, now: Instant) {
        throttle
            .begin_at(username, address, now)
            .expect("not limited")
            .failed();
    }

    fn refusal(
        throttle: &LoginThrottle,
        username: &str,
        address: IpAddr,
        now: Instant,
    ) -> Option<LoginRefused> {
        throttle.begin_at(username, address, now).err()
    }

    #[test]
    fn a_username_is_limited_within_its_window() {
        let limits = LoginLimits::new()
            .failures_per_username(3)
            .window(10 * MINUTE);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        for i in 0..3 {
            fail(&throttle, "johndoe", v4(1), t0 + i * MINUTE);
        }
        // The window started at the first failure: 8 minutes left at t0 + 2 min.
        let refused = refusal(&throttle, "johndoe", v4(1), t0 + 2 * MINUTE).unwrap();
        assert_eq!(refused.reason(), RefusalReason::Username);
        assert_eq!(refused.retry_after_secs(), 8 * 60);
        // Rounded up to whole seconds.
        let later = t0 + 2 * MINUTE + Duration::from_millis(500);
        assert_eq!(
            refusal(&throttle, "johndoe", v4(1), later)
                .unwrap()
                .retry_after_secs(),
            8 * 60
        );
        // Other users are not limited.
        throttle
            .begin_at("alice", v4(1), t0 + 3 * MINUTE)
            .unwrap()
            .succeeded();
        // Whatever the case, from whatever address.
        let refused = refusal(&throttle, "JOHNDOE", v4(2), t0 + 9 * MINUTE).unwrap();
        assert_eq!(refused.retry_after_secs(), 60);
        // Once the window is over the count starts again.
        let t1 = t0 + 10 * MINUTE;
        for i in 0..3 {
            fail(&throttle, "johndoe", v4(1), t1 + i * Duration::from_secs(1));
        }
        assert!(refusal(&throttle, "johndoe", v4(1), t1 + MINUTE).is_some());
    }

    #[test]
    fn a_success_forgets_the_usernames_failures() {
        let throttle = LoginThrottle::new(LoginLimits::new().failures_per_username(3));
        let t0 = Instant::now();
        fail(&throttle, "johndoe", v4(1), t0);
        fail(&throttle, "johndoe", v4(1), t0);
        throttle.begin_at("johndoe", v4(1), t0).unwrap().succeeded();
        // Three more failures before the limit, not one.
        for _ in 0..3 {
            fail(&throttle, "johndoe", v4(1), t0);
        }
        assert_eq!(
            refusal(&throttle, "johndoe", v4(1), t0).map(|r| r.reason()),
            Some(RefusalReason::Username)
        );
    }

    #[test]
    fn an_address_is_limited_whatever_the_usernames() {
        let limits = LoginLimits::new()
            .failures_per_username(0)
            .failures_per_address(5);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        for i in 0..5 {
            fail(&throttle, &format!("user{i}"), v4(1), t0);
        }
        let refused = refusal(&throttle, "someone-else", v4(1), t0 + MINUTE).unwrap();
        assert_eq!(refused.reason(), RefusalReason::Address);
        assert_eq!(refused.retry_after_secs(), 14 * 60);
        // Another address is not limited.
        fail(&throttle, "someone-else", v4(2), t0);
        // A success from the limited address's network is refused too: the address is out
        // of failures whatever the password.
        assert!(refusal(&throttle, "user0", v4(1), t0 + MINUTE).is_some());
        // After the window, it may try again.
        assert!(refusal(&throttle, "user0", v4(1), t0 + 15 * MINUTE).is_none());
    }

    #[test]
    fn a_success_takes_only_itself_off_the_addresss_count() {
        let limits = LoginLimits::new().failures_per_address(3);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        fail(&throttle, "a", v4(1), t0);
        fail(&throttle, "b", v4(1), t0);
        for _ in 0..10 {
            throttle.begin_at("c", v4(1), t0).unwrap().succeeded();
        }
        fail(&throttle, "d", v4(1), t0);
        assert_eq!(
            refusal(&throttle, "e", v4(1), t0).map(|r| r.reason()),
            Some(RefusalReason::Address)
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let limits = LoginLimits::new()
            .failures_per_username(0)
            .failures_per_address(2);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        let host = |last: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, last));
        fail(&throttle, "a", host(1), t0);
        fail(&throttle, "b", host(2), t0);
        assert!(refusal(&throttle, "c", host(3), t0).is_some());
        // Another /64 is another address.
        let other = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1));
        assert!(refusal(&throttle, "c", other, t0).is_none());
        // An IPv4-mapped address is its IPv4 address.
        fail(&throttle, "a", v4(9), t0);
        fail(&throttle, "b", v4(9), t0);
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 9).to_ipv6_mapped());
        assert!(refusal(&throttle, "c", mapped, t0).is_some());
    }

    #[test]
    fn logins_under_way_count_before_they_fail() {
        let limits = LoginLimits::new()
            .failures_per_username(3)
            .concurrent_per_address(0);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        // Three concurrent logins, none settled yet: the fourth is refused.
        let pending: Vec<_> = (0..3)
            .map(|_| throttle.begin_at("johndoe", v4(1), t0).unwrap())
            .collect();
        assert!(refusal(&throttle, "johndoe", v4(2), t0).is_some());
        // Abandoned (never checked), they are not counted.
        for attempt in pending {
            attempt.abandon();
        }
        let attempt = throttle.begin_at("johndoe", v4(1), t0).unwrap();
        // Dropped unsettled, it counts as failed.
        drop(attempt);
        fail(&throttle, "johndoe", v4(1), t0);
        fail(&throttle, "johndoe", v4(1), t0);
        assert!(refusal(&throttle, "johndoe", v4(1), t0).is_some());
    }

    #[test]
    fn an_address_has_a_bounded_number_of_logins_under_way() {
        let limits = LoginLimits::new().concurrent_per_address(2);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        let first = throttle.begin_at("a", v4(1), t0).unwrap();
        let second = throttle.begin_at("b", v4(1), t0).unwrap();
        let refused = refusal(&throttle, "c", v4(1), t0).unwrap();
        assert_eq!(refused.reason(), RefusalReason::Concurrent);
        assert_eq!(refused.retry_after(), Duration::from_secs(1));
        // The refusal counted nothing: "c" has room.
        throttle.begin_at("c", v4(2), t0).unwrap().abandon();
        first.failed();
        let third = throttle.begin_at("c", v4(1), t0).unwrap();
        second.succeeded();
        third.succeeded();
        // Settled, the address holds one failure ("a"), the usernames "a" one each.
        assert_eq!(throttle.tracked(), 2);
    }

    #[test]
    fn a_refused_username_does_not_count_against_the_address() {
        let limits = LoginLimits::new()
            .failures_per_username(1)
            .failures_per_address(3);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        fail(&throttle, "johndoe", v4(1), t0);
        for _ in 0..10 {
            assert_eq!(
                refusal(&throttle, "johndoe", v4(1), t0).map(|r| r.reason()),
                Some(RefusalReason::Username)
            );
        }
        fail(&throttle, "alice", v4(1), t0);
        fail(&throttle, "bob", v4(1), t0);
        assert_eq!(
            refusal(&throttle, "carol", v4(1), t0).map(|r| r.reason()),
            Some(RefusalReason::Address)
        );
    }

    #[test]
    fn the_failure_that_uses_up_the_allowance_says_so_once() {
        let limits = LoginLimits::new()
            .failures_per_username(2)
            .failures_per_address(3)
            .concurrent_per_address(0);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        let begin = |name| throttle.begin_at(name, v4(1), t0).unwrap();
        assert_eq!(begin("johndoe").failed(), None);
        // Two under way at once: the one that settles second uses up the username (and,
        // the address's third failure, the address: the username is named).
        let (a, b) = (begin("alice"), begin("alice"));
        assert_eq!(a.failed(), None);
        assert_eq!(b.failed(), Some(RefusalReason::Username));
        assert_eq!(
            refusal(&throttle, "bob", v4(1), t0).map(|r| r.reason()),
            Some(RefusalReason::Address)
        );
        let throttle = LoginThrottle::new(limits);
        let begin = |name| throttle.begin_at(name, v4(1), t0).unwrap();
        assert_eq!(begin("a").failed(), None);
        assert_eq!(begin("b").failed(), None);
        assert_eq!(begin("c").failed(), Some(RefusalReason::Address));
        // An abandoned or successful login uses up nothing.
        let throttle = LoginThrottle::new(limits.failures_per_username(1));
        throttle.begin_at("a", v4(1), t0).unwrap().abandon();
        throttle.begin_at("a", v4(1), t0).unwrap().succeeded();
        assert_eq!(
            throttle.begin_at("a", v4(1), t0).unwrap().failed(),
            Some(RefusalReason::Username)
        );
    }

    #[test]
    fn logins_that_look_like_guessing_have_low_priority() {
        let throttle = LoginThrottle::new(LoginLimits::new());
        let t0 = Instant::now();
        let first = throttle.begin_at("johndoe", v4(1), t0).unwrap();
        assert_eq!(first.priority(), Priority::Normal);
        // Another login from the address while the first is under way.
        let second = throttle.begin_at("alice", v4(1), t0).unwrap();
        assert_eq!(second.priority(), Priority::Low);
        // The same username from another address, while it is under way.
        let third = throttle.begin_at("johndoe", v4(2), t0).unwrap();
        assert_eq!(third.priority(), Priority::Low);
        first.succeeded();
        second.succeeded();
        third.succeeded();
        // All settled well: nothing is remembered, the next login is normal.
        assert_eq!(throttle.tracked(), 0);
        let attempt = throttle.begin_at("alice", v4(1), t0).unwrap();
        assert_eq!(attempt.priority(), Priority::Normal);
        attempt.failed();
        // After a failure, the address and the username are suspect.
        let from_address = throttle.begin_at("bob", v4(1), t0).unwrap();
        assert_eq!(from_address.priority(), Priority::Low);
        from_address.succeeded();
        let of_username = throttle.begin_at("alice", v4(3), t0).unwrap();
        assert_eq!(of_username.priority(), Priority::Low);
        of_username.succeeded();
        // Another user from another address is not.
        let other = throttle.begin_at("bob", v4(4), t0).unwrap();
        assert_eq!(other.priority(), Priority::Normal);
        other.succeeded();
    }

    #[test]
    fn a_username_and_an_address_in_one_shard() {
        // Every path that locks the shard twice, with one shard: none may deadlock.
        let limits = LoginLimits::new().failures_per_username(1);
        let throttle = LoginThrottle {
            limits,
            keys: RandomState::new(),
            shards: vec![Mutex::new(Shard::new(100))].into_boxed_slice(),
        };
        let t0 = Instant::now();
        fail(&throttle, "johndoe", v4(1), t0);
        assert_eq!(
            refusal(&throttle, "johndoe", v4(1), t0).map(|r| r.reason()),
            Some(RefusalReason::Username)
        );
        throttle.begin_at("alice", v4(1), t0).unwrap().succeeded();
        throttle.begin_at("bob", v4(1), t0).unwrap().abandon();
        drop(throttle.begin_at("carol", v4(1), t0).unwrap());
        assert_eq!(throttle.tracked(), 3); // johndoe, carol, the address
    }

    #[test]
    fn memory_is_bounded_under_a_flood_of_distinct_usernames() {
        let limits = LoginLimits::new()
            .failures_per_address(0)
            .concurrent_per_address(0)
            .max_tracked(1000);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        for i in 0..20_000u32 {
            let now = t0 + Duration::from_millis(u64::from(i));
            fail(&throttle, &format!("user{i}"), v4((i % 250) as u8), now);
            assert!(throttle.tracked() <= 1000, "{} at {i}", throttle.tracked());
        }
        assert!(throttle.tracked() > 900, "{}", throttle.tracked());
        for shard in throttle.shards.iter() {
            let shard = lock(shard);
            assert!(shard.order.len() <= 2 * shard.capacity + SWEEP);
        }
        // The newest are remembered; the oldest were forgotten to make room.
        let now = t0 + Duration::from_secs(20);
        let limited = LoginThrottle::new(limits.failures_per_username(1));
        for i in 0..5000u32 {
            fail(&limited, &format!("user{i}"), v4(1), now);
        }
        assert!(refusal(&limited, "user4999", v4(1), now).is_some());
        assert!(refusal(&limited, "user0", v4(1), now).is_none());
    }

    #[test]
    fn a_flood_from_many_addresses_is_bounded_too() {
        let limits = LoginLimits::new().max_tracked(64);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            let address = IpAddr::V6(Ipv6Addr::from(u128::from(i) << 64));
            fail(&throttle, &format!("user{i}"), address, t0);
        }
        assert!(throttle.tracked() <= 64);
    }

    #[test]
    fn expired_entries_are_swept() {
        let throttle = LoginThrottle::new(LoginLimits::new().window(MINUTE));
        let t0 = Instant::now();
        fail(&throttle, "johndoe", v4(1), t0);
        assert_eq!(throttle.tracked(), 2);
        // A later login sweeps the expired entries of the shards it uses on its way: 400
        // usernames use each of the 16 shards (all but certainly).
        for i in 0..400u32 {
            throttle
                .begin_at(&format!("u{i}"), v4(2), t0 + 2 * MINUTE)
                .unwrap()
                .succeeded();
        }
        assert_eq!(throttle.tracked(), 0);
    }

    #[test]
    fn a_ticket_of_a_forgotten_entry_settles_nothing() {
        let limits = LoginLimits::new()
            .failures_per_address(0)
            .concurrent_per_address(0)
            .max_tracked(1);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        let old = throttle.begin_at("a", v4(1), t0).unwrap();
        // "b" takes the one place.
        fail(&throttle, "b", v4(1), t0);
        let b = throttle.begin_at("b", v4(1), t0).unwrap();
        old.succeeded();
        b.failed();
        assert_eq!(throttle.tracked(), 1);
        let shard = lock(&throttle.shards[0]);
        let entry = shard.entries.values().next().unwrap();
        assert_eq!((entry.failures, entry.in_flight), (2, 0));
    }

    #[test]
    fn a_window_renewed_under_way_keeps_the_logins_under_way() {
        let limits = LoginLimits::new()
            .failures_per_username(2)
            .window(MINUTE)
            .concurrent_per_address(0);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        let slow = throttle.begin_at("johndoe", v4(1), t0).unwrap();
        // A minute later the window is over, but `slow` is still under way: it counts in
        // the new window.
        fail(&throttle, "johndoe", v4(1), t0 + MINUTE);
        assert!(refusal(&throttle, "johndoe", v4(1), t0 + MINUTE).is_some());
        // Abandoned, it is taken off the new window's count.
        slow.abandon();
        throttle
            .begin_at("johndoe", v4(1), t0 + MINUTE)
            .unwrap()
            .succeeded();
        assert_eq!(throttle.tracked(), 1); // the address's failure
    }

    #[test]
    fn limits_of_zero_turn_counting_off() {
        let limits = LoginLimits::new()
            .failures_per_username(0)
            .failures_per_address(0)
            .concurrent_per_address(0);
        let throttle = LoginThrottle::new(limits);
        let t0 = Instant::now();
        for _ in 0..1000 {
            fail(&throttle, "johndoe", v4(1), t0);
        }
        assert_eq!(throttle.tracked(), 0);
        assert_eq!(
            LoginLimits::new().window(Duration::ZERO).get_window(),
            Duration::from_secs(1)
        );
        assert_eq!(LoginLimits::new().max_tracked(0).get_max_tracked(), 1);
        // A window too long for `Instant` never ends, and says so without overflowing.
        let forever = LoginThrottle::new(
            LoginLimits::new()
                .failures_per_username(1)
                .window(Duration::MAX),
        );
        fail(&forever, "johndoe", v4(1), t0);
        let refused = refusal(&forever, "johndoe", v4(1), t0).unwrap();
        assert!(refused.retry_after_secs() > 365 * 24 * 3600);
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(whole_seconds(Duration::ZERO), Duration::from_secs(1));
        assert_eq!(
            whole_seconds(Duration::from_millis(1)),
            Duration::from_secs(1)
        );
        assert_eq!(
            whole_seconds(Duration::from_millis(1001)),
            Duration::from_secs(2)
        );
        assert_eq!(
            whole_seconds(Duration::from_secs(7)),
            Duration::from_secs(7)
        );
        assert_eq!(whole_seconds(Duration::MAX), Duration::from_secs(u64::MAX));
    }

    #[test]
    fn shared_between_threads() {
        let throttle = LoginThrottle::new(LoginLimits::new().failures_per_username(100));
        std::thread::scope(|s| {
            for t in 0..4u8 {
                let throttle = &throttle;
                s.spawn(move || {
                    for _ in 0..25 {
                        throttle.begin("johndoe", v4(t)).unwrap().failed();
                    }
                });
            }
        });
        assert_eq!(
            throttle.begin("johndoe", v4(9)).unwrap_err().reason(),
            RefusalReason::Username
        );
    }
}
