//! The include index of a scan's nginx files, built once before they are extracted.
//!
//! nginx resolves a relative `include` against its prefix (the directory of the main
//! `nginx.conf`); stalekey uses `--nginx-prefix DIR`, else the nearest directory above
//! the including file that holds a scanned `nginx.conf`, else the scanned root. Absolute
//! paths under a usual install prefix (`/etc/nginx/…`) are mapped onto that prefix, so
//! a scanned copy of `/etc/nginx` resolves its own includes. A target among the scan's
//! nginx files is followed: its findings keep their own path and line, and their
//! context starts with the block that includes it. Include cycles are reported once.

use super::parser::{self, Directive};
use super::syntax::{collect_uses, label};
use super::tokenizer;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

/// One nginx file of the scan, held in memory until the index is built.
pub(crate) struct NginxDoc {
    /// Path as reports show it.
    pub shown: String,
    /// Path on disk.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// Install prefixes that a scanned config tree usually mirrors.
const INSTALL_PREFIXES: &[&str] = &[
    "/etc/nginx/",
    "/usr/local/nginx/conf/",
    "/usr/local/etc/nginx/",
    "/opt/nginx/conf/",
    "/usr/local/openresty/nginx/conf/",
];

struct Site {
    line: u32,
    /// Block path at the include (without `http`).
    labels: Vec<String>,
    arg: String,
}

#[derive(Default)]
pub(crate) struct NginxIndex {
    /// The distinct prefixes includes are resolved against.
    prefixes: Vec<PathBuf>,
    /// Prefix of each document, by shown path.
    prefix_of: HashMap<String, usize>,
    /// Context prefix of each included document, by shown path.
    base: HashMap<String, Vec<String>>,
    /// (prefix, include argument) → does it name files of the scan?
    in_scan: HashMap<(usize, String), bool>,
    sinks: HashSet<String>,
    warnings: Vec<String>,
}

/// The scan's nginx files by absolute path, for include resolution.
struct Files<'a> {
    by_path: HashMap<&'a Path, usize>,
    /// Absolute paths as text, sorted, for glob patterns (a range per literal prefix).
    sorted: Vec<(String, usize)>,
}

impl NginxIndex {
    /// Builds the index over the scan's nginx documents. A document's includes resolve
    /// against `prefix` when given, else against the nearest directory above it (within
    /// its scan root) that holds a scanned `nginx.conf`, else against its scan root: a
    /// repository with several nginx trees resolves each against its own `nginx.conf`.
    pub(crate) fn build(docs: &[NginxDoc], prefix: Option<&Path>, roots: &[PathBuf]) -> NginxIndex {
        let cwd = std::env::current_dir().unwrap_or_default();
        // Lexical absolute paths (no symlink resolution: the walk does not follow links,
        // and realpath on every file was a fifth of the time of an nginx-heavy scan).
        let abs = |p: &Path| -> PathBuf { normalize(&cwd.join(p)) };
        let canon: Vec<PathBuf> = docs.iter().map(|d| abs(&d.path)).collect();
        let root_dirs: Vec<PathBuf> = roots
            .iter()
            .map(|r| {
                let r = abs(r);
                if r.is_dir() {
                    r
                } else {
                    r.parent().map(Path::to_path_buf).unwrap_or(r)
                }
            })
            .collect();
        let conf_dirs: HashSet<&Path> = docs
            .iter()
            .zip(&canon)
            .filter(|(d, _)| d.shown.rsplit('/').next() == Some("nginx.conf"))
            .filter_map(|(_, c)| c.parent())
            .collect();
        let mut index = NginxIndex::default();
        let mut interned: HashMap<PathBuf, usize> = HashMap::new();
        let mut doc_prefix = Vec::with_capacity(docs.len());
        for (d, c) in docs.iter().zip(&canon) {
            let root = roots
                .iter()
                .position(|r| d.path.starts_with(r))
                .and_then(|i| root_dirs.get(i))
                .cloned()
                .unwrap_or_else(|| cwd.clone());
            let p = match prefix {
                Some(p) => abs(p),
                None => c
                    .ancestors()
                    .skip(1)
                    .take_while(|a| a.starts_with(&root))
                    .find(|a| conf_dirs.contains(a))
                    .map(Path::to_path_buf)
                    .unwrap_or(root),
            };
            let next = interned.len();
            let id = *interned.entry(p.clone()).or_insert_with(|| {
                index.prefixes.push(p);
                next
            });
            index.prefix_of.insert(d.shown.clone(), id);
            doc_prefix.push(id);
        }
        let mut sorted: Vec<(String, usize)> = canon
            .iter()
            .enumerate()
            .map(|(i, p)| (p.to_string_lossy().into_owned(), i))
            .collect();
        sorted.sort();
        let files = Files {
            by_path: canon
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_path(), i))
                .collect(),
            sorted,
        };
        let mut resolved: HashMap<(usize, String), Vec<usize>> = HashMap::new();
        let mut edges: Vec<Vec<(usize, Site)>> = Vec::new();
        let mut uses = BTreeMap::new();
        for (i, d) in docs.iter().enumerate() {
            let cfg = parser::parse(&d.bytes);
            collect_uses(&d.bytes, &cfg.directives, &mut uses, &mut index.sinks);
            let mut sites = Vec::new();
            collect_includes(&d.bytes, &cfg.directives, &mut Vec::new(), &mut sites);
            let mut out = Vec::new();
            for site in sites {
                let key = (doc_prefix[i], site.arg.clone());
                let targets = resolved
                    .entry(key.clone())
                    .or_insert_with(|| index.resolve(key.0, &site.arg, &files))
                    .clone();
                index.in_scan.insert(key, !targets.is_empty());
                for t in targets {
                    out.push((
                        t,
                        Site {
                            line: site.line,
                            labels: site.labels.clone(),
                            arg: site.arg.clone(),
                        },
                    ));
                }
            }
            edges.push(out);
        }
        index.contexts(docs, &edges);
        index
    }

    /// The prefix the document's includes resolve against.
    #[cfg(test)]
    pub(crate) fn prefix_of(&self, shown: &str) -> Option<&Path> {
        self.prefix_of
            .get(shown)
            .map(|&i| self.prefixes[i].as_path())
    }

    /// Problems found while following includes (cycles), one line each.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Variables that flow into a secret header, parameter or signature in any file.
    pub(crate) fn sinks(&self) -> &HashSet<String> {
        &self.sinks
    }

    /// The context in which the document is included (empty when it is not, or only at
    /// the top level or in `http`).
    pub(crate) fn base_context(&self, shown: &str) -> Vec<String> {
        self.base.get(shown).cloned().unwrap_or_default()
    }

    /// Does this include argument, in this document, name files of the scan?
    pub(crate) fn includes_in_scan(&self, shown: &str, arg: &str) -> bool {
        self.prefix_of.get(shown).is_some_and(|&p| {
            self.in_scan
                .get(&(p, arg.to_string()))
                .copied()
                .unwrap_or(false)
        })
    }

    /// The scan documents an include argument names.
    fn resolve(&self, prefix: usize, arg: &str, files: &Files) -> Vec<usize> {
        let prefix = &self.prefixes[prefix];
        let rel = if arg.starts_with('/') {
            match INSTALL_PREFIXES.iter().find_map(|p| arg.strip_prefix(p)) {
                Some(rest) => prefix.join(rest),
                None => PathBuf::from(arg),
            }
        } else {
            prefix.join(arg)
        };
        let target = normalize(&rel);
        let pattern = target.to_string_lossy().into_owned();
        match pattern.find(['*', '?', '[']) {
            Some(first_glob) => {
                // Only files under the pattern's literal directory can match.
                let dir = &pattern[..pattern[..first_glob].rfind('/').map_or(0, |i| i + 1)];
                let from = files.sorted.partition_point(|(p, _)| p.as_str() < dir);
                // Sorted by path text: nginx includes glob matches in name order.
                files.sorted[from..]
                    .iter()
                    .take_while(|(p, _)| p.starts_with(dir))
                    .filter(|(p, _)| glob_match(pattern.as_bytes(), p.as_bytes()))
                    .map(|(_, i)| *i)
                    .collect()
            }
            None => files
                .by_path
                .get(target.as_path())
                .map(|&i| vec![i])
                .unwrap_or_default(),
        }
    }

    /// Depth-first over the include graph from the files nothing includes: each file's
    /// context is that of its first includer; a cycle is reported once.
    fn contexts(&mut self, docs: &[NginxDoc], edges: &[Vec<(usize, Site)>]) {
        let n = docs.len();
        let mut included = vec![false; n];
        for e in edges {
            for (t, _) in e {
                included[*t] = true;
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            (
                included[a],
                docs[a].shown.matches('/').count(),
                &docs[a].shown,
            )
                .cmp(&(
                    included[b],
                    docs[b].shown.matches('/').count(),
                    &docs[b].shown,
                ))
        });
        let mut visited = vec![false; n];
        let mut on_stack = vec![false; n];
        let mut reported: HashSet<Vec<usize>> = HashSet::new();
        let mut bases: Vec<Vec<String>> = vec![Vec::new(); n];
        for &start in &order {
            if visited[start] {
                continue;
            }
            // Iterative DFS: (node, next edge index); `chain` is the current path.
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            visited[start] = true;
            on_stack[start] = true;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                if *next >= edges[node].len() {
                    on_stack[node] = false;
                    stack.pop();
                    continue;
                }
                let (t, site) = &edges[node][*next];
                *next += 1;
                let t = *t;
                if on_stack[t] {
                    let from = stack.iter().position(|(k, _)| *k == t).unwrap_or(0);
                    let mut members: Vec<usize> = stack[from..].iter().map(|(k, _)| *k).collect();
                    let mut chain: Vec<&str> =
                        members.iter().map(|&k| docs[k].shown.as_str()).collect();
                    chain.push(docs[t].shown.as_str());
                    members.sort_unstable();
                    if reported.insert(members) {
                        self.warnings.push(format!(
                            "{}:{}: nginx: include cycle {} (not followed again)",
                            docs[node].shown,
                            site.line,
                            chain.join(" -> ")
                        ));
                    }
                    continue;
                }
                if visited[t] {
                    continue;
                }
                let mut base = bases[node].clone();
                if !site.labels.is_empty() {
                    base.extend(site.labels.iter().cloned());
                    base.push(format!("include {}", site.arg));
                }
                bases[t] = base;
                visited[t] = true;
                on_stack[t] = true;
                stack.push((t, 0));
            }
        }
        for (i, b) in bases.into_iter().enumerate() {
            if !b.is_empty() {
                self.base.insert(docs[i].shown.clone(), b);
            }
        }
    }
}

fn collect_includes(src: &[u8], ds: &[Directive], path: &mut Vec<String>, out: &mut Vec<Site>) {
    for d in ds {
        let name = tokenizer::text(src, &d.name);
        if name == b"include" {
            if let Some(a) = d.args.first() {
                out.push(Site {
                    line: d.line(),
                    labels: path.clone(),
                    arg: String::from_utf8_lossy(&tokenizer::text(src, a)).into_owned(),
                });
            }
        }
        if let Some(b) = &d.block {
            let l = label(src, d, None);
            if let Some(l) = &l {
                path.push(l.clone());
            }
            collect_includes(src, b, path, out);
            if l.is_some() {
                path.pop();
            }
        }
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// glob(3) matching as nginx uses it: `*` and `?` do not cross `/`; `[…]` classes with
/// ranges and `!`/`^` negation.
pub(crate) fn glob_match(pat: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star_p, mut star_t) = (usize::MAX, 0);
    while t < text.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star_p = p;
                    star_t = t;
                    p += 1;
                    continue;
                }
                b'?' if text[t] != b'/' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, len)) = class(&pat[p..], text[t]) {
                        if matched && text[t] != b'/' {
                            p += len;
                            t += 1;
                            continue;
                        }
                    } else if text[t] == b'[' {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                c if c == text[t] && c != b'*' && c != b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        if star_p != usize::MAX && text[star_t] != b'/' {
            star_t += 1;
            t = star_t;
            p = star_p + 1;
            continue;
        }
        return false;
    }
    pat[p..].iter().all(|&c| c == b'*')
}

/// A `[…]` class at the start of `pat`: (does `c` match, length of the class).
fn class(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < pat.len() {
        if pat[i] == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if i + 2 < pat.len() && pat[i + 1] == b'-' && pat[i + 2] != b']' {
            if pat[i] <= c && c <= pat[i + 2] {
                matched = true;
            }
            i += 3;
        } else {
            if pat[i] == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match(b"/a/conf.d/*.conf", b"/a/conf.d/api.conf"));
        assert!(!glob_match(b"/a/conf.d/*.conf", b"/a/conf.d/sub/api.conf"));
        assert!(!glob_match(b"/a/*.conf", b"/a/conf.d/x.conf"));
        assert!(glob_match(b"/a/site-?.conf", b"/a/site-1.conf"));
        assert!(glob_match(b"/a/[a-c]*.conf", b"/a/b.conf"));
        assert!(!glob_match(b"/a/[!a-c]*.conf", b"/a/b.conf"));
        assert!(glob_match(b"*", b"x"));
        assert!(!glob_match(b"/a/[", b"/a/b"));
    }

    fn doc(dir: &Path, shown: &str, text: &str) -> NginxDoc {
        let path = dir.join(shown);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        NginxDoc {
            shown: shown.into(),
            path,
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn each_nginx_tree_resolves_against_its_own_nginx_conf() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let docs = vec![
            doc(
                d,
                "edge/nginx.conf",
                "http { server { server_name edge; include snippets/k.conf; } }",
            ),
            doc(d, "edge/snippets/k.conf", "set $api_key x;"),
            doc(
                d,
                "internal/etc/nginx.conf",
                "http { server { server_name internal; include snippets/k.conf; } }",
            ),
            doc(d, "internal/etc/snippets/k.conf", "set $api_key y;"),
            doc(
                d,
                "internal/etc/conf.d/x.conf",
                "server { server_name x; include snippets/k.conf; }",
            ),
        ];
        let ix = NginxIndex::build(&docs, None, &[d.to_path_buf()]);
        assert_eq!(
            ix.prefix_of("edge/snippets/k.conf"),
            Some(d.join("edge").as_path())
        );
        assert_eq!(
            ix.prefix_of("internal/etc/conf.d/x.conf"),
            Some(d.join("internal/etc").as_path())
        );
        assert_eq!(ix.base_context("edge/snippets/k.conf")[0], "server edge");
        assert_eq!(
            ix.base_context("internal/etc/snippets/k.conf")[0],
            "server internal"
        );
        assert!(ix.warnings().is_empty());
    }

    #[test]
    fn includes_give_context_and_cycles_warn_once() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let docs = vec![
            doc(d, "nginx.conf", "http {\n include conf.d/*.conf;\n include /etc/nginx/outside/x.conf;\n}\n"),
            doc(d, "conf.d/api.conf", "server {\n server_name api.example.com;\n location = /auth {\n  include /etc/nginx/snippets/auth.conf;\n }\n}\n"),
            doc(d, "snippets/auth.conf", "set $auth_secret x;\n"),
            doc(d, "loop/a.conf", "include loop/b.conf;\n"),
            doc(d, "loop/b.conf", "server { include loop/a.conf; }\n"),
        ];
        let ix = NginxIndex::build(&docs, None, &[d.to_path_buf()]);
        assert_eq!(ix.prefix_of("conf.d/api.conf"), Some(d));
        assert!(ix.base_context("conf.d/api.conf").is_empty());
        assert_eq!(
            ix.base_context("snippets/auth.conf"),
            vec![
                "server api.example.com",
                "location = /auth",
                "include /etc/nginx/snippets/auth.conf"
            ]
        );
        assert!(ix.includes_in_scan("nginx.conf", "conf.d/*.conf"));
        assert!(!ix.includes_in_scan("nginx.conf", "/etc/nginx/outside/x.conf"));
        assert_eq!(ix.warnings().len(), 1, "{:?}", ix.warnings());
        assert!(
            ix.warnings()[0].contains("include cycle loop/a.conf -> loop/b.conf -> loop/a.conf")
        );
        assert!(ix.warnings()[0].starts_with("loop/b.conf:1: nginx:"));
    }
}
