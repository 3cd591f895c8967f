//! `stalekey scan` on the fixture tree: its expected report, every planted secret found,
//! decoys not, determinism across thread counts, and no secret in any output.

use crate::harness::{self, *};
use serde_json::Value;
use std::collections::BTreeSet;

/// A planted fixture secret (tests/data/planted-secrets.txt: `LABEL SECRET` a line).
struct Planted {
    /// `ring`, `ring-ignored` or `untracked`.
    kind: String,
    /// The ring id, or where an untracked secret is planted.
    name: String,
    secret: String,
}

impl Planted {
    /// The fingerprint as reports show it: whole for a ring key, truncated for an
    /// untracked secret.
    fn fingerprint(&self) -> String {
        if self.kind.starts_with("ring") {
            fp(harness::planted_bytes(&self.secret))
        } else {
            fp_untracked(&self.secret)
        }
    }
}

fn planted() -> Vec<Planted> {
    let mut out: Vec<Planted> = harness::planted("planted-secrets.txt")
        .into_iter()
        .map(|(label, secret)| {
            let (kind, name) = label.split_once(':').expect("KIND:NAME");
            assert!(
                ["ring", "ring-ignored", "untracked"].contains(&kind),
                "unknown label {label}"
            );
            Planted {
                kind: kind.into(),
                name: name.into(),
                secret,
            }
        })
        .collect();
    assert!(out.len() >= 20, "planted-secrets.txt looks truncated");
    out.extend(focused_planted());
    out
}

/// The nginx and SQL fixtures' plaintexts (tests/data/*-secrets.txt: `ID<TAB>SECRET`,
/// `-` for a secret not in the ring), whose keys scripts/fixture-ring.py copies into
/// the demo ring.
fn focused_planted() -> Vec<Planted> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(root().join("tests/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with("-secrets.txt") && name != "planted-secrets.txt"
        })
        .collect();
    files.sort();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for (id, secret) in harness::planted(&file) {
            // Their untracked values (and encoded forms) are checked by their own tests;
            // here they only count as planted (never leaked, findings allowed).
            let (kind, name) = if id == "-" {
                ("focused", file.clone())
            } else {
                ("ring", id)
            };
            out.push(Planted {
                kind: kind.into(),
                name,
                secret,
            });
        }
    }
    out
}

/// Findings in the nginx and SQL fixture trees, which their own test modules check in
/// full (their untracked values, such as a PGP public key, are not planted secrets).
fn in_focused_fixture(f: &Value) -> bool {
    let path = f["path"].as_str().unwrap_or("");
    ["edge/", "edge-malformed/", "db/", "encodings/"]
        .iter()
        .any(|d| path.starts_with(d))
}

fn fingerprints(report: &Value) -> BTreeSet<String> {
    findings(report)
        .iter()
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------
// The fixture tree

#[test]
fn fixtures_report_matches_expected() {
    let out = scan_fixtures(&["--format", "json"]);
    assert_eq!(out.code, 1, "fixtures hold failing keys\n{}", out.stderr);
    assert_matches_expected("fixtures.json", &out.stdout);
}

#[test]
fn ring_matches_planted_secrets_and_covers_every_state() {
    let ring: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(RING)).unwrap()).unwrap();
    let keys = ring["keys"].as_array().unwrap();
    let planted = planted();
    for p in planted.iter().filter(|p| p.kind.starts_with("ring")) {
        let entry = keys
            .iter()
            .find(|k| k["id"] == p.name.as_str())
            .unwrap_or_else(|| panic!("{} is planted but not in the ring", p.name));
        assert_eq!(
            entry["fingerprint"].as_str().unwrap(),
            p.fingerprint(),
            "{}: run scripts/fixture-ring.py",
            p.name
        );
        if let Some(len) = entry.get("length") {
            let bytes = harness::planted_bytes(&p.secret).len();
            assert_eq!(len.as_u64().unwrap() as usize, bytes, "{}", p.name);
        }
    }
    // Every key of the demo ring is planted, but for the focused rings' keys copied in
    // (their own tests check those, e.g. a PGP public key block).
    let focused: BTreeSet<String> = std::fs::read_dir(root().join("tests/data"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("-ring.json"))
        .flat_map(|p| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            v["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let own: BTreeSet<&str> = keys
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .filter(|id| !focused.contains(*id))
        .collect();
    let planted_ids: BTreeSet<&str> = planted
        .iter()
        .filter(|p| p.kind.starts_with("ring") && !focused.contains(&p.name))
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(own, planted_ids, "every ring key is planted");
    let states: BTreeSet<&str> = keys.iter().map(|k| k["state"].as_str().unwrap()).collect();
    assert_eq!(
        states,
        BTreeSet::from(["active", "fallback", "pending", "retired", "revoked"])
    );
    let services: BTreeSet<&str> = keys
        .iter()
        .map(|k| k["service"].as_str().unwrap())
        .collect();
    assert!(services.len() >= 5, "{services:?}");
    assert!(keys.iter().any(|k| k.get("length").is_none()));
    assert!(
        keys.iter().filter(|k| k.get("length").is_some()).count() > keys.len() / 2,
        "most keys declare a length"
    );
}

#[test]
fn every_planted_secret_is_found() {
    let report = json(&scan_fixtures(&["--format", "json"]));
    let found = fingerprints(&report);
    let mut missing = Vec::new();
    for p in planted() {
        let present = found.contains(&p.fingerprint());
        match p.kind.as_str() {
            "ring" | "untracked" if !present => missing.push(format!("{}:{}", p.kind, p.name)),
            "ring-ignored" => assert!(!present, "{} is in a .gitignore'd file", p.name),
            _ => {}
        }
    }
    assert!(missing.is_empty(), "planted secrets not found: {missing:?}");
    for f in findings(&report) {
        let fp = f["fingerprint"].as_str();
        let untracked = planted().iter().any(|p| {
            (p.kind == "untracked" || p.kind == "focused") && Some(p.fingerprint().as_str()) == fp
        });
        if f["verdict"] == "untracked" && !in_focused_fixture(f) {
            assert!(untracked, "untracked finding is no planted secret: {f}");
        }
    }
    // `.env` files are hidden by name but must be scanned by default (SPEC §3).
    let paths: BTreeSet<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for p in ["compose/.env", "flask-app/.env"] {
        assert!(paths.contains(p), "{p} not scanned: {paths:?}");
    }
}

#[test]
fn decoys_are_not_findings() {
    let report = json(&scan_fixtures(&["--format", "json"]));
    let decoys = [
        "changeme",
        "<your-key>",
        "xxxxxxxxxxxxxxxx",
        "${SECRET_KEY}",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "put your unique phrase here",
        "3f2b8c1e-9d4a-4e7b-a5c6-1b2d3e4f5a6b",
        "8f14e45f-ceea-467f-a0e6-2b5a3c9d7e10",
        "c9a646d3-9c61-4cb7-bfcd-ee2522c8f633",
        "9fceb02d0ae598e95dc970b74767f19372d61af8",
        "e83c5163316f89bfbde7d9ab23ca2e25604af290",
        "h1:OuVbFODueb089Lh128TAcimifWaLhJwVflnrgM17wHk=",
        "sha512-PRp66vJ865SSqOlgqS8hujT5U4AOgMfhrwYIuIhfKaoSCZcirrmASQr8CX7cUg+RMih+hgznrjp99o+W4pJLHQ==",
    ];
    let found = fingerprints(&report);
    for d in decoys {
        let fp = fp(d);
        assert!(!found.contains(&fp), "decoy {d:?} is a finding");
    }
    for f in findings(&report) {
        let path = f["path"].as_str().unwrap();
        let line = f["line"].as_u64().unwrap();
        let decoy_only = [
            "next-api/package-lock.json",
            "next-api/package.json",
            "go-service/go.sum",
            "go-service/go.mod",
            "go-service/version.go",
            "flask-app/.env.example",
        ];
        if decoy_only.contains(&path) {
            assert_eq!(f["kind"], "reference", "decoy file has a finding: {f}");
        }
        // Parse Server's maintenanceKey is a function, not a literal.
        if path == "parse-server/index.js" && line == 12 {
            assert_ne!(f["kind"], "literal", "{f}");
        }
        // A literal always carries a fingerprint; references and ciphertext never do.
        assert_eq!(f["kind"] == "literal", !f["fingerprint"].is_null(), "{f}");
    }
    assert!(
        !found.is_empty() && findings(&report).iter().all(|f| f["path"] != "ring.json"),
        "the ring file itself is never scanned"
    );
}

#[test]
fn fixture_stats_count_binary_and_ignored_files() {
    let report = json(&scan_fixtures(&["--format", "json"]));
    assert_eq!(stats(&report, "binary"), 1, "assets/logo.png");
    // The binary file is searched for ring keys only, not skipped.
    assert_eq!(stats(&report, "ring_only"), 1);
    assert_eq!(stats(&report, "skipped"), 0);
    assert_eq!(stats(&report, "unreadable"), 0);
    assert!(findings(&report)
        .iter()
        .all(|f| f["path"] != "assets/logo.png" && f["path"] != "next-api/secrets.local.json"));
}

#[test]
fn no_ignore_scans_gitignored_files() {
    let ignored: Vec<Planted> = planted()
        .into_iter()
        .filter(|p| p.kind == "ring-ignored")
        .collect();
    assert!(!ignored.is_empty());
    let default = json(&scan_fixtures(&["--format", "json"]));
    let all = json(&scan_fixtures(&["--format", "json", "--no-ignore"]));
    for p in &ignored {
        assert!(!fingerprints(&default).contains(&p.fingerprint()));
        assert!(
            fingerprints(&all).contains(&p.fingerprint()),
            "{} not found with --no-ignore",
            p.name
        );
    }
    let hit = findings(&all)
        .iter()
        .find(|f| f["path"] == "next-api/secrets.local.json")
        .expect("secrets.local.json finding");
    assert_eq!(hit["verdict"], "stale");
    assert_eq!(stats(&all, "files"), stats(&default, "files") + 1);
}

#[test]
fn thread_count_does_not_change_any_output() {
    for format in ["json", "text"] {
        let one = scan_fixtures(&["--format", format, "--threads", "1", "--color", "never"]);
        let two = scan_fixtures(&["--format", format, "--threads", "2", "--color", "never"]);
        let many = scan_fixtures(&["--format", format, "-j", "8", "--color", "never"]);
        assert_eq!(one.code, 1);
        assert_eq!((two.code, many.code), (1, 1));
        // duration_ms is the only field that may differ between runs.
        let strip = |s: &str| {
            s.lines()
                .filter(|l| !l.contains("\"duration_ms\""))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(&one.stdout), strip(&two.stdout), "{format}");
        assert_eq!(strip(&one.stdout), strip(&many.stdout), "{format}");
        assert_eq!(one.stderr, two.stderr);
    }
}

#[test]
fn no_output_contains_a_planted_secret() {
    let planted = planted();
    let runs: Vec<Vec<&str>> = vec![
        vec!["--format", "json"],
        vec!["--format", "text"],
        vec!["--format", "text", "--color", "always"],
        vec!["--format", "json", "--no-ignore", "--hidden"],
        vec![
            "--format",
            "text",
            "--no-ignore",
            "--hidden",
            "--color",
            "always",
        ],
        vec!["--format", "json", "--max-filesize", "300"],
        vec!["--format", "sarif"],
        vec!["--format", "sarif", "--no-ignore"],
        vec!["--format", "github", "--no-ignore"],
    ];
    for args in runs {
        let out = scan_fixtures(&args);
        assert!([0, 1].contains(&out.code), "{args:?}: {}", out.stderr);
        assert!(out.stdout.len() > 200, "{args:?}: empty report");
        for p in &planted {
            for shown in [p.secret.clone(), base64(p.secret.as_bytes())] {
                assert!(
                    !out.stdout.contains(&shown) && !out.stderr.contains(&shown),
                    "{args:?}: output holds planted secret {}:{}",
                    p.kind,
                    p.name
                );
            }
            // A preview shows at most three characters: not even a key's first eight.
            assert!(!out.stdout.contains(&p.secret[..8]), "{args:?}: {}", p.name);
        }
    }
}

#[test]
fn every_literal_finding_points_at_the_first_byte_of_its_secret() {
    let report = json(&scan_fixtures(&["--format", "json", "--no-ignore"]));
    let planted = planted();
    let mut checked = 0;
    for f in findings(&report) {
        let Some(fp) = f["fingerprint"].as_str() else {
            continue;
        };
        if in_focused_fixture(f) {
            continue; // checked by tests/it/nginx.rs and tests/it/sql.rs
        }
        let p = planted
            .iter()
            .find(|p| p.fingerprint() == fp)
            .unwrap_or_else(|| panic!("finding of no planted secret: {f}"));
        let path = root().join("fixtures").join(f["path"].as_str().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        let line = text
            .lines()
            .nth(f["line"].as_u64().unwrap() as usize - 1)
            .unwrap();
        let at = &line[f["column"].as_u64().unwrap() as usize - 1..];
        // The secret as written: plain, JSON with `\/` escapes, base64, or a base64
        // word (a `Basic` credential) that decodes to something holding it.
        let word: String = at
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "+/=".contains(*c))
            .collect();
        let decoded = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .decode(&word)
                .unwrap_or_default()
        };
        let ok = at.starts_with(&p.secret)
            || at.starts_with(&p.secret.replace('/', "\\/"))
            || at.starts_with(&base64(p.secret.as_bytes()))
            || ((f["rule"] == "ring-key-base64" || f["rule"] == "nginx-authorization-basic")
                && String::from_utf8_lossy(&decoded).contains(&p.secret));
        assert!(
            ok,
            "{}:{}:{} does not start {}:{}",
            f["path"], f["line"], f["column"], p.kind, p.name
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} literal findings");
}
