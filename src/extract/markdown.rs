//! Markdown: each fenced code block (```` ```lang ```` or `~~~lang`) is also scanned with
//! the rules of its language, so `SECRET_KEY = "…"` in a ```` ```python ```` block of a
//! README is read as Python. The whole file is still scanned as text.

use super::Embedded;
use super::{Document, Extracted};
use crate::format::Format;

/// The format of a fence's info string (its first word), if stalekey knows it.
pub(crate) fn language(info: &[u8]) -> Option<Format> {
    let word = info
        .split(|b| b.is_ascii_whitespace() || *b == b',' || *b == b'{')
        .next()
        .unwrap_or(b"");
    let lang = String::from_utf8_lossy(word).to_ascii_lowercase();
    Some(match lang.as_str() {
        "python" | "py" | "python3" | "ipython" => Format::Python,
        "js" | "javascript" | "ts" | "typescript" | "jsx" | "tsx" | "node" => Format::Javascript,
        "go" | "golang" => Format::Go,
        "java" | "kotlin" | "kt" | "scala" | "groovy" | "csharp" | "cs" => Format::Java,
        "properties" => Format::Properties,
        "php" => Format::Php,
        "ruby" | "rb" => Format::Ruby,
        "sh" | "bash" | "shell" | "zsh" | "console" | "shell-session" => Format::Shell,
        "yaml" | "yml" => Format::Yaml,
        "json" | "jsonc" | "json5" => Format::Json,
        "toml" => Format::Toml,
        "env" | "dotenv" => Format::Dotenv,
        "dockerfile" | "docker" => Format::Dockerfile,
        "nginx" => Format::Nginx,
        _ => return None,
    })
}

/// Runs the rules of each fenced block's language on the block.
pub(crate) fn extract(doc: &Document, embedded: Embedded, out: &mut Extracted) {
    let bytes = doc.bytes;
    if memchr::memmem::find(bytes, b"```").is_none()
        && memchr::memmem::find(bytes, b"~~~").is_none()
    {
        return;
    }
    let mut lines = Vec::new();
    let mut at = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        lines.push((at, line));
        at += line.len();
    }
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].1;
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let rest = &line[indent..];
        let fence = rest.first().copied().filter(|&c| c == b'`' || c == b'~');
        let Some(fence) = fence.filter(|_| indent < 4) else {
            i += 1;
            continue;
        };
        let width = rest.iter().take_while(|&&b| b == fence).count();
        if width < 3 {
            i += 1;
            continue;
        }
        let format = language(rest[width..].trim_ascii());
        // The block runs to a closing fence of the same character, at least as wide.
        let close = (i + 1..lines.len()).find(|&j| {
            let l = lines[j].1.trim_ascii();
            l.len() >= width && l.iter().all(|&b| b == fence)
        });
        let end = close.unwrap_or(lines.len());
        if let (Some(format), true) = (format, end > i + 1) {
            let body_start = lines[i + 1].0;
            let body_end = lines.get(end).map_or(bytes.len(), |l| l.0);
            let base = doc.position(body_start);
            let block = Document::at(doc.path, &bytes[body_start..body_end], format, base);
            embedded(&block, out);
        }
        i = end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_blocks_are_read_as_their_language() {
        let ex = crate::extract::test_extractors();
        let md = b"# Setup\n\n```python\nSECRET_KEY = \"v8hnkYYYX1XcGYeL0n71F1BD\"\n```\n\n~~~yaml\napi_token: Zx9hq2LmV8rT4wYb1NcK6dPs\n~~~\n\n```\nSECRET_KEY = \"u1hnkYYYX1XcGYeL0n71F1BD\"\n```\n";
        let doc = Document::new("README.md", md, Format::Markdown);
        let mut out = Extracted::default();
        extract(&doc, &|b, o| ex.by_format(b, o), &mut out);
        let found = crate::extract::places(&out);
        assert!(found.contains(&(4, 15, "python-secret-key")), "{found:?}");
        assert!(found.iter().any(|f| f.0 == 8), "the yaml block: {found:?}");
        // A block without a language is left to the text rules.
        assert!(!found.iter().any(|f| f.0 == 12), "{found:?}");
    }

    /// A fence is read by its format's own extractors too: a Kubernetes Secret in a
    /// YAML fence has its base64 `data:` decoded, an nginx fence is read as nginx.
    #[test]
    fn fences_go_through_their_formats_extractors() {
        let ex = crate::extract::test_extractors();
        let md = b"# Deploy\n\n```yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  SESSION_SECRET: MnlianpRVDZDWjh2T3IwbThmNEN3S3lYYXd3Yw==\n```\n\n```nginx\nlocation /internal {\n    set $hmac_secret \"LUwC9Ic7UZrTP25ol3eYjP89HQaK9C\";\n}\n```\n";
        let doc = Document::new("README.md", md, Format::Markdown);
        let mut out = Extracted::default();
        extract(&doc, &|b, o| ex.by_format(b, o), &mut out);
        let secret = out
            .candidates
            .iter()
            .find(|c| c.detail.name.as_deref() == Some("SESSION_SECRET"))
            .expect("the Secret's data");
        assert_eq!(secret.at.line, 9);
        assert_eq!(
            secret.value.as_ref().unwrap().expose(),
            b"2ybjzQT6CZ8vOr0m8f4CwKyXawwc"
        );
        let found = crate::extract::places(&out);
        assert!(
            found.iter().any(|f| f.0 == 14),
            "the nginx block: {found:?}"
        );
    }
}
