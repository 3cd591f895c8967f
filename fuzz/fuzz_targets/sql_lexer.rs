//! Fuzz the SQL dump lexer and analyzer: any bytes, cut into chunks anywhere, must lex
//! without a panic or a hang, keep values within their bounds, and extract without a
//! panic (the checks are `stalekey::fuzzing::sql`). Run: `cargo +nightly fuzz run sql_lexer`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::sql(data);
});
