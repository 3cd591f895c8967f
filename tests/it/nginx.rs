//! `stalekey scan` on nginx configs: the edge fixture tier, malformed configs, includes.

use crate::harness::{self, *};

const RING: &str = "tests/data/edge-ring.json";

/// The planted plaintexts (tests/data/edge-secrets.txt): id, value.
fn planted() -> Vec<(String, String)> {
    let out = harness::planted("edge-secrets.txt");
    assert!(out.len() >= 15);
    out
}

fn scan_json(dir: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["scan", dir, "--ring", RING, "--format", "json"];
    args.extend_from_slice(extra);
    let out = stalekey(&args).run();
    let v = normalized(&out.stdout);
    (out, v)
}

#[test]
fn edge_report_matches_expected() {
    let (out, _) = scan_json("fixtures/edge", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "", "the edge tier is well-formed");
    assert_matches_expected("edge.json", &out.stdout);
}

#[test]
fn every_ring_key_of_the_edge_tier_is_found() {
    let (_, v) = scan_json("fixtures/edge", &[]);
    let ids: std::collections::BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["key"]["id"].as_str())
        .collect();
    for (id, _) in planted() {
        if id != "-" && !id.starts_with("malformed") {
            assert!(ids.contains(id.as_str()), "{id} not found");
        }
    }
}

#[test]
fn variable_flow_is_one_finding_at_the_set_line() {
    let (_, v) = scan_json("fixtures/edge", &[]);
    let findings = v["findings"].as_array().unwrap();
    let set: Vec<_> = findings
        .iter()
        .filter(|f| f["name"] == "$partner_hmac_secret")
        .collect();
    assert_eq!(set.len(), 1);
    assert_eq!(set[0]["rule"], "nginx-set-variable");
    assert_eq!(
        set[0]["context"],
        "server gw.example.com > location = /partner-auth"
    );
    assert_eq!(set[0]["used_at"], serde_json::json!([13, 14]));
    // The use sites are not findings of their own.
    let line = set[0]["line"].as_u64().unwrap();
    assert!(!findings
        .iter()
        .any(|f| f["path"] == "conf.d/gateway.conf"
            && (f["line"] == line + 1 || f["line"] == line + 2)));
}

#[test]
fn included_snippet_keeps_its_path_with_the_including_block() {
    let (_, v) = scan_json("fixtures/edge", &[]);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "$auth_secret")
        .expect("snippet finding")
        .clone();
    assert_eq!(f["path"], "snippets/auth-secret.conf");
    assert_eq!(f["line"], 3);
    assert_eq!(
        f["context"],
        "server api.example.com > location = /auth > include snippets/auth-secret.conf"
    );
}

#[test]
fn no_planted_secret_appears_in_any_output() {
    let secrets = planted();
    for dir in ["fixtures/edge", "fixtures/edge-malformed"] {
        for format in ["text", "json"] {
            for color in ["never", "always"] {
                let out = stalekey(&[
                    "scan", dir, "--ring", RING, "--format", format, "--color", color,
                ])
                .run();
                assert!(out.code == 1, "{dir} {format}: {}", out.stderr);
                for (id, s) in &secrets {
                    assert!(
                        !out.stdout.contains(s.as_str()) && !out.stderr.contains(s.as_str()),
                        "{id}'s value leaked in {dir} --format {format}"
                    );
                }
            }
        }
    }
}

#[test]
fn malformed_configs_warn_with_file_and_line_and_still_report_ring_keys() {
    let (out, v) = scan_json("fixtures/edge-malformed", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for expected in [
        "stalekey: warning: conf.d/unbalanced.conf:5: nginx: unexpected end of file: 2 block(s) not closed",
        "stalekey: warning: conf.d/unterminated.conf:5: nginx: unterminated quoted string",
        "stalekey: warning: conf.d/truncated.conf:5: nginx: unexpected end of file: directive is not terminated",
        "stalekey: warning: conf.d/stray-brace.conf:4: nginx: unexpected \"}\"",
    ] {
        assert!(
            out.stderr.lines().any(|l| l.starts_with(expected)),
            "missing {expected:?} in\n{}",
            out.stderr
        );
    }
    let found: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["key"]["id"].as_str().unwrap_or("-"),
                f["rule"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            // Complete directives before the error keep their structure.
            ("malformed-d/2026-11", "nginx-secret-header"),
            // Cut off by the error: found as ring keys in plain text.
            ("malformed-c/2026-11", "ring-key"),
            ("malformed-a/2026-11", "nginx-secret-header"),
            ("malformed-b/2026-11", "ring-key"),
        ]
    );
}

#[test]
fn include_cycle_is_reported_once() {
    let (out, _) = scan_json("fixtures/edge-malformed", &[]);
    let cycles: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("include cycle"))
        .collect();
    assert_eq!(
        cycles,
        vec!["stalekey: warning: conf.d/loop-b.conf:3: nginx: include cycle conf.d/loop-a.conf -> conf.d/loop-b.conf -> conf.d/loop-a.conf (not followed again)"]
    );
}

#[test]
fn thread_count_does_not_change_the_report() {
    let (_, one) = scan_json("fixtures/edge", &["-j", "1"]);
    let (_, four) = scan_json("fixtures/edge", &["-j", "4"]);
    assert_eq!(one, four);
}

#[test]
fn nginx_prefix_decides_where_includes_resolve() {
    let t = Tree::new();
    t.write(
        "etc/nginx/sites-enabled/api.conf",
        "server {\n  server_name api.internal;\n  location = /auth {\n    include snippets/auth-key.conf;\n  }\n}\n",
    );
    t.write(
        "etc/nginx/snippets/auth-key.conf",
        "set $auth_key \"Vn3qR8sLx2Tb7WmK4pZc9Hd6\";\n",
    );
    let root = t.path().to_str().unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", root, "--format", "json"];
        args.extend_from_slice(extra);
        let out = stalekey(&args).run();
        assert_eq!(out.code, 1, "{}", out.stderr);
        normalized(&out.stdout)
    };
    // No nginx.conf: includes resolve against the scanned directory, where the
    // snippet is not, so the include is a reference and the snippet has no context.
    let v = scan(&[]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v:#}");
    assert_eq!(f[0]["path"], "etc/nginx/sites-enabled/api.conf");
    assert_eq!(f[0]["verdict"], "reference");
    assert_eq!(f[0]["name"], "snippets/auth-key.conf");
    assert_eq!(f[1]["context"], serde_json::Value::Null);

    let prefix = t.path().join("etc/nginx");
    let v = scan(&["--nginx-prefix", prefix.to_str().unwrap()]);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["path"], "etc/nginx/snippets/auth-key.conf");
    assert_eq!(f[0]["verdict"], "untracked");
    assert_eq!(
        f[0]["context"],
        "server api.internal > location = /auth > include snippets/auth-key.conf"
    );

    let out = stalekey(&["scan", root, "--nginx-prefix", "/no/such/dir"]).run();
    assert_eq!(out.code, 2);
    assert!(out
        .stderr
        .contains("--nginx-prefix /no/such/dir: not a directory"));
}

#[test]
fn conf_files_are_nginx_by_place_or_content_only() {
    let t = Tree::new();
    let line = "proxy_set_header X-Api-Key \"Tq8Lm3Xv7Rb2Wk9Pz4Nc6Hs1\";\n";
    t.write("etc/app.conf", format!("[main]\n{line}"));
    t.write(
        "etc/edge.conf",
        format!("upstream api {{\n  server 10.0.0.1;\n}}\n{line}"),
    );
    t.write("sites-available/plain.conf", line);
    let out = stalekey(&["scan", t.path().to_str().unwrap(), "--format", "json"]).run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v = normalized(&out.stdout);
    let got: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["format"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("etc/edge.conf", "nginx"),
            ("sites-available/plain.conf", "nginx")
        ]
    );
}

#[test]
fn each_scanned_root_resolves_includes_against_its_own_prefix() {
    let strip = |v: &serde_json::Value, root: &str| -> Vec<serde_json::Value> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| {
                let path = f["path"].as_str()?.strip_prefix(root)?.to_string();
                let mut f = f.clone();
                f["path"] = path.into();
                Some(f)
            })
            .collect()
    };
    let (both_out, both) = scan_json("fixtures/edge", &["fixtures/edge-malformed"]);
    let (_, edge) = scan_json("fixtures/edge", &[]);
    let (_, malformed) = scan_json("fixtures/edge-malformed", &[]);
    assert_eq!(strip(&both, "fixtures/edge/"), strip(&edge, ""));
    assert_eq!(
        strip(&both, "fixtures/edge-malformed/"),
        strip(&malformed, "")
    );
    assert_eq!(both_out.stderr.matches("include cycle").count(), 1);
}
