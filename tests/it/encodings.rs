//! Ring keys in every encoding (SPEC §3): percent-encoded in a URL, base64url without
//! padding in a JWKS, hex of raw bytes, JSON and shell escapes, HTTP Basic, a
//! `.dockerconfigjson` nested three levels deep, and a passphrase with spaces quoted in
//! any language. Each place is one finding, at the first byte of the encoded key.

use crate::harness::{self, *};
use base64::Engine as _;

const URL_KEY: &str = "Zx9+q2/Lm8rT4wYb1NcK6dPs=Aq3Vn0Hf";
const SLASH_KEY: &str = "Pq7/Tz/Rm2X9pL4wK8sN3bY6";
const REG_KEY: &str = "rG5tY8uJ2mN6bV4cX1zL9kH3";
const PASSPHRASE: &str = "correct horse battery staple 9XqL2";
/// A key an application uses as 32 raw bytes.
const RAW: [u8; 32] = [
    0x8e, 0x11, 0xf4, 0x3a, 0x90, 0x2b, 0x7c, 0x55, 0xd1, 0x06, 0xee, 0x42, 0x19, 0xab, 0x3f, 0x77,
    0x60, 0xc8, 0x0d, 0x95, 0x2e, 0xb4, 0x71, 0x1a, 0xfc, 0x83, 0x4d, 0x36, 0xe9, 0x58, 0xa7, 0x02,
];

fn raw_ring_entry(id: &str) -> String {
    format!(
        r#"{{"id": "{id}", "service": "raw", "state": "revoked", "fingerprint": "{}", "length": 32}}"#,
        fp(RAW)
    )
}

fn tree() -> Tree {
    let t = Tree::new();
    let ring = ring_json(&[
        ("url/1", "url", "revoked", URL_KEY),
        ("slash/1", "slash", "revoked", SLASH_KEY),
        ("reg/1", "reg", "revoked", REG_KEY),
        ("pass/1", "pass", "revoked", PASSPHRASE),
    ]);
    let ring = ring.replace("]}", &format!(", {}]}}", raw_ring_entry("raw/1")));
    t.write(".stalekey/ring.json", ring);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let b64url = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let hex: String = RAW.iter().map(|b| format!("{b:02x}")).collect();
    let pct = URL_KEY
        .replace('+', "%2B")
        .replace('/', "%2f")
        .replace('=', "%3D");
    t.write(
        "app/db.txt",
        format!("url = postgres://app:{pct}@db:5432/app\n"),
    );
    t.write(
        "app/jwks.json",
        format!(
            "{{\"keys\": [{{\"kty\":\"oct\",\"k\":\"{}\"}}]}}\n",
            b64url(&RAW)
        ),
    );
    t.write("app/crypto.py", format!("KEY = bytes.fromhex(\"{hex}\")\n"));
    t.write(
        "app/settings.json",
        format!("{{\"other\": \"{}\"}}\n", SLASH_KEY.replace('/', "\\/")),
    );
    t.write(
        "app/run.sh",
        format!("curl -H $'X: {}'\n", SLASH_KEY.replace('/', "\\x2f")),
    );
    t.write(
        "app/basic.txt",
        format!(
            "Authorization: Basic {}\n",
            b64(format!("deploy:{URL_KEY}").as_bytes())
        ),
    );
    let docker = format!(
        r#"{{"auths":{{"registry.example.com":{{"auth":"{}"}}}}}}"#,
        b64(format!("ci:{REG_KEY}").as_bytes())
    );
    t.write(
        "k8s/pull-secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pull\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: {}\n",
            b64(docker.as_bytes())
        ),
    );
    t.write("app/words.js", format!("const motto = '{PASSPHRASE}';\n"));
    t.write("app/words.yaml", format!("note: \"{PASSPHRASE}\"\n"));
    // Decoys: a UUID, a hash, a base64 image, minified code.
    t.write(
        "app/decoys.txt",
        "id 123e4567-e89b-12d3-a456-426614174000\nsha 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\nimg data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\nfunction(a){return a%2?\"x\\u0041\":'y'}\n",
    );
    t
}

#[test]
fn every_encoding_of_a_ring_key_is_one_finding() {
    let t = tree();
    let out = sk(&["scan", ".", "--format", "json"]).cwd(t.path()).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let mut got: Vec<(String, String)> = findings(&report)
        .iter()
        .filter(|f| f["verdict"] == "compromised")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["key"]["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let want: Vec<(String, String)> = [
        ("app/basic.txt", "url/1"),
        ("app/crypto.py", "raw/1"),
        ("app/db.txt", "url/1"),
        ("app/jwks.json", "raw/1"),
        ("app/run.sh", "slash/1"),
        ("app/settings.json", "slash/1"),
        ("app/words.js", "pass/1"),
        ("app/words.yaml", "pass/1"),
        ("k8s/pull-secret.yaml", "reg/1"),
    ]
    .iter()
    .map(|(p, k)| (p.to_string(), k.to_string()))
    .collect();
    assert_eq!(
        got,
        want,
        "{}",
        serde_json::to_string_pretty(findings(&report)).unwrap()
    );
    assert!(
        findings(&report)
            .iter()
            .all(|f| f["path"] != "app/decoys.txt"),
        "decoys are no findings"
    );
    // The percent-encoded key is found at its first encoded byte.
    let db = findings(&report)
        .iter()
        .find(|f| f["path"] == "app/db.txt")
        .unwrap();
    assert_eq!(
        db["column"],
        "url = postgres://app:".len() as u64 + 1,
        "{db}"
    );
    // Key bytes never reach the output.
    assert!(!out.stdout.contains(URL_KEY) && !out.stdout.contains(PASSPHRASE));
}

/// A private-key block of random base64 (no real key), as a `.pem` file holds it.
fn pem(kind: &str) -> String {
    let mut rng_state = 0x5EED_1234_u64;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = format!("-----BEGIN {kind}-----\n");
    for _ in 0..6 {
        let line: String = (0..64)
            .map(|_| alphabet[(next() % 64) as usize] as char)
            .collect();
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

#[test]
fn private_key_blocks_are_found_in_any_file_and_quoting() {
    let t = Tree::new();
    let block = pem("PGP PRIVATE KEY BLOCK");
    t.write(
        ".stalekey/ring.json",
        ring_json(&[("pgp/1", "pgp", "revoked", &block)]),
    );
    // In a SQL dump, inside a string literal over several lines.
    t.write(
        "db/dump.sql",
        format!(
            "SELECT pgp_pub_decrypt(data, dearmor('{}')) FROM t;\n",
            block.trim_end()
        ),
    );
    // In JSON, one line with \n escapes; in a shell script, indented.
    t.write(
        "conf/key.json",
        format!("{{\"private\": \"{}\"}}\n", block.replace('\n', "\\n")),
    );
    let indented: String = block.lines().map(|l| format!("    {l}\n")).collect();
    t.write(
        "deploy/run.sh",
        format!("cat > key.asc <<EOF\n{indented}EOF\n"),
    );
    let out = sk(&["scan", ".", "--format", "json"]).cwd(t.path()).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let mut got: Vec<(&str, u64, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("conf/key.json", 1, "compromised"),
            ("db/dump.sql", 1, "compromised"),
            ("deploy/run.sh", 2, "compromised")
        ],
        "{}",
        serde_json::to_string_pretty(findings(&report)).unwrap()
    );
}

const FIXTURE_RING: &str = "tests/data/encodings-ring.json";

#[test]
fn encodings_fixture_matches_expected_and_finds_every_planted_key() {
    let out = sk(&[
        "scan",
        "fixtures/encodings",
        "--ring",
        FIXTURE_RING,
        "--format",
        "json",
    ])
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_matches_expected("encodings.json", &out.stdout);
    let report = json(&out);
    let found: std::collections::BTreeSet<&str> = findings(&report)
        .iter()
        .filter_map(|f| f["key"]["id"].as_str())
        .collect();
    let ring: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(FIXTURE_RING)).unwrap()).unwrap();
    for k in ring["keys"].as_array().unwrap() {
        let id = k["id"].as_str().unwrap();
        assert!(found.contains(id), "{id} is planted but not found");
    }
    assert!(
        findings(&report)
            .iter()
            .all(|f| !f["path"].as_str().unwrap().starts_with("decoys/")),
        "a decoy is a finding: {}",
        serde_json::to_string_pretty(findings(&report)).unwrap()
    );
    assert!(
        findings(&report).iter().all(|f| !f["key"].is_null()),
        "only ring keys are planted here"
    );
    for (_, secret) in harness::planted("encodings-secrets.txt") {
        // (A raw key's hex, upper or lower case, is not printed either.)
        let text = secret.strip_prefix("hex:").unwrap_or(&secret);
        for shown in [text.to_string(), text.to_ascii_uppercase()] {
            assert!(!out.stdout.contains(&shown), "a planted key in the report");
            assert!(!out.stderr.contains(&shown), "a planted key on stderr");
        }
    }
}
