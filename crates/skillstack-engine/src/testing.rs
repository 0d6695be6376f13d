//! The rule test harness: runs rules over annotated fixtures, semgrep-style, and checks the
//! examples inside rule files.
//!
//! A comment `ruleid: <id>` (several ids separated by commas) on the line above code says the
//! rule must report that line; `ok: <id>` says it must not. `todoruleid:`/`todook:` mark known
//! gaps honestly: they do not fail, but one that the rule now gets right is reported as stale.
//! Every finding in a fixture must be expected by a `ruleid` annotation: an unexpected finding is
//! noise. Annotations are read from comment nodes (`//`, `#`, `/* */`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use crate::analyze::{analyze_source, parse, FileContext, Selection};
use crate::audit::{audit, display_path, AuditOptions};
use crate::discover::{discover, WalkOptions};
use crate::rule::{Confidence, RuleSet};
use crate::suppress::comment_ranges;

/// The source files the engine's differential tests run over, read one at a time: the
/// repository's `fixtures/` and `dirs` (relative to the repository), and the directories
/// `SKILLSTACK_MATCH_CORPUS` lists (real apps, checked locally).
#[cfg(test)]
pub(crate) fn corpus_sources(
    dirs: &[&str],
) -> impl Iterator<Item = (PathBuf, crate::lang::Lang, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut all: Vec<PathBuf> = std::iter::once("fixtures")
        .chain(dirs.iter().copied())
        .map(|d| root.join(d))
        .collect();
    if let Some(extra) = std::env::var_os("SKILLSTACK_MATCH_CORPUS") {
        all.extend(std::env::split_paths(&extra));
    }
    all.into_iter()
        .flat_map(|dir| ignore::WalkBuilder::new(dir).build().flatten())
        .filter_map(|entry| {
            let path = entry.into_path();
            let lang = crate::lang::Lang::from_path(&path)?;
            let src = std::fs::read_to_string(&path).ok()?;
            Some((path, lang, src))
        })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AnnotationKind {
    RuleId,
    Ok,
    TodoRuleId,
    TodoOk,
}

/// One annotation: which rule, what is expected, and the line it is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Annotation {
    pub path: String,
    pub target_line: usize,
    pub kind: AnnotationKind,
    pub rule: String,
}

/// Parses an annotation out of one comment's text.
pub fn parse_annotation(comment: &str) -> Option<(AnnotationKind, Vec<String>)> {
    let body = comment.trim_start_matches(['/', '#', '*']).trim();
    let body = body.strip_suffix("*/").unwrap_or(body).trim();
    let (kind, rest) = [
        ("todoruleid:", AnnotationKind::TodoRuleId),
        ("todook:", AnnotationKind::TodoOk),
        ("ruleid:", AnnotationKind::RuleId),
        ("ok:", AnnotationKind::Ok),
    ]
    .into_iter()
    .find_map(|(p, k)| body.strip_prefix(p).map(|r| (k, r)))?;
    let ids: Vec<String> = rest
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!ids.is_empty()).then_some((kind, ids))
}

/// Reads the annotations of one source file. The target of an annotation is the next line that
/// is not itself an annotation comment (so annotations can be stacked).
pub fn annotations_in(display: &str, lang: crate::lang::Lang, src: &str) -> Vec<Annotation> {
    let Some(tree) = parse(lang, src, Duration::from_secs(10)) else {
        return vec![];
    };
    let mut found: Vec<(usize, AnnotationKind, Vec<String>)> = Vec::new();
    for r in comment_ranges(&tree) {
        let text = &src[r.clone()];
        let line = src[..r.start].matches('\n').count() + 1;
        let line_start = src[..r.start].rfind('\n').map_or(0, |i| i + 1);
        if !src[line_start..r.start].trim().is_empty() {
            continue; // annotations stand on their own line
        }
        if let Some((kind, ids)) = parse_annotation(text) {
            found.push((line, kind, ids));
        }
    }
    let annotated: BTreeSet<usize> = found.iter().map(|f| f.0).collect();
    let mut out = Vec::new();
    for (line, kind, ids) in found {
        let mut target = line + 1;
        while annotated.contains(&target) {
            target += 1;
        }
        for rule in ids {
            out.push(Annotation {
                path: display.to_string(),
                target_line: target,
                kind,
                rule,
            });
        }
    }
    out
}

/// What happened for one rule.
#[derive(Debug, Default, Clone)]
pub struct RuleOutcome {
    pub ruleid: usize,
    pub ok: usize,
    /// `path:line` expected but not reported (false negatives).
    pub missing: Vec<String>,
    /// `path:line` reported but not expected (false positives).
    pub noisy: Vec<String>,
    /// `todoruleid`/`todook` annotations the rule now gets right.
    pub stale_todos: Vec<String>,
    pub todos: usize,
}

/// The harness' verdict.
#[derive(Debug, Default)]
pub struct TestReport {
    pub per_rule: BTreeMap<String, RuleOutcome>,
    /// Annotations naming unknown rules, files that could not be read, …
    pub problems: Vec<String>,
    pub files: usize,
}

impl TestReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
            && self
                .per_rule
                .values()
                .all(|o| o.missing.is_empty() && o.noisy.is_empty() && o.stale_todos.is_empty())
    }

    /// A readable summary: one line per rule, then every failure.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (id, o) in &self.per_rule {
            let status = if o.missing.is_empty() && o.noisy.is_empty() && o.stale_todos.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            s.push_str(&format!(
                "{status} {id}: {} ruleid, {} ok, {} todo; {} missing, {} noisy\n",
                o.ruleid,
                o.ok,
                o.todos,
                o.missing.len(),
                o.noisy.len()
            ));
            for m in &o.missing {
                s.push_str(&format!("       missing (not reported): {m}\n"));
            }
            for n in &o.noisy {
                s.push_str(&format!("       noisy (reported, not expected): {n}\n"));
            }
            for t in &o.stale_todos {
                s.push_str(&format!(
                    "       stale todo (the rule gets it right now; make it ruleid/ok): {t}\n"
                ));
            }
        }
        for p in &self.problems {
            s.push_str(&format!("problem: {p}\n"));
        }
        s.push_str(&format!("{} fixture files\n", self.files));
        s
    }
}

/// Runs every rule over the fixtures under `paths` and compares findings with annotations.
pub fn run_fixtures(rules: &RuleSet, paths: &[PathBuf], cwd: PathBuf) -> TestReport {
    let mut report = TestReport::default();
    let mut opts = AuditOptions::new(paths.to_vec(), cwd.clone());
    opts.min_confidence = Confidence::Low;
    let result = audit(rules, &opts);
    for (p, e) in result.errors.iter().chain(&result.internal_errors) {
        report.problems.push(format!("{p}: {e}"));
    }

    let walk = WalkOptions {
        threads: opts.threads,
        max_file_size: opts.max_file_size,
        exclude: vec![],
        exclude_root: cwd.clone(),
    };
    let files = discover(paths, &walk).files;
    report.files = files.len();
    let mut annotations = Vec::new();
    for (path, lang) in &files {
        match std::fs::read_to_string(path) {
            Ok(src) => annotations.extend(annotations_in(&display_path(path, &cwd), *lang, &src)),
            Err(e) => report.problems.push(format!("{}: {e}", path.display())),
        }
    }

    let mut reported: BTreeMap<(String, usize, String), bool> = BTreeMap::new();
    for f in &result.findings {
        reported.insert((f.path.clone(), f.start.line, f.rule_id.clone()), false);
    }
    for r in rules.iter() {
        report.per_rule.entry(r.id.clone()).or_default();
    }
    for a in &annotations {
        if !rules.contains(&a.rule) {
            if matches!(a.kind, AnnotationKind::RuleId | AnnotationKind::Ok) {
                report.problems.push(format!(
                    "{}:{}: annotation names unknown rule `{}`",
                    a.path, a.target_line, a.rule
                ));
            }
            continue;
        }
        let key = (a.path.clone(), a.target_line, a.rule.clone());
        let hit = reported.contains_key(&key);
        // A `todo` about a rule that cannot run on this file (another language or framework)
        // says nothing yet: it waits for that framework's rule.
        let applies = rules.get(&a.rule).is_some_and(|rule| {
            let lang = crate::lang::Lang::from_path(std::path::Path::new(&a.path));
            let fw = crate::detect::app_for(&result.apps, std::path::Path::new(&a.path))
                .map(|app| app.framework);
            lang.is_some_and(|l| rule.matchers.iter().any(|m| m.supports(l)))
                && rule.applies_to_framework(fw)
        });
        if !applies && matches!(a.kind, AnnotationKind::TodoRuleId | AnnotationKind::TodoOk) {
            continue;
        }
        let at = format!("{}:{}", a.path, a.target_line);
        let o = report.per_rule.entry(a.rule.clone()).or_default();
        match a.kind {
            AnnotationKind::RuleId => {
                o.ruleid += 1;
                if hit {
                    reported.insert(key, true);
                } else {
                    o.missing.push(at);
                }
            }
            AnnotationKind::Ok => {
                o.ok += 1;
                if hit {
                    o.noisy.push(at);
                    reported.insert(key, true);
                }
            }
            AnnotationKind::TodoRuleId => {
                o.todos += 1;
                if hit {
                    o.stale_todos.push(at);
                    reported.insert(key, true);
                }
            }
            AnnotationKind::TodoOk => {
                o.todos += 1;
                if hit {
                    reported.insert(key, true);
                } else {
                    o.stale_todos.push(at);
                }
            }
        }
    }
    for ((path, line, rule), expected) in reported {
        if !expected {
            report
                .per_rule
                .entry(rule)
                .or_default()
                .noisy
                .push(format!("{path}:{line}"));
        }
    }
    report
}

/// Checks every rule's `[[examples]]`: `bad` must be reported by the rule, `good` must not.
/// Returns one line per failure.
pub fn check_examples(rules: &RuleSet) -> Vec<String> {
    let mut failures = Vec::new();
    for rule in rules.iter() {
        let sel = Selection {
            all: rules,
            active: vec![rule],
            min_confidence: Confidence::Low,
            severity_overrides: BTreeMap::new(),
        };
        for (i, ex) in rule.examples.iter().enumerate() {
            let framework = ex.framework.or(rule.frameworks.first().copied());
            for (label, code, want) in [("bad", &ex.bad, true), ("good", &ex.good, false)] {
                let Some(code) = code else { continue };
                let (project, file) =
                    crate::model::ProjectModel::from_snippet(framework, ex.lang, &ex.path, code);
                let ctx = FileContext {
                    display: &ex.path,
                    rel: &ex.path,
                    lang: ex.lang,
                    framework,
                    file: Some(&file),
                    project: Some(&project),
                };
                let a = analyze_source(code, &ctx, &sel, Duration::from_secs(10));
                if a.parse_error {
                    failures.push(format!(
                        "{}: example {} ({label}) has syntax errors",
                        rule.id,
                        i + 1
                    ));
                }
                let flagged = a.findings.iter().any(|f| f.rule_id == rule.id);
                if flagged != want {
                    failures.push(format!(
                        "{}: example {} ({label}) is {}",
                        rule.id,
                        i + 1,
                        if want {
                            "not flagged by the rule"
                        } else {
                            "flagged by the rule"
                        }
                    ));
                }
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    #[test]
    fn parses_annotations() {
        assert_eq!(
            parse_annotation("// ruleid: a/b"),
            Some((AnnotationKind::RuleId, vec!["a/b".into()]))
        );
        assert_eq!(
            parse_annotation("# ok: a/b, c/d"),
            Some((AnnotationKind::Ok, vec!["a/b".into(), "c/d".into()]))
        );
        assert_eq!(
            parse_annotation("// todoruleid: a/b").map(|a| a.0),
            Some(AnnotationKind::TodoRuleId)
        );
        assert_eq!(
            parse_annotation("// todook: a/b").map(|a| a.0),
            Some(AnnotationKind::TodoOk)
        );
        assert_eq!(parse_annotation("// this is ok: fine"), None);
        assert_eq!(parse_annotation("// ruleid:"), None);
    }

    #[test]
    fn stacked_annotations_target_the_code_line() {
        let src = "// ruleid: a/b\n// ok: c/d\nfoo();\nbar(); // ruleid: x/y\n";
        let a = annotations_in("f.ts", Lang::TypeScript, src);
        assert_eq!(a.len(), 2);
        assert!(a.iter().all(|a| a.target_line == 3));
    }
}
