//! `lpapi`: the native core of `LatePoint` API Keys.
//!
//! The logic lives in plain Rust modules with no PHP dependency, each tested
//! with `cargo test`:
//! - [`key`]: the key format: generation, parsing, checksum, hashing;
//! - [`ratelimit`]: the fixed-window limiter (minute, hour, day; one decision over
//!   several buckets) over a [`ratelimit::Store`];
//! - [`shm`]: the shared-memory table that makes the limiter exact across processes;
//! - [`segment`]: the memory under it, private or a named object that outlives php-fpm;
//! - [`redis_store`]: the same counters in Redis, for several web servers;
//! - [`counting`]: where a decision is counted (Redis or the table), and cache drops;
//! - [`cache`]: the per-process key cache with its generation check.
//!
//! `bindings` is the thin ext-php-rs layer that exposes them to PHP.
#![cfg_attr(windows, feature(abi_vectorcall))]
#![warn(clippy::pedantic)]
#![deny(clippy::unwrap_used)]

pub mod cache;
pub mod counting;
pub mod error;
pub mod key;
pub mod ratelimit;
pub mod redis_store;
pub mod segment;
pub mod shm;

mod bindings;
