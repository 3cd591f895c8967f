//! Fuzzes the ring-key decoders (percent, backslash escapes, base64, hex) through
//! `stalekey::fuzzing::decoders`. Run: `cargo +nightly fuzz run decoders`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::decoders(data);
});
