//! Unit tests of rule files and the rule set, and spot checks of what built-in rules
//! report. Every built-in rule's own examples are checked by `pipeline::rulecheck`.

mod units {
    use super::super::rule::pem_normalize;
    use super::super::*;
    use crate::format::Format;

    fn one_rule(toml: &str) -> Result<RuleSet> {
        RuleSet::from_sources(vec![("t.toml".into(), toml.into())])
    }

    use crate::extract::rules::TEST_RULE as BASE;

    /// `build.rs` embeds `rules/` converted to JSON: what a scan loads must be exactly
    /// what `rules/` says, file by file and rule by rule.
    #[test]
    fn embedded_rules_are_the_rule_files() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let embedded = embedded_files().unwrap();
        let names: Vec<&str> = embedded.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(names, on_disk, "embedded rule files differ from rules/");
        for file in &embedded {
            let text = std::fs::read_to_string(dir.join(&file.file)).unwrap();
            let parsed = parse_toml(file.file.clone(), &text).unwrap();
            assert_eq!(
                parsed.rules.rule.len(),
                file.rules.rule.len(),
                "{}",
                file.file
            );
            for (a, b) in parsed.rules.rule.iter().zip(&file.rules.rule) {
                assert!(a == b, "{}: rule {} differs from rules/", file.file, a.id);
            }
        }
        // And the comparison can fail: one changed field is a difference.
        let mut changed = embedded[0].rules.rule[0].clone();
        changed.window += 1;
        assert!(changed != embedded[0].rules.rule[0]);
    }

    #[test]
    fn rule_files_are_strict() {
        let bad = BASE.replace(
            "confidence = \"high\"",
            "confidence = \"high\"\nseverity = \"x\"",
        );
        let msg = one_rule(&bad).err().unwrap().to_string();
        assert!(msg.starts_with("rules t.toml: file: "), "{msg}");
        assert!(msg.contains("unknown field `severity`"), "{msg}");
    }

    #[test]
    fn rule_without_capture_is_rejected() {
        let bad = BASE.replace("(?P<secret>{str})", "{str}");
        let msg = one_rule(&bad).err().unwrap().to_string();
        assert!(
            msg.contains("rules t.toml: t: a literal rule needs"),
            "{msg}"
        );
    }

    #[test]
    fn secret_position_points_past_the_quote() {
        let set = one_rule(BASE).unwrap();
        let doc = Document::new("a.py", b"x = 1\nKEY = r'abc'\n", Format::Python);
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        assert_eq!(out.candidates.len(), 1);
        assert_eq!(
            (out.candidates[0].at.line, out.candidates[0].at.column),
            (2, 9)
        );
        assert_eq!(out.candidates[0].value.as_ref().unwrap().expose(), b"abc");
    }
    #[test]
    fn template_names_fill_in_captures() {
        let toml = r#"
[[rule]]
id = "t"
description = "d"
confidence = "high"
kind = "reference"
keywords = ["ref"]
pattern = '''ref (?:(?P<a>\w+)/(?P<b>\w+)|(?P<b2>\w+)\\(?P<a2>\w+))'''
name = "secret {a}:{b}"
examples = ['ref x/y']
negative_examples = ['ref']
"#;
        let names = |toml: &str, text: &[u8]| -> Vec<String> {
            let set = one_rule(toml).unwrap();
            let mut out = Extracted::default();
            set.extract(&Document::new("a", text, Format::Text), &mut out);
            out.candidates
                .iter()
                .map(|c| c.detail.name.clone().unwrap())
                .collect()
        };
        assert_eq!(
            names(toml, b"ref one/two\nref four\\three\n"),
            ["secret one:two", "secret three:four"]
        );
        // `{#b}`: the `#` only with the capture.
        let optional = toml
            .replace("(?P<b>\\w+)", "(?P<b>\\w+)?")
            .replace("{a}:{b}", "{a}{#b}");
        assert_eq!(
            names(&optional, b"ref one/two\nref four/\n"),
            ["secret one#two", "secret four"]
        );
        let bad = toml.replace("{a}:{b}", "{a}:{c}");
        let msg = one_rule(&bad).err().unwrap().to_string();
        assert!(msg.contains("no capture named \"c\""), "{msg}");
    }

    #[test]
    fn pem_blocks_are_normalized() {
        assert_eq!(
            pem_normalize(b"  -----BEGIN K-----\r\n    AbC\r\n    -----END K-----  \n"),
            b"-----BEGIN K-----\nAbC\n-----END K-----\n"
        );
    }

    #[test]
    fn extra_rules_dir_is_loaded_and_errors_name_file_and_rule() {
        let dir = tempfile::tempdir().unwrap();
        let mine = BASE.replace("\"t\"", "\"my-rule\"");
        std::fs::write(dir.path().join("mine.toml"), &mine).unwrap();
        let (set, files) = RuleSet::with_extra_dir(dir.path()).unwrap();
        assert_eq!(files.len(), 1);
        assert!(files[0].ends_with("mine.toml"), "{files:?}");
        assert!(set.get("my-rule").is_some());
        assert!(set.rules().len() > 1, "built-in rules are kept");
        let bad = BASE
            .replace("\"t\"", "\"bad-rule\"")
            .replace("(?P<secret>{str})", "(?P<secret>[)");
        std::fs::write(dir.path().join("zz-bad.toml"), bad).unwrap();
        let msg = RuleSet::with_extra_dir(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains("zz-bad.toml: bad-rule: bad pattern"), "{msg}");
        std::fs::remove_file(dir.path().join("zz-bad.toml")).unwrap();
        std::fs::write(dir.path().join("dup.toml"), &mine).unwrap();
        let msg = RuleSet::with_extra_dir(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("mine.toml: my-rule: duplicate rule id"),
            "{msg}"
        );
    }
    /// The ids of the rules that give a candidate in `text` (a text file), sorted.
    fn rules_found(set: &RuleSet, text: &[u8]) -> Vec<String> {
        let doc = Document::new("a", text, Format::Text);
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        let mut ids: Vec<String> = out
            .candidates
            .iter()
            .map(|c| c.detail.rule.clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    #[test]
    fn prefilter_finds_overlapping_and_contained_keywords() {
        let rule = |id: &str, kw: &str, pat: &str| {
            format!(
                "[[rule]]\nid = \"{id}\"\ndescription = \"d\"\nconfidence = \"high\"\nkeywords = [\"{kw}\"]\npattern = '''(?P<secret>{pat})'''\nexamples = ['x']\nnegative_examples = ['y']\n"
            )
        };
        let toml = [
            rule("a", "secret", "secret"),
            rule("b", "retok", "retok"),
            rule("c", "secret_key", "secret_key"),
        ]
        .concat();
        let set = RuleSet::from_sources(vec![("t.toml".into(), toml)]).unwrap();
        let found = |text: &[u8]| rules_found(&set, text);
        assert_eq!(found(b"secretok"), ["a", "b"]);
        assert_eq!(found(b"x secret_key"), ["a", "c"]);
        assert!(found(b"nothing here").is_empty());
    }

    #[test]
    fn a_rule_runs_only_where_its_own_keyword_is() {
        let rule = |id: &str, kw: &str, exact: bool| {
            format!(
                "[[rule]]\nid = \"{id}\"\ndescription = \"d\"\nconfidence = \"high\"\nkeywords = [\"{kw}\"]\nexact_keywords = {exact}\npattern = '''(?P<secret>(?i:secret))'''\nexamples = ['x']\nnegative_examples = ['y']\n"
            )
        };
        // `secret` is searched for all three; each regex would match any `secret`.
        let toml = [
            rule("a", "secret", false),
            rule("b", "x-secret", false),
            rule("c", "KEY SECRET", true),
        ]
        .concat();
        let set = RuleSet::from_sources(vec![("t.toml".into(), toml)]).unwrap();
        let found = |text: &[u8]| rules_found(&set, text);
        assert_eq!(found(b"the secret"), ["a"]);
        assert_eq!(found(b"an X-Secret header"), ["a", "b"]);
        assert_eq!(found(b"key secret"), ["a"]);
        assert_eq!(found(b"KEY SECRET"), ["a", "c"]);
    }
}

/// Spot checks of what built-in rules report: names, list indices, defaults, positions.
mod spot {
    use super::super::*;
    use crate::format::Format;

    /// (line, column) of each candidate whose value is `value`.
    fn places_of(
        found: &[(String, Kind, String, String, u32, u32)],
        value: &str,
    ) -> Vec<(u32, u32)> {
        found
            .iter()
            .filter(|f| f.3 == value)
            .map(|f| (f.4, f.5))
            .collect()
    }

    /// (rule, kind, name, value, line, column) of every candidate in `text`.
    fn scan(text: &str, format: Format) -> Vec<(String, Kind, String, String, u32, u32)> {
        let set = RuleSet::embedded().unwrap();
        let doc = Document::new("t", text.as_bytes(), format);
        let mut out = Extracted::default();
        set.extract(&doc, &mut out);
        let mut v: Vec<_> = out
            .candidates
            .iter()
            .map(|c| {
                (
                    c.detail.rule.clone(),
                    c.detail.kind,
                    c.detail.name.clone().unwrap_or_default(),
                    c.value
                        .as_ref()
                        .map(|s| String::from_utf8_lossy(s.expose()).into_owned())
                        .unwrap_or_default(),
                    c.at.line,
                    c.at.column,
                )
            })
            .collect();
        v.sort_by(|a, b| (a.4, a.5, &a.0).cmp(&(b.4, b.5, &b.0)));
        v
    }

    fn has(
        found: &[(String, Kind, String, String, u32, u32)],
        rule: &str,
        name: &str,
        value: &str,
    ) {
        assert!(
            found
                .iter()
                .any(|f| f.0 == rule && f.2 == name && f.3 == value),
            "{rule} {name} {value:?} not in {found:#?}"
        );
    }

    #[test]
    fn fallbacks_are_one_consumer_per_element() {
        let found = scan(
            "SECRET_KEY_FALLBACKS = [\n    \"first-aaaaBBBB1111\",\n    'second-ccccDDDD2222',\n]\n",
            Format::Python,
        );
        has(
            &found,
            "python-secret-key-fallbacks",
            "SECRET_KEY_FALLBACKS[0]",
            "first-aaaaBBBB1111",
        );
        has(
            &found,
            "python-secret-key-fallbacks",
            "SECRET_KEY_FALLBACKS[1]",
            "second-ccccDDDD2222",
        );
        let second = found.iter().find(|f| f.3 == "second-ccccDDDD2222").unwrap();
        assert_eq!((second.4, second.5), (3, 6));
    }

    #[test]
    fn reference_defaults_are_literals_named_after_the_variable() {
        let found = scan(
            "k = os.environ.get(\"SECRET_KEY\", \"dflt-Q1w2E3r4T5y6\")\np = os.getenv(\"PORT\", \"8000-8000-8000\")\n",
            Format::Python,
        );
        has(&found, "env-python", "SECRET_KEY", "");
        has(&found, "env-python", "SECRET_KEY", "dflt-Q1w2E3r4T5y6");
        assert!(!found.iter().any(|f| f.2 == "PORT"), "{found:#?}");
        let found = scan(
            "const s = process.env.SESSION_SECRET ?? 'dflt-Q1w2E3r4T5y6'\n",
            Format::Javascript,
        );
        has(
            &found,
            "env-javascript",
            "SESSION_SECRET",
            "dflt-Q1w2E3r4T5y6",
        );
        let found = scan(
            "      - JWT_SECRET=${JWT_SECRET:-dflt-Q1w2E3r4T5y6}\n",
            Format::Yaml,
        );
        has(&found, "env-interpolation", "JWT_SECRET", "");
        has(
            &found,
            "env-interpolation",
            "JWT_SECRET",
            "dflt-Q1w2E3r4T5y6",
        );
    }

    #[test]
    fn decouple_csv_defaults_are_one_consumer_per_element() {
        for text in [
            "K = config(\"SECRET_KEY_FALLBACKS\", default=\"a1-aaaaBBBB1111, b2-ccccDDDD2222\", cast=Csv())\n",
            "K = config('SECRET_KEY_FALLBACKS', cast=Csv(), default='a1-aaaaBBBB1111, b2-ccccDDDD2222')\n",
        ] {
            let found = scan(text, Format::Python);
            let rule = "env-python-settings-libs";
            has(&found, rule, "SECRET_KEY_FALLBACKS", "");
            has(&found, rule, "SECRET_KEY_FALLBACKS[0]", "a1-aaaaBBBB1111");
            has(&found, rule, "SECRET_KEY_FALLBACKS[1]", "b2-ccccDDDD2222");
            let second = found.iter().find(|f| f.3 == "b2-ccccDDDD2222").unwrap();
            let col = text.find("b2-").unwrap() + 1;
            assert_eq!((second.4, second.5 as usize), (1, col), "{text}");
            assert!(!found.iter().any(|f| f.3.contains(',')), "{found:#?}");
        }
        // Without Csv() the default is one value.
        let found = scan(
            "K = config(\"SECRET_KEY\", default=\"a1-aaaa,BBBB1111\")\n",
            Format::Python,
        );
        has(
            &found,
            "env-python-settings-libs",
            "SECRET_KEY",
            "a1-aaaa,BBBB1111",
        );
    }

    #[test]
    fn a_toml_multi_line_string_starts_after_its_first_newline() {
        let found = scan(
            "secret = \"\"\"\nGh5Jk8Lq2Wv6Zx9Pt3Rm\"\"\"\n",
            Format::Toml,
        );
        let at = places_of(&found, "Gh5Jk8Lq2Wv6Zx9Pt3Rm");
        assert_eq!(at, [(2, 1)], "{found:?}");
    }

    #[test]
    fn multi_fernet_gives_each_key() {
        let found = scan(
            "MultiFernet([Fernet(b\"k1-aaaaBBBB1111\"), Fernet(\"k2-ccccDDDD2222\")])",
            Format::Python,
        );
        has(&found, "python-fernet-key", "Fernet", "k1-aaaaBBBB1111");
        has(&found, "python-fernet-key", "Fernet", "k2-ccccDDDD2222");
    }

    #[test]
    fn secret_key_ref_is_named_after_secret_and_key() {
        let found = scan(
            "valueFrom:\n  secretKeyRef:\n    key: signing-key\n    name: app-secrets\n",
            Format::Yaml,
        );
        has(
            &found,
            "kubernetes-secret-key-ref",
            "secretKeyRef:app-secrets/signing-key",
            "",
        );
    }

    #[test]
    fn yaml_block_values_are_read_to_their_dedent() {
        let text = "auth:\n  private_key: |\n    line-one-Q1w2E3r4\n    line-two-T5y6U7i8\n  api_token: v8hnkYYYX1XcGYeL0n71F1BDtu1Kq49h\n";
        let found = scan(text, Format::Yaml);
        let block = found
            .iter()
            .find(|f| f.2 == "private_key")
            .expect("block value");
        assert_eq!(block.3, "line-one-Q1w2E3r4\nline-two-T5y6U7i8\n");
        assert_eq!((block.4, block.5), (3, 5));
        has(
            &found,
            "config-secret-yaml",
            "api_token",
            "v8hnkYYYX1XcGYeL0n71F1BDtu1Kq49h",
        );
    }

    #[test]
    fn pem_in_yaml_and_json_gives_the_pem_file_bytes() {
        // Built at run time so no private-key block stands in the source (the repo's
        // hooks flag those outside fixtures/, tests/ and rules/).
        let kind = "PRIVATE KEY";
        let pem = format!(
            "-----BEGIN {kind}-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END {kind}-----\n"
        );
        let yaml = format!(
            "tls:\n  key: |\n{}",
            pem.lines()
                .map(|l| format!("    {l}\n"))
                .collect::<String>()
        );
        has(
            &scan(&yaml, Format::Yaml),
            "pem-private-key",
            "private key",
            &pem,
        );
        let json = format!("{{\"private_key\": {:?}}}", pem);
        has(
            &scan(&json, Format::Json),
            "pem-private-key-escaped",
            "private key",
            &pem,
        );
    }
    #[test]
    fn yaml_and_dotenv_plain_values_run_to_the_comment() {
        let found = scan(
            "db:\n  password: Tr0ub4dor &3 horse-Bx7  # shared\n",
            Format::Yaml,
        );
        has(
            &found,
            "config-secret-yaml",
            "password",
            "Tr0ub4dor &3 horse-Bx7",
        );
        let found = scan(
            "ADMIN_PASSWORD=Tr0ub4dor &3 horse-Bx7 # x\n",
            Format::Dotenv,
        );
        has(
            &found,
            "config-secret-dotenv",
            "ADMIN_PASSWORD",
            "Tr0ub4dor &3 horse-Bx7",
        );
        // In shell the value ends at the first space.
        let found = scan("ADMIN_PASSWORD=Tr0ub4dor-horse-Bx7 echo\n", Format::Shell);
        has(
            &found,
            "config-secret-shell",
            "ADMIN_PASSWORD",
            "Tr0ub4dor-horse-Bx7",
        );
    }

    #[test]
    fn rules_do_not_reread_values_a_format_extractor_read() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  password: Y2hhbmdlbWU=\n  api_token: eDhzQV9xTTJ2Ykw5cFQ0blIzd0s=\n";
        let set = RuleSet::embedded().unwrap();
        let doc = Document::new("s.yaml", text.as_bytes(), Format::Yaml);
        let mut out = Extracted::default();
        crate::extract::kube::extract(&doc, &mut out);
        set.extract(&doc, &mut out);
        let rules: Vec<&str> = out
            .candidates
            .iter()
            .map(|c| c.detail.rule.as_str())
            .collect();
        assert_eq!(
            rules,
            [
                crate::extract::kube::RULE_DATA,
                crate::extract::kube::RULE_DATA
            ]
        );
    }

    #[test]
    fn yaml_anchors_are_one_finding_at_the_anchor() {
        let found = scan(
            "defaults:\n  api_token: &tok \"Zx9hq2LmV8rT4wYb1NcK6dPsAq3V\"\nprod:\n  api_token: *tok\n",
            Format::Yaml,
        );
        has(
            &found,
            "config-secret-yaml",
            "api_token",
            "Zx9hq2LmV8rT4wYb1NcK6dPsAq3V",
        );
        let at = places_of(&found, "Zx9hq2LmV8rT4wYb1NcK6dPsAq3V");
        assert_eq!(at, [(2, 20)], "{found:#?}");
        assert!(!found.iter().any(|f| f.3.contains("tok")), "{found:#?}");
    }

    #[test]
    fn python_concatenated_literals_are_one_key() {
        // In parentheses over lines, and over a backslash continuation: (line, column)
        // of the first literal's value.
        for (text, at) in [
            (
                "SECRET_KEY = (\n    \"hePeB92gJoIDWWw7\"\n    'H0RCRLm_2xZs20H_'\n)\n",
                (2, 6),
            ),
            (
                "SECRET_KEY = \"hePeB92gJoIDWWw7\" \\\n    'H0RCRLm_2xZs20H_'\n",
                (1, 15),
            ),
        ] {
            let found = scan(text, Format::Python);
            has(
                &found,
                "python-secret-key",
                "SECRET_KEY",
                "hePeB92gJoIDWWw7H0RCRLm_2xZs20H_",
            );
            let f = found.iter().find(|f| f.0 == "python-secret-key").unwrap();
            assert_eq!((f.4, f.5), at, "{text:?}");
        }
    }
}
