//! Bounded reads and ring keys in every file: devices and FIFOs are never read in a
//! walk, given explicitly a device is an error; files over `--max-filesize` are streamed
//! for ring keys; UTF-16 text is decoded; `--strict` and the `--threads` cap.

use crate::harness::*;

fn tree_with_ring() -> Tree {
    let t = Tree::new();
    t.write(
        ".stalekey/ring.json",
        ring_json(&[("svc/1", "svc", "revoked", KEY_A)]),
    );
    t
}

#[test]
fn a_device_given_explicitly_is_an_error_and_a_fifo_in_a_walk_is_skipped() {
    let out = sk(&["scan", "--max-filesize", "1M", "/dev/zero"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("/dev/zero: a character device"),
        "{}",
        out.stderr
    );

    let t = tree_with_ring();
    t.write("a.txt", format!("token {KEY_A}\n"));
    let fifo = t.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo (coreutils) is needed");
    // Nobody writes the FIFO: opening it would block the scan forever.
    let out = sk(&["scan", ".", "--format", "json"]).cwd(t.path()).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    assert_eq!(stats(&report, "skipped"), 1);
    assert!(
        out.stderr.contains("pipe: skipped: a FIFO"),
        "{}",
        out.stderr
    );
    assert_eq!(findings(&report)[0]["verdict"], "compromised");
}

#[test]
fn a_ring_key_at_the_end_of_a_large_file_is_found_in_constant_memory() {
    let t = tree_with_ring();
    // 30 MB of text with the key on the last line, and a 3 MB line without whitespace
    // before it (the chunk cut falls inside a run).
    let mut big = "a log line that repeats itself\n".repeat(1_000_000);
    big.push_str(&"x".repeat(3 << 20));
    big.push_str(&format!(" token={KEY_A}\n"));
    t.write("big.log", &big);
    let out = sk(&["scan", "big.log", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let f = &findings(&report)[0];
    assert_eq!(f["verdict"], "compromised");
    assert_eq!(f["line"], 1_000_001);
    assert_eq!(f["column"], (3 << 20) + 8);
    assert_eq!(stats(&report, "ring_only"), 1);
    assert_eq!(findings(&report).len(), 1, "found once, not once per chunk");
}

#[test]
fn utf16_files_are_decoded_and_scanned() {
    let t = tree_with_ring();
    let text = format!("SECRET_KEY = \"{KEY_A}\"\n");
    let le: Vec<u8> = std::iter::once(0xFEFFu16)
        .chain(text.encode_utf16())
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    t.write("le.py", le);
    t.write("be.py", be);
    let out = sk(&["scan", ".", "--format", "json"]).cwd(t.path()).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let got: Vec<(&str, &str, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["verdict"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("be.py", "compromised", "python-secret-key"),
            ("le.py", "compromised", "python-secret-key")
        ]
    );
    assert_eq!(stats(&report, "files"), 2);
}

#[test]
fn strict_fails_when_a_file_could_not_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let t = tree_with_ring();
    let locked = t.write("locked.txt", "x\n");
    t.write("open.txt", "y\n");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let dir = t.path().to_str().unwrap();
    let strict = run_unprivileged(&["scan", dir, "--strict"], &locked);
    let plain = run_unprivileged(&["scan", dir], &locked);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (strict, plain) = (
        strict.expect("running as root without a working setpriv (util-linux)"),
        plain.expect("running as root without a working setpriv (util-linux)"),
    );
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(strict
        .stderr
        .contains("--strict: 1 files or directories could not be read"));
}

#[test]
fn threads_are_capped_with_a_warning() {
    let out = sk(&["scan", "fixtures/flask-app", "-j", "100000", "--ring", RING]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--threads 100000 is more than 4 per CPU"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_staged_blob_over_max_filesize_is_streamed_for_ring_keys() {
    let t = tree_with_ring();
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(t.path())
            .env("HOME", NOWHERE)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    t.write(
        "big.log",
        format!("{}token={KEY_A}\n", "padding line\n".repeat(500)),
    );
    git(&["add", "big.log"]);
    let out = sk(&[
        "scan",
        "--staged",
        "--max-filesize",
        "1K",
        "--format",
        "json",
    ])
    .cwd(t.path())
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    assert_eq!(findings(&report)[0]["verdict"], "compromised");
    assert_eq!(findings(&report)[0]["line"], 501);
    assert_eq!(stats(&report, "ring_only"), 1);
    assert!(
        out.stderr.contains("scanned for ring keys only"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_named_fifo_given_explicitly_is_an_error() {
    let t = Tree::new();
    let fifo = t.path().join("pipe");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // Nobody writes it: reading would block; stalekey refuses at once.
    let out = sk(&["scan", fifo.to_str().unwrap()]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("a FIFO, not a file or directory"),
        "{}",
        out.stderr
    );
}
