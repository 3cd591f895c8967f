//! A small harness: run the built binary, make fresh temp trees, compare JSON reports
//! against expected files with a readable diff. `STALEKEY_BLESS=1` rewrites expected files.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("fixtures")
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Builder for one run of `stalekey`.
pub struct Run {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

pub fn stalekey(args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stalekey"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("STALEKEY_RING")
        .env_remove("NO_COLOR")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
    Run { cmd, stdin: None }
}

impl Run {
    pub fn cwd(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    pub fn run(mut self) -> Output {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn stalekey");
        if let Some(bytes) = self.stdin.take() {
            child.stdin.take().unwrap().write_all(&bytes).unwrap();
        }
        let out = child.wait_with_output().expect("wait for stalekey");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A fresh temporary directory per test.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Self {
        Tree {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }
}

/// Parses a JSON report and zeroes the fields that vary between runs (`duration_ms`).
pub fn normalized(report: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(report)
        .unwrap_or_else(|e| panic!("report is not JSON: {e}\n{report}"));
    if let Some(stats) = v.get_mut("stats") {
        stats["duration_ms"] = 0.into();
    }
    v
}

/// Compares a report with `tests/expected/NAME`, printing a line diff on mismatch.
pub fn assert_matches_expected(name: &str, report: &str) {
    let actual = serde_json::to_string_pretty(&normalized(report)).unwrap() + "\n";
    let path = root().join("tests/expected").join(name);
    if std::env::var_os("STALEKEY_BLESS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with STALEKEY_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "{} differs from the report:\n{}",
            path.display(),
            line_diff(&expected, &actual)
        );
    }
}

/// A minimal unified-style diff: the lines only in one side, with line numbers.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    // Longest common subsequence table (reports are small).
    let mut lcs = vec![vec![0u32; a.len() + 1]; e.len() + 1];
    for i in (0..e.len()).rev() {
        for j in (0..a.len()).rev() {
            lcs[i][j] = if e[i] == a[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < e.len() || j < a.len() {
        if i < e.len() && j < a.len() && e[i] == a[j] {
            i += 1;
            j += 1;
        } else if j < a.len() && (i == e.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push_str(&format!("+{:>5} {}\n", j + 1, a[j]));
            j += 1;
        } else {
            out.push_str(&format!("-{:>5} {}\n", i + 1, e[i]));
            i += 1;
        }
    }
    out
}
