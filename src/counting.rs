//! Where a decision is counted: in Redis, shared by every web server (scope
//! "cluster"), or in this host's shared table (scope "server": no Redis
//! configured, or Redis down and `lpapi.redis_down = local`).
//!
//! It also keeps the key cache honest across servers: the generation Redis
//! returns with each decision is compared with the last one this process saw,
//! and any move, as any switch of scope, tells the caller to drop its cache.
//! While Redis is down, the table's shared flag says so, so every process of
//! the host bypasses its cache (each request reads its key from the database,
//! and a revocation made on another server still takes effect); a key change
//! made meanwhile is remembered and pushed to Redis by the first process that
//! reaches it again.

use crate::error::Error;
use crate::ratelimit::{Clock, Counters, Decision, Limiter, Limits, View};
use crate::redis_store::{DownPolicy, RedisStore};
use crate::shm::SharedTable;

/// Which store counted a decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Redis: every server shares the counts.
    Cluster,
    /// This host's table.
    Server,
}

impl Scope {
    /// The scope's name in `X-RateLimit-Scope` and `lpapi_rate_hit_many()`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Cluster => "cluster",
            Self::Server => "server",
        }
    }
}

/// A decision and where it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The decision.
    pub decision: Decision,
    /// Where it was counted.
    pub scope: Scope,
    /// True in the one process that saw Redis go down or come back.
    pub scope_changed: bool,
    /// True when this process must drop its key cache (the generation moved,
    /// or this process's scope switched).
    pub flush_cache: bool,
}

/// A refusal to decide: Redis is down and the policy is `refuse`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Why, without any password.
    pub error: Error,
    /// True in the one process that saw Redis go down.
    pub scope_changed: bool,
}

/// This process's memory of Redis: the last generation and scope it saw.
#[derive(Debug, Default)]
pub struct Seen {
    generation: Option<u64>,
    scope: Option<Scope>,
}

impl Seen {
    /// Notes a decision's scope (and Redis's generation): whether the key
    /// cache must be dropped. The first observation drops nothing: what this
    /// process cached before it was read from the database.
    fn note(&mut self, scope: Scope, generation: Option<u64>) -> bool {
        let switched = self.scope.is_some_and(|s| s != scope);
        self.scope = Some(scope);
        let moved = match (generation, self.generation) {
            (Some(now), Some(before)) => now != before,
            _ => false,
        };
        if generation.is_some() {
            self.generation = generation;
        }
        switched || moved
    }
}

/// Turns the counters a store returned (as they were before the hit) into
/// the decision: counted when `admitted`.
#[must_use]
pub fn decision_of(
    stored: &[Counters],
    now: u64,
    limits: &[Limits],
    cost: u32,
    admitted: bool,
) -> Decision {
    let views: Vec<View> = stored
        .iter()
        .zip(limits)
        .map(|(s, l)| {
            let view = View::of(s, now, *l, cost);
            if admitted { view.count().0 } else { view }
        })
        .collect();
    Decision::of(&views, now, admitted)
}

/// One decision over `buckets`: in Redis when there is one (and it answers),
/// else in the table.
///
/// # Errors
/// `Err(Ok(Refused))` when Redis is down under the `refuse` policy;
/// `Err(Err(e))` for a table error (full, or no shared memory).
pub fn hit_many<C: Clock>(
    table: Result<&SharedTable, Error>,
    redis: Option<(&mut RedisStore, DownPolicy)>,
    seen: &mut Seen,
    clock: C,
    buckets: &[(&[u8], Limits)],
    cost: u32,
) -> Result<Counted, Result<Refused, Error>> {
    let table_ok = table.as_ref().ok().copied();
    if let Some((store, policy)) = redis {
        match store.decide(buckets, cost, true) {
            Ok(answer) => {
                let scope_changed = table_ok.is_some_and(|t| t.set_redis_down(false));
                if table_ok.is_some_and(SharedTable::take_redis_bump) {
                    // A key changed while Redis was down: every server must drop its cache.
                    let _ = store.bump_generation();
                }
                let limits: Vec<Limits> = buckets.iter().map(|(_, l)| *l).collect();
                let decision =
                    decision_of(&answer.stored, answer.now, &limits, cost, answer.admitted);
                let flush_cache = seen.note(Scope::Cluster, Some(answer.generation));
                return Ok(Counted {
                    decision,
                    scope: Scope::Cluster,
                    scope_changed,
                    flush_cache,
                });
            }
            Err(error) => {
                let scope_changed = table_ok.is_some_and(|t| t.set_redis_down(true));
                if policy == DownPolicy::Refuse {
                    seen.note(Scope::Server, None);
                    return Err(Ok(Refused {
                        error,
                        scope_changed,
                    }));
                }
                let flush_cache = seen.note(Scope::Server, None);
                let table = table.map_err(Err)?;
                let decision = Limiter::new(table, clock)
                    .hit_many(buckets, cost)
                    .map_err(Err)?;
                return Ok(Counted {
                    decision,
                    scope: Scope::Server,
                    scope_changed,
                    flush_cache,
                });
            }
        }
    }
    let table = table.map_err(Err)?;
    let decision = Limiter::new(table, clock)
        .hit_many(buckets, cost)
        .map_err(Err)?;
    Ok(Counted {
        decision,
        scope: Scope::Server,
        scope_changed: false,
        flush_cache: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_look_drops_nothing_and_any_move_or_switch_drops_the_cache() {
        let mut seen = Seen::default();
        assert!(!seen.note(Scope::Cluster, Some(4)));
        assert!(!seen.note(Scope::Cluster, Some(4)));
        assert!(seen.note(Scope::Cluster, Some(5)), "the generation moved");
        assert!(seen.note(Scope::Server, None), "Redis went down");
        assert!(!seen.note(Scope::Server, None));
        assert!(seen.note(Scope::Cluster, Some(5)), "Redis came back");
    }
}
