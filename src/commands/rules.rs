//! `skillstack rules`: the rule table.

use serde_json::json;

use crate::cli::RulesArgs;
use crate::setup::{load_config, load_rules, Errors};

pub fn run(args: RulesArgs) -> Result<u8, Errors> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let config = load_config(&args.source, &cwd)?;
    let rules = load_rules(&config, &args.source)?;
    let fw = |r: &skillstack_engine::Rule| {
        if r.frameworks.is_empty() {
            "any".to_string()
        } else {
            r.frameworks
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let langs = |r: &skillstack_engine::Rule| {
        let l: Vec<&str> = r.languages().iter().map(|l| l.name()).collect();
        if l.is_empty() {
            "any".to_string()
        } else {
            l.join(",")
        }
    };
    if args.json {
        let list: Vec<_> = rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "title": r.title, "severity": r.severity, "confidence": r.confidence,
                    "frameworks": r.frameworks, "languages": r.languages().iter().map(|l| l.name()).collect::<Vec<_>>(),
                    "skill": r.skill, "cwe": r.cwe,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&list).unwrap_or_default()
        );
        return Ok(0);
    }
    println!(
        "{:<40} {:<9} {:<10} {:<22} {:<16} SKILL",
        "RULE", "SEVERITY", "CONFIDENCE", "FRAMEWORKS", "LANGUAGES"
    );
    for r in rules.iter() {
        println!(
            "{:<40} {:<9} {:<10} {:<22} {:<16} {}",
            r.id,
            r.severity.as_str(),
            r.confidence.as_str(),
            fw(r),
            langs(r),
            r.skill.as_deref().unwrap_or("-")
        );
    }
    Ok(0)
}
