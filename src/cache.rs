//! The per-process key cache: key hash → key record, with a time to live.
//!
//! Each PHP worker keeps its own cache (a warm request then needs no database
//! read). Immediate revocation comes from a generation number kept in shared
//! memory: any change to any key bumps it, and a process that sees a
//! generation other than the one its entries were made under drops them all
//! before answering. The generation is passed in, so this module stays plain
//! Rust and is tested without shared memory.

use std::collections::HashMap;

/// A cached record: the PHP values a key record can hold, owned by Rust so
/// it outlives the request that stored it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i64),
    /// `float`
    Float(f64),
    /// `string` (bytes: PHP strings need not be UTF-8)
    Str(Vec<u8>),
    /// `array`, in its original order
    Array(Vec<(ArrayKey, Value)>),
}

/// An array key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArrayKey {
    /// An integer key.
    Int(i64),
    /// A string key.
    Str(Vec<u8>),
}

/// How many arrays deep a record may nest.
pub const MAX_DEPTH: usize = 16;

/// Counters shown by `lpapi_info()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries now held.
    pub entries: usize,
    /// Most entries held at once.
    pub capacity: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups not answered (absent, expired, or dropped by a generation change).
    pub misses: u64,
    /// Entries pushed out to make room.
    pub evictions: u64,
    /// Times the whole cache was dropped because the generation moved.
    pub flushes: u64,
    /// The generation the entries belong to.
    pub generation: u64,
}

#[derive(Debug)]
struct Entry {
    value: Value,
    expires_at_ms: u64,
}

/// The cache of one process.
#[derive(Debug)]
pub struct KeyCache {
    entries: HashMap<Vec<u8>, Entry>,
    stats: CacheStats,
}

impl KeyCache {
    /// An empty cache holding at most `capacity` entries (at least 1).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            entries: HashMap::with_capacity(capacity.min(4096)),
            stats: CacheStats {
                capacity,
                ..CacheStats::default()
            },
        }
    }

    /// Drops everything if the shared generation moved since the entries were made.
    fn sync(&mut self, generation: u64) {
        if generation != self.stats.generation {
            if !self.entries.is_empty() {
                self.stats.flushes += 1;
            }
            self.entries.clear();
            self.stats.generation = generation;
        }
    }

    /// The record cached under `hash`, if present, unexpired, and made under
    /// the current `generation`.
    pub fn get(&mut self, hash: &[u8], now_ms: u64, generation: u64) -> Option<&Value> {
        self.sync(generation);
        let fresh = self
            .entries
            .get(hash)
            .is_some_and(|e| e.expires_at_ms > now_ms);
        if !fresh {
            self.entries.remove(hash);
            self.stats.misses += 1;
            return None;
        }
        self.stats.hits += 1;
        self.entries.get(hash).map(|e| &e.value)
    }

    /// Caches `value` under `hash` for `ttl_ms`. When full, expired entries
    /// go first, then the one closest to expiry.
    pub fn put(&mut self, hash: &[u8], value: Value, ttl_ms: u64, now_ms: u64, generation: u64) {
        self.sync(generation);
        if !self.entries.contains_key(hash) && self.entries.len() >= self.stats.capacity {
            self.entries.retain(|_, e| e.expires_at_ms > now_ms);
            if self.entries.len() >= self.stats.capacity {
                let soonest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.expires_at_ms)
                    .map(|(k, _)| k.clone());
                if let Some(k) = soonest {
                    self.entries.remove(&k);
                    self.stats.evictions += 1;
                }
            }
        }
        let expires_at_ms = now_ms.saturating_add(ttl_ms);
        self.entries.insert(
            hash.to_vec(),
            Entry {
                value,
                expires_at_ms,
            },
        );
    }

    /// Counters and sizes.
    #[must_use]
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.entries.len(),
            ..self.stats
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_their_ttl() {
        let mut cache = KeyCache::new(4);
        cache.put(b"h", Value::Int(1), 1000, 0, 0);
        assert_eq!(cache.get(b"h", 999, 0), Some(&Value::Int(1)));
        assert_eq!(cache.get(b"h", 1000, 0), None);
        assert_eq!(cache.stats().entries, 0);
    }

    #[test]
    fn a_new_generation_drops_every_entry() {
        let mut cache = KeyCache::new(4);
        cache.put(b"a", Value::Null, 60_000, 0, 7);
        cache.put(b"b", Value::Null, 60_000, 0, 7);
        assert!(cache.get(b"a", 1, 7).is_some());
        assert!(cache.get(b"b", 1, 8).is_none());
        assert!(cache.get(b"a", 1, 8).is_none());
        let stats = cache.stats();
        assert_eq!((stats.flushes, stats.generation, stats.entries), (1, 8, 0));
    }

    #[test]
    fn a_full_cache_evicts_expired_entries_then_the_soonest_to_expire() {
        let mut cache = KeyCache::new(2);
        cache.put(b"old", Value::Null, 10, 0, 0);
        cache.put(b"long", Value::Null, 10_000, 0, 0);
        cache.put(b"new", Value::Null, 5_000, 20, 0); // "old" has expired: dropped, no eviction
        assert_eq!(cache.stats().evictions, 0);
        cache.put(b"newer", Value::Null, 9_000, 30, 0); // full: "new" expires soonest
        assert_eq!(cache.stats().evictions, 1);
        assert!(cache.get(b"new", 31, 0).is_none());
        assert!(cache.get(b"long", 31, 0).is_some());
        assert!(cache.get(b"newer", 31, 0).is_some());
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn replacing_an_entry_in_a_full_cache_evicts_nothing() {
        let mut cache = KeyCache::new(1);
        cache.put(b"a", Value::Int(1), 100, 0, 0);
        cache.put(b"a", Value::Int(2), 100, 0, 0);
        assert_eq!(cache.stats().evictions, 0);
        assert_eq!(cache.get(b"a", 1, 0), Some(&Value::Int(2)));
    }
}
