//! The shared-memory table: rate-limit counters and the key-cache generation,
//! shared by every process forked after it was created.
//!
//! The PHP module creates it in MINIT, before php-fpm forks its workers, with
//! `mmap(MAP_SHARED | MAP_ANONYMOUS)`. Process-private locks do not work
//! across processes, so everything in the segment is an atomic:
//!
//! * each slot's counters (both windows plus a version) are one 128-bit word,
//!   updated by compare-and-swap, so a hit is admitted and counted in one
//!   indivisible step, exact under any concurrency;
//! * a bucket is identified by the SHA-256 of its name, stored whole in its
//!   slot, so two buckets never share a counter;
//! * placing a new bucket takes a small claim lock (an atomic holding the
//!   owner's pid; a dead owner's lock is taken over), so two processes cannot
//!   place the same bucket twice. Hits on known buckets take no lock.
//!
//! Slots are found by linear probing from a hash of the name. A slot is never
//! emptied; a slot whose counters belong to an hour that has passed is stale
//! and is reused by the next new bucket. When every slot holds a live bucket,
//! a new bucket gets [`Error::TableFull`] rather than a shared counter.
//!
//! This is the crate's only module with `unsafe` code.

use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::SeqCst};

use portable_atomic::AtomicU128;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::ratelimit::{Counters, Store, is_live};

/// Identifies a segment made by this code (and its layout version).
const MAGIC: u64 = 0x4c50_4150_4931_0002; // "LPAPI1" + layout 2
/// Tag of a slot that has never held a bucket.
const EMPTY: u64 = 0;
/// Tag of a slot being (re)assigned under the claim lock.
const CLAIMING: u64 = 1;
/// Smallest and largest table accepted.
pub const MIN_SLOTS: usize = 16;
/// Largest table accepted (64 MiB of slots).
pub const MAX_SLOTS: usize = 1 << 20;

/// The segment's first cache line.
#[repr(C, align(64))]
struct Header {
    magic: AtomicU64,
    slots: AtomicU64,
    /// Bumped on any key change; processes drop their key cache when it moves.
    generation: AtomicU64,
    /// 0 when free, else the pid of the process placing a bucket.
    claim_lock: AtomicU32,
    _pad: u32,
    /// Hits refused because the table was full of live buckets.
    full_events: AtomicU64,
    /// Stale slots handed to new buckets.
    reclaims: AtomicU64,
    /// Claim locks taken over from a dead process.
    lock_takeovers: AtomicU64,
}

/// One bucket: 64 bytes, one cache line.
#[repr(C, align(64))]
struct Slot {
    /// minute | minute count << 32 | hour count << 64 | version << 96.
    state: AtomicU128,
    /// `EMPTY`, `CLAIMING`, or the first 8 bytes of the bucket's digest (never 0 or 1).
    tag: AtomicU64,
    /// The bucket's whole SHA-256 digest.
    id: [AtomicU64; 4],
}

/// A slot's counters plus the version that makes every change unique, so a
/// compare-and-swap can tell "unchanged" from "changed and changed back".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    counters: Counters,
    version: u32,
}

impl State {
    fn unpack(word: u128) -> Self {
        // Truncating casts pick the 32-bit fields out of the word.
        #[allow(clippy::cast_possible_truncation)]
        let field = |shift: u32| (word >> shift) as u32;
        Self {
            counters: Counters {
                minute: field(0),
                minute_count: field(32),
                hour_count: field(64),
            },
            version: field(96),
        }
    }

    fn pack(self) -> u128 {
        u128::from(self.counters.minute)
            | u128::from(self.counters.minute_count) << 32
            | u128::from(self.counters.hour_count) << 64
            | u128::from(self.version) << 96
    }

    fn with(self, counters: Counters) -> Self {
        Self {
            counters,
            version: self.version.wrapping_add(1),
        }
    }
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
    /// Slots holding a bucket with counts in the current hour.
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
}

/// The shared segment. Cloning is not offered: one owner unmaps it on drop;
/// forked children inherit the mapping itself.
pub struct SharedTable {
    base: NonNull<u8>,
    bytes: usize,
    slots: usize,
}

// SAFETY: the segment is only ever accessed through atomics, so sharing the
// pointer between threads is as safe as sharing the atomics themselves.
unsafe impl Send for SharedTable {}
// SAFETY: as above: every access is an atomic operation.
unsafe impl Sync for SharedTable {}

impl std::fmt::Debug for SharedTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedTable")
            .field("slots", &self.slots)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

impl SharedTable {
    /// Maps a new zeroed segment of `slots` slots, shared with every process
    /// this one forks from now on.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a size out of range,
    /// [`Error::SharedMemory`] when 128-bit atomics are not lock-free on this
    /// CPU (a process-private fallback lock would break exactness) or `mmap` fails.
    pub fn create(slots: usize) -> Result<Self, Error> {
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
        let bytes = size_of::<Header>() + slots * size_of::<Slot>();
        // SAFETY: an anonymous mapping with no address hint has no
        // preconditions; the result is checked against MAP_FAILED below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                bytes,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(Error::SharedMemory(format!(
                "mmap of {bytes} bytes failed: {}",
                std::io::Error::last_os_error()
            )));
        }
        let base = NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| Error::SharedMemory("mmap returned null".to_owned()))?;
        let table = Self { base, bytes, slots };
        let header = table.header();
        header.slots.store(slots as u64, SeqCst);
        header.magic.store(MAGIC, SeqCst);
        Ok(table)
    }

    // mmap returns page-aligned memory, so the cast to a 64-byte-aligned type is sound.
    #[allow(clippy::cast_ptr_alignment)]
    fn header(&self) -> &Header {
        // SAFETY: the mapping is at least one Header long, page-aligned (so
        // 64-byte aligned), zero-initialised by mmap (a valid state for
        // atomics) and lives as long as `self`.
        unsafe { &*self.base.as_ptr().cast::<Header>() }
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
                .base
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

    /// Sizes and counts, scanning every slot.
    #[must_use]
    pub fn stats(&self, now_minute: u32) -> TableStats {
        let mut slots_used = 0;
        let mut slots_assigned = 0;
        for index in 0..self.slots {
            let slot = self.slot(index);
            if slot.tag.load(SeqCst) > CLAIMING {
                slots_assigned += 1;
                if is_live(State::unpack(slot.state.load(SeqCst)).counters, now_minute) {
                    slots_used += 1;
                }
            }
        }
        let header = self.header();
        TableStats {
            slots_used,
            slots_assigned,
            slots_total: self.slots,
            bytes: self.bytes,
            generation: header.generation.load(SeqCst),
            full_events: header.full_events.load(SeqCst),
            reclaims: header.reclaims.load(SeqCst),
            lock_takeovers: header.lock_takeovers.load(SeqCst),
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
                    _ => !is_live(State::unpack(state).counters, now_minute),
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
            // reusable) until its hour ends, even before its first hit.
            let fresh = State::unpack(old_state)
                .with(Counters {
                    minute: now_minute,
                    minute_count: 0,
                    hour_count: 0,
                })
                .pack();
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
            let state = State::unpack(word);
            let Some(next) = decide(state.counters) else {
                return Ok(());
            };
            let next_word = state.with(next).pack();
            // Success means the state did not change since it was read, which
            // was before the identity check: the slot was this bucket's.
            if self
                .slot(index)
                .state
                .compare_exchange(word, next_word, SeqCst, SeqCst)
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
            .map(|(_, word)| State::unpack(word).counters)
            .unwrap_or_default())
    }

    fn reset(&self, bucket: &[u8]) -> Result<(), Error> {
        let id = BucketId::of(bucket);
        while let Some((index, word)) = self.find(id) {
            let state = State::unpack(word);
            let zeroed = Counters {
                minute: state.counters.minute,
                minute_count: 0,
                hour_count: 0,
            };
            if self
                .slot(index)
                .state
                .compare_exchange(word, state.with(zeroed).pack(), SeqCst, SeqCst)
                .is_ok()
            {
                break;
            }
        }
        Ok(())
    }
}

impl Drop for SharedTable {
    fn drop(&mut self) {
        // SAFETY: `base`/`bytes` are exactly what mmap returned and every
        // reference into the segment borrows `self`, so none outlives this.
        unsafe {
            libc::munmap(self.base.as_ptr().cast(), self.bytes);
        }
    }
}

/// The claim lock: an atomic holding the owner's pid.
struct ClaimLock<'a> {
    header: &'a Header,
}

impl<'a> ClaimLock<'a> {
    fn acquire(header: &'a Header) -> Self {
        // SAFETY: getpid has no preconditions and cannot fail.
        let me = u32::try_from(unsafe { libc::getpid() }).unwrap_or(u32::MAX);
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
                    // check it is still alive (its lock is ours if not).
                    std::thread::yield_now();
                    if spins.is_multiple_of(4096)
                        && holder != me
                        && !process_alive(holder)
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

fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill with signal 0 only checks whether the process exists.
    let result = unsafe { libc::kill(pid, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_one_cache_line_per_slot() {
        assert_eq!(size_of::<Slot>(), 64);
        assert_eq!(size_of::<Header>(), 64);
    }

    #[test]
    fn state_round_trips_through_its_packed_word() {
        let state = State {
            counters: Counters {
                minute: 29_000_000,
                minute_count: 7,
                hour_count: u32::MAX,
            },
            version: 0xdead_beef,
        };
        assert_eq!(State::unpack(state.pack()), state);
    }

    #[test]
    fn a_dead_process_is_not_alive() {
        // SAFETY: getpid has no preconditions.
        let me = u32::try_from(unsafe { libc::getpid() }).unwrap_or(0);
        assert!(process_alive(me));
        // pid_max on Linux is at most 2^22, so this pid cannot exist.
        assert!(!process_alive(4_194_305 + 1000));
    }
}
