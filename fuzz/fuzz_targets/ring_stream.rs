//! Fuzzes the chunked ring-key stream (files over --max-filesize, binary files) against
//! the whole-document extraction through `stalekey::fuzzing::ring_stream`: every key
//! found, none twice. Run: `cargo +nightly fuzz run ring_stream -- -len_control=0
//! -max_len=40000` (inputs long enough to be cut, see fuzz/README.md).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::ring_stream(data);
});
