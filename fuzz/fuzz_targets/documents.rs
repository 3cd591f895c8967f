//! Fuzzes the Markdown-fence and Jupyter-notebook extractors through
//! `stalekey::fuzzing::documents`: no panic, every candidate inside the file.
//! Run: `cargo +nightly fuzz run documents`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::documents(data);
});
