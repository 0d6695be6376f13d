//! skillstack's output formats. Every format renders the same sorted [`AuditResult`], so output is
//! identical whatever the thread count.

mod github;
mod human;
mod json;
mod prompt;
mod sarif;

use std::collections::BTreeMap;

use skillstack_engine::rule::{Rule, RuleSet};
use skillstack_engine::AuditResult;

pub use json::JSON_SCHEMA_VERSION;

/// The output formats (`--output-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    /// One Markdown document for an AI coding agent: findings grouped by skill, with fix prompts
    /// and checks.
    Prompt,
}

impl Format {
    pub const NAMES: [&'static str; 5] = ["human", "json", "sarif", "github", "prompt"];

    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "human" | "full" | "text" => Some(Format::Human),
            "json" => Some(Format::Json),
            "sarif" => Some(Format::Sarif),
            "github" => Some(Format::Github),
            "prompt" => Some(Format::Prompt),
            _ => None,
        }
    }
}

/// What a report says about a linked skill.
#[derive(Clone, Debug)]
pub struct SkillInfo {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// The skill's copy-paste prompt, once the skill is written.
    pub prompt: Option<String>,
}

/// Everything a renderer needs besides the audit result.
pub struct ReportContext<'a> {
    pub rules: &'a RuleSet,
    /// Skills by id (from the catalog), for titles and summaries.
    pub skills: &'a BTreeMap<String, SkillInfo>,
    pub tool_version: &'a str,
    /// ANSI colours (human output only).
    pub color: bool,
    /// List skipped files and files with syntax errors (human output).
    pub verbose: bool,
    /// Print per-rule counts instead of findings (human output).
    pub statistics: bool,
}

impl ReportContext<'_> {
    fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.get(id)
    }

    fn skill(&self, rule: &Rule) -> Option<&SkillInfo> {
        rule.skill.as_deref().and_then(|s| self.skills.get(s))
    }

    /// The rules that produced findings, sorted by id.
    fn fired_rules(&self, result: &AuditResult) -> Vec<&Rule> {
        let mut ids: Vec<&str> = result.findings.iter().map(|f| f.rule_id.as_str()).collect();
        ids.sort();
        ids.dedup();
        ids.into_iter().filter_map(|id| self.rule(id)).collect()
    }
}

/// Renders `result` in `format`.
pub fn render(format: Format, result: &AuditResult, ctx: &ReportContext) -> String {
    match format {
        Format::Human => human::render(result, ctx),
        Format::Json => json::render(result, ctx),
        Format::Sarif => sarif::render(result, ctx),
        Format::Github => github::render(result, ctx),
        Format::Prompt => prompt::render(result, ctx),
    }
}

/// The rule's documentation as Markdown: why, fix, the linked skill and the fix prompt.
pub fn rule_markdown(rule: &Rule, skill: Option<&SkillInfo>) -> String {
    let mut md = format!(
        "**{}**\n\n## Why it matters\n\n{}\n\n## How to fix it\n\n{}\n",
        rule.title, rule.why, rule.fix
    );
    if let Some(s) = skill {
        md.push_str(&format!(
            "\n## Skill\n\n`{}` — {}: {}\n",
            s.id, s.title, s.summary
        ));
    }
    md.push_str(&format!(
        "\n## Fix prompt (paste into your AI agent)\n\n```text\n{}\n```\n",
        prompt_template(&rule.prompt)
    ));
    if !rule.cwe.is_empty() {
        md.push_str(&format!("\nReferences: {}\n", rule.cwe.join(", ")));
    }
    md
}

/// A fix prompt as documentation: `{path}`, `{line}` and other placeholders shown as `<path>`, …
/// (each finding carries the prompt filled in for its place).
pub fn prompt_template(prompt: &str) -> String {
    let mut out = String::new();
    let mut rest = prompt;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('}') {
            Some(j)
                if after[..j]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && j > 0 =>
            {
                out.push_str(&format!("<{}>", &after[..j]));
                rest = &after[j + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
