//! Integration tests: run the real binary. One test binary, one module per area.

mod harness;
mod scan;
mod sql;
