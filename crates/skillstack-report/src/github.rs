//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding.

use skillstack_engine::rule::Severity;
use skillstack_engine::AuditResult;

use crate::ReportContext;

pub fn render(result: &AuditResult, ctx: &ReportContext) -> String {
    let mut out = String::new();
    for f in &result.findings {
        let level = match f.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let title = ctx.rule(&f.rule_id).map_or(f.rule_id.clone(), |r| {
            format!("{} ({})", r.title, f.rule_id)
        });
        let mut message = f.message.clone();
        if let Some(skill) = ctx.rule(&f.rule_id).and_then(|r| r.skill.as_deref()) {
            message.push_str(&format!(
                "\nSkill: {skill}. Run `skillstack explain {}` for the fix prompt.",
                f.rule_id
            ));
        }
        out.push_str(&format!(
            "::{level} file={},line={},endLine={},col={},endColumn={},title={}::{}\n",
            escape_property(&f.path),
            f.start.line,
            f.end.line,
            f.start.column,
            f.end.column,
            escape_property(&title),
            escape_data(&message)
        ));
    }
    out
}

/// Escapes a workflow-command message (GitHub's toolkit rules).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow-command property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
