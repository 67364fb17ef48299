//! The PHP surface of the extension: thin functions that convert arguments,
//! call the core and map its errors to `LatePointApi\Native\` exceptions.
//! The function table is SPEC §8; `php-stubs/lpapi.php` documents it for PHP.

// `#[php_function]` arguments are owned wrappers built per call.
#![allow(clippy::needless_pass_by_value)]

mod convert;
mod exceptions;
mod lifecycle;

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};

use crate::counting::{self, Counted, Seen};
use crate::error::Error;
use crate::key::{self, Environment, KeyInfo};
use crate::ratelimit::{self, Clock, Limiter, Limits, SystemClock, now_minute};
use crate::redis_store::DownPolicy;
use convert::{Assoc, Bytes, Int, boolean, long, string};
use lifecycle::{
    RedisAccess, bump_generation, cache, cache_bypassed, flush_cache, generation, now_ms, redis,
    redis_policy, table,
};

/// Longest bucket name accepted, in bytes.
const MAX_BUCKET_LEN: usize = 4096;
/// Longest cache TTL accepted, in seconds (one year).
const MAX_TTL_SECONDS: i64 = 366 * 24 * 3600;

fn key_array(info: &KeyInfo) -> Assoc {
    Assoc::new()
        .set("hash", string(&info.hash))
        .set("prefix", string(&info.prefix))
        .set("last4", string(&info.last4))
        .set("environment", string(info.environment.name()))
}

fn bucket_name(bucket: &Bytes) -> Result<&[u8], Error> {
    let bytes = bucket.0.as_slice();
    if bytes.is_empty() || bytes.len() > MAX_BUCKET_LEN {
        return Err(Error::InvalidArgument(format!(
            "bucket must be 1 to {MAX_BUCKET_LEN} bytes long"
        )));
    }
    Ok(bytes)
}

fn limiter() -> Result<Limiter<&'static crate::shm::SharedTable, SystemClock>, Error> {
    Ok(Limiter::new(table()?, SystemClock))
}

/// Generates a key for `live` or `test` from the OS CSPRNG.
#[php_function]
pub fn lpapi_key_generate(environment: Bytes) -> PhpResult<ZBox<ZendHashTable>> {
    let environment = Environment::from_name(&environment.0)?;
    let generated = key::generate(environment)?;
    Ok(Assoc::new()
        .set("key", string(&generated.key))
        .set("hash", string(&generated.info.hash))
        .set("prefix", string(&generated.info.prefix))
        .set("last4", string(&generated.info.last4))
        .set("environment", string(environment.name()))
        .build())
}

/// Validates a key (length, prefix, alphabet, checksum) and describes it.
#[php_function]
pub fn lpapi_key_parse(key: Bytes) -> PhpResult<ZBox<ZendHashTable>> {
    let info = key::parse(&key.0)?;
    Ok(key_array(&info).build())
}

/// Lowercase hex SHA-256 of any string.
#[php_function]
pub fn lpapi_key_hash(key: Bytes) -> String {
    key::hash(&key.0)
}

/// Whether `key` hashes to `hash`, compared in constant time.
#[php_function]
pub fn lpapi_key_verify(key: Bytes, hash: Bytes) -> bool {
    key::verify(&key.0, &hash.0)
}

/// One decision, counted in Redis when one is configured and answers, else
/// in the table; the error of a refusal under `lpapi.redis_down = refuse`.
fn decide(buckets: &[(&[u8], Limits)], cost: u32) -> PhpResult<Counted> {
    let local = || {
        counting::hit_many(
            table(),
            None,
            &mut Seen::default(),
            SystemClock,
            buckets,
            cost,
        )
    };
    let counted = match redis() {
        RedisAccess::None => local(),
        RedisAccess::Invalid(error) => {
            let switched = table().is_ok_and(|t| t.set_redis_down(true));
            if redis_policy() == DownPolicy::Refuse {
                return Err(exceptions::rate_store_unavailable(
                    &Error::RateStore(error.to_string()),
                    switched,
                ));
            }
            local().map(|mut c| {
                c.scope_changed = switched;
                c
            })
        }
        RedisAccess::Client(client, policy) => {
            let mut guard = client.lock();
            let (store, seen) = &mut *guard;
            counting::hit_many(
                table(),
                Some((store, policy)),
                seen,
                SystemClock,
                buckets,
                cost,
            )
        }
    };
    match counted {
        Ok(c) => {
            if c.flush_cache {
                flush_cache();
            }
            Ok(c)
        }
        Err(Ok(refused)) => {
            flush_cache();
            Err(exceptions::rate_store_unavailable(
                &refused.error,
                refused.scope_changed,
            ))
        }
        Err(Err(e)) => Err(e.into()),
    }
}

/// Counts a hit against both windows of `bucket` if both have room.
#[php_function]
#[php(defaults(cost = 1))]
pub fn lpapi_rate_hit(
    bucket: Bytes,
    per_minute: Int,
    per_hour: Int,
    cost: Int,
) -> PhpResult<ZBox<ZendHashTable>> {
    let bucket = bucket_name(&bucket)?;
    let limits = Limits::minute_hour(per_minute.0, per_hour.0)?;
    let cost = ratelimit::cost(cost.0)?;
    Ok(convert::decision(
        &decide(&[(bucket, limits)], cost)?.decision,
    ))
}

/// One decision over several buckets, each with minute, hour and day limits.
#[php_function]
#[php(defaults(cost = 1))]
pub fn lpapi_rate_hit_many(buckets: &ZendHashTable, cost: Int) -> PhpResult<ZBox<ZendHashTable>> {
    let buckets = convert::buckets(buckets, MAX_BUCKET_LEN)?;
    let cost = ratelimit::cost(cost.0)?;
    Ok(convert::counted(&decide(&buckets, cost)?))
}

/// What a hit of cost 1 would get, counting nothing.
#[php_function]
pub fn lpapi_rate_peek(
    bucket: Bytes,
    per_minute: Int,
    per_hour: Int,
) -> PhpResult<ZBox<ZendHashTable>> {
    let bucket = bucket_name(&bucket)?;
    let limits = Limits::minute_hour(per_minute.0, per_hour.0)?;
    if let RedisAccess::Client(client, _) = redis() {
        let mut guard = client.lock();
        if let Ok(answer) = guard.0.decide(&[(bucket, limits)], 1, false) {
            let stored = answer.stored.first().copied().unwrap_or_default();
            let view = ratelimit::View::of(&stored, answer.now, limits, 1);
            return Ok(convert::decision(&ratelimit::Decision::of(
                &[view],
                answer.now,
                view.fits(),
            )));
        }
    }
    let decision = limiter()?.peek(bucket, limits)?;
    Ok(convert::decision(&decision))
}

/// Forgets the counts of `bucket` (in Redis too, when it is configured).
#[php_function]
pub fn lpapi_rate_reset(bucket: Bytes) -> PhpResult<()> {
    let bucket = bucket_name(&bucket)?;
    if let RedisAccess::Client(client, _) = redis() {
        let _ = client.lock().0.reset(bucket);
    }
    limiter()?.reset(bucket)?;
    Ok(())
}

/// The record cached in this process under `hash`, or null.
#[php_function]
pub fn lpapi_cache_get(hash: Bytes) -> Option<ZBox<ZendHashTable>> {
    if cache_bypassed() {
        return None; // Redis is down: every request reads its key afresh.
    }
    let generation = generation();
    let mut cache = cache().lock();
    match cache.get(&hash.0, now_ms(), generation)? {
        crate::cache::Value::Array(items) => Some(convert::from_items(items)),
        _ => None, // lpapi_cache_put only stores arrays
    }
}

/// Caches `record` in this process under `hash` for `ttl` seconds.
#[php_function]
pub fn lpapi_cache_put(hash: Bytes, record: &ZendHashTable, ttl: Int) -> PhpResult<()> {
    let ttl = ttl.0;
    if !(1..=MAX_TTL_SECONDS).contains(&ttl) {
        return Err(Error::InvalidArgument(format!(
            "ttl must be between 1 and {MAX_TTL_SECONDS} seconds"
        ))
        .into());
    }
    let value = convert::to_value(record, 0)?;
    if cache_bypassed() {
        return Ok(()); // Nothing cached while Redis is down: it could not be invalidated.
    }
    let generation = generation();
    let ttl_ms = u64::try_from(ttl).unwrap_or(0) * 1000;
    cache()
        .lock()
        .put(&hash.0, value, ttl_ms, now_ms(), generation);
    Ok(())
}

/// Bumps the shared generation: every process drops its key cache on its
/// next access. Returns the new generation.
#[php_function]
pub fn lpapi_cache_invalidate() -> i64 {
    let generation = bump_generation();
    if let RedisAccess::Client(client, _) = redis() {
        // Every server reads Redis's generation back with its next decision.
        if client.lock().0.bump_generation().is_err()
            && let Ok(table) = table()
        {
            table.defer_redis_bump();
        }
    }
    i64::try_from(generation).unwrap_or(i64::MAX)
}

/// Version, shared-memory use and cache statistics.
#[php_function]
pub fn lpapi_info() -> ZBox<ZendHashTable> {
    let cache = cache().lock().stats();
    let cache_array = Assoc::new()
        .set("entries", long(cache.entries))
        .set("capacity", long(cache.capacity))
        .set("hits", long(cache.hits))
        .set("misses", long(cache.misses))
        .set("evictions", long(cache.evictions))
        .set("flushes", long(cache.flushes))
        .build();
    let mut info = Assoc::new()
        .set("version", string(lifecycle::VERSION))
        .set("native", boolean(true));
    info = match table() {
        Ok(table) => {
            let stats = table.stats(now_minute(SystemClock.now()));
            info.set("shared_memory", boolean(true))
                .set("slots_used", long(stats.slots_used))
                .set("slots_assigned", long(stats.slots_assigned))
                .set("slots_total", long(stats.slots_total))
                .set("shm_bytes", long(stats.bytes))
                .set("generation", long(stats.generation))
                .set("rate_table_full_events", long(stats.full_events))
                .set("rate_slot_reclaims", long(stats.reclaims))
                .set("rate_lock_takeovers", long(stats.lock_takeovers))
                .set(
                    "shm_name",
                    table.origin().name().map_or_else(Zval::null, string),
                )
                .set("shm_origin", string(table.origin().kind()))
                .set("shm_created_at", long(stats.created_at))
        }
        Err(e) => info
            .set("shared_memory", boolean(false))
            .set("shared_memory_error", string(&e.to_string()))
            .set("slots_used", long(0))
            .set("slots_assigned", long(0))
            .set("slots_total", long(0))
            .set("shm_bytes", long(0))
            .set("generation", long(generation()))
            .set("rate_table_full_events", long(0))
            .set("rate_slot_reclaims", long(0))
            .set("rate_lock_takeovers", long(0))
            .set("shm_name", Zval::null())
            .set("shm_origin", string("none"))
            .set("shm_created_at", long(0)),
    };
    let redis_info = match redis() {
        RedisAccess::None => Zval::null(),
        RedisAccess::Invalid(e) => convert::array(
            Assoc::new()
                .set("url", string(""))
                .set("state", string("down"))
                .set("down_policy", string(redis_policy().name()))
                .set("last_error", string(&e.to_string()))
                .set("retry_in", long(0))
                .build(),
        ),
        RedisAccess::Client(client, policy) => {
            let guard = client.lock();
            let store = &guard.0;
            let state = match store.up() {
                None => "unknown",
                Some(true) => "up",
                Some(false) => "down",
            };
            convert::array(
                Assoc::new()
                    .set("url", string(store.url().display()))
                    .set("state", string(state))
                    .set("down_policy", string(policy.name()))
                    .set(
                        "last_error",
                        store.last_error().map_or_else(Zval::null, string),
                    )
                    .set("retry_in", long(store.retry_in()))
                    .build(),
            )
        }
    };
    let rate_store = if matches!(redis(), RedisAccess::None) {
        "shared_memory"
    } else {
        "redis"
    };
    info.set("started_by_pid", long(lifecycle::started_by_pid()))
        .set("cache", convert::array(cache_array))
        .set("rate_store", string(rate_store))
        .set("redis", redis_info)
        .build()
}

#[php_module]
pub fn get_module(module: ModuleBuilder) -> ModuleBuilder {
    module
        .name("lpapi")
        .version(lifecycle::VERSION)
        .startup_function(lifecycle::startup)
        .info_function(lifecycle::info)
        .function(wrap_function!(lpapi_key_generate))
        .function(wrap_function!(lpapi_key_parse))
        .function(wrap_function!(lpapi_key_hash))
        .function(wrap_function!(lpapi_key_verify))
        .function(wrap_function!(lpapi_rate_hit))
        .function(wrap_function!(lpapi_rate_hit_many))
        .function(wrap_function!(lpapi_rate_peek))
        .function(wrap_function!(lpapi_rate_reset))
        .function(wrap_function!(lpapi_cache_get))
        .function(wrap_function!(lpapi_cache_put))
        .function(wrap_function!(lpapi_cache_invalidate))
        .function(wrap_function!(lpapi_info))
}
