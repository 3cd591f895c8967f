//! Fuzzes the nginx tokenizer, parser and extractor through `self_check`: no panic, no
//! hang, tokens inside the input and in order, lines and offsets consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::nginx(data);
});
