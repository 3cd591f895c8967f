//! Fuzzes the keyword prefilter and the long-run finder against byte-by-byte searches,
//! and the capture-name scan against the regex parser, through
//! `stalekey::fuzzing::scanners`. Run: `cargo +nightly fuzz run scanners`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::scanners(data);
});
