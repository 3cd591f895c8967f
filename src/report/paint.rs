//! Terminal colours for the text reports, on only when asked for (`--color`, a terminal
//! without `NO_COLOR`).

use crate::finding::Severity;

pub(super) struct Paint {
    pub on: bool,
}

impl Paint {
    pub(super) fn paint(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub(super) fn severity(&self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, text)
    }
}
