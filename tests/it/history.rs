//! `scan --history`: every blob once, attributed to the commit that introduced it.

use crate::harness::{findings, json, ring_json, sk, Tree};
use std::path::Path;

const K_ADD: &str = "hA7qZ2xR6tY0uI3oP7aS1dF5gH9jKw4L";
const K_CHANGED: &str = "hB3nW8qZ2xR6tY0uI3oP7aS1dF5gH9jM";
const K_BRANCH: &str = "hC9mX2pL4wK8sN3bY6cH1dF5gJ0eVq7T";
const K_MERGED: &str = "hD4kL8sN3bY6cH1dF5gJ0eVq7TzR2mX9";
const K_HEAD: &str = "hE1dF5gJ0eVq7TzR2mX9pL4wK8sN3bY6";

/// git with a fixed identity and a commit time of `time` (seconds).
fn g(dir: &Path, time: i64, args: &[&str]) -> String {
    let date = format!("@{time} +0000");
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit(dir: &Path, time: i64, msg: &str) -> String {
    g(dir, time, &["add", "-A"]);
    g(dir, time, &["commit", "-qm", msg]);
    g(dir, time, &["rev-parse", "HEAD"])
}

/// (key id, path, commit id, commit path, line) of each ring finding.
fn ring_findings(report: &serde_json::Value) -> Vec<(String, String, String, String, u64)> {
    let mut v: Vec<_> = findings(report)
        .iter()
        .filter(|f| f["key"].is_object())
        .map(|f| {
            (
                f["key"]["id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["commit"]["id"].as_str().unwrap_or("").to_string(),
                f["commit"]["path"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_finding_names_the_commit_that_introduced_it() {
    let tree = Tree::new();
    let repo = tree.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    g(&repo, 1_000, &["init", "-q"]);
    tree.write("repo/README.md", "# app\n");
    tree.write("repo/keep.py", format!("# kept\nTOKEN = \"{K_HEAD}\"\n"));
    tree.write(
        "repo/app/settings.py",
        format!("SECRET_KEY = \"{K_ADD}\"\n"),
    );
    let c_add = commit(&repo, 1_000, "add");
    // A second branch from here holds a key nothing else has.
    g(&repo, 1_100, &["checkout", "-qb", "feature"]);
    tree.write(
        "repo/feature/only.py",
        format!("\n\nAPI_KEY = \"{K_BRANCH}\"\n"),
    );
    let c_branch = commit(&repo, 2_500, "feature");
    g(&repo, 2_600, &["checkout", "-q", "main"]);
    // Moved: the same blob under a new path is not scanned again.
    g(&repo, 2_000, &["mv", "app/settings.py", "config.py"]);
    commit(&repo, 2_000, "move");
    // Changed, then removed.
    tree.write("repo/config.py", format!("SECRET_KEY = \"{K_CHANGED}\"\n"));
    let c_change = commit(&repo, 3_000, "change");
    g(&repo, 4_000, &["rm", "-q", "config.py"]);
    commit(&repo, 4_000, "remove");
    // A topic branch merged into main: attributed to the topic commit, not the merge.
    g(&repo, 4_100, &["checkout", "-qb", "topic"]);
    tree.write("repo/topic.py", format!("PASSWORD = \"{K_MERGED}\"\n"));
    let c_topic = commit(&repo, 4_200, "topic");
    g(&repo, 4_300, &["checkout", "-q", "main"]);
    tree.write("repo/other.txt", "x\n");
    commit(&repo, 4_400, "other");
    g(&repo, 4_500, &["merge", "-q", "--no-edit", "topic"]);
    // A rename at HEAD: the kept key is reported at its HEAD path.
    g(&repo, 5_000, &["mv", "keep.py", "kept.py"]);
    commit(&repo, 5_000, "rename");

    let ring = tree.write(
        "ring.json",
        ring_json(&[
            ("s/add", "s", "retired", K_ADD),
            ("s/changed", "s", "active", K_CHANGED),
            ("s/branch", "s", "retired", K_BRANCH),
            ("s/merged", "s", "retired", K_MERGED),
            ("s/head", "s", "active", K_HEAD),
        ]),
    );
    let out = sk(&[
        "scan",
        "--history",
        repo.to_str().unwrap(),
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let got = ring_findings(&report);
    let c_head_intro = c_add.clone();
    assert_eq!(
        got,
        vec![
            (
                "s/add".into(),
                "app/settings.py".into(),
                c_add.clone(),
                "app/settings.py".into(),
                1
            ),
            (
                "s/branch".into(),
                "feature/only.py".into(),
                c_branch,
                "feature/only.py".into(),
                3
            ),
            (
                "s/changed".into(),
                "config.py".into(),
                c_change,
                "config.py".into(),
                1
            ),
            // keep.py was renamed to kept.py at HEAD in commit "rename"; the blob is
            // the same, so it is read once, at its HEAD path, with the commit that put
            // it there.
            (
                "s/head".into(),
                "kept.py".into(),
                report_commit(&report, "s/head"),
                "kept.py".into(),
                2
            ),
            (
                "s/merged".into(),
                "topic.py".into(),
                c_topic,
                "topic.py".into(),
                1
            ),
        ],
        "{}",
        out.stdout
    );
    assert_ne!(report_commit(&report, "s/head"), c_head_intro);
    // The commit object: full id, RFC 3339 time.
    let f = findings(&report)
        .iter()
        .find(|f| f["key"]["id"] == "s/add")
        .unwrap();
    assert_eq!(f["commit"]["time"], "1970-01-01T00:16:40Z");
    assert_eq!(f["commit"]["id"].as_str().unwrap().len(), 40);

    // Text shows the short id and the date.
    let out = sk(&[
        "scan",
        "--history",
        repo.to_str().unwrap(),
        "--ring",
        ring.to_str().unwrap(),
    ])
    .run();
    assert!(
        out.stdout
            .contains(&format!("(commit {} 1970-01-01", &c_add[..8])),
        "{}",
        out.stdout
    );

    // --branch narrows to what a ref reaches; --max-count 1: only the last commit's blobs.
    assert_eq!(
        history_key_ids(&repo, &ring, &["--branch", "feature"]),
        vec!["s/add", "s/branch", "s/head"]
    );
    assert_eq!(
        history_key_ids(&repo, &ring, &["--max-count", "1"]),
        vec!["s/head"]
    );
}

/// The JSON report and stderr of `scan --history` with `extra` options, which must
/// not fail (exit 0 or 1).
fn history_report(repo: &Path, ring: &Path, extra: &[&str]) -> (serde_json::Value, String) {
    let mut args = vec!["scan", "--history"];
    args.extend_from_slice(extra);
    args.extend([
        repo.to_str().unwrap(),
        "--ring",
        ring.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let out = sk(&args).run();
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    (json(&out), out.stderr)
}

/// The ring-key ids a `scan --history` with `extra` options reports, sorted.
fn history_key_ids(repo: &Path, ring: &Path, extra: &[&str]) -> Vec<String> {
    ring_findings(&history_report(repo, ring, extra).0)
        .into_iter()
        .map(|f| f.0)
        .collect()
}

fn report_commit(report: &serde_json::Value, id: &str) -> String {
    findings(report)
        .iter()
        .find(|f| f["key"]["id"] == id)
        .map(|f| f["commit"]["id"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn history_outside_a_repository_is_an_error() {
    let tree = Tree::new();
    let out = sk(&["scan", "--history", tree.path().to_str().unwrap()]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--history"), "{}", out.stderr);
    let out = sk(&["scan", "--branch", "main", "."]).run();
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn a_gate_fails_when_the_outgoing_key_was_ever_committed() {
    let tree = Tree::new();
    let repo = tree.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    g(&repo, 1_000, &["init", "-q"]);
    tree.write("repo/app.py", format!("API_TOKEN = \"{K_ADD}\"\n"));
    let intro = commit(&repo, 1_000, "oops");
    tree.write(
        "repo/app.py",
        "import os\nAPI_TOKEN = os.environ[\"API_TOKEN\"]\n",
    );
    commit(&repo, 2_000, "fix");
    let ring = tree.write(
        "ring.json",
        ring_json(&[
            ("s/old", "s", "active", K_ADD),
            ("s/new", "s", "pending", K_CHANGED),
        ]),
    );
    let (repo_s, ring_s) = (repo.to_str().unwrap(), ring.to_str().unwrap());
    // The working tree is clean: the plain gate passes.
    let out = sk(&["gate", "--rotate", "s", "--ring", ring_s, repo_s]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // History holds the outgoing key: revoke, do not keep it as a fallback.
    let out = sk(&[
        "gate",
        "--rotate",
        "s",
        "--history",
        "--ring",
        ring_s,
        repo_s,
    ])
    .run();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let want = format!(
        "key s/old was committed in {} on 1970-01-01 (app.py): revoke it instead of keeping it as a fallback",
        &intro[..8]
    );
    assert!(out.stdout.contains(&want), "{}", out.stdout);
    // The scan's JSON summary names the exposed key per service.
    let out = sk(&[
        "scan",
        "--history",
        "--ring",
        ring_s,
        "--format",
        "json",
        repo_s,
    ])
    .run();
    let report = json(&out);
    assert_eq!(report["summary"]["exposed"]["s"][0]["id"], "s/old");
    assert_eq!(
        report["summary"]["exposed"]["s"][0]["commit"]["id"],
        intro.as_str()
    );
    let out = sk(&["scan", "--history", "--ring", ring_s, repo_s]).run();
    assert!(
        out.stdout
            .contains("exposed in history: 1 ring key of 1 service (s)"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_shallow_clone_is_scanned_and_says_what_it_cannot_see() {
    let tree = Tree::new();
    let repo = tree.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    g(&repo, 1_000, &["init", "-q"]);
    tree.write("repo/app.py", format!("API_TOKEN = \"{K_ADD}\"\n"));
    commit(&repo, 1_000, "the key");
    tree.write("repo/README.md", "docs\n");
    commit(&repo, 2_000, "docs");
    tree.write("repo/more.md", "more\n");
    let tip = commit(&repo, 3_000, "more");
    let url = format!("file://{}", repo.display());
    let shallow = tree.path().join("shallow");
    g(
        tree.path(),
        4_000,
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    let ring = tree.write("ring.json", ring_json(&[("s/old", "s", "active", K_ADD)]));
    let (report, stderr) = history_report(&shallow, &ring, &[]);
    // The key is found, attributed to the only commit the clone has (the boundary)...
    assert_eq!(report_commit(&report, "s/old"), tip);
    // ...and the scan says that it may have been committed earlier.
    assert!(stderr.contains("shallow clone"), "{stderr}");
    assert!(stderr.contains("--unshallow"), "{stderr}");
}

#[test]
fn a_key_written_while_resolving_a_merge_conflict_is_the_merge_s() {
    let tree = Tree::new();
    let repo = tree.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    g(&repo, 1_000, &["init", "-q"]);
    tree.write("repo/app.py", "TOKEN = None\n");
    commit(&repo, 1_000, "base");
    g(&repo, 1_100, &["checkout", "-q", "-b", "topic"]);
    tree.write("repo/app.py", "TOKEN = 'from-topic'\n");
    commit(&repo, 1_200, "topic");
    g(&repo, 1_300, &["checkout", "-q", "main"]);
    tree.write("repo/app.py", "TOKEN = 'from-main'\n");
    commit(&repo, 1_400, "main");
    // The merge conflicts; its resolution is a new blob holding the key.
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "merge",
            "-q",
            "topic",
        ])
        .current_dir(&repo)
        .output()
        .unwrap();
    assert!(!status.status.success(), "the merge should conflict");
    tree.write("repo/app.py", format!("TOKEN = \"{K_MERGED}\"\n"));
    let merge = commit(&repo, 1_500, "merge topic");
    let ring = tree.write(
        "ring.json",
        ring_json(&[("s/merged", "s", "active", K_MERGED)]),
    );
    let (report, _) = history_report(&repo, &ring, &[]);
    assert_eq!(report_commit(&report, "s/merged"), merge);
}
