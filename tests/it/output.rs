//! Output: the text report, colour, `--output`, ring discovery, `fingerprint`.

use crate::harness::*;
use serde_json::Value;
use std::process::Command;

#[test]
fn fingerprint_of_stdin() {
    let out = sk(&["fingerprint"]).stdin("test").run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
    );
}

// ---------------------------------------------------------------------------------
// Output: text, colour, --output, ring discovery

#[test]
fn text_report_colour_and_summary_line() {
    let plain = scan_fixtures(&[]);
    assert_eq!(plain.code, 1);
    assert!(
        !plain.stdout.contains('\x1b'),
        "piped output is not coloured"
    );
    let last = plain.stdout.lines().last().unwrap();
    assert!(last.starts_with("stalekey: "), "{last}");
    assert!(last.contains("failing"), "{last}");
    assert_eq!(
        plain
            .stdout
            .lines()
            .filter(|l| l.starts_with("stalekey:"))
            .count(),
        1
    );
    let report = json(&scan_fixtures(&["--format", "json"]));
    let n = findings(&report).len();
    assert!(last.contains(&format!("{n} findings")), "{last}");
    // Every finding has its line in the text report.
    for f in findings(&report) {
        let place = format!(
            "{}:{}:{}",
            f["path"].as_str().unwrap(),
            f["line"],
            f["column"]
        );
        assert!(plain.stdout.contains(&place), "{place} missing from text");
    }

    let always = scan_fixtures(&["--color", "always"]);
    assert!(always.stdout.contains("\x1b["), "--color always colours");
    let never = scan_fixtures(&["--color", "never"]);
    assert_eq!(never.stdout, plain.stdout);
    let no_color = sk(&["scan", "fixtures", "--ring", RING])
        .env("NO_COLOR", "1")
        .run();
    assert_eq!(no_color.stdout, plain.stdout);
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    // `script` gives the binary a pseudo-terminal as stdout.
    let bin = env!("CARGO_BIN_EXE_stalekey");
    let cmd = format!("{bin} scan fixtures --ring {RING}");
    let run = |no_color: bool| {
        let mut c = Command::new("script");
        c.args(["-qec", &cmd, "/dev/null"])
            .current_dir(root())
            .env_remove("STALEKEY_RING")
            .env_remove("NO_COLOR")
            .env("HOME", NOWHERE)
            .env("XDG_CONFIG_HOME", NOWHERE);
        if no_color {
            c.env("NO_COLOR", "1");
        }
        c.output()
    };
    let (tty, tty_no_color) = (
        run(false).expect("`script` (util-linux) gives the binary a terminal"),
        run(true).expect("`script` (util-linux) gives the binary a terminal"),
    );
    let tty = String::from_utf8_lossy(&tty.stdout).into_owned();
    let tty_no_color = String::from_utf8_lossy(&tty_no_color.stdout).into_owned();
    assert!(tty.contains("\x1b["), "a terminal gets colour:\n{tty}");
    assert!(!tty_no_color.contains("\x1b["), "NO_COLOR is honoured");
    assert!(tty_no_color.contains("stalekey: "));
}

#[test]
fn output_file_receives_the_report() {
    let tree = Tree::new();
    for format in ["json", "text"] {
        let file = tree.path().join(format!("report.{format}"));
        let out = scan_fixtures(&["--format", format, "--output", file.to_str().unwrap()]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(out.stdout.is_empty(), "report went to stdout");
        let written = std::fs::read_to_string(&file).unwrap();
        let direct = scan_fixtures(&["--format", format]);
        if format == "json" {
            assert_eq!(normalized(&written), json(&direct));
        } else {
            assert!(!written.contains('\x1b'), "files are not coloured");
            assert_eq!(written.lines().count(), direct.stdout.lines().count());
            assert!(written.ends_with('\n'));
        }
    }
    let out = scan_fixtures(&["--output", "/nonexistent-dir/report.json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("/nonexistent-dir/report.json"));
}

#[test]
fn stalekey_ring_environment_variable_is_honoured() {
    let with_env = sk(&["scan", "fixtures", "--format", "json"])
        .env("STALEKEY_RING", RING)
        .run();
    let with_flag = scan_fixtures(&["--format", "json"]);
    assert_eq!(json(&with_env), json(&with_flag));
    assert_eq!(json(&with_env)["ring"]["path"], RING);
    // --ring wins over the environment.
    let tree = Tree::new();
    tree.write("ring.json", ring_json(&[("a", "svc", "active", KEY_A)]));
    let other = tree.path().join("ring.json");
    let out = sk(&["scan", "fixtures", "--format", "json", "--ring", RING])
        .env("STALEKEY_RING", other.to_str().unwrap())
        .run();
    assert_eq!(json(&out)["ring"]["path"], RING);
    // An empty STALEKEY_RING is unset: the default ring (none here) applies.
    let out = sk(&["scan", "fixtures/go-service", "--format", "json"])
        .env("STALEKEY_RING", "")
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(json(&out)["ring"]["path"], Value::Null);
}

#[test]
fn default_ring_under_the_scanned_root_is_used() {
    let tree = Tree::new();
    tree.write(
        ".stalekey/ring.json",
        ring_json(&[
            ("a", "svc", "fallback", KEY_A),
            ("b", "svc", "pending", KEY_B),
        ]),
    );
    tree.write("conf/app.txt", format!("primary {KEY_B}\nold {KEY_A}\n"));
    let root_arg = tree.path().to_str().unwrap();
    for extra in [&[][..], &["--hidden"][..]] {
        let mut args = vec!["scan", root_arg, "--format", "json"];
        args.extend_from_slice(extra);
        let out = sk(&args).run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        let report = json(&out);
        let ring_path = report["ring"]["path"].as_str().unwrap();
        assert!(ring_path.ends_with(".stalekey/ring.json"), "{ring_path}");
        assert_eq!(report["ring"]["keys"], 2);
        assert_eq!(stats(&report, "files"), 1, "the ring file is not scanned");
        let got: Vec<(String, u64, u64, String)> = findings(&report)
            .iter()
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("conf/app.txt".to_string(), 1, 9, "pinned".to_string()),
                ("conf/app.txt".to_string(), 2, 5, "expiring".to_string()),
            ],
            "the ring file itself is never a finding ({extra:?})"
        );
    }
    // Scanning from inside the root with the default PATH (.) finds it too.
    let out = sk(&["scan", "--format", "json"]).cwd(tree.path()).run();
    assert_eq!(json(&out)["ring"]["keys"], 2, "{}", out.stderr);
    assert_eq!(json(&out)["ring"]["path"], ".stalekey/ring.json");
    let out = sk(&["scan", "./", "--format", "json"])
        .cwd(tree.path())
        .run();
    assert_eq!(json(&out)["ring"]["path"], ".stalekey/ring.json");
    assert_eq!(findings(&json(&out))[0]["path"], "conf/app.txt");
}
