//! JSON output: a documented, versioned schema (see `docs/json-output.md`).

use serde_json::{json, Value};
use skillstack_engine::AuditResult;

use crate::ReportContext;

/// Bumped on any incompatible change to the JSON output.
pub const JSON_SCHEMA_VERSION: u32 = 1;

pub fn render(result: &AuditResult, ctx: &ReportContext) -> String {
    let findings: Vec<Value> = result
        .findings
        .iter()
        .map(|f| {
            let rule = ctx.rule(&f.rule_id);
            let skill = rule.and_then(|r| ctx.skill(r));
            json!({
                "rule": f.rule_id,
                "title": rule.map(|r| r.title.as_str()),
                "category": f.rule_id.split('/').next(),
                "severity": f.severity,
                "confidence": f.confidence,
                "path": f.path,
                "start": { "line": f.start.line, "column": f.start.column },
                "end": { "line": f.end.line, "column": f.end.column },
                "message": f.message,
                "symbol": f.symbol,
                "entry": f.entry,
                "related": f.related.iter().map(|r| json!({
                    "start": { "line": r.start.line, "column": r.start.column },
                    "end": { "line": r.end.line, "column": r.end.column },
                    "message": r.message,
                })).collect::<Vec<_>>(),
                "framework": f.framework,
                "fix": rule.map(|r| r.fix.as_str()),
                "fix_prompt": f.fix_prompt,
                "skill": rule.and_then(|r| r.skill.as_deref()).map(|id| json!({
                    "id": id,
                    "title": skill.map(|s| s.title.as_str()),
                    "written": skill.is_some_and(|s| s.prompt.is_some()),
                    "prompt": skill.and_then(|s| s.prompt.as_deref()),
                })),
                "cwe": rule.map(|r| r.cwe.clone()).unwrap_or_default(),
                "fingerprint": f.fingerprint,
            })
        })
        .collect();
    let mut by_severity = serde_json::Map::new();
    for sev in skillstack_engine::Severity::ALL {
        by_severity.insert(
            sev.as_str().into(),
            json!(result.findings.iter().filter(|f| f.severity == sev).count()),
        );
    }
    let skipped: serde_json::Map<String, Value> = result
        .skip_counts()
        .into_iter()
        .map(|(r, n)| (r.as_str().to_string(), json!(n)))
        .collect();
    let doc = json!({
        "version": JSON_SCHEMA_VERSION,
        "tool": { "name": "skillstack", "version": ctx.tool_version },
        "findings": findings,
        "summary": {
            "findings": result.findings.len(),
            "by_severity": by_severity,
            "files_scanned": result.files_scanned,
            "files_with_syntax_errors": result.parse_errors.len(),
            "skipped": skipped,
            "suppressed": result.suppressed,
            "baselined": result.baselined,
            "stale_baseline_entries": result.stale_baseline,
            "outside_diff": result.outside_diff,
            "below_min_confidence": result.below_confidence,
            "rules_run": result.rules_run.len(),
        },
        "apps": result.apps.iter().map(|a| json!({"framework": a.framework, "root": a.root, "marker": a.marker})).collect::<Vec<_>>(),
        "skipped_files": result.skipped.iter().map(|(p, r)| json!({"path": p, "reason": r})).collect::<Vec<_>>(),
        "files_with_syntax_errors": result.parse_errors,
        "errors": result.errors.iter().chain(&result.internal_errors).map(|(p, e)| json!({"path": p, "message": e})).collect::<Vec<_>>(),
    });
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
