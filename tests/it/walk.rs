//! The walk: unreadable, binary, large, hidden and ignored files, symlinks, pipes and
//! overlapping roots.

use crate::harness::*;
use serde_json::Value;
use std::process::Command;

// ---------------------------------------------------------------------------------
// Walk: unreadable, binary, large, hidden and ignored files

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
    let out = out.expect(
        "running as root without a working setpriv (util-linux): chmod 000 cannot make a \
         file unreadable here",
    );
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
fn binary_files_are_searched_for_ring_keys_only_and_counted() {
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
        (
            stats(&report, "binary"),
            stats(&report, "ring_only"),
            stats(&report, "skipped")
        ),
        (1, 1, 0)
    );
    assert_eq!(stats(&report, "files"), 1);
    let got: Vec<(&str, &str, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap(),
                f["verdict"].as_str().unwrap(),
                f["format"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("bin/tool", "compromised", "binary"),
            ("src/a.txt", "compromised", "text")
        ]
    );
    assert!(
        out.stderr.is_empty(),
        "binary files are not warnings: {}",
        out.stderr
    );
    // Without ring keys to look for, a binary file is skipped as before.
    let out = sk(&[
        "scan",
        tree.path().join("bin").to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    let report = json(&out);
    assert_eq!(
        (stats(&report, "ring_only"), stats(&report, "skipped")),
        (0, 1)
    );
}

#[test]
fn files_over_max_filesize_are_streamed_for_ring_keys_only() {
    let tree = Tree::new();
    let big = format!("{}\ntoken {KEY_A}\n", "# padding line\n".repeat(200));
    tree.write("big.txt", &big);
    tree.write("dump.sql", &big);
    tree.write("small.txt", format!("token {KEY_A}\n"));
    // An untracked secret in a large file is not looked for (rules skip it).
    tree.write(
        "big.py",
        format!(
            "{}SECRET_KEY = 'hePeB92gJoIDWWw7H0RCRLm4'\n",
            "# pad\n".repeat(400)
        ),
    );
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
    assert_eq!(paths, ["big.txt", "dump.sql", "small.txt"]);
    let big_finding = &findings(&report)[0];
    assert_eq!(big_finding["line"], 202, "{big_finding}");
    assert_eq!(big_finding["column"], 7, "{big_finding}");
    assert_eq!(stats(&report, "too_large"), 2);
    assert_eq!(stats(&report, "ring_only"), 2);
    assert_eq!(stats(&report, "skipped"), 0);
    assert!(
        out.stderr.contains("big.txt")
            && out
                .stderr
                .contains("over --max-filesize: scanned for ring keys only"),
        "{}",
        out.stderr
    );
    let report = json(&scan("1M"));
    assert_eq!(findings(&report).len(), 4);
    assert_eq!(stats(&report, "ring_only"), 0);
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
fn gitignored_files_need_no_ignore_inside_a_repository() {
    let tree = Tree::new();
    tree.write(".gitignore", "local/\n*.secret\n");
    // Outside a git repository a .gitignore means nothing (as in ripgrep).
    tree.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    tree.write("app.secret", format!("token {KEY_A}\n"));
    assert_eq!(finding_paths(&tree, &[]), ["app.secret"]);
    let init = std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(tree.path())
        .status()
        .unwrap();
    assert!(init.success());
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
        panic!("bash is needed for a process substitution");
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
        let out = out.expect("running as root without a working setpriv (util-linux)");
        assert_eq!(out.code, 2, "{name}: {}{}", out.stdout, out.stderr);
        assert!(out.stdout.is_empty(), "{name}: printed a report");
        assert!(
            out.stderr.contains(name) && out.stderr.contains("ermission denied"),
            "{name}: {}",
            out.stderr
        );
    }
}

#[test]
fn the_hidden_homes_of_credentials_are_scanned_by_default() {
    let tree = Tree::new();
    let homes = [
        ".npmrc",
        ".yarnrc.yml",
        ".pypirc",
        ".netrc",
        ".pgpass",
        ".git-credentials",
        ".dockercfg",
        ".docker/config.json",
        ".aws/credentials",
        ".kube/config",
        ".github/workflows/deploy.yml",
        ".gitlab-ci.yml",
        ".circleci/config.yml",
        ".travis.yml",
        ".buildkite/pipeline.yml",
        ".devcontainer/devcontainer.env",
    ];
    for home in homes {
        tree.write(home, format!("token {KEY_A}\n"));
    }
    // Other hidden files and directories still need --hidden.
    tree.write(".cache/notes.txt", format!("token {KEY_A}\n"));
    tree.write(".hidden.txt", format!("token {KEY_A}\n"));
    tree.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    let mut want: Vec<&str> = homes.to_vec();
    want.sort();
    assert_eq!(finding_paths(&tree, &[]), want);
    let all = finding_paths(&tree, &["--hidden"]);
    assert!(all.contains(&".cache/notes.txt".to_string()), "{all:?}");
    assert!(all.contains(&".hidden.txt".to_string()), "{all:?}");
}
