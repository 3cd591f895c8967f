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

/// Words that hold a secret word without meaning one (`author` holds `auth`).
const NOT_SECRET_WORDS: &[&str] = &[
    "author",
    "authority",
    "keyword",
    "monkey",
    "turkey",
    "donkey",
    "hockey",
    "jockey",
    "keyboard",
];

/// `name` with the words that only look secret (`author_email`) taken out.
fn without_lookalikes(name: &str) -> String {
    let mut lower = name.to_ascii_lowercase();
    for w in NOT_SECRET_WORDS {
        lower = lower.replace(w, "_");
    }
    lower
}

/// Is `name` (a variable, setting, header or parameter) one that holds a secret?
/// `process.env.NODE_ENV` is not; `OPENAI_API_KEY` and `X-Api-Key` are.
pub(crate) fn is_secret_name(name: &str) -> bool {
    contains_any(&without_lookalikes(name), SECRET_WORDS)
}

/// Names of settings that hold identifiers, not secrets, even when a secret word is in
/// them (`device_token`, `api_key_id`, `username`).
const IDENTIFIER_NAMES: &[&str] = &[
    "user",
    "username",
    "user_name",
    "login",
    "email",
    "mail",
    "address",
    "addr",
    "host",
    "hostname",
    "url",
    "uri",
    "endpoint",
    "port",
    "database",
    "db",
    "dbname",
    "db_name",
    "region",
    "bucket",
    "account",
    "account_id",
    "client_id",
    "app_id",
    "project",
    "project_id",
    "namespace",
    "cluster",
    "device_token",
    "device_id",
    "key_id",
    "access_key_id",
    "api_key_id",
    "key_name",
    "keyname",
    "token_type",
    "token_url",
    "keyfile",
    "key_file",
    "key_path",
    "keystore",
    "cert_file",
    "certfile",
];

/// Is `name` one that holds an identifier (`username`, `device_token`)? Case, `-` and
/// `.` are ignored, and a prefix (`db_user`, `aws_access_key_id`) is allowed.
pub(crate) fn is_identifier_name(name: &str) -> bool {
    let norm: String = name
        .chars()
        .map(|c| match c {
            '-' | '.' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    // camelCase (`apiUsername`, `deviceToken`) ends in the word itself.
    let joined = norm.replace('_', "");
    IDENTIFIER_NAMES.iter().any(|w| {
        norm == *w
            || norm.ends_with(&format!("_{w}"))
            || (w.len() >= 7 && joined.ends_with(&w.replace('_', "")))
    })
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
        for no in [
            "NODE_ENV",
            "PORT",
            "X-Request-Id",
            "author",
            "author_email",
            "keywords",
        ] {
            assert!(!is_secret_name(no), "{no}");
        }
    }

    #[test]
    fn identifier_names() {
        for yes in [
            "username",
            "DB_USER",
            "device-token",
            "aws_access_key_id",
            "Email",
        ] {
            assert!(is_identifier_name(yes), "{yes}");
        }
        for no in ["password", "api_key", "secret_key", "token"] {
            assert!(!is_identifier_name(no), "{no}");
        }
    }

    #[test]
    fn fallback_names() {
        assert!(is_fallback_name("SECRET_KEY_FALLBACKS"));
        assert!(is_fallback_name("previous_key"));
        assert!(!is_fallback_name("SECRET_KEY"));
    }
}
