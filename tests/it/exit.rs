//! Exit codes (SPEC §4): `--fail-on`, bad arguments, malformed rings, paths given
//! explicitly that cannot be scanned.

use crate::harness::*;

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
    let fp_a = fp(KEY_A);
    let fp_b = fp(KEY_B);
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
            &["keys[0] (id \"a\")", "state: not one of pending"],
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
