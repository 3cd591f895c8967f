//! What kind of text a file holds, decided from its name (and, for a few, its content).
//! The format chooses the extractors and how string literals are unescaped.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Python,
    Javascript,
    Go,
    Java,
    Properties,
    Php,
    Ruby,
    Shell,
    Yaml,
    Json,
    Toml,
    Dotenv,
    Dockerfile,
    Nginx,
    Sql,
    /// INI / cfg and the INI-shaped credential files (`.npmrc`, `.pypirc`, AWS).
    Ini,
    /// XML (`web.config`, `app.config`, `pom.xml`, `.csproj`).
    Xml,
    /// `.netrc` / `_netrc`.
    Netrc,
    /// PostgreSQL's `.pgpass`.
    Pgpass,
    /// git's credential store, `.git-credentials`.
    GitCredentials,
    /// systemd unit files.
    Systemd,
    /// Terraform / HCL (`.tf`, `.tfvars`, `.hcl`).
    Hcl,
    /// Lock files and checksum lists: only ring keys are looked for.
    Lockfile,
    /// Markdown: its fenced code blocks are also scanned as their language.
    Markdown,
    /// reStructuredText: its code blocks are also scanned as their language.
    Rst,
    /// A Jupyter notebook: its cells are scanned as code.
    Notebook,
    /// Anything else that is text: docs, logs, notebooks, bundles.
    Text,
    /// Not text (images, databases, build outputs): only ring keys are looked for.
    Binary,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Python => "python",
            Format::Javascript => "javascript",
            Format::Go => "go",
            Format::Java => "java",
            Format::Properties => "properties",
            Format::Php => "php",
            Format::Ruby => "ruby",
            Format::Shell => "shell",
            Format::Yaml => "yaml",
            Format::Json => "json",
            Format::Toml => "toml",
            Format::Dotenv => "dotenv",
            Format::Dockerfile => "dockerfile",
            Format::Nginx => "nginx",
            Format::Sql => "sql",
            Format::Ini => "ini",
            Format::Xml => "xml",
            Format::Netrc => "netrc",
            Format::Pgpass => "pgpass",
            Format::GitCredentials => "git-credentials",
            Format::Systemd => "systemd",
            Format::Hcl => "hcl",
            Format::Lockfile => "lockfile",
            Format::Markdown => "markdown",
            Format::Rst => "rst",
            Format::Notebook => "notebook",
            Format::Text => "text",
            Format::Binary => "binary",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        ALL.iter().copied().find(|f| f.as_str() == name)
    }

    /// Decides the format from the file name; `head` (the first bytes) settles `.conf`.
    pub fn detect(rel_path: &str, head: &[u8]) -> Format {
        let name = rel_path.rsplit('/').next().unwrap_or(rel_path);
        let lower = name.to_ascii_lowercase();
        if LOCKFILES.contains(&lower.as_str())
            || lower.ends_with(".lock")
            || lower.ends_with(".sum")
        {
            return Format::Lockfile;
        }
        if lower == "dockerfile"
            || lower.starts_with("dockerfile.")
            || lower.ends_with(".dockerfile")
        {
            return Format::Dockerfile;
        }
        if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
            return Format::Dotenv;
        }
        if lower == "nginx.conf" {
            return Format::Nginx;
        }
        if matches!(lower.as_str(), "gemfile" | "rakefile" | "vagrantfile") {
            return Format::Ruby;
        }
        match lower.as_str() {
            ".netrc" | "_netrc" => return Format::Netrc,
            ".pgpass" | "pgpass.conf" => return Format::Pgpass,
            ".git-credentials" => return Format::GitCredentials,
            ".npmrc" | ".pypirc" | ".gitconfig" | ".my.cnf" | ".s3cfg" | ".boto"
            | ".editorconfig" => return Format::Ini,
            _ => {}
        }
        if rel_path.contains(".aws/") && matches!(lower.as_str(), "credentials" | "config") {
            return Format::Ini;
        }
        if rel_path.contains(".service.d/") && lower.ends_with(".conf") {
            return Format::Systemd;
        }
        // Compressed SQL dumps are read through gzip.
        let lower = match lower.strip_suffix(".gz") {
            Some(inner)
                if matches!(
                    inner.rsplit_once('.'),
                    Some((_, "sql" | "pgsql" | "psql" | "dump"))
                ) =>
            {
                inner.to_string()
            }
            _ => lower,
        };
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "py" | "pyw" | "pyi" => Format::Python,
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "vue" | "svelte" => {
                Format::Javascript
            }
            "go" => Format::Go,
            "java" | "kt" | "kts" | "scala" | "groovy" | "gradle" | "cs" => Format::Java,
            "properties" => Format::Properties,
            "php" | "phtml" => Format::Php,
            "rb" | "erb" | "rake" | "gemspec" => Format::Ruby,
            "sh" | "bash" | "zsh" | "ksh" | "envrc" => Format::Shell,
            "yaml" | "yml" => Format::Yaml,
            "json" | "jsonc" | "json5" | "tfstate" => Format::Json,
            "ini" | "cfg" | "cnf" => Format::Ini,
            "xml" | "config" | "csproj" | "vbproj" | "fsproj" | "props" | "targets" | "xaml"
            | "plist" => Format::Xml,
            "service" | "socket" | "timer" | "mount" => Format::Systemd,
            "tf" | "tfvars" | "hcl" | "nomad" => Format::Hcl,
            "toml" => Format::Toml,
            "sql" | "pgsql" | "psql" | "dump" => Format::Sql,
            "conf" if is_nginx_path(rel_path) || looks_like_nginx(head) => Format::Nginx,
            "md" | "markdown" | "mdx" => Format::Markdown,
            "rst" | "rest" => Format::Rst,
            "ipynb" => Format::Notebook,
            _ => Format::Text,
        }
    }
}

/// How many formats there are (a table indexed by `format as usize` has this size).
pub(crate) const COUNT: usize = ALL.len();

const ALL: [Format; 28] = [
    Format::Python,
    Format::Javascript,
    Format::Go,
    Format::Java,
    Format::Properties,
    Format::Php,
    Format::Ruby,
    Format::Shell,
    Format::Yaml,
    Format::Json,
    Format::Toml,
    Format::Dotenv,
    Format::Dockerfile,
    Format::Nginx,
    Format::Sql,
    Format::Ini,
    Format::Xml,
    Format::Netrc,
    Format::Pgpass,
    Format::GitCredentials,
    Format::Systemd,
    Format::Hcl,
    Format::Lockfile,
    Format::Markdown,
    Format::Rst,
    Format::Notebook,
    Format::Text,
    Format::Binary,
];

const LOCKFILES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "cargo.lock",
    "poetry.lock",
    "pipfile.lock",
    "gemfile.lock",
    "composer.lock",
    "go.sum",
    "uv.lock",
    "flake.lock",
    "sha256sums",
    "sha512sums",
    "checksums.txt",
];

fn is_nginx_path(rel_path: &str) -> bool {
    let dirs = [
        "nginx/",
        "conf.d/",
        "sites-available/",
        "sites-enabled/",
        "snippets/",
    ];
    let with_slash = format!("/{rel_path}");
    dirs.iter().any(|d| with_slash.contains(&format!("/{d}")))
}

fn looks_like_nginx(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    text.lines().any(|l| {
        let t = l.trim_start();
        let word = t
            .split(|c: char| c.is_whitespace() || c == '{')
            .next()
            .unwrap_or("");
        matches!(word, "server" | "http" | "upstream" | "location") && t.contains('{')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_name() {
        let cases = [
            ("app/config.py", Format::Python),
            ("web/api/route.ts", Format::Javascript),
            (".env", Format::Dotenv),
            ("deploy/.env.production", Format::Dotenv),
            ("Dockerfile", Format::Dockerfile),
            ("k8s/secret.yaml", Format::Yaml),
            (
                "src/main/resources/application.properties",
                Format::Properties,
            ),
            ("package-lock.json", Format::Lockfile),
            ("go.sum", Format::Lockfile),
            ("edge/nginx.conf", Format::Nginx),
            ("edge/conf.d/api.conf", Format::Nginx),
            ("db/dump.sql", Format::Sql),
            ("db/app.dump", Format::Sql),
            ("db/app.sql.gz", Format::Sql),
            ("db/app.pgsql", Format::Sql),
            ("logs/app.log.gz", Format::Text),
            ("README.md", Format::Markdown),
            ("notes.txt", Format::Text),
        ];
        for (path, want) in cases {
            assert_eq!(Format::detect(path, b""), want, "{path}");
        }
    }

    #[test]
    fn nginx_by_directory() {
        for path in [
            "nginx.conf",
            "etc/nginx/nginx.conf",
            "etc/nginx/mime.conf",
            "edge/conf.d/api.conf",
            "sites-available/default.conf",
            "etc/nginx/sites-enabled/api.conf",
            "snippets/auth.conf",
        ] {
            assert_eq!(
                Format::detect(path, b"key = value\n"),
                Format::Nginx,
                "{path}"
            );
        }
        // Only `.conf` files there: other names keep their own format.
        assert_eq!(Format::detect("conf.d/README.md", b""), Format::Markdown);
        assert_eq!(
            Format::detect("nginxish/app.conf", b"a = b\n"),
            Format::Text
        );
    }

    #[test]
    fn nginx_by_content_blocks() {
        for head in [
            "http {\n",
            "upstream api {\n",
            "  location = /auth {\n",
            "server{\n",
        ] {
            assert_eq!(
                Format::detect("etc/app.conf", head.as_bytes()),
                Format::Nginx,
                "{head}"
            );
        }
        assert_eq!(
            Format::detect("etc/app.conf", b"server = 10.0.0.1\nlocation = eu\n"),
            Format::Text
        );
    }

    #[test]
    fn conf_is_nginx_only_by_place_or_content() {
        assert_eq!(
            Format::detect("etc/app.conf", b"key = value\n"),
            Format::Text
        );
        assert_eq!(
            Format::detect("etc/app.conf", b"# edge\nserver {\n listen 80;\n}\n"),
            Format::Nginx
        );
    }
}
