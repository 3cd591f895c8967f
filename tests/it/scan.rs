//! `stalekey scan` on source and config trees: the fixture tree against its expected
//! report, determinism, secrecy of every output, exit codes and the walk controls.

#![allow(clippy::print_stderr)] // notes when a test cannot run here

use crate::harness::*;
use serde_json::Value;
use stalekey::secret::Fingerprint;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const RING: &str = "fixtures/ring.json";

#[test]
fn fingerprint_of_stdin() {
    let out = sk(&["fingerprint"]).stdin("test").run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
    );
}

// ---------------------------------------------------------------------------------
// Helpers

/// A planted fixture secret (tests/data/planted-secrets.txt: `LABEL SECRET` a line).
struct Planted {
    /// `ring`, `ring-ignored` or `untracked`.
    kind: String,
    /// The ring id, or where an untracked secret is planted.
    name: String,
    secret: String,
}

impl Planted {
    fn fingerprint(&self) -> String {
        Fingerprint::of(self.secret.as_bytes()).to_string()
    }
}

fn planted() -> Vec<Planted> {
    let text = std::fs::read_to_string(root().join("tests/data/planted-secrets.txt")).unwrap();
    let mut out: Vec<Planted> = text
        .lines()
        .map(|line| {
            let (label, secret) = line.split_once(' ').expect("LABEL SECRET");
            let (kind, name) = label.split_once(':').expect("KIND:NAME");
            assert!(
                ["ring", "ring-ignored", "untracked"].contains(&kind),
                "unknown label {label}"
            );
            Planted {
                kind: kind.into(),
                name: name.into(),
                secret: secret.into(),
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
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            // `ID<TAB>SECRET`, or a bare SECRET (a value planted only to be kept out of
            // every output).
            let (id, secret) = line.split_once('\t').unwrap_or(("-", line));
            // Their untracked values (and encoded forms) are checked by their own tests;
            // here they only count as planted (never leaked, findings allowed).
            let (kind, name) = if id == "-" {
                (
                    "focused",
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                )
            } else {
                ("ring", id.to_string())
            };
            out.push(Planted {
                kind: kind.into(),
                name,
                secret: secret.into(),
            });
        }
    }
    out
}

/// Findings in the nginx and SQL fixture trees, which their own test modules check in
/// full (their untracked values, such as a PGP public key, are not planted secrets).
fn in_focused_fixture(f: &Value) -> bool {
    let path = f["path"].as_str().unwrap_or("");
    ["edge/", "edge-malformed/", "db/"]
        .iter()
        .any(|d| path.starts_with(d))
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `stalekey` with no global git excludes (a developer's `~/.config/git/ignore` listing
/// `.env` must not change what these tests see).
const NOWHERE: &str = "/nonexistent/stalekey-test-home";

fn sk(args: &[&str]) -> Run {
    stalekey(args)
        .env("HOME", NOWHERE)
        .env("XDG_CONFIG_HOME", NOWHERE)
}

fn scan_fixtures(extra: &[&str]) -> Output {
    let mut args = vec!["scan", "fixtures", "--ring", RING];
    args.extend_from_slice(extra);
    sk(&args).run()
}

fn json(out: &Output) -> Value {
    normalized(&out.stdout)
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().expect("findings array")
}

fn fingerprints(report: &Value) -> BTreeSet<String> {
    findings(report)
        .iter()
        .filter_map(|f| f["fingerprint"].as_str().map(str::to_string))
        .collect()
}

fn stats(report: &Value, field: &str) -> u64 {
    report["stats"][field]
        .as_u64()
        .unwrap_or_else(|| panic!("stats.{field} in {}", report["stats"]))
}

/// A ring file holding the fingerprints of `keys` as (id, service, state, key).
fn ring_json(keys: &[(&str, &str, &str, &str)]) -> String {
    let entries: Vec<String> = keys
        .iter()
        .map(|(id, service, state, key)| {
            format!(
                r#"{{"id": "{id}", "service": "{service}", "state": "{state}", "fingerprint": "{}", "length": {}}}"#,
                Fingerprint::of(key.as_bytes()),
                key.len()
            )
        })
        .collect();
    format!(r#"{{"version": 1, "keys": [{}]}}"#, entries.join(", "))
}

/// Random-looking test keys, generated once for these tests (not fixture secrets).
const KEY_A: &str = "Vq7TzR2mX9pL4wK8sN3bY6cH1dF5gJ0e";
const KEY_B: &str = "pE4nW8qZ2xR6tY0uI3oP7aS1dF5gH9jK";

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
            assert_eq!(len.as_u64().unwrap() as usize, p.secret.len(), "{}", p.name);
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
        let fp = Fingerprint::of(d.as_bytes()).to_string();
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
    assert_eq!(stats(&report, "skipped"), 1);
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

// ---------------------------------------------------------------------------------
// Exit codes (SPEC §4)

#[test]
fn exit_codes_follow_fail_on() {
    assert_eq!(scan_fixtures(&["--fail-on", "none"]).code, 0);
    assert_eq!(scan_fixtures(&["--fail-on", "compromised"]).code, 1);
    // fixtures/db holds encrypted rows: reencrypt findings fail only when asked.
    assert_eq!(scan_fixtures(&["--fail-on", "reencrypt"]).code, 1);
    assert_eq!(scan_fixtures(&["--fail-on", "reference,reencrypt"]).code, 1);
    assert_eq!(scan_fixtures(&["--fail-on", "reencrypt,stale"]).code, 1);

    let tree = Tree::new();
    tree.write("app/settings.py", "DEBUG = True\nPORT = 8080\n");
    let out = sk(&["scan", tree.path().to_str().unwrap()]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no findings"), "{}", out.stdout);

    // The same key passes once its verdict is not in --fail-on.
    tree.write(
        ".stalekey/ring.json",
        ring_json(&[("k", "svc", "active", KEY_A)]),
    );
    tree.write("app/token.txt", format!("token {KEY_A}\n"));
    let path = tree.path().to_str().unwrap();
    assert_eq!(sk(&["scan", path]).run().code, 1);
    assert_eq!(
        sk(&["scan", path, "--fail-on", "stale,compromised"])
            .run()
            .code,
        0
    );
}

#[test]
fn bad_arguments_exit_2_without_a_report() {
    let cases: &[&[&str]] = &[
        &["scan", "fixtures", "--format", "xml"],
        &["scan", "fixtures", "--fail-on", "bogus"],
        &["scan", "fixtures", "--threads", "0"],
        &["scan", "fixtures", "--max-filesize", "ten"],
        &["scan", "fixtures", "--color", "sometimes"],
        &["scan", "fixtures", "--no-such-flag"],
        &["scan", "fixtures", "--ring", "fixtures/no-such-ring.json"],
        &["scan", "fixtures/no-such-dir"],
        &["scan", "fixtures", "fixtures/no-such-file.py"],
        &["frobnicate"],
    ];
    for args in cases {
        let out = sk(args).run();
        assert_eq!(out.code, 2, "{args:?}\n{}{}", out.stdout, out.stderr);
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
        assert!(!out.stderr.is_empty(), "{args:?} said nothing");
    }
    let out = sk(&["scan", "fixtures", "--ring", "fixtures/no-such-ring.json"]).run();
    assert!(
        out.stderr.contains("fixtures/no-such-ring.json"),
        "{}",
        out.stderr
    );
    let out = sk(&["scan", "fixtures/no-such-dir"]).run();
    assert!(
        out.stderr.contains("fixtures/no-such-dir"),
        "{}",
        out.stderr
    );
}

#[test]
fn dangling_symlink_given_explicitly_exits_2() {
    let tree = Tree::new();
    let link = tree.path().join("gone.py");
    std::os::unix::fs::symlink(tree.path().join("missing.py"), &link).unwrap();
    let out = sk(&["scan", link.to_str().unwrap()]).run();
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("gone.py"), "{}", out.stderr);
}

#[test]
fn malformed_rings_exit_2_naming_file_entry_and_problem() {
    let fp_a = Fingerprint::of(KEY_A.as_bytes()).to_string();
    let fp_b = Fingerprint::of(KEY_B.as_bytes()).to_string();
    let key = |id: &str, state: &str, fp: &str| {
        format!(r#"{{"id": "{id}", "service": "svc", "state": "{state}", "fingerprint": "{fp}"}}"#)
    };
    let ring = |keys: String| format!("{{\"version\": 1, \"keys\": [\n{keys}\n]}}");
    let cases: Vec<(&str, String, &[&str])> = vec![
        (
            "bad JSON",
            ring(format!("{},", key("a", "active", &fp_a))),
            &["line 3", "not a valid ring"],
        ),
        (
            "unknown state",
            ring(key("a", "primary", &fp_a)),
            &["keys[0] (id \"a\")", "unknown state \"primary\""],
        ),
        (
            "bad fingerprint",
            ring(key("a", "active", "sha256:0123abc")),
            &["keys[0] (id \"a\")", "bad fingerprint"],
        ),
        (
            "uppercase fingerprint",
            ring(key(
                "a",
                "active",
                &fp_a.to_uppercase().replace("SHA256", "sha256"),
            )),
            &["keys[0] (id \"a\")", "bad fingerprint"],
        ),
        (
            "duplicate id",
            ring(format!(
                "{},\n{}",
                key("a", "active", &fp_a),
                key("a", "fallback", &fp_b)
            )),
            &["keys[1] (id \"a\")", "duplicate id"],
        ),
        (
            "duplicate fingerprint",
            ring(format!(
                "{},\n{}",
                key("a", "active", &fp_a),
                key("b", "fallback", &fp_a)
            )),
            &["keys[1] (id \"b\")", "duplicate fingerprint", "\"a\""],
        ),
    ];
    for (what, text, wants) in cases {
        let tree = Tree::new();
        tree.write("src/app.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
        let ring_path = tree.write("ring.json", &text);
        let ring_arg = ring_path.to_str().unwrap();
        for format in ["text", "json"] {
            let out = sk(&[
                "scan",
                tree.path().join("src").to_str().unwrap(),
                "--ring",
                ring_arg,
                "--format",
                format,
            ])
            .run();
            assert_eq!(out.code, 2, "{what}: {}{}", out.stdout, out.stderr);
            assert!(out.stdout.is_empty(), "{what}: printed a report");
            assert!(out.stderr.contains(ring_arg), "{what}: {}", out.stderr);
            for want in wants {
                assert!(
                    out.stderr.contains(want),
                    "{what}: {want:?} in {}",
                    out.stderr
                );
            }
            assert!(!out.stderr.contains(KEY_A), "{what}");
        }
        // The same ring as the default .stalekey/ring.json and via STALEKEY_RING.
        tree.write("src/.stalekey/ring.json", &text);
        let out = sk(&["scan", tree.path().join("src").to_str().unwrap()]).run();
        assert_eq!(out.code, 2, "{what} (default ring): {}", out.stderr);
        assert!(out.stderr.contains(".stalekey/ring.json"), "{}", out.stderr);
        let out = sk(&["scan", "fixtures/go-service"])
            .env("STALEKEY_RING", ring_arg)
            .run();
        assert_eq!(out.code, 2, "{what} (STALEKEY_RING): {}", out.stderr);
        assert!(out.stdout.is_empty());
    }
}

// ---------------------------------------------------------------------------------
// Walk: unreadable, binary, large, hidden and ignored files

/// Runs stalekey without the privilege to bypass file permissions (when the tests run
/// as root); `None` when that is not possible here.
fn run_unprivileged(args: &[&str], probe: &Path) -> Option<Output> {
    if std::fs::read(probe).is_err() {
        // Permissions work as they should: run as is.
        return Some(sk(args).run());
    }
    // Root reads anything. Drop the capabilities that let it, if setpriv can.
    const DROP: &str = "--bounding-set=-dac_override,-dac_read_search";
    let check = Command::new("setpriv")
        .args([DROP, "cat"])
        .arg(probe)
        .output()
        .ok()?;
    if check.status.success() || !String::from_utf8_lossy(&check.stderr).contains("denied") {
        return None;
    }
    let out = Command::new("setpriv")
        .arg(DROP)
        .arg(env!("CARGO_BIN_EXE_stalekey"))
        .args(args)
        .current_dir(root())
        .env_remove("STALEKEY_RING")
        .env_remove("NO_COLOR")
        .env("HOME", NOWHERE)
        .env("XDG_CONFIG_HOME", NOWHERE)
        .output()
        .expect("run setpriv");
    Some(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[test]
fn unreadable_files_in_a_walk_are_warnings_and_counted() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new();
    let locked = tree.write("app/locked.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    tree.write("app/open.txt", format!("token {KEY_B}\n"));
    let locked_dir = tree.path().join("private");
    tree.write("private/inner.txt", format!("token {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("b", "svc", "retired", KEY_B)]));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    let ring = tree.path().join("ring.json");
    let app = tree.path().to_str().unwrap();
    let out = run_unprivileged(
        &[
            "scan",
            app,
            "--ring",
            ring.to_str().unwrap(),
            "--format",
            "json",
        ],
        &locked,
    );
    // Restore permissions so that the temp dir can be removed.
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let Some(out) = out else {
        eprintln!(
            "note: unreadable_files_in_a_walk: running as root without a working setpriv; \
             chmod 000 cannot make a file unreadable here, the walk part is skipped"
        );
        return;
    };
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    assert_eq!(stats(&report, "unreadable"), 2, "{}", out.stderr);
    assert_eq!(stats(&report, "skipped"), 2);
    assert_eq!(stats(&report, "files"), 1);
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(warnings.len(), 2, "{}", out.stderr);
    assert!(warnings
        .iter()
        .all(|w| w.starts_with("stalekey: warning: ") && w.contains("cannot read")));
    assert!(out.stderr.contains("app/locked.py"), "{}", out.stderr);
    assert!(out.stderr.contains("private"), "{}", out.stderr);
    assert!(!out.stderr.contains(KEY_A) && !out.stdout.contains(KEY_A));
    // The readable file was still scanned.
    assert_eq!(findings(&report).len(), 1);
    assert_eq!(findings(&report)[0]["verdict"], "stale");
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let tree = Tree::new();
    let mut blob = b"\x7fELF\x02\x01\x01\x00\x00\x00".to_vec();
    blob.extend_from_slice(KEY_A.as_bytes());
    tree.write("bin/tool", &blob);
    tree.write("src/a.txt", format!("key: {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("a", "svc", "revoked", KEY_A)]));
    let out = sk(&[
        "scan",
        tree.path().to_str().unwrap(),
        "--ring",
        tree.path().join("ring.json").to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    let report = json(&out);
    assert_eq!(out.code, 1);
    assert_eq!(
        (stats(&report, "binary"), stats(&report, "skipped")),
        (1, 1)
    );
    assert_eq!(stats(&report, "files"), 1);
    assert_eq!(findings(&report).len(), 1);
    assert_eq!(findings(&report)[0]["path"], "src/a.txt");
    assert_eq!(findings(&report)[0]["verdict"], "compromised");
    assert!(
        out.stderr.is_empty(),
        "binary files are not warnings: {}",
        out.stderr
    );
}

#[test]
fn max_filesize_skips_large_files_but_not_sql_dumps() {
    let tree = Tree::new();
    let big = format!("{}\ntoken {KEY_A}\n", "# padding line\n".repeat(200));
    tree.write("big.txt", &big);
    tree.write("dump.sql", &big);
    tree.write("small.txt", format!("token {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("a", "svc", "retired", KEY_A)]));
    let ring = tree.path().join("ring.json");
    let scan = |limit: &str| {
        sk(&[
            "scan",
            tree.path().to_str().unwrap(),
            "--ring",
            ring.to_str().unwrap(),
            "--format",
            "json",
            "--max-filesize",
            limit,
        ])
        .run()
    };
    let out = scan("1K");
    let report = json(&out);
    let paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["dump.sql", "small.txt"]);
    assert_eq!(stats(&report, "too_large"), 1);
    assert_eq!(stats(&report, "skipped"), 1);
    assert!(
        out.stderr.contains("big.txt") && out.stderr.contains("--max-filesize"),
        "{}",
        out.stderr
    );
    let report = json(&scan("1M"));
    assert_eq!(findings(&report).len(), 3);
    assert_eq!(stats(&report, "skipped"), 0);
}

/// Paths of the findings of a JSON scan of `tree` with its own `ring.json`.
fn finding_paths(tree: &Tree, extra: &[&str]) -> Vec<String> {
    let ring = tree.path().join("ring.json");
    let mut args = vec![
        "scan",
        tree.path().to_str().unwrap(),
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let report = json(&sk(&args).run());
    findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn hidden_files_need_hidden_but_dotenv_files_do_not() {
    let tree = Tree::new();
    tree.write("web/.env.production", format!("API_TOKEN={KEY_A}\n"));
    tree.write(".config/app.txt", format!("token {KEY_A}\n"));
    tree.write("web/.secrets.txt", format!("token {KEY_A}\n"));
    // A virtualenv directory called .env is hidden like any other directory.
    tree.write(".env/lib/site.txt", format!("token {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    let scan = |extra: &[&str]| finding_paths(&tree, extra);
    assert_eq!(scan(&[]), ["web/.env.production"]);
    assert_eq!(
        scan(&["--hidden"]),
        [
            ".config/app.txt",
            ".env/lib/site.txt",
            "web/.env.production",
            "web/.secrets.txt"
        ]
    );
    let tree2 = Tree::new();
    tree2.write(".env", format!("API_TOKEN={KEY_A}\n"));
    tree2.write(".envrc", format!("export API_TOKEN={KEY_A}\n"));
    tree2.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    assert_eq!(finding_paths(&tree2, &[]), [".env", ".envrc"]);
}

#[test]
fn gitignored_files_need_no_ignore() {
    let tree = Tree::new();
    tree.write(".gitignore", "local/\n*.secret\n");
    tree.write("local/keys.txt", format!("token {KEY_A}\n"));
    tree.write("app.secret", format!("token {KEY_A}\n"));
    tree.write("app.txt", format!("token {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    let scan = |extra: &[&str]| finding_paths(&tree, extra);
    assert_eq!(scan(&[]), ["app.txt"]);
    assert_eq!(
        scan(&["--no-ignore"]),
        ["app.secret", "app.txt", "local/keys.txt"]
    );
}

// ---------------------------------------------------------------------------------
// Output: text, colour, --output, ring discovery

#[test]
fn text_report_colour_and_summary_line() {
    let plain = scan_fixtures(&[]);
    assert_eq!(plain.code, 1);
    assert!(
        !plain.stdout.contains('\x1b'),
        "piped output is not coloured"
    );
    let last = plain.stdout.lines().last().unwrap();
    assert!(last.starts_with("stalekey: "), "{last}");
    assert!(last.contains("failing"), "{last}");
    assert_eq!(
        plain
            .stdout
            .lines()
            .filter(|l| l.starts_with("stalekey:"))
            .count(),
        1
    );
    let report = json(&scan_fixtures(&["--format", "json"]));
    let n = findings(&report).len();
    assert!(last.contains(&format!("{n} findings")), "{last}");
    // Every finding has its line in the text report.
    for f in findings(&report) {
        let place = format!(
            "{}:{}:{}",
            f["path"].as_str().unwrap(),
            f["line"],
            f["column"]
        );
        assert!(plain.stdout.contains(&place), "{place} missing from text");
    }

    let always = scan_fixtures(&["--color", "always"]);
    assert!(always.stdout.contains("\x1b["), "--color always colours");
    let never = scan_fixtures(&["--color", "never"]);
    assert_eq!(never.stdout, plain.stdout);
    let no_color = sk(&["scan", "fixtures", "--ring", RING])
        .env("NO_COLOR", "1")
        .run();
    assert_eq!(no_color.stdout, plain.stdout);
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    // `script` gives the binary a pseudo-terminal as stdout.
    let bin = env!("CARGO_BIN_EXE_stalekey");
    let cmd = format!("{bin} scan fixtures --ring {RING}");
    let run = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(root())
            .env_remove("STALEKEY_RING")
            .env_remove("NO_COLOR")
            .env("HOME", NOWHERE)
            .env("XDG_CONFIG_HOME", NOWHERE);
        if no_color {
            c.env("NO_COLOR", "1");
        }
        c.output()
    };
    let (Ok(tty), Ok(tty_no_color)) = (run(false), run(true)) else {
        eprintln!("note: colour_on_a_terminal: `script` is not available, skipped");
        return;
    };
    let tty = String::from_utf8_lossy(&tty.stdout).into_owned();
    let tty_no_color = String::from_utf8_lossy(&tty_no_color.stdout).into_owned();
    assert!(tty.contains("\x1b["), "a terminal gets colour:\n{tty}");
    assert!(!tty_no_color.contains("\x1b["), "NO_COLOR is honoured");
    assert!(tty_no_color.contains("stalekey: "));
}

#[test]
fn output_file_receives_the_report() {
    let tree = Tree::new();
    for format in ["json", "text"] {
        let file = tree.path().join(format!("report.{format}"));
        let out = scan_fixtures(&["--format", format, "--output", file.to_str().unwrap()]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stdout.is_empty(), "report went to stdout");
        let written = std::fs::read_to_string(&file).unwrap();
        let direct = scan_fixtures(&["--format", format]);
        if format == "json" {
            assert_eq!(normalized(&written), json(&direct));
        } else {
            assert!(!written.contains('\x1b'), "files are not coloured");
            assert_eq!(written.lines().count(), direct.stdout.lines().count());
            assert!(written.ends_with('\n'));
        }
    }
    let out = scan_fixtures(&["--output", "/nonexistent-dir/report.json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("/nonexistent-dir/report.json"));
}

#[test]
fn stalekey_ring_environment_variable_is_honoured() {
    let with_env = sk(&["scan", "fixtures", "--format", "json"])
        .env("STALEKEY_RING", RING)
        .run();
    let with_flag = scan_fixtures(&["--format", "json"]);
    assert_eq!(json(&with_env), json(&with_flag));
    assert_eq!(json(&with_env)["ring"]["path"], RING);
    // --ring wins over the environment.
    let tree = Tree::new();
    tree.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    let other = tree.path().join("ring.json");
    let out = sk(&["scan", "fixtures", "--format", "json", "--ring", RING])
        .env("STALEKEY_RING", other.to_str().unwrap())
        .run();
    assert_eq!(json(&out)["ring"]["path"], RING);
    // An empty STALEKEY_RING is unset: the default ring (none here) applies.
    let out = sk(&["scan", "fixtures/go-service", "--format", "json"])
        .env("STALEKEY_RING", "")
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(json(&out)["ring"]["path"], Value::Null);
}

#[test]
fn default_ring_under_the_scanned_root_is_used() {
    let tree = Tree::new();
    tree.write(
        ".stalekey/ring.json",
        ring_json(&[
            ("a", "svc", "fallback", KEY_A),
            ("b", "svc", "pending", KEY_B),
        ]),
    );
    tree.write("conf/app.txt", format!("primary {KEY_B}\nold {KEY_A}\n"));
    let root_arg = tree.path().to_str().unwrap();
    for extra in [&[][..], &["--hidden"][..]] {
        let mut args = vec!["scan", root_arg, "--format", "json"];
        args.extend_from_slice(extra);
        let out = sk(&args).run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        let report = json(&out);
        let ring_path = report["ring"]["path"].as_str().unwrap();
        assert!(ring_path.ends_with(".stalekey/ring.json"), "{ring_path}");
        assert_eq!(report["ring"]["keys"], 2);
        assert_eq!(stats(&report, "files"), 1, "the ring file is not scanned");
        let got: Vec<(String, u64, u64, String)> = findings(&report)
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("conf/app.txt".to_string(), 1, 9, "pinned".to_string()),
                ("conf/app.txt".to_string(), 2, 5, "expiring".to_string()),
            ],
            "the ring file itself is never a finding ({extra:?})"
        );
    }
    // Scanning from inside the root with the default PATH (.) finds it too.
    let out = sk(&["scan", "--format", "json"]).cwd(tree.path()).run();
    assert_eq!(json(&out)["ring"]["keys"], 2, "{}", out.stderr);
    assert_eq!(json(&out)["ring"]["path"], ".stalekey/ring.json");
    let out = sk(&["scan", "./", "--format", "json"])
        .cwd(tree.path())
        .run();
    assert_eq!(json(&out)["ring"]["path"], ".stalekey/ring.json");
    assert_eq!(findings(&json(&out))[0]["path"], "conf/app.txt");
}

#[test]
fn overlapping_roots_scan_each_file_once() {
    let once = json(&scan_fixtures(&["--format", "json"]));
    for roots in [
        &["fixtures", "fixtures/flask-app"][..],
        &["fixtures/flask-app", "fixtures"][..],
        &["fixtures", "fixtures"][..],
        &["fixtures", "fixtures/flask-app/app.py"][..],
        &["fixtures", "./fixtures/flask-app"][..],
    ] {
        let mut args = vec!["scan", "--ring", RING, "--format", "json"];
        args.extend_from_slice(roots);
        let out = sk(&args).run();
        let report = json(&out);
        assert_eq!(
            findings(&report).len(),
            findings(&once).len(),
            "{roots:?} scanned a file twice"
        );
        assert_eq!(stats(&report, "files"), stats(&once, "files"), "{roots:?}");
        assert_eq!(
            stats(&report, "skipped"),
            stats(&once, "skipped"),
            "{roots:?}"
        );
        // With several roots, paths keep the root as given as their prefix.
        assert!(findings(&report)
            .iter()
            .all(|f| f["path"].as_str().unwrap().starts_with("fixtures/")));
    }
}

#[test]
fn overlapping_roots_name_each_file_the_same_way_every_run() {
    let fixtures = root().join("fixtures");
    let ring = root().join(RING);
    let ring = ring.to_str().unwrap();
    let single = sk(&["scan", ".", "--ring", ring, "--format", "json"])
        .cwd(&fixtures)
        .run();
    let single = json(&single);
    let paths = |r: &Value| -> Vec<String> {
        findings(r)
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    // Root `.` adds no prefix; a file under both roots is named by the first root.
    for _ in 0..3 {
        let out = sk(&[
            "scan",
            ".",
            "flask-app",
            "--ring",
            ring,
            "--format",
            "json",
            "-j",
            "4",
        ])
        .cwd(&fixtures)
        .run();
        assert_eq!(paths(&json(&out)), paths(&single));
    }
    let out = sk(&[
        "scan",
        "flask-app",
        ".",
        "--ring",
        ring,
        "--format",
        "json",
        "-j",
        "4",
    ])
    .cwd(&fixtures)
    .run();
    let report = json(&out);
    assert_eq!(findings(&report).len(), findings(&single).len());
    assert!(paths(&report)
        .iter()
        .filter(|p| p.contains("app.py"))
        .all(|p| p == "flask-app/app.py"));
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

#[test]
fn a_pipe_given_explicitly_is_scanned() {
    // `stalekey scan <(git show HEAD:app.py)`: the path is a pipe, not a regular file.
    let bin = env!("CARGO_BIN_EXE_stalekey");
    let script =
        format!("{bin} scan <(cat fixtures/go-service/main.go) --ring {RING} --format json");
    let Ok(out) = Command::new("bash")
        .args(["-c", &script])
        .current_dir(root())
        .env_remove("STALEKEY_RING")
        .env("HOME", NOWHERE)
        .env("XDG_CONFIG_HOME", NOWHERE)
        .output()
    else {
        eprintln!("note: a_pipe_given_explicitly: bash is not available, skipped");
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = normalized(&stdout);
    assert_eq!(stats(&report, "files"), 1);
    let verdicts: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["stale"], "{stdout}");
}

#[test]
fn symlinks_given_explicitly_are_followed_but_not_inside_a_tree() {
    let tree = Tree::new();
    tree.write("real/conf/app.txt", format!("token {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("a", "svc", "retired", KEY_A)]));
    let real = tree.path().join("real");
    std::os::unix::fs::symlink(&real, tree.path().join("dir-link")).unwrap();
    std::os::unix::fs::symlink(real.join("conf/app.txt"), tree.path().join("file-link.txt"))
        .unwrap();
    // Inside the scanned tree a link is not followed (like ripgrep without -L).
    std::os::unix::fs::symlink(real.join("conf"), real.join("conf-again")).unwrap();
    let ring = tree.path().join("ring.json");
    let scan = |path: &str| {
        let out = sk(&[
            "scan",
            path,
            "--ring",
            ring.to_str().unwrap(),
            "--format",
            "json",
        ])
        .cwd(tree.path())
        .run();
        assert_eq!(out.code, 1, "{path}: {}", out.stderr);
        findings(&json(&out))
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(scan("dir-link"), ["conf/app.txt"]);
    assert_eq!(scan("file-link.txt"), ["file-link.txt"]);
    assert_eq!(scan("real"), ["conf/app.txt"]);
}

#[test]
fn unreadable_paths_given_explicitly_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let tree = Tree::new();
    let file = tree.write("locked.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    let dir = tree.path().join("locked-dir");
    tree.write("locked-dir/a.txt", "x\n");
    for p in [&file, &dir] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let outs: Vec<Option<Output>> = [&file, &dir]
        .iter()
        .map(|p| run_unprivileged(&["scan", p.to_str().unwrap()], &file))
        .collect();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for (out, name) in outs.into_iter().zip(["locked.py", "locked-dir"]) {
        let Some(out) = out else {
            eprintln!("note: unreadable_paths_given_explicitly: root without setpriv, skipped");
            return;
        };
        assert_eq!(out.code, 2, "{name}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.is_empty(), "{name}: printed a report");
        assert!(
            out.stderr.contains(name) && out.stderr.contains("ermission denied"),
            "{name}: {}",
            out.stderr
        );
    }
}
