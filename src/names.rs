//! Which names hold secrets: one list for every extractor, the judge and the gate.

/// Words that mark a variable, setting, header or parameter as holding a secret.
const SECRET_WORDS: &[&str] = &[
    "secret",
    "key",
    "token",
    "passw",
    "pwd",
    "credential",
    "auth",
    "private",
    "salt",
    "signing",
    "signature",
    "cert",
    "dsn",
    "vault",
];

/// Words that mark a name as holding a previous key (a fallback list or slot).
const FALLBACK_WORDS: &[&str] = &["fallback", "previous", "prev_", "old_", "_old", "rotated"];

fn contains_any(name: &str, words: &[&str]) -> bool {
    let lower = name.to_ascii_lowercase();
    words.iter().any(|w| lower.contains(w))
}

/// Is `name` (a variable, setting, header or parameter) one that holds a secret?
/// `process.env.NODE_ENV` is not; `OPENAI_API_KEY` and `X-Api-Key` are.
pub(crate) fn is_secret_name(name: &str) -> bool {
    contains_any(name, SECRET_WORDS)
}

/// Does `name` hold a previous key (`SECRET_KEY_FALLBACKS`, `previous_key`)?
pub(crate) fn is_fallback_name(name: &str) -> bool {
    contains_any(name, FALLBACK_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for yes in [
            "OPENAI_API_KEY",
            "DJANGO_SECRET",
            "X-Signature",
            "db_passwd",
        ] {
            assert!(is_secret_name(yes), "{yes}");
        }
        for no in ["NODE_ENV", "PORT", "X-Request-Id"] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn fallback_names() {
        assert!(is_fallback_name("SECRET_KEY_FALLBACKS"));
        assert!(is_fallback_name("previous_key"));
        assert!(!is_fallback_name("SECRET_KEY"));
    }
}
