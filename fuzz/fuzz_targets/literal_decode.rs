//! Fuzzes literal decoding (every language's quoting and escapes, lists) through
//! `stalekey::fuzzing::literal`: no panic, no decoded value longer than its literal,
//! list items inside the list. Run: `cargo +nightly fuzz run literal_decode`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::literal(data);
});
