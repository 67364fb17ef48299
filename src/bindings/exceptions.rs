//! The PHP exception classes, all under `LatePointApi\Native\`, and the one
//! mapping from the core's [`Error`] to them.
//!
//! They are registered as plain internal classes extending `\Exception` (no
//! Rust object behind them), so PHP code can also create, throw and extend
//! them like any exception: the plugin's pure-PHP fallback throws the same
//! classes while the extension is loaded but turned off.

use ext_php_rs::args::ArgInfoTables;
use ext_php_rs::builders::ClassBuilder;
use std::cell::Cell;

use ext_php_rs::exception::PhpException;
use ext_php_rs::zend::{ClassEntry, ce};

use crate::error::Error;

/// Base class of every exception the extension throws.
pub const BASE: &str = "LatePointApi\\Native\\LpapiException";

/// The subclasses of [`BASE`]: a presented key is malformed; an argument is
/// out of range; the rate table is full of live buckets; shared memory is not
/// usable; the OS random source failed; Redis is down and requests are refused.
pub const SUBCLASSES: [&str; 6] = [
    "LatePointApi\\Native\\InvalidKeyException",
    "LatePointApi\\Native\\InvalidArgumentException",
    "LatePointApi\\Native\\RateTableFullException",
    "LatePointApi\\Native\\SharedMemoryException",
    "LatePointApi\\Native\\EntropyException",
    "LatePointApi\\Native\\RateStoreUnavailableException",
];

thread_local! {
    /// The base class's entry, kept from its registration: the class table
    /// cannot be searched by name during MINIT, when the subclasses need it.
    /// MINIT and every request of a (non-thread-safe) PHP run on this thread.
    static BASE_ENTRY: Cell<Option<&'static ClassEntry>> = const { Cell::new(None) };
}

fn base_entry() -> &'static ClassEntry {
    BASE_ENTRY.with(Cell::get).unwrap_or_else(ce::exception)
}

fn keep_base(entry: &'static mut ClassEntry, _: ArgInfoTables) {
    let entry: &'static ClassEntry = entry;
    BASE_ENTRY.with(|cell| cell.set(Some(entry)));
}

fn keep(_: &'static mut ClassEntry, _: ArgInfoTables) {}

/// Registers the classes (from MINIT).
///
/// # Errors
/// When PHP refuses a class (e.g. the name is taken).
pub fn register() -> ext_php_rs::error::Result<()> {
    ClassBuilder::new(BASE)
        .extends((ce::exception, "\\Exception"))
        .registration(keep_base)
        .register()?;
    for name in SUBCLASSES {
        ClassBuilder::new(name)
            .extends((base_entry, BASE))
            .registration(keep)
            .register()?;
    }
    Ok(())
}

fn exception(class: &str, message: String) -> PhpException {
    // Thrown at request time, when the class table can be searched.
    PhpException::new(
        message,
        0,
        ClassEntry::try_find(class).unwrap_or_else(base_entry),
    )
}

impl From<Error> for PhpException {
    fn from(error: Error) -> Self {
        let class = match error {
            Error::InvalidKey(_) => SUBCLASSES[0],
            Error::InvalidArgument(_) => SUBCLASSES[1],
            Error::TableFull { .. } => SUBCLASSES[2],
            Error::SharedMemory(_) => SUBCLASSES[3],
            Error::Entropy(_) => SUBCLASSES[4],
            Error::RateStore(_) => SUBCLASSES[5],
        };
        exception(class, error.to_string())
    }
}

/// The `RateStoreUnavailableException` of a refused request; its code is 1
/// in the one process that saw Redis go down (so the switch is logged once).
pub fn rate_store_unavailable(error: &Error, switched: bool) -> PhpException {
    PhpException::new(
        error.to_string(),
        i32::from(switched),
        ClassEntry::try_find(SUBCLASSES[5]).unwrap_or_else(base_entry),
    )
}
