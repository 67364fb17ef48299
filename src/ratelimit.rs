//! Fixed-window rate limiting over two windows per bucket, aligned to the UTC
//! minute and hour (SPEC §4).
//!
//! The algorithm ([`evaluate`]) is a pure function of the stored [`Counters`],
//! the time and the limits. Where the counters live is a [`Store`]: the
//! shared-memory table in production ([`crate::shm::SharedTable`]), a
//! [`MemoryStore`] in tests. The time comes from a [`Clock`], so tests run the
//! algorithm on a fake one.
//!
//! Exactness comes from the store: it applies the decision with a single
//! compare-and-swap over both windows, so concurrent hits can never both take
//! the last unit of a window.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::error::Error;

/// The counters of one bucket. `minute` is the UTC minute (seconds / 60) of
/// the last admitted hit; the minute count is valid only within that minute
/// and the hour count only within its hour (`minute / 60`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// UTC minute index of the last counted hit.
    pub minute: u32,
    /// Units counted in that minute.
    pub minute_count: u32,
    /// Units counted in that minute's hour.
    pub hour_count: u32,
}

/// The two limits of a bucket, both at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    per_minute: u32,
    per_hour: u32,
}

impl Limits {
    /// Validates limits given as PHP integers.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a limit is below 1 or above `u32::MAX`.
    pub fn new(per_minute: i64, per_hour: i64) -> Result<Self, Error> {
        Ok(Self {
            per_minute: positive_u32("per_minute", per_minute)?,
            per_hour: positive_u32("per_hour", per_hour)?,
        })
    }

    /// Requests admitted per UTC minute.
    #[must_use]
    pub fn per_minute(self) -> u32 {
        self.per_minute
    }

    /// Requests admitted per UTC hour.
    #[must_use]
    pub fn per_hour(self) -> u32 {
        self.per_hour
    }
}

/// Validates a hit's cost (at least 1).
///
/// # Errors
/// [`Error::InvalidArgument`] when below 1 or above `u32::MAX`.
pub fn cost(value: i64) -> Result<u32, Error> {
    positive_u32("cost", value)
}

fn positive_u32(name: &str, value: i64) -> Result<u32, Error> {
    u32::try_from(value)
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| Error::InvalidArgument(format!("{name} must be between 1 and {}", u32::MAX)))
}

/// One window's state as reported to the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowStatus {
    /// The window's limit.
    pub limit: u32,
    /// Units still available in this window.
    pub remaining: u32,
    /// When this window ends (epoch seconds).
    pub reset: u64,
}

/// The answer to a hit or a peek.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the hit was admitted (for a peek: whether a hit of cost 1 would be).
    pub allowed: bool,
    /// The tighter window: when denied, the denying window that resets last;
    /// when allowed, the one with the fewest remaining (the hour on a tie).
    pub tighter: WindowStatus,
    /// Seconds until a denied hit could succeed; 0 when allowed.
    pub retry_after: u64,
    /// The minute window.
    pub minute: WindowStatus,
    /// The hour window.
    pub hour: WindowStatus,
}

/// Decides a hit of `cost` units at `now` (epoch seconds) against `stored`.
///
/// Returns the decision and, when the hit is admitted and `count` is set, the
/// counters to store. A denied hit changes nothing: it does not count.
#[must_use]
pub fn evaluate(
    stored: Counters,
    now: u64,
    limits: Limits,
    cost: u32,
    count: bool,
) -> (Decision, Option<Counters>) {
    let now_minute = u32::try_from(now / 60).unwrap_or(u32::MAX);
    // Another process's clock may be a hair ahead; never move a window back.
    let minute = now_minute.max(stored.minute);
    let hour = minute / 60;
    let used_minute = if stored.minute == minute {
        stored.minute_count
    } else {
        0
    };
    let used_hour = if stored.minute / 60 == hour {
        stored.hour_count
    } else {
        0
    };

    let minute_reset = (u64::from(minute) + 1) * 60;
    let hour_reset = (u64::from(hour) + 1) * 3600;
    let fits = |used: u32, limit: u32| u64::from(used) + u64::from(cost) <= u64::from(limit);
    let minute_fits = fits(used_minute, limits.per_minute);
    let hour_fits = fits(used_hour, limits.per_hour);
    let allowed = minute_fits && hour_fits;

    let (after_minute, after_hour) = if allowed && count {
        (used_minute + cost, used_hour + cost)
    } else {
        (used_minute, used_hour)
    };
    let status = |limit: u32, used: u32, reset: u64| WindowStatus {
        limit,
        remaining: limit.saturating_sub(used),
        reset,
    };
    let minute_status = status(limits.per_minute, after_minute, minute_reset);
    let hour_status = status(limits.per_hour, after_hour, hour_reset);

    let (tighter, retry_after) = if allowed {
        let tighter = if minute_status.remaining < hour_status.remaining {
            minute_status
        } else {
            hour_status
        };
        (tighter, 0)
    } else {
        let blocking = if hour_fits {
            minute_status
        } else {
            hour_status
        };
        (blocking, blocking.reset.saturating_sub(now).max(1))
    };

    let next = (allowed && count).then_some(Counters {
        minute,
        minute_count: after_minute,
        hour_count: after_hour,
    });
    (
        Decision {
            allowed,
            tighter,
            retry_after,
            minute: minute_status,
            hour: hour_status,
        },
        next,
    )
}

/// Whether counters last touched in `stored.minute` still matter at `now_minute`:
/// a bucket whose hour has passed holds nothing and its slot may be reused.
#[must_use]
pub fn is_live(stored: Counters, now_minute: u32) -> bool {
    stored.minute / 60 >= now_minute / 60
}

/// Where the counters live. Implementations must apply `decide` atomically:
/// the counters it returns are stored only if nobody changed them since they
/// were read (else `decide` runs again on the fresh value).
pub trait Store {
    /// Reads the bucket's counters, lets `decide` compute new ones, and stores
    /// them atomically. `decide` may run more than once.
    ///
    /// # Errors
    /// Store-specific: a full table, unusable shared memory.
    fn update(
        &self,
        bucket: &[u8],
        now_minute: u32,
        decide: &mut dyn FnMut(Counters) -> Option<Counters>,
    ) -> Result<(), Error>;

    /// The bucket's counters (zero when unknown), creating nothing.
    ///
    /// # Errors
    /// Store-specific.
    fn read(&self, bucket: &[u8]) -> Result<Counters, Error>;

    /// Forgets the bucket's counts.
    ///
    /// # Errors
    /// Store-specific.
    fn reset(&self, bucket: &[u8]) -> Result<(), Error>;
}

impl<S: Store + ?Sized> Store for &S {
    fn update(
        &self,
        bucket: &[u8],
        now_minute: u32,
        decide: &mut dyn FnMut(Counters) -> Option<Counters>,
    ) -> Result<(), Error> {
        (**self).update(bucket, now_minute, decide)
    }

    fn read(&self, bucket: &[u8]) -> Result<Counters, Error> {
        (**self).read(bucket)
    }

    fn reset(&self, bucket: &[u8]) -> Result<(), Error> {
        (**self).reset(bucket)
    }
}

/// The time source, in epoch seconds.
pub trait Clock {
    /// Now, in seconds since the Unix epoch (UTC).
    fn now(&self) -> u64;
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct FakeClock(AtomicU64);

impl FakeClock {
    /// A clock standing at `now`.
    #[must_use]
    pub fn at(now: u64) -> Self {
        Self(AtomicU64::new(now))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: u64) {
        self.0.store(now, Ordering::SeqCst);
    }

    /// Moves the clock forward.
    pub fn advance(&self, seconds: u64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The limiter: the algorithm over a store and a clock.
#[derive(Debug)]
pub struct Limiter<S, C> {
    store: S,
    clock: C,
}

impl<S: Store, C: Clock> Limiter<S, C> {
    /// A limiter on `store`, reading time from `clock`.
    pub fn new(store: S, clock: C) -> Self {
        Self { store, clock }
    }

    /// The store underneath.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Counts a hit of `cost` units if both windows have room.
    ///
    /// # Errors
    /// Whatever the store reports.
    pub fn hit(&self, bucket: &[u8], limits: Limits, cost: u32) -> Result<Decision, Error> {
        let now = self.clock.now();
        let mut decision = None;
        self.store.update(bucket, now_minute(now), &mut |stored| {
            let (d, next) = evaluate(stored, now, limits, cost, true);
            decision = Some(d);
            next
        })?;
        decision.ok_or_else(|| Error::SharedMemory("store made no decision".to_owned()))
    }

    /// What a hit of cost 1 would get, counting nothing.
    ///
    /// # Errors
    /// Whatever the store reports.
    pub fn peek(&self, bucket: &[u8], limits: Limits) -> Result<Decision, Error> {
        let now = self.clock.now();
        let stored = self.store.read(bucket)?;
        Ok(evaluate(stored, now, limits, 1, false).0)
    }

    /// Forgets the bucket's counts.
    ///
    /// # Errors
    /// Whatever the store reports.
    pub fn reset(&self, bucket: &[u8]) -> Result<(), Error> {
        self.store.reset(bucket)
    }
}

/// The UTC minute index of an epoch second.
#[must_use]
pub fn now_minute(now: u64) -> u32 {
    u32::try_from(now / 60).unwrap_or(u32::MAX)
}

/// A process-local store, for tests and for hosts without shared memory.
#[derive(Debug, Default)]
pub struct MemoryStore(Mutex<HashMap<Vec<u8>, Counters>>);

impl Store for MemoryStore {
    fn update(
        &self,
        bucket: &[u8],
        _now_minute: u32,
        decide: &mut dyn FnMut(Counters) -> Option<Counters>,
    ) -> Result<(), Error> {
        let mut map = self.0.lock();
        let stored = map.get(bucket).copied().unwrap_or_default();
        if let Some(next) = decide(stored) {
            map.insert(bucket.to_vec(), next);
        }
        Ok(())
    }

    fn read(&self, bucket: &[u8]) -> Result<Counters, Error> {
        Ok(self.0.lock().get(bucket).copied().unwrap_or_default())
    }

    fn reset(&self, bucket: &[u8]) -> Result<(), Error> {
        self.0.lock().remove(bucket);
        Ok(())
    }
}
