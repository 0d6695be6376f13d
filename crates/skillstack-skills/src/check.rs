//! `skillstack skills check`: the format of every skill file, and the engine run over its code.
//!
//! Checked: frontmatter (id = path, catalog title and category, summary, frameworks, rules that
//! exist, ASVS/CWE id formats, semver), the H1 and the H2 sections in order, the Overview's H3s,
//! exactly one `text prompt` block, known code languages; every TS/JS/Ruby/PHP block parses without
//! errors; a `bad` block is flagged by one of the skill's rules, a `good` block by none of them.

use std::collections::BTreeMap;
use std::time::Duration;

use skillstack_engine::analyze::{analyze_source, FileContext, Selection};
use skillstack_engine::detect::Framework;
use skillstack_engine::lang::Lang;
use skillstack_engine::rule::{Confidence, RuleSet};

use crate::doc::{Intent, SkillDoc};
use crate::{Catalog, Library};

/// The H2 sections every skill has, in order, before its framework sections.
pub const SECTIONS: [&str; 5] = [
    "Overview",
    "UX best practices",
    "The prompt to give your AI",
    "Variants",
    "Edge cases & gotchas",
];
/// The Overview's H3s, in order.
pub const OVERVIEW_PARTS: [&str; 3] = [
    "Why it matters",
    "When you need it",
    "The cost of getting it wrong",
];
/// Framework sections, in order, with the frontmatter name that requires each.
pub const FRAMEWORK_SECTIONS: [(&str, &str); 3] = [
    ("nextjs", "Next.js"),
    ("rails", "Rails"),
    ("laravel", "Laravel"),
];
/// Code languages that are parsed and checked, with their grammar.
pub const CHECKED_LANGS: [(&str, Lang); 6] = [
    ("ts", Lang::TypeScript),
    ("tsx", Lang::Tsx),
    ("js", Lang::JavaScript),
    ("jsx", Lang::JavaScript),
    ("ruby", Lang::Ruby),
    ("php", Lang::Php),
];
/// Code languages allowed but not parsed.
pub const OTHER_LANGS: [&str; 11] = [
    "erb", "blade", "sql", "prisma", "bash", "sh", "json", "yaml", "env", "text", "diff",
];

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "skills/{}:{l}: {}", self.path, self.message),
            None => write!(f, "skills/{}: {}", self.path, self.message),
        }
    }
}

/// The outcome of checking skills.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub problems: Vec<Problem>,
    /// `bad todo` blocks: wrong ways no rule detects yet, as `path:line (section)`.
    pub todos: Vec<String>,
    pub checked_blocks: usize,
    pub skills: usize,
}

/// Checks the catalog and every written skill.
pub fn check_library(lib: &Library, rules: &RuleSet) -> CheckReport {
    let mut report = CheckReport::default();
    for p in lib.catalog.problems() {
        report.problems.push(Problem {
            path: "catalog.toml".into(),
            line: None,
            message: p,
        });
    }
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &lib.docs {
        *ids.entry(d.meta.id.as_str()).or_insert(0) += 1;
        check_doc(d, &lib.catalog, rules, &mut report);
    }
    for (id, n) in ids {
        if n > 1 {
            report.problems.push(Problem {
                path: format!("{id}.md"),
                line: None,
                message: format!("{n} files define skill `{id}`"),
            });
        }
    }
    for rule in rules.iter() {
        if let Some(skill) = &rule.skill {
            if lib.catalog.entry(skill).is_none() {
                report.problems.push(Problem {
                    path: "catalog.toml".into(),
                    line: None,
                    message: format!(
                        "rule `{}` links to `{skill}`, which is not in the catalog",
                        rule.id
                    ),
                });
            }
        }
    }
    report.problems.sort();
    report
}

/// Checks one skill file, adding to `report`.
pub fn check_doc(doc: &SkillDoc, catalog: &Catalog, rules: &RuleSet, report: &mut CheckReport) {
    report.skills += 1;
    let mut problem = |line: Option<usize>, message: String| {
        report.problems.push(Problem {
            path: doc.path.clone(),
            line,
            message,
        });
    };
    let m = &doc.meta;
    let expected_id = doc.path.trim_end_matches(".md");
    if m.id != expected_id {
        problem(
            Some(2),
            format!("id `{}` must equal the file's path `{expected_id}`", m.id),
        );
    }
    match catalog.entry(&m.id) {
        None => problem(
            Some(2),
            format!("`{}` is not a skill id in catalog.toml", m.id),
        ),
        Some(entry) => {
            if m.title != entry.title {
                problem(
                    None,
                    format!(
                        "title `{}` differs from the catalog's `{}`",
                        m.title, entry.title
                    ),
                );
            }
            if m.category != entry.category {
                problem(
                    None,
                    format!(
                        "category `{}` differs from the catalog's `{}`",
                        m.category, entry.category
                    ),
                );
            }
        }
    }
    let summary_len = m.summary.chars().count();
    if summary_len == 0 || summary_len > 300 || m.summary.contains(['<', '>']) {
        problem(
            None,
            format!("summary must be 1–300 characters without `<` or `>` (it has {summary_len})"),
        );
    }
    if m.frameworks.is_empty() {
        problem(
            None,
            "frameworks is empty: list nextjs, rails and/or laravel".into(),
        );
    }
    for f in &m.frameworks {
        if !FRAMEWORK_SECTIONS.iter().any(|(k, _)| k == f) {
            problem(
                None,
                format!("unknown framework `{f}` (use nextjs, rails, laravel)"),
            );
        }
    }
    for r in &m.rules {
        if !rules.contains(r) {
            problem(
                None,
                format!("rules lists `{r}`, which is not a rule (`skillstack rules` lists them)"),
            );
        }
    }
    for a in &m.references.asvs {
        if !is_asvs_id(a) {
            problem(
                None,
                format!("ASVS reference `{a}` must look like v5.0.0-6.4.3"),
            );
        }
    }
    for c in &m.references.cwe {
        if !c
            .strip_prefix("CWE-")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        {
            problem(None, format!("CWE reference `{c}` must look like CWE-639"));
        }
    }
    let semver = m.version.split('.').collect::<Vec<_>>();
    if semver.len() != 3
        || semver
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        problem(
            None,
            format!("version `{}` must be semver, e.g. 1.0.0", m.version),
        );
    }

    // Headings.
    let h1: Vec<_> = doc.headings.iter().filter(|h| h.level == 1).collect();
    match h1.as_slice() {
        [h] if h.text == m.title => {}
        [h] => problem(
            Some(h.line),
            format!("the H1 `{}` must be the title `{}`", h.text, m.title),
        ),
        [] => problem(
            None,
            format!("the file has no H1; start the body with `# {}`", m.title),
        ),
        [_, second, ..] => problem(Some(second.line), "a skill has exactly one H1".into()),
    }
    let mut expected: Vec<&str> = SECTIONS.to_vec();
    for (key, title) in FRAMEWORK_SECTIONS {
        if m.frameworks.iter().any(|f| f == key) {
            expected.push(title);
        }
    }
    let actual: Vec<&str> = doc.sections.iter().map(|s| s.title.as_str()).collect();
    if actual != expected {
        problem(
            None,
            format!(
                "the H2 sections must be, in order: {}; found: {}",
                expected.join(" · "),
                actual.join(" · ")
            ),
        );
    }
    if let Some(overview) = doc.section("Overview") {
        let h3: Vec<&str> = doc
            .headings
            .iter()
            .filter(|h| {
                h.level == 3
                    && h.line > overview.line
                    && doc
                        .sections
                        .iter()
                        .find(|s| s.line > overview.line)
                        .is_none_or(|next| h.line < next.line)
            })
            .map(|h| h.text.as_str())
            .collect();
        if h3 != OVERVIEW_PARTS {
            problem(
                Some(overview.line),
                format!(
                    "Overview must have the H3s {}; found: {}",
                    OVERVIEW_PARTS.join(" · "),
                    h3.join(" · ")
                ),
            );
        }
    }
    let prompt_blocks: Vec<_> = doc
        .blocks
        .iter()
        .filter(|b| b.section == "The prompt to give your AI")
        .collect();
    let prompt_ok = prompt_blocks.len() == 1
        && prompt_blocks[0]
            .info
            .split_whitespace()
            .eq(["text", "prompt"])
        && !prompt_blocks[0].code.trim().is_empty();
    if !prompt_ok {
        let line = doc.section("The prompt to give your AI").map(|s| s.line);
        problem(
            line,
            "`The prompt to give your AI` must hold exactly one non-empty ```text prompt block"
                .into(),
        );
    }

    // Code blocks.
    let linked: Vec<_> = m.rules.iter().filter_map(|r| rules.get(r)).collect();
    let sel = Selection {
        all: rules,
        active: linked.clone(),
        min_confidence: Confidence::Low,
        severity_overrides: BTreeMap::new(),
    };
    for (i, b) in doc.blocks.iter().enumerate() {
        if b.lang.is_empty() {
            problem(
                Some(b.line),
                "a code block needs a language (```ts, ```ruby, ```php, ```text, …)".into(),
            );
            continue;
        }
        let Some(lang) = CHECKED_LANGS
            .iter()
            .find(|(k, _)| *k == b.lang)
            .map(|(_, l)| *l)
        else {
            if !OTHER_LANGS.contains(&b.lang.as_str()) {
                problem(Some(b.line), format!("unknown code language `{}`", b.lang));
            }
            if b.intent != Intent::None && !b.todo {
                problem(Some(b.line), format!("only ts/tsx/js/jsx/ruby/php blocks can be checked; mark this `{} {} todo` or drop the marker", b.lang, if b.intent == Intent::Bad { "bad" } else { "good" }));
            }
            continue;
        };
        report.checked_blocks += 1;
        let framework = match b.section.as_str() {
            "Next.js" => Some(Framework::NextJs),
            "Rails" => Some(Framework::Rails),
            "Laravel" => Some(Framework::Laravel),
            _ => None,
        };
        let path = b
            .info
            .split_whitespace()
            .find_map(|w| w.strip_prefix("path="))
            .map(str::to_string)
            .unwrap_or_else(|| format!("{}/block-{}.{}", m.id, i + 1, b.lang));
        let (project, file) =
            skillstack_engine::model::ProjectModel::from_snippet(framework, lang, &path, &b.code);
        let ctx = FileContext {
            display: &path,
            rel: &path,
            lang,
            framework,
            file: Some(&file),
            project: Some(&project),
        };
        let result = analyze_source(&b.code, &ctx, &sel, Duration::from_secs(10));
        if result.parse_error {
            problem(Some(b.line), format!("this {} block has syntax errors; write a complete, parseable snippet (`skillstack ast` shows the tree)", b.lang));
        }
        let flagged_by: Vec<&str> = result.findings.iter().map(|f| f.rule_id.as_str()).collect();
        match (b.intent, b.todo) {
            (Intent::Bad, false) if flagged_by.is_empty() => {
                let why = if linked.is_empty() {
                    "the skill links no rule"
                } else {
                    "none of the skill's rules flags it"
                };
                problem(Some(b.line), format!("block marked `bad`, but {why}: fix the example, link the rule that detects it, or mark it `bad todo`"));
            }
            (Intent::Bad, true) if !flagged_by.is_empty() => {
                problem(
                    Some(b.line),
                    format!(
                        "block marked `bad todo`, but `{}` flags it now: drop `todo`",
                        flagged_by[0]
                    ),
                );
            }
            (Intent::Bad, true) => report
                .todos
                .push(format!("skills/{}:{} ({})", doc.path, b.line, b.section)),
            (Intent::Good, _) if !flagged_by.is_empty() => {
                problem(
                    Some(b.line),
                    format!(
                        "block marked `good`, but `{}` flags it: {}",
                        flagged_by[0], result.findings[0].message
                    ),
                );
            }
            _ => {}
        }
        if b.intent == Intent::Bad && !starts_with_comment(&b.code) {
            problem(
                Some(b.line),
                "a `bad` block starts with a comment saying what is wrong (`// Wrong: …`)".into(),
            );
        }
    }
}

fn is_asvs_id(s: &str) -> bool {
    s.strip_prefix("v5.0.0-").is_some_and(|rest| {
        let parts: Vec<_> = rest.split('.').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

fn starts_with_comment(code: &str) -> bool {
    code.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && *l != "<?php")
        .is_some_and(|l| {
            l.starts_with("//")
                || l.starts_with('#')
                || l.starts_with("/*")
                || l.starts_with("{/*")
                || l.starts_with("<%#")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asvs_ids() {
        assert!(is_asvs_id("v5.0.0-8.2.2"));
        assert!(!is_asvs_id("8.2.2"));
        assert!(!is_asvs_id("v5.0.0-8.2"));
    }

    #[test]
    fn bad_blocks_start_with_comments() {
        assert!(starts_with_comment("\n// Wrong: x\nfoo()"));
        assert!(starts_with_comment("<?php\n// Wrong\n"));
        assert!(starts_with_comment("# Wrong\n"));
        assert!(!starts_with_comment("foo()\n"));
    }
}
