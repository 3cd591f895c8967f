//! Fuzzes the Markdown-fence, Jupyter-notebook and configuration-format (INI, XML,
//! netrc, pgpass, git-credentials, systemd, HCL) extractors through
//! `stalekey::fuzzing::documents`: no panic, every candidate inside the file.
//! Run: `cargo +nightly fuzz run documents`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stalekey::fuzzing::documents(data);
});
