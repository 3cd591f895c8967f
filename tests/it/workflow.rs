//! The rotation workflow: ring management, `gate`, `--staged` and the pre-commit hook,
//! ignoring, SARIF and GitHub output, and the README's runbook.

use crate::harness::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

// Random test keys (python3 secrets.token_urlsafe(32)); not real credentials.
const KEY_A: &str = "iA4rwINbYN0AZDxj0iU9kblRcJt3hfBwXgKwwauhRyI";
const KEY_B: &str = "GTMFt-caAAndmykd8JyaBRJNL58rieOzPXUhP-xMh5o";
const KEY_C: &str = "y7WBlCk-PPO2t8EMoMLv2IyOzNvb5sDLfa0piN16ujU";
const KEY_D: &str = "x3lUWKcAjA5kI2_-4gwPkNCqo6GWaFPQpL9DfSU3dtc";
const KEYS: [&str; 4] = [KEY_A, KEY_B, KEY_C, KEY_D];

fn assert_no_key(text: &str) {
    for k in KEYS {
        assert!(!text.contains(k), "output holds a key:\n{text}");
    }
}

fn ring_add(dir: &Path, id: &str, service: &str, state: &str, key: &str) -> Output {
    let out = stalekey(&[
        "ring",
        "add",
        "--id",
        id,
        "--service",
        service,
        "--state",
        state,
    ])
    .cwd(dir)
    .stdin(key)
    .run();
    assert_no_key(&out.stdout);
    assert_no_key(&out.stderr);
    out
}

#[test]
fn ring_add_writes_fingerprints_sorted_atomically() {
    let t = Tree::new();
    let out = ring_add(t.path(), "zeta/1", "zeta", "active", KEY_A);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&fp(KEY_A)), "{}", out.stdout);
    let out = stalekey(&[
        "ring",
        "add",
        "--id",
        "alpha/1",
        "--service",
        "alpha",
        "--state",
        "pending",
        "--from-env",
        "NEW_KEY",
        "--note",
        "next key",
    ])
    .cwd(t.path())
    .env("NEW_KEY", KEY_B)
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);

    let ring_path = t.path().join(".stalekey/ring.json");
    let text = std::fs::read_to_string(&ring_path).unwrap();
    assert_no_key(&text);
    assert!(text.ends_with("}\n"), "{text}");
    assert!(text.contains("\n  \"keys\": [\n    {\n      \"id\": \"alpha/1\""));
    let ring: Value = serde_json::from_str(&text).unwrap();
    let keys = ring["keys"].as_array().unwrap();
    let ids: Vec<&str> = keys.iter().map(|k| k["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["alpha/1", "zeta/1"], "sorted by service then id");
    assert_eq!(keys[0]["fingerprint"], fp(KEY_B).as_str());
    assert_eq!(keys[0]["length"], KEY_B.len());
    assert_eq!(keys[0]["note"], "next key");
    assert_eq!(keys[1]["state"], "active");
    let created = keys[1]["created"].as_str().unwrap();
    assert!(
        created.len() == 10 && created.starts_with("20"),
        "{created}"
    );
    // Nothing but the ring, its lock and a .gitignore for the lock is left in its
    // directory (no temporary file).
    let mut names: Vec<String> = std::fs::read_dir(t.path().join(".stalekey"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [".gitignore", "ring.json", "ring.json.lock"]);

    // Refusals: same id, same key under another id, no key, unset variable.
    let out = ring_add(t.path(), "zeta/1", "zeta", "pending", KEY_C);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("already in the ring"), "{}", out.stderr);
    let out = ring_add(t.path(), "zeta/2", "zeta", "pending", KEY_A);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("as \"zeta/1\""), "{}", out.stderr);
    let out = ring_add(t.path(), "zeta/3", "zeta", "pending", "");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no key on stdin"), "{}", out.stderr);
    let out = stalekey(&[
        "ring",
        "add",
        "--id",
        "x",
        "--service",
        "x",
        "--state",
        "active",
        "--from-env",
        "STALEKEY_TEST_UNSET",
    ])
    .cwd(t.path())
    .run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("$STALEKEY_TEST_UNSET is not set"));
    assert_eq!(std::fs::read_to_string(&ring_path).unwrap(), text);
}

#[test]
fn ring_add_warns_about_weak_keys() {
    let t = Tree::new();
    let out = ring_add(t.path(), "s/short", "s", "active", "sh0rtKey");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("only 8 bytes"), "{}", out.stderr);
    assert!(out.stderr.contains("brute-forced"), "{}", out.stderr);
    let out = ring_add(
        t.path(),
        "s/low",
        "s",
        "pending",
        "abababababababababababab",
    );
    assert!(out.stderr.contains("low entropy"), "{}", out.stderr);
    assert!(!out.stderr.contains("abab"), "{}", out.stderr);
    let out = ring_add(t.path(), "s/good", "s", "pending", KEY_A);
    assert_eq!(out.stderr, "");
    // A newline read from stdin is part of the key unless stripped, and says so.
    let out = stalekey(&[
        "ring",
        "add",
        "--id",
        "s/nl",
        "--service",
        "s",
        "--state",
        "pending",
    ])
    .cwd(t.path())
    .stdin(format!("{KEY_B}\n"))
    .run();
    assert!(out.stderr.contains("ends with a newline"), "{}", out.stderr);
    let out = stalekey(&[
        "ring",
        "add",
        "--id",
        "s/stripped",
        "--service",
        "s",
        "--state",
        "pending",
        "--strip-newline",
    ])
    .cwd(t.path())
    .stdin(format!("{KEY_C}\n"))
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(&fp(KEY_C)));
}

#[test]
fn ring_set_state_enforces_the_lifecycle_and_list_shows_a_table() {
    let t = Tree::new();
    assert_eq!(ring_add(t.path(), "s/1", "s", "pending", KEY_A).code, 0);
    let set = |id: &str, state: &str| {
        stalekey(&["ring", "set-state", id, state])
            .cwd(t.path())
            .run()
    };
    for (state, code) in [
        ("active", 0),
        ("pending", 2),
        ("retired", 2),
        ("fallback", 0),
        ("retired", 0),
        ("revoked", 0),
        ("active", 2),
    ] {
        let out = set("s/1", state);
        assert_eq!(out.code, code, "-> {state}: {}", out.stderr);
        if code == 2 {
            assert!(
                out.stderr.contains(&format!("to {state}")),
                "{}",
                out.stderr
            );
        }
    }
    // To the state it is in: a note, nothing written, exit 0.
    let before = std::fs::read(t.path().join(".stalekey/ring.json")).unwrap();
    let out = set("s/1", "revoked");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("s/1 is already revoked") && out.stderr.contains("nothing changed"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(t.path().join(".stalekey/ring.json")).unwrap(),
        before
    );
    let out = set("s/9", "active");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no key with id \"s/9\" (ids: s/1)"));
    let out = set("s/1", "primary");
    assert_eq!(out.code, 2);

    assert_eq!(ring_add(t.path(), "a/1", "a", "active", KEY_B).code, 0);
    let out = stalekey(&["ring", "list"]).cwd(t.path()).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("ID   "), "{}", out.stdout);
    assert!(lines[0].contains(" STATE    SINCE "), "{}", out.stdout);
    assert!(lines[1].starts_with("a/1  ") && lines[1].contains(" active "));
    assert!(lines[2].starts_with("s/1  ") && lines[2].contains(" revoked "));
    // SINCE: when set-state moved s/1 (RFC 3339, UTC).
    let since = lines[2].split_whitespace().nth(3).unwrap();
    assert!(
        since.len() == 20 && since.starts_with("20") && since.ends_with('Z'),
        "{}",
        out.stdout
    );
    // --ring and STALEKEY_RING choose another file; a missing ring is an error for list.
    let out = stalekey(&["ring", "list", "--ring", "other.json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("other.json"), "{}", out.stderr);
    let out = stalekey(&["ring", "list"])
        .cwd(t.path())
        .env("STALEKEY_RING", ".stalekey/ring.json")
        .run();
    assert_eq!(out.code, 0);
}

#[test]
fn ring_import_takes_secret_like_variables_of_a_dotenv_file() {
    let t = Tree::new();
    t.write(
        "prod.env",
        format!(
            "# production\nexport SECRET_KEY={KEY_A}\nAPI_TOKEN=\"{KEY_B}\"\nPORT=8000\nEMPTY_SECRET=\nDB_PASSWORD=${{DB_PASSWORD}}\nbroken line\n"
        ),
    );
    let out = stalekey(&[
        "ring",
        "import",
        "prod.env",
        "--service",
        "billing",
        "--ring",
        "ring.json",
    ])
    .cwd(t.path())
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_no_key(&out.stdout);
    assert_no_key(&out.stderr);
    assert!(out.stdout.contains("imported 2 keys"), "{}", out.stdout);
    assert!(
        out.stderr.contains("prod.env:4: PORT not imported"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("prod.env:5: EMPTY_SECRET not imported"));
    assert!(out.stderr.contains("prod.env:6: DB_PASSWORD not imported"));
    assert!(out.stderr.contains("prod.env:7: not NAME=value"));
    let ring: Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("ring.json")).unwrap())
            .unwrap();
    let got: Vec<(&str, &str, &str)> = ring["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["id"].as_str().unwrap(),
                k["state"].as_str().unwrap(),
                k["fingerprint"].as_str().unwrap(),
            )
        })
        .collect();
    let (fa, fb) = (fp(KEY_A), fp(KEY_B));
    assert_eq!(
        got,
        vec![
            ("billing/API_TOKEN", "active", fb.as_str()),
            ("billing/SECRET_KEY", "active", fa.as_str())
        ]
    );
    // Importing again changes nothing: each key is already there, skipped and counted.
    let before = std::fs::read(t.path().join("ring.json")).unwrap();
    let out = stalekey(&[
        "ring",
        "import",
        "prod.env",
        "--service",
        "billing",
        "--ring",
        "ring.json",
    ])
    .cwd(t.path())
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("imported 0 keys") && out.stdout.contains("(2 already in the ring)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("is already in the ring as billing/"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(t.path().join("ring.json")).unwrap(), before);
}

/// A tree whose app holds KEY_A (service web, active) and KEY_C (service other).
fn gate_tree() -> Tree {
    let t = Tree::new();
    t.write(
        "app/config.py",
        format!("import os\n\nSECRET_KEY = \"{KEY_A}\"\n"),
    );
    t.write("worker/other.py", format!("TOKEN = '{KEY_C}'\n"));
    assert_eq!(ring_add(t.path(), "web/1", "web", "active", KEY_A).code, 0);
    assert_eq!(
        ring_add(t.path(), "other/1", "other", "active", KEY_C).code,
        0
    );
    t
}

#[test]
fn gate_fails_on_consumers_the_rotation_would_leave_behind() {
    let t = gate_tree();
    let out = stalekey(&["gate", "--rotate", "web"]).cwd(t.path()).run();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_no_key(&out.stdout);
    assert!(
        out.stdout.contains("key web/1: active → fallback"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("app/config.py:3:15"), "{}", out.stdout);
    assert!(out.stdout.contains("move the literal to the environment"));
    assert!(
        !out.stdout.contains("worker/other.py"),
        "other services are not gated"
    );
    assert!(out.stdout.contains("1 consumer of web must change"));

    let out = stalekey(&["gate", "--rotate", "web", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1);
    let report = json(&out);
    assert_eq!(report["schema"], "stalekey.report/v1");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "the normal report, under the real ring");
    assert_eq!(findings[0]["verdict"], "pinned");
    let gate = &report["gate"];
    assert_eq!(gate["service"], "web");
    assert_eq!(gate["pass"], false);
    assert_eq!(gate["blocking"], 1);
    assert_eq!(gate["rotation"][0]["to"], "fallback");
    let c = &gate["consumers"][0];
    assert_eq!(c["path"], "app/config.py");
    assert_eq!(c["verdict"], "expiring");
    assert_eq!(c["verdict_now"], "pinned");
    assert_eq!(c["key"]["state"], "fallback");
    assert_eq!(c["key"]["state_now"], "active");
    assert_eq!(c["action"], "move-to-environment");

    let out = stalekey(&["gate", "--rotate", "web", "--format", "github"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1);
    assert!(out
        .stdout
        .starts_with("::error file=app/config.py,line=3,col=15,title=stalekey gate"));

    // Unknown service: exit 2 listing the ring's services.
    let out = stalekey(&["gate", "--rotate", "nope"]).cwd(t.path()).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown service \"nope\"") && out.stderr.contains("other, web"),
        "{}",
        out.stderr
    );
    for bad in [
        &["gate", "--rotate", "web", "--fail-on", "pinned"][..],
        &["gate", "--rotate", "web", "--format", "sarif"][..],
    ] {
        assert_eq!(stalekey(bad).cwd(t.path()).run().code, 2);
    }

    // Moved to the environment: the gate passes.
    t.write(
        "app/config.py",
        "import os\n\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\n",
    );
    let out = stalekey(&["gate", "--rotate", "web"]).cwd(t.path()).run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.ends_with(": pass\n"), "{}", out.stdout);
}

#[test]
fn gate_promotes_the_pending_key_and_finalize_retires_fallbacks() {
    let t = gate_tree();
    t.write("app/config.py", format!("SECRET_KEY = \"{KEY_B}\"\n"));
    assert_eq!(ring_add(t.path(), "web/2", "web", "pending", KEY_B).code, 0);
    // The consumer holds the new key: fine for this rotation (a note, not a failure).
    let out = stalekey(&["gate", "--rotate", "web", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    let gate = &json(&out)["gate"];
    assert_eq!(gate["new_active"], "web/2");
    assert_eq!(gate["consumers"][0]["blocking"], false);
    assert_eq!(gate["consumers"][0]["verdict"], "pinned");
    assert_eq!(gate["consumers"][0]["action"], "move-before-next-rotation");

    // Rotated in the ring; a fallback list still holds the old key.
    for (id, state) in [("web/1", "fallback"), ("web/2", "active")] {
        let out = stalekey(&["ring", "set-state", id, state])
            .cwd(t.path())
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
    t.write(
        "app/config.py",
        format!("import os\nSECRET_KEY = os.environ['SECRET_KEY']\nSECRET_KEY_FALLBACKS = [\"{KEY_A}\"]\n"),
    );
    let out = stalekey(&["gate", "--rotate", "web", "--finalize", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stdout);
    let report = json(&out);
    let gate = &report["gate"];
    assert_eq!(gate["finalize"], true);
    assert_eq!(gate["rotation"][0]["id"], "web/1");
    assert_eq!(gate["rotation"][0]["to"], "retired");
    assert_eq!(gate["rotation"][1]["to"], "active");
    assert_eq!(gate["consumers"][0]["verdict"], "stale");
    assert_eq!(gate["consumers"][0]["verdict_now"], "expiring");
    assert_eq!(gate["consumers"][0]["line"], 3);
    let out = stalekey(&["gate", "--rotate", "web", "--finalize"])
        .cwd(t.path())
        .run();
    assert!(
        out.stdout.contains("key web/1: fallback → retired"),
        "{}",
        out.stdout
    );
    assert!(out
        .stdout
        .contains("must change before the grace period ends"));
}

#[test]
fn ignore_file_and_inline_allow_are_counted_never_dropped_silently() {
    let t = Tree::new();
    t.write(
        "a.py",
        format!("SECRET_KEY = \"{KEY_A}\"\nSECRET_KEY = \"{KEY_B}\"  # stalekey:allow\n"),
    );
    t.write("b.py", format!("SECRET_KEY = \"{KEY_C}\"\n"));
    t.write("c.py", format!("SECRET_KEY = \"{KEY_D}\"\n"));
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(t.path())
        .run();
    let report = json(&out);
    assert_eq!(report["findings"].as_array().unwrap().len(), 3);
    assert_eq!(report["stats"]["ignored"], 1);

    t.write(
        ".stalekeyignore",
        format!(
            "# test keys\n{}   # a fixture\nb.py:1:python-secret-key\nsha256:xyz\nb.py:one:rule\n",
            fp(KEY_A)
        ),
    );
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1);
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["path"], "c.py");
    assert_eq!(report["stats"]["ignored"], 3);
    assert!(
        out.stderr.contains(".stalekeyignore:4: bad fingerprint"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(".stalekeyignore:5: expected"),
        "{}",
        out.stderr
    );
    let out = stalekey(&["scan", "."]).cwd(t.path()).run();
    assert!(out.stdout.contains(", 3 ignored,"), "{}", out.stdout);
    t.write(".stalekeyignore", format!("{}\n", fp(KEY_D)));
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(json(&out)["stats"]["ignored"], 2);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the SARIF schema compiles");

    let t = gate_tree();
    t.write("dir with space/x.py", format!("SECRET_KEY = \"{KEY_D}\"\n"));
    t.write("stale.py", format!("api_token = '{KEY_B}'\n"));
    // Two consumers of one key in one file, and a code-point column after a 2-byte char.
    t.write(
        "twice.py",
        format!("x = \"é\"; SECRET_KEY = \"{KEY_B}\"\nSECRET_KEY = \"{KEY_B}\"\n"),
    );
    assert_eq!(ring_add(t.path(), "web/0", "web", "pending", KEY_B).code, 0);
    let revoke = stalekey(&["ring", "set-state", "web/0", "revoked"])
        .cwd(t.path())
        .run();
    assert_eq!(revoke.code, 0, "{}", revoke.stderr);
    let out = stalekey(&["scan", ".", "--format", "sarif"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_no_key(&out.stdout);
    let sarif: Value = serde_json::from_str(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");

    let report = json(
        &stalekey(&["scan", ".", "--format", "json"])
            .cwd(t.path())
            .run(),
    );
    let findings = report["findings"].as_array().unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert!(results.len() >= 4);
    let mut partial = std::collections::BTreeSet::new();
    for (r, f) in results.iter().zip(findings) {
        assert_eq!(r["ruleId"], f["verdict"]);
        let pf = r["partialFingerprints"]["stalekey/v1"].as_str().unwrap();
        assert!(
            partial.insert(pf.to_string()),
            "partialFingerprints repeat: {pf}"
        );
        for k in [KEY_A, KEY_B, KEY_C, KEY_D] {
            assert!(
                !pf.contains(&fp(k)[7..]),
                "a value's full fingerprint in {pf}"
            );
        }
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], f["line"]);
        if f["path"] == "twice.py" && f["line"] == 1 {
            // Byte column 25, code-point column 24 (é is two bytes).
            assert_eq!(
                (f["column"].as_u64(), region["startColumn"].as_u64()),
                (Some(25), Some(24))
            );
        } else {
            assert_eq!(region["startColumn"], f["column"]);
        }
        let rule =
            &sarif["runs"][0]["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
        assert_eq!(rule["id"], r["ruleId"]);
    }
    let verdicts: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(verdicts.contains(&"compromised") && verdicts.contains(&"pinned"));
    assert!(verdicts.contains(&"untracked"));
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"dir%20with%20space/x.py"), "{uris:?}");

    // Lines added above a finding do not change its partialFingerprint.
    t.write("stale.py", format!("# moved\n\napi_token = '{KEY_B}'\n"));
    let moved: Value = serde_json::from_str(
        &stalekey(&["scan", ".", "--format", "sarif"])
            .cwd(t.path())
            .run()
            .stdout,
    )
    .unwrap();
    let stale_fp = |s: &Value| {
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stale.py"
            })
            .map(|r| r["partialFingerprints"]["stalekey/v1"].clone())
            .unwrap()
    };
    assert_eq!(stale_fp(&sarif), stale_fp(&moved));

    // Scanned from a subdirectory's parent, SARIF paths start at the repository root.
    std::process::Command::new("git")
        .arg("init")
        .arg("-q")
        .current_dir(t.path())
        .status()
        .unwrap();
    let out = stalekey(&["scan", "dir with space", "--format", "sarif"])
        .cwd(t.path())
        .run();
    let sub: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        sub["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir%20with%20space/x.py"
    );

    // The validation can fail: a level SARIF does not know is rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    // An empty scan is valid SARIF too.
    let empty = Tree::new();
    empty.write("README.md", "nothing here\n");
    let out = stalekey(&["scan", ".", "--format", "sarif"])
        .cwd(empty.path())
        .run();
    assert_eq!(out.code, 0);
    assert!(validator.is_valid(&serde_json::from_str(&out.stdout).unwrap()));
}

#[test]
fn github_annotations_escape_and_split_error_from_warning() {
    let t = Tree::new();
    t.write("we,ird:name.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    assert_eq!(ring_add(t.path(), "web/1", "web", "active", KEY_A).code, 0);
    t.write("b.py", format!("SECRET_KEY = \"{KEY_B}\"\n"));
    let out = stalekey(&["scan", ".", "--format", "github", "--fail-on", "pinned"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1);
    assert_no_key(&out.stdout);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with(
            "::warning file=b.py,line=1,col=15,title=stalekey%3A untracked (medium)::"
        ),
        "{}",
        out.stdout
    );
    assert!(
        lines[1]
            .starts_with("::error file=we%2Cird%3Aname.py,line=1,col=15,title=stalekey%3A pinned"),
        "{}",
        out.stdout
    );
    assert!(lines[1].contains("::SECRET_KEY holds key web/1 of service web (active)"));
    assert!(lines[2].starts_with("stalekey: 2 findings, 1 failing"));
}

#[test]
fn no_format_ever_holds_a_key() {
    let t = gate_tree();
    t.write(
        "notes.md",
        format!("curl -H 'Authorization: Bearer {KEY_A}'\n"),
    );
    t.write("b.py", format!("SECRET_KEY = \"{KEY_D}\"\n"));
    for format in ["text", "json", "sarif", "github"] {
        let out = stalekey(&["scan", ".", "--format", format])
            .cwd(t.path())
            .run();
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        assert!(out.stdout.contains("notes.md"), "{format}");
        assert_no_key(&out.stdout);
        assert_no_key(&out.stderr);
    }
    for format in ["text", "json", "github"] {
        let out = stalekey(&["gate", "--rotate", "web", "--format", format])
            .cwd(t.path())
            .run();
        assert_eq!(out.code, 1);
        assert_no_key(&out.stdout);
    }
}

// --- git: --staged and the pre-commit hook -------------------------------------------

fn repo() -> Tree {
    let t = Tree::new();
    git_ok(t.path(), &["init", "-q"]);
    t
}

#[test]
fn staged_scans_the_index_not_the_working_tree() {
    let t = repo();
    // Committed before: not part of the next commit, so not scanned.
    t.write("old/committed.py", format!("SECRET_KEY = \"{KEY_C}\"\n"));
    git_ok(t.path(), &["add", "."]);
    git_ok(t.path(), &["commit", "-q", "-m", "base"]);
    // Staged with a key, then fixed in the working tree only: the commit would hold it.
    t.write(
        "src/app/settings.py",
        format!("\n\nSECRET_KEY = \"{KEY_A}\"\n"),
    );
    git_ok(t.path(), &["add", "src/app/settings.py"]);
    t.write(
        "src/app/settings.py",
        "import os\nSECRET_KEY = os.environ['K']\n",
    );
    // In the working tree only (not staged): not scanned.
    t.write("src/app/local.py", format!("SECRET_KEY = \"{KEY_B}\"\n"));
    // Staged binary: skipped.
    t.write("src/blob.bin", b"\x00\x01SECRET_KEY = \"x\"");
    git_ok(t.path(), &["add", "src/blob.bin"]);

    let out = stalekey(&["scan", "--staged", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report = json(&out);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["path"], "src/app/settings.py");
    assert_eq!(findings[0]["line"], 3);
    // Untracked here: its fingerprint is shown truncated.
    assert_eq!(findings[0]["fingerprint"], fp_untracked(KEY_A).as_str());
    assert_eq!(report["stats"]["files"], 1);
    assert_eq!(report["stats"]["binary"], 1);
    // The plain scan sees the working tree instead.
    let out = stalekey(&["scan", ".", "--format", "json"])
        .cwd(t.path())
        .run();
    let paths: Vec<String> = json(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(paths, ["old/committed.py", "src/app/local.py"]);

    // From a subdirectory: PATHs are pathspecs, paths stay relative to the repo root.
    let sub = t.path().join("src/app");
    let out = stalekey(&["scan", "--staged", "--format", "json"])
        .cwd(&sub)
        .run();
    assert_eq!(json(&out)["findings"][0]["path"], "src/app/settings.py");
    let out = stalekey(&["scan", "--staged", "old", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 0, "pathspec old matches no staged change");

    // .stalekeyignore at the repository root applies; gate takes --staged too.
    t.write(
        ".stalekeyignore",
        "src/app/settings.py:3:python-secret-key\n",
    );
    let out = stalekey(&["scan", "--staged", "--format", "json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert_eq!(json(&out)["stats"]["ignored"], 1);
    std::fs::remove_file(t.path().join(".stalekeyignore")).unwrap();
    assert_eq!(ring_add(t.path(), "web/1", "web", "active", KEY_A).code, 0);
    let out = stalekey(&["gate", "--rotate", "web", "--staged"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("src/app/settings.py:3:15"),
        "{}",
        out.stdout
    );

    // Outside a repository: an error, exit 2.
    let plain = Tree::new();
    let out = stalekey(&["scan", "--staged"])
        .cwd(plain.path())
        .env("GIT_CEILING_DIRECTORIES", plain.path().to_str().unwrap())
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--staged"), "{}", out.stderr);
}

#[test]
fn install_hook_blocks_a_commit_and_respects_foreign_hooks() {
    let t = repo();
    let hook = t.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    let out = stalekey(&["install-hook"]).cwd(t.path()).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("not written by stalekey"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    let out = stalekey(&["install-hook", "--force"]).cwd(t.path()).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("replaced"), "{}", out.stdout);
    let out = stalekey(&["install-hook"]).cwd(t.path()).run();
    assert_eq!(out.code, 0, "our own hook is updated: {}", out.stderr);
    assert!(out.stdout.starts_with("updated"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111, "executable");
    }

    // The hook runs on `git commit`: a staged key stops the commit, a clean one passes.
    t.write("app.py", format!("SECRET_KEY = \"{KEY_A}\"\n"));
    git_ok(t.path(), &["add", "app.py"]);
    let out = git(t.path(), &["commit", "-q", "-m", "with a key"]);
    assert!(!out.status.success(), "the hook must block the commit");
    // git shows a hook's stdout on its stderr.
    let shown = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(shown.contains("app.py:1:15"), "{shown}");
    t.write(
        "app.py",
        "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
    );
    git_ok(t.path(), &["add", "app.py"]);
    git_ok(t.path(), &["commit", "-q", "-m", "clean"]);

    // From a subdirectory: the hook is installed in the repository, and a key revoked in
    // the repository's ring blocks a commit made from there.
    let sub = t.path().join("deep/er");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::remove_file(&hook).unwrap();
    let out = stalekey(&["install-hook"]).cwd(&sub).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(hook.exists(), "installed at the repository's hook path");
    assert_eq!(
        ring_add(&sub, "old/1", "old", "revoked", KEY_C).code,
        0,
        "ring add from a subdirectory edits the repository's ring"
    );
    std::fs::write(sub.join("conf.py"), format!("SECRET_KEY = \"{KEY_C}\"\n")).unwrap();
    git_ok(&sub, &["add", "conf.py"]);
    let out = git(&sub, &["commit", "-q", "-m", "revoked key"]);
    assert!(!out.status.success(), "the hook must block the commit");
    let shown = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        shown.contains("compromised") && shown.contains("deep/er/conf.py"),
        "{shown}"
    );
}

// --- the README's runbook ------------------------------------------------------------

/// Runs the shell blocks of the README's "Rotating a key" section, exactly as written,
/// with `stalekey` being the built binary, and checks each command's exit status.
#[test]
fn runbook() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme
        .find("## Rotating a key")
        .expect("README has a Rotating a key section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut script = String::new();
    let mut rest = section;
    while let Some(open) = rest.find("```sh\n") {
        let body = &rest[open + 6..];
        let close = body.find("```").expect("closed code block");
        script.push_str(&body[..close]);
        rest = &body[close + 3..];
    }
    let t = Tree::new();
    let log = t.path().join("calls.log");
    let prelude = format!(
        "stalekey() {{ '{}' \"$@\"; rc=$?; echo \"$rc stalekey $*\" >> '{}'; return $rc; }}\n",
        env!("CARGO_BIN_EXE_stalekey"),
        log.display()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{prelude}{script}"))
        .current_dir(t.path())
        .env_remove("STALEKEY_RING")
        .env("NO_COLOR", "1")
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "runbook failed:\n{stdout}\n{stderr}");
    let calls = std::fs::read_to_string(&log).unwrap();
    let expected = "\
0 stalekey ring add --id flask-session/2026-11 --service flask-session --state active
0 stalekey ring list
1 stalekey scan
1 stalekey gate --rotate flask-session
0 stalekey gate --rotate flask-session
0 stalekey ring add --id flask-session/2026-12 --service flask-session --state pending
0 stalekey gate --rotate flask-session
0 stalekey ring set-state flask-session/2026-11 fallback
0 stalekey ring set-state flask-session/2026-12 active
0 stalekey scan
1 stalekey gate --rotate flask-session --finalize
0 stalekey gate --rotate flask-session --finalize
0 stalekey ring set-state flask-session/2026-11 retired
0 stalekey ring list
";
    assert_eq!(calls, expected, "runbook output:\n{stdout}\n{stderr}");
    // What the steps say they show.
    assert!(
        stdout.contains("pinned      medium   app/config.py:3:15"),
        "{stdout}"
    );
    assert!(stdout.contains("deploy/worker.env:1:12"), "{stdout}");
    assert!(stdout.contains("key flask-session/2026-12: pending → active  (the new key)"));
    assert!(stdout.contains("app/debug_sessions.py:1:26"), "{stdout}");
    let ring = std::fs::read_to_string(t.path().join("stalekey-demo/.stalekey/ring.json")).unwrap();
    assert!(ring.contains("\"state\": \"retired\"") && ring.contains("\"state\": \"active\""));
}

#[test]
fn fingerprint_strips_one_newline_only_when_asked() {
    let plain = fp(KEY_A);
    let out = stalekey(&["fingerprint"]).stdin(format!("{KEY_A}\n")).run();
    assert_ne!(out.stdout.trim(), plain, "the newline is part of the key");
    for input in [format!("{KEY_A}\n"), format!("{KEY_A}\r\n")] {
        let out = stalekey(&["fingerprint", "--strip-newline"])
            .stdin(input)
            .run();
        assert_eq!(out.stdout.trim(), plain);
    }
    let out = stalekey(&["fingerprint", "--strip-newline"])
        .stdin(format!("{KEY_A}\n\n"))
        .run();
    assert_ne!(out.stdout.trim(), plain, "only one newline is stripped");
    let out = stalekey(&["fingerprint"]).stdin("").run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no key on stdin"), "{}", out.stderr);
}

#[test]
fn concurrent_ring_adds_lose_nothing() {
    let t = Tree::new();
    let children: Vec<_> = (0..24)
        .map(|i| {
            let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_stalekey"));
            c.args(["ring", "add", "--ring", "ring.json", "--service"])
                .arg(format!("s{i}"))
                .args(["--state", "active", "--id"])
                .arg(format!("s{i}/1"))
                .current_dir(t.path())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            let mut child = c.spawn().unwrap();
            use std::io::Write as _;
            let key = format!("{i:02}-{}", &KEY_D[3..]);
            child
                .stdin
                .take()
                .unwrap()
                .write_all(key.as_bytes())
                .unwrap();
            child
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let ring: Value =
        serde_json::from_str(&std::fs::read_to_string(t.path().join("ring.json")).unwrap())
            .unwrap();
    assert_eq!(ring["keys"].as_array().unwrap().len(), 24);
}

#[test]
fn ring_writes_keep_mode_follow_symlinks_and_ignore_leftover_temp_files() {
    use std::os::unix::fs::PermissionsExt;
    let t = Tree::new();
    assert_eq!(ring_add(t.path(), "a/1", "a", "active", KEY_A).code, 0);
    let real = t.path().join(".stalekey/ring.json");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).unwrap();
    // A leftover temporary file from a crashed writer, under every name pattern.
    for name in [".ring.json.1.tmp", ".ring.json.99999.tmp"] {
        t.write(&format!(".stalekey/{name}"), "junk");
    }
    assert_eq!(ring_add(t.path(), "b/1", "b", "active", KEY_B).code, 0);
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the ring's mode is kept");
    // Through a symbolic link: the link stays, its target gets the key.
    std::fs::create_dir_all(t.path().join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(&real, t.path().join("elsewhere/link.json")).unwrap();
    let out = stalekey(&[
        "ring",
        "add",
        "--ring",
        "elsewhere/link.json",
        "--id",
        "c/1",
        "--service",
        "c",
        "--state",
        "active",
    ])
    .cwd(t.path())
    .stdin(KEY_C)
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let link = t.path().join("elsewhere/link.json");
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.contains("\"c/1\"") && text.contains("\"a/1\""),
        "{text}"
    );
    // ring rm, and --output onto the ring is refused.
    let out = stalekey(&["ring", "rm", "b/1"]).cwd(t.path()).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!std::fs::read_to_string(&real).unwrap().contains("\"b/1\""));
    let out = stalekey(&["ring", "rm", "b/1"]).cwd(t.path()).run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no key with id \"b/1\""),
        "{}",
        out.stderr
    );
    let out = stalekey(&["scan", ".", "--output", ".stalekey/ring.json"])
        .cwd(t.path())
        .run();
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("that is the key ring"),
        "{}",
        out.stderr
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("\"a/1\""));
}
