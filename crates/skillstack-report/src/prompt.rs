//! `--output-format prompt`: one Markdown document for an AI coding agent to act on. Findings are
//! grouped by skill (the skill is introduced once per group, however many findings it has), and
//! each finding says where it is, its entry point, what is wrong, the rule's fix prompt filled in
//! for that place, and the command that proves the fix.

use std::collections::BTreeMap;

use skillstack_engine::rule::Confidence;
use skillstack_engine::{AuditResult, Finding};

use crate::ReportContext;

/// Renders the document. Deterministic: groups sorted by skill id, findings in report order.
pub fn render(result: &AuditResult, ctx: &ReportContext) -> String {
    let mut md = String::new();
    let n = result.findings.len();
    if n == 0 {
        md.push_str("# skillstack audit: nothing to fix\n\n");
        md.push_str(&format!(
            "skillstack {} found no findings in {} files.\n",
            ctx.tool_version, result.files_scanned
        ));
        push_errors(result, &mut md);
        return md;
    }
    md.push_str(&format!(
        "# skillstack audit: {n} finding{} to fix\n\n",
        if n == 1 { "" } else { "s" }
    ));
    md.push_str(&format!(
        "skillstack {} audited {} files{}. Work through the findings below, one skill at a time: open the file at the line, make the change the fix describes without changing unrelated behaviour, then run the finding's check. The check must pass before you move on.\n",
        ctx.tool_version,
        result.files_scanned,
        apps_note(result)
    ));

    // Group by linked skill; findings whose rule links none come last.
    let mut groups: BTreeMap<(bool, String), Vec<&Finding>> = BTreeMap::new();
    for f in &result.findings {
        let skill = ctx.rule(&f.rule_id).and_then(|r| r.skill.clone());
        groups
            .entry((skill.is_none(), skill.unwrap_or_default()))
            .or_default()
            .push(f);
    }
    let mut number = 0;
    // Fix prompts already shown, without their place, so a repeat can point back instead.
    let mut shown: BTreeMap<String, usize> = BTreeMap::new();
    for ((_, skill_id), findings) in &groups {
        push_skill_header(skill_id, findings.len(), ctx, &mut md);
        let mut rules_seen: Vec<&str> = Vec::new();
        for f in findings {
            if !rules_seen.contains(&f.rule_id.as_str()) {
                rules_seen.push(&f.rule_id);
                push_rule(f, ctx, &mut md);
            }
            number += 1;
            let key = format!(
                "{}\0{}",
                f.path,
                f.fix_prompt
                    .replace(&format!("{}:{}", f.path, f.start.line), "")
            );
            let same_as = shown.get(&key).copied();
            shown.entry(key).or_insert(number);
            push_finding(number, f, same_as, &mut md);
        }
    }
    push_errors(result, &mut md);
    md
}

fn apps_note(result: &AuditResult) -> String {
    if result.apps.is_empty() {
        return String::new();
    }
    let apps: Vec<String> = result
        .apps
        .iter()
        .map(|a| {
            format!(
                "{} ({})",
                a.root.to_string_lossy().replace('\\', "/"),
                a.framework.display_name()
            )
        })
        .collect();
    format!(" in {}", apps.join(", "))
}

fn push_skill_header(skill_id: &str, count: usize, ctx: &ReportContext, md: &mut String) {
    let plural = if count == 1 { "" } else { "s" };
    if skill_id.is_empty() {
        md.push_str(&format!("\n## Other findings ({count} finding{plural})\n"));
        return;
    }
    match ctx.skills.get(skill_id) {
        Some(s) => {
            md.push_str(&format!(
                "\n## Skill `{}`: {} ({count} finding{plural})\n\n{}\n",
                s.id, s.title, s.summary
            ));
            if s.prompt.is_some() {
                md.push_str(&format!(
                    "For the whole pattern, read the skill: `skillstack skills show {} --section prompt` (the prompt), `skillstack skills show {}` (everything).\n",
                    s.id, s.id
                ));
            }
        }
        None => md.push_str(&format!(
            "\n## Skill `{skill_id}` ({count} finding{plural})\n"
        )),
    }
}

/// The rule, once per group: its title and why it matters.
fn push_rule(f: &Finding, ctx: &ReportContext, md: &mut String) {
    match ctx.rule(&f.rule_id) {
        Some(r) => md.push_str(&format!(
            "\n### Rule `{}`: {}\n\n{}\n",
            r.id,
            r.title,
            one_paragraph(&r.why)
        )),
        None => md.push_str(&format!("\n### Rule `{}`\n", f.rule_id)),
    }
}

/// One finding. `same_as` is an earlier finding whose fix covers this one too (same file, same
/// prompt but for the line): pointed to instead of repeating the prompt.
fn push_finding(number: usize, f: &Finding, same_as: Option<usize>, md: &mut String) {
    md.push_str(&format!(
        "\n#### {number}. `{}:{}:{}`\n\n",
        f.path, f.start.line, f.start.column
    ));
    // The entry point's own related location gives its line; the others are listed below.
    let entry_related = |r: &&skillstack_engine::finding::Related| {
        f.entry
            .as_ref()
            .is_some_and(|e| r.message == format!("entry point: {e}"))
    };
    let place = match (&f.entry, &f.symbol) {
        (Some(e), _) => match f.related.iter().find(entry_related) {
            Some(r) => format!("- Entry point: {e} (line {})\n", r.start.line),
            None => format!("- Entry point: {e}\n"),
        },
        (None, Some(s)) => format!("- In: `{s}`\n"),
        (None, None) => "- In: the top level of the file\n".to_string(),
    };
    md.push_str(&place);
    md.push_str(&format!(
        "- Severity: {}, confidence: {}\n- What is wrong: {}\n",
        f.severity, f.confidence, f.message
    ));
    for r in f.related.iter().filter(|r| !entry_related(r)) {
        md.push_str(&format!(
            "- See also line {}: {}\n",
            r.start.line,
            one_paragraph(&r.message)
        ));
    }
    match same_as {
        Some(n) => md.push_str(&format!(
            "- Fix: the fix for finding {n} covers this line too; check it is gone.\n"
        )),
        None => {
            let fence = fence_for(&f.fix_prompt);
            md.push_str(&format!(
                "- Fix:\n\n{fence}text\n{}\n{fence}\n\n",
                f.fix_prompt.trim_end()
            ));
        }
    }
    let confidence = if f.confidence == Confidence::Low {
        " --min-confidence low"
    } else {
        ""
    };
    let here = match (&f.entry, &f.symbol) {
        (Some(e), _) => format!("in {e}"),
        (None, Some(s)) => format!("in `{s}`"),
        (None, None) => format!("near line {}", f.start.line),
    };
    md.push_str(&format!(
        "- Check: after the fix, `skillstack audit {} --select {}{confidence}` reports no `{}` finding {here}.\n",
        shell_word(&f.path),
        f.rule_id,
        f.rule_id
    ));
}

fn push_errors(result: &AuditResult, md: &mut String) {
    let errors: Vec<&(String, String)> = result
        .errors
        .iter()
        .chain(&result.internal_errors)
        .collect();
    if errors.is_empty() {
        return;
    }
    md.push_str("\n## Not audited\n\nThese paths could not be analysed, so findings in them may be missing:\n\n");
    for (path, msg) in errors {
        md.push_str(&format!("- `{path}`: {msg}\n"));
    }
}

/// A paragraph on one line.
fn one_paragraph(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A code fence longer than any backtick run in `text`, so a prompt that quotes code cannot
/// close it early.
fn fence_for(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat((longest + 1).max(3))
}

/// A path quoted for a POSIX shell when it needs it (Next.js route groups have parentheses).
fn shell_word(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+@:=,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outlast_the_text_and_paths_are_quoted() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("has ```ts\ncode``` inside"), "````");
        assert_eq!(shell_word("app/api/route.ts"), "app/api/route.ts");
        assert_eq!(shell_word("app/(dash)/x.ts"), "'app/(dash)/x.ts'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
