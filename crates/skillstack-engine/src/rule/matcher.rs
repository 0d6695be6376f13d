//! A rule matcher: a tree-sitter query plus conditions on its captures.
//!
//! ```toml
//! [[match]]
//! language = "js"                 # js (JS+TS+TSX), ts (TS+TSX), ruby, php
//! query = '''(call_expression function: (_) @fn arguments: (arguments . (_) @arg)) @call'''
//! report = "call"                 # the capture a finding points at (default: the first capture)
//! report-end = "args"             # optional: the finding spans from `report` to the end of this capture
//! paths = ["**/next.config.*"]    # optional: only files whose path matches one of these globs
//! exclude-paths = ["**/*.test.*"] # optional: never files matching these
//! confidence = "high"             # optional: overrides the rule's confidence for this matcher
//!
//! [[match.where]]                 # every condition must hold
//! capture = "arg"
//! value = "binding-name"          # what to test (default: the capture's text); see predicates
//! regex = "(?i)token"             # the value must match ...
//! not-regex = "(?i)expires"       # ... and must not match
//! is = "interpolated-unsafely"    # a boolean predicate that must hold (`is-not`: must not)
//! bind = "name"                   # makes the value available to the message as `{name}`
//! related = "the id comes from the request here"  # a related location (SARIF relatedLocations):
//!                                 # where the value came from — see [`ValueFn::origin`]; the
//!                                 # text may use placeholders. An `entry-point` value with a
//!                                 # `bind` adds one by itself, at the entry point's function.
//!
//! [[match.confidence-when]]       # optional, first that holds wins: a different confidence
//! capture = "sql"                 # for hits where this condition also holds (same keys as
//! is = "contains-request-input"   # `where`, plus `confidence`)
//! confidence = "high"
//! ```
//!
//! Tree-sitter's own `#eq?`, `#match?` and `#any-of?` predicates work inside queries too.

use std::ops::Range;

use globset::{Glob, GlobSet, GlobSetBuilder};
use tree_sitter::{Node, Query, QueryCapture, QueryErrorKind};

use super::lazyre::LazyRegex;
use super::prefilter::{Groups, Lit};
use super::Confidence;
use crate::lang::{Lang, LangFamily};
use crate::predicates::{BoolPredicate, PredCtx, ValueFn};

/// A matcher as written in the rule file, each value with its byte span in the file.
pub struct MatcherSpec {
    pub language: (String, Range<usize>),
    pub query: (String, Range<usize>),
    /// Where the query text itself starts in the file, when it can be mapped exactly.
    pub query_content_start: Option<usize>,
    pub report: Option<(String, Range<usize>)>,
    pub report_end: Option<(String, Range<usize>)>,
    pub paths: Vec<(String, Range<usize>)>,
    pub exclude_paths: Vec<(String, Range<usize>)>,
    pub confidence: Option<Confidence>,
    /// This matcher's own message template, replacing the rule's.
    pub message: Option<String>,
    pub conditions: Vec<WhereSpec>,
    pub confidence_when: Vec<(WhereSpec, Confidence)>,
}

/// One `[[match.where]]` entry as written.
pub struct WhereSpec {
    pub capture: (String, Range<usize>),
    pub value: Option<(String, Range<usize>)>,
    pub regex: Option<(String, Range<usize>)>,
    pub not_regex: Option<(String, Range<usize>)>,
    pub is: Option<(String, Range<usize>)>,
    pub is_not: Option<(String, Range<usize>)>,
    pub bind: Option<(String, Range<usize>)>,
    pub related: Option<(String, Range<usize>)>,
}

/// Why a matcher did not compile, with the span in the rule file.
pub struct CompileError {
    pub message: String,
    pub span: Range<usize>,
    pub label: String,
    pub help: Option<String>,
}

fn cerr(span: &Range<usize>, message: String, label: &str, help: Option<&str>) -> CompileError {
    CompileError {
        message,
        span: span.clone(),
        label: label.to_string(),
        help: help.map(str::to_string),
    }
}

#[derive(Debug)]
struct Condition {
    capture: String,
    value: ValueFn,
    regex: Option<LazyRegex>,
    not_regex: Option<LazyRegex>,
    is: Option<(BoolPredicate, bool)>,
    bind: Option<String>,
    /// The message of a related location at where the value came from.
    related: Option<String>,
}

/// Where a matcher's captures sit in the compiled query that runs it (several matchers share
/// one query per grammar, so capture indices are the query's, not the matcher's).
#[derive(Debug)]
pub(crate) struct Slots {
    pub report: u32,
    pub report_end: Option<u32>,
    /// Capture index for each condition, in condition order.
    pub conditions: Vec<u32>,
    /// Capture index for each `confidence-when` condition.
    pub confidence: Vec<u32>,
    /// The query's index for each of the matcher's own capture names, in the matcher's order.
    pub captures: Vec<Option<u32>>,
}

/// A compiled matcher. Cheap to share across threads. Its query is not kept compiled here: the
/// rule set compiles the queries of all its matchers for one grammar into one query, when a file
/// of that grammar first needs it (see [`super::plan`]).
#[derive(Debug)]
pub struct Matcher {
    pub family: LangFamily,
    /// The query as written in the rule file.
    pub(crate) query: String,
    report: String,
    report_end: Option<String>,
    conditions: Vec<Condition>,
    confidence_when: Vec<(Condition, Confidence)>,
    capture_names: Vec<String>,
    paths: Option<GlobSet>,
    exclude_paths: Option<GlobSet>,
    pub confidence: Option<Confidence>,
    /// Replaces the rule's message for this matcher's findings (a rule that finds one problem
    /// in several shapes, e.g. a framework setting and a hand-written handler).
    pub message: Option<String>,
}

/// One match of a matcher in a file: where to report, and the values for the message.
#[derive(Clone, Debug)]
pub struct Hit {
    pub byte_range: Range<usize>,
    pub start: tree_sitter::Point,
    pub end: tree_sitter::Point,
    /// `(name, value)` for every capture and every bound value.
    pub vars: Vec<(String, String)>,
    pub confidence: Option<Confidence>,
    /// The matcher's own message template, when it has one.
    pub message: Option<String>,
    /// Other places involved (where the id came from, the entry point), in condition order.
    pub related: Vec<RelatedHit>,
}

/// A related location of a hit: a place in the same file and what it is, as a message template.
#[derive(Clone, Debug)]
pub struct RelatedHit {
    pub byte_range: Range<usize>,
    pub message: String,
}

impl Matcher {
    /// Compiles a matcher, checking that its query compiles for every grammar of its language
    /// family (rule files from disk: a mistake is an error that points into the query).
    pub fn compile(spec: MatcherSpec) -> Result<Matcher, CompileError> {
        Matcher::build(spec, true)
    }

    /// Compiles a matcher whose query is known to compile (the built-in rules, which the test
    /// suite compiles for every grammar): the tree-sitter compilation, most of startup, is left
    /// to the first file that needs the grammar. Every other check still runs.
    pub fn compile_trusted(spec: MatcherSpec) -> Result<Matcher, CompileError> {
        Matcher::build(spec, false)
    }

    fn build(spec: MatcherSpec, check_query: bool) -> Result<Matcher, CompileError> {
        let (lang_name, lang_span) = &spec.language;
        let family = LangFamily::parse(lang_name).ok_or_else(|| {
            cerr(
                lang_span,
                format!("unknown language `{lang_name}`"),
                "unknown language",
                Some("use js, ts, ruby or php"),
            )
        })?;
        let (query_text, query_span) = &spec.query;

        if let Some(off) = top_level_predicate(query_text) {
            let span = match spec.query_content_start {
                Some(start) => start + off..start + off + 2,
                None => query_span.clone(),
            };
            return Err(cerr(
                &span,
                "a predicate stands outside the pattern it should filter, so tree-sitter ignores it".into(),
                "top-level predicate",
                Some("wrap the pattern and its predicates in one more pair of parentheses: ((call_expression) @c (#eq? @c \"x\"))"),
            ));
        }

        let mut capture_names: Vec<String> = Vec::new();
        let checked: &[Lang] = if check_query { family.langs() } else { &[] };
        for &lang in checked {
            let query = Query::new(&lang.grammar(), query_text).map_err(|e| {
                let len = match e.kind {
                    QueryErrorKind::NodeType | QueryErrorKind::Field | QueryErrorKind::Capture => e.message.len().max(1),
                    _ => 1,
                };
                let span = match spec.query_content_start {
                    Some(start) => start + e.offset..start + e.offset + len,
                    None => query_span.clone(),
                };
                let what = match e.kind {
                    QueryErrorKind::NodeType => format!("unknown node type `{}`", e.message),
                    QueryErrorKind::Field => format!("unknown field `{}`", e.message),
                    QueryErrorKind::Capture => format!("unknown capture `@{}`", e.message),
                    QueryErrorKind::Predicate => format!("bad predicate: {}", e.message),
                    QueryErrorKind::Structure => "impossible pattern: this node cannot appear there".to_string(),
                    QueryErrorKind::Syntax => "query syntax error".to_string(),
                    QueryErrorKind::Language => format!("language error: {}", e.message),
                };
                cerr(
                    &span,
                    format!("the query does not compile for the {} grammar: {what}", lang.name()),
                    "here",
                    Some(if family == LangFamily::Js {
                        "queries with language = \"js\" must compile for JavaScript, TypeScript and TSX; use language = \"ts\" for TypeScript-only syntax"
                    } else {
                        "check the node and field names in the grammar's node-types.json (or `tree-sitter parse` a sample)"
                    }),
                )
            })?;
            if capture_names.is_empty() {
                capture_names = query
                    .capture_names()
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
            }
        }
        if !check_query {
            capture_names = capture_names_in(query_text);
        }
        if capture_names.is_empty() {
            return Err(cerr(
                query_span,
                "the query has no capture".into(),
                "no @capture",
                Some("capture the node to report, e.g. `(call_expression) @call`"),
            ));
        }

        let report_name = match &spec.report {
            Some((name, span)) => {
                if !capture_names.contains(name) {
                    return Err(unknown_capture(name, span, &capture_names));
                }
                name.clone()
            }
            None => capture_names[0].clone(),
        };

        let report_end_name = match &spec.report_end {
            Some((name, span)) => {
                if !capture_names.contains(name) {
                    return Err(unknown_capture(name, span, &capture_names));
                }
                Some(name.clone())
            }
            None => None,
        };

        let mut conditions = Vec::new();
        for w in &spec.conditions {
            conditions.push(compile_condition(w, &capture_names, check_query)?);
        }
        let mut confidence_when = Vec::new();
        for (w, c) in &spec.confidence_when {
            confidence_when.push((compile_condition(w, &capture_names, check_query)?, *c));
        }

        Ok(Matcher {
            family,
            query: query_text.clone(),
            report: report_name,
            report_end: report_end_name,
            conditions,
            confidence_when,
            capture_names,
            paths: compile_globs(&spec.paths)?,
            exclude_paths: compile_globs(&spec.exclude_paths)?,
            confidence: spec.confidence,
            message: spec.message,
        })
    }

    /// The query's capture names, in tree-sitter's order.
    pub fn capture_names(&self) -> &[String] {
        &self.capture_names
    }

    /// Names a message may use: every capture and every `bind`.
    pub fn placeholder_names(&self) -> Vec<String> {
        let mut names = self.capture_names.clone();
        names.extend(self.conditions.iter().filter_map(|c| c.bind.clone()));
        names
    }

    /// Does this matcher run on a file at this (slash-separated, root-relative) path?
    pub fn applies_to_path(&self, rel: &globset::Candidate) -> bool {
        self.paths
            .as_ref()
            .is_none_or(|g| g.is_match_candidate(rel))
            && !self
                .exclude_paths
                .as_ref()
                .is_some_and(|g| g.is_match_candidate(rel))
    }

    /// Does this matcher run on files of this grammar?
    pub fn supports(&self, lang: Lang) -> bool {
        self.family.langs().contains(&lang)
    }

    /// Literal groups every hit needs in the file's text: from `where` regexes on a value that
    /// is the text of one node of the file — a capture's own, its enclosing class's, a local
    /// variable's definition, a bound value — and from `is` predicates that need some syntax
    /// ([`BoolPredicate::required_literals`]). A hit needs every condition.
    pub(crate) fn condition_literals(&self, lang: Lang) -> Groups {
        let regexes = self
            .conditions
            .iter()
            .filter(|c| {
                matches!(
                    c.value,
                    ValueFn::Text
                        | ValueFn::EnclosingClass
                        | ValueFn::LocalValue
                        | ValueFn::BindingValue
                )
            })
            .filter_map(|c| super::prefilter::regex_literals(c.regex.as_ref()?.as_str()));
        let predicates = self.conditions.iter().filter_map(|c| match c.is {
            Some((pred, true)) => pred
                .required_literals(lang)
                .map(|l| l.iter().map(|s| s.to_string()).collect()),
            _ => None,
        });
        regexes
            .chain(predicates)
            .map(|g: Vec<String>| g.into_iter().map(Lit::plain).collect())
            .collect()
    }

    /// Where this matcher's captures are in `query`, a compiled query that contains its patterns.
    pub(crate) fn slots(&self, query: &Query) -> Slots {
        self.slots_by(&|n| query.capture_index_for_name(n))
    }

    /// Where this matcher's captures are, given each capture name's index.
    pub(crate) fn slots_by(&self, index: &dyn Fn(&str) -> Option<u32>) -> Slots {
        // Names were validated at load. A query of only some of the matcher's patterns may lack
        // a capture: no match then has it, as no match of the other patterns did.
        let idx = |n: &str| index(n).unwrap_or(u32::MAX);
        Slots {
            report: idx(&self.report),
            report_end: self.report_end.as_deref().map(idx),
            conditions: self.conditions.iter().map(|c| idx(&c.capture)).collect(),
            confidence: self
                .confidence_when
                .iter()
                .map(|(c, _)| idx(&c.capture))
                .collect(),
            captures: self.capture_names.iter().map(|n| index(n)).collect(),
        }
    }

    /// Turns the captures of one match of this matcher's patterns into a hit, if its conditions
    /// hold.
    pub(crate) fn hit(
        &self,
        slots: &Slots,
        captures: &[QueryCapture],
        ctx: &PredCtx,
    ) -> Option<Hit> {
        let src = ctx.src;
        let node_for = |idx: u32| captures.iter().find(|c| c.index == idx).map(|c| c.node);
        let report = node_for(slots.report)?;
        let mut vars: Vec<(String, String)> = Vec::new();
        let mut related: Vec<RelatedHit> = Vec::new();
        for (cond, &idx) in self.conditions.iter().zip(&slots.conditions) {
            let node = node_for(idx)?;
            let bound = eval_condition(cond, node, ctx)?;
            // An entry point the rule names is worth pointing at, when there is one.
            let automatic = match (&cond.bind, &bound) {
                (Some(name), Some(v)) if cond.value == ValueFn::EntryPoint && !v.is_empty() => {
                    Some(format!("entry point: {{{name}}}"))
                }
                _ => None,
            };
            if let Some(message) = cond.related.clone().or(automatic) {
                let byte_range = match cond.is {
                    Some((pred, true)) => pred.origin(node, ctx).map(|n| n.byte_range()),
                    _ => None,
                }
                .unwrap_or_else(|| cond.value.origin(node, ctx));
                if !related.iter().any(|r| r.byte_range == byte_range) {
                    related.push(RelatedHit {
                        byte_range,
                        message,
                    });
                }
            }
            if let (Some(name), Some(v)) = (&cond.bind, bound) {
                vars.push((name.clone(), v));
            }
        }
        let mut confidence = self.confidence;
        for ((cond, c), &idx) in self.confidence_when.iter().zip(&slots.confidence) {
            if node_for(idx).is_some_and(|node| eval_condition(cond, node, ctx).is_some()) {
                confidence = Some(*c);
                break;
            }
        }
        for (name, idx) in self.capture_names.iter().zip(&slots.captures) {
            if let Some(node) = idx.and_then(node_for) {
                vars.push((name.clone(), text(node, src).to_string()));
            }
        }
        let end = slots
            .report_end
            .and_then(node_for)
            .filter(|e| e.end_byte() > report.start_byte())
            .unwrap_or(report);
        Some(Hit {
            byte_range: report.start_byte()..end.end_byte(),
            start: report.start_position(),
            end: end.end_position(),
            vars,
            confidence,
            message: self.message.clone(),
            related,
        })
    }
}

/// The capture names of a query in the order tree-sitter numbers them (first appearance), read
/// from its text: `@name` outside strings and `;` comments.
pub(crate) fn capture_names_in(query: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut chars = query.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ';' => {
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => {
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '@' => {
                let rest = &query[i + 1..];
                let len = rest
                    .find(|c: char| {
                        !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '?' | '!'))
                    })
                    .unwrap_or(rest.len());
                let name = &rest[..len];
                if !name.is_empty() && !names.iter().any(|n| n == name) {
                    names.push(name.to_string());
                }
            }
            _ => {}
        }
    }
    names
}

/// `eager`: compile the regexes now (rule files from disk), not on first use (built-in rules).
fn compile_condition(
    w: &WhereSpec,
    capture_names: &[String],
    eager: bool,
) -> Result<Condition, CompileError> {
    let (cap, cap_span) = &w.capture;
    if !capture_names.contains(cap) {
        return Err(unknown_capture(cap, cap_span, capture_names));
    }
    let value = match &w.value {
        None => ValueFn::Text,
        Some((name, span)) => ValueFn::parse(name).ok_or_else(|| {
            cerr(
                span,
                format!("unknown value `{name}`"),
                "unknown value",
                Some(&format!("use one of: {}", ValueFn::NAMES.join(", "))),
            )
        })?,
    };
    let regex = compile_regex(&w.regex, eager)?;
    let not_regex = compile_regex(&w.not_regex, eager)?;
    let pred = |p: &Option<(String, Range<usize>)>| -> Result<Option<BoolPredicate>, CompileError> {
        match p {
            None => Ok(None),
            Some((name, span)) => BoolPredicate::parse(name).map(Some).ok_or_else(|| {
                cerr(
                    span,
                    format!("unknown predicate `{name}`"),
                    "unknown predicate",
                    Some(&format!("use one of: {}", BoolPredicate::NAMES.join(", "))),
                )
            }),
        }
    };
    let is = match (pred(&w.is)?, pred(&w.is_not)?) {
        (Some(_), Some(_)) => {
            return Err(cerr(
                cap_span,
                "a condition has both `is` and `is-not`".into(),
                "this condition",
                Some("split it into two conditions"),
            ))
        }
        (Some(p), None) => Some((p, true)),
        (None, Some(p)) => Some((p, false)),
        (None, None) => None,
    };
    if regex.is_none() && not_regex.is_none() && is.is_none() && w.bind.is_none() {
        return Err(cerr(
            cap_span,
            format!("the condition on `{cap}` tests nothing"),
            "this condition",
            Some("add `regex`, `not-regex`, `is`, `is-not` or `bind`"),
        ));
    }
    Ok(Condition {
        capture: cap.clone(),
        value,
        regex,
        not_regex,
        is,
        bind: w.bind.as_ref().map(|b| b.0.clone()),
        related: w.related.as_ref().map(|r| r.0.clone()),
    })
}

/// Evaluates one condition: `None` when it fails, `Some(bound value)` when it holds.
fn eval_condition(cond: &Condition, node: Node, ctx: &PredCtx) -> Option<Option<String>> {
    let value = cond.value.eval(node, ctx);
    if let Some(re) = &cond.regex {
        if !re.is_match(&value) {
            return None;
        }
    }
    if let Some(re) = &cond.not_regex {
        if re.is_match(&value) {
            return None;
        }
    }
    if let Some((pred, expected)) = cond.is {
        if pred.eval(node, ctx) != expected {
            return None;
        }
    }
    Some(cond.bind.as_ref().map(|_| value))
}

pub(crate) fn text<'s>(node: Node, src: &'s str) -> &'s str {
    src.get(node.byte_range()).unwrap_or("")
}

/// The offset of a predicate (`(#…`) written at the top level of a query, outside any pattern.
/// Tree-sitter accepts it silently and never applies it, so a rule would match far too much.
fn top_level_predicate(query: &str) -> Option<usize> {
    let bytes = query.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b';' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' => {
                if depth == 0 && bytes[i] == b'(' {
                    let rest = query[i + 1..].trim_start();
                    if rest.starts_with('#') {
                        return Some(i);
                    }
                }
                depth += 1;
            }
            b')' | b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn unknown_capture(name: &str, span: &Range<usize>, known: &[String]) -> CompileError {
    cerr(
        span,
        format!("the query has no capture `@{name}`"),
        "unknown capture",
        Some(&format!(
            "captures in this query: {}",
            known
                .iter()
                .map(|n| format!("@{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    )
}

fn compile_regex(
    r: &Option<(String, Range<usize>)>,
    eager: bool,
) -> Result<Option<LazyRegex>, CompileError> {
    match r {
        None => Ok(None),
        Some((pat, _)) if !eager => Ok(Some(LazyRegex::deferred(pat))),
        // Should the ASCII spelling not compile (none of the rewrites can make a valid pattern
        // invalid), the pattern as written is used: its error, if any, quotes the rule's text.
        Some((pat, span)) => LazyRegex::eager(pat).map(Some).map_err(|e| {
            cerr(
                span,
                format!(
                    "invalid regex: {}",
                    e.to_string().lines().last().unwrap_or("")
                ),
                "invalid regex",
                Some("regexes use Rust `regex` syntax (no look-around or back-references)"),
            )
        }),
    }
}

fn compile_globs(globs: &[(String, Range<usize>)]) -> Result<Option<GlobSet>, CompileError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for (g, span) in globs {
        b.add(
            Glob::new(g)
                .map_err(|e| cerr(span, format!("invalid glob: {e}"), "invalid glob", None))?,
        );
    }
    b.build()
        .map(Some)
        .map_err(|e| cerr(&globs[0].1, format!("invalid globs: {e}"), "here", None))
}
