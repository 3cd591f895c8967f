//! Tests of the plausibility checks: what is and is not a secret.

use super::*;

/// The bar of a rule with `min_len` and an entropy threshold of 3 bits a byte.
fn bar(min_len: usize) -> crate::finding::Bar {
    crate::finding::Bar {
        min_len,
        entropy: Some(3.0),
        uuid_ok: false,
        checksum: None,
    }
}

/// `value` under each of `names` is judged `want`.
fn names_give(
    value: &[u8],
    bar: &crate::finding::Bar,
    names: &[&str],
    want: Result<(), NotASecret>,
) {
    for name in names {
        assert_eq!(check_named(value, bar, Some(name)), want, "{name}");
    }
}

#[test]
fn placeholders_and_examples_are_not_secrets() {
    for v in [
        "changeme",
        "<your-key>",
        "xxxxxxxxxxxx",
        "${SECRET_KEY}",
        "$(codecov.token)",
        "#{Octopus.Api.Key}",
        "{{ .Values.key }}",
        "your-secret-here",
        "AKIAIOSFODNN7EXAMPLE",
        "password123",
        "yourMasterKey",
        "keyboard cat",
        "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    ] {
        assert!(check(v.as_bytes(), 6, None).is_err(), "{v}");
    }
}

#[test]
fn uuids_hashes_and_oids_are_not_secrets() {
    assert_eq!(
        check(b"123e4567-e89b-12d3-a456-426614174000", 8, None),
        Err(NotASecret::Uuid)
    );
    assert_eq!(
        check(b"sha512-Zk3PqLw9xR2vB7nT4yH6mJ1c", 8, None),
        Err(NotASecret::IntegrityHash)
    );
    assert_eq!(
        check(b"4b825dc642cb6eb9a060e54bf8d69288fbee4904", 8, Some(3.0)),
        Err(NotASecret::GitObjectId)
    );
}

#[test]
fn random_values_are_secrets() {
    assert!(check(b"q3T9vXk2Lm8Pz4Rw7Yb1Nc6", 8, Some(3.5)).is_ok());
    assert_eq!(
        check(b"aaaaaaaabbbbbbbb", 8, Some(3.0)),
        Err(NotASecret::LowEntropy)
    );
}

#[test]
fn long_values_need_whole_placeholder_words() {
    let pem_like = format!(
        "{}Todo{}",
        "Lc6LC3W157qwf4UJ0WFF".repeat(3),
        "KY9Tt7CNw4pexe".repeat(3)
    );
    assert!(check(pem_like.as_bytes(), 8, None).is_ok());
    let long_placeholder = format!("{} your-key-here {}", "x1".repeat(50), "y2".repeat(10));
    assert!(check(long_placeholder.as_bytes(), 8, None).is_err());
}

#[test]
fn password_hashes_are_not_secrets() {
    for v in [
        "pbkdf2_sha256$600000$Zk3PqLw9xR2v$Q2hmN0t4Yk1wUjdWc0w5ZmE4QmNkRWZnSGlqS2xtbm8=",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$Qm9uZVhZWjEyMzQ1Njc4OQ",
        "bcrypt_sha256$$2b$12$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$2y$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
        "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/",
        "{SSHA}bW9ja3NhbHRlZGhhc2h2YWx1ZTEyMzQ=",
        "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
        "$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21",
    ] {
        assert_eq!(check(v.as_bytes(), 8, Some(3.0)), Err(NotASecret::PasswordHash), "{v}");
    }
}

#[test]
fn forty_hex_digits_are_a_git_object_id_unless_named_a_secret() {
    let hex = b"37d02377a3e9d849e18704c3ec883f9c5787d857";
    let bar = bar(10);
    assert_eq!(check_bar(hex, &bar), Err(NotASecret::GitObjectId));
    names_give(
        hex,
        &bar,
        &[
            "commit",
            "commit_token",
            "head_sha_secret",
            "sha_shared_token",
        ],
        Err(NotASecret::GitObjectId),
    );
    assert_eq!(check_named(hex, &bar, None), Err(NotASecret::GitObjectId));
    names_give(
        hex,
        &bar,
        &["cache_key", "etag", "build_id"],
        Err(NotASecret::GitObjectId),
    );
    names_give(
        hex,
        &bar,
        &[
            "GITHUB_CLIENT_SECRET",
            "ci_token",
            "DB_PASSWORD",
            "SPARKPOST_API_KEY",
            "SparkPost API key",
            "SHARED_SECRET",
        ],
        Ok(()),
    );
}

#[test]
fn a_random_uuid_named_a_secret_is_one_and_other_uuids_are_not() {
    let bar = bar(10);
    let random = b"9f5c17d2-957e-4dda-ae24-811274ed88e5";
    names_give(
        random,
        &bar,
        &[
            "NPM_TOKEN",
            "_authToken",
            "blocknative_key",
            "ONESIGNAL_SECRET_KEY",
        ],
        Ok(()),
    );
    names_give(
        random,
        &bar,
        &[
            "client_id",
            "device_token",
            "session_token",
            "request_key",
            "tenantId",
            "api_key_uuid",
            "cache_key",
        ],
        Err(NotASecret::Uuid),
    );
    assert_eq!(check_named(random, &bar, None), Err(NotASecret::Uuid));
    // Not version 4, or not the RFC 4122 variant: documentation's and made-up ones.
    for v in [
        "123e4567-e89b-12d3-a456-426614174000",
        "12345678-90ab-cdef-1234-567890abcdef",
        "1fb2c3d4-e5f6-7abc-8912-abcdef123456",
        "9f5c17d2-957e-4dda-ce24-811274ed88e5",
    ] {
        assert!(
            check_named(v.as_bytes(), &bar, Some("NPM_TOKEN")).is_err(),
            "{v}"
        );
    }
}

#[test]
fn values_typed_from_the_alphabet_digits_or_keyboard_are_placeholders() {
    for v in [
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
        "abcdefghijklmnopqrstuvwxyz123456",
        "ZYXWVUTSRQPONMLKJIHGFEDCBA654321",
        "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6",
        "1a2b3c4d5e6f7g8h9i0j1k2l3m4n5o6p",
        "0987654321fedcba0987654321fedcba",
        "abcd1234abcd1234abcd1234abcd1234",
        "qwertyuiopasdfghjklzxcvbnmQWERTYUIOP1234567890",
        "a1b2c3d4-e5f6-g7h8-i9j0-k1l2m3n4o5p6",
    ] {
        assert!(is_placeholder(v), "{v}");
    }
    // A random key may start with a run, or hold a short one.
    for v in [
        "abcdefghQ7mZ2vR9xK4tL8nB3wJ6pH1sT5yC0",
        "Q7mZ2vR9xK4tL8nB3wJ6pH1s",
        "b19a730fd0e140e286f47feb2f3bb7c9",
    ] {
        assert!(!is_placeholder(v), "{v}");
    }
}

#[test]
fn random_values_are_never_sequences() {
    let mut rng = crate::testrand::XorShift::new(0x5e9_u64);
    let alphabets: [&[u8]; 4] = [
        b"0123456789abcdef",
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        b"abcdefghijklmnopqrstuvwxyz234567",
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-",
    ];
    for i in 0..40_000 {
        let alphabet = alphabets[i % alphabets.len()];
        let len = 16 + rng.below(50);
        let v = rng.text(alphabet, len);
        assert!(
            !mostly_sequences(&v.to_ascii_lowercase()),
            "{:?}",
            String::from_utf8_lossy(&v)
        );
    }
}

#[test]
fn a_private_key_block_is_not_prose() {
    // (The armor lines are built, not written: no key block in the source.)
    let (begin, end) = (
        format!("-----BEGIN {} PRIVATE KEY-----", "OPENSSH"),
        format!("-----END {} PRIVATE KEY-----", "OPENSSH"),
    );
    let body = [
        begin.as_str(),
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
        "QyNTUxOQAAACBhQm9yZkFWZ3RsSnhLbkNQcXZaVmJXdFFoT1BlcUxHbQAAAJgAAAAAAAAA",
        "AAAAAAtzc2gtZWQyNTUxOQAAACBhQm9yZkFWZ3RsSnhLbkNQcXZaVmJXdFFoT1BlcUxHbQ",
        end.as_str(),
    ]
    .join("\n");
    assert!(!is_prose(&body));
    assert_eq!(check(body.as_bytes(), 20, None), Ok(()));
}

#[test]
fn forty_hex_digits_in_an_authorization_header_are_a_token() {
    let hex = b"38bb7b318cc6898c80317decb34525844bc9db55";
    let bar = bar(16);
    assert_eq!(check_named(hex, &bar, Some("Authorization header")), Ok(()));
}

#[test]
fn file_paths_are_not_secrets_but_base64_from_a_slash_is() {
    for v in [
        "/etc/apt/trusted.gpg.d/apt.postgresql.org.gpg",
        "./secrets/dev/session.key",
        "~/.config/app/token-store",
    ] {
        assert_eq!(
            check(v.as_bytes(), 8, Some(3.0)),
            Err(NotASecret::Path),
            "{v}"
        );
    }
    for v in ["/x8Gm2+Qz/kPv7Lw3Rt9Nb1Yc5Hs=", "/Qz8m/2kPv7Lw3Rt9Nb1Yc5Hs"] {
        assert_eq!(check(v.as_bytes(), 8, Some(3.0)), Ok(()), "{v}");
    }
}

#[test]
fn prose_and_encoded_placeholders_are_not_secrets() {
    for v in [
        "I Don't know why you would name a key this, but if you do it should work",
        "an authorized OAuth2 access token for the user",
        "should not update schema",
        "read-only-test",
        "yolo-read-only",
        "user:profile:settings",
        "base64_encoded_64_byte_salt",
        // A Samba config's `passwd chat` pattern.
        "*all*authentication*tokens*updated*successfully*",
    ] {
        assert_eq!(
            check(v.as_bytes(), 8, Some(3.0)),
            Err(NotASecret::Prose),
            "{v}"
        );
    }
    // base64 of `username:password`
    assert!(check(b"dXNlcm5hbWU6cGFzc3dvcmQ=", 8, Some(3.0)).is_err());
    for v in [
        "aMoreSecur3Passwor7!",
        "k9QzT4vLm-W2xR8pN5bYc7",
        "Zx9hq2LmV8rT4wYb1NcK6dPs",
    ] {
        assert!(check(v.as_bytes(), 8, Some(3.0)).is_ok(), "{v}");
    }
}

#[test]
fn default_credentials_are_not_secrets() {
    for v in ["postgres", "guest", "airflow", "admin", "Postgres"] {
        assert_eq!(
            check(v.as_bytes(), 1, None),
            Err(NotASecret::DefaultCredential),
            "{v}"
        );
    }
}

#[test]
fn a_word_inside_a_random_value_does_not_make_it_a_placeholder() {
    // parse-server's test suites use keys like this: random around a word.
    assert!(check(b"k9QzT4vLmMasterKeyW2xR8pN5bYc7Hd3Fj", 8, Some(3.0)).is_ok());
    assert!(check(b"abcdefghQ7vK2mZ9xR4tW8pL3nB6yC1dF5", 8, Some(3.0)).is_ok());
    assert!(check(b"yourMasterKey", 8, Some(3.0)).is_err());
    assert!(check(b"my-secret-key-for-tests", 8, Some(3.0)).is_err());
    assert_eq!(
        check_bar(
            b"123e4567-e89b-12d3-a456-426614174000",
            &crate::finding::Bar {
                uuid_ok: true,
                ..crate::finding::Bar::STRUCTURED
            }
        ),
        Ok(())
    );
}
