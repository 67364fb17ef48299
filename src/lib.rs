//! `lpapi`: the native core of `LatePoint` API Keys.
//!
//! The logic lives in plain Rust modules with no PHP dependency, each tested
//! with `cargo test`:
//! - [`key`]: the key format: generation, parsing, checksum, hashing;
//! - [`ratelimit`]: the two-window fixed-window limiter over a [`ratelimit::Store`];
//! - [`shm`]: the shared-memory table that makes the limiter exact across processes;
//! - [`cache`]: the per-process key cache with its generation check.
//!
//! `bindings` is the thin ext-php-rs layer that exposes them to PHP.
#![cfg_attr(windows, feature(abi_vectorcall))]
#![warn(clippy::pedantic)]
#![deny(clippy::unwrap_used)]

pub mod cache;
pub mod error;
pub mod key;
pub mod ratelimit;
pub mod shm;

mod bindings;
