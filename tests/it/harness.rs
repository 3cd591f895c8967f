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
    // The repository's name and HEAD commit change with every clone and commit.
    if v.get("source").is_some() {
        v["source"] = serde_json::Value::Null;
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

/// `stalekey` with no global git excludes (a developer's `~/.config/git/ignore` listing
/// `.env` must not change what these tests see).
pub const NOWHERE: &str = "/nonexistent/stalekey-test-home";

pub fn sk(args: &[&str]) -> Run {
    stalekey(args)
        .env("HOME", NOWHERE)
        .env("XDG_CONFIG_HOME", NOWHERE)
}

/// A run's stdout as a JSON report (`duration_ms` zeroed); the panic shows stderr.
pub fn json(out: &Output) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}\nstderr:\n{}", out.stdout, out.stderr));
    if let Some(stats) = v.get_mut("stats") {
        stats["duration_ms"] = 0.into();
    }
    if v.get("source").is_some() {
        v["source"] = serde_json::Value::Null;
    }
    v
}

pub fn findings(report: &serde_json::Value) -> &Vec<serde_json::Value> {
    report["findings"].as_array().expect("findings array")
}

pub fn stats(report: &serde_json::Value, field: &str) -> u64 {
    report["stats"][field]
        .as_u64()
        .unwrap_or_else(|| panic!("stats.{field} in {}", report["stats"]))
}

/// `sha256:` + hex of the bytes, computed here (not by the code under test).
pub fn fp(bytes: impl AsRef<[u8]>) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes.as_ref());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// An untracked secret's fingerprint as reports show it: `sha256-48:` and the first 12
/// hex digits.
pub fn fp_untracked(bytes: impl AsRef<[u8]>) -> String {
    let full = fp(bytes);
    format!("sha256-48:{}", &full[7..19])
}

/// A ring file holding the fingerprints of `keys` as (id, service, state, key).
pub fn ring_json(keys: &[(&str, &str, &str, &str)]) -> String {
    let entries: Vec<String> = keys
        .iter()
        .map(|(id, service, state, key)| {
            format!(
                r#"{{"id": "{id}", "service": "{service}", "state": "{state}", "fingerprint": "{}", "length": {}}}"#,
                fp(key),
                key.len()
            )
        })
        .collect();
    format!(r#"{{"version": 1, "keys": [{}]}}"#, entries.join(", "))
}

/// The planted plaintexts of a `tests/data/*-secrets.txt` file as (label, secret): lines
/// `LABEL<TAB>SECRET` or `LABEL SECRET`, or a bare `SECRET` (label `-`); `#` comments.
/// A planted secret's bytes: its text, or for `hex:…` (a key used as raw bytes) the bytes
/// the hex digits spell.
pub fn planted_bytes(secret: &str) -> Vec<u8> {
    match secret.strip_prefix("hex:") {
        Some(hex) => (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digits"))
            .collect(),
        None => secret.as_bytes().to_vec(),
    }
}

pub fn planted(file: &str) -> Vec<(String, String)> {
    let path = root().join("tests/data").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (label, secret) = l
                .split_once('\t')
                .or_else(|| l.split_once(' '))
                .unwrap_or(("-", l));
            (label.to_string(), secret.to_string())
        })
        .collect()
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Random-looking test keys, generated once for these tests (not fixture secrets).
pub const KEY_A: &str = "Vq7TzR2mX9pL4wK8sN3bY6cH1dF5gJ0e";
pub const KEY_B: &str = "pE4nW8qZ2xR6tY0uI3oP7aS1dF5gH9jK";

/// The demo ring of the fixture tree.
pub const RING: &str = "fixtures/ring.json";

pub fn scan_fixtures(extra: &[&str]) -> Output {
    let mut args = vec!["scan", "fixtures", "--ring", RING];
    args.extend_from_slice(extra);
    sk(&args).run()
}

/// Runs stalekey without the privilege to bypass file permissions (when the tests run
/// as root); `None` when that is not possible here.
pub fn run_unprivileged(args: &[&str], probe: &Path) -> Option<Output> {
    if std::fs::read(probe).is_err() {
        // Permissions work as they should: run as is.
        return Some(sk(args).run());
    }
    // Root reads anything. Drop the capabilities that let it, if setpriv can.
    const DROP: &str = "--bounding-set=-dac_override,-dac_read_search";
    let check = Command::new("setpriv")
        .args([DROP, "cat"])
        .arg(probe)
        .output()
        .ok()?;
    if check.status.success() || !String::from_utf8_lossy(&check.stderr).contains("denied") {
        return None;
    }
    let out = Command::new("setpriv")
        .arg(DROP)
        .arg(env!("CARGO_BIN_EXE_stalekey"))
        .args(args)
        .current_dir(root())
        .env_remove("STALEKEY_RING")
        .env_remove("NO_COLOR")
        .env("HOME", NOWHERE)
        .env("XDG_CONFIG_HOME", NOWHERE)
        .output()
        .expect("run setpriv");
    Some(Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// Runs git in `dir` with a test identity and no signing, whatever the machine has.
pub fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=stalekey test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git is installed");
    out
}

/// [`git`], which must succeed.
pub fn git_ok(dir: &Path, args: &[&str]) {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
