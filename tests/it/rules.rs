//! `stalekey rules check|list` and `--rules DIR`: a rule must do what its examples say,
//! run as a scan runs it.

use crate::harness::*;

const GOOD: &str = r#"
[[rule]]
id = "my-token"
description = "A token of my service"
confidence = "high"
keywords = ["mytoken"]
pattern = '''MYTOKEN\s*=\s*(?P<secret>{str})'''
examples = ['MYTOKEN = "u8Kq2Zr5Vw9Ls3Nx7Bt1Dm4F"']
negative_examples = ['MYTOKEN = "short"']
"#;

#[test]
fn builtin_rules_pass_their_own_check() {
    let out = sk(&["rules", "check"]).run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("rules checked, 0 failing"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn a_failing_rule_is_named_and_exits_1() {
    let tree = Tree::new();
    tree.write("good.toml", GOOD);
    // Its keyword is too far from the match: a scan would never run it there.
    let far = GOOD
        .replace("my-token", "far-token")
        .replace(
            "keywords = [\"mytoken\"]",
            "keywords = [\"marker\"]\nwindow = 4",
        )
        .replace(
            "examples = ['MYTOKEN = \"u8Kq2Zr5Vw9Ls3Nx7Bt1Dm4F\"']",
            "examples = [\"marker\\n\\n\\n\\nMYTOKEN = 'u8Kq2Zr5Vw9Ls3Nx7Bt1Dm4F'\"]",
        )
        .replace(
            "negative_examples = ['MYTOKEN = \"short\"']",
            "negative_examples = ['marker']",
        );
    tree.write("far.toml", far);
    let dir = tree.path().to_str().unwrap();
    let out = sk(&["rules", "check", dir]).run();
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("2 rules checked, 1 failing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("far.toml: far-token: examples[0] gives no finding (as text)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("my-token"), "{}", out.stderr);

    // `--rules` refuses the same directory before scanning: exit 2, the same message.
    let out = sk(&["scan", "fixtures/flask-app", "--rules", dir]).run();
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("far.toml: far-token: examples[0] gives no finding"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_user_rule_finds_what_its_examples_say_in_a_scan() {
    let tree = Tree::new();
    tree.write("rules/good.toml", GOOD);
    tree.write(
        "app/settings.py",
        "MYTOKEN = \"u8Kq2Zr5Vw9Ls3Nx7Bt1Dm4F\"\n",
    );
    let rules = tree.path().join("rules");
    let app = tree.path().join("app");
    let out = sk(&[
        "scan",
        app.to_str().unwrap(),
        "--rules",
        rules.to_str().unwrap(),
        "--format",
        "json",
    ])
    .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let rules: Vec<&str> = findings(&report)
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"my-token"), "{rules:?}");
}

#[test]
fn rules_list_shows_every_rule() {
    let out = sk(&["rules", "list"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut lines = out.stdout.lines();
    assert!(lines.next().unwrap().starts_with("ID"), "{}", out.stdout);
    assert!(out.stdout.contains("python-secret-key"), "{}", out.stdout);
    let total: usize = out
        .stdout
        .lines()
        .last()
        .and_then(|l| l.strip_suffix(" rules"))
        .and_then(|n| n.parse().ok())
        .expect("a count line last");
    assert_eq!(out.stdout.lines().count(), total + 2);
}

#[test]
fn a_missing_rules_dir_is_an_error_naming_it() {
    let out = sk(&["rules", "check", "/nonexistent/rules-dir"]).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("/nonexistent/rules-dir"),
        "{}",
        out.stderr
    );
}
