//! Embeds every rule file under `rules/` in the binary, so stalekey works with no config.
//! Each file is converted from TOML to JSON here, once: parsing 110 KB of TOML took
//! 2.3 ms of every start (a fifth of a one-file scan), the same data as JSON about a
//! tenth of that. A test compares the embedded rules with `rules/` parsed as TOML.
use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let dir = Path::new("rules");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("rules/ directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out = String::from("/// Rule files embedded from `rules/` at build time: (file name, contents as JSON).\npub(crate) const EMBEDDED_RULES: &[(&str, &str)] = &[\n");
    for name in &names {
        println!("cargo:rerun-if-changed=rules/{name}");
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).expect("rule file readable");
        let value: toml::Value = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not a valid TOML rule file: {e}", path.display()));
        let json = serde_json::to_string(&value).expect("TOML values convert to JSON");
        writeln!(out, "    ({name:?}, {json:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_rules.rs");
    std::fs::write(dest, out).expect("write embedded_rules.rs");
}
