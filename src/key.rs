//! The API key format (SPEC §1): generation, parsing, checksum and hashing.
//!
//! A key is `lp_live_` or `lp_test_`, 32 base62 characters from the OS
//! CSPRNG, then a 6-character base62 CRC32 of everything before it:
//! 46 characters, matching `lp_(live|test)_[0-9A-Za-z]{38}`.
//!
//! Nothing in this module ever puts a key (or part of one beyond the display
//! prefix and last four characters) into an error message.

use rand::TryRngCore;
use sha2::{Digest, Sha256};

use crate::error::{Error, KeyError};

/// Length of a whole key.
pub const KEY_LEN: usize = 46;
/// Length of the random body.
pub const BODY_LEN: usize = 32;
/// Length of the base62 checksum.
pub const CHECKSUM_LEN: usize = 6;
/// Length of `lp_live_` / `lp_test_`.
pub const PREFIX_LEN: usize = 8;
/// Characters of the body shown in the display prefix.
const DISPLAY_BODY_CHARS: usize = 4;

/// The base62 alphabet, in the order the checksum encoding uses.
pub const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Which environment a key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    /// `lp_live_` keys: work everywhere.
    Live,
    /// `lp_test_` keys: refused where the site is `production`.
    Test,
}

impl Environment {
    /// Parses `live` or `test` (exactly; no trimming or case folding).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for anything else.
    pub fn from_name(name: &[u8]) -> Result<Self, Error> {
        match name {
            b"live" => Ok(Self::Live),
            b"test" => Ok(Self::Test),
            _ => Err(Error::InvalidArgument(
                "environment must be \"live\" or \"test\"".to_owned(),
            )),
        }
    }

    /// `live` or `test`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Test => "test",
        }
    }

    /// `lp_live_` or `lp_test_`.
    #[must_use]
    pub fn key_prefix(self) -> &'static str {
        match self {
            Self::Live => "lp_live_",
            Self::Test => "lp_test_",
        }
    }
}

/// What may be stored and shown about a key: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// Lowercase hex SHA-256 of the full key.
    pub hash: String,
    /// `lp_live_` / `lp_test_` and the first 4 body characters.
    pub prefix: String,
    /// The last 4 characters of the key.
    pub last4: String,
    /// The key's environment.
    pub environment: Environment,
}

/// A freshly generated key: the plaintext (to show once) and its info.
#[derive(Clone, Debug)]
pub struct GeneratedKey {
    /// The full plaintext key.
    pub key: String,
    /// Hash, display prefix, last 4 and environment.
    pub info: KeyInfo,
}

/// Generates a key from the OS CSPRNG.
///
/// # Errors
/// [`Error::Entropy`] when the OS random source fails.
pub fn generate(environment: Environment) -> Result<GeneratedKey, Error> {
    generate_with(environment, |buf| {
        rand::rngs::OsRng
            .try_fill_bytes(buf)
            .map_err(|e| Error::Entropy(e.to_string()))
    })
}

/// Generates a key drawing random bytes from `fill` (the OS CSPRNG in
/// production, a seeded generator in tests).
///
/// Characters are drawn by rejection sampling, so each of the 62 is equally
/// likely: bytes of 248 or more (`62 * 4`) are discarded.
///
/// # Errors
/// Whatever `fill` returns.
pub fn generate_with(
    environment: Environment,
    mut fill: impl FnMut(&mut [u8]) -> Result<(), Error>,
) -> Result<GeneratedKey, Error> {
    const ACCEPT_BELOW: u8 = 248;
    let mut key = Vec::with_capacity(KEY_LEN);
    key.extend_from_slice(environment.key_prefix().as_bytes());
    let mut random = [0u8; 64];
    while key.len() < PREFIX_LEN + BODY_LEN {
        fill(&mut random)?;
        for &byte in &random {
            if byte < ACCEPT_BELOW && key.len() < PREFIX_LEN + BODY_LEN {
                key.push(BASE62[usize::from(byte % 62)]);
            }
        }
    }
    key.extend_from_slice(&checksum(&key));
    let info = describe(&key, environment);
    let key = String::from_utf8(key).map_err(|_| Error::Entropy("non-ASCII key".to_owned()))?;
    Ok(GeneratedKey { key, info })
}

/// Validates a presented key: length, prefix, alphabet and checksum, in that
/// order, without touching any storage.
///
/// # Errors
/// [`Error::InvalidKey`] naming what is wrong (never echoing the key).
pub fn parse(key: &[u8]) -> Result<KeyInfo, Error> {
    if key.len() != KEY_LEN {
        return Err(KeyError::Length(key.len()).into());
    }
    let environment = match &key[..PREFIX_LEN] {
        b"lp_live_" => Environment::Live,
        b"lp_test_" => Environment::Test,
        _ => return Err(KeyError::Prefix.into()),
    };
    if !key[PREFIX_LEN..].iter().all(u8::is_ascii_alphanumeric) {
        return Err(KeyError::Alphabet.into());
    }
    let (signed, presented) = key.split_at(KEY_LEN - CHECKSUM_LEN);
    if !constant_time_eq(&checksum(signed), presented) {
        return Err(KeyError::Checksum.into());
    }
    Ok(describe(key, environment))
}

/// Lowercase hex SHA-256 of any byte string.
#[must_use]
pub fn hash(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Whether `key` hashes to `expected_hash` (hex, either case), compared in
/// constant time so the comparison leaks nothing about the stored hash.
#[must_use]
pub fn verify(key: &[u8], expected_hash: &[u8]) -> bool {
    let actual = hash(key);
    let expected = expected_hash.to_ascii_lowercase();
    constant_time_eq(actual.as_bytes(), &expected)
}

/// The 6-character base62 CRC32 (zero-padded, most significant first) of `data`.
#[must_use]
pub fn checksum(data: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut value = crc32fast::hash(data);
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(value % 62) as usize];
        value /= 62;
    }
    out
}

/// Compares two byte strings in time that depends only on their lengths.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from turning the fold into an early exit.
    std::hint::black_box(diff) == 0
}

/// Lowercase hex of bytes, through a table (one `format!` per byte is ~20x slower).
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Builds the storable description of a key already known to be well-formed.
fn describe(key: &[u8], environment: Environment) -> KeyInfo {
    let ascii = |bytes: &[u8]| bytes.iter().map(|&b| char::from(b)).collect::<String>();
    KeyInfo {
        hash: hash(key),
        prefix: ascii(&key[..PREFIX_LEN + DISPLAY_BODY_CHARS]),
        last4: ascii(&key[KEY_LEN - 4..]),
        environment,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_is_zero_padded_base62_of_crc32() {
        // crc32("") == 0 → all zeros; crc32("a") == 0xe8b7be43 == 3904355907.
        assert_eq!(&checksum(b""), b"000000");
        let mut n: u64 = 3_904_355_907;
        let mut expected = [b'0'; 6];
        for slot in expected.iter_mut().rev() {
            *slot = BASE62[(n % 62) as usize];
            n /= 62;
        }
        assert_eq!(checksum(b"a"), expected);
    }

    #[test]
    fn constant_time_eq_compares_lengths_and_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
