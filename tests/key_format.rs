//! The key format (SPEC §1): vectors computed independently (PHP's crc32()
//! and hash()), tamper detection, and garbage that must never panic.

use lpapi::error::{Error, KeyError};
use lpapi::key::{self, BASE62, Environment, KEY_LEN};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

/// (key, sha256) pairs whose checksums were computed with PHP's crc32().
const VECTORS: &[(&str, &str, Environment)] = &[
    (
        "lp_live_0123456789abcdefghijABCDEFGHIJkl3VxSPG",
        "545d9d1b1b1791ae0275ad7930d74a15d8cd92ddcca31f0a7d7b51a736f328e0",
        Environment::Live,
    ),
    (
        "lp_test_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ2QvoBq",
        "d654e14c71da5341069ddb6d4baba6988b7fb6ec8aad1b5e5064a9367cdf5208",
        Environment::Test,
    ),
];

fn is_key_shaped(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() == KEY_LEN
        && (key.starts_with("lp_live_") || key.starts_with("lp_test_"))
        && bytes[8..].iter().all(u8::is_ascii_alphanumeric)
}

#[test]
fn known_keys_parse_to_their_hash_prefix_and_last4() {
    for (key, hash, env) in VECTORS {
        let info = key::parse(key.as_bytes()).expect("vector parses");
        assert_eq!(info.hash, *hash);
        assert_eq!(info.prefix, key[..12]);
        assert_eq!(info.last4, key[42..]);
        assert_eq!(info.environment, *env);
    }
}

#[test]
fn sha256_matches_the_standard_test_vector() {
    assert_eq!(
        key::hash(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(key::hash(b"").len(), 64);
}

#[test]
fn generated_keys_have_the_documented_shape_and_parse_back() {
    for env in [Environment::Live, Environment::Test] {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let generated = key::generate(env).expect("OS random source works");
            assert!(
                is_key_shaped(&generated.key),
                "bad shape: {}",
                generated.key
            );
            assert!(generated.key.starts_with(env.key_prefix()));
            let parsed = key::parse(generated.key.as_bytes()).expect("own key parses");
            assert_eq!(parsed, generated.info);
            assert!(seen.insert(generated.key), "duplicate key");
        }
    }
}

#[test]
fn generation_is_uniform_over_the_alphabet() {
    // 62 symbols x 32 body chars x 2000 keys: each symbol expected ~1032 times.
    let mut rng = StdRng::seed_from_u64(7);
    let mut counts = [0u32; 62];
    for _ in 0..2000 {
        let generated = key::generate_with(Environment::Live, |buf| {
            rng.fill_bytes(buf);
            Ok(())
        })
        .expect("seeded generation");
        for b in generated.key.as_bytes()[8..40].iter() {
            let index = BASE62.iter().position(|c| c == b).expect("base62");
            counts[index] += 1;
        }
    }
    let (min, max) = (
        counts.iter().min().copied().unwrap_or(0),
        counts.iter().max().copied().unwrap_or(0),
    );
    assert!(min > 850 && max < 1220, "skewed: min {min} max {max}");
}

#[test]
fn every_single_character_change_is_rejected() {
    let alphabet: Vec<u8> = BASE62.iter().copied().chain(*b"_-+/= \0\xff").collect();
    for (key, _, _) in VECTORS {
        for position in 0..KEY_LEN {
            for &replacement in &alphabet {
                let mut tampered = key.as_bytes().to_vec();
                if tampered[position] == replacement {
                    continue;
                }
                tampered[position] = replacement;
                assert!(
                    key::parse(&tampered).is_err(),
                    "accepted a change at {position} to {replacement:#x}"
                );
            }
        }
    }
}

#[test]
fn each_kind_of_malformation_is_named() {
    let good = VECTORS[0].0;
    let cases: Vec<(Vec<u8>, KeyError)> = vec![
        (Vec::new(), KeyError::Length(0)),
        (good.as_bytes()[..45].to_vec(), KeyError::Length(45)),
        (format!("{good}x").into_bytes(), KeyError::Length(47)),
        (
            good.replacen("lp_live_", "lp_prod_", 1).into_bytes(),
            KeyError::Prefix,
        ),
        (
            good.replacen("lp_live_", "LP_LIVE_", 1).into_bytes(),
            KeyError::Prefix,
        ),
        (good.replacen('a', "_", 1).into_bytes(), KeyError::Alphabet),
        (good.replacen('0', "1", 1).into_bytes(), KeyError::Checksum),
    ];
    for (input, expected) in cases {
        assert_eq!(key::parse(&input), Err(Error::InvalidKey(expected)));
    }
}

#[test]
fn error_messages_never_contain_the_key() {
    let good = VECTORS[0].0;
    let tampered = good.replacen('0', "1", 1);
    let message = key::parse(tampered.as_bytes())
        .expect_err("tampered")
        .to_string();
    assert!(!message.contains(&tampered[8..]), "{message}");
    assert!(!message.contains(&tampered[8..20]), "{message}");
}

#[test]
fn random_garbage_never_panics_and_is_rejected() {
    let mut rng = StdRng::seed_from_u64(42);
    for round in 0..100_000 {
        let len = if round % 2 == 0 {
            KEY_LEN
        } else {
            rng.random_range(0..128)
        };
        let mut input = vec![0u8; len];
        rng.fill_bytes(&mut input);
        if round % 4 == 0 && len >= 8 {
            input[..8].copy_from_slice(b"lp_live_");
            for b in &mut input[8..] {
                *b = BASE62[usize::from(*b) % 62];
            }
        }
        // A random base62 tail passes the checksum about once in 2^32 tries;
        // with this seed it does not, so every input is refused.
        assert!(key::parse(&input).is_err());
    }
}

#[test]
fn verify_compares_hashes_in_either_case() {
    let (key, hash, _) = VECTORS[0];
    assert!(key::verify(key.as_bytes(), hash.as_bytes()));
    assert!(key::verify(key.as_bytes(), hash.to_uppercase().as_bytes()));
    assert!(!key::verify(key.as_bytes(), VECTORS[1].1.as_bytes()));
    assert!(!key::verify(key.as_bytes(), b""));
}

#[test]
fn environments_are_exactly_live_or_test() {
    assert_eq!(Environment::from_name(b"live"), Ok(Environment::Live));
    assert_eq!(Environment::from_name(b"test"), Ok(Environment::Test));
    for bad in [&b"LIVE"[..], b"prod", b"", b"live ", b"tes"] {
        assert!(matches!(
            Environment::from_name(bad),
            Err(Error::InvalidArgument(_))
        ));
    }
}
