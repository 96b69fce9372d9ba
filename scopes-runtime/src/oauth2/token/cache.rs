//! [`TokenCache`]: tokens already verified, so that a token presented again skips the
//! signature check and the claim parsing.

use core::fmt;
use core::hash::BuildHasher;
use core::time::Duration;
use std::sync::{Arc, OnceLock, RwLock};

use super::Claims;

/// How many entries share one lock: a token's hash picks a set, the set's ways are searched.
const WAYS: usize = 4;

/// The verified tokens of a [`TokenConfig`](super::TokenConfig), shared by its clones: a
/// token presented again is answered from here, without verifying its signature or parsing
/// its claims again (what PostgREST's JWT cache and Envoy's `jwt_cache_config` do).
///
/// On by default ([`TokenCache::DEFAULT_ENTRIES`] entries); configure it with
/// [`TokenConfig::token_cache`](super::TokenConfig::token_cache), switch it off with
/// [`TokenCache::disabled`]. What it guarantees:
///
/// - **Exact tokens.** A hash of the token picks a set of four entries; only an entry whose
///   stored token equals the presented one byte for byte answers. A tampered copy of a cached
///   token is verified from scratch, and refused.
/// - **Never longer than the token is valid.** An entry answers only before the token's
///   `exp` (without the leeway verification allows) and for at most
///   [`max_age`](Self::max_age) after it was verified (default 5 minutes).
/// - **Flushed when what decides changes.** Entries are tagged with the keys they were
///   verified with: a [`KeyRing::replace`](super::KeyRing::replace), or a
///   [`JwksSource`](crate::oauth2::JwksSource) refresh that brings a different key set,
///   turns every entry into a miss. The validation rules (issuer, audience, leeway, scope
///   claims, ..) cannot change under a cache: each builder method of `TokenConfig` starts an
///   empty one.
/// - **Only successes.** A refused token is never kept, so garbage cannot fill the cache.
/// - **Bounded.** A fixed number of entries, evicting within a set; a token longer than
///   [`max_token_len`](Self::max_token_len) (default 4 KiB) is not kept. At most
///   `entries × (token + claims)` bytes, allocated on the first insert.
/// - **No single lock.** Each set has its own `RwLock`; a hit takes it for reading only, so
///   workers presenting the same token do not wait for each other.
///
/// ```
/// use std::time::Duration;
/// use scopes_runtime::oauth2::TokenCache;
/// use scopes_runtime::{JwtKeys, TokenConfig};
///
/// let config = TokenConfig::new(JwtKeys::hs256([7u8; 32])?)
///     .token_cache(TokenCache::new().entries(10_000).max_age(Duration::from_secs(60)));
/// let token = config.issue("johndoe", ["me"], Duration::from_secs(600))?;
///
/// let first = config.verify_cached(&token)?; // verified, and kept
/// let again = config.verify_cached(&token)?; // from the cache: the same claims
/// assert!(std::sync::Arc::ptr_eq(&first, &again));
/// assert_eq!(config.cache().len(), 1);
///
/// let off = TokenConfig::new(JwtKeys::hs256([7u8; 32])?).token_cache(TokenCache::disabled());
/// assert!(!off.cache().is_enabled());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TokenCache {
    options: Options,
    /// Made on the first insert; shared by the clones of the configuration.
    table: Arc<OnceLock<Table>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Options {
    entries: usize,
    max_age: Duration,
    max_token_len: usize,
}

struct Table {
    hasher: foldhash::fast::RandomState,
    sets: Box<[RwLock<Set>]>,
}

#[derive(Default)]
struct Set {
    ways: [Option<Entry>; WAYS],
    /// The way the next insert into a full set replaces.
    next: u8,
}

struct Entry {
    hash: u64,
    token: Box<str>,
    claims: Arc<Claims>,
    /// Unix seconds: the entry answers while the clock is before this.
    until: u64,
    /// The keys it was verified with (see `TokenConfig::key_epoch`).
    epoch: u64,
}

impl TokenCache {
    /// The default number of entries: 4096.
    pub const DEFAULT_ENTRIES: usize = 4096;
    /// The default longest token kept: 4 KiB.
    pub const DEFAULT_MAX_TOKEN_LEN: usize = 4 * 1024;
    /// The default longest time an entry answers: 5 minutes.
    pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

    /// A cache of [`DEFAULT_ENTRIES`](Self::DEFAULT_ENTRIES) entries.
    pub fn new() -> Self {
        Self::with(Options {
            entries: Self::DEFAULT_ENTRIES,
            max_age: Self::DEFAULT_MAX_AGE,
            max_token_len: Self::DEFAULT_MAX_TOKEN_LEN,
        })
    }

    /// No cache: every token is verified every time.
    pub fn disabled() -> Self {
        Self::new().entries(0)
    }

    fn with(options: Options) -> Self {
        Self {
            options,
            table: Arc::new(OnceLock::new()),
        }
    }

    /// Keeps at most about `entries` tokens (rounded up to a power of two; 0 switches the
    /// cache off).
    #[must_use]
    pub fn entries(self, entries: usize) -> Self {
        Self::with(Options {
            entries,
            ..self.options
        })
    }

    /// An entry answers for at most `max_age` after the token was verified (and never past
    /// its `exp`).
    #[must_use]
    pub fn max_age(self, max_age: Duration) -> Self {
        Self::with(Options {
            max_age,
            ..self.options
        })
    }

    /// Tokens longer than `max_token_len` bytes are verified every time, never kept.
    #[must_use]
    pub fn max_token_len(self, max_token_len: usize) -> Self {
        Self::with(Options {
            max_token_len,
            ..self.options
        })
    }

    /// An empty cache with the same settings.
    pub(super) fn emptied(&self) -> Self {
        Self::with(self.options)
    }

    /// Whether tokens are kept at all.
    pub fn is_enabled(&self) -> bool {
        self.options.entries > 0 && self.options.max_token_len > 0
    }

    /// How many tokens it can hold.
    pub fn capacity(&self) -> usize {
        if self.is_enabled() {
            set_count(self.options.entries) * WAYS
        } else {
            0
        }
    }

    /// How many tokens it holds now (expired or flushed ones included until replaced).
    pub fn len(&self) -> usize {
        self.table.get().map_or(0, |table| {
            table
                .sets
                .iter()
                .map(|set| read(set).ways.iter().flatten().count())
                .sum()
        })
    }

    /// Whether it holds no token.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every token.
    pub fn clear(&self) {
        if let Some(table) = self.table.get() {
            for set in &table.sets {
                *write(set) = Set::default();
            }
        }
    }

    /// The claims of `token`, if it was verified with the keys of `epoch`, and its entry
    /// still answers at `now` (Unix seconds).
    pub(super) fn get(&self, token: &str, epoch: u64, now: u64) -> Option<Arc<Claims>> {
        let table = self.table.get()?;
        let hash = table.hasher.hash_one(token);
        let set = read(table.set(hash));
        set.ways.iter().flatten().find_map(|entry| {
            (entry.hash == hash
                && entry.epoch == epoch
                && now < entry.until
                && *entry.token == *token)
                .then(|| Arc::clone(&entry.claims))
        })
    }

    /// Keeps `claims`, just verified from `token` with the keys of `epoch` at `now`, when
    /// the cache is on, the token short enough and not about to expire (then shared with
    /// the cache; otherwise as they are).
    pub(super) fn keep(&self, token: &str, epoch: u64, now: u64, claims: Claims) -> Held {
        let until = claims
            .exp
            .min(now.saturating_add(self.options.max_age.as_secs()));
        if !self.is_enabled() || token.len() > self.options.max_token_len || until <= now {
            return Held::Owned(claims);
        }
        let table = self
            .table
            .get_or_init(|| Table::new(set_count(self.options.entries)));
        let hash = table.hasher.hash_one(token);
        let claims = Arc::new(claims);
        let entry = Entry {
            hash,
            token: token.into(),
            claims: Arc::clone(&claims),
            until,
            epoch,
        };
        write(table.set(hash)).insert(entry, now);
        Held::Shared(claims)
    }
}

/// Verified claims as a reader holds them: its own (kept inline: boxing them would cost
/// the allocation that not sharing saves), or shared with the cache or the request.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Held {
    Owned(Claims),
    Shared(Arc<Claims>),
}

impl Held {
    pub(crate) fn shared(self) -> Arc<Claims> {
        match self {
            Self::Owned(claims) => Arc::new(claims),
            Self::Shared(claims) => claims,
        }
    }

    pub(crate) fn into_owned(self) -> Claims {
        match self {
            Self::Owned(claims) => claims,
            Self::Shared(claims) => Arc::unwrap_or_clone(claims),
        }
    }
}

impl core::ops::Deref for Held {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        match self {
            Self::Owned(claims) => claims,
            Self::Shared(claims) => claims,
        }
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.capacity())
            .field("max_age", &self.options.max_age)
            .field("max_token_len", &self.options.max_token_len)
            .finish_non_exhaustive()
    }
}

impl Table {
    fn new(sets: usize) -> Self {
        Self {
            hasher: foldhash::fast::RandomState::default(),
            sets: (0..sets).map(|_| RwLock::new(Set::default())).collect(),
        }
    }

    fn set(&self, hash: u64) -> &RwLock<Set> {
        // `sets.len()` is a power of two; the high bits pick, as foldhash mixes them best.
        let index = (hash >> 32) as usize & (self.sets.len() - 1);
        &self.sets[index]
    }
}

impl Set {
    /// Puts `entry` in place of the same token, else of a free or lapsed entry, else of the
    /// next way in turn.
    fn insert(&mut self, entry: Entry, now: u64) {
        let way = self
            .ways
            .iter()
            .position(|way| {
                way.as_ref()
                    .is_some_and(|old| old.hash == entry.hash && old.token == entry.token)
            })
            .or_else(|| {
                self.ways
                    .iter()
                    .position(|way| way.as_ref().is_none_or(|old| old.until <= now))
            })
            .unwrap_or_else(|| {
                let way = usize::from(self.next) % WAYS;
                self.next = self.next.wrapping_add(1);
                way
            });
        self.ways[way] = Some(entry);
    }
}

/// The number of sets for about `entries` entries: a power of two.
fn set_count(entries: usize) -> usize {
    entries.div_ceil(WAYS).max(1).next_power_of_two()
}

/// A set's lock, whether or not a thread panicked holding it: every update leaves the set
/// consistent.
fn read(set: &RwLock<Set>) -> std::sync::RwLockReadGuard<'_, Set> {
    set.read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write(set: &RwLock<Set>) -> std::sync::RwLockWriteGuard<'_, Set> {
    set.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> Claims {
        let mut claims = Claims::new("alice", ["me"], Duration::ZERO);
        claims.exp = exp;
        claims
    }

    #[test]
    fn sizes_round_up_to_whole_sets() {
        assert_eq!(TokenCache::new().capacity(), 4096);
        assert_eq!(TokenCache::new().entries(1).capacity(), 4);
        assert_eq!(TokenCache::new().entries(5000).capacity(), 8192);
        assert_eq!(TokenCache::disabled().capacity(), 0);
    }

    #[test]
    fn answers_until_exp_and_max_age_and_for_its_epoch_only() {
        let cache = TokenCache::new().max_age(Duration::from_secs(100));
        assert!(matches!(
            cache.keep("a.b.c", 1, 1000, claims(1050)),
            Held::Shared(_)
        ));
        assert!(cache.get("a.b.c", 1, 1049).is_some());
        assert!(cache.get("a.b.c", 1, 1050).is_none(), "at exp");
        assert!(cache.get("a.b.c", 2, 1000).is_none(), "other keys");
        assert!(cache.get("a.b.C", 1, 1000).is_none(), "another token");

        let capped = TokenCache::new().max_age(Duration::from_secs(10));
        assert!(matches!(
            capped.keep("t", 1, 1000, claims(5000)),
            Held::Shared(_)
        ));
        assert!(capped.get("t", 1, 1009).is_some());
        assert!(capped.get("t", 1, 1010).is_none(), "past max age");
    }

    #[test]
    fn keeps_nothing_expired_too_long_or_when_off() {
        let cache = TokenCache::new().max_token_len(8);
        let owned = |held| matches!(held, Held::Owned(_));
        assert!(owned(cache.keep("t", 0, 1000, claims(1000))));
        assert!(owned(cache.keep("123456789", 0, 1000, claims(2000))));
        assert!(owned(TokenCache::disabled().keep(
            "t",
            0,
            1000,
            claims(2000)
        )));
        assert!(cache.is_empty());
    }

    #[test]
    fn a_full_set_evicts_in_turn_and_the_bound_holds() {
        let cache = TokenCache::new().entries(4);
        for i in 0..100 {
            let token = format!("token-{i}");
            assert!(matches!(
                cache.keep(&token, 0, 1000, claims(2000)),
                Held::Shared(_)
            ));
            assert!(cache.get(&token, 0, 1000).is_some(), "just kept");
        }
        assert_eq!(cache.len(), 4);
        cache.clear();
        assert!(cache.is_empty());
    }
}
