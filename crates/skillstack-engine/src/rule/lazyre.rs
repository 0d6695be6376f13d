//! A condition's regex, compiled the first time a condition uses it.
//!
//! Compiling the built-in rules' 329 regexes (their automata, a dense DFA for the small ones)
//! was 60% of an audit's startup (`perf`, an empty directory): time every audit paid, though a
//! warm re-run, a pre-commit run on three files or a Rails-only repository needs few of them.
//! Rule files from disk still compile their regexes when they load, so that a mistake is an
//! error at the rule's line; the built-in ones are compiled by the test suite.

use std::sync::OnceLock;

use regex::Regex;

#[derive(Debug)]
pub(crate) struct LazyRegex {
    /// The pattern with `\w`, `\d`, `\s`, `\b` spelled as ASCII classes (see `ascii`).
    pattern: String,
    /// The pattern as written, compiled should the ASCII spelling not compile.
    written: String,
    compiled: OnceLock<Option<Regex>>,
}

impl LazyRegex {
    /// A regex compiled now: `Err` carries the error of the pattern as written.
    pub fn eager(written: &str) -> Result<LazyRegex, regex::Error> {
        let pattern = super::ascii::ascii_classes(written);
        let re = Regex::new(&pattern).or_else(|_| Regex::new(written))?;
        Ok(LazyRegex {
            pattern,
            written: written.to_string(),
            compiled: OnceLock::from(Some(re)),
        })
    }

    /// A regex known to compile (a built-in rule's), compiled on first use.
    pub fn deferred(written: &str) -> LazyRegex {
        LazyRegex {
            pattern: super::ascii::ascii_classes(written),
            written: written.to_string(),
            compiled: OnceLock::new(),
        }
    }

    /// The pattern matched: the ASCII spelling.
    pub fn as_str(&self) -> &str {
        &self.pattern
    }

    /// Does `text` match? A deferred pattern that does not compile (never for the built-in
    /// rules: the tests compile each) matches nothing.
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| {
                Regex::new(&self.pattern)
                    .or_else(|_| Regex::new(&self.written))
                    .ok()
            })
            .as_ref()
            .is_some_and(|re| re.is_match(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_and_eager_match_alike() {
        for (p, text, expected) in [
            (r"\btoken\w*", "reset_token_x", false),
            (r"\btoken\w*", "a token_x", true),
            (r"(?i)^\d+$", "123", true),
        ] {
            let e = LazyRegex::eager(p).unwrap();
            let d = LazyRegex::deferred(p);
            assert_eq!(e.as_str(), d.as_str());
            assert_eq!(e.is_match(text), expected, "{p}");
            assert_eq!(d.is_match(text), expected, "{p}");
        }
        assert!(LazyRegex::eager("(").is_err());
        assert!(!LazyRegex::deferred("(").is_match("("));
    }
}
