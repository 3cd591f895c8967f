//! Lifecycle: rotation policy (`ring check`), stored digests, processes and stdin.

use crate::harness::{findings, fp, json, ring_json, sk, Tree, KEY_A, KEY_B};

fn policy_ring(since_active: &str, since_fallback: &str) -> String {
    format!(
        r#"{{"version": 1,
 "services": {{"openai": {{"max_age": "7d", "grace": "48h"}}}},
 "keys": [
  {{"id": "openai/old", "service": "openai", "state": "fallback", "since": "{since_fallback}", "fingerprint": "{}"}},
  {{"id": "openai/cur", "service": "openai", "state": "active", "since": "{since_active}", "fingerprint": "{}"}}
 ]}}"#,
        fp(KEY_B),
        fp(KEY_A)
    )
}

#[test]
fn ring_check_flags_overdue_keys_and_exits_by_what_it_found() {
    let tree = Tree::new();
    let old = tree.write(
        "old.json",
        policy_ring("2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"),
    );
    let out = sk(&["ring", "check", "--ring", old.to_str().unwrap()]).run();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("openai/cur  openai  active  overdue"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("openai/old  openai  fallback  past-grace"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("gate --rotate openai"),
        "{}",
        out.stdout
    );
    let out = sk(&[
        "ring",
        "check",
        "--ring",
        old.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    let v = json(&out);
    assert_eq!(v["flagged"].as_array().unwrap().len(), 2);
    assert_eq!(v["flagged"][1]["problem"], "overdue");
    // Fresh keys: nothing to do, exit 0.
    let now = "2999-01-01T00:00:00Z";
    let fresh = tree.write("fresh.json", policy_ring(now, now));
    let out = sk(&["ring", "check", "--ring", fresh.to_str().unwrap()]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // A malformed duration is a ring error naming the service: exit 2.
    let bad = tree.write(
        "bad.json",
        r#"{"version": 1, "services": {"openai": {"max_age": "a week"}}, "keys": []}"#,
    );
    let out = sk(&["ring", "check", "--ring", bad.to_str().unwrap()]).run();
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("services.openai") && out.stderr.contains("max_age"),
        "{}",
        out.stderr
    );
}

#[test]
fn ring_add_and_set_state_record_since() {
    let tree = Tree::new();
    let ring = tree.path().join("ring.json");
    let r = ring.to_str().unwrap();
    let out = sk(&[
        "ring",
        "add",
        "--ring",
        r,
        "--id",
        "s/1",
        "--service",
        "s",
        "--state",
        "pending",
    ])
    .stdin(KEY_A)
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ring).unwrap()).unwrap();
    let since = v["keys"][0]["since"].as_str().unwrap().to_string();
    assert!(since.ends_with('Z') && since.len() == 20, "{since}");
    let out = sk(&["ring", "set-state", "--ring", r, "s/1", "active"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ring).unwrap()).unwrap();
    assert_eq!(v["keys"][0]["state"], "active");
    assert!(v["keys"][0]["since"].as_str().unwrap() >= since.as_str());
}

#[test]
fn stored_digests_are_consumers_but_rings_and_reports_are_not() {
    use sha2::Digest as _;
    let tree = Tree::new();
    let hex = fp(KEY_A)[7..].to_string();
    let b64 = crate::harness::base64(&sha2::Sha256::digest(KEY_A.as_bytes()));
    tree.write(
        "db/shlink.sql",
        format!("COPY public.api_keys (id, name, key_hash) FROM stdin;\n1\tci\t{hex}\n2\tdeploy\t{}\n\\.\n", hex.to_uppercase()),
    );
    tree.write(
        "logs/audit.log",
        format!("rotated: before=sha256:{hex} after=n/a\nkey_b64={b64}\n"),
    );
    let ring = tree.write("ring.json", ring_json(&[("s/1", "s", "retired", KEY_A)]));
    // A copy of the ring and an old report list the fingerprint too: never consumers.
    tree.write(
        "backup/ring-copy.json",
        ring_json(&[("s/1", "s", "retired", KEY_A)]),
    );
    let scan = || {
        sk(&[
            "scan",
            tree.path().to_str().unwrap(),
            "--ring",
            ring.to_str().unwrap(),
            "--format",
            "json",
        ])
        .run()
    };
    tree.write("reports/last.json", scan().stdout);
    let out = scan();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let got: Vec<(String, u64, String, String)> = findings(&json(&out))
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["kind"].as_str().unwrap().to_string(),
                f["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let digest = |p: &str, l: u64| (p.to_string(), l, "digest".to_string(), "stale".to_string());
    assert_eq!(
        got,
        vec![
            digest("db/shlink.sql", 2),
            digest("db/shlink.sql", 3),
            digest("logs/audit.log", 1),
            digest("logs/audit.log", 2)
        ],
        "{}",
        out.stdout
    );
}

#[test]
fn proc_finds_a_child_holding_a_ring_key_in_its_environment() {
    if !std::path::Path::new("/proc/self/environ").exists() {
        return; // not Linux
    }
    let tree = Tree::new();
    let ring = tree.write("ring.json", ring_json(&[("w/old", "w", "retired", KEY_B)]));
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .env("WORKER_API_TOKEN", KEY_B)
        .spawn()
        .expect("sleep");
    let out = sk(&[
        "scan",
        "--proc",
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    let _ = child.kill();
    let _ = child.wait();
    let report = json(&out);
    let f = findings(&report)
        .iter()
        .find(|f| f["path"] == format!("proc:{} (sleep)", child.id()))
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert_eq!(f["verdict"], "stale");
    assert_eq!(f["name"], "WORKER_API_TOKEN");
    assert!(!out.stdout.contains(KEY_B) && !out.stderr.contains(KEY_B));
    // With a path too: one report holds both.
    tree.write("app/settings.py", format!("API_TOKEN = \"{KEY_B}\"\n"));
    let app = tree.path().join("app");
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .env("WORKER_API_TOKEN", KEY_B)
        .spawn()
        .expect("sleep");
    let out = sk(&[
        "scan",
        "--proc",
        app.to_str().unwrap(),
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    let _ = child.kill();
    let _ = child.wait();
    let paths: Vec<String> = findings(&json(&out))
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(paths.contains(&"settings.py".to_string()), "{paths:?}");
    assert!(paths.iter().any(|p| p.starts_with("proc:")), "{paths:?}");
}

#[test]
fn stdin_is_one_document_named_by_stdin_name() {
    let tree = Tree::new();
    let ring = tree.write("ring.json", ring_json(&[("k/1", "k", "active", KEY_A)]));
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  token: {}\n",
        crate::harness::base64(KEY_A.as_bytes())
    );
    let out = sk(&[
        "scan",
        "-",
        "--stdin-name",
        "secret.yaml",
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ])
    .stdin(secret.clone())
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let f = &findings(&report)[0];
    assert_eq!(
        (
            f["path"].as_str(),
            f["format"].as_str(),
            f["verdict"].as_str()
        ),
        (Some("secret.yaml"), Some("yaml"), Some("pinned"))
    );
    assert_eq!(f["rule"], "kubernetes-secret-data");
    // Without a name: shown as (stdin).
    let out = sk(&[
        "scan",
        "-",
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ])
    .stdin(format!("x {KEY_A}\n"))
    .run();
    assert_eq!(findings(&json(&out))[0]["path"], "(stdin)");
    // --stdin-name without `-` is a usage error.
    let out = sk(&["scan", ".", "--stdin-name", "x.yaml"]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
}
