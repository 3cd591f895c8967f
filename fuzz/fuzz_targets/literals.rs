//! Fuzzes the quoted-literal pass of the ring-token extractor (literals, and chains of
//! joined literals: `"a" + "b"`, `'a' || 'b'`, `"a" "b"`) through
//! `stalekey::fuzzing::literals`. Run: `cargo +nightly fuzz run literals`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::literals(data);
});
