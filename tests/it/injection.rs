//! Nothing a scanned file controls reaches a terminal or a CI log raw: file names,
//! nginx `server_name`s, SQL identifiers and YAML names with newlines, ESC and bidi
//! overrides, in every output format and in the warnings on stderr.

use crate::harness::*;

const EVIL: &str = "z\n::stop-commands::pwn\u{1b}[2J\u{202e}x";

fn crafted() -> Tree {
    let t = Tree::new();
    t.write(
        ".stalekey/ring.json",
        ring_json(&[("svc/1", "svc", "revoked", KEY_A)]),
    );
    // A file name with a newline and a workflow command, and a stray `}` for a warning.
    t.write(
        &format!("conf/{}.conf", EVIL.replace('/', "_")),
        format!("server {{\n  set $secret \"{KEY_A}\";\n}}\n}}\n"),
    );
    // A server_name and a location with the same bytes.
    t.write(
        "nginx/nginx.conf",
        format!(
            "http {{\n  server {{\n    server_name \"{}\";\n    location /a {{\n      set $api_key \"{KEY_A}\";\n    }}\n  }}\n}}\n",
            EVIL.replace('\n', "\\n")
        ),
    );
    // A SQL identifier and a Kubernetes name.
    t.write(
        "db/dump.sql",
        format!(
            "CREATE FUNCTION \"{}\"() RETURNS text AS $$ SELECT pgp_sym_encrypt('x', '{KEY_A}') $$ LANGUAGE sql;\n",
            EVIL.replace('"', "")
        ),
    );
    t.write(
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: \"{}\"\nstringData:\n  token: {KEY_A}\n",
            EVIL.replace('\n', "\\n")
        ),
    );
    t
}

/// No line but stalekey's own annotations starts a workflow command, and no ESC or
/// bidi override is written.
fn assert_clean(what: &str, text: &str) {
    for line in text.lines() {
        assert!(
            !line.starts_with("::")
                || line.starts_with("::error ")
                || line.starts_with("::warning "),
            "{what}: a raw workflow command line: {line:?}"
        );
        assert!(
            !line.contains("stop-commands::pwn\u{1b}"),
            "{what}: {line:?}"
        );
    }
    assert!(!text.contains('\u{1b}'), "{what}: a raw ESC:\n{text}");
    assert!(
        !text.contains('\u{202e}'),
        "{what}: a raw bidi override:\n{text}"
    );
}

#[test]
fn crafted_names_are_escaped_in_every_format() {
    let t = crafted();
    for format in ["text", "github", "json", "sarif"] {
        let out = sk(&["scan", ".", "--format", format, "--color", "never"])
            .cwd(t.path())
            .run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(
            out.stdout.contains("svc/1") || format == "github",
            "{format}"
        );
        assert_clean(&format!("{format} stdout"), &out.stdout);
        assert_clean(&format!("{format} stderr"), &out.stderr);
        // The warning about the stray `}` still names the file, escaped.
        assert!(
            out.stderr.contains("stop-commands"),
            "{format}: the malformed file's warning is missing:\n{}",
            out.stderr
        );
    }
    let out = sk(&["gate", "--rotate", "svc", ".", "--format", "github"])
        .cwd(t.path())
        .run();
    assert_clean("gate github", &out.stdout);
    assert_clean("gate github stderr", &out.stderr);
    let out = sk(&["gate", "--rotate", "svc", ".", "--color", "never"])
        .cwd(t.path())
        .run();
    assert_clean("gate text", &out.stdout);
}

/// A ring's own ids and notes are shown escaped by `ring list` (a ring may come from
/// anyone's pull request).
#[test]
fn crafted_ring_entries_are_escaped_by_ring_list() {
    let t = Tree::new();
    let evil = EVIL.replace('\n', "\\n").replace('\u{1b}', "\\u001b");
    t.write(
        "ring.json",
        format!(
            r#"{{"version": 1, "keys": [{{"id": "{evil}", "service": "s", "state": "active", "fingerprint": "{}", "note": "{evil}"}}]}}"#,
            fp(KEY_A)
        ),
    );
    let out = sk(&["ring", "list", "--ring", "ring.json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_clean("ring list", &out.stdout);
    assert!(
        out.stdout.contains("z\\n::stop-commands::pwn\\e[2J"),
        "{}",
        out.stdout
    );
}
