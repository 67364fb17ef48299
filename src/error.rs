//! The one error type of the core. The PHP bindings map each kind to an
//! exception class under `LatePointApi\Native\`.

/// Why a presented key is not a well-formed key. Messages never include the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not 46 bytes long.
    #[error("malformed API key: expected 46 characters, got {0}")]
    Length(usize),
    /// Does not start with `lp_live_` or `lp_test_`.
    #[error("malformed API key: must start with lp_live_ or lp_test_")]
    Prefix,
    /// A byte outside `[0-9A-Za-z]` after the prefix.
    #[error("malformed API key: only 0-9, A-Z and a-z may follow the prefix")]
    Alphabet,
    /// The last 6 characters are not the checksum of the rest.
    #[error("malformed API key: checksum mismatch")]
    Checksum,
}

/// Every failure of the native core.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A presented key is malformed.
    #[error(transparent)]
    InvalidKey(#[from] KeyError),
    /// An argument is out of its documented range.
    #[error("{0}")]
    InvalidArgument(String),
    /// Every slot of the shared rate-limit table within reach holds a live
    /// bucket, so a new bucket cannot get a counter of its own.
    #[error(
        "the shared rate-limit table is full of live buckets ({slots} slots); raise lpapi.rate_slots"
    )]
    TableFull {
        /// The table's size.
        slots: usize,
    },
    /// The shared-memory segment could not be created or is not usable.
    #[error("shared memory unavailable: {0}")]
    SharedMemory(String),
    /// Redis (`lpapi.redis_url`) cannot be reached or answered oddly. The
    /// message names the server but never its password.
    #[error("the rate store is unavailable: {0}")]
    RateStore(String),
    /// The OS random source failed.
    #[error("the OS random source failed: {0}")]
    Entropy(String),
}
