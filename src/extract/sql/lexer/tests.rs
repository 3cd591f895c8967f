//! Unit tests of `lexer.rs`.

use super::*;

/// Records everything as text: `d:line:col:TOKEN`.
#[derive(Default)]
struct Rec {
    out: Vec<String>,
    copy_after: Option<&'static str>,
}

impl Sink for Rec {
    fn token(&mut self, depth: usize, pos: Pos, tok: Tok<'_>) -> Option<CopyFormat> {
        let t = match &tok {
            Tok::Word(w) => format!("W({})", String::from_utf8_lossy(w)),
            Tok::Ident(w) => format!("I({})", String::from_utf8_lossy(w)),
            Tok::Str {
                value,
                truncated,
                dollar,
            } => format!(
                "{}({}){}",
                if *dollar { "D" } else { "S" },
                String::from_utf8_lossy(value),
                if *truncated { "…" } else { "" }
            ),
            Tok::Num => "N".into(),
            Tok::Param => "P".into(),
            Tok::Punct(b) => format!("{}", *b as char),
            Tok::Cast => "::".into(),
            Tok::Assign => ":=".into(),
        };
        self.out
            .push(format!("{depth}:{}:{}:{t}", pos.line, pos.column));
        if tok == Tok::Punct(b';') {
            if let Some(kind) = self.copy_after {
                return Some(CopyFormat {
                    csv: kind == "csv",
                    delimiter: if kind == "csv" { b',' } else { b'\t' },
                });
            }
        }
        None
    }
    fn body_start(&mut self, depth: usize) {
        self.out.push(format!("open {depth}"));
    }
    fn body_end(&mut self, depth: usize) {
        self.out.push(format!("close {depth}"));
    }
    fn copy_field(&mut self, index: usize, prefix: &[u8]) {
        self.out
            .push(format!("field {index} {}", String::from_utf8_lossy(prefix)));
    }
    fn copy_end(&mut self) {
        self.out.push("copy end".into());
    }
}

fn lex_with(text: &str, copy: Option<&'static str>) -> (Vec<String>, Option<Unterminated>) {
    let mut rec = Rec {
        copy_after: copy,
        ..Rec::default()
    };
    let mut lx = Lexer::new();
    // Feed line by line, like the driver.
    for line in text.as_bytes().split_inclusive(|&b| b == b'\n') {
        lx.feed(line, &mut rec);
    }
    let problem = lx.finish(&mut rec);
    (rec.out, problem)
}

fn lex(text: &str) -> Vec<String> {
    lex_with(text, None).0
}

#[test]
fn code_tokens_and_positions() {
    assert_eq!(
        lex("SELECT a.b, 1.5::text;\nx := $1"),
        [
            "0:1:1:W(SELECT)",
            "0:1:8:W(a)",
            "0:1:9:.",
            "0:1:10:W(b)",
            "0:1:11:,",
            "0:1:13:N",
            "0:1:16:::",
            "0:1:18:W(text)",
            "0:1:22:;",
            "0:2:1:W(x)",
            "0:2:3::=",
            "0:2:6:P",
        ]
    );
}

#[test]
fn standard_string_doubles_quotes_and_keeps_backslashes() {
    assert_eq!(lex(r"'it''s \x' ;"), ["0:1:2:S(it's \\x)", "0:1:12:;"]);
    // A string across lines keeps its newline and points at its first byte.
    assert_eq!(
        lex("f('a\nb')"),
        ["0:1:1:W(f)", "0:1:2:(", "0:1:4:S(a\nb)", "0:2:3:)"]
    );
}

#[test]
fn escape_string() {
    assert_eq!(
        lex(r"E'a\'b\\c\n\x41\101\u00e9''z'"),
        ["0:1:3:S(a'b\\c\nAAé'z)"]
    );
    assert_eq!(lex(r"e'\xZ'"), ["0:1:3:S(xZ)"]);
}

#[test]
fn unicode_string() {
    assert_eq!(lex(r"U&'d\0061t\+000061\\'"), ["0:1:4:S(data\\)"]);
    assert_eq!(lex(r#"U&"a b""#), ["0:1:1:I(a b)"]);
}

#[test]
fn quoted_identifier() {
    assert_eq!(
        lex(r#""My ""Table""".x"#),
        ["0:1:1:I(My \"Table\")", "0:1:15:.", "0:1:16:W(x)"]
    );
}

#[test]
fn comments_line_and_nested_block() {
    assert_eq!(
        lex("a -- 'not a string'\n/* x /* y */ 'no' */ b"),
        ["0:1:1:W(a)", "0:2:22:W(b)"]
    );
}

#[test]
fn psql_meta_command_is_skipped() {
    assert_eq!(
        lex("\\restrict abc\nSELECT 1;"),
        ["0:2:1:W(SELECT)", "0:2:8:N", "0:2:9:;"]
    );
}

#[test]
fn dollar_bodies_are_lexed_again_and_are_strings() {
    let out = lex("AS $f$ BEGIN x := 'k$$'; END $f$;");
    assert_eq!(
        out,
        [
            "0:1:1:W(AS)",
            "open 1",
            "1:1:8:W(BEGIN)",
            "1:1:14:W(x)",
            "1:1:16::=",
            "1:1:20:S(k$$)",
            "1:1:24:;",
            "1:1:26:W(END)",
            "close 1",
            "0:1:7:D( BEGIN x := 'k$$'; END )",
            "0:1:33:;",
        ]
    );
}

#[test]
fn nested_dollar_bodies_and_outer_tag_wins() {
    let out = lex("$a$ $b$ 'x $a$ y");
    assert_eq!(
        out,
        [
            "open 1",
            "open 2",
            "close 2",
            "close 1",
            "0:1:4:D( $b$ 'x )",
            "0:1:16:W(y)",
        ]
    );
    assert_eq!(
        lex("$$ BEGIN RETURN; END$$;"),
        [
            "open 1",
            "1:1:4:W(BEGIN)",
            "1:1:10:W(RETURN)",
            "1:1:16:;",
            "1:1:18:W(END)",
            "close 1",
            "0:1:3:D( BEGIN RETURN; END)",
            "0:1:23:;",
        ]
    );
    // Dollar inside words and parameters is not a quote.
    assert_eq!(lex("a$b $1"), ["0:1:1:W(a$b)", "0:1:5:P"]);
}

#[test]
fn copy_text_data_until_backslash_dot() {
    let (out, problem) = lex_with(
        "COPY t FROM stdin;\n1\t\\\\xc30d\tx\\ty\n\\N\t-\t\n\\.\nSELECT;",
        Some("text"),
    );
    assert_eq!(problem, None);
    assert_eq!(
        out,
        [
            "0:1:1:W(COPY)",
            "0:1:6:W(t)",
            "0:1:8:W(FROM)",
            "0:1:13:W(stdin)",
            "0:1:18:;",
            "field 0 1",
            "field 1 \\xc30d",
            "field 2 x\ty",
            "field 0 N",
            "field 1 -",
            "field 2 ",
            "copy end",
            "0:5:1:W(SELECT)",
            "0:5:7:;",
        ]
    );
}

#[test]
fn copy_csv_quotes_span_lines() {
    let (out, _) = lex_with("COPY t FROM stdin;\na,\"b,\"\"c\nd\"\n\\.\n", Some("csv"));
    assert_eq!(&out[5..], ["field 0 a", "field 1 b,\"c\nd", "copy end"]);
}

#[test]
fn long_values_are_truncated() {
    let text = format!("'{}'", "k".repeat(MAX_VALUE + 10));
    let out = lex(&text);
    assert_eq!(out.len(), 1);
    assert!(out[0].ends_with('…'));
}

#[test]
fn unterminated_constructs_are_reported() {
    assert_eq!(lex_with("x 'abc", None).1.unwrap().what, "string literal");
    assert_eq!(
        lex_with("x $$ abc", None).1.unwrap(),
        Unterminated {
            what: "dollar-quoted body",
            pos: Pos { line: 1, column: 5 }
        }
    );
    assert_eq!(lex_with("/* a", None).1.unwrap().what, "/* comment");
    assert_eq!(lex_with("'a'", None).1, None);
}

#[test]
fn chunks_cut_anywhere_give_the_same_strings() {
    let text = "SELECT E'a\\x41b', 'c''d', \"q\"\"i\" FROM t;";
    let whole = lex(text);
    for cut in 1..text.len() {
        if cut == 8 {
            // `E|'`: a prefix is recognised with a look-ahead inside the chunk, and
            // the driver cuts only lines over 1 MiB (documented limit).
            continue;
        }
        let mut rec = Rec::default();
        let mut lx = Lexer::new();
        lx.feed(&text.as_bytes()[..cut], &mut rec);
        lx.feed(&text.as_bytes()[cut..], &mut rec);
        lx.finish(&mut rec);
        let strings = |v: &[String]| -> Vec<String> {
            v.iter()
                .filter(|t| t.contains(":S(") || t.contains(":I("))
                .cloned()
                .collect()
        };
        assert_eq!(strings(&rec.out), strings(&whole), "cut at {cut}");
    }
}
