//! The one rule checker: every rule's `examples` must give a finding of that rule and no
//! `negative_examples` may, run as a scan runs them: the keyword prefilter and window,
//! the rule's plausibility bar in the matcher, the judge, in every format the rule lists.
//! Used by the built-in rules' test, by `--rules DIR` and by `stalekey rules check`.

use crate::error::Error;
use crate::extract::rules::{Rule, RuleSet};
use crate::extract::{Document, Extracted};
use crate::format::Format;
use crate::ring::Ring;
use crate::verdict::{judge, matcher};
use std::fmt;

/// One rule that does not do what its examples say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub file: String,
    pub rule: String,
    pub problem: String,
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        Error::Rules {
            file: self.file,
            rule: self.rule,
            problem: self.problem,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rules {}: {}: {}", self.file, self.rule, self.problem)
    }
}

/// Checks the rules of `set` that come from `files` (all of them when `files` is
/// empty); one failure per failing rule, its first problem, in rule order.
pub(crate) fn check(set: &RuleSet, files: &[String]) -> Vec<Failure> {
    set.rules()
        .iter()
        .enumerate()
        .filter(|(_, r)| files.is_empty() || files.contains(&r.file))
        .filter_map(|(i, r)| {
            check_rule(set, i, r).err().map(|problem| Failure {
                file: r.file.clone(),
                rule: r.id().to_string(),
                problem,
            })
        })
        .collect()
}

/// The formats a rule's examples are run in: each it lists, else plain text.
fn formats(rule: &Rule) -> Vec<Format> {
    if rule.formats().is_empty() {
        vec![Format::Text]
    } else {
        rule.formats().to_vec()
    }
}

fn check_rule(set: &RuleSet, index: usize, rule: &Rule) -> Result<(), String> {
    let spec = &rule.spec;
    let keywords: Vec<String> = spec
        .keywords
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    let examples = spec.examples.iter().map(|e| ("examples", e, true));
    let negatives = spec
        .negative_examples
        .iter()
        .map(|e| ("negative_examples", e, false));
    let mut counts = [0usize; 2];
    for (list, text, positive) in examples.chain(negatives) {
        let n = &mut counts[usize::from(!positive)];
        let i = *n;
        *n += 1;
        let lower = text.to_ascii_lowercase();
        let holds = |k: &String| {
            if spec.exact_keywords {
                spec.keywords.iter().any(|e| text.contains(e.as_str()))
            } else {
                lower.contains(k.as_str())
            }
        };
        if !keywords.iter().any(holds) {
            return Err(format!(
                "{list}[{i}] holds none of the keywords (the prefilter would skip it)"
            ));
        }
        for format in formats(rule) {
            if finds(set, index, rule, text, format) != positive {
                let what = if positive {
                    "gives no finding"
                } else {
                    "gives a finding"
                };
                return Err(format!("{list}[{i}] {what} (as {})", format.as_str()));
            }
        }
    }
    Ok(())
}

/// Does `text`, scanned as `format`, give a finding of this rule?
fn finds(set: &RuleSet, index: usize, rule: &Rule, text: &str, format: Format) -> bool {
    let doc = Document::new("example", text.as_bytes(), format);
    let mut out = Extracted::default();
    set.extract_rule(&doc, index, &mut out);
    let ring = Ring::empty();
    let matched = out
        .candidates
        .into_iter()
        .map(|c| matcher::match_candidate(c, &ring))
        .collect();
    judge::judge_all(matched, "example", format)
        .iter()
        .any(|f| f.detail.rule == rule.id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_does_what_its_examples_say() {
        let set = RuleSet::embedded().expect("built-in rules compile");
        assert!(set.rules().len() >= 40, "only {} rules", set.rules().len());
        let failures: Vec<String> = check(&set, &[]).iter().map(|f| f.to_string()).collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn one(toml: &str) -> RuleSet {
        RuleSet::from_sources(vec![("t.toml".into(), toml.into())]).unwrap()
    }

    use crate::extract::rules::TEST_RULE as BASE;

    #[test]
    fn a_good_rule_passes() {
        assert_eq!(check(&one(BASE), &[]), Vec::new());
    }

    #[test]
    fn a_negative_that_is_found_fails_naming_it() {
        let bad = BASE.replace(
            "negative_examples = ['KEY = y']",
            "negative_examples = ['KEY = y', \"KEY = 'hePeB92gJoIDWWw7H0RCRLm'\"]",
        );
        let f = check(&one(&bad), &[]);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].to_string(),
            "rules t.toml: t: negative_examples[1] gives a finding (as text)"
        );
    }

    #[test]
    fn a_value_under_the_plausibility_bar_is_no_finding() {
        // The regex matches, but `min_len` keeps the value from being a finding: the
        // checker applies the matcher's bar, as a scan does.
        let bad = BASE.replace(
            "confidence = \"high\"",
            "confidence = \"high\"\nmin_len = 40",
        );
        let f = check(&one(&bad), &[]);
        assert_eq!(f[0].problem, "examples[0] gives no finding (as text)");
    }

    #[test]
    fn a_match_outside_the_keyword_window_is_no_finding() {
        // The keyword is far from the match: a scan would never run the regex there.
        let far = BASE
            .replace(
                "keywords = [\"key\"]",
                "keywords = [\"marker\"]\nwindow = 8",
            )
            .replace(
                "examples = ['KEY = \"v8hnkYYYX1XcGYeL0n71F1BD\"']",
                "examples = [\"marker\\n\\n\\n\\n\\n\\nKEY = 'v8hnkYYYX1XcGYeL0n71F1BD'\"]",
            )
            .replace(
                "negative_examples = ['KEY = y']",
                "negative_examples = ['marker']",
            );
        let f = check(&one(&far), &[]);
        assert_eq!(f[0].problem, "examples[0] gives no finding (as text)");
        // With the whole file as its window the same rule passes.
        let whole = far.replace("window = 8", "window = 0");
        assert_eq!(check(&one(&whole), &[]), Vec::new());
    }

    #[test]
    fn examples_run_in_every_listed_format() {
        // A single-quoted literal is a string in YAML but a rune in Go: listing Go too
        // makes the example fail there, named by its format.
        let toml = r#"
[[rule]]
id = "t"
description = "d"
confidence = "high"
formats = ["yaml"]
keywords = ["token"]
pattern = '''token:\s*(?P<secret>{str})'''
examples = ["token: 'Zx9hq2LmV8rT4wYb1NcK6dPs'"]
negative_examples = ['token: x']
"#;
        assert_eq!(check(&one(toml), &[]), Vec::new());
        let both = toml.replace("formats = [\"yaml\"]", "formats = [\"yaml\", \"go\"]");
        let f = check(&one(&both), &[]);
        assert_eq!(f[0].problem, "examples[0] gives no finding (as go)");
    }

    #[test]
    fn an_example_without_a_keyword_fails() {
        let bad = BASE.replace("keywords = [\"key\"]", "keywords = [\"nope\"]");
        let f = check(&one(&bad), &[]);
        assert!(f[0].problem.contains("none of the keywords"), "{}", f[0]);
    }
}
