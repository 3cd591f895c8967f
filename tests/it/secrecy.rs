//! No message ever holds a key: keys planted in malformed rings, `.env` files, configs,
//! dumps and ignore files never reach stderr or stdout.

use crate::harness::*;

fn assert_no_key(what: &str, out: &Output) {
    for part in [&KEY_A[..16], &KEY_A[8..24], &KEY_A[16..]] {
        assert!(
            !out.stderr.contains(part),
            "{what}: stderr holds the key:\n{}",
            out.stderr
        );
        assert!(
            !out.stdout.contains(part),
            "{what}: stdout holds the key:\n{}",
            out.stdout
        );
    }
}

#[test]
fn malformed_rings_never_print_a_key() {
    let t = Tree::new();
    t.write("a.py", "x = 1\n");
    let entry = |field: &str| {
        format!(
            r#"{{"id": "a", "service": "s", "state": "active", "fingerprint": "sha256:{}", {field}}}"#,
            "0".repeat(64)
        )
    };
    for (what, ring) in [
        (
            "a key as an entry",
            format!(r#"{{"version": 1, "keys": ["{KEY_A}"]}}"#),
        ),
        (
            "a key as length",
            format!(
                r#"{{"version": 1, "keys": [{}]}}"#,
                entry(&format!(r#""length": "{KEY_A}""#))
            ),
        ),
        (
            "a key as a field name",
            format!(
                r#"{{"version": 1, "keys": [{}]}}"#,
                entry(&format!(r#""{KEY_A}": 1"#))
            ),
        ),
        (
            "a key as version",
            format!(r#"{{"version": "{KEY_A}", "keys": []}}"#),
        ),
        (
            "a key as state",
            format!(
                r#"{{"version": 1, "keys": [{{"id": "a", "service": "s", "state": "{KEY_A}", "fingerprint": "x"}}]}}"#
            ),
        ),
        (
            "a key as fingerprint",
            format!(
                r#"{{"version": 1, "keys": [{{"id": "a", "service": "s", "state": "active", "fingerprint": "{KEY_A}"}}]}}"#
            ),
        ),
        (
            "a key in broken JSON",
            format!(r#"{{"version": 1, "keys": [{KEY_A}]}}"#),
        ),
    ] {
        t.write("ring.json", &ring);
        let out = sk(&["scan", "a.py", "--ring", "ring.json"])
            .cwd(t.path())
            .run();
        assert_eq!(out.code, 2, "{what}: {}", out.stderr);
        assert!(
            out.stderr.contains("key ring ring.json"),
            "{what}: {}",
            out.stderr
        );
        assert_no_key(what, &out);
        for cmd in [
            &["ring", "list", "--ring", "ring.json"][..],
            &["ring", "rm", "a", "--ring", "ring.json"],
        ] {
            let out = sk(cmd).cwd(t.path()).run();
            assert_eq!(out.code, 2, "{what} {cmd:?}");
            assert_no_key(what, &out);
        }
    }
}

#[test]
fn malformed_env_files_and_configs_never_print_a_key() {
    let t = Tree::new();
    t.write(
        "bad.env",
        format!(
            "SECRET_KEY=fine-but-weak\n{KEY_A}\n={KEY_A}\n{KEY_A}=x\n'{KEY_A}'\nTOKEN=\"{KEY_A}\n"
        ),
    );
    let out = sk(&[
        "ring",
        "import",
        "bad.env",
        "--service",
        "s",
        "--ring",
        "r.json",
    ])
    .cwd(t.path())
    .run();
    assert_no_key("ring import", &out);
    assert!(out.stderr.contains("bad.env:2"), "{}", out.stderr);

    t.write(
        ".stalekey/ring.json",
        ring_json(&[("x/1", "x", "active", KEY_B)]),
    );
    t.write(
        "conf/nginx.conf",
        format!("server {{\n  set $k \"{KEY_A};\n}}\n"),
    );
    t.write(
        "conf/stray.conf",
        format!("server {{ listen 80; }}\n}} {KEY_A} {{\n"),
    );
    t.write(
        "db/dump.sql",
        format!("SELECT pgp_sym_encrypt('x', '{KEY_A});\n"),
    );
    t.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  token: {KEY_A}!!\n"
        ),
    );
    t.write(".stalekeyignore", format!("{KEY_A}\nsha256:{KEY_A}\n"));
    t.write("app.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    for format in ["text", "json", "sarif", "github"] {
        let out = sk(&["scan", ".", "--format", format]).cwd(t.path()).run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(
            out.stderr.contains(".stalekeyignore:1"),
            "{format}: {}",
            out.stderr
        );
        assert_no_key(format, &out);
    }
}
