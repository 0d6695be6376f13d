//! Findings: what a rule reports, where, and a fingerprint that survives code moving around.

use std::ops::Range;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::detect::Framework;
use crate::rule::{Confidence, Severity};

/// A 1-based line and 1-based column (in Unicode scalar values, as editors count them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of a byte offset in `src`.
    pub fn of_byte(src: &str, byte: usize) -> Position {
        let byte = floor_char_boundary(src, byte.min(src.len()));
        let before = &src[..byte];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One problem found in one place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Path as shown to the user: relative to the working directory when under it, `/`-separated.
    pub path: String,
    pub start: Position,
    pub end: Position,
    #[serde(skip)]
    pub byte_range: Range<usize>,
    pub message: String,
    /// The function, method or class the finding is in, when there is one.
    pub symbol: Option<String>,
    /// The entry point (controller action, route handler…) the finding is reached from, when the
    /// rule names it (a `bind = "entry"` condition, e.g. `DocumentsController#show`).
    pub entry: Option<String>,
    pub framework: Option<Framework>,
    /// Line-independent fingerprint: rule, path, enclosing symbol and the normalised matched code.
    pub fingerprint: String,
    /// The rule's fix prompt, filled in for this place: text to paste into an AI agent.
    pub fix_prompt: String,
    /// Other places involved, in the same file: the entry point, where an id or token came from.
    pub related: Vec<Related>,
}

/// A related location of a finding (SARIF `relatedLocations`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Related {
    pub start: Position,
    pub end: Position,
    #[serde(skip)]
    pub byte_range: Range<usize>,
    pub message: String,
}

impl Finding {
    /// The order every output uses: path, line, column, rule, then the rest for total order.
    pub fn sort_key(&self) -> (&str, Position, &str, Position, &str) {
        (
            &self.path,
            self.start,
            &self.rule_id,
            self.end,
            &self.message,
        )
    }
}

/// Hashes the parts of a fingerprint; `matched` is whitespace-normalised first so that
/// re-indenting code does not change it. `occurrence` separates identical matches in one symbol.
pub fn fingerprint(
    rule_id: &str,
    path: &str,
    symbol: Option<&str>,
    matched: &str,
    occurrence: usize,
) -> String {
    let normalised: Vec<&str> = matched.split_whitespace().collect();
    let mut h = Sha256::new();
    for part in [
        rule_id,
        path,
        symbol.unwrap_or(""),
        &normalised.join(" "),
        &occurrence.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_chars() {
        let src = "ab\nçd\r\nx";
        assert_eq!(Position::of_byte(src, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::of_byte(src, 3), Position { line: 2, column: 1 });
        assert_eq!(Position::of_byte(src, 5), Position { line: 2, column: 2 });
        assert_eq!(
            Position::of_byte(src, src.len()),
            Position { line: 3, column: 2 }
        );
        assert_eq!(
            Position::of_byte(src, 4),
            Position { line: 2, column: 1 },
            "inside a char rounds down"
        );
    }

    #[test]
    fn fingerprints_ignore_whitespace_but_not_code() {
        let a = fingerprint("r/x", "a.ts", Some("f"), "foo( x )", 0);
        assert_eq!(a, fingerprint("r/x", "a.ts", Some("f"), "foo(\n   x )", 0));
        assert_ne!(a, fingerprint("r/x", "a.ts", Some("f"), "foo( y )", 0));
        assert_ne!(a, fingerprint("r/x", "a.ts", Some("g"), "foo( x )", 0));
        assert_ne!(a, fingerprint("r/x", "a.ts", Some("f"), "foo( x )", 1));
        assert_eq!(a.len(), 32);
    }
}
