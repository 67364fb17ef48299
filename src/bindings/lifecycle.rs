//! Module start-up (INI settings, the shared table), `phpinfo()` and the
//! process-wide state the functions use.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use ext_php_rs::flags::IniEntryPermission;
use ext_php_rs::zend::{ExecutorGlobals, IniEntryDef, IniEntryDefs, ModuleEntry, SapiModule};
use ext_php_rs::{info_table_end, info_table_header, info_table_row, info_table_start};
use parking_lot::Mutex;

use crate::cache::KeyCache;
use crate::counting::Seen;
use crate::error::Error;
use crate::ratelimit::{Clock, SystemClock, now_minute};
use crate::redis_store::{DownPolicy, RedisStore, RedisUrl};
use crate::shm::SharedTable;

/// The extension's version, as PHP reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// INI: slots of the shared rate-limit table (64 bytes each).
pub const INI_RATE_SLOTS: &str = "lpapi.rate_slots";
/// INI: most key records each process caches.
pub const INI_CACHE_ENTRIES: &str = "lpapi.cache_entries";
/// INI: the named shared-memory object holding the table (`/dev/shm/<name>`);
/// empty: `lpapi-<euid>` under a server SAPI, private to the process under the CLI.
pub const INI_SHM_NAME: &str = "lpapi.shm_name";
/// INI: Redis for several web servers (`redis://…` or `unix://…`); empty: none.
pub const INI_REDIS_URL: &str = "lpapi.redis_url";
/// INI: what to do while Redis is down: `local` (count per server) or `refuse`.
pub const INI_REDIS_DOWN: &str = "lpapi.redis_down";
/// SAPIs whose table is private to the process unless `lpapi.shm_name` is set:
/// each run is its own program, with no workers to share counters with.
const PRIVATE_SAPIS: [&str; 3] = ["cli", "phpdbg", "embed"];
const DEFAULT_RATE_SLOTS: usize = 16_384;
const DEFAULT_CACHE_ENTRIES: usize = 1_024;

static INI_ENTRIES: IniEntryDefs<6> = IniEntryDefs::new([
    IniEntryDef::new(c"lpapi.rate_slots", c"16384", IniEntryPermission::System),
    IniEntryDef::new(c"lpapi.cache_entries", c"1024", IniEntryPermission::System),
    IniEntryDef::new(c"lpapi.shm_name", c"", IniEntryPermission::System),
    IniEntryDef::new(c"lpapi.redis_url", c"", IniEntryPermission::System),
    IniEntryDef::new(c"lpapi.redis_down", c"local", IniEntryPermission::System),
    IniEntryDef::end(),
]);

/// The shared table, opened once in MINIT (in php-fpm's master, before the
/// workers fork, so they all inherit the same mapping). It lives as long as
/// the process; a later MINIT in the same process keeps it.
static TABLE: OnceLock<Result<SharedTable, Error>> = OnceLock::new();
/// This process's key cache.
static CACHE: OnceLock<Mutex<KeyCache>> = OnceLock::new();
/// `lpapi.redis_url` and `lpapi.redis_down`, read in MINIT (no connection is
/// made there: a socket opened before php-fpm forks would be every worker's).
/// `None`: no Redis configured.
static REDIS_CONFIG: OnceLock<Option<Result<(RedisUrl, DownPolicy), Error>>> = OnceLock::new();
/// This process's Redis client, made on first use (after the fork).
static REDIS: OnceLock<Mutex<(RedisStore, Seen)>> = OnceLock::new();
/// Bumped whenever this process must drop its key cache for a reason the
/// shared generation does not carry (Redis's generation moved, Redis went
/// down or came back); part of the generation the cache checks.
static LOCAL_FLUSHES: AtomicU64 = AtomicU64::new(0);
/// The cache generation when there is no shared table (one process only).
static LOCAL_GENERATION: AtomicU64 = AtomicU64::new(0);
/// The process that ran MINIT and made the table. Under php-fpm this is the
/// master; a worker seeing its own pid here made a private table (the
/// extension was loaded per pool, after the fork) and counts alone.
static STARTED_BY_PID: AtomicU64 = AtomicU64::new(0);
/// Monotonic origin of cache times.
static STARTED: OnceLock<Instant> = OnceLock::new();

/// An INI setting as a whole number: the default when unset, an error naming
/// the setting when it is not a whole number.
fn ini_usize(name: &str, default: usize) -> Result<usize, Error> {
    match ExecutorGlobals::get()
        .ini_values()
        .get(name)
        .cloned()
        .flatten()
    {
        None => Ok(default),
        Some(v) if v.trim().is_empty() => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| {
            Error::InvalidArgument(format!("{name} must be a whole number, not {v:?}"))
        }),
    }
}

/// MINIT: registers the INI settings and creates the shared table. A table
/// that cannot be made is remembered as an error for the rate functions to
/// throw; PHP itself still starts.
pub extern "C" fn startup(_type: i32, module_number: i32) -> i32 {
    IniEntryDef::register(INI_ENTRIES.as_slice(), module_number);
    if super::exceptions::register().is_err() {
        return 1; // PHP reports "Unable to start lpapi module".
    }
    let slots = ini_usize(INI_RATE_SLOTS, DEFAULT_RATE_SLOTS);
    let entries =
        ini_usize(INI_CACHE_ENTRIES, DEFAULT_CACHE_ENTRIES).unwrap_or(DEFAULT_CACHE_ENTRIES);
    TABLE.get_or_init(|| {
        slots.and_then(|slots| match shm_name() {
            Some(name) => SharedTable::open(&name, slots),
            None => SharedTable::create(slots),
        })
    });
    CACHE.get_or_init(|| Mutex::new(KeyCache::new(entries)));
    REDIS_CONFIG.get_or_init(redis_config);
    STARTED.get_or_init(Instant::now);
    STARTED_BY_PID.store(u64::from(std::process::id()), Ordering::SeqCst);
    0
}

fn ini_string(name: &str) -> String {
    ExecutorGlobals::get()
        .ini_values()
        .get(name)
        .cloned()
        .flatten()
        .map(|v| v.trim().to_owned())
        .unwrap_or_default()
}

fn redis_config() -> Option<Result<(RedisUrl, DownPolicy), Error>> {
    let url = ini_string(INI_REDIS_URL);
    if url.is_empty() {
        return None;
    }
    Some(
        RedisUrl::parse(&url)
            .and_then(|u| Ok((u, DownPolicy::parse(&ini_string(INI_REDIS_DOWN))?))),
    )
}

/// How the rate functions reach Redis in this process.
pub enum RedisAccess {
    /// No `lpapi.redis_url`.
    None,
    /// The URL or policy is invalid: treated as Redis being down.
    Invalid(Error),
    /// The client (made on first use) and the policy.
    Client(&'static Mutex<(RedisStore, Seen)>, DownPolicy),
}

/// This process's Redis, if configured.
pub fn redis() -> RedisAccess {
    match REDIS_CONFIG.get_or_init(redis_config) {
        None => RedisAccess::None,
        Some(Err(e)) => RedisAccess::Invalid(e.clone()),
        Some(Ok((url, policy))) => RedisAccess::Client(
            REDIS.get_or_init(|| Mutex::new((RedisStore::new(url.clone()), Seen::default()))),
            *policy,
        ),
    }
}

/// The `lpapi.redis_down` policy (local when unset or invalid).
pub fn redis_policy() -> DownPolicy {
    DownPolicy::parse(&ini_string(INI_REDIS_DOWN)).unwrap_or(DownPolicy::Local)
}

/// Makes this process drop its key cache on its next access.
pub fn flush_cache() {
    LOCAL_FLUSHES.fetch_add(1, Ordering::SeqCst);
}

/// Whether the key cache is to be bypassed: Redis is configured and found down.
pub fn cache_bypassed() -> bool {
    match redis() {
        RedisAccess::None => false,
        RedisAccess::Invalid(_) => true,
        RedisAccess::Client(client, _) => {
            table().is_ok_and(SharedTable::redis_down) || client.lock().0.waiting()
        }
    }
}

/// The SAPI PHP runs under ("fpm-fcgi", "cli", …).
fn sapi_name() -> String {
    let name = SapiModule::get().name;
    if name.is_null() {
        return String::new();
    }
    // SAFETY: the SAPI's name is a NUL-terminated string it owns for the
    // life of the process.
    unsafe { std::ffi::CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned()
}

/// The shared-memory object to open: `lpapi.shm_name`, or when it is empty
/// `lpapi-<euid>` under a server SAPI; `None` for a private table.
fn shm_name() -> Option<String> {
    let set = ExecutorGlobals::get()
        .ini_values()
        .get(INI_SHM_NAME)
        .cloned()
        .flatten()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    if set.is_some() {
        return set;
    }
    if PRIVATE_SAPIS.contains(&sapi_name().as_str()) {
        return None;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    Some(format!("lpapi-{}", unsafe { libc::geteuid() }))
}

/// The pid of the process that started the module (see [`STARTED_BY_PID`]).
pub fn started_by_pid() -> u64 {
    STARTED_BY_PID.load(Ordering::SeqCst)
}

/// The shared table, or why there is none.
///
/// # Errors
/// [`Error::SharedMemory`] when MINIT did not run or could not map it.
pub fn table() -> Result<&'static SharedTable, Error> {
    match TABLE.get() {
        Some(Ok(table)) => Ok(table),
        // A table that could not be made is a shared-memory problem to the
        // caller, whatever the reason (a bad lpapi.rate_slots, mmap failing).
        Some(Err(e @ Error::SharedMemory(_))) => Err(e.clone()),
        Some(Err(e)) => Err(Error::SharedMemory(e.to_string())),
        None => Err(Error::SharedMemory("the module was not started".to_owned())),
    }
}

/// The current cache generation: the shared one (when the table exists)
/// plus this process's own flushes.
pub fn generation() -> u64 {
    table()
        .map_or_else(
            |_| LOCAL_GENERATION.load(Ordering::SeqCst),
            SharedTable::generation,
        )
        .wrapping_add(LOCAL_FLUSHES.load(Ordering::SeqCst) << 40)
}

/// Bumps the generation everywhere it is visible and returns it.
pub fn bump_generation() -> u64 {
    table().map_or_else(
        |_| LOCAL_GENERATION.fetch_add(1, Ordering::SeqCst) + 1,
        SharedTable::bump_generation,
    )
}

/// This process's cache.
pub fn cache() -> &'static Mutex<KeyCache> {
    CACHE.get_or_init(|| Mutex::new(KeyCache::new(DEFAULT_CACHE_ENTRIES)))
}

/// Milliseconds on a monotonic clock (TTLs must not jump with the wall clock).
pub fn now_ms() -> u64 {
    u64::try_from(STARTED.get_or_init(Instant::now).elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The `phpinfo()` section.
pub extern "C" fn info(_module: *mut ModuleEntry) {
    info_table_start!();
    info_table_header!("LatePoint API keys native core", "enabled");
    info_table_row!("Version", VERSION);
    match table() {
        Ok(table) => {
            let stats = table.stats(now_minute(SystemClock.now()));
            info_table_row!("Rate-limit table", "shared memory (exact across processes)");
            info_table_row!("Shared memory object", table.origin().describe());
            info_table_row!(
                "Slots used / total",
                format!("{} / {}", stats.slots_used, stats.slots_total)
            );
            info_table_row!("Shared memory", format!("{} bytes", stats.bytes));
            info_table_row!("Key cache generation", stats.generation.to_string());
        }
        Err(e) => info_table_row!("Rate-limit table", e.to_string()),
    }
    let cache = cache().lock().stats();
    info_table_row!(
        "Key cache (this process)",
        format!("{} / {} entries", cache.entries, cache.capacity)
    );
    for (name, default) in [
        (INI_RATE_SLOTS, DEFAULT_RATE_SLOTS),
        (INI_CACHE_ENTRIES, DEFAULT_CACHE_ENTRIES),
    ] {
        let value = ini_usize(name, default).map_or_else(|e| e.to_string(), |v| v.to_string());
        info_table_row!(name, value);
    }
    info_table_row!(
        INI_SHM_NAME,
        shm_name().unwrap_or_else(|| "(private)".to_owned())
    );
    info_table_end!();
}
