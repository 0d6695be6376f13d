//! Human output: one miette diagnostic per finding (code frame, message, fix, linked skill),
//! then a summary. Colours only when asked for (the CLI decides from the terminal and flags).

use std::collections::BTreeMap;
use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};
use skillstack_engine::rule::Severity;
use skillstack_engine::{AuditResult, Finding};

use crate::ReportContext;

/// Fixed width, so output does not depend on the terminal it was produced in.
const WIDTH: usize = 100;

#[derive(Debug)]
struct FindingDiagnostic {
    message: String,
    code: String,
    severity: miette::Severity,
    label: String,
    span: SourceSpan,
    /// Related locations in the same file, each with its message.
    related: Vec<(String, SourceSpan)>,
    source: NamedSource<String>,
    help: String,
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.help))
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let main = LabeledSpan::new_primary_with_span(Some(self.label.clone()), self.span);
        let related = self
            .related
            .iter()
            .map(|(m, span)| LabeledSpan::new_with_span(Some(m.clone()), *span));
        Some(Box::new(std::iter::once(main).chain(related)))
    }
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Critical | Severity::High => miette::Severity::Error,
        Severity::Medium => miette::Severity::Warning,
        Severity::Low | Severity::Info => miette::Severity::Advice,
    }
}

/// A paragraph on one line (whitespace and line breaks folded).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn diagnostic(f: &Finding, ctx: &ReportContext, source: &str) -> FindingDiagnostic {
    let rule = ctx.rule(&f.rule_id);
    let mut help = rule.map(|r| one_line(&r.fix)).unwrap_or_default();
    if let Some(r) = rule {
        match (r.skill.as_deref(), ctx.skill(r)) {
            (Some(id), Some(s)) => help.push_str(&format!("\nskill: {id} — {}", s.title)),
            (Some(id), None) => help.push_str(&format!("\nskill: {id}")),
            _ => {}
        }
        help.push_str(&format!(
            "\nfix prompt for your AI agent: skillstack explain {}",
            r.id
        ));
    }
    FindingDiagnostic {
        message: format!("[{}] {}", f.severity, f.message),
        code: f.rule_id.clone(),
        severity: miette_severity(f.severity),
        label: rule.map(|r| r.title.clone()).unwrap_or_default(),
        span: SourceSpan::from(first_line_span(source, f.byte_range.clone())),
        related: f
            .related
            .iter()
            .map(|r| {
                let span = first_line_span(source, r.byte_range.clone());
                (r.message.clone(), SourceSpan::from(span))
            })
            .collect(),
        source: NamedSource::new(&f.path, source.to_string()),
        help,
    }
}

/// The part of a finding's span on its first line: a code frame of a 10,000-line match would
/// bury the message (the full range is in the JSON and SARIF output).
fn first_line_span(source: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let end = range.end.max(range.start);
    let first_line_end = source
        .get(range.start..end)
        .and_then(|s| s.find('\n'))
        .map(|i| range.start + i);
    range.start..first_line_end.unwrap_or(end)
}

pub fn render(result: &AuditResult, ctx: &ReportContext) -> String {
    let mut out = String::new();
    if ctx.statistics {
        render_statistics(result, ctx, &mut out);
    } else {
        let theme = if ctx.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(WIDTH)
            .with_links(false);
        for f in &result.findings {
            let source = result
                .sources
                .get(&f.path)
                .map(|s| s.as_ref())
                .unwrap_or("");
            let diag = diagnostic(f, ctx, source);
            if handler.render_report(&mut out, &diag).is_err() {
                out.push_str(&format!(
                    "{}:{}:{}: {} [{}]\n",
                    f.path, f.start.line, f.start.column, f.message, f.rule_id
                ));
            }
            out.push('\n');
        }
    }
    render_summary(result, ctx, &mut out);
    out
}

fn render_statistics(result: &AuditResult, ctx: &ReportContext, out: &mut String) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &result.findings {
        *counts.entry(&f.rule_id).or_insert(0) += 1;
    }
    let mut rows: Vec<(&str, usize)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (id, n) in rows {
        let (sev, title) = ctx
            .rule(id)
            .map_or(("", ""), |r| (r.severity.as_str(), r.title.as_str()));
        out.push_str(&format!("{n:>5}  {sev:<8} {id:<40} {title}\n"));
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn render_summary(result: &AuditResult, ctx: &ReportContext, out: &mut String) {
    let n = result.findings.len();
    let files: std::collections::BTreeSet<&str> =
        result.findings.iter().map(|f| f.path.as_str()).collect();
    let skipped = result.skipped.len();
    if n == 0 {
        out.push_str("No findings.");
    } else {
        let by_sev: Vec<String> = Severity::ALL
            .iter()
            .filter_map(|s| {
                let c = result.findings.iter().filter(|f| f.severity == *s).count();
                (c > 0).then(|| format!("{c} {s}"))
            })
            .collect();
        out.push_str(&format!(
            "Found {} in {} ({}).",
            plural(n, "finding", "findings"),
            plural(files.len(), "file", "files"),
            by_sev.join(", ")
        ));
    }
    out.push_str(&format!(
        " Scanned {}{}.\n",
        plural(result.files_scanned, "file", "files"),
        if skipped > 0 {
            format!(", skipped {skipped}")
        } else {
            String::new()
        }
    ));
    if n > 0 {
        let mut by_cat: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &result.findings {
            *by_cat
                .entry(f.rule_id.split('/').next().unwrap_or(""))
                .or_insert(0) += 1;
        }
        let cats: Vec<String> = by_cat.iter().map(|(c, k)| format!("{c} {k}")).collect();
        out.push_str(&format!("  by category: {}\n", cats.join(" · ")));
    }
    if !result.apps.is_empty() {
        let apps: Vec<String> = result
            .apps
            .iter()
            .map(|a| format!("{} ({})", a.root.display(), a.framework.display_name()))
            .collect();
        out.push_str(&format!("  apps: {}\n", apps.join(", ")));
    }
    if result.suppressed > 0 {
        out.push_str(&format!(
            "  {} suppressed by skillstack-ignore comments\n",
            result.suppressed
        ));
    }
    if result.baselined > 0 {
        out.push_str(&format!(
            "  {} accepted by the baseline not shown\n",
            plural(result.baselined, "finding", "findings")
        ));
    }
    if result.stale_baseline > 0 {
        out.push_str(&format!(
            "  {} in the baseline matched nothing (`skillstack baseline prune` removes them)\n",
            plural(result.stale_baseline, "entry", "entries")
        ));
    }
    if result.outside_diff > 0 {
        out.push_str(&format!(
            "  {} outside the changed lines not shown\n",
            plural(result.outside_diff, "finding", "findings")
        ));
    }
    if result.below_confidence > 0 {
        out.push_str(&format!(
            "  {} below the minimum confidence not shown (--min-confidence low shows them)\n",
            plural(result.below_confidence, "finding", "findings")
        ));
    }
    if !result.parse_errors.is_empty() {
        out.push_str(&format!(
            "  {} with syntax errors (analysed anyway)\n",
            plural(result.parse_errors.len(), "file", "files")
        ));
    }
    if skipped > 0 {
        let counts: Vec<String> = result
            .skip_counts()
            .iter()
            .map(|(r, k)| format!("{k} {}", r.as_str()))
            .collect();
        out.push_str(&format!(
            "  skipped: {}{}\n",
            counts.join(", "),
            if ctx.verbose {
                ""
            } else {
                " (--verbose lists them)"
            }
        ));
    }
    if ctx.verbose {
        for (p, r) in &result.skipped {
            out.push_str(&format!("    skipped {p}: {}\n", r.describe()));
        }
        for p in &result.parse_errors {
            out.push_str(&format!("    syntax errors in {p}\n"));
        }
    }
    if !result.errors.is_empty() || !result.internal_errors.is_empty() {
        out.push_str(&format!(
            "  {} could not be audited (see the errors above)\n",
            plural(
                result.errors.len() + result.internal_errors.len(),
                "path",
                "paths"
            )
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::first_line_span;

    #[test]
    // A reversed span on purpose: a finding's end before its start must not panic.
    #[allow(clippy::reversed_empty_ranges)]
    fn spans_are_clipped_to_their_first_line() {
        assert_eq!(first_line_span("abc\ndef", 1..6), 1..3);
        assert_eq!(first_line_span("abc", 0..3), 0..3);
        assert_eq!(first_line_span("abc", 2..1), 2..2);
    }
}
