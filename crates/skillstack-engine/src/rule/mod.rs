//! Rules are data: one TOML file per rule under `rules/<category>/<name>.toml`.
//!
//! A rule carries its metadata (id, title, linked skill, severity, confidence, CWE, message, why,
//! fix, fix prompt, examples) and one or more matchers: a tree-sitter query plus conditions on its
//! captures (see [`matcher`]). [`load`] parses and validates rule files, reporting every mistake
//! with the file, the span and what to do.

mod ascii;
mod lazyre;
pub mod load;
pub mod matcher;
pub mod meta;
mod pattern;
mod plan;
mod prefilter;
mod walk;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::detect::Framework;
use crate::lang::{Lang, LangFamily};
pub use matcher::Matcher;
pub use plan::Chosen;

/// How bad a finding is. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the rule is that a match is a real problem (Brakeman's tiers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        Confidence::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a rule came from: built into the binary, or a file on disk (`--rules`, config).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleOrigin {
    Builtin(String),
    File(PathBuf),
    /// Engine-defined rules without a file (suppression hygiene).
    Engine,
}

/// A code example in a rule file: `bad` must be flagged by the rule, `good` must not.
#[derive(Clone, Debug)]
pub struct Example {
    pub lang: Lang,
    /// A virtual path for the example (matters for path-scoped matchers such as `next.config.*`).
    pub path: String,
    pub framework: Option<Framework>,
    pub bad: Option<String>,
    pub good: Option<String>,
}

/// A loaded, validated rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub skill: Option<String>,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Empty: any framework (and files outside any detected app).
    pub frameworks: Vec<Framework>,
    pub cwe: Vec<String>,
    pub tags: Vec<String>,
    /// One line; `{name}` placeholders are filled from captures and bound values.
    pub message: String,
    pub why: String,
    pub fix: String,
    /// Known limits: what the rule misses or may flag wrongly, and why its confidence is what it is.
    pub limits: Option<String>,
    /// Text a user pastes into their AI agent; `{path}`, `{line}` and message placeholders are filled.
    pub prompt: String,
    pub examples: Vec<Example>,
    pub matchers: Vec<Matcher>,
    pub origin: RuleOrigin,
}

impl Rule {
    /// The category: the part of the id before the `/`.
    pub fn category(&self) -> &str {
        self.id.split('/').next().unwrap_or(&self.id)
    }

    /// The language families the rule's matchers cover, in a stable order.
    pub fn languages(&self) -> Vec<LangFamily> {
        let mut out: Vec<LangFamily> = Vec::new();
        for m in &self.matchers {
            if !out.contains(&m.family) {
                out.push(m.family);
            }
        }
        out
    }

    /// Does this rule run on files of this framework? (`None`: outside any detected app.)
    pub fn applies_to_framework(&self, fw: Option<Framework>) -> bool {
        self.frameworks.is_empty() || fw.is_some_and(|f| self.frameworks.contains(&f))
    }
}

/// All loaded rules, keyed and iterated by id.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: BTreeMap<String, Rule>,
    /// Every matcher's query compiled into one per grammar, on first use (see [`plan`]).
    plans: plan::Plans,
}

impl RuleSet {
    pub fn new() -> RuleSet {
        RuleSet::default()
    }

    /// Adds a rule; returns the rule it replaced, if any (used to report duplicate ids).
    pub fn insert(&mut self, rule: Rule) -> Option<Rule> {
        // Rule indices and the queries change: compile them again when next needed.
        self.plans = Default::default();
        self.rules.insert(rule.id.clone(), rule)
    }

    /// The position of a rule in [`RuleSet::iter`] order (the index `run_matchers` files hits under).
    pub fn position(&self, id: &str) -> Option<usize> {
        self.rules.keys().position(|k| k == id)
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.rules.contains_key(id)
    }

    /// Rules sorted by id.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.values()
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}
