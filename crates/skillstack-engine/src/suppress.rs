//! Inline suppressions: `skillstack-ignore[rule-id, other-id]: reason` in a comment.
//!
//! Read from comment nodes only, never raw text, so a string that mentions the marker does not
//! suppress anything. The comment must start with the marker (after `//`, `#`, `/*` or `*`), so
//! prose that mentions it is not a directive. A directive applies to findings of the named
//! rules that start on its own line, or — when the comment is alone on its line — on the next line.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use crate::finding::Position;

pub const MARKER: &str = "skillstack-ignore";

/// A parsed suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    pub byte_range: Range<usize>,
    pub start: Position,
    pub end: Position,
    /// True when nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
    pub ids: Vec<String>,
    pub reason: Option<String>,
    /// What is wrong with it, if anything (it is then reported as an invalid suppression).
    pub problem: Option<String>,
}

impl Directive {
    /// Does this directive cover a finding of `rule_id` starting on `line`? A directive without a
    /// reason still suppresses (and is reported as invalid); one without ids covers nothing.
    pub fn covers(&self, rule_id: &str, line: usize) -> bool {
        self.ids.iter().any(|i| i == rule_id)
            && (line == self.start.line || (self.own_line && line == self.end.line + 1))
    }
}

/// Parses the text of one comment. `None`: not a directive at all.
/// `Some(Ok)`: ids and reason. `Some(Err)`: a directive with a problem, described for the user.
pub fn parse_comment(comment: &str) -> Option<(Vec<String>, Option<String>, Option<String>)> {
    let body = comment
        .trim_start_matches(['/', '#', '*', '!'])
        .trim_start();
    let rest = body.strip_prefix(MARKER)?;
    // `skillstack-ignore-file`, `skillstack-ignored`: not this directive.
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '-' || c == '_') {
        return None;
    }
    let rest = rest.trim_end().trim_end_matches("*/").trim_end();
    let Some(after_bracket) = rest.strip_prefix('[') else {
        return Some((
            vec![],
            None,
            Some(format!(
                "`{MARKER}` names no rule: write `{MARKER}[rule-id]: reason`"
            )),
        ));
    };
    let Some(close) = after_bracket.find(']') else {
        return Some((
            vec![],
            None,
            Some(format!(
                "`{MARKER}[` is not closed: write `{MARKER}[rule-id]: reason`"
            )),
        ));
    };
    let ids: Vec<String> = after_bracket[..close]
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() {
        return Some((
            vec![],
            None,
            Some(format!(
                "`{MARKER}[]` names no rule: put the rule id between the brackets"
            )),
        ));
    }
    let tail = after_bracket[close + 1..].trim_start();
    let reason = tail
        .strip_prefix(':')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let problem = reason.is_none().then(|| {
        format!(
            "`{MARKER}[{}]` gives no reason: add `: <why this is safe>`",
            ids.join(", ")
        )
    });
    Some((ids, reason, problem))
}

/// Every comment node in a file, in source order, as byte ranges.
pub fn comment_ranges(tree: &Tree) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut stack: Vec<Node> = vec![tree.root_node()];
    // An explicit stack, not recursion: deeply nested files must not overflow the thread stack.
    while let Some(node) = stack.pop() {
        if node.kind() == "comment" {
            out.push(node.byte_range());
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out.sort_by_key(|r| r.start);
    out
}

/// Finds every suppression directive in a parsed file.
pub fn directives(tree: &Tree, src: &str) -> Vec<Directive> {
    if !src.contains(MARKER) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for range in comment_ranges(tree) {
        let text = src.get(range.clone()).unwrap_or("");
        if let Some((ids, reason, problem)) = parse_comment(text) {
            let line_start = src[..range.start].rfind('\n').map_or(0, |i| i + 1);
            out.push(Directive {
                start: Position::of_byte(src, range.start),
                end: Position::of_byte(src, range.end),
                own_line: src[line_start..range.start].trim().is_empty(),
                byte_range: range,
                ids,
                reason,
                problem,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn parses_directives() {
        assert_eq!(parse_comment("// a normal comment"), None);
        assert_eq!(parse_comment("// see skillstack-ignore docs"), None);
        assert_eq!(parse_comment("# skillstack-ignore-file[x]"), None);
        assert_eq!(
            parse_comment("// skillstack-ignore[data/a, auth/b]: checked by hand"),
            Some((
                vec!["data/a".into(), "auth/b".into()],
                Some("checked by hand".into()),
                None
            ))
        );
        assert_eq!(
            parse_comment("/* skillstack-ignore[data/a]: ok */")
                .unwrap()
                .1,
            Some("ok".into())
        );
        assert!(parse_comment("# skillstack-ignore")
            .unwrap()
            .2
            .unwrap()
            .contains("names no rule"));
        assert!(parse_comment("# skillstack-ignore[]: x")
            .unwrap()
            .2
            .unwrap()
            .contains("names no rule"));
        assert!(parse_comment("# skillstack-ignore[data/a")
            .unwrap()
            .2
            .unwrap()
            .contains("not closed"));
        assert!(parse_comment("# skillstack-ignore[data/a]")
            .unwrap()
            .2
            .unwrap()
            .contains("no reason"));
    }

    fn dirs(lang: Lang, src: &str) -> Vec<Directive> {
        let mut p = tree_sitter::Parser::new();
        p.set_language(&lang.grammar()).unwrap();
        let tree = p.parse(src, None).unwrap();
        directives(&tree, src)
    }

    #[test]
    fn only_comment_nodes_count() {
        let src = "const s = \"// skillstack-ignore[data/a]: nope\";\n// skillstack-ignore[data/a]: yes\nfoo();\n";
        let d = dirs(Lang::TypeScript, src);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].start.line, 2);
        assert!(d[0].own_line);
        assert!(d[0].covers("data/a", 3));
        assert!(d[0].covers("data/a", 2));
        assert!(!d[0].covers("data/b", 3));
        assert!(!d[0].covers("data/a", 4));
    }

    #[test]
    fn trailing_comment_covers_its_own_line_only() {
        let src = "<?php\nfoo(); // skillstack-ignore[data/a]: fine\nbar();\n";
        let d = dirs(Lang::Php, src);
        assert_eq!(d.len(), 1);
        assert!(!d[0].own_line);
        assert!(d[0].covers("data/a", 2));
        assert!(!d[0].covers("data/a", 3));
    }

    #[test]
    fn ruby_comments() {
        let d = dirs(
            Lang::Ruby,
            "# skillstack-ignore[perm/x]: admin only\nparams.permit!\n",
        );
        assert_eq!(d.len(), 1);
        assert!(d[0].covers("perm/x", 2));
    }
}
