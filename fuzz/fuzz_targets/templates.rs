//! Fuzzes the Vault agent / consul-template extractor through
//! `stalekey::fuzzing::templates`: no panic, every reference inside the file and named
//! `vault:PATH[#FIELD]`. Run: `cargo +nightly fuzz run templates`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::templates(data);
});
