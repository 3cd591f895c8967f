//! Integration tests: run the real binary. One test binary, one module per area.

mod harness;
mod nginx;
mod scan;
mod sql;
mod workflow;
