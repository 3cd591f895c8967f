//! `stalekey scan` on source and config trees.

use crate::harness::*;

#[test]
fn fingerprint_of_stdin() {
    let out = stalekey(&["fingerprint"]).stdin("test").run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
    );
}
