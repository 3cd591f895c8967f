//! `--shard K/N`: a deterministic part of a scan, for CI matrices and Kubernetes
//! Indexed Jobs. A file belongs to the shard its path's stable hash (FNV-1a of the path
//! relative to its root) picks, so every shard sees the same split on every machine and
//! the union of shards 1..N is exactly the unsharded scan. Files that are read
//! together stay together: every nginx configuration file (an nginx.conf, any `.conf`,
//! anything under `nginx/`, `conf.d/`, `sites-*/`, `snippets/`) goes to the shard of
//! the one group name, so an nginx.conf and its includes are judged in one shard. A
//! file is never split (a SQL dump is one file).

use super::source::{Item, Source};
use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Shard {
    /// 1-based.
    pub k: u32,
    pub n: u32,
}

impl Shard {
    /// Parses `K/N` (1 <= K <= N).
    pub(crate) fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| Error::Usage(format!("--shard {text:?}: {why}"));
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| bad("expected K/N, such as 2/4"))?;
        let num = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| bad("K and N must be whole numbers"))
        };
        let (k, n) = (num(k)?, num(n)?);
        if n == 0 || n > 65_536 {
            return Err(bad("N must be between 1 and 65536"));
        }
        if k == 0 || k > n {
            return Err(bad("K must be between 1 and N"));
        }
        Ok(Shard { k, n })
    }

    /// Does the file shown as `shown` belong to this shard?
    pub(crate) fn holds(&self, shown: &str) -> bool {
        let key = if is_nginx_config(shown) {
            "\0nginx"
        } else {
            shown
        };
        (fnv1a(key.as_bytes()) % u64::from(self.n)) as u32 == self.k - 1
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Could this file be part of an nginx configuration (a main file or an include)?
fn is_nginx_config(shown: &str) -> bool {
    let lower = shown.to_ascii_lowercase();
    let with_slash = format!("/{lower}");
    lower.ends_with(".conf")
        || lower.ends_with("/nginx.conf")
        || [
            "/nginx/",
            "/conf.d/",
            "/sites-available/",
            "/sites-enabled/",
            "/snippets/",
        ]
        .iter()
        .any(|d| with_slash.contains(d))
}

/// A source limited to one shard.
pub(crate) struct Sharded {
    pub inner: Box<dyn Source>,
    pub shard: Shard,
}

impl Source for Sharded {
    fn run(&self, emit: &(dyn Fn(Item) + Sync)) -> Result<()> {
        self.inner.run(&|item: Item| {
            if self.shard.holds(&item.shown) {
                emit(item);
            }
        })
    }

    fn roots(&self) -> Vec<PathBuf> {
        self.inner.roots()
    }

    fn emits_in_parallel(&self) -> bool {
        self.inner.emits_in_parallel()
    }

    fn base(&self) -> PathBuf {
        self.inner.base()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { k: 2, n: 4 });
        for bad in ["", "2", "0/4", "5/4", "a/b", "1/0", "-1/4", "1/99999999"] {
            let e = Shard::parse(bad).unwrap_err().to_string();
            assert!(e.contains("--shard"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_path_is_in_exactly_one_shard_and_nginx_stays_together() {
        let paths: Vec<String> = (0..500)
            .map(|i| format!("dir{}/file{i}.py", i % 7))
            .collect();
        for n in [1, 2, 3, 4, 7] {
            for p in &paths {
                let owners = (1..=n).filter(|&k| Shard { k, n }.holds(p)).count();
                assert_eq!(owners, 1, "{p} in {owners} of {n} shards");
            }
            let nginx: Vec<u32> = [
                "edge/nginx.conf",
                "edge/conf.d/api.conf",
                "edge/snippets/auth",
                "x/nginx/mime.types",
            ]
            .iter()
            .map(|p| (1..=n).find(|&k| Shard { k, n }.holds(p)).unwrap())
            .collect();
            assert!(nginx.windows(2).all(|w| w[0] == w[1]), "{nginx:?}");
        }
        // Spread: 4 shards of 500 paths are each far from empty.
        for k in 1..=4 {
            let count = paths.iter().filter(|p| Shard { k, n: 4 }.holds(p)).count();
            assert!(count > 60, "shard {k}: {count}");
        }
    }
}
