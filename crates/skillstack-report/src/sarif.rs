//! SARIF 2.1.0 shaped for GitHub code scanning: rules with descriptions, help (text and Markdown
//! with the fix prompt), tags, precision and security-severity; results with repo-relative URIs,
//! full regions and a line-independent partial fingerprint.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use skillstack_engine::rule::{Confidence, Rule, Severity};
use skillstack_engine::AuditResult;

use crate::{rule_markdown, ReportContext};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// GitHub buckets: over 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

/// `data/raw-sql-interpolation` → `RawSqlInterpolation`.
fn rule_name(id: &str) -> String {
    id.rsplit('/')
        .next()
        .unwrap_or(id)
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn descriptor(rule: &Rule, ctx: &ReportContext) -> ReportingDescriptor {
    let mut tags = vec![];
    if rule.tags.iter().any(|t| t == "security") || !rule.cwe.is_empty() {
        tags.push("security".to_string());
    }
    tags.extend(
        rule.cwe
            .iter()
            .map(|c| format!("external/cwe/{}", c.to_lowercase())),
    );
    tags.push(format!("skillstack/{}", rule.category()));
    tags.extend(rule.frameworks.iter().map(|f| f.as_str().to_string()));
    for t in &rule.tags {
        if !tags.contains(t) {
            tags.push(t.clone());
        }
    }
    let mut props = BTreeMap::new();
    props.insert("precision".to_string(), json!(precision(rule.confidence)));
    props.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    if let Some(skill) = &rule.skill {
        props.insert("skill".to_string(), json!(skill));
    }
    let skill = ctx.skill(rule);
    let help_text = format!(
        "{}\n\nWhy it matters: {}\n\nHow to fix it: {}\n\nFix prompt for your AI agent:\n{}",
        rule.title,
        rule.why,
        rule.fix,
        crate::prompt_template(&rule.prompt)
    );
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule_name(&rule.id))
        .short_description(text(&rule.title))
        .full_description(text(
            &rule
                .why
                .split("\n\n")
                .next()
                .unwrap_or(&rule.why)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        ))
        .help(
            MultiformatMessageString::builder()
                .text(help_text)
                .markdown(rule_markdown(rule, skill))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(rule.severity)))
                .build(),
        )
        .properties(
            PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

pub fn render(result: &AuditResult, ctx: &ReportContext) -> String {
    let rules = ctx.fired_rules(result);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let results: Vec<SarifResult> = result
        .findings
        .iter()
        .map(|f| {
            let mut fp = BTreeMap::new();
            fp.insert("skillstack/v1".to_string(), f.fingerprint.clone());
            let region = Region::builder()
                .start_line(f.start.line as i64)
                .start_column(f.start.column as i64)
                .end_line(f.end.line as i64)
                .end_column(f.end.column as i64)
                .build();
            let physical = |region: Region| {
                PhysicalLocation::builder()
                    .artifact_location(ArtifactLocation::builder().uri(uri(&f.path)).build())
                    .region(region)
                    .build()
            };
            let location = Location::builder()
                .physical_location(physical(region))
                .build();
            // The other places involved (the entry point, where an id came from): code
            // scanning shows them beside the alert.
            let related: Vec<Location> = f
                .related
                .iter()
                .enumerate()
                .map(|(i, rel)| {
                    let region = Region::builder()
                        .start_line(rel.start.line as i64)
                        .start_column(rel.start.column as i64)
                        .end_line(rel.end.line as i64)
                        .end_column(rel.end.column as i64)
                        .build();
                    let mut loc = Location::builder()
                        .physical_location(physical(region))
                        .message(Message::builder().text(rel.message.clone()).build())
                        .build();
                    loc.id = Some(i as i64 + 1);
                    loc
                })
                .collect();
            let mut r = SarifResult::builder()
                .rule_id(f.rule_id.clone())
                .level(level(f.severity))
                .message(Message::builder().text(f.message.clone()).build())
                .locations(vec![location])
                .partial_fingerprints(fp)
                .build();
            r.rule_index = index.get(f.rule_id.as_str()).map(|&i| i as i64);
            if !related.is_empty() {
                r.related_locations = Some(related);
            }
            r
        })
        .collect();
    let notifications: Vec<Notification> = result
        .errors
        .iter()
        .chain(&result.internal_errors)
        .map(|(p, e)| {
            Notification::builder()
                .level(json!("error"))
                .message(Message::builder().text(format!("{p}: {e}")).build())
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("skillstack")
        .semantic_version(ctx.tool_version)
        .version(ctx.tool_version)
        .rules(rules.iter().map(|r| descriptor(r, ctx)).collect::<Vec<_>>())
        .build();
    let mut invocation = Invocation::builder()
        .execution_successful(result.errors.is_empty() && result.internal_errors.is_empty())
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .invocations(vec![invocation])
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// A relative URI for a display path: `/`-separated, percent-encoding what URIs cannot hold.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'/'
            | b'@'
            | b'+'
            | b'('
            | b')'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'*'
            | b','
            | b';'
            | b'='
            | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            rule_name("data/raw-sql-interpolation"),
            "RawSqlInterpolation"
        );
        assert_eq!(uri("app/api/[id]/route.ts"), "app/api/%5Bid%5D/route.ts");
        assert_eq!(uri("a b.ts"), "a%20b.ts");
    }
}
