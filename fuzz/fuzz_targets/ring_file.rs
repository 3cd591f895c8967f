//! Fuzzes the ring file parser (its fast path against serde, services' durations, `since`
//! and `created` times) and
//! the rotation-policy check through `stalekey::fuzzing::ring_file`.
//! Run: `cargo +nightly fuzz run ring_file`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::ring_file(data);
});
