//! `skillstack explain RULE`: everything about one rule, with its skill and fix prompt.

use crate::cli::ExplainArgs;
use crate::setup::{error, load_config, load_rules, Errors};

pub fn run(args: ExplainArgs) -> Result<u8, Errors> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let config = load_config(&args.source, &cwd)?;
    let rules = load_rules(&config, &args.source)?;
    let Some(rule) = rules.get(&args.rule) else {
        let key = args.rule.rsplit('/').next().unwrap_or(&args.rule);
        let close: Vec<&str> = rules
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| {
                id.contains(key) || args.rule.starts_with(id.split('/').next().unwrap_or(""))
            })
            .collect();
        let help = if close.is_empty() {
            "`skillstack rules` lists every rule".to_string()
        } else {
            format!("did you mean: {}", close.join(", "))
        };
        return Err(error(format!("no rule `{}`", args.rule), help));
    };
    let library = crate::commands::skills::library();
    let skills = crate::skills::catalog(&library);
    let mut out = String::new();
    out.push_str(&format!("{}\n{}\n\n", rule.id, rule.title));
    let fw = if rule.frameworks.is_empty() {
        "any".into()
    } else {
        rule.frameworks
            .iter()
            .map(|f| f.display_name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.push_str(&format!(
        "severity: {}   confidence: {}   frameworks: {fw}",
        rule.severity, rule.confidence
    ));
    if !rule.cwe.is_empty() {
        out.push_str(&format!("   {}", rule.cwe.join(", ")));
    }
    out.push_str("\n\n");
    out.push_str(&format!(
        "WHY IT MATTERS\n{}\n\nHOW TO FIX IT\n{}\n",
        rule.why, rule.fix
    ));
    for ex in &rule.examples {
        if let Some(bad) = &ex.bad {
            out.push_str(&format!(
                "\nFLAGGED ({}, {})\n{}\n",
                ex.lang.name(),
                ex.path,
                bad.trim_end()
            ));
        }
        if let Some(good) = &ex.good {
            out.push_str(&format!(
                "\nNOT FLAGGED ({}, {})\n{}\n",
                ex.lang.name(),
                ex.path,
                good.trim_end()
            ));
        }
    }
    if let Some(id) = &rule.skill {
        match skills.get(id) {
            Some(s) => {
                out.push_str(&format!("\nSKILL\n{} — {}\n{}\n", s.id, s.title, s.summary));
                match library.doc(id) {
                    Some(_) => out.push_str(&format!("Read it: skillstack skills show {id}\n")),
                    None => out.push_str("(not written yet)\n"),
                }
            }
            None => out.push_str(&format!("\nSKILL\n{id}\n")),
        }
    }
    out.push_str(&format!("\nFIX PROMPT (paste into your AI agent; {{path}} and {{line}} are filled in audit output)\n{}\n", rule.prompt));
    if let Some(prompt) = rule
        .skill
        .as_deref()
        .and_then(|id| library.doc(id))
        .and_then(|d| d.prompt())
    {
        out.push_str(&format!(
            "\nTHE SKILL'S PROMPT (for the whole pattern)\n{prompt}\n"
        ));
    }
    print!("{out}");
    Ok(0)
}
