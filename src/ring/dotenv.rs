//! `.env` files as `ring import` reads them: `NAME=value` lines, and which variables are
//! keys worth importing.

use crate::names::is_secret_name;
use crate::plausible;
use crate::secret::Secret;

/// One variable of a `.env` file: name, value bytes (held as a [`Secret`]) and line.
pub(crate) struct EnvVar {
    pub name: String,
    pub value: Secret,
    pub line: u32,
}

/// Parses a `.env` file (`NAME=value`, `export NAME=value`, single or double quotes,
/// `#` comments). Returns the variables and warnings naming `shown` and the line.
pub(crate) fn parse_dotenv(text: &str, shown: &str) -> (Vec<EnvVar>, Vec<String>) {
    let mut vars = Vec::new();
    let mut warnings = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line).trim_start();
        let Some((name, rest)) = line.split_once('=') else {
            warnings.push(format!("{shown}:{line_no}: not NAME=value, skipped"));
            continue;
        };
        let name = name.trim();
        let valid_name = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !valid_name {
            warnings.push(format!(
                "{shown}:{line_no}: the name before `=` is not a variable name, skipped"
            ));
            continue;
        }
        match dotenv_value(rest.trim_start()) {
            Ok(value) => vars.push(EnvVar {
                name: name.to_string(),
                value: Secret::new(value),
                line: line_no,
            }),
            Err(problem) => warnings.push(format!(
                "{shown}:{line_no}: {}: {problem}, skipped",
                shown_name(name)
            )),
        }
    }
    (vars, warnings)
}

fn dotenv_value(rest: &str) -> std::result::Result<Vec<u8>, &'static str> {
    let tail_ok = |tail: &str| {
        let t = tail.trim();
        t.is_empty() || t.starts_with('#')
    };
    if let Some(body) = rest.strip_prefix('\'') {
        let end = body.find('\'').ok_or("unterminated single quote")?;
        if !tail_ok(&body[end + 1..]) {
            return Err("text after the closing quote");
        }
        return Ok(body.as_bytes()[..end].to_vec());
    }
    if let Some(body) = rest.strip_prefix('"') {
        let mut out = Vec::new();
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    if !tail_ok(&body[i + 1..]) {
                        return Err("text after the closing quote");
                    }
                    return Ok(out);
                }
                '\\' => {
                    let (_, e) = chars.next().ok_or("unterminated double quote")?;
                    match e {
                        'n' => out.push(b'\n'),
                        'r' => out.push(b'\r'),
                        't' => out.push(b'\t'),
                        other => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
                other => {
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        return Err("unterminated double quote (multi-line values are not supported)");
    }
    let value = match rest.find(" #").or_else(|| rest.find("\t#")) {
        Some(i) => &rest[..i],
        None => rest,
    };
    Ok(value.trim().as_bytes().to_vec())
}

/// A variable's name as messages show it: a conventional environment variable name
/// (`SECRET_KEY`) as is, anything else (a key pasted where the name should be) not.
pub(crate) fn shown_name(name: &str) -> &str {
    let conventional = name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if conventional {
        name
    } else {
        "the variable"
    }
}

/// What `ring import` makes of one variable.
pub(crate) enum ImportDecision {
    Import,
    Skip(String),
}

/// Only secret-like variables with a real value are imported.
pub(crate) fn import_decision(var: &EnvVar) -> ImportDecision {
    if !is_secret_name(&var.name) {
        return ImportDecision::Skip("not a secret-like name".into());
    }
    let bytes = var.value.expose();
    if bytes.is_empty() {
        return ImportDecision::Skip("empty value".into());
    }
    let text = String::from_utf8_lossy(bytes);
    if text.starts_with('$') || plausible::is_placeholder(text.trim()) {
        return ImportDecision::Skip("a placeholder or a reference, not a key".into());
    }
    ImportDecision::Import
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_parsing() {
        let text = "# c\nexport A_KEY=plain # comment\nB_SECRET='sin gle'\nC_TOKEN=\"d\\\"q\\n\"\nbad line\n9X=1\nD_KEY=\"open\n";
        let (vars, warnings) = parse_dotenv(text, "x.env");
        let got: Vec<(&str, &[u8], u32)> = vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.expose(), v.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A_KEY", &b"plain"[..], 2),
                ("B_SECRET", &b"sin gle"[..], 3),
                ("C_TOKEN", &b"d\"q\n"[..], 4)
            ]
        );
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].starts_with("x.env:5: "), "{warnings:?}");
        assert!(warnings[1].starts_with("x.env:6: "), "{warnings:?}");
        assert!(warnings[2].contains("x.env:7: D_KEY: unterminated"));
    }
}
