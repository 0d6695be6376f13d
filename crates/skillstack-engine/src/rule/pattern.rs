//! Tree-sitter query text read into patterns that [`super::walk`] matches without tree-sitter's
//! query engine.
//!
//! Compiling a tree-sitter query analyses the grammar's parse table for every pattern (0.6 s
//! for the built-in rules' five grammars, whatever the size of the audit), and its cursor keeps
//! every partial match of every pattern in flight at each node. The rules' patterns use a small
//! part of the query language — node types, fields, anchors, alternations, wildcards, captures,
//! the text predicates — which this module reads with tree-sitter's own meaning. A query using
//! anything else (quantifiers, sibling sequences, supertypes, `ERROR`/`MISSING`, other
//! predicates) is not read here, and the rule set runs it with tree-sitter as before.

use std::num::NonZeroU16;
use std::ops::Range;

use tree_sitter::Language;

/// What a node must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// This node type (tree-sitter's public symbol id, as `Node::kind_id` gives it).
    Sym(u16),
    /// `(_)`: any named node but an error.
    Named,
    /// `_`: any node but an error.
    Any,
}

/// One node of a pattern.
#[derive(Debug)]
pub(crate) struct NodePat {
    pub kind: Kind,
    /// The field the node must sit in, within its parent.
    pub field: Option<NonZeroU16>,
    /// Capture ids given to the node (tree-sitter keeps at most three per step).
    pub caps: Vec<u32>,
    /// Fields the node must not have (`!field`).
    pub negated: Vec<u16>,
    pub children: Vec<Step>,
    /// Whether tree-sitter tries later siblings as well once this node matched: when it or a
    /// node inside it is captured, or it has child patterns that may fail.
    pub forks: bool,
}

/// One child position of a pattern: a node pattern or an alternation of them.
#[derive(Debug)]
pub(crate) struct Step {
    pub alts: Vec<NodePat>,
    /// `.` before it: the first named sibling after the previous step (or the first named
    /// child) must match.
    pub immediate: bool,
    /// `.` after it: no named sibling may follow.
    pub last: bool,
}

/// A text predicate, with tree-sitter's Rust binding's meaning.
#[derive(Debug)]
pub(crate) enum Pred {
    EqStr(u32, Box<[u8]>, bool),
    EqCap(u32, u32, bool),
    Match(u32, regex::bytes::Regex, bool),
    AnyOf(u32, Vec<Box<[u8]>>, bool),
}

impl Pred {
    /// The captures it reads.
    pub fn captures(&self) -> (u32, Option<u32>) {
        match self {
            Pred::EqStr(a, ..) | Pred::Match(a, ..) | Pred::AnyOf(a, ..) => (*a, None),
            Pred::EqCap(a, b, _) => (*a, Some(*b)),
        }
    }
}

/// One top-level pattern.
#[derive(Debug)]
pub(crate) struct Pattern {
    /// The alternatives for the root node (one unless the pattern is an alternation).
    pub root: Vec<NodePat>,
    pub preds: Vec<Pred>,
    /// Where the pattern's text is in the query.
    pub range: Range<usize>,
}

/// A query read into patterns, with its capture names (index = capture id).
#[derive(Debug)]
pub(crate) struct Patterns {
    pub patterns: Vec<Pattern>,
    pub capture_names: Vec<String>,
}

/// Why a query is not read here; tree-sitter then runs it.
#[derive(Debug)]
pub(crate) struct Unsupported;

type R<T> = Result<T, Unsupported>;

/// Reads `text` for `lang`, or says it cannot (then tree-sitter must run it).
pub(crate) fn read(lang: &Language, text: &str) -> R<Patterns> {
    let mut p = Reader {
        lang,
        s: text.as_bytes(),
        text,
        i: 0,
        names: Vec::new(),
        preds: Vec::new(),
        depth: 0,
    };
    let mut patterns = Vec::new();
    loop {
        p.skip();
        if p.i >= p.s.len() {
            break;
        }
        let start = p.i;
        p.preds.clear();
        let root = p.pattern()?;
        if root
            .iter()
            .any(|n| n.field.is_some() || !matches!(n.kind, Kind::Sym(_)))
        {
            // Wildcard roots and fields on the root: not needed by any rule.
            return Err(Unsupported);
        }
        let preds = std::mem::take(&mut p.preds)
            .into_iter()
            .map(|raw| p.predicate(raw))
            .collect::<R<Vec<_>>>()?;
        patterns.push(Pattern {
            root,
            preds,
            range: start..p.i,
        });
    }
    Ok(Patterns {
        patterns,
        capture_names: p.names,
    })
}

/// A predicate as written: its name and arguments (`Ok(capture name)` or `Err(string)`).
type RawPred = (String, Vec<Result<String, Vec<u8>>>);

struct Reader<'a> {
    lang: &'a Language,
    s: &'a [u8],
    text: &'a str,
    i: usize,
    names: Vec<String>,
    preds: Vec<RawPred>,
    /// How deep the reader is in nested patterns: bounded, so that a pathological query cannot
    /// exhaust the stack here or in the matcher.
    depth: u32,
}

impl Reader<'_> {
    fn peek(&self) -> u8 {
        self.s.get(self.i).copied().unwrap_or(0)
    }

    /// Skips whitespace and `;` comments.
    fn skip(&mut self) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b';' => {
                    while self.i < self.s.len() && self.s[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                c if c.is_ascii_whitespace() => self.i += 1,
                _ => break,
            }
        }
    }

    fn eat(&mut self, c: u8) -> R<()> {
        if self.peek() != c {
            return Err(Unsupported);
        }
        self.i += 1;
        self.skip();
        Ok(())
    }

    fn ident_start(&self) -> bool {
        let c = self.peek();
        c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
    }

    /// An identifier as tree-sitter scans it (it may hold `.`, `?`, `!` after the first char).
    /// Non-ASCII text is left to tree-sitter.
    fn ident(&mut self) -> R<&str> {
        if !self.ident_start() {
            return Err(Unsupported);
        }
        let start = self.i;
        self.i += 1;
        while matches!(self.peek(), c if c.is_ascii_alphanumeric() || b"_-.?!".contains(&c)) {
            self.i += 1;
        }
        if self.peek() >= 0x80 {
            return Err(Unsupported);
        }
        let s = self.text.get(start..self.i).ok_or(Unsupported)?;
        Ok(s)
    }

    fn string(&mut self) -> R<Vec<u8>> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                0 | b'\n' => return Err(Unsupported),
                b'"' => {
                    self.i += 1;
                    self.skip();
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let c = self.peek();
                    if c == 0 || c >= 0x80 {
                        return Err(Unsupported);
                    }
                    out.push(match c {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'0' => 0,
                        c => c,
                    });
                    self.i += 1;
                }
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn capture_id(&mut self, name: &str) -> u32 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                self.names.push(name.to_string());
                (self.names.len() - 1) as u32
            }
        }
    }

    /// One pattern and its suffixes, as the alternatives of one step.
    fn pattern(&mut self) -> R<Vec<NodePat>> {
        if self.depth >= MAX_DEPTH {
            return Err(Unsupported);
        }
        self.depth += 1;
        let alts = self.pattern_inner();
        self.depth -= 1;
        alts
    }

    fn pattern_inner(&mut self) -> R<Vec<NodePat>> {
        let mut alts = match self.peek() {
            b'[' => {
                self.eat(b'[')?;
                let mut alts = Vec::new();
                while self.peek() != b']' {
                    alts.extend(self.pattern()?);
                }
                self.eat(b']')?;
                if alts.is_empty() {
                    return Err(Unsupported);
                }
                alts
            }
            b'(' => {
                self.eat(b'(')?;
                match self.peek() {
                    b'(' | b'[' | b'"' => {
                        // A group: one pattern and its predicates (a sibling sequence is left
                        // to tree-sitter).
                        let alts = self.pattern()?;
                        while self.peek() == b'(' {
                            self.predicate_text()?;
                        }
                        self.eat(b')')?;
                        alts
                    }
                    _ => vec![self.node()?],
                }
            }
            b'"' => {
                let name = self.string()?;
                let name = std::str::from_utf8(&name).map_err(|_| Unsupported)?;
                let id = self.lang.id_for_node_kind(name, false);
                if id == 0 {
                    return Err(Unsupported);
                }
                vec![leaf(Kind::Sym(id))]
            }
            b'_' if !self
                .s
                .get(self.i + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || b"_-.?!".contains(c)) =>
            {
                self.i += 1;
                self.skip();
                vec![leaf(Kind::Any)]
            }
            _ if self.ident_start() => {
                let name = self.ident()?.to_string();
                self.skip();
                self.eat(b':')?;
                let field = self.lang.field_id_for_name(&name).ok_or(Unsupported)?;
                let mut alts = self.pattern()?;
                for a in &mut alts {
                    a.field = Some(field);
                }
                return Ok(alts);
            }
            _ => return Err(Unsupported),
        };
        // Suffixes: captures; quantifiers are left to tree-sitter.
        loop {
            match self.peek() {
                b'@' => {
                    self.i += 1;
                    let name = self.ident()?.to_string();
                    self.skip();
                    let id = self.capture_id(&name);
                    for a in &mut alts {
                        if a.caps.len() < 3 && !a.caps.contains(&id) {
                            a.caps.push(id);
                        }
                        a.forks = true;
                    }
                }
                b'*' | b'+' | b'?' => return Err(Unsupported),
                _ => return Ok(alts),
            }
        }
    }

    /// A named node after its `(`, through its `)`.
    fn node(&mut self) -> R<NodePat> {
        let name = self.ident()?.to_string();
        self.skip();
        let kind = if name == "_" {
            Kind::Named
        } else {
            let id = self.lang.id_for_node_kind(&name, true);
            let visible = id != 0 && self.lang.node_kind_is_visible(id);
            if !visible || name == "ERROR" || name == "MISSING" || self.peek() == b'/' {
                return Err(Unsupported);
            }
            if self.lang.node_kind_is_supertype(id) {
                return Err(Unsupported);
            }
            Kind::Sym(id)
        };
        let mut n = leaf(kind);
        let mut immediate = false;
        loop {
            match self.peek() {
                b')' => {
                    if immediate {
                        let last = n.children.last_mut().ok_or(Unsupported)?;
                        last.last = true;
                    }
                    self.eat(b')')?;
                    break;
                }
                b'!' => {
                    self.i += 1;
                    self.skip();
                    let f = self.ident()?.to_string();
                    self.skip();
                    let id = self.lang.field_id_for_name(&f).ok_or(Unsupported)?;
                    n.negated.push(id.get());
                }
                b'.' => {
                    self.eat(b'.')?;
                    immediate = true;
                }
                b'(' if self.s.get(self.i + 1) == Some(&b'#') => {
                    if immediate {
                        return Err(Unsupported);
                    }
                    self.predicate_text()?;
                }
                0 => return Err(Unsupported),
                _ => {
                    let alts = self.pattern()?;
                    n.children.push(Step {
                        alts,
                        immediate,
                        last: false,
                    });
                    immediate = false;
                }
            }
        }
        n.forks = n.forks || !n.children.is_empty();
        Ok(n)
    }

    /// `(#name? args…)`, kept as written until the pattern's captures are all known.
    fn predicate_text(&mut self) -> R<()> {
        self.eat(b'(')?;
        if self.peek() != b'#' {
            return Err(Unsupported);
        }
        self.i += 1;
        let name = self.ident()?.to_string();
        self.skip();
        let mut args = Vec::new();
        loop {
            match self.peek() {
                b')' => {
                    self.eat(b')')?;
                    break;
                }
                b'@' => {
                    self.i += 1;
                    args.push(Ok(self.ident()?.to_string()));
                    self.skip();
                }
                b'"' => args.push(Err(self.string()?)),
                _ if self.ident_start() => {
                    let s = self.ident()?.as_bytes().to_vec();
                    self.skip();
                    args.push(Err(s));
                }
                _ => return Err(Unsupported),
            }
        }
        self.preds.push((name, args));
        Ok(())
    }

    /// A text predicate as tree-sitter's Rust binding reads it; others are left to tree-sitter.
    fn predicate(&self, (name, args): RawPred) -> R<Pred> {
        let cap = |a: &Result<String, Vec<u8>>| match a {
            Ok(n) => self
                .names
                .iter()
                .position(|x| x == n)
                .map(|i| i as u32)
                .ok_or(Unsupported),
            Err(_) => Err(Unsupported),
        };
        let (base, positive) = match name.as_str() {
            // The `any-` forms: left to tree-sitter (for one node each, its binding lets every
            // match through).
            "eq?" => ("eq", true),
            "not-eq?" => ("eq", false),
            "match?" => ("match", true),
            "not-match?" => ("match", false),
            "any-of?" => ("any-of", true),
            "not-any-of?" => ("any-of", false),
            _ => return Err(Unsupported),
        };
        let first = cap(args.first().ok_or(Unsupported)?)?;
        match base {
            "eq" | "match" if args.len() != 2 => Err(Unsupported),
            "eq" => match &args[1] {
                Ok(_) => Ok(Pred::EqCap(first, cap(&args[1])?, positive)),
                Err(s) => Ok(Pred::EqStr(first, s.clone().into(), positive)),
            },
            "match" => {
                let Err(re) = &args[1] else {
                    return Err(Unsupported);
                };
                let re = std::str::from_utf8(re).map_err(|_| Unsupported)?;
                let re = regex::bytes::Regex::new(re).map_err(|_| Unsupported)?;
                Ok(Pred::Match(first, re, positive))
            }
            _ => {
                let vals = args[1..]
                    .iter()
                    .map(|a| match a {
                        Err(s) => Ok(s.clone().into_boxed_slice()),
                        Ok(_) => Err(Unsupported),
                    })
                    .collect::<R<Vec<_>>>()?;
                Ok(Pred::AnyOf(first, vals, positive))
            }
        }
    }
}

/// Patterns nested deeper than this are left to tree-sitter (no rule comes close).
const MAX_DEPTH: u32 = 100;

fn leaf(kind: Kind) -> NodePat {
    NodePat {
        kind,
        field: None,
        caps: Vec::new(),
        negated: Vec::new(),
        children: Vec::new(),
        forks: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    /// Patterns shaped like the built-in rules'.
    const RULES_LIKE: &str = r#"; a comment
((call
   receiver: [(constant) (scope_resolution)] @model
   method: (identifier) @method
   !block
   arguments: (argument_list . (_) @first _ .)) @call
 (#any-of? @method "find" "find_by")
 (#not-eq? @model "Rails"))
(pair key: (hash_key_symbol) @key value: (_)) @pair
[(unless condition: (identifier) @var) (if) @var] @if
((identifier) @x (#match? @x "^t\\\"ok"))"#;

    fn ruby(q: &str) -> R<Patterns> {
        read(&Lang::Ruby.grammar(), q)
    }

    #[test]
    fn reads_what_the_rules_use() {
        let p = ruby(RULES_LIKE).unwrap();
        assert_eq!(p.patterns.len(), 4);
        assert_eq!(
            p.capture_names,
            ["model", "method", "first", "call", "key", "pair", "var", "if", "x"]
        );
        let call = &p.patterns[0];
        assert_eq!(call.root.len(), 1);
        assert_eq!(call.preds.len(), 2);
        let root = &call.root[0];
        assert_eq!(root.caps, [3]);
        assert_eq!(root.negated.len(), 1);
        let steps: Vec<_> = root.children.iter().map(|s| s.alts.len()).collect();
        assert_eq!(steps, [2, 1, 1]);
        let args = &root.children[2].alts[0].children;
        assert!(args[0].immediate && !args[0].last && args[0].alts[0].kind == Kind::Named);
        assert!(!args[1].immediate && args[1].last && args[1].alts[0].kind == Kind::Any);
        // A step with no captures and no children takes the first sibling that fits.
        assert!(!args[1].alts[0].forks && args[0].alts[0].forks);
        assert_eq!(p.patterns[2].root.len(), 2);
        assert!(p.patterns[2].root.iter().all(|n| n.caps.contains(&7)));
        let Pred::Match(_, re, true) = &p.patterns[3].preds[0] else {
            panic!()
        };
        assert_eq!(re.as_str(), "^t\\\"ok");
        assert_eq!(
            &text_at(&p, 1),
            "(pair key: (hash_key_symbol) @key value: (_)) @pair"
        );
    }

    fn text_at(p: &Patterns, i: usize) -> String {
        RULES_LIKE[p.patterns[i].range.clone()]
            .trim_end()
            .to_string()
    }

    /// Anything else goes to tree-sitter: quantifiers, sibling sequences, directives, the
    /// `any-` predicates, supertypes, unknown names, wildcard roots, deep nesting.
    #[test]
    fn leaves_the_rest_to_tree_sitter() {
        for q in [
            "(call (argument_list (integer)+ @n))",
            "(call (identifier)? @n)",
            "((comment) (method) @m)",
            "((call) @c (#set! kind \"x\"))",
            "((identifier) @a (#any-eq? @a \"x\"))",
            "((identifier) @a (#is? @a local))",
            "((identifier) @a (#eq? @b \"x\"))",
            "(no_such_node)",
            "(call nope: (identifier))",
            "(_ (identifier)) @x",
            "(ERROR) @e",
            "(call",
            "(call \"unterminated)",
        ] {
            assert!(ruby(q).is_err(), "{q}");
        }
        let deep = "(call ".repeat(500) + &")".repeat(500);
        assert!(ruby(&deep).is_err());
        let js = read(&Lang::JavaScript.grammar(), "(expression) @e");
        assert!(js.is_err(), "supertypes");
    }
}
