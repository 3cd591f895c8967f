//! What a user expects of the command line: clear refusals, complete `--help`, shell
//! completions and a man page, a summary when the report goes to a file, `-q`.

use crate::harness::*;

#[test]
fn an_empty_fail_on_is_an_error() {
    let out = sk(&[
        "scan",
        "fixtures/flask-app",
        "--ring",
        RING,
        "--fail-on",
        "",
    ])
    .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--fail-on none"), "{}", out.stderr);
    let out = sk(&[
        "scan",
        "fixtures/flask-app",
        "--ring",
        RING,
        "--fail-on",
        "none",
    ])
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn gate_offers_only_the_formats_it_writes_and_no_fail_on() {
    let out = sk(&["gate", "--help"]).run();
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.contains("[possible values: text, json, github]"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("--fail-on"), "{}", out.stdout);
    let out = sk(&["gate", "--rotate", "x", "--format", "sarif", "fixtures"]).run();
    assert_eq!(out.code, 2);
}

#[test]
fn every_option_has_a_description_and_states_are_listed() {
    for cmd in [
        &["scan", "--help"][..],
        &["gate", "--help"],
        &["ring", "add", "--help"],
        &["ring", "import", "--help"],
        &["rules", "check", "--help"],
        &["install-hook", "--help"],
        &["fingerprint", "--help"],
    ] {
        let out = sk(cmd).run();
        assert_eq!(out.code, 0, "{cmd:?}");
        let options = out
            .stdout
            .split("Options:")
            .nth(1)
            .expect("an Options section");
        let mut seen = 0;
        for line in options.lines() {
            let flag = line.trim_start();
            if !flag.starts_with('-') {
                continue;
            }
            seen += 1;
            // `--name <VALUE>   Description`: the text after the first double space.
            let description = flag.split_once("  ").map_or("", |(_, d)| d.trim());
            assert!(
                !description.is_empty(),
                "{cmd:?}: {flag:?} has no description"
            );
        }
        assert!(seen >= 1, "{cmd:?}: no options read from:\n{}", out.stdout);
    }
    let out = sk(&["ring", "add", "--help"]).run();
    assert!(
        out.stdout
            .contains("possible values: pending, active, fallback, retired, revoked"),
        "{}",
        out.stdout
    );
    let out = sk(&["scan", "--help"]).run();
    for verdict in [
        "compromised",
        "stale",
        "expiring",
        "pinned",
        "untracked",
        "reencrypt",
        "reference",
    ] {
        assert!(
            out.stdout.contains(verdict),
            "--fail-on help lists {verdict}"
        );
    }
}

#[test]
fn completions_and_a_man_page() {
    for (shell, marker) in [
        ("bash", "_stalekey()"),
        ("zsh", "#compdef stalekey"),
        ("fish", "complete -c stalekey"),
    ] {
        let out = sk(&["completions", shell]).run();
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        assert!(
            out.stdout.contains(marker),
            "{shell}: {}",
            &out.stdout[..out.stdout.len().min(200)]
        );
    }
    let out = sk(&["man"]).run();
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains(".TH stalekey 1"), "{}", out.stdout);
    assert!(out.stdout.contains("rotate"), "{}", out.stdout);
}

#[test]
fn output_prints_a_summary_and_quiet_prints_nothing() {
    let t = Tree::new();
    let report = t.path().join("report.json");
    let out = sk(&[
        "scan",
        "fixtures/flask-app",
        "--ring",
        RING,
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ])
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("failing, in ") && out.stderr.contains("report written to"),
        "{}",
        out.stderr
    );
    // Quiet: no summary, no warning (here: no ring found), the exit code unchanged.
    let out = sk(&["scan", "-q", "--output", report.to_str().unwrap(), "."])
        .cwd(&root().join("fixtures/flask-app"))
        .env("STALEKEY_RING", "")
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn project_file_sets_defaults_that_the_command_line_overrides() {
    let t = Tree::new();
    std::process::Command::new("git")
        .args(["init", "-q"])
        .current_dir(t.path())
        .status()
        .unwrap();
    t.write(
        "keys/ring.json",
        ring_json(&[("svc/1", "svc", "active", KEY_A)]),
    );
    t.write(
        ".stalekey.toml",
        "ring = 'keys/ring.json'\nfail_on = ['compromised']\nexclude = ['vendor/']\n",
    );
    t.write("app/settings.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    t.write("vendor/lib.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    // The ring from the file, the vendored copy excluded, pinned does not fail.
    let out = sk(&["scan", "app", "--format", "json"]).cwd(t.path()).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = json(&out);
    assert_eq!(findings(&report).len(), 1);
    assert_eq!(findings(&report)[0]["verdict"], "pinned");
    let out = sk(&["scan", ".", "--format", "json"]).cwd(t.path()).run();
    let report = json(&out);
    let paths: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["app/settings.py"], "vendor/ is excluded");
    // The command line wins.
    let out = sk(&["scan", "app", "--fail-on", "pinned"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    // Strict parsing: an unknown field is an error naming the file and the line.
    t.write(
        ".stalekey.toml",
        "ring = 'keys/ring.json'\nfail-on = ['stale']\n",
    );
    let out = sk(&["scan", "app"]).cwd(t.path()).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(".stalekey.toml: unknown field `fail-on`")
            && out.stderr.contains("at line 2"),
        "{}",
        out.stderr
    );
}
