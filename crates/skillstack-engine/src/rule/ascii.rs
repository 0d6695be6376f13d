//! Rule regexes read `\w`, `\d`, `\s` and `\b` as ASCII, as PCRE and semgrep do: they test code,
//! whose names and keywords are ASCII. The `regex` crate's Unicode `\w` is a class of about 800
//! ranges; compiled into the forward and reverse automata of every rule regex, the built-in
//! rules' 329 regexes held 16 MB this way and 5 MB with ASCII classes (`memory_usage` of the
//! compiled regexes; the 1M-line audit's peak RSS fell by 13 MB).
//! Non-ASCII text still matches `.`, `[^…]` and literal characters, and `\p{L}` still names the
//! Unicode class for a rule that wants it.

use regex_syntax::ast::{self, Ast, ClassPerlKind, ClassSetItem, Visitor};

/// `pattern` with each Perl class and word boundary spelled as its ASCII form; `pattern`
/// unchanged if it does not parse (compiling it then reports the error against the rule's text).
pub(crate) fn ascii_classes(pattern: &str) -> String {
    let Ok(tree) = ast::parse::Parser::new().parse(pattern) else {
        return pattern.to_string();
    };
    let Ok(mut edits) = ast::visit(&tree, Edits::default()) else {
        return pattern.to_string();
    };
    // Spans never overlap (a class or an assertion holds no other); splice from the end.
    edits.sort_by_key(|(at, _)| std::cmp::Reverse(at.start));
    let mut out = pattern.to_string();
    for (at, with) in edits {
        let Some(original) = pattern.get(at.clone()) else {
            continue;
        };
        // A word boundary keeps its own spelling, in ASCII mode.
        let with = with.unwrap_or_else(|| format!("(?-u:{original})"));
        out.replace_range(at, &with);
    }
    out
}

/// The replacements: byte range of the original pattern, and its ASCII spelling (`None`: the
/// same text in ASCII mode).
#[derive(Default)]
struct Edits(Vec<(std::ops::Range<usize>, Option<String>)>);

fn ascii_name(kind: &ClassPerlKind) -> &'static str {
    match kind {
        ClassPerlKind::Digit => "digit",
        ClassPerlKind::Space => "space",
        ClassPerlKind::Word => "word",
    }
}

fn range(span: &ast::Span) -> std::ops::Range<usize> {
    span.start.offset..span.end.offset
}

impl Visitor for Edits {
    type Output = Vec<(std::ops::Range<usize>, Option<String>)>;
    type Err = ();

    fn finish(self) -> Result<Self::Output, ()> {
        Ok(self.0)
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), ()> {
        match node {
            // `[^[:word:]]` and not `(?-u:\W)`: a non-ASCII negated class may match invalid
            // UTF-8, which `regex::Regex` refuses; in Unicode mode it matches any other char.
            Ast::ClassPerl(c) => {
                let not = if c.negated { "^" } else { "" };
                let with = format!("[{not}[:{}:]]", ascii_name(&c.kind));
                self.0.push((range(&c.span), Some(with)));
            }
            Ast::Assertion(a) => {
                use ast::AssertionKind::*;
                if matches!(
                    a.kind,
                    WordBoundary
                        | NotWordBoundary
                        | WordBoundaryStart
                        | WordBoundaryEnd
                        | WordBoundaryStartAngle
                        | WordBoundaryEndAngle
                        | WordBoundaryStartHalf
                        | WordBoundaryEndHalf
                ) {
                    self.0.push((range(&a.span), None));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), ()> {
        if let ClassSetItem::Perl(c) = item {
            let not = if c.negated { "^" } else { "" };
            let with = format!("[:{not}{}:]", ascii_name(&c.kind));
            self.0.push((range(&c.span), Some(with)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ascii_classes;
    use regex::Regex;

    #[test]
    fn perl_classes_and_word_boundaries_become_ascii() {
        let cases = [
            (r"\w+", "[[:word:]]+"),
            (r"\W\D\S", "[^[:word:]][^[:digit:]][^[:space:]]"),
            (r"[\w.-]", "[[:word:].-]"),
            (r"[^\s\W]", "[^[:space:][:^word:]]"),
            (r"\bfoo\B", r"(?-u:\b)foo(?-u:\B)"),
            (r"\b{start}x", r"(?-u:\b{start})x"),
            (r"(?i)a\.b|[a-z]\\w", r"(?i)a\.b|[a-z]\\w"),
            (r"(unclosed", r"(unclosed"),
        ];
        for (pattern, want) in cases {
            assert_eq!(ascii_classes(pattern), want, "{pattern}");
        }
    }

    #[test]
    fn rewritten_patterns_compile_and_match_code_as_before() {
        for (pattern, text, is) in [
            (r"^\w+$", "find_by_token", true),
            (r"^\w+$", "naïve", false),
            (r"\bpassword\w*\s*:", "x.password_digest :", true),
            (r"\Bword", "sword", true),
            (r"[^\w]", "é", true),
            (r"\W", "é", true),
            (r"\d{2}", "٣٤", false),
            (r"^.$", "é", true),
        ] {
            let re = Regex::new(&ascii_classes(pattern)).unwrap();
            assert_eq!(re.is_match(text), is, "{pattern} on {text}");
        }
    }
}
