//! Org scale: shards, merge, gate over reports — through the scripts the docs' examples
//! run (docs/org-scale/), so the examples cannot drift from the commands.

use crate::harness::{root, sk, Tree, RING};
use std::path::Path;
use std::process::Command;

/// The report with `duration_ms` blanked: the only field that differs between runs.
fn without_duration(report: &str) -> String {
    report
        .lines()
        .filter(|l| !l.trim_start().starts_with("\"duration_ms\""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn script(name: &str, args: &[&str]) -> std::process::Output {
    Command::new(root().join("docs/org-scale").join(name))
        .args(args)
        .current_dir(root())
        .env("STALEKEY", env!("CARGO_BIN_EXE_stalekey"))
        .env("STALEKEY_RING", RING)
        .env("HOME", crate::harness::NOWHERE)
        .output()
        .expect("the docs' script runs")
}

#[test]
fn shards_merge_to_the_byte_identical_single_scan_and_gate_over_reports() {
    let tree = Tree::new();
    let dir = tree.path().join("reports");
    let d = dir.to_str().unwrap();
    let one = sk(&["scan", "--ring", RING, "--format", "json", "fixtures"]).run();
    for n in [1usize, 3] {
        let _ = std::fs::remove_dir_all(&dir);
        for k in 1..=n {
            let out = script(
                "scan-shard.sh",
                &[&k.to_string(), &n.to_string(), d, "fixtures"],
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let out = script("merge-and-gate.sh", &[d, "flask-session"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let merged = std::fs::read_to_string(dir.join("merged.json")).unwrap();
        assert_eq!(
            without_duration(&merged),
            without_duration(&one.stdout),
            "{n} shards"
        );
        // The gate over reports says what a scanning gate says.
        let scanning = sk(&[
            "gate",
            "--rotate",
            "flask-session",
            "--ring",
            RING,
            "fixtures",
        ])
        .run();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            scanning.stdout.as_str()
        );
    }
    // Every shard holds some of the findings: the split is real.
    let sizes: Vec<usize> = (1..=3)
        .map(|k| {
            let r: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(dir.join(format!("shard-{k}.json"))).unwrap(),
            )
            .unwrap();
            r["findings"].as_array().unwrap().len()
        })
        .collect();
    assert!(sizes.iter().filter(|&&s| s > 0).count() >= 2, "{sizes:?}");
}

#[test]
fn bad_shards_are_usage_errors() {
    for bad in ["0/4", "5/4", "x", "1/0"] {
        let out = sk(&["scan", "--shard", bad, "fixtures/flask-app"]).run();
        assert_eq!(out.code, 2, "{bad}: {}", out.stderr);
        assert!(out.stderr.contains("--shard"), "{}", out.stderr);
    }
}

fn write_report(tree: &Tree, name: &str, source: &str, path: &str, ring: &Path) -> String {
    let out = sk(&[
        "scan",
        "--source",
        source,
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
        path,
    ])
    .run();
    tree.write(name, &out.stdout).to_str().unwrap().to_string()
}

#[test]
fn reports_of_different_sources_keep_their_paths_apart_and_other_rings_are_refused() {
    let tree = Tree::new();
    let ring = root().join(RING);
    let a = write_report(&tree, "a.json", "billing", "fixtures/flask-app", &ring);
    let b = write_report(&tree, "b.json", "edge", "fixtures/edge", &ring);
    let out = sk(&["merge", &a, &b]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let m: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = m["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .all(|p| p.starts_with("billing/") || p.starts_with("edge/")),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.starts_with("billing/"))
            && paths.iter().any(|p| p.starts_with("edge/"))
    );
    assert_eq!(m["source"]["name"], "2 sources: billing, edge");
    // Another ring: refused, naming the file.
    let other_ring = tree.write(
        "other-ring.json",
        std::fs::read_to_string(&ring)
            .unwrap()
            .replace("\"version\": 1", "\"version\":1"),
    );
    let c = write_report(&tree, "c.json", "edge", "fixtures/edge", &other_ring);
    let out = sk(&["merge", &a, &c]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("c.json") && out.stderr.contains("another key ring"),
        "{}",
        out.stderr
    );
    let out = sk(&[
        "gate",
        "--rotate",
        "flask-session",
        "--ring",
        other_ring.to_str().unwrap(),
        "--reports",
        &a,
    ])
    .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    // Another schema, or not a report: refused, naming the file.
    let v2 = tree.write(
        "v2.json",
        std::fs::read_to_string(&a)
            .unwrap()
            .replace("stalekey.report/v1", "stalekey.report/v2"),
    );
    let out = sk(&["merge", &a, v2.to_str().unwrap()]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("v2.json") && out.stderr.contains("schema"),
        "{}",
        out.stderr
    );
    let junk = tree.write("junk.json", "{not json");
    let out = sk(&["merge", junk.to_str().unwrap()]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("junk.json"), "{}", out.stderr);
}
