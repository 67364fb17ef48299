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
                    (d.window(0, Window::Minute).expect("minute").remaining, d.window(0, Window::Hour).expect("hour").remaining),
                    (minute, hour),
                    "{at}: windows"
                );
                assert_eq!(d.window(0, Window::Minute).expect("minute").limit, limits.of(Window::Minute).expect("set"), "{at}");
                assert_eq!(d.window(0, Window::Hour).expect("hour").limit, limits.of(Window::Hour).expect("set"), "{at}");
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
            assert_eq!(d.window(0, Window::Minute).expect("minute").remaining, expected_remaining, "bucket {bucket}");
        }
    }
}
