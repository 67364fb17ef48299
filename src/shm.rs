//! The shared-memory table: rate-limit counters and the key-cache generation,
//! shared by every process that maps it.
//!
//! The PHP module opens it in MINIT, before php-fpm forks its workers, so they
//! all inherit one mapping ([`crate::segment`]): a named POSIX object when
//! `lpapi.shm_name` names one (the default under a server SAPI), which
//! survives reloads and restarts of php-fpm; else a private mapping. Process
//! locks do not work across processes, so everything in the segment is an
//! atomic:
//!
//! * each slot's counters (the minute and the three windows' counts) are one
//!   128-bit word, updated by compare-and-swap, so a hit is admitted and
//!   counted in one indivisible step, exact under any concurrency;
//! * a bucket is identified by the SHA-256 of its name, stored whole in its
//!   slot, so two buckets never share a counter;
//! * placing a new bucket takes a small claim lock (an atomic naming its
//!   owner by pid and start time; a provably dead owner's lock is taken over),
//!   so two processes cannot place the same bucket twice. Hits on known
//!   buckets take no lock.
//!
//! Slots are found by linear probing from a hash of the name. A slot is never
//! emptied; a slot whose counters belong to a day that has passed is stale
//! and is reused by the next new bucket. When every slot holds a live bucket,
//! a new bucket gets [`Error::TableFull`] rather than a shared counter.
//!
//! The header starts with a magic number that carries the layout version: a
//! named segment of another layout (another version of this code) or another
//! size is never read; it is replaced.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::{Duration, Instant};

use portable_atomic::AtomicU128;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::ratelimit::{Counters, Store, is_live};
use crate::segment::{self, Segment, process_token, token_is_dead};

/// Identifies a segment made by this code, and its layout version.
pub const MAGIC: u64 = 0x4c50_4150_4931_0004; // "LPAPI1" + layout 4
/// Tag of a slot that has never held a bucket.
const EMPTY: u64 = 0;
/// Tag of a slot being (re)assigned under the claim lock.
const CLAIMING: u64 = 1;
/// Smallest and largest table accepted.
pub const MIN_SLOTS: usize = 16;
/// Largest table accepted (64 MiB of slots).
pub const MAX_SLOTS: usize = 1 << 20;
/// How long an opener waits for another process to finish creating the segment.
const CREATION_WAIT: Duration = Duration::from_secs(2);

/// The segment's first two cache lines.
#[repr(C, align(64))]
struct Header {
    /// [`MAGIC`], written last by the creator.
    magic: AtomicU64,
    slots: AtomicU64,
    /// Bumped on any key change; processes drop their key cache when it moves.
    generation: AtomicU64,
    /// 0 when free, else the [`process_token`] of the process placing a bucket.
    claim_lock: AtomicU64,
    /// Hits refused because the table was full of live buckets.
    full_events: AtomicU64,
    /// Stale slots handed to new buckets.
    reclaims: AtomicU64,
    /// Claim locks taken over from a dead process.
    lock_takeovers: AtomicU64,
    /// When the segment was created (epoch seconds).
    created_at: AtomicU64,
    /// 1 while the processes of this table find Redis down, else 0.
    redis_down: AtomicU64,
    /// 1 when a key changed while Redis was down: the next process to reach
    /// it bumps the generation there, so every server drops its cache.
    redis_pending_bump: AtomicU64,
    _reserved: [AtomicU64; 6],
}

/// One bucket: 64 bytes, one cache line.
#[repr(C, align(64))]
struct Slot {
    /// minute | minute count << 32 | hour count << 64 | day count << 96.
    state: AtomicU128,
    /// `EMPTY`, `CLAIMING`, or the first 8 bytes of the bucket's digest (never 0 or 1).
    tag: AtomicU64,
    /// The bucket's whole SHA-256 digest.
    id: [AtomicU64; 4],
}

/// A slot's counters packed into its word. No version is needed to tell
/// "unchanged" from "changed and changed back": a slot handed to another
/// bucket gets counters dated later than any its old bucket had (it is only
/// handed over once its day has passed, and a stored minute never moves
/// back), and within one bucket equal counters mean the same thing.
fn unpack(word: u128) -> Counters {
    // Truncating casts pick the 32-bit fields out of the word.
    #[allow(clippy::cast_possible_truncation)]
    let field = |shift: u32| (word >> shift) as u32;
    Counters {
        minute: field(0),
        counts: [field(32), field(64), field(96)],
    }
}

fn pack(counters: Counters) -> u128 {
    u128::from(counters.minute)
        | u128::from(counters.counts[0]) << 32
        | u128::from(counters.counts[1]) << 64
        | u128::from(counters.counts[2]) << 96
}

/// A bucket name's identity in the table.
#[derive(Clone, Copy)]
struct BucketId {
    words: [u64; 4],
}

impl BucketId {
    fn of(name: &[u8]) -> Self {
        let digest = Sha256::digest(name);
        let mut words = [0u64; 4];
        for (word, chunk) in words.iter_mut().zip(digest.chunks_exact(8)) {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(chunk);
            *word = u64::from_le_bytes(bytes);
        }
        Self { words }
    }

    /// The slot tag: never `EMPTY` or `CLAIMING`.
    fn tag(self) -> u64 {
        self.words[0].max(2)
    }

    fn home(self, slots: usize) -> usize {
        // The remainder is below `slots`, which fits in usize.
        #[allow(clippy::cast_possible_truncation)]
        let home = (self.words[1] % slots as u64) as usize;
        home
    }
}

/// Counts and sizes, for `lpapi_info()` and `phpinfo()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableStats {
    /// Slots holding a bucket with counts in the current day.
    pub slots_used: usize,
    /// Slots ever assigned (live or stale).
    pub slots_assigned: usize,
    /// Slots in the table.
    pub slots_total: usize,
    /// Size of the segment in bytes.
    pub bytes: usize,
    /// The key-cache generation.
    pub generation: u64,
    /// Hits refused because the table was full.
    pub full_events: u64,
    /// Stale slots reused.
    pub reclaims: u64,
    /// Claim locks taken over from dead processes.
    pub lock_takeovers: u64,
    /// When the segment was created (epoch seconds).
    pub created_at: u64,
}

/// How this process came by its table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A private mapping, shared only with processes forked from this one.
    Private,
    /// The named object `name`, created by this process.
    Created(String),
    /// The named object `name`, which existed with this layout and size.
    Attached(String),
    /// The named object `name`, made anew because the one there was `why`.
    Replaced(String, String),
}

impl Origin {
    /// The object's name, for a named segment.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        match self {
            Self::Private => None,
            Self::Created(n) | Self::Attached(n) | Self::Replaced(n, _) => Some(n),
        }
    }

    /// How it was opened, in one word: private, created, attached or replaced.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Created(_) => "created",
            Self::Attached(_) => "attached",
            Self::Replaced(..) => "replaced",
        }
    }

    /// One line for people: how the table was opened.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Private => "private to this process and its children".to_owned(),
            Self::Created(n) => format!("/dev/shm/{n}, created"),
            Self::Attached(n) => format!("/dev/shm/{n}, reopened with its counts"),
            Self::Replaced(n, why) => format!("/dev/shm/{n}, made anew ({why})"),
        }
    }
}

/// The shared table. Cloning is not offered: one owner unmaps it on drop;
/// forked children inherit the mapping itself.
pub struct SharedTable {
    segment: Segment,
    slots: usize,
    origin: Origin,
}

impl std::fmt::Debug for SharedTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTable")
            .field("slots", &self.slots)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

fn check_size(slots: usize) -> Result<usize, Error> {
    if !(MIN_SLOTS..=MAX_SLOTS).contains(&slots) {
        return Err(Error::InvalidArgument(format!(
            "lpapi.rate_slots must be between {MIN_SLOTS} and {MAX_SLOTS}"
        )));
    }
    if !AtomicU128::is_lock_free() {
        return Err(Error::SharedMemory(
            "this CPU has no lock-free 128-bit compare-and-swap".to_owned(),
        ));
    }
    Ok(size_of::<Header>() + slots * size_of::<Slot>())
}

fn epoch_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl SharedTable {
    /// Maps a new zeroed private table of `slots` slots, shared with every
    /// process this one forks from now on.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a size out of range,
    /// [`Error::SharedMemory`] when 128-bit atomics are not lock-free on this
    /// CPU (a process-private fallback lock would break exactness) or `mmap` fails.
    pub fn create(slots: usize) -> Result<Self, Error> {
        let segment = Segment::anonymous(check_size(slots)?)?;
        Ok(Self::initialise(segment, slots, Origin::Private))
    }

    /// Opens the named table `name` (`/dev/shm/<name>`), creating it when
    /// missing. One of this layout and size is used with its counts; one of
    /// another layout or size, or one whose creator never finished, is
    /// removed and made anew (processes still mapping the old one keep it).
    ///
    /// # Errors
    /// As [`SharedTable::create`], plus a bad name, an object that belongs
    /// to another user or is open to others, and a `/dev/shm` too full to
    /// reserve the table in.
    pub fn open(name: &str, slots: usize) -> Result<Self, Error> {
        let bytes = check_size(slots)?;
        let mut replaced: Option<String> = None;
        for _ in 0..4 {
            if let Some(segment) = Segment::create(name, bytes)? {
                let origin = match replaced.take() {
                    Some(why) => Origin::Replaced(name.to_owned(), why),
                    None => Origin::Created(name.to_owned()),
                };
                return Ok(Self::initialise(segment, slots, origin));
            }
            match Self::wait_for(name, bytes, slots)? {
                Ok(table) => return Ok(table),
                Err(why) => {
                    segment::unlink(name)?;
                    replaced = Some(why);
                }
            }
        }
        Err(Error::SharedMemory(format!(
            "/dev/shm/{name} kept changing while it was opened"
        )))
    }

    /// Attaches to an existing named table once its creator has finished:
    /// `Ok(Err(why))` when it is not one this code may use as it is.
    fn wait_for(name: &str, bytes: usize, slots: usize) -> Result<Result<Self, String>, Error> {
        let started = Instant::now();
        loop {
            let waited = started.elapsed() > CREATION_WAIT;
            match Segment::attach(name, bytes)? {
                Some(segment) => {
                    let table = Self {
                        segment,
                        slots,
                        origin: Origin::Attached(name.to_owned()),
                    };
                    let magic = table.header().magic.load(SeqCst);
                    let their_slots = table.header().slots.load(SeqCst);
                    if magic == MAGIC && their_slots == slots as u64 {
                        return Ok(Ok(table));
                    }
                    if magic != 0 && magic != MAGIC {
                        return Ok(Err(format!("layout {magic:#x}, this is {MAGIC:#x}")));
                    }
                    if magic == MAGIC {
                        return Ok(Err(format!("{their_slots} slots, not {slots}")));
                    }
                    if waited {
                        return Ok(Err("left half-created".to_owned()));
                    }
                }
                None if waited => {
                    return Ok(Err(format!("not {bytes} bytes long")));
                }
                None => {}
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn initialise(segment: Segment, slots: usize, origin: Origin) -> Self {
        let table = Self {
            segment,
            slots,
            origin,
        };
        let header = table.header();
        header.slots.store(slots as u64, SeqCst);
        header.created_at.store(epoch_seconds(), SeqCst);
        header.magic.store(MAGIC, SeqCst); // Last: the table is ready.
        table
    }

    /// How this process came by the table.
    #[must_use]
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    // The mapping is page-aligned, so the cast to a 64-byte-aligned type is sound.
    #[allow(clippy::cast_ptr_alignment)]
    fn header(&self) -> &Header {
        // SAFETY: the mapping is at least one Header long, page-aligned (so
        // 64-byte aligned), zero-initialised when made (a valid state for
        // atomics) and lives as long as `self`.
        unsafe { &*self.segment.base().as_ptr().cast::<Header>() }
    }

    // Page-aligned base + 64-byte header + 64-byte slots: every slot is 64-byte aligned.
    #[allow(clippy::cast_ptr_alignment)]
    fn slot(&self, index: usize) -> &Slot {
        assert!(index < self.slots, "slot index out of range");
        // SAFETY: `index < slots`, so the slot lies inside the mapping;
        // Header is 64 bytes, so every Slot is 64-byte aligned; zeroed
        // memory is a valid Slot; the reference lives no longer than `self`.
        unsafe {
            &*self
                .segment
                .base()
                .as_ptr()
                .add(size_of::<Header>())
                .cast::<Slot>()
                .add(index)
        }
    }

    /// Slots in the table.
    #[must_use]
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// The current key-cache generation.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.header().generation.load(SeqCst)
    }

    /// Bumps the key-cache generation and returns the new value: every
    /// process sees it on its next cache access and drops its cache.
    #[must_use]
    pub fn bump_generation(&self) -> u64 {
        self.header().generation.fetch_add(1, SeqCst) + 1
    }

    /// Records whether Redis is down for the processes of this table; true
    /// for the one call that changed it (that process logs the switch).
    #[must_use]
    pub fn set_redis_down(&self, down: bool) -> bool {
        let (from, to) = if down { (0, 1) } else { (1, 0) };
        self.header()
            .redis_down
            .compare_exchange(from, to, SeqCst, SeqCst)
            .is_ok()
    }

    /// Whether a process of this table last found Redis down.
    #[must_use]
    pub fn redis_down(&self) -> bool {
        self.header().redis_down.load(SeqCst) == 1
    }

    /// Notes a generation bump Redis missed (it was down).
    pub fn defer_redis_bump(&self) {
        self.header().redis_pending_bump.store(1, SeqCst);
    }

    /// Takes the deferred bump, if any: true for the one caller that must do it.
    #[must_use]
    pub fn take_redis_bump(&self) -> bool {
        self.header()
            .redis_pending_bump
            .compare_exchange(1, 0, SeqCst, SeqCst)
            .is_ok()
    }

    /// Whether the claim lock is held now (by a live or a dead process).
    #[must_use]
    pub fn claim_lock_held(&self) -> bool {
        self.header().claim_lock.load(SeqCst) != 0
    }

    /// Sizes and counts, scanning every slot.
    #[must_use]
    pub fn stats(&self, now_minute: u32) -> TableStats {
        let mut slots_used = 0;
        let mut slots_assigned = 0;
        for index in 0..self.slots {
            let slot = self.slot(index);
            if slot.tag.load(SeqCst) > CLAIMING {
                slots_assigned += 1;
                if is_live(&unpack(slot.state.load(SeqCst)), now_minute) {
                    slots_used += 1;
                }
            }
        }
        let header = self.header();
        TableStats {
            slots_used,
            slots_assigned,
            slots_total: self.slots,
            bytes: self.segment.bytes(),
            generation: header.generation.load(SeqCst),
            full_events: header.full_events.load(SeqCst),
            reclaims: header.reclaims.load(SeqCst),
            lock_takeovers: header.lock_takeovers.load(SeqCst),
            created_at: header.created_at.load(SeqCst),
        }
    }

    fn holds(&self, index: usize, id: BucketId) -> bool {
        let slot = self.slot(index);
        slot.tag.load(SeqCst) == id.tag()
            && slot
                .id
                .iter()
                .zip(id.words)
                .all(|(word, want)| word.load(SeqCst) == want)
    }

    /// Finds the bucket without locking. The state is read *before* the
    /// identity is checked: a compare-and-swap against that state then fails
    /// if the slot was handed to another bucket in between (see `claim`).
    fn find(&self, id: BucketId) -> Option<(usize, u128)> {
        let home = id.home(self.slots);
        for step in 0..self.slots {
            let index = (home + step) % self.slots;
            let slot = self.slot(index);
            let state = slot.state.load(SeqCst);
            match slot.tag.load(SeqCst) {
                EMPTY => return None,
                _ if self.holds(index, id) => return Some((index, state)),
                _ => {}
            }
        }
        None
    }

    /// Places the bucket (or finds it, if another process placed it first)
    /// under the claim lock.
    fn claim(&self, id: BucketId, now_minute: u32) -> Result<(), Error> {
        let _lock = ClaimLock::acquire(self.header());
        'rescan: loop {
            let home = id.home(self.slots);
            let mut candidate: Option<(usize, u64, u128)> = None;
            for step in 0..self.slots {
                let index = (home + step) % self.slots;
                let slot = self.slot(index);
                let state = slot.state.load(SeqCst);
                let tag = slot.tag.load(SeqCst);
                if tag != EMPTY && tag != CLAIMING && self.holds(index, id) {
                    return Ok(());
                }
                let reusable = match tag {
                    // Under the lock, a CLAIMING slot was left by a process
                    // that died mid-claim.
                    EMPTY | CLAIMING => true,
                    _ => !is_live(&unpack(state), now_minute),
                };
                if reusable && candidate.is_none() {
                    candidate = Some((index, tag, state));
                }
                if tag == EMPTY {
                    break; // The end of the probe chain: the bucket is not further on.
                }
            }
            let Some((index, old_tag, old_state)) = candidate else {
                self.header().full_events.fetch_add(1, SeqCst);
                return Err(Error::TableFull { slots: self.slots });
            };
            let slot = self.slot(index);
            // Hide the slot from lock-free finders first, then retire its
            // counters with a CAS from the exact (stale) state seen above. A
            // hit that slipped in since makes the CAS fail: the slot is live
            // again and is given back.
            slot.tag.store(CLAIMING, SeqCst);
            // The fresh counters are dated now, so the slot is live (not
            // reusable) until its day ends, even before its first hit.
            let fresh = pack(Counters {
                minute: now_minute.max(unpack(old_state).minute),
                counts: [0; 3],
            });
            if slot
                .state
                .compare_exchange(old_state, fresh, SeqCst, SeqCst)
                .is_err()
            {
                slot.tag.store(old_tag, SeqCst);
                continue 'rescan;
            }
            for (word, value) in slot.id.iter().zip(id.words) {
                word.store(value, SeqCst);
            }
            slot.tag.store(id.tag(), SeqCst);
            if old_tag != EMPTY {
                self.header().reclaims.fetch_add(1, SeqCst);
            }
            return Ok(());
        }
    }
}

impl Store for SharedTable {
    fn update(
        &self,
        bucket: &[u8],
        now_minute: u32,
        decide: &mut dyn FnMut(Counters) -> Option<Counters>,
    ) -> Result<(), Error> {
        let id = BucketId::of(bucket);
        loop {
            let Some((index, word)) = self.find(id) else {
                // Place it, then find it again through the lock-free path, so
                // the state used below is read before the identity check.
                self.claim(id, now_minute)?;
                continue;
            };
            let Some(next) = decide(unpack(word)) else {
                return Ok(());
            };
            // Success means the state did not change since it was read, which
            // was before the identity check: the slot was this bucket's.
            if self
                .slot(index)
                .state
                .compare_exchange(word, pack(next), SeqCst, SeqCst)
                .is_ok()
            {
                return Ok(());
            }
            std::hint::spin_loop();
        }
    }

    fn read(&self, bucket: &[u8]) -> Result<Counters, Error> {
        Ok(self
            .find(BucketId::of(bucket))
            .map(|(_, word)| unpack(word))
            .unwrap_or_default())
    }
}

/// The claim lock: an atomic holding the owner's [`process_token`].
struct ClaimLock<'a> {
    header: &'a Header,
}

impl<'a> ClaimLock<'a> {
    fn acquire(header: &'a Header) -> Self {
        let me = process_token();
        let mut spins: u32 = 0;
        loop {
            match header.claim_lock.compare_exchange(0, me, SeqCst, SeqCst) {
                Ok(_) => return Self { header },
                Err(holder) => {
                    spins = spins.wrapping_add(1);
                    if !spins.is_multiple_of(64) {
                        std::hint::spin_loop();
                        continue;
                    }
                    // Every 64 spins: give the holder the CPU, and every 4096
                    // check it is still alive (its lock is ours if not: a
                    // placement takes microseconds). Only one waiter's
                    // compare-and-swap from the dead holder's token succeeds.
                    std::thread::yield_now();
                    if spins.is_multiple_of(4096)
                        && (holder == me || token_is_dead(holder))
                        && header
                            .claim_lock
                            .compare_exchange(holder, me, SeqCst, SeqCst)
                            .is_ok()
                    {
                        header.lock_takeovers.fetch_add(1, SeqCst);
                        return Self { header };
                    }
                }
            }
        }
    }
}

impl Drop for ClaimLock<'_> {
    fn drop(&mut self) {
        self.header.claim_lock.store(0, SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_one_cache_line_per_slot() {
        assert_eq!(size_of::<Slot>(), 64);
        assert_eq!(size_of::<Header>(), 128);
    }

    #[test]
    fn counters_round_trip_through_their_packed_word() {
        let counters = Counters {
            minute: 29_000_000,
            counts: [7, u32::MAX, 0xdead_beef],
        };
        assert_eq!(unpack(pack(counters)), counters);
    }
}
