//! Rate counters in Redis, for several web servers (README "Several web
//! servers"): one decision is one round trip, a pipeline of the atomic script
//! `rate-limit.lua` (every window of every bucket, checked and counted on
//! Redis's clock) and a read of the key-cache generation.
//!
//! The connection is made lazily, in the process that uses it (never in
//! MINIT: a socket made before php-fpm forks would be shared by every worker),
//! kept for the life of the process, and made again after a fork. Connects,
//! reads and writes time out quickly; after a failure the next attempt waits
//! (0.5 s, doubling to 30 s), so a request never hangs on a dead Redis.
//!
//! No password ever appears in what this module displays or reports.

use std::time::{Duration, Instant};

use redis::{ConnectionAddr, ConnectionInfo, IntoConnectionInfo, RedisConnectionInfo};

use crate::error::Error;
use crate::ratelimit::{Counters, Limits, Window};

/// The script, shared with the plugin's pure-PHP fallback.
pub const SCRIPT: &str =
    include_str!("../wp-plugin/latepoint-api-keys/includes/redis/rate-limit.lua");
/// Seconds a bucket's hash lives after its last change: past its day window.
const BUCKET_TTL: u64 = 2 * 86_400;
/// The default key prefix.
const DEFAULT_PREFIX: &str = "lpapi:";
/// The default connect, read and write timeout.
const DEFAULT_TIMEOUT_MS: u64 = 250;
/// The first and the longest wait before reconnecting after a failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What to do when Redis cannot be reached (`lpapi.redis_down`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DownPolicy {
    /// Count on this server's shared table meanwhile (exact per server only).
    Local,
    /// Refuse the request.
    Refuse,
}

impl DownPolicy {
    /// Parses `local` or `refuse` (empty: `local`).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else.
    pub fn parse(value: &str) -> Result<Self, Error> {
        match value.trim() {
            "" | "local" => Ok(Self::Local),
            "refuse" => Ok(Self::Refuse),
            other => Err(Error::InvalidArgument(format!(
                "lpapi.redis_down must be local or refuse, not {other:?}"
            ))),
        }
    }

    /// The setting's value.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Refuse => "refuse",
        }
    }
}

/// A parsed `lpapi.redis_url`.
#[derive(Clone)]
pub struct RedisUrl {
    info: ConnectionInfo,
    prefix: Vec<u8>,
    timeout: Duration,
    display: String,
}

impl std::fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisUrl")
            .field("url", &self.display)
            .finish_non_exhaustive()
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::InvalidArgument(format!("lpapi.redis_url: {}", message.into()))
}

/// Percent-decodes a URL part.
fn decode(part: &str) -> Result<String, Error> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = part
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad("a bad %-escape"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad("a %-escape that is not UTF-8"))
}

/// The host, port, credentials and database of a `redis://` URL's main part.
fn tcp_address(
    main: &str,
    user: &mut Option<String>,
    password: &mut Option<String>,
    db: &mut i64,
) -> Result<ConnectionAddr, Error> {
    let (auth, host_part) = match main.rsplit_once('@') {
        Some((auth, host)) => (Some(auth), host),
        None => (None, main),
    };
    if let Some(auth) = auth {
        let (u, p) = auth
            .split_once(':')
            .map_or((auth, None), |(u, p)| (u, Some(p)));
        *user = Some(decode(u)?).filter(|u| !u.is_empty());
        *password = p.map(decode).transpose()?.filter(|p| !p.is_empty());
    }
    let (address, path) = host_part.split_once('/').unwrap_or((host_part, ""));
    if !path.is_empty() {
        *db = i64::try_from(whole("the database", path, 2_147_483_647)?).unwrap_or(0);
    }
    let (host, port) = match address.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h, u16::try_from(whole("the port", p, 65_535)?).unwrap_or(0))
        }
        _ => (address, 6379),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || port == 0 {
        return Err(bad("a host and a port from 1 to 65535 are needed"));
    }
    Ok(ConnectionAddr::Tcp(host.to_owned(), port))
}

/// `url` with its password (the user info's, or a `password=` parameter)
/// replaced by `***`.
#[must_use]
pub fn redact(url: &str) -> String {
    let Some((head, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (main, query) = rest
        .split_once('?')
        .map_or((rest, None), |(m, q)| (m, Some(q)));
    let main = match main.rsplit_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, password)) if !password.is_empty() => format!("{user}:***@{host}"),
            _ => format!("{auth}@{host}"),
        },
        None => main.to_owned(),
    };
    let query = query.map(|q| {
        q.split('&')
            .map(|pair| {
                if pair.starts_with("password=") {
                    "password=***".to_owned()
                } else {
                    pair.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    });
    match query {
        Some(q) => format!("{head}://{main}?{q}"),
        None => format!("{head}://{main}"),
    }
}

/// A whole number from 0 to `max`, or an error naming `name`.
fn whole(name: &str, value: &str, max: u64) -> Result<u64, Error> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| *n <= max)
        .ok_or_else(|| bad(format!("{name} must be a whole number from 0 to {max}")))
}

impl RedisUrl {
    /// Parses `redis://[user[:password]@]host[:port][/db][?prefix=P&timeout_ms=N]`
    /// or `unix:///path[?db=N&user=U&password=P&prefix=P&timeout_ms=N]`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] saying what is wrong, never with the password.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let url = url.trim();
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected redis://host:port/db or unix:///path/to/redis.sock"))?;
        let (main, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut db: i64 = 0;
        let mut user: Option<String> = None;
        let mut password: Option<String> = None;
        let mut prefix = DEFAULT_PREFIX.to_owned();
        let mut timeout_ms = DEFAULT_TIMEOUT_MS;
        let mut params: Vec<(String, String)> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.push((decode(k)?, decode(v)?));
        }
        for (i, (name, _)) in params.iter().enumerate() {
            if params[..i].iter().any(|(n, _)| n == name) {
                return Err(bad(format!("the parameter {name:?} is given twice")));
            }
        }
        for (name, value) in &params {
            match name.as_str() {
                "prefix" => prefix.clone_from(value),
                "timeout_ms" => timeout_ms = whole("timeout_ms", value, 60_000)?.max(1),
                "db" if scheme == "unix" => {
                    db = i64::try_from(whole("db", value, 2_147_483_647)?).unwrap_or(0);
                }
                "user" if scheme == "unix" => user = Some(value.clone()),
                "password" if scheme == "unix" => password = Some(value.clone()),
                other => return Err(bad(format!("unknown parameter {other:?}"))),
            }
        }
        let addr = match scheme {
            "redis" => tcp_address(main, &mut user, &mut password, &mut db)?,
            "unix" => {
                if main.is_empty() || !main.starts_with('/') {
                    return Err(bad("unix:// needs an absolute socket path"));
                }
                ConnectionAddr::Unix(std::path::PathBuf::from(decode(main)?))
            }
            "rediss" => {
                return Err(bad(
                    "rediss:// (TLS) is not supported: reach Redis over a private network or a local TLS tunnel with redis:// or unix://",
                ));
            }
            other => {
                return Err(bad(format!(
                    "unknown scheme {other:?}: use redis:// or unix://"
                )));
            }
        };
        let display = redact(url);
        let mut redis = RedisConnectionInfo::default()
            .set_db(db)
            .set_skip_set_lib_name();
        if let Some(u) = &user {
            redis = redis.set_username(u);
        }
        if let Some(p) = &password {
            redis = redis.set_password(p);
        }
        let info = addr
            .into_connection_info()
            .map_err(|e| bad(e.to_string()))?
            .set_redis_settings(redis);
        Ok(Self {
            info,
            prefix: prefix.into_bytes(),
            timeout: Duration::from_millis(timeout_ms),
            display,
        })
    }

    /// The URL with any password replaced by `***`.
    #[must_use]
    pub fn display(&self) -> &str {
        &self.display
    }

    fn key(&self, name: &[u8]) -> Vec<u8> {
        let mut key = self.prefix.clone();
        key.extend_from_slice(name);
        key
    }
}

/// What Redis answered for one decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// Whether the script admitted (and counted) the hit.
    pub admitted: bool,
    /// Redis's clock, in epoch seconds.
    pub now: u64,
    /// Each bucket's counters as stored before the hit.
    pub stored: Vec<Counters>,
    /// The key-cache generation.
    pub generation: u64,
}

/// This process's Redis client: the connection and its failures.
pub struct RedisStore {
    url: RedisUrl,
    /// The script's SHA-1, as `SCRIPT LOAD` on this connection returned it.
    sha: Option<String>,
    connection: Option<(u32, redis::Connection)>,
    retry_at: Option<Instant>,
    backoff: Duration,
    last_error: Option<String>,
    up: Option<bool>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.url.display)
            .field("up", &self.up)
            .finish_non_exhaustive()
    }
}

fn clamp(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

impl RedisStore {
    /// A client for `url`; it connects on first use.
    #[must_use]
    pub fn new(url: RedisUrl) -> Self {
        Self {
            url,
            sha: None,
            connection: None,
            retry_at: None,
            backoff: FIRST_BACKOFF,
            last_error: None,
            up: None,
        }
    }

    /// The URL, without its password.
    #[must_use]
    pub fn url(&self) -> &RedisUrl {
        &self.url
    }

    /// `Some(true)` after a success, `Some(false)` after a failure, `None` before any use.
    #[must_use]
    pub fn up(&self) -> Option<bool> {
        self.up
    }

    /// The last failure, without any password.
    #[must_use]
    pub fn last_error(&self) -> Option<&str> {
        self.last_error.as_deref()
    }

    /// Seconds until the next connection attempt (0: the next use tries).
    #[must_use]
    pub fn retry_in(&self) -> u64 {
        self.retry_at.map_or(0, |at| {
            // Rounded up: 1 while any wait is left.
            u64::try_from(
                at.saturating_duration_since(Instant::now())
                    .as_millis()
                    .div_ceil(1000),
            )
            .unwrap_or(u64::MAX)
        })
    }

    /// Whether a call now would not even try (waiting after a failure).
    #[must_use]
    pub fn waiting(&self) -> bool {
        self.retry_at.is_some_and(|at| Instant::now() < at)
    }

    fn fail(&mut self, what: &str, e: &redis::RedisError) -> Error {
        self.connection = None;
        self.up = Some(false);
        self.retry_at = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        // redis-rs errors name the address, never the password; say so in one place anyway.
        let mut message = format!("{what} {}: {e}", self.url.display);
        if let Some(p) = self.url.info.redis_settings().password() {
            message = message.replace(p, "***");
        }
        self.last_error = Some(message.clone());
        Error::RateStore(message)
    }

    fn connection(&mut self) -> Result<&mut redis::Connection, Error> {
        let pid = std::process::id();
        if self
            .connection
            .as_ref()
            .is_some_and(|(owner, _)| *owner != pid)
        {
            // Made before a fork: the parent's socket, not this process's.
            self.connection = None;
        }
        if self.connection.is_none() {
            if self.waiting() {
                return Err(Error::RateStore(format!(
                    "{} is down; next attempt in {} s",
                    self.url.display,
                    self.retry_in()
                )));
            }
            let made = redis::Client::open(self.url.info.clone())
                .and_then(|c| c.get_connection_with_timeout(self.url.timeout))
                .and_then(|mut c| {
                    c.set_read_timeout(Some(self.url.timeout))?;
                    c.set_write_timeout(Some(self.url.timeout))?;
                    let sha: String = redis::cmd("SCRIPT").arg("LOAD").arg(SCRIPT).query(&mut c)?;
                    Ok((c, sha))
                });
            match made {
                Ok((c, sha)) => {
                    self.connection = Some((pid, c));
                    self.sha = Some(sha);
                }
                Err(e) => return Err(self.fail("cannot connect to", &e)),
            }
        }
        match self.connection.as_mut() {
            Some((_, c)) => Ok(c),
            None => Err(Error::RateStore("no connection".to_owned())),
        }
    }

    fn succeeded(&mut self) {
        self.up = Some(true);
        self.retry_at = None;
        self.backoff = FIRST_BACKOFF;
    }

    /// One decision: checks (and with `write`, counts) `cost` against every
    /// window of every bucket, and reads the key-cache generation, in one
    /// round trip.
    ///
    /// # Errors
    /// [`Error::RateStore`] when Redis cannot be reached or answers oddly.
    pub fn decide(
        &mut self,
        buckets: &[(&[u8], Limits)],
        cost: u32,
        write: bool,
    ) -> Result<Answer, Error> {
        let keys: Vec<Vec<u8>> = buckets.iter().map(|(n, _)| self.url.key(n)).collect();
        let generation_key = self.url.key(b"generation");
        let mut args: Vec<u64> = vec![u64::from(cost), u64::from(write), BUCKET_TTL];
        for (_, limits) in buckets {
            for w in Window::ALL {
                args.push(limits.of(w).map_or(0, u64::from));
            }
        }
        self.connection()?; // Connects (and loads the script) if need be.
        let sha = self.sha.clone().unwrap_or_default();
        let con = self.connection()?;
        let run = |con: &mut redis::Connection, by_sha: bool| {
            let mut pipe = redis::pipe();
            if by_sha {
                pipe.cmd("EVALSHA").arg(&sha);
            } else {
                // Redis lost its script cache (a restart, SCRIPT FLUSH): send the script itself.
                pipe.cmd("EVAL").arg(SCRIPT);
            }
            pipe.arg(keys.len()).arg(&keys).arg(&args);
            pipe.cmd("GET").arg(&generation_key);
            pipe.query::<(Vec<i64>, Option<u64>)>(con)
        };
        let answer = match run(con, true) {
            Err(e) if e.code() == Some("NOSCRIPT") => run(con, false),
            other => other,
        };
        let (reply, generation) = match answer {
            Ok(a) => a,
            Err(e) => return Err(self.fail("lost", &e)),
        };
        if reply.len() != 2 + 4 * buckets.len() {
            let e = redis::RedisError::from((
                redis::ErrorKind::UnexpectedReturnType,
                "an answer of the wrong length",
            ));
            return Err(self.fail("a bad answer from", &e));
        }
        self.succeeded();
        let stored = reply[2..]
            .chunks_exact(4)
            .map(|c| Counters {
                minute: clamp(c[0]),
                counts: [clamp(c[1]), clamp(c[2]), clamp(c[3])],
            })
            .collect();
        Ok(Answer {
            admitted: reply[0] == 1,
            now: u64::try_from(reply[1]).unwrap_or(0),
            stored,
            generation: generation.unwrap_or(0),
        })
    }

    /// Forgets a bucket's counts.
    ///
    /// # Errors
    /// [`Error::RateStore`] when Redis cannot be reached.
    pub fn reset(&mut self, bucket: &[u8]) -> Result<(), Error> {
        let key = self.url.key(bucket);
        let con = self.connection()?;
        match redis::cmd("DEL").arg(key).query::<i64>(con) {
            Ok(_) => {
                self.succeeded();
                Ok(())
            }
            Err(e) => Err(self.fail("lost", &e)),
        }
    }

    /// Bumps the key-cache generation every server reads back; returns it.
    ///
    /// # Errors
    /// [`Error::RateStore`] when Redis cannot be reached.
    pub fn bump_generation(&mut self) -> Result<u64, Error> {
        let key = self.url.key(b"generation");
        let con = self.connection()?;
        match redis::cmd("INCR").arg(key).query::<u64>(con) {
            Ok(g) => {
                self.succeeded();
                Ok(g)
            }
            Err(e) => Err(self.fail("lost", &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_their_parts_and_never_show_the_password() {
        let url =
            RedisUrl::parse("redis://app:s%40cret@10.0.0.5:6380/2?prefix=shop:&timeout_ms=100")
                .expect("valid");
        assert_eq!(
            url.display(),
            "redis://app:***@10.0.0.5:6380/2?prefix=shop:&timeout_ms=100"
        );
        assert_eq!(url.info.redis_settings().password(), Some("s@cret"));
        assert_eq!(url.info.redis_settings().username(), Some("app"));
        assert_eq!(url.info.redis_settings().db(), 2);
        assert_eq!(url.key(b"k"), b"shop:k".to_vec());
        assert_eq!(url.timeout, Duration::from_millis(100));
        let unix = RedisUrl::parse("unix:///run/redis.sock?db=3&password=pw").expect("valid");
        assert_eq!(unix.display(), "unix:///run/redis.sock?db=3&password=***");
        assert_eq!(unix.info.redis_settings().password(), Some("pw"));
        assert_eq!(unix.info.redis_settings().db(), 3);
        let plain = RedisUrl::parse("redis://127.0.0.1").expect("valid");
        assert_eq!(plain.display(), "redis://127.0.0.1");
    }

    #[test]
    fn bad_urls_say_what_is_wrong_without_the_password() {
        for (url, says) in [
            ("rediss://:pw@host:6380", "TLS"),
            ("http://host", "unknown scheme"),
            ("redis://:pw@host:99999", "port"),
            ("redis://:pw@host/x", "database"),
            ("redis://:pw@host?bogus=1", "unknown parameter"),
            ("redis://:pw@:6379", "host"),
            ("unix://relative.sock", "absolute"),
            ("host:6379", "expected"),
        ] {
            let e = RedisUrl::parse(url).expect_err(url).to_string();
            assert!(e.contains(says), "{url}: {e}");
            assert!(!e.contains("pw"), "{url}: {e}");
        }
    }

    #[test]
    fn the_down_policy_is_local_or_refuse() {
        assert_eq!(DownPolicy::parse(""), Ok(DownPolicy::Local));
        assert_eq!(DownPolicy::parse("refuse"), Ok(DownPolicy::Refuse));
        assert!(DownPolicy::parse("ignore").is_err());
    }
}
