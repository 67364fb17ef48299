//! The two-window limiter (SPEC §4), table-driven on a fake clock. Every case
//! runs against both stores: the in-memory one and the shared-memory table.

use lpapi::error::Error;
use lpapi::ratelimit::{FakeClock, Limiter, Limits, MemoryStore, Store, Window};
use lpapi::shm::SharedTable;

/// An hour boundary: 2026-11-24T14:00:00Z.
const HOUR: u64 = 1_795_528_800;

enum Step {
    /// Move the clock to HOUR + offset seconds.
    At(u64),
    /// A hit with this cost; expect (allowed, remaining, reset offset, retry_after).
    Hit(u32, bool, u32, u64, u64),
    /// A peek; expect (allowed, remaining, retry_after).
    Peek(bool, u32, u64),
    /// Expect the minute and hour windows' remaining after the last call.
    Windows(u32, u32),
    Reset,
}
use Step::{At, Hit, Peek, Reset, Windows};

struct Case {
    name: &'static str,
    per_minute: i64,
    per_hour: i64,
    steps: Vec<Step>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "the minute window admits exactly its limit, then says when it resets",
            per_minute: 3,
            per_hour: 100,
            steps: vec![
                At(10),
                Hit(1, true, 2, 60, 0),
                Hit(1, true, 1, 60, 0),
                Hit(1, true, 0, 60, 0),
                Hit(1, false, 0, 60, 50),
                At(59),
                Hit(1, false, 0, 60, 1),
                Windows(0, 97),
            ],
        },
        Case {
            name: "a new minute starts from zero while the hour keeps counting",
            per_minute: 2,
            per_hour: 100,
            steps: vec![
                At(0),
                Hit(1, true, 1, 60, 0),
                Hit(1, true, 0, 60, 0),
                At(60),
                Hit(1, true, 1, 120, 0),
                Windows(1, 97),
            ],
        },
        Case {
            name: "the hour window binds across minutes and reports the hour's reset",
            per_minute: 10,
            per_hour: 4,
            steps: vec![
                At(0),
                Hit(1, true, 3, 3600, 0),
                At(61),
                Hit(1, true, 2, 3600, 0),
                At(122),
                Hit(2, true, 0, 3600, 0),
                At(3000),
                Hit(1, false, 0, 3600, 600),
                Windows(10, 0),
                At(3600),
                Hit(1, true, 3, 7200, 0),
            ],
        },
        Case {
            name: "denied hits do not count",
            per_minute: 1,
            per_hour: 5,
            steps: vec![
                At(0),
                Hit(1, true, 0, 60, 0),
                Hit(1, false, 0, 60, 60),
                Hit(1, false, 0, 60, 60),
                Hit(1, false, 0, 60, 60),
                Windows(0, 4),
                At(60),
                Hit(1, true, 0, 120, 0),
                Windows(0, 3),
            ],
        },
        Case {
            name: "a cost uses several units and is refused whole when it does not fit",
            per_minute: 5,
            per_hour: 100,
            steps: vec![
                At(30),
                Hit(3, true, 2, 60, 0),
                Hit(3, false, 2, 60, 30),
                Hit(2, true, 0, 60, 0),
                Windows(0, 95),
            ],
        },
        Case {
            name: "a cost above the limit is never admitted",
            per_minute: 2,
            per_hour: 100,
            steps: vec![At(0), Hit(3, false, 2, 60, 60), Windows(2, 100)],
        },
        Case {
            name: "peek counts nothing and reports what a hit of 1 would get",
            per_minute: 2,
            per_hour: 100,
            steps: vec![
                At(5),
                Peek(true, 2, 0),
                Peek(true, 2, 0),
                Hit(1, true, 1, 60, 0),
                Hit(1, true, 0, 60, 0),
                Peek(false, 0, 55),
                Windows(0, 98),
            ],
        },
        Case {
            name: "reset forgets both windows",
            per_minute: 2,
            per_hour: 3,
            steps: vec![
                At(0),
                Hit(1, true, 1, 60, 0),
                Hit(1, true, 0, 60, 0),
                Windows(0, 1),
                Reset,
                Peek(true, 2, 0),
                Windows(2, 3),
                Hit(1, true, 1, 60, 0),
            ],
        },
        Case {
            name: "on equal remaining the hour is the tighter window",
            per_minute: 5,
            per_hour: 5,
            steps: vec![At(0), Hit(1, true, 4, 3600, 0)],
        },
        Case {
            name: "when both windows refuse, retry-after waits for the later reset",
            per_minute: 1,
            per_hour: 1,
            steps: vec![
                At(0),
                Hit(1, true, 0, 3600, 0),
                At(100),
                Hit(1, false, 0, 3600, 3500),
            ],
        },
    ]
}

fn run_case<S: Store>(case: &Case, store: S, label: &str) {
    let clock = FakeClock::at(HOUR);
    let limiter = Limiter::new(store, &clock);
    let limits = Limits::minute_hour(case.per_minute, case.per_hour).expect("valid limits");
    let bucket = format!("bucket for {}", case.name);
    let mut last = None;
    for (i, step) in case.steps.iter().enumerate() {
        let at = format!("[{label}] {} (step {i})", case.name);
        match *step {
            At(offset) => clock.set(HOUR + offset),
            Hit(cost, allowed, remaining, reset, retry_after) => {
                let d = limiter.hit(bucket.as_bytes(), limits, cost).expect("hit");
                assert_eq!(d.allowed, allowed, "{at}: allowed");
                assert_eq!(d.tightest.2.remaining, remaining, "{at}: remaining");
                assert_eq!(d.tightest.2.reset, HOUR + reset, "{at}: reset");
                assert_eq!(d.retry_after, retry_after, "{at}: retry_after");
                last = Some(d);
            }
            Peek(allowed, remaining, retry_after) => {
                let d = limiter.peek(bucket.as_bytes(), limits).expect("peek");
                assert_eq!(d.allowed, allowed, "{at}: allowed");
                assert_eq!(d.tightest.2.remaining, remaining, "{at}: remaining");
                assert_eq!(d.retry_after, retry_after, "{at}: retry_after");
                last = Some(d);
            }
            Windows(minute, hour) => {
                let d = last.clone().expect("a call before Windows");
                assert_eq!(
                    (
                        d.window(0, Window::Minute).expect("minute").remaining,
                        d.window(0, Window::Hour).expect("hour").remaining
                    ),
                    (minute, hour),
                    "{at}: windows"
                );
                assert_eq!(
                    d.window(0, Window::Minute).expect("minute").limit,
                    limits.of(Window::Minute).expect("set"),
                    "{at}"
                );
                assert_eq!(
                    d.window(0, Window::Hour).expect("hour").limit,
                    limits.of(Window::Hour).expect("set"),
                    "{at}"
                );
            }
            Reset => limiter.reset(bucket.as_bytes()).expect("reset"),
        }
    }
}

#[test]
fn every_case_on_the_memory_store() {
    for case in cases() {
        run_case(&case, MemoryStore::default(), "memory");
    }
}

#[test]
fn every_case_on_the_shared_table() {
    let table = SharedTable::create(64).expect("shared table");
    for case in cases() {
        run_case(&case, &table, "shared");
    }
}

#[test]
fn limits_and_costs_must_be_positive_32_bit_integers() {
    for (m, h) in [(0, 1), (1, 0), (-1, 5), (5, i64::from(u32::MAX) + 1)] {
        assert!(
            matches!(Limits::minute_hour(m, h), Err(Error::InvalidArgument(_))),
            "{m}/{h}"
        );
    }
    assert!(Limits::minute_hour(1, i64::from(u32::MAX)).is_ok());
    assert!(lpapi::ratelimit::cost(0).is_err());
    assert!(lpapi::ratelimit::cost(-3).is_err());
    assert_eq!(lpapi::ratelimit::cost(2), Ok(2));
}

#[test]
fn buckets_do_not_share_counters() {
    let table = SharedTable::create(64).expect("shared table");
    let clock = FakeClock::at(HOUR);
    let limiter = Limiter::new(&table, &clock);
    let limits = Limits::minute_hour(3, 100).expect("limits");
    for bucket in 0..40 {
        for expected_remaining in [2, 1, 0] {
            let d = limiter
                .hit(format!("key:{bucket}").as_bytes(), limits, 1)
                .expect("hit");
            assert!(d.allowed);
            assert_eq!(
                d.window(0, Window::Minute).expect("minute").remaining,
                expected_remaining,
                "bucket {bucket}"
            );
        }
    }
}

/// 2026-11-25T00:00:00Z, ten hours after HOUR.
const MIDNIGHT: u64 = HOUR + 10 * 3600;

fn day(limit: i64) -> Limits {
    Limits::new(None, None, Some(limit), &|| "day".to_owned(), &|f| {
        f.to_owned()
    })
    .expect("limits")
}

fn limits(minute: Option<i64>, hour: Option<i64>, day: Option<i64>) -> Limits {
    Limits::new(minute, hour, day, &|| "test".to_owned(), &|f| f.to_owned()).expect("limits")
}

#[test]
fn the_day_window_admits_its_limit_across_hours_and_resets_at_utc_midnight() {
    let table = SharedTable::create(64).expect("shared table");
    let clock = FakeClock::at(HOUR + 5);
    let limiter = Limiter::new(&table, &clock);
    for (offset, remaining) in [(5, 2), (3600 * 3, 1), (3600 * 9, 0)] {
        clock.set(HOUR + offset);
        let d = limiter.hit(b"daily", day(3), 1).expect("hit");
        assert!(d.allowed, "hit at +{offset}");
        assert_eq!(d.tightest.1, Window::Day);
        assert_eq!(d.tightest.2.remaining, remaining);
        assert_eq!(d.tightest.2.reset, MIDNIGHT);
        assert_eq!(d.window(0, Window::Minute), None, "no minute limit");
    }
    clock.set(MIDNIGHT - 100);
    let d = limiter.hit(b"daily", day(3), 1).expect("hit");
    assert!(!d.allowed);
    assert_eq!(d.retry_after, 100, "seconds to UTC midnight");
    clock.set(MIDNIGHT);
    let d = limiter.hit(b"daily", day(3), 1).expect("hit");
    assert!(d.allowed, "a new UTC day");
    assert_eq!(d.tightest.2.remaining, 2);
    assert_eq!(d.tightest.2.reset, MIDNIGHT + 86_400);
}

#[test]
fn unlimited_windows_still_count() {
    let store = MemoryStore::default();
    let clock = FakeClock::at(HOUR);
    let limiter = Limiter::new(&store, &clock);
    for _ in 0..4 {
        limiter.hit(b"b", day(1000), 1).expect("hit");
    }
    // The same bucket under a minute limit sees the four hits.
    let d = limiter
        .hit(b"b", limits(Some(5), None, None), 1)
        .expect("hit");
    assert_eq!(d.tightest.2.remaining, 0);
    assert!(
        !limiter
            .hit(b"b", limits(Some(5), None, None), 1)
            .expect("hit")
            .allowed
    );
}

fn on_both_stores(test: impl Fn(&dyn Store, &str)) {
    test(&MemoryStore::default(), "memory");
    test(&SharedTable::create(64).expect("shared table"), "shared");
}

#[test]
fn a_hit_refused_by_one_bucket_counts_in_none() {
    on_both_stores(|store, label| {
        let clock = FakeClock::at(HOUR);
        let limiter = Limiter::new(store, &clock);
        let op = limits(Some(2), None, Some(100));
        let all = limits(Some(50), None, None);
        for expected in [true, true, false, false] {
            let d = limiter
                .hit_many(&[(b"op", op), (b"all", all)], 1)
                .expect("hit");
            assert_eq!(d.allowed, expected, "[{label}]");
        }
        let d = limiter.hit_many(&[(b"all", all)], 1).expect("hit");
        assert_eq!(
            d.tightest.2.remaining, 47,
            "[{label}] the overall bucket counted the 2 admitted, not the 2 refused, plus this one"
        );
        // Refused by the second bucket: the first keeps its count.
        let d = limiter
            .hit_many(&[(b"fresh", all), (b"op", op)], 1)
            .expect("hit");
        assert!(!d.allowed);
        assert_eq!(
            (d.tightest.0, d.tightest.1),
            (1, Window::Minute),
            "[{label}]"
        );
        assert_eq!(
            d.window(0, Window::Minute).expect("m").remaining,
            50,
            "[{label}]"
        );
        assert_eq!(
            store.read(b"fresh").expect("read").counts,
            [0; 3],
            "[{label}]"
        );
    });
}

#[test]
fn the_tightest_window_is_named_by_bucket_and_window() {
    let store = MemoryStore::default();
    let clock = FakeClock::at(HOUR + 30);
    let limiter = Limiter::new(&store, &clock);
    let a = limits(Some(10), Some(10), None);
    let b = limits(Some(4), None, Some(100));
    let d = limiter.hit_many(&[(b"a", a), (b"b", b)], 1).expect("hit");
    assert!(d.allowed);
    assert_eq!(
        (d.tightest.0, d.tightest.1),
        (1, Window::Minute),
        "fewest remaining"
    );
    assert_eq!(d.tightest.2.remaining, 3);
    // Equal remaining: the longer window wins.
    let d = limiter.hit_many(&[(b"c", a)], 1).expect("hit");
    assert_eq!(d.tightest.1, Window::Hour);
    // Refused by a minute and a day: the one that resets last explains it.
    let tiny = limits(Some(1), None, Some(1));
    limiter.hit_many(&[(b"t", tiny)], 1).expect("hit");
    let d = limiter.hit_many(&[(b"t", tiny)], 1).expect("hit");
    assert!(!d.allowed);
    assert_eq!(d.tightest.1, Window::Day);
    assert_eq!(d.retry_after, MIDNIGHT - (HOUR + 30));
}

#[test]
fn a_late_refusal_takes_the_unit_back_in_the_window_it_was_counted_in() {
    // Counted at 14:00:59, taken back after the minute turned: the new minute
    // must not lose a unit, the hour and day must lose this one.
    let counted = lpapi::ratelimit::Counters {
        minute: lpapi::ratelimit::now_minute(HOUR + 59),
        counts: [3, 7, 9],
    };
    let later = counted.plus(lpapi::ratelimit::now_minute(HOUR + 60), 2);
    assert_eq!(later.counts, [2, 9, 11]);
    let back = later.minus(counted.minute, 1);
    assert_eq!(back.counts, [2, 8, 10]);
    assert_eq!(counted.minus(counted.minute, 1).counts, [2, 6, 8]);
}

#[test]
fn concurrent_creates_and_reads_admit_exactly_each_limit_and_leave_exact_counts() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
    let table = Arc::new(SharedTable::create(64).expect("shared table"));
    let admitted_creates = Arc::new(AtomicU32::new(0));
    let admitted_reads = Arc::new(AtomicU32::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let op = limits(Some(2), None, None);
    let all = limits(Some(50), None, None);
    let jobs: Arc<Vec<bool>> = Arc::new((0..60).map(|i| i < 10).collect()); // 10 creates, then 50 reads
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (table, creates, reads, next, jobs) = (
                Arc::clone(&table),
                Arc::clone(&admitted_creates),
                Arc::clone(&admitted_reads),
                Arc::clone(&next),
                Arc::clone(&jobs),
            );
            std::thread::spawn(move || {
                let clock = FakeClock::at(HOUR + 1);
                let limiter = Limiter::new(&*table, &clock);
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(&create) = jobs.get(i) else { break };
                    let d = if create {
                        limiter.hit_many(&[(b"op", op), (b"all", all)], 1)
                    } else {
                        limiter.hit_many(&[(b"all", all)], 1)
                    }
                    .expect("hit");
                    if d.allowed {
                        (if create { &creates } else { &reads }).fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(admitted_creates.load(Ordering::SeqCst), 2);
    assert_eq!(admitted_reads.load(Ordering::SeqCst), 48);
    assert_eq!(
        table.read(b"op").expect("read").counts[0],
        2,
        "no unit left behind"
    );
    assert_eq!(table.read(b"all").expect("read").counts[0], 50);
}

#[test]
fn racing_multi_bucket_hits_never_exceed_a_limit_and_leave_no_reservation() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    let table = Arc::new(SharedTable::create(64).expect("shared table"));
    let op = limits(Some(37), None, None);
    let all = limits(Some(5_000), None, None);
    let admitted = Arc::new(AtomicU32::new(0));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (table, admitted) = (Arc::clone(&table), Arc::clone(&admitted));
            std::thread::spawn(move || {
                let clock = FakeClock::at(HOUR + 1);
                let limiter = Limiter::new(&*table, &clock);
                for i in 0..400 {
                    // Half the threads list the buckets the other way round.
                    let order: [(&[u8], Limits); 2] = if (t + i) % 2 == 0 {
                        [(b"op", op), (b"all", all)]
                    } else {
                        [(b"all", all), (b"op", op)]
                    };
                    if limiter.hit_many(&order, 1).expect("hit").allowed {
                        admitted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(admitted.load(Ordering::SeqCst), 37);
    assert_eq!(table.read(b"op").expect("read").counts[0], 37);
    assert_eq!(
        table.read(b"all").expect("read").counts[0],
        37,
        "every unit counted for a refused hit was taken back"
    );
}
