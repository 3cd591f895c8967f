//! Ring discovery (SPEC §1): `.stalekey/ring.json` from each scan root (the current
//! directory for `--staged`) upward to the git top-level; no ring is an error for a gate
//! and a warning (or with `--require-ring` an error) for a scan.

use crate::harness::*;

/// A repository whose ring holds KEY_A as revoked, and app/sub/settings.py holding it.
fn repo() -> Tree {
    let t = Tree::new();
    git_ok(t.path(), &["init", "-q"]);
    t.write(
        ".stalekey/ring.json",
        ring_json(&[("svc/1", "svc", "revoked", KEY_A)]),
    );
    t.write("app/sub/settings.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    t
}

#[test]
fn the_ring_is_found_from_a_file_a_subdirectory_and_for_staged() {
    let t = repo();
    let sub = t.path().join("app/sub");
    for (cwd, args) in [
        (t.path().to_path_buf(), vec!["scan", "app/sub/settings.py"]),
        (t.path().to_path_buf(), vec!["scan", "app/sub"]),
        (sub.clone(), vec!["scan", "."]),
        (
            sub.clone(),
            vec!["scan", "settings.py", "--fail-on", "compromised"],
        ),
    ] {
        let out = sk(&args).cwd(&cwd).run();
        assert_eq!(out.code, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stdout.contains("compromised"),
            "{args:?}: {}",
            out.stdout
        );
        assert!(!out.stderr.contains("no key ring"), "{}", out.stderr);
    }
    git_ok(t.path(), &["add", "app/sub/settings.py"]);
    let out = sk(&["scan", "--staged", "--format", "json"])
        .cwd(&sub)
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    assert_eq!(findings(&report)[0]["verdict"], "compromised");
    assert_eq!(report["ring"]["keys"], 1);
}

#[test]
fn no_ring_is_a_gate_error_and_a_scan_warning() {
    let t = Tree::new();
    git_ok(t.path(), &["init", "-q"]);
    t.write("a.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    let out = sk(&["gate", "--rotate", "svc", "."]).cwd(t.path()).run();
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("no key ring found (looked for .stalekey/ring.json in"),
        "{}",
        out.stderr
    );
    let out = sk(&["scan", "."]).cwd(t.path()).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no key ring found (looked for .stalekey/ring.json in")
            && out.stderr.contains("ring keys cannot be recognised"),
        "{}",
        out.stderr
    );
    let out = sk(&["scan", ".", "--require-ring"]).cwd(t.path()).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("--require-ring: no key ring found"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_ring_above_the_repository_is_not_used() {
    let t = Tree::new();
    t.write(
        ".stalekey/ring.json",
        ring_json(&[("svc/1", "svc", "revoked", KEY_A)]),
    );
    std::fs::create_dir_all(t.path().join("repo")).unwrap();
    git_ok(&t.path().join("repo"), &["init", "-q"]);
    t.write("repo/a.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    let out = sk(&["scan", "a.py", "--format", "json"])
        .cwd(&t.path().join("repo"))
        .run();
    assert!(out.stderr.contains("no key ring found"), "{}", out.stderr);
    assert_eq!(findings(&json(&out))[0]["verdict"], "untracked");
}

#[test]
fn roots_with_different_rings_are_an_error() {
    let t = Tree::new();
    t.write(
        "a/.stalekey/ring.json",
        ring_json(&[("x/1", "x", "active", KEY_A)]),
    );
    t.write(
        "b/.stalekey/ring.json",
        ring_json(&[("y/1", "y", "active", KEY_B)]),
    );
    let out = sk(&["scan", "a", "b"]).cwd(t.path()).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("different key rings"), "{}", out.stderr);
}

#[test]
fn ring_commands_edit_the_repository_ring_from_a_subdirectory() {
    let t = repo();
    let out = sk(&[
        "ring",
        "add",
        "--id",
        "svc/2",
        "--service",
        "svc",
        "--state",
        "pending",
    ])
    .cwd(&t.path().join("app/sub"))
    .stdin(KEY_B)
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = std::fs::read_to_string(t.path().join(".stalekey/ring.json")).unwrap();
    assert!(text.contains("svc/2"), "{text}");
    assert!(!t.path().join("app/sub/.stalekey").exists());
}
