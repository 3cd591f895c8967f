//! Text that a scanned file controls (file names, nginx `server_name`s, SQL identifiers,
//! YAML names, rule and ring ids) made safe for a terminal or a CI log: control
//! characters and Unicode bidirectional overrides are written as visible escapes, so a
//! file name cannot start a new log line (`::stop-commands::`), move the cursor or
//! reorder what a reviewer reads.

use std::borrow::Cow;

/// Is `c` shown escaped? C0 and C1 controls, DEL, and the bidi embeddings, overrides,
/// isolates and marks.
fn escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every escaped character as `\n`, `\r`, `\t`, `\e` or `\u{…}`.
pub(crate) fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if escaped(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_visible() {
        assert_eq!(safe("plain/path.py"), "plain/path.py");
        assert!(matches!(safe("plain"), Cow::Borrowed(_)));
        assert_eq!(
            safe("z\n::stop-commands::pwn\n.conf"),
            "z\\n::stop-commands::pwn\\n.conf"
        );
        assert_eq!(safe("a\u{1b}[2Jb\r"), "a\\e[2Jb\\r");
        assert_eq!(safe("x\u{202E}gnp.exe"), "x\\u{202e}gnp.exe");
        assert_eq!(safe("\u{7f}\u{85}\u{2067}"), "\\u{7f}\\u{85}\\u{2067}");
        assert_eq!(safe("ünïcödé 名前"), "ünïcödé 名前");
    }
}
