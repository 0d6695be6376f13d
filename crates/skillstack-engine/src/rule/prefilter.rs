//! Literal prefilters: which query patterns can match a file at all, judged from its text.
//!
//! A pattern with `(#eq? @name "find")` only matches where a node's text is `find`, so a file
//! whose text lacks `find` cannot match it; `(#any-of? @name "create" "update")` needs one of
//! its strings. Only captures that every match of the pattern has count (not under a `?` or `*`
//! quantifier, not inside a `[…]` alternation): a predicate on an absent capture holds vacuously.
//! A matcher's `where` regex on a capture's text (or on the enclosing class's text) works the
//! same way: what it matches is part of the file, so the file contains one of the strings every
//! match of the regex starts with, when there are finitely many (see [`regex_literals`]).
//! An `#eq?`/`#any-of?` string that is the whole text of an identifier-like token
//! (`(property_identifier) @m (#eq? @m "get")`) is needed as a token: an occurrence inside a
//! longer word (`target`) does not count ([`Lit::token`], [`token_at`]). A boolean predicate
//! that needs some syntax (`is = "interpolated-unsafely"` needs `${`, `#{` or `+`) adds a group
//! too ([`crate::predicates::BoolPredicate::required_literals`]).
//! Skipping such patterns before the tree walk changes no result, and most files lack most of
//! the literals (see [`super::plan`]); a file none of whose patterns is left is not even parsed
//! (see [`crate::analyze`]).

use regex_syntax::hir::literal::{ExtractKind, Extractor};

use super::pattern::{Kind, NodePat, Pattern, Pred};

/// A string a file's text must contain for a pattern to match it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lit {
    pub text: String,
    /// The string is the whole text of an identifier-like token: an occurrence counts only if
    /// no word character continues it where the string itself starts or ends with one.
    pub token: bool,
}

impl Lit {
    pub fn plain(text: impl Into<String>) -> Lit {
        Lit {
            text: text.into(),
            token: false,
        }
    }
}

/// For each group, one of its strings must occur: the requirement of one pattern.
pub(crate) type Groups = Vec<Vec<Lit>>;

/// Node kinds whose text is one token lexed as a maximal run of word characters (what an
/// identifier is in JavaScript, TypeScript, Ruby and PHP): such a node never starts right after
/// a letter or `_`, nor ends right before a letter, digit or `_`.
const TOKEN_KINDS: [&str; 8] = [
    "identifier",
    "property_identifier",
    "shorthand_property_identifier",
    "shorthand_property_identifier_pattern",
    "type_identifier",
    "constant",
    "name",
    "hash_key_symbol",
];

/// Is the occurrence of `lit` at `at..at + lit.len()` in `text` a whole token? Conservative:
/// a digit before the start (`1get`, which a lexer may split after an error) and non-ASCII
/// neighbours count as boundaries, so this only says no where no identifier token can start
/// or end.
pub(crate) fn token_at(text: &[u8], at: usize, lit: &[u8]) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let starts_word = lit.first().is_some_and(|&b| word(b));
    let ends_word = lit.last().is_some_and(|&b| word(b));
    let before = at.checked_sub(1).and_then(|i| text.get(i)).copied();
    let after = text.get(at + lit.len()).copied();
    let glued_before = starts_word && before.is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    let glued_after = ends_word && after.is_some_and(word);
    !glued_before && !glued_after
}

/// The strings one of which starts every match of `regex`, when the regex allows only a few
/// (`\b(db|prisma)\.` gives `db`, `prisma`), else those one of which ends every match
/// (`\w*_(token|code)$` gives `_token`, `_code`); `None` when it may match the empty string,
/// starts and ends with classes too wide to list (`\w`), or does not parse.
pub(crate) fn regex_literals(regex: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::Parser::new().parse(regex).ok()?;
    affix_literals(&hir, ExtractKind::Prefix).or_else(|| affix_literals(&hir, ExtractKind::Suffix))
}

fn affix_literals(hir: &regex_syntax::hir::Hir, kind: ExtractKind) -> Option<Vec<String>> {
    let mut extractor = Extractor::new();
    extractor.kind(kind);
    let seq = extractor.extract(hir);
    let literals = seq.literals()?;
    // Too short to tell files apart (and an empty one means any text may match).
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().len() < 2) {
        return None;
    }
    literals
        .iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect()
}

/// The literal groups a pattern needs: it can only match a file whose text contains, for every
/// group, at least one of the group's strings. Empty when nothing is known (always run it).
pub(crate) fn required_literals(pattern: &str) -> Groups {
    let tokens = tokenize(pattern);
    let mut groups = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let Tok::Open {
            predicate: Some(name),
            ..
        } = t
        else {
            continue;
        };
        if name != "#eq?" && name != "#any-of?" {
            continue;
        }
        // `(#eq? @cap "a")`, `(#any-of? @cap "a" "b" …)`: a capture, then strings, then `)`.
        // Token `i + 1` is the predicate's name.
        let Some(Tok::Capture(cap, _)) = tokens.get(i + 2) else {
            continue;
        };
        let mut strings = Vec::new();
        let mut plain = true;
        for t in tokens.get(i + 3..).unwrap_or(&[]) {
            match t {
                Tok::Str(s) => strings.push(s.clone()),
                Tok::Close { .. } => break,
                _ => plain = false,
            }
        }
        let escaped = strings.iter().any(|s| s.contains('\\') || s.is_empty());
        if !plain || strings.is_empty() || escaped || (name == "#eq?" && strings.len() != 1) {
            continue;
        }
        if always_captured(&tokens, cap) {
            groups.push(strings.into_iter().map(Lit::plain).collect());
        }
    }
    groups
}

/// The literal groups every match of a pattern read by [`super::pattern`] needs, found from its
/// structure: for each capture the match binds, the strings its text predicates allow (`#eq?`,
/// `#any-of?`, and what a `#match?` regex's matches start or end with, [`regex_literals`]).
/// An alternation needs one of what each of its alternatives needs — a capture bound in one
/// alternative only is absent from the others' matches, where its predicates hold vacuously.
/// (The reader takes no quantifiers, so every node of an alternative is in its matches.)
pub(crate) fn pattern_literals(p: &Pattern, grammar: &tree_sitter::Language) -> Groups {
    let token = |kind: &Kind| match kind {
        Kind::Sym(id) => grammar
            .node_kind_for_id(*id)
            .is_some_and(|k| TOKEN_KINDS.contains(&k) && grammar.node_kind_is_named(*id)),
        Kind::Named | Kind::Any => false,
    };
    alternatives(&p.root, &p.preds, &token)
}

fn alternatives(alts: &[NodePat], preds: &[Pred], token: &dyn Fn(&Kind) -> bool) -> Groups {
    let mut per: Vec<Groups> = alts
        .iter()
        .map(|a| {
            let mut groups = Vec::new();
            node_literals(a, preds, token, &mut groups);
            groups
        })
        .collect();
    if per.len() == 1 {
        return per.pop().unwrap_or_default();
    }
    let mut union: Vec<Lit> = Vec::new();
    for groups in &per {
        // Each alternative's most selective group; one alternative free of literals frees all.
        let Some(best) = groups.iter().min_by_key(|g| g.len()) else {
            return Vec::new();
        };
        for l in best {
            if !union.contains(l) {
                union.push(l.clone());
            }
        }
    }
    vec![union]
}

fn node_literals(np: &NodePat, preds: &[Pred], token: &dyn Fn(&Kind) -> bool, out: &mut Groups) {
    let whole_token = token(&np.kind);
    for &cap in &np.caps {
        out.extend(
            preds
                .iter()
                .filter_map(|p| pred_literals(p, cap, whole_token)),
        );
    }
    for step in &np.children {
        out.extend(alternatives(&step.alts, preds, token));
    }
}

/// What `pred` lets the text of capture `cap` be, as strings one of which that text contains;
/// `token`: the capture is an identifier-like token, so a whole-text string is a whole token.
fn pred_literals(pred: &Pred, cap: u32, token: bool) -> Option<Vec<Lit>> {
    let whole = |s: &[u8]| {
        Some(Lit {
            text: String::from_utf8(s.to_vec()).ok()?,
            token,
        })
    };
    let group: Vec<Lit> = match pred {
        Pred::EqStr(a, s, true) if *a == cap => vec![whole(s)?],
        Pred::AnyOf(a, vals, true) if *a == cap => {
            vals.iter().map(|v| whole(v)).collect::<Option<_>>()?
        }
        Pred::Match(a, re, true) if *a == cap => regex_literals(re.as_str())?
            .into_iter()
            .map(Lit::plain)
            .collect(),
        _ => return None,
    };
    // An empty string is in every text: no requirement.
    (!group.is_empty() && group.iter().all(|l| !l.text.is_empty())).then_some(group)
}

#[derive(Debug)]
enum Tok {
    /// `(` or `[`, with the predicate name when the group is `(#name …`, and the index of its
    /// closing token.
    Open {
        square: bool,
        predicate: Option<String>,
        close: usize,
    },
    Close {
        /// A `?` or `*` follows.
        optional: bool,
    },
    /// `@name`, and whether it is inside a predicate group.
    Capture(String, bool),
    /// A string's raw text between the quotes.
    Str(String),
    /// A `?` or `*` quantifier right after a node written without parentheses (`_`, `"x"`).
    Quantifier,
    Other,
}

fn tokenize(q: &str) -> Vec<Tok> {
    let b = q.as_bytes();
    let mut out: Vec<Tok> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b';' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                out.push(Tok::Str(
                    q.get(start..i.min(b.len())).unwrap_or("").to_string(),
                ));
            }
            b'(' | b'[' => {
                let rest = q[i + 1..].trim_start();
                let predicate = (b[i] == b'(' && rest.starts_with('#')).then(|| {
                    rest.split(|c: char| c.is_whitespace() || c == ')')
                        .next()
                        .unwrap_or("")
                        .to_string()
                });
                open.push(out.len());
                out.push(Tok::Open {
                    square: b[i] == b'[',
                    predicate,
                    close: usize::MAX,
                });
            }
            b')' | b']' => {
                let optional = next_non_space(b, i + 1).is_some_and(|c| c == b'?' || c == b'*');
                let at = out.len();
                out.push(Tok::Close { optional });
                if let Some(o) = open.pop() {
                    if let Some(Tok::Open { close, .. }) = out.get_mut(o) {
                        *close = at;
                    }
                }
            }
            b'@' => {
                let rest = &q[i + 1..];
                let len = rest
                    .find(|c: char| {
                        !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '?' | '!'))
                    })
                    .unwrap_or(rest.len());
                let in_predicate = open.iter().any(|&o| {
                    matches!(
                        out.get(o),
                        Some(Tok::Open {
                            predicate: Some(_),
                            ..
                        })
                    )
                });
                out.push(Tok::Capture(rest[..len].to_string(), in_predicate));
                i += len;
            }
            b'?' | b'*' => out.push(Tok::Quantifier),
            c if c.is_ascii_whitespace() => {}
            _ => {
                // A bare word (node name, field, `_`, `!field`, a predicate's `#eq?`): one token.
                let predicate_name = b[i] == b'#';
                while i + 1 < b.len()
                    && !b"()[]\"@; \t\r\n".contains(&b[i + 1])
                    && (predicate_name || !b"?*".contains(&b[i + 1]))
                {
                    i += 1;
                }
                out.push(Tok::Other);
            }
        }
        i += 1;
    }
    out
}

fn next_non_space(b: &[u8], from: usize) -> Option<u8> {
    b.get(from..)?
        .iter()
        .copied()
        .find(|c| !c.is_ascii_whitespace())
}

/// Does every match of the pattern have `cap`? It must be written exactly once outside
/// predicates, and neither it, the node it names, nor any group around it may be optional or
/// one of several alternatives.
fn always_captured(tokens: &[Tok], cap: &str) -> bool {
    let uses: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Tok::Capture(c, false) if c == cap))
        .map(|(i, _)| i)
        .collect();
    let [at] = uses[..] else {
        return false;
    };
    // The captured node: back over other captures of the same node to a `)` or a bare token.
    let mut j = at;
    while j > 0 && matches!(tokens[j - 1], Tok::Capture(..)) {
        j -= 1;
    }
    match j.checked_sub(1).map(|k| &tokens[k]) {
        Some(Tok::Close { optional: false }) | Some(Tok::Other) | Some(Tok::Str(_)) => {}
        _ => return false,
    }
    // Every group around the capture, up to the top level (the captured node's own group is
    // closed already, and was checked above).
    tokens[..at].iter().all(|t| match t {
        Tok::Open { square, close, .. } if *close > at => {
            !*square && matches!(tokens.get(*close), Some(Tok::Close { optional: false }))
        }
        _ => true,
    })
}

#[cfg(test)]
mod tests {
    use super::{regex_literals, token_at, Groups, Lit};

    /// The text-read literal groups of `pattern`, as strings.
    fn req(pattern: &str) -> Vec<Vec<String>> {
        super::required_literals(pattern)
            .into_iter()
            .map(|g| g.into_iter().map(|l| l.text).collect())
            .collect()
    }

    #[test]
    fn regex_literals_are_what_every_match_starts_with() {
        let sorted = |r: &str| {
            regex_literals(r).map(|mut l| {
                l.sort();
                l
            })
        };
        assert_eq!(
            sorted("^(where|firstWhere)$"),
            Some(vec!["firstWhere".into(), "where".into()])
        );
        assert_eq!(
            sorted(r"\b(db|prisma)\s*\.\s*create"),
            Some(vec!["db".into(), "prisma".into()])
        );
        assert_eq!(sorted("(?i)ab").map(|l| l.len()), Some(4));
        // Empty matches, wide classes, a one-letter start: nothing to require.
        assert_eq!(regex_literals("."), None);
        assert_eq!(regex_literals("a?"), None);
        assert_eq!(regex_literals(r"\w+x"), None);
        // What every match ends with, when its start is too wide.
        assert_eq!(
            sorted(r"^\w*_(token|code)$"),
            Some(vec!["_code".into(), "_token".into()])
        );
        assert_eq!(sorted(r"\w+token"), Some(vec!["token".into()]));
        assert_eq!(regex_literals("x|yz"), None);
        assert_eq!(regex_literals("("), None);
    }

    fn v(groups: &[&[&str]]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn eq_and_any_of_on_a_capture_every_match_has() {
        assert_eq!(
            req(r#"((call method: (identifier) @m) @c (#eq? @m "find"))"#),
            v(&[&["find"]])
        );
        assert_eq!(
            req(r#"((method name: (identifier) @a) @m (#any-of? @a "create" "update"))"#),
            v(&[&["create", "update"]])
        );
        assert_eq!(
            req(
                r#"((call receiver: (constant) @r method: (identifier) @m) (#eq? @r "User") (#eq? @m "find"))"#
            ),
            v(&[&["User"], &["find"]])
        );
        // A `+` repetition still has the capture.
        assert_eq!(
            req(r#"((block (identifier)+ @x) (#eq? @x "a"))"#),
            v(&[&["a"]])
        );
    }

    #[test]
    fn nothing_for_negations_regexes_or_capture_comparisons() {
        assert!(req(r#"((identifier) @a (#not-eq? @a "x"))"#).is_empty());
        assert!(req(r#"((identifier) @a (#not-any-of? @a "x" "y"))"#).is_empty());
        assert!(req(r#"((identifier) @a (#match? @a "^find$"))"#).is_empty());
        assert!(req(r#"((pair (identifier) @a (identifier) @b) (#eq? @a @b))"#).is_empty());
        assert!(req(r#"((identifier) @a (#eq? @a "with \"quote"))"#).is_empty());
    }

    #[test]
    fn nothing_for_captures_that_a_match_may_lack() {
        // Optional node, optional group, alternatives, written twice.
        assert!(req(r#"((call (identifier)? @a) (#eq? @a "x"))"#).is_empty());
        assert!(req(r#"((call (args (identifier) @a)? ) (#eq? @a "x"))"#).is_empty());
        assert!(req(r#"((call (identifier)* @a) (#eq? @a "x"))"#).is_empty());
        assert!(req(r#"((call [(identifier) @a (constant)]) (#eq? @a "x"))"#).is_empty());
        assert!(req(r#"((call _? @a) (#eq? @a "x"))"#).is_empty());
        assert!(req(r#"((call (identifier) @a (constant) @a) (#eq? @a "x"))"#).is_empty());
    }

    /// Literals found from the structure of a pattern the own matcher reads (texts only).
    fn structural(query: &str) -> Vec<Vec<String>> {
        structural_lits(query)
            .into_iter()
            .map(|g| {
                let mut g: Vec<String> = g.into_iter().map(|l| l.text).collect();
                g.sort();
                g
            })
            .collect()
    }

    fn structural_lits(query: &str) -> Groups {
        let grammar = crate::lang::Lang::Ruby.grammar();
        let patterns = crate::rule::pattern::read(&grammar, query).expect("readable");
        super::pattern_literals(&patterns.patterns[0], &grammar)
    }

    #[test]
    fn whole_text_strings_of_identifier_tokens_must_occur_as_tokens() {
        let token = |s: &str| Lit {
            text: s.into(),
            token: true,
        };
        assert_eq!(
            structural_lits(
                r#"((call receiver: (constant) @c method: (identifier) @m) (#eq? @c "User") (#any-of? @m "find" "exists?"))"#
            ),
            vec![vec![token("User")], vec![token("find"), token("exists?")]]
        );
        // A string (not a token), a wildcard, a regex: plain strings.
        assert_eq!(
            structural_lits(r#"((string (string_content) @s) (#eq? @s "x"))"#),
            vec![vec![Lit::plain("x")]]
        );
        assert_eq!(
            structural_lits(r#"((call method: (_) @m) (#eq? @m "find"))"#),
            vec![vec![Lit::plain("find")]]
        );
        assert_eq!(
            structural_lits(r#"((call method: (identifier) @m) (#match? @m "^find_"))"#),
            vec![vec![Lit::plain("find_")]]
        );
    }

    #[test]
    fn a_token_occurrence_is_not_glued_to_a_word() {
        let at = |text: &str, lit: &str| {
            let i = text.find(lit).expect("present");
            token_at(text.as_bytes(), i, lit.as_bytes())
        };
        assert!(at("x.get(1)", "get"));
        assert!(at("get", "get"));
        assert!(!at("target", "get"));
        assert!(!at("x.getter", "get"));
        assert!(!at("_get", "get"));
        assert!(!at("get_x", "get"));
        assert!(!at("get1", "get"));
        // Conservative where a lexer may split: after a digit, next to non-ASCII, `$`, `?`.
        assert!(at("1get", "get"));
        assert!(at("éget", "get"));
        assert!(at("getä", "get"));
        assert!(at("$get", "get"));
        assert!(at("get?", "get"));
        // Edges that are not word characters are not checked.
        assert!(at("a$queryRaw", "$queryRaw"));
        assert!(at("x.exists?y", "exists?"));
    }

    #[test]
    fn an_alternation_needs_one_of_what_each_alternative_needs() {
        assert_eq!(
            structural(
                r#"[((call method: (identifier) @m) (#any-of? @m "rand" "srand")) ((identifier) @r (#eq? @r "rand")) ((constant) @t (#eq? @t "Time"))] @weak"#
            ),
            v(&[&["Time", "rand", "srand"]])
        );
        // The same capture in every alternative, its predicate outside them.
        assert_eq!(
            structural(
                r#"([(call method: (identifier) @m) (call receiver: (_) method: (identifier) @m)] (#eq? @m "find"))"#
            ),
            v(&[&["find"]])
        );
        // One alternative free of literals: nothing is required.
        assert!(structural(r#"[((identifier) @r (#eq? @r "rand")) (constant) @c]"#).is_empty());
    }

    #[test]
    fn match_predicates_and_nested_captures_count() {
        assert_eq!(
            structural(
                r#"((call receiver: (constant) @c method: (identifier) @m) (#match? @c "^(User|Account)$") (#eq? @m "find"))"#
            ),
            v(&[&["Account", "User"], &["find"]])
        );
        // Negations and capture comparisons require nothing.
        assert!(structural(
            r#"((call receiver: (constant) @c method: (identifier) @m) (#not-eq? @m "find") (#eq? @c @m))"#
        )
        .is_empty());
    }

    #[test]
    fn comments_and_strings_do_not_confuse_it() {
        assert_eq!(
            req("; (#eq? @a \"no\")\n((identifier) @a ; [ not a group\n (#eq? @a \"yes\"))"),
            v(&[&["yes"]])
        );
    }
}
