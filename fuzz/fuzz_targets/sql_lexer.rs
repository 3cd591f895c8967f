//! Fuzz the SQL dump lexer and analyzer: any bytes, cut into chunks anywhere, must lex
//! without a panic or a hang, keep values within their bounds, and extract without a
//! panic. Run: `cargo +nightly fuzz run sql_lexer`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stalekey::extract::rules::RuleSet;
use stalekey::extract::sql::{self, lexer};
use stalekey::extract::Extracted;
use std::sync::OnceLock;

struct Check {
    depth: usize,
}

impl lexer::Sink for Check {
    fn token(&mut self, depth: usize, pos: lexer::Pos, tok: lexer::Tok<'_>) -> Option<lexer::CopyFormat> {
        assert!(pos.line >= 1 && pos.column >= 1);
        assert!(depth <= self.depth, "token at depth {depth} inside {}", self.depth);
        if let lexer::Tok::Str { value, .. } = tok {
            assert!(value.len() <= lexer::MAX_VALUE);
        }
        // Every `;` at the top level asks for COPY data once in a while.
        (matches!(tok, lexer::Tok::Punct(b';')) && pos.column % 3 == 0).then(lexer::CopyFormat::default)
    }
    fn body_start(&mut self, depth: usize) {
        assert_eq!(depth, self.depth + 1);
        self.depth = depth;
    }
    fn body_end(&mut self, depth: usize) {
        assert_eq!(depth, self.depth);
        self.depth -= 1;
    }
    fn copy_field(&mut self, _index: usize, prefix: &[u8]) {
        assert!(prefix.len() <= lexer::COPY_PREFIX);
    }
}

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::embedded().expect("embedded rules"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, text)) = data.split_first() else { return };
    let step = usize::from(cut).max(1);
    let mut lx = lexer::Lexer::new();
    let mut check = Check { depth: 0 };
    for chunk in text.chunks(step) {
        lx.feed(chunk, &mut check);
    }
    lx.finish(&mut check);
    assert_eq!(check.depth, 0);

    let mut out = Extracted::default();
    let mut reader = text;
    let n = sql::extract_stream("fuzz.sql", &mut reader, None, rules(), &mut out);
    assert_eq!(n, text.len() as u64);
});
