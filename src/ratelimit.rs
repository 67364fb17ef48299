//! Fixed-window rate limiting over three windows per bucket, aligned to the
//! UTC minute, hour and day, and one decision over several buckets
//! (SPEC §4; README "Rate limits").
//!
//! The arithmetic ([`Window`], [`Counters`], [`View`]) is pure: a function of
//! the stored counters, the time and the limits. Where the counters live is a
//! [`Store`]: the shared-memory table in production
//! ([`crate::shm::SharedTable`]), a [`MemoryStore`] in tests. The time comes
//! from a [`Clock`], so tests run the algorithm on a fake one.
//!
//! Exactness comes from the store: it applies each bucket's change with one
//! compare-and-swap over all three windows, so concurrent hits can never both
//! take the last unit of a window. A decision over several buckets
//! ([`Limiter::hit_many`]) first reads them all and refuses without touching
//! anything if one has no room; else it counts the hit in each bucket in turn
//! (each a compare-and-swap that checks the room again) and, should a bucket
//! have filled up meanwhile, takes its unit back from the buckets already
//! counted. No window ever holds more than its limit; a process killed in the
//! middle leaves at most its own unit counted, and there is no lock to leave
//! behind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::error::Error;

/// Minutes in a UTC day.
const MINUTES_PER_DAY: u32 = 1440;

/// One of the three fixed windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Window {
    /// The UTC minute.
    Minute,
    /// The UTC hour.
    Hour,
    /// The UTC day.
    Day,
}

impl Window {
    /// Every window, shortest first.
    pub const ALL: [Self; 3] = [Self::Minute, Self::Hour, Self::Day];

    /// The window's name, as PHP sees it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Minute => "minute",
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }

    fn minutes(self) -> u32 {
        match self {
            Self::Minute => 1,
            Self::Hour => 60,
            Self::Day => MINUTES_PER_DAY,
        }
    }

    /// The index of the window holding UTC minute `minute`.
    #[must_use]
    pub fn of(self, minute: u32) -> u32 {
        minute / self.minutes()
    }

    /// When the window holding `minute` ends, in epoch seconds.
    #[must_use]
    pub fn reset(self, minute: u32) -> u64 {
        (u64::from(self.of(minute)) + 1) * u64::from(self.minutes()) * 60
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// The counters of one bucket. `minute` is the UTC minute (seconds / 60) of
/// the last change; each window's count is valid only within the window that
/// holds that minute.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// UTC minute index of the last counted hit.
    pub minute: u32,
    /// Units counted in that minute, that minute's hour and its day.
    pub counts: [u32; 3],
}

impl Counters {
    /// Units counted in `window` as seen at UTC minute `at` (0 once it has passed).
    #[must_use]
    pub fn used(&self, window: Window, at: u32) -> u32 {
        if window.of(self.minute) == window.of(at) {
            self.counts[window.slot()]
        } else {
            0
        }
    }

    /// These counters moved to minute `at` (never backwards), with `cost`
    /// more units in every window.
    #[must_use]
    pub fn plus(&self, at: u32, cost: u32) -> Self {
        let at = at.max(self.minute);
        let mut counts = [0; 3];
        for window in Window::ALL {
            counts[window.slot()] = self.used(window, at).saturating_add(cost);
        }
        Self { minute: at, counts }
    }

    /// Takes back `cost` units counted at minute `counted_at` from every
    /// window that still holds that minute (a window that has passed since
    /// holds nothing of it).
    #[must_use]
    pub fn minus(&self, counted_at: u32, cost: u32) -> Self {
        let mut next = *self;
        for window in Window::ALL {
            if window.of(self.minute) == window.of(counted_at) {
                let slot = window.slot();
                next.counts[slot] = next.counts[slot].saturating_sub(cost);
            }
        }
        next
    }

    /// The same minute with every count at zero.
    #[must_use]
    pub fn zeroed(&self) -> Self {
        Self {
            minute: self.minute,
            counts: [0; 3],
        }
    }
}

/// A bucket's limits: up to one per window, at least one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits([Option<u32>; 3]);

impl Limits {
    /// Validates limits given as PHP integers (`None`: that window is unlimited).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming `field(window)` when a limit is below
    /// 1 or above `u32::MAX`, or naming `what()` when no limit is set (both
    /// are called only to make the message).
    pub fn new(
        per_minute: Option<i64>,
        per_hour: Option<i64>,
        per_day: Option<i64>,
        what: &dyn Fn() -> String,
        field: &dyn Fn(&str) -> String,
    ) -> Result<Self, Error> {
        let mut limits = [None; 3];
        for (window, value) in Window::ALL.into_iter().zip([per_minute, per_hour, per_day]) {
            limits[window.slot()] = value
                .map(|v| {
                    positive_u32(v).ok_or_else(|| {
                        Error::InvalidArgument(format!(
                            "{} must be null or an integer between 1 and {}",
                            field(&format!("per_{}", window.name())),
                            u32::MAX
                        ))
                    })
                })
                .transpose()?;
        }
        if limits.iter().all(Option::is_none) {
            return Err(Error::InvalidArgument(format!(
                "{} sets no limit (per_minute, per_hour or per_day)",
                what()
            )));
        }
        Ok(Self(limits))
    }

    /// A minute and an hour limit, both required (`lpapi_rate_hit`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] when a limit is below 1 or above `u32::MAX`.
    pub fn minute_hour(per_minute: i64, per_hour: i64) -> Result<Self, Error> {
        let check = |name: &str, value: i64| {
            positive_u32(value).ok_or_else(|| {
                Error::InvalidArgument(format!("{name} must be between 1 and {}", u32::MAX))
            })
        };
        Ok(Self([
            Some(check("per_minute", per_minute)?),
            Some(check("per_hour", per_hour)?),
            None,
        ]))
    }

    /// The limit of `window`, if it has one.
    #[must_use]
    pub fn of(self, window: Window) -> Option<u32> {
        self.0[window.slot()]
    }
}

/// Validates a hit's cost (at least 1).
///
/// # Errors
/// [`Error::InvalidArgument`] when below 1 or above `u32::MAX`.
pub fn cost(value: i64) -> Result<u32, Error> {
    positive_u32(value)
        .ok_or_else(|| Error::InvalidArgument(format!("cost must be between 1 and {}", u32::MAX)))
}

fn positive_u32(value: i64) -> Option<u32> {
    u32::try_from(value).ok().filter(|v| *v >= 1)
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

/// A bucket seen at one moment: which of its limited windows a hit of `cost`
/// fits in, and (with `counted`) the counters after counting it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct View {
    /// The minute the decision is made in (never before the stored one).
    pub minute: u32,
    used: [u32; 3],
    limits: Limits,
    cost: u32,
}

impl View {
    /// `stored` at epoch second `now`, for a hit of `cost` under `limits`.
    #[must_use]
    pub fn of(stored: &Counters, now: u64, limits: Limits, cost: u32) -> Self {
        // Another process's clock may be a hair ahead; never move a window back.
        let minute = now_minute(now).max(stored.minute);
        let mut used = [0; 3];
        for window in Window::ALL {
            used[window.slot()] = stored.used(window, minute);
        }
        Self {
            minute,
            used,
            limits,
            cost,
        }
    }

    /// Whether the hit fits in `window` (always, when it has no limit).
    #[must_use]
    pub fn fits_in(&self, window: Window) -> bool {
        self.limits.of(window).is_none_or(|limit| {
            u64::from(self.used[window.slot()]) + u64::from(self.cost) <= u64::from(limit)
        })
    }

    /// Whether the hit fits in every window.
    #[must_use]
    pub fn fits(&self) -> bool {
        Window::ALL.into_iter().all(|w| self.fits_in(w))
    }

    /// The view after counting the hit, and the counters to store.
    #[must_use]
    pub fn count(&self) -> (Self, Counters) {
        let mut counted = *self;
        for window in Window::ALL {
            let slot = window.slot();
            counted.used[slot] = self.used[slot].saturating_add(self.cost);
        }
        (
            counted,
            Counters {
                minute: self.minute,
                counts: counted.used,
            },
        )
    }

    /// The status of `window`, or `None` when it has no limit.
    #[must_use]
    pub fn status(&self, window: Window) -> Option<WindowStatus> {
        self.limits.of(window).map(|limit| WindowStatus {
            limit,
            remaining: limit.saturating_sub(self.used[window.slot()]),
            reset: window.reset(self.minute),
        })
    }
}

/// The answer to a hit or a peek over one or more buckets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the hit was admitted (for a peek: whether a hit of cost 1 would be).
    pub allowed: bool,
    /// Seconds until a refused hit could succeed; 0 when admitted.
    pub retry_after: u64,
    /// The tightest window: its bucket's index, the window and its status.
    /// When refused, the refusing window that resets last; when admitted,
    /// the one with the fewest remaining (the longer window on a tie, then
    /// the first bucket).
    pub tightest: (usize, Window, WindowStatus),
    /// Each bucket's windows, `None` where it has no limit.
    pub buckets: Vec<[Option<WindowStatus>; 3]>,
}

impl Decision {
    /// The decision at epoch second `now`: admitted (`views` after counting)
    /// or refused (`views` as they stand).
    pub(crate) fn of(views: &[View], now: u64, allowed: bool) -> Self {
        let mut tightest: Option<(usize, Window, WindowStatus)> = None;
        for (index, view) in views.iter().enumerate() {
            for window in Window::ALL {
                let Some(status) = view.status(window) else {
                    continue;
                };
                if !allowed && view.fits_in(window) {
                    continue; // Only a refusing window explains a refusal.
                }
                let better = tightest.is_none_or(|(_, best_window, best)| {
                    if allowed {
                        status.remaining < best.remaining
                            || (status.remaining == best.remaining && window > best_window)
                    } else {
                        status.reset > best.reset
                            || (status.reset == best.reset && window > best_window)
                    }
                });
                if better {
                    tightest = Some((index, window, status));
                }
            }
        }
        // Limits::new makes every bucket limit one window, so there is one.
        let tightest = tightest.unwrap_or((
            0,
            Window::Minute,
            WindowStatus {
                limit: 0,
                remaining: 0,
                reset: now,
            },
        ));
        let retry_after = if allowed {
            0
        } else {
            tightest.2.reset.saturating_sub(now).max(1)
        };
        Self {
            allowed,
            retry_after,
            tightest,
            buckets: views
                .iter()
                .map(|v| Window::ALL.map(|w| v.status(w)))
                .collect(),
        }
    }

    /// The status of `window` of bucket `index`.
    #[must_use]
    pub fn window(&self, index: usize, window: Window) -> Option<WindowStatus> {
        self.buckets.get(index).and_then(|b| b[window.slot()])
    }
}

/// Whether counters last touched in `stored.minute` still matter at `now_minute`:
/// a bucket whose day has passed holds nothing and its slot may be reused.
#[must_use]
pub fn is_live(stored: &Counters, now_minute: u32) -> bool {
    Window::Day.of(stored.minute) >= Window::Day.of(now_minute)
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

    /// Counts a hit of `cost` units if every limited window of the bucket has room.
    ///
    /// # Errors
    /// Whatever the store reports.
    pub fn hit(&self, bucket: &[u8], limits: Limits, cost: u32) -> Result<Decision, Error> {
        self.hit_many(&[(bucket, limits)], cost)
    }

    /// One decision over several buckets (distinct names): the hit is counted
    /// in every bucket if each has room in every limited window, else in none.
    ///
    /// # Errors
    /// Whatever the store reports; a store error counts nothing.
    pub fn hit_many(&self, buckets: &[(&[u8], Limits)], cost: u32) -> Result<Decision, Error> {
        let now = self.clock.now();
        if buckets.len() > 1 {
            // Refuse without touching anything when a bucket has no room now.
            let mut views = Vec::with_capacity(buckets.len());
            for (name, limits) in buckets {
                views.push(View::of(&self.store.read(name)?, now, *limits, cost));
            }
            if !views.iter().all(View::fits) {
                return Ok(Decision::of(&views, now, false));
            }
        }
        let mut views: Vec<View> = Vec::with_capacity(buckets.len());
        for (index, (name, limits)) in buckets.iter().enumerate() {
            let mut seen = None;
            let counted = self.store.update(name, now_minute(now), &mut |stored| {
                let view = View::of(&stored, now, *limits, cost);
                seen = Some(view);
                view.fits().then(|| view.count().1)
            });
            let view = match (counted, seen) {
                (Ok(()), Some(view)) => view,
                (Ok(()), None) => {
                    self.take_back(&buckets[..index], &views, cost);
                    return Err(Error::SharedMemory("store made no decision".to_owned()));
                }
                (Err(e), _) => {
                    self.take_back(&buckets[..index], &views, cost);
                    return Err(e);
                }
            };
            if !view.fits() {
                // Filled up since the first look: undo the buckets counted so
                // far and report them as they were before this hit.
                self.take_back(&buckets[..index], &views, cost);
                let mut all = views;
                all.push(view);
                for (name, limits) in &buckets[index + 1..] {
                    let stored = self.store.read(name).unwrap_or_default();
                    all.push(View::of(&stored, now, *limits, cost));
                }
                return Ok(Decision::of(&all, now, false));
            }
            views.push(view);
        }
        let counted: Vec<View> = views.iter().map(|v| v.count().0).collect();
        Ok(Decision::of(&counted, now, true))
    }

    /// Takes one hit of `cost` back from each of `buckets`, counted at the
    /// minutes in `views`; the views become the uncounted ones.
    fn take_back(&self, buckets: &[(&[u8], Limits)], views: &[View], cost: u32) {
        for ((name, _), view) in buckets.iter().zip(views) {
            // The bucket was just counted, so it is in the store; a failure
            // here can only leave this hit's own unit counted.
            let _ = self.store.update(name, view.minute, &mut |stored| {
                Some(stored.minus(view.minute, cost))
            });
        }
    }

    /// What a hit of cost 1 would get, counting nothing.
    ///
    /// # Errors
    /// Whatever the store reports.
    pub fn peek(&self, bucket: &[u8], limits: Limits) -> Result<Decision, Error> {
        let now = self.clock.now();
        let stored = self.store.read(bucket)?;
        let view = View::of(&stored, now, limits, 1);
        Ok(Decision::of(&[view], now, view.fits()))
    }

    /// Forgets the bucket's counts.
    ///
    /// # Errors
    /// Whatever the store reports.
    pub fn reset(&self, bucket: &[u8]) -> Result<(), Error> {
        if self.store.read(bucket)? == Counters::default() {
            return Ok(()); // Nothing counted: create nothing.
        }
        let now = now_minute(self.clock.now());
        self.store
            .update(bucket, now, &mut |stored| Some(stored.zeroed()))
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
}
