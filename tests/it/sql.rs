//! `stalekey scan` on SQL dumps: pgcrypto keys in functions, triggers, views, defaults and
//! policies, `current_setting` references, and PGP ciphertext per table column.

use crate::harness::{self, *};
use std::io::Write;

const RING: &str = "tests/data/db-ring.json";

fn planted() -> Vec<String> {
    harness::planted("db-secrets.txt")
        .into_iter()
        .map(|(_, secret)| secret)
        .collect()
}

#[test]
fn pg_dump_fixture_matches_expected() {
    let out = stalekey(&["scan", "fixtures/db", "--ring", RING, "--format", "json"]).run();
    assert_eq!(
        out.code, 1,
        "pinned, stale and compromised keys fail: {}",
        out.stderr
    );
    assert_eq!(out.stderr, "");
    assert_matches_expected("db.json", &out.stdout);
}

#[test]
fn no_planted_secret_in_any_output() {
    let secrets = planted();
    assert!(secrets.len() >= 7, "keys and the PGP secret key lines");
    for format in ["json", "text"] {
        let out = stalekey(&["scan", "fixtures/db", "--ring", RING, "--format", format]).run();
        for s in &secrets {
            assert!(
                !out.stdout.contains(s.as_str()),
                "{format} report holds a planted key"
            );
            assert!(
                !out.stderr.contains(s.as_str()),
                "{format} warnings hold a planted key"
            );
        }
        // The keys are there to be found: 11 literal places.
        if format == "json" {
            let n = findings(&json(&out))
                .clone()
                .iter()
                .filter(|f| f["kind"] == "literal")
                .count();
            assert_eq!(n, 11, "literal findings");
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn sql_gz_is_read_transparently_and_exempt_from_max_filesize() {
    let dump = std::fs::read(fixtures().join("db/shop.sql")).unwrap();
    let tree = Tree::new();
    tree.write("plain/shop.sql", &dump);
    tree.write("gz/shop.sql.gz", gzip(&dump));
    tree.write("gz/shop.dump", &dump);
    let ring = root().join(RING);
    let scan = |dir: &str| {
        let out = stalekey(&[
            "scan",
            dir,
            "--ring",
            ring.to_str().unwrap(),
            "--format",
            "json",
            "--max-filesize",
            "1K",
        ])
        .cwd(tree.path())
        .run();
        assert_eq!(out.stderr, "", "{dir}");
        normalized(&out.stdout)
    };
    let plain = scan("plain");
    let gz = scan("gz");
    assert_eq!(gz["stats"]["files"], 2);
    assert_eq!(gz["stats"]["too_large"], 0);
    assert_eq!(gz["stats"]["bytes"], 2 * dump.len());
    let strip = |f: &serde_json::Value| {
        let mut f = f.clone();
        f["path"] = "-".into();
        f
    };
    let plain_findings: Vec<_> = plain["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(strip)
        .collect();
    assert_eq!(plain_findings.len(), 16);
    for part in gz["findings"]
        .as_array()
        .unwrap()
        .chunks(plain_findings.len())
    {
        let part: Vec<_> = part.iter().map(strip).collect();
        assert_eq!(part, plain_findings);
    }
}

#[test]
fn pg_dump_custom_archive_is_skipped_with_a_hint() {
    let tree = Tree::new();
    let mut archive = b"PGDMP\x01\x0e\x00\x04\x08\x01\x01".to_vec();
    archive.extend_from_slice(&[0u8; 64]);
    tree.write("backup/app.dump", archive);
    tree.write("backup/readme.txt", "nightly backups\n");
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(tree.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = normalized(&out.stdout);
    assert_eq!(report["stats"]["skipped"], 1);
    assert_eq!(report["stats"]["files"], 1);
    assert!(
        out.stderr
            .contains("backup/app.dump: skipped: pg_dump custom-format archive")
            && out.stderr.contains("pg_restore -f out.sql"),
        "{}",
        out.stderr
    );
}

#[test]
fn malformed_dump_is_a_warning_and_the_scan_goes_on() {
    let tree = Tree::new();
    tree.write(
        "broken.sql",
        "SELECT pgp_sym_encrypt('x', 'Qv7-unterminated-Key-9');\nCREATE FUNCTION f() AS $$ BEGIN\n",
    );
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(tree.path())
        .run();
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("broken.sql: line 2: unterminated dollar-quoted body"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("Qv7-unterminated-Key-9"));
    let f = findings(&json(&out)).clone();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["verdict"], "untracked");
    assert_eq!(f[0]["column"], 30);
}

#[test]
fn every_ciphertext_column_of_a_copy_without_column_list_is_reported() {
    let tree = Tree::new();
    tree.write(
        "restore.psql",
        "COPY notes FROM stdin;\n1\t\\\\xc30d04070302ab\t\\\\xc30d04070302cd\n2\t\\\\xc30d04070302ef\t\\N\n\\.\n",
    );
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(tree.path())
        .run();
    assert_eq!(
        out.code, 0,
        "reencrypt does not fail by default: {}",
        out.stderr
    );
    let got: Vec<(String, u64, u64, u64)> = findings(&json(&out))
        .clone()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["rows"].as_u64().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("notes.column2".to_string(), 2, 1, 1),
            ("notes.column3".to_string(), 1, 1, 1)
        ]
    );
}

#[test]
fn ring_keys_are_found_anywhere_in_a_dump_with_their_position() {
    let key = &planted()[0]; // db-pii/2026-09, active
    let tree = Tree::new();
    tree.write(
        "settings.sql",
        format!(
            "-- rotated {key} last week\nCOPY public.settings (name, value) FROM stdin;\nsmtp\tuser:{key}@mail\n\\.\n"
        ),
    );
    let ring = root().join(RING);
    let out = stalekey(&[
        "scan",
        ".",
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ])
    .cwd(tree.path())
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains(key.as_str()));
    let got: Vec<(u64, u64, String, String)> = findings(&json(&out))
        .clone()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pinned = |line, column| (line, column, "ring-key".to_string(), "pinned".to_string());
    assert_eq!(got, [pinned(1, 12), pinned(3, 11)]);
}
