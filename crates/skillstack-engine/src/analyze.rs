//! Analysing one file: read, parse, run the active rules' matchers, apply suppressions.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tree_sitter::{Parser, Tree};

use crate::detect::Framework;
use crate::discover::{describe_io, SkipReason, MINIFIED_LINE_LEN};
use crate::finding::{fingerprint, Finding, Position, Related};
use crate::lang::Lang;
use crate::predicates::enclosing_function;
use crate::rule::matcher::Hit;
use crate::rule::meta::{is_meta, INVALID_SUPPRESSION, UNUSED_SUPPRESSION};
use crate::rule::{Confidence, Rule, RuleSet, Severity};
use crate::suppress::{directives, MARKER};

/// The rules to run and how to treat their findings, shared by every file of an audit.
pub struct Selection<'r> {
    /// Every loaded rule (suppressions may name any of them).
    pub all: &'r RuleSet,
    /// The selected rules, sorted by id.
    pub active: Vec<&'r Rule>,
    pub min_confidence: Confidence,
    pub severity_overrides: BTreeMap<String, Severity>,
}

impl<'r> Selection<'r> {
    fn is_active(&self, id: &str) -> bool {
        self.active.iter().any(|r| r.id == id)
    }

    fn severity(&self, rule: &Rule) -> Severity {
        self.severity_overrides
            .get(&rule.id)
            .copied()
            .unwrap_or(rule.severity)
    }
}

/// What one file's analysis produced.
#[derive(Debug, Default)]
pub struct FileAnalysis {
    pub findings: Vec<Finding>,
    /// Findings silenced by inline suppressions.
    pub suppressed: usize,
    /// Findings below the minimum confidence (not reported).
    pub below_confidence: usize,
    /// Tree-sitter found syntax errors (the file was still analysed).
    pub parse_error: bool,
    /// The source text, kept only when there are findings (the human report shows code frames).
    pub source: Option<Arc<str>>,
    pub skipped: Option<SkipReason>,
    /// Could not be read.
    pub error: Option<String>,
}

/// Where a file sits: how it is shown, how path globs see it, its language and framework.
pub struct FileContext<'a> {
    /// The path shown in output (relative to the working directory when possible, `/`-separated).
    pub display: &'a str,
    /// The path relative to the project root (the git repository, else the working directory):
    /// what `paths` globs are tested against and fingerprints hash, so both are the same
    /// whichever directory skillstack runs from.
    pub rel: &'a str,
    pub lang: Lang,
    pub framework: Option<Framework>,
    /// The file on disk (absolute), when there is one.
    pub file: Option<&'a Path>,
    /// Project-wide facts for framework-aware predicates.
    pub project: Option<&'a crate::model::ProjectModel>,
}

thread_local! {
    static PARSERS: RefCell<HashMap<Lang, Parser>> = RefCell::new(HashMap::new());
}

/// Reads a file from disk and analyses it. Binary, minified and unreadable files are reported
/// as skipped or errored, never analysed.
pub fn analyze_path(
    path: &Path,
    ctx: &FileContext,
    sel: &Selection,
    budget: Duration,
) -> FileAnalysis {
    let bytes = match read_checked(path) {
        Ok(b) => b,
        Err(skip_or_error) => return skip_or_error,
    };
    analyze_bytes(path, &bytes, ctx, sel, budget)
}

/// Analyses a file's contents, already read and checked by [`read_checked`].
pub fn analyze_bytes(
    path: &Path,
    bytes: &[u8],
    ctx: &FileContext,
    sel: &Selection,
    budget: Duration,
) -> FileAnalysis {
    // Debug builds only: lets the test suite prove that a panic in one file's analysis is
    // caught, reported and does not stop the run.
    #[cfg(debug_assertions)]
    if std::env::var_os("SKILLSTACK_DEBUG_PANIC_ON")
        .is_some_and(|name| path.file_name() == Some(name.as_os_str()))
    {
        panic!(
            "SKILLSTACK_DEBUG_PANIC_ON: deliberate panic while analysing {}",
            path.display()
        );
    }
    #[cfg(not(debug_assertions))]
    let _ = path;
    analyze_source(&decode(bytes), ctx, sel, budget)
}

/// A file's text: invalid UTF-8 is decoded with replacement characters (the rest of the file is
/// still worth auditing) and a byte-order mark is dropped. Borrows when the bytes are valid.
pub fn decode(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    let text = String::from_utf8_lossy(bytes);
    match text {
        std::borrow::Cow::Borrowed(t) => {
            std::borrow::Cow::Borrowed(t.strip_prefix('\u{feff}').unwrap_or(t))
        }
        std::borrow::Cow::Owned(t) => match t.strip_prefix('\u{feff}') {
            Some(rest) => std::borrow::Cow::Owned(rest.to_string()),
            None => std::borrow::Cow::Owned(t),
        },
    }
}

/// Reads a file and rejects what is never analysed: unreadable (an error), binary or minified
/// (skipped). The rejection is returned as the file's whole analysis.
pub fn read_checked(path: &Path) -> Result<Vec<u8>, FileAnalysis> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Err(FileAnalysis {
                error: Some(format!("cannot read: {}", describe_io(&e))),
                ..Default::default()
            })
        }
    };
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(FileAnalysis {
            skipped: Some(SkipReason::Binary),
            ..Default::default()
        });
    }
    if bytes
        .split(|&b| b == b'\n')
        .any(|l| l.len() > MINIFIED_LINE_LEN)
    {
        return Err(FileAnalysis {
            skipped: Some(SkipReason::Minified),
            ..Default::default()
        });
    }
    Ok(bytes)
}

/// The benchmark floor (`audit --parse-only`): read, check and parse a file exactly as
/// [`analyze_path`] does, then stop — no rules, no suppressions, no findings.
pub fn parse_path(path: &Path, lang: Lang, budget: Duration) -> FileAnalysis {
    let bytes = match read_checked(path) {
        Ok(b) => b,
        Err(skip_or_error) => return skip_or_error,
    };
    match parse(lang, &decode(&bytes), budget) {
        Some(tree) => FileAnalysis {
            parse_error: tree.root_node().has_error(),
            ..Default::default()
        },
        None => FileAnalysis {
            skipped: Some(SkipReason::Timeout),
            ..Default::default()
        },
    }
}

/// Parses `src` with the thread's parser for `lang`, within a time budget. `None` when the budget ran out.
pub fn parse(lang: Lang, src: &str, budget: Duration) -> Option<Tree> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let parser = parsers.entry(lang).or_insert_with(|| {
            let mut p = Parser::new();
            // The grammars are compiled into the binary with a matching ABI; failure is a build bug.
            p.set_language(&lang.grammar())
                .expect("grammar ABI matches the tree-sitter runtime");
            p
        });
        let start = Instant::now();
        let mut over_budget = |_: &tree_sitter::ParseState| start.elapsed() > budget;
        let bytes = src.as_bytes();
        let len = bytes.len();
        let tree = parser.parse_with_options(
            &mut |i, _| if i < len { &bytes[i..] } else { &[] },
            None,
            Some(tree_sitter::ParseOptions::new().progress_callback(&mut over_budget)),
        );
        if tree.is_none() {
            parser.reset();
        }
        tree
    })
}

/// Analyses source text that is already in memory.
pub fn analyze_source(
    src: &str,
    ctx: &FileContext,
    sel: &Selection,
    budget: Duration,
) -> FileAnalysis {
    let mut out = FileAnalysis::default();
    // The budget covers parsing and the query walk together.
    let deadline = Instant::now() + budget;

    // 1. Which matchers apply to this file, by (rule index, matcher index) in `sel.all`.
    struct Raw<'r> {
        rule: &'r Rule,
        hit: Hit,
    }
    let active: Vec<(usize, &Rule)> = sel
        .active
        .iter()
        .filter(|r| !r.matchers.is_empty() && r.applies_to_framework(ctx.framework))
        .filter_map(|r| Some((sel.all.position(&r.id)?, *r)))
        .collect();
    let mut wanted: Vec<Vec<bool>> = sel.all.iter().map(|_| Vec::new()).collect();
    // The path as globs see it, prepared once for every matcher's globs.
    let rel = globset::Candidate::new(ctx.rel);
    for (ri, rule) in &active {
        wanted[*ri] = rule
            .matchers
            .iter()
            .map(|m| m.supports(ctx.lang) && m.applies_to_path(&rel))
            .collect();
    }
    let is_wanted = |ri: usize, mi: usize| wanted[ri].get(mi).copied().unwrap_or(false);
    let chosen = wanted
        .iter()
        .flatten()
        .any(|w| *w)
        .then(|| sel.all.select_patterns(ctx.lang, src, &is_wanted));
    // A file no pattern can match and with no suppression comment has nothing to report: it is
    // not parsed (its syntax errors, if any, cannot hide a finding).
    if chosen.as_ref().is_none_or(|c| c.is_empty()) && !src.contains(MARKER) {
        return out;
    }

    // 2. Parse, and run the chosen patterns.
    let Some(tree) = parse(ctx.lang, src, budget) else {
        out.skipped = Some(SkipReason::Timeout);
        return out;
    };
    out.parse_error = tree.root_node().has_error();
    let mut per_matcher: Vec<Vec<Vec<Hit>>> = wanted
        .iter()
        .map(|w| w.iter().map(|_| Vec::new()).collect())
        .collect();
    if let Some(chosen) = chosen.filter(|c| !c.is_empty()) {
        let pctx = crate::predicates::PredCtx {
            lang: ctx.lang,
            src,
            file: ctx.file,
            project: ctx.project,
        };
        if !sel.all.run_selected(
            &chosen,
            &pctx,
            &tree,
            &is_wanted,
            &mut per_matcher,
            deadline,
        ) {
            // Partial matches would make the findings depend on the machine's speed.
            out.skipped = Some(SkipReason::Timeout);
            return out;
        }
    }
    let mut raw: Vec<Raw> = Vec::new();
    for (ri, rule) in active {
        // Matcher by matcher, each in its own match order: what running them one by one gave.
        let mut hits: Vec<Hit> = std::mem::take(&mut per_matcher[ri])
            .into_iter()
            .flatten()
            .collect();
        // Several patterns may match the same place, or a node inside another match (`rand` in
        // `rand(10)`): one finding per place, the outermost.
        hits.sort_by_key(|h| (h.byte_range.start, std::cmp::Reverse(h.byte_range.end)));
        let mut kept: Vec<Hit> = Vec::new();
        for h in hits {
            if !kept.iter().any(|k| {
                k.byte_range.start <= h.byte_range.start && h.byte_range.end <= k.byte_range.end
            }) {
                kept.push(h);
            }
        }
        raw.extend(kept.into_iter().map(|hit| Raw { rule, hit }));
    }

    // 3. Suppressions apply before the confidence filter, so that whether a suppression is
    //    "used" does not depend on --min-confidence.
    let dirs = directives(&tree, src);
    let mut used: Vec<Vec<bool>> = dirs.iter().map(|d| vec![false; d.ids.len()]).collect();
    let mut findings = Vec::new();
    let mut seen: HashMap<(String, Option<String>, String), usize> = HashMap::new();
    for Raw { rule, hit } in raw {
        let line = hit.start.row + 1;
        let mut suppressed = false;
        for (d, flags) in dirs.iter().zip(used.iter_mut()) {
            if d.covers(&rule.id, line) {
                for (i, id) in d.ids.iter().enumerate() {
                    if id == &rule.id {
                        flags[i] = true;
                    }
                }
                suppressed = true;
            }
        }
        if suppressed {
            out.suppressed += 1;
            continue;
        }
        let confidence = hit.confidence.unwrap_or(rule.confidence);
        if confidence < sel.min_confidence {
            out.below_confidence += 1;
            continue;
        }
        let symbol = symbol_at(&tree, hit.byte_range.clone(), ctx.lang, src);
        // The whole lines of the match: two matches of the same call (`Math.random()`) on
        // different lines must not share a fingerprint.
        let matched = whole_lines(src, hit.byte_range.clone());
        let key = (
            rule.id.clone(),
            symbol.clone(),
            matched.split_whitespace().collect::<Vec<_>>().join(" "),
        );
        let occurrence = {
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            *n - 1
        };
        findings.push(Finding {
            rule_id: rule.id.clone(),
            severity: sel.severity(rule),
            confidence,
            path: ctx.display.to_string(),
            start: Position::of_byte(src, hit.byte_range.start),
            end: Position::of_byte(src, hit.byte_range.end),
            byte_range: hit.byte_range.clone(),
            message: fill(hit.message.as_deref().unwrap_or(&rule.message), &hit.vars),
            fix_prompt: prompt_for(&rule.prompt, ctx.display, line, &hit.vars),
            fingerprint: fingerprint(&rule.id, ctx.rel, symbol.as_deref(), matched, occurrence),
            symbol,
            entry: entry_of(&hit.vars),
            framework: ctx.framework,
            related: hit
                .related
                .iter()
                // Pointing inside the finding itself adds nothing.
                .filter(|r| {
                    r.byte_range.start < hit.byte_range.start
                        || r.byte_range.end > hit.byte_range.end
                })
                .map(|r| Related {
                    start: Position::of_byte(src, r.byte_range.start),
                    end: Position::of_byte(src, r.byte_range.end),
                    byte_range: r.byte_range.clone(),
                    message: fill(&r.message, &hit.vars),
                })
                .collect(),
        });
    }

    // 4. Suppression hygiene: malformed directives, unknown rules, suppressions that matched nothing.
    for (d_index, (d, flags)) in dirs.iter().zip(&used).enumerate() {
        let mut report = |rule_id: &str, vars: Vec<(String, String)>| {
            let Some(rule) = sel.all.get(rule_id) else {
                return;
            };
            if !sel.is_active(rule_id) {
                return;
            }
            let matched = src.get(d.byte_range.clone()).unwrap_or("");
            findings.push(Finding {
                rule_id: rule_id.to_string(),
                severity: sel.severity(rule),
                confidence: rule.confidence,
                path: ctx.display.to_string(),
                start: d.start,
                end: d.end,
                byte_range: d.byte_range.clone(),
                message: fill(&rule.message, &vars),
                fix_prompt: prompt_for(&rule.prompt, ctx.display, d.start.line, &vars),
                fingerprint: fingerprint(rule_id, ctx.rel, None, matched, d_index),
                symbol: None,
                entry: None,
                framework: ctx.framework,
                related: Vec::new(),
            });
        };
        if let Some(problem) = &d.problem {
            report(
                INVALID_SUPPRESSION,
                vec![("problem".into(), problem.clone())],
            );
        }
        for (id, was_used) in d.ids.iter().zip(flags) {
            if !sel.all.contains(id) {
                report(INVALID_SUPPRESSION, vec![(
                    "problem".into(),
                    format!("`skillstack-ignore[{id}]` names no known rule (`skillstack rules` lists them)"),
                )]);
            } else if !was_used && !is_meta(id) && sel.is_active(id) {
                report(UNUSED_SUPPRESSION, vec![("rule".into(), id.clone())]);
            }
        }
    }

    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // The same rule twice on one line (`Math.random() + Math.random()`) is one thing to fix.
    findings.dedup_by(|b, a| a.rule_id == b.rule_id && a.start.line == b.start.line);
    if !findings.is_empty() {
        out.source = Some(Arc::from(src));
    }
    out.findings = findings;
    out
}

/// The complete source lines a byte range touches.
fn whole_lines(src: &str, range: std::ops::Range<usize>) -> &str {
    let start = src
        .get(..range.start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = src
        .get(range.end..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| range.end + i);
    src.get(start..end).unwrap_or("")
}

/// The innermost named function, method or class around a byte range (for fingerprints and messages).
fn symbol_at(tree: &Tree, range: std::ops::Range<usize>, lang: Lang, src: &str) -> Option<String> {
    let node = tree
        .root_node()
        .descendant_for_byte_range(range.start, range.end)?;
    enclosing_function(node, lang, src)
}

/// The entry point a rule bound as `entry`, when it names one.
fn entry_of(vars: &[(String, String)]) -> Option<String> {
    vars.iter()
        .find(|(name, value)| name == "entry" && !value.trim().is_empty())
        .map(|(_, value)| shorten(value))
}

/// The rule's fix prompt for one place: `{path}`, `{line}` and the message's placeholders filled.
/// The path is filled in whole (not shortened like quoted code): a cut path points nowhere.
fn prompt_for(template: &str, path: &str, line: usize, vars: &[(String, String)]) -> String {
    fill(template, vars)
        .replace("{path}", path)
        .replace("{line}", &line.to_string())
}

/// Fills `{name}` placeholders with values shortened to one line.
pub fn fill(template: &str, vars: &[(String, String)]) -> String {
    let mut out = template.to_string();
    for (name, value) in vars {
        let pat = format!("{{{name}}}");
        if out.contains(&pat) {
            out = out.replace(&pat, &shorten(value));
        }
    }
    out
}

/// One line, at most 60 characters, for quoting code in a message.
pub fn shorten(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 60 {
        let cut: String = one.chars().take(57).collect();
        format!("{cut}…")
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_lines_cover_the_match() {
        let src = "a\nconst t = Math.random();\nb";
        let start = src.find("Math").unwrap();
        assert_eq!(
            whole_lines(src, start..start + 13),
            "const t = Math.random();"
        );
        assert_eq!(whole_lines("x", 0..1), "x");
    }

    #[test]
    fn fix_prompts_name_the_whole_path() {
        let long = "app/controllers/webhooks/stripe_controller_with_a_long_name.rb";
        let vars = vec![("x".to_string(), "y".to_string())];
        assert_eq!(
            prompt_for("In {path}:{line}, fix `{x}`.", long, 7, &vars),
            format!("In {long}:7, fix `y`.")
        );
    }

    /// Runs one rule (TOML text) on a JS snippet with no project model.
    fn run_rule(rule: &str, code: &str) -> Vec<Finding> {
        analyze_with(rule, code).findings
    }

    fn analyze_with(rule: &str, code: &str) -> FileAnalysis {
        let rule = crate::rule::load::parse_rule("r.toml", rule, crate::rule::RuleOrigin::Engine)
            .expect("the test rule parses");
        let mut rules = RuleSet::new();
        rules.insert(rule);
        let sel = Selection {
            all: &rules,
            active: rules.iter().collect(),
            min_confidence: Confidence::Low,
            severity_overrides: Default::default(),
        };
        let ctx = FileContext {
            display: "a.ts",
            rel: "a.ts",
            lang: Lang::TypeScript,
            framework: None,
            file: None,
            project: None,
        };
        analyze_source(code, &ctx, &sel, Duration::from_secs(10))
    }

    /// A file whose text lacks what every pattern needs is not parsed: its syntax errors cannot
    /// hide a finding, so they are not reported. A suppression comment still gets it parsed.
    #[test]
    fn a_file_no_pattern_can_match_is_not_parsed() {
        let rule = r#"
id = "data/example"
title = "Example"
severity = "high"
confidence = "high"
message = "m"
why = "why"
fix = "fix"
prompt = "prompt"

[[match]]
language = "js"
query = '''((call_expression function: (identifier) @fn) @call (#eq? @fn "evaluate"))'''
report = "call"
"#;
        let not_parsed = analyze_with(rule, "const x = ;\nconst y = reevaluate;\n");
        assert!(!not_parsed.parse_error && not_parsed.findings.is_empty());
        let parsed = analyze_with(rule, "const x = ;\nevaluate(1);\n");
        assert!(parsed.parse_error);
        assert_eq!(parsed.findings.len(), 1);
        let with_comment =
            analyze_with(rule, "const x = ; // skillstack-ignore[data/example]: ok\n");
        assert!(with_comment.parse_error);
    }

    #[test]
    fn related_locations_point_where_values_come_from() {
        let rule = r#"
id = "data/example"
title = "Example"
skill = "security/injection"
severity = "high"
confidence = "high"
message = "`{fn}` gets `{arg}`"
why = "why"
fix = "fix"
prompt = "prompt"

[[match]]
language = "js"
query = '''(call_expression function: (identifier) @fn arguments: (arguments (identifier) @arg)) @call'''
report = "call"
[[match.where]]
capture = "fn"
regex = "^run$"
[[match.where]]
capture = "arg"
value = "local-value"
regex = "danger"
related = "`{arg}` is set here"
[[match.where]]
capture = "call"
value = "enclosing-function"
regex = "."
related = "in this function"
"#;
        let code = "function handler() {\n  const x = danger();\n  run(x);\n}\n";
        let found = run_rule(rule, code);
        assert_eq!(found.len(), 1);
        let related: Vec<(usize, &str)> = found[0]
            .related
            .iter()
            .map(|r| (r.start.line, r.message.as_str()))
            .collect();
        assert_eq!(
            related,
            vec![(2, "`x` is set here"), (1, "in this function")]
        );
        assert_eq!(&code[found[0].related[0].byte_range.clone()], "danger()");
        assert_eq!(&code[found[0].related[1].byte_range.clone()], "handler");

        // A value defined inside the match itself is not worth a second pointer.
        let inline = run_rule(rule, "function h() { run(danger); }\n");
        assert_eq!(inline.len(), 1);
        assert_eq!(
            inline[0].related.len(),
            1,
            "only the function: {:?}",
            inline[0].related
        );
    }

    #[test]
    fn fills_and_shortens() {
        let vars = vec![("x".to_string(), "a\n   b".to_string())];
        assert_eq!(fill("got `{x}` {y}", &vars), "got `a b` {y}");
        assert_eq!(shorten(&"x".repeat(100)).chars().count(), 58);
    }
}
