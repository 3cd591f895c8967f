//! Is an unmatched literal plausibly a secret? (SPEC §2: placeholders, documented
//! example keys and things that are plainly not secrets are not findings.)
//!
//! This only ever applies to values that are *not* in the ring: a ring key is always a
//! finding, whatever it looks like.

/// Why a value is not a finding, for tests and `--explain`-style diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotASecret {
    TooShort,
    Placeholder,
    DocumentedExample,
    Uuid,
    GitObjectId,
    IntegrityHash,
    PasswordHash,
    DefaultCredential,
    /// Words: a sentence, or `read-only-test`.
    Prose,
    LowEntropy,
    /// The token format's checksum does not hold (a made-up `ghp_…`).
    BadChecksum,
    /// Encrypted in place (a SOPS `ENC[AES256_GCM,…]` value).
    Encrypted,
    /// A file path (`/etc/apt/trusted.gpg.d/app.gpg`): where a key is, not the key.
    Path,
}

/// Password-hash formats (Django's `algorithm$…`, crypt's `$id$…`, LDAP's `{SCHEME}…`):
/// a stored hash is not a key anyone can use.
const PASSWORD_HASH_PREFIXES: &[&str] = &[
    "pbkdf2_sha256$",
    "pbkdf2_sha1$",
    "argon2$",
    "bcrypt$",
    "bcrypt_sha256$",
    "scrypt$",
    "md5$",
    "sha1$",
    "unsalted_md5$",
    "unsalted_sha1$",
    "crypt$",
    "$2a$",
    "$2b$",
    "$2x$",
    "$2y$",
    "$apr1$",
    "$argon2id$",
    "$argon2i$",
    "$argon2d$",
    "$scrypt$",
    "$pbkdf2",
    "$1$",
    "$5$",
    "$6$",
    "$y$",
    "$7$",
    "$sha1$",
    "{ssha}",
    "{sha}",
    "{ssha256}",
    "{ssha512}",
    "{crypt}",
    "{md5}",
    "{smd5}",
    "{pbkdf2}",
    "{argon2}",
];

/// Well-known default credentials of databases, brokers and admin consoles: whoever
/// left them there did not mean them as a secret (and every scanner's users know them).
const DEFAULT_CREDENTIALS: &[&str] = &[
    "postgres",
    "postgresql",
    "guest",
    "airflow",
    "admin",
    "root",
    "toor",
    "mysql",
    "redis",
    "rabbitmq",
    "minioadmin",
    "elastic",
    "changeit",
    "letmein",
    "welcome",
    "qwerty",
    "keycloak",
    "sonar",
    "jenkins",
    "oracle",
    "sa",
    "user",
    "pass",
    "admin123",
    "postgres123",
];

/// A sentence (three words or more, mostly letters and spaces), or words joined by
/// `-`, `_`, `.`, `:` or spaces, digits only as numbers or at a word's end
/// (`read-only-test`, `user:profile:settings`, `base64_encoded_64_byte_salt`).
pub(crate) fn is_prose(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '.' | ':' | '*'))
        .filter(|w| !w.is_empty())
        .collect();
    let spaced = text.split_whitespace().count();
    let letters = text
        .chars()
        .filter(|c| c.is_alphabetic() || c.is_whitespace())
        .count();
    // Words are short: a PEM or OpenSSH block is lines of 64 or 70 base64 characters,
    // mostly letters (and `AAAA` runs), between a few words.
    let short_words = text.split_whitespace().filter(|w| w.len() <= 24).count();
    if spaced >= 3 && short_words * 4 >= spaced * 3 && letters * 100 >= text.chars().count() * 85 {
        return true;
    }
    // Numbers may stand as words of their own (`base64_encoded_64_byte_salt`), not
    // inside one (`v8hn_k2x`).
    // A word: lower-case letters, maybe ending in a few digits (`base64`, `sha256`).
    let lower_word = |w: &str| {
        let letters = w.bytes().take_while(u8::is_ascii_lowercase).count();
        let digits = w.len() - letters;
        letters >= 2 && digits <= 3 && w[letters..].bytes().all(|b| b.is_ascii_digit())
    };
    let number = |w: &str| w.chars().all(|c| c.is_ascii_digit());
    words.iter().filter(|w| lower_word(w)).count() >= 2
        && words.iter().all(|w| lower_word(w) || number(w))
}

/// A file path: absolute, relative (`./`) or from home (`~/`), two separators or more,
/// and no capital letter or `+`/`=` (which random base64 starting with `/` has).
pub(crate) fn is_path(text: &str) -> bool {
    (text.starts_with('/') || text.starts_with("./") || text.starts_with("~/"))
        && text.matches('/').count() >= 2
        && text.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'/' | b'.' | b'-' | b'_' | b'~')
        })
}

/// Base64 that decodes to printable ASCII text, decoded.
fn base64_text(text: &str) -> Option<String> {
    use base64::Engine as _;
    if text.len() < 8
        || !text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    (!bytes.is_empty() && bytes.iter().all(|b| (0x20..0x7f).contains(b)))
        .then(|| String::from_utf8_lossy(&bytes).into_owned())
}

/// The value is a password hash in one of the stored formats.
pub(crate) fn is_password_hash(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    PASSWORD_HASH_PREFIXES.iter().any(|p| lower.starts_with(p))
}

/// Documented example keys from vendors' docs (AWS, Stripe, GitHub, ...).
const DOCUMENTED_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "xoxb-not-a-real-token-this-will-not-work",
    "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    // express-session's README
    "keyboard cat",
    // RFC 6749's client credentials (s6BhdRkqt3:gX1fBat3bV), in HTTP Basic
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
];

/// Words that mark a value as a stand-in for the real thing.
const PLACEHOLDER_WORDS: &[&str] = &[
    "changeme",
    "change_me",
    "change-me",
    "change_this",
    "change-this",
    "changethis",
    "replace_me",
    "replace-me",
    "replaceme",
    "replace_with",
    "your_",
    "your-",
    "your ",
    "yourkey",
    "yoursecret",
    "placeholder",
    "example",
    "dummy",
    "sample",
    "redacted",
    "notasecret",
    "not_a_secret",
    "not-a-secret",
    "insert_",
    "insert-",
    "todo",
    "fixme",
    "xxxx",
    "****",
    "....",
    "<your",
    "secret_here",
    "key_here",
    "token_here",
    "fake",
    "foobar",
    "lorem",
    "mysecret",
    "my_secret",
    "my-secret",
    "supersecret",
    "super_secret",
    "super-secret",
    "secretkey",
    "secret-key",
    "secret_key",
    "password",
    "passw0rd",
    "p@ssw0rd",
    "0123456789",
    "1234567890",
    "abcdefgh",
];

const PLACEHOLDER_EXACT: &[&str] = &[
    "secret",
    "test",
    "testing",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "default",
    "dev",
    "development",
    "local",
    "admin",
    "key",
    "token",
    "string",
    "empty",
    "required",
];

/// Checks an unmatched value; `min_entropy` is the rule's threshold (bits per byte).
pub(crate) fn check(
    value: &[u8],
    min_len: usize,
    min_entropy: Option<f64>,
) -> Result<(), NotASecret> {
    let bar = crate::finding::Bar {
        min_len,
        entropy: min_entropy,
        uuid_ok: false,
        checksum: None,
    };
    check_bar(value, &bar)
}

/// [`check`], where `uuid_ok` says the token format itself is a UUID.
pub(crate) fn check_bar(value: &[u8], bar: &crate::finding::Bar) -> Result<(), NotASecret> {
    check_with(value, bar, false, false)
}

/// [`check_bar`] for a value held under `name`: 40 hex digits under a name that says
/// secret, token, password, API key or access key are a credential's own format (a GitHub OAuth app's
/// client secret, an old GitHub token), not a git object id.
pub(crate) fn check_named(
    value: &[u8],
    bar: &crate::finding::Bar,
    name: Option<&str>,
) -> Result<(), NotASecret> {
    // (`commit_token`, `tree_sha_secret`: a git object id however it is named.)
    let credential = name.is_some_and(|n| {
        let lower = n.to_ascii_lowercase();
        [
            "secret",
            "token",
            "passw",
            "apikey",
            "api_key",
            "api-key",
            "api key",
            "access_key",
            "accesskey",
            // An `Authorization: Bearer …` header's value is a credential.
            "authorization",
            "bearer",
        ]
        .iter()
        .any(|w| lower.contains(w))
            && !["commit", "sha", "rev", "hash", "object", "tree", "blob"]
                .iter()
                .any(|w| {
                    // `sha` but not `shared` (SHARED_SECRET is a credential).
                    lower
                        .match_indices(w)
                        .any(|(i, _)| *w != "sha" || !lower[i + 3..].starts_with('r'))
                })
    });
    let uuid_credential = name.is_some_and(uuid_may_be_credential);
    check_with(value, bar, credential, uuid_credential)
}

/// Many API keys are random (version 4) UUIDs: npm's legacy tokens, Heroku's, Blocknative's,
/// OneSignal's. Under a name that says secret, token, password or key, and nothing that
/// says identifier, such a UUID is a credential; a request, device or session id, or a
/// UUID of another version (`123e4567-e89b-12d3-…`, made-up `12345678-90ab-cdef-…`), is not.
fn uuid_may_be_credential(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let identifier = [
        "id",
        "uuid",
        "guid",
        "device",
        "push",
        "registration",
        "request",
        "correlation",
        "trace",
        "idempotency",
        "session",
        "csrf",
        "tenant",
        "instance",
        "org",
        // Keys that name a record, not a credential.
        "cache",
        "primary",
        "foreign",
        "sort",
        "partition",
        "object",
        "row",
        "lookup",
        "index",
        "dedup",
        "routing",
        "hash",
        "map",
        "dict",
    ];
    ["secret", "token", "passw", "key", "auth"]
        .iter()
        .any(|w| lower.contains(w))
        && !words.iter().any(|w| identifier.contains(w))
        && !lower.ends_with("id")
        && !lower.contains("uuid")
}

/// A version 4 (random) UUID with the RFC 4122 variant: `xxxxxxxx-xxxx-4xxx-[89ab]xxx-…`.
fn is_random_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    is_uuid(text)
        && b[14] == b'4'
        && matches!(b[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
}

fn check_with(
    value: &[u8],
    bar: &crate::finding::Bar,
    hex40_credential: bool,
    uuid_credential: bool,
) -> Result<(), NotASecret> {
    let (min_len, min_entropy, uuid_ok) = (bar.min_len, bar.entropy, bar.uuid_ok);
    let text = String::from_utf8_lossy(value);
    let trimmed = text.trim();
    if DEFAULT_CREDENTIALS.contains(&trimmed.to_ascii_lowercase().as_str()) {
        return Err(NotASecret::DefaultCredential);
    }
    if value.len() < min_len.max(1) {
        return Err(NotASecret::TooShort);
    }
    if DOCUMENTED_EXAMPLES.contains(&trimmed) {
        return Err(NotASecret::DocumentedExample);
    }
    if is_placeholder(trimmed) {
        return Err(NotASecret::Placeholder);
    }
    if is_password_hash(trimmed) {
        return Err(NotASecret::PasswordHash);
    }
    if is_prose(trimmed) {
        return Err(NotASecret::Prose);
    }
    if is_path(trimmed) {
        return Err(NotASecret::Path);
    }
    if let Some(decoded) = base64_text(trimmed) {
        // `Basic dXNlcm5hbWU6cGFzc3dvcmQ=` is `username:password`.
        if decoded.split(':').any(|part| {
            is_placeholder(part)
                || DEFAULT_CREDENTIALS.contains(&part.to_ascii_lowercase().as_str())
        }) {
            return Err(NotASecret::Placeholder);
        }
    }
    if trimmed.starts_with("ENC[AES256_GCM,data:") {
        // SOPS ciphertext: the rule `sops-encrypted-value` names it as a reference.
        return Err(NotASecret::Encrypted);
    }
    if bar.checksum.is_some_and(|c| !c.holds(trimmed.as_bytes())) {
        return Err(NotASecret::BadChecksum);
    }
    if !uuid_ok && is_uuid(trimmed) && !(uuid_credential && is_random_uuid(trimmed)) {
        return Err(NotASecret::Uuid);
    }
    if is_integrity_hash(trimmed) {
        return Err(NotASecret::IntegrityHash);
    }
    if let Some(min) = min_entropy {
        if !hex40_credential
            && trimmed.len() == 40
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(NotASecret::GitObjectId);
        }
        if shannon_entropy(value) < min || !mixed(value) {
            return Err(NotASecret::LowEntropy);
        }
    }
    Ok(())
}

pub(crate) fn is_placeholder(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if PLACEHOLDER_EXACT.contains(&lower.as_str()) {
        return true;
    }
    if mostly_sequences(lower.as_bytes()) {
        return true;
    }
    // In a long value (a PEM block, a JWT) a short word can occur by chance: there it
    // only counts as a whole word.
    let long = lower.len() > 100;
    if PLACEHOLDER_WORDS.iter().any(|w| {
        let found = if long {
            contains_word(&lower, w)
        } else {
            lower.contains(w)
        };
        // A random value that merely holds a word (`…MasterKey…`, `abcdefgh` then 30
        // random characters) is still random once the word is taken out.
        found && !random_without(text, w)
    }) {
        return true;
    }
    // A name standing in for the value: `yourMasterKey`, `app_secret`, `MY-API-TOKEN`.
    if lower
        .bytes()
        .all(|b| b.is_ascii_lowercase() || matches!(b, b'_' | b'-' | b'.' | b' '))
        && ["key", "secret", "token", "pass"]
            .iter()
            .any(|w| lower.contains(w))
    {
        return true;
    }
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first) {
        return true;
    }
    // Templates and references: ${VAR}, {{ .Values.x }}, %(name)s, <your-key>, $VAR
    let templated = (lower.starts_with("${") && lower.ends_with('}'))
        || (lower.contains("{{") && lower.contains("}}"))
        || (lower.starts_with("%(") && lower.contains(")s"))
        || (lower.starts_with('<') && lower.ends_with('>'))
        // Azure Pipelines `$(var)`, Octopus `#{var}`
        || (lower.starts_with("$(") && lower.ends_with(')'))
        || (lower.starts_with("#{") && lower.ends_with('}'))
        || (lower.starts_with('[') && lower.ends_with(']'))
        || (lower.starts_with('$')
            && lower[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'));
    templated
}

/// Runs a made-up value is typed from: the alphabet, the digits (either way) and the
/// keyboard's rows.
const SEQUENCES: &[&[u8]] = &[
    b"abcdefghijklmnopqrstuvwxyz",
    b"zyxwvutsrqponmlkjihgfedcba",
    b"01234567890",
    b"09876543210",
    b"qwertyuiop",
    b"asdfghjkl",
    b"zxcvbnm",
];

/// For each ASCII byte, the bytes that follow it in some sequence (bit b).
static SUCCESSORS: [u128; 128] = successors();

const fn successors() -> [u128; 128] {
    let mut t = [0u128; 128];
    let mut s = 0;
    while s < SEQUENCES.len() {
        let seq = SEQUENCES[s];
        let mut i = 0;
        while i + 1 < seq.len() {
            t[seq[i] as usize] |= 1 << seq[i + 1];
            i += 1;
        }
        s += 1;
    }
    t
}

/// Half or more of a (lower-cased) value is runs of four or more from [`SEQUENCES`],
/// read straight (`abcdef1234…`, `ZYXWVU…`, `qwertyuiop…`) or every other byte
/// (`a1b2c3d4…`, `1a2b3c…`): typed by hand, not generated. A random value seldom holds
/// such a run at all (a four-byte one at a given place about once in 100,000 for
/// base64, once in 2,000 for hex), so a random key that starts with `abcdefgh` is kept.
fn mostly_sequences(value: &[u8]) -> bool {
    const RUN: usize = 4;
    let n = value.len();
    if n < 2 * RUN {
        return false;
    }
    let follows = |a: u8, b: u8| a < 128 && b < 128 && SUCCESSORS[a as usize] >> b & 1 == 1;
    let mut covered = vec![false; n];
    for step in [1, 2] {
        for phase in 0..step {
            // Walk the bytes at `phase`, `phase + step`, …; mark runs of RUN or more.
            let idx: Vec<usize> = (phase..n).step_by(step).collect();
            let mut start = 0;
            for k in 1..=idx.len() {
                let continues = k < idx.len() && follows(value[idx[k - 1]], value[idx[k]]);
                if !continues {
                    if k - start >= RUN {
                        for &i in &idx[start..k] {
                            covered[i] = true;
                        }
                    }
                    start = k;
                }
            }
        }
    }
    covered.iter().filter(|&&c| c).count() * 2 >= n
}

/// What is left of `text` once every occurrence of `word` is removed is itself a
/// random-looking value: long, high in entropy, of mixed characters.
fn random_without(text: &str, word: &str) -> bool {
    let lower = text.as_bytes().to_ascii_lowercase();
    let mut rest = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < lower.len() {
        if lower[i..].starts_with(word.as_bytes()) {
            i += word.len();
        } else {
            rest.push(text.as_bytes()[i]);
            i += 1;
        }
    }
    rest.len() >= 20
        && shannon_entropy(&rest) >= 4.0
        && distinct_classes(&rest) >= 2
        && !mostly_words(&rest)
}

/// Most of `value` is lowercase words between separators (`goes-here-1234`): prose.
fn mostly_words(value: &[u8]) -> bool {
    let in_words: usize = value
        .split(|b| !b.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 3 && w.iter().all(u8::is_ascii_lowercase))
        .map(<[u8]>::len)
        .sum();
    in_words * 2 > value.len()
}

fn distinct_classes(value: &[u8]) -> usize {
    [
        value.iter().any(u8::is_ascii_lowercase),
        value.iter().any(u8::is_ascii_uppercase),
        value.iter().any(u8::is_ascii_digit),
    ]
    .iter()
    .filter(|&&c| c)
    .count()
}

/// `word` occurs in `text` as a whole word: no letter or digit joins its edges.
fn contains_word(text: &str, word: &str) -> bool {
    let b = text.as_bytes();
    text.match_indices(word).any(|(i, w)| {
        let before = i.checked_sub(1).map(|j| b[j]);
        let after = b.get(i + w.len()).copied();
        let alnum = |c: Option<u8>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        // Only a word's alphanumeric edges need a boundary (`your-` ends in one).
        let joined_before = alnum(w.bytes().next()) && alnum(before);
        let joined_after = alnum(w.bytes().last()) && alnum(after);
        !joined_before && !joined_after
    })
}

pub(crate) fn is_uuid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn is_integrity_hash(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "sha1-", "sha256-", "sha384-", "sha512-", "sha1:", "sha256:", "sha512:", "md5:", "md5-",
        "h1:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// Shannon entropy in bits per byte.
pub(crate) fn shannon_entropy(value: &[u8]) -> f64 {
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in value {
        counts[b as usize] += 1;
    }
    let n = value.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Random-looking keys mix at least two classes of characters.
fn mixed(value: &[u8]) -> bool {
    let classes = [
        value.iter().any(u8::is_ascii_lowercase),
        value.iter().any(u8::is_ascii_uppercase),
        value.iter().any(u8::is_ascii_digit),
        value.iter().any(|b| !b.is_ascii_alphanumeric()),
    ];
    classes.iter().filter(|&&c| c).count() >= 2
}

#[cfg(test)]
mod tests;
