//! The shared-memory table under many threads: exact admission on one bucket,
//! no double placement when many threads create the same buckets at once, the
//! defined behaviour of a full table, and reuse of stale slots.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use lpapi::error::Error;
use lpapi::ratelimit::{FakeClock, Limiter, Limits, Window, now_minute};
use lpapi::shm::SharedTable;

const HOUR: u64 = 1_795_528_800;
const THREADS: usize = 8;

#[test]
fn many_threads_on_one_bucket_admit_exactly_the_limit() {
    let table = Arc::new(SharedTable::create(1024).expect("table"));
    let admitted = Arc::new(AtomicU32::new(0));
    let limits = Limits::minute_hour(5_000, 1_000_000).expect("limits");
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (table, admitted) = (Arc::clone(&table), Arc::clone(&admitted));
            thread::spawn(move || {
                let clock = FakeClock::at(HOUR + 1);
                let limiter = Limiter::new(&*table, clock);
                for _ in 0..2_000 {
                    if limiter.hit(b"hot bucket", limits, 1).expect("hit").allowed {
                        admitted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    assert_eq!(admitted.load(Ordering::SeqCst), 5_000);
}

#[test]
fn buckets_created_concurrently_are_placed_once_each() {
    // All threads start together and walk the same new buckets in the same
    // order, so they race to place each one. Limit 1: a bucket placed twice
    // would admit 2.
    const BUCKETS: usize = 3_000;
    let table = Arc::new(SharedTable::create(8_192).expect("table"));
    let admitted: Arc<Vec<AtomicU32>> = Arc::new((0..BUCKETS).map(|_| AtomicU32::new(0)).collect());
    let start = Arc::new(Barrier::new(THREADS));
    let limits = Limits::minute_hour(1, 1_000).expect("limits");
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (table, admitted, start) = (
                Arc::clone(&table),
                Arc::clone(&admitted),
                Arc::clone(&start),
            );
            thread::spawn(move || {
                let limiter = Limiter::new(&*table, FakeClock::at(HOUR + 1));
                let names: Vec<String> = (0..BUCKETS).map(|b| format!("key:{b}")).collect();
                start.wait();
                for (b, name) in names.iter().enumerate() {
                    if limiter
                        .hit(name.as_bytes(), limits, 1)
                        .expect("hit")
                        .allowed
                    {
                        admitted[b].fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker");
    }
    let doubles: Vec<usize> = (0..BUCKETS)
        .filter(|&b| admitted[b].load(Ordering::SeqCst) != 1)
        .collect();
    assert!(
        doubles.is_empty(),
        "buckets not admitted exactly once: {doubles:?}"
    );
    let stats = table.stats(now_minute(HOUR + 1));
    assert_eq!(stats.slots_assigned, BUCKETS, "a bucket was placed twice");
}

#[test]
fn a_table_full_of_live_buckets_refuses_new_ones_and_keeps_the_old() {
    let table = SharedTable::create(16).expect("table");
    let clock = FakeClock::at(HOUR + 10);
    let limiter = Limiter::new(&table, &clock);
    let limits = Limits::minute_hour(10, 100).expect("limits");
    for b in 0..16 {
        assert!(
            limiter
                .hit(format!("b{b}").as_bytes(), limits, 1)
                .expect("fits")
                .allowed
        );
    }
    let refused = limiter.hit(b"one too many", limits, 1);
    assert_eq!(refused, Err(Error::TableFull { slots: 16 }));
    // Peeking at an unknown bucket creates nothing and still answers.
    assert!(limiter.peek(b"one too many", limits).expect("peek").allowed);
    // The buckets already placed keep exact counts.
    for b in 0..16 {
        let d = limiter
            .hit(format!("b{b}").as_bytes(), limits, 1)
            .expect("placed");
        assert_eq!(
            d.window(0, Window::Minute).expect("minute").remaining,
            8,
            "bucket b{b}"
        );
    }
    assert_eq!(table.stats(now_minute(HOUR + 10)).full_events, 1);
}

#[test]
fn slots_of_buckets_idle_since_a_day_that_has_passed_are_reused_with_fresh_counts() {
    // 2026-11-25T00:00:00Z, ten hours after HOUR.
    const MIDNIGHT: u64 = HOUR + 10 * 3600;
    let table = SharedTable::create(16).expect("table");
    let clock = FakeClock::at(HOUR + 10);
    let limiter = Limiter::new(&table, &clock);
    let limits = Limits::minute_hour(10, 100).expect("limits");
    for b in 0..16 {
        for _ in 0..5 {
            limiter
                .hit(format!("old{b}").as_bytes(), limits, 1)
                .expect("hit");
        }
    }
    // Hours later but the same UTC day: the day counts still matter.
    clock.set(MIDNIGHT - 1);
    assert!(matches!(
        limiter.hit(b"new0", limits, 1),
        Err(Error::TableFull { .. })
    ));
    // The next day: every old bucket is stale.
    clock.set(MIDNIGHT);
    for b in 0..8 {
        let d = limiter
            .hit(format!("new{b}").as_bytes(), limits, 1)
            .expect("reused slot");
        assert_eq!(
            (
                d.window(0, Window::Minute).expect("minute").remaining,
                d.window(0, Window::Hour).expect("hour").remaining
            ),
            (9, 99),
            "new{b} inherited counts"
        );
    }
    // An old bucket coming back starts afresh too (its day is over).
    let d = limiter.hit(b"old3", limits, 1).expect("old bucket");
    assert_eq!(d.window(0, Window::Hour).expect("hour").remaining, 99);
    let stats = table.stats(now_minute(MIDNIGHT));
    assert!(stats.reclaims >= 8, "reclaims: {}", stats.reclaims);
    assert_eq!(stats.slots_total, 16);
}

#[test]
fn the_generation_only_moves_forward() {
    let table = SharedTable::create(16).expect("table");
    assert_eq!(table.generation(), 0);
    assert_eq!(table.bump_generation(), 1);
    assert_eq!(table.bump_generation(), 2);
    assert_eq!(table.generation(), 2);
}

#[test]
fn table_size_is_bounded() {
    assert!(matches!(
        SharedTable::create(1),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        SharedTable::create(usize::MAX),
        Err(Error::InvalidArgument(_))
    ));
}
