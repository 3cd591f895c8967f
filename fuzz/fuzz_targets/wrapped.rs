//! Fuzzes the wrapped-base64 block finder of the ring-token extractor (lines of one
//! width, as `base64` prints them) through `stalekey::fuzzing::wrapped`.
//! Run: `cargo +nightly fuzz run wrapped`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::wrapped(data);
});
