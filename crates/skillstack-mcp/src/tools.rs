//! What the MCP tools compute, as plain functions (the server only wraps them): an audit as the
//! JSON report, a rule's explanation, the skills list and one skill. Errors are messages for the
//! client, never panics.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};
use skillstack_engine::config::{selector_exists, Config};
use skillstack_engine::detect::Framework;
use skillstack_engine::rule::load::load_rule_set;
use skillstack_engine::rule::{Confidence, RuleSet};
use skillstack_engine::{audit, AuditOptions};
use skillstack_report::{prompt_template, render, Format, ReportContext, SkillInfo};
use skillstack_skills::render::{body, section_title, SECTION_KEYS};
use skillstack_skills::Library;

/// The skills library and the built-in rules, loaded once per server.
pub struct Context {
    pub library: Library,
    pub rules: RuleSet,
    /// Catalog entries with their prompts, as the reports link them.
    pub skills: BTreeMap<String, SkillInfo>,
    pub version: String,
}

impl Context {
    /// Loads the built-in skills and rules. A broken built-in rule is an error at start-up.
    pub fn load(version: &str) -> Result<Context, String> {
        let library = Library::from_files(skillstack_builtin::skills()).0;
        let rules = load_rule_set(skillstack_builtin::rules(), &[]).map_err(|errs| {
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let skills = library
            .catalog
            .skill
            .iter()
            .map(|e| {
                let prompt = library
                    .doc(&e.id)
                    .and_then(|d| d.prompt())
                    .map(str::to_string);
                let info = SkillInfo {
                    id: e.id.clone(),
                    title: e.title.clone(),
                    summary: e.summary.clone(),
                    prompt,
                };
                (e.id.clone(), info)
            })
            .collect();
        Ok(Context {
            library,
            rules,
            skills,
            version: version.to_string(),
        })
    }
}

/// Audits `path` (read only) with the configuration found above it, optionally only one rule or
/// category, and returns skillstack's JSON report (each finding with its fix prompt).
pub fn audit_json(
    ctx: &Context,
    path: &str,
    rule: Option<&str>,
    min_confidence: Option<&str>,
) -> Result<String, String> {
    let target = PathBuf::from(path);
    if !target.exists() {
        return Err(format!(
            "path `{path}` does not exist (relative paths are resolved from the server's working directory, {})",
            cwd().display()
        ));
    }
    let config = match Config::find(&target) {
        Some(p) => Config::load(&p).map_err(|e| format!("{e}"))?,
        None => Config::defaults(cwd()),
    };
    let rules = load_rule_set(skillstack_builtin::rules(), &config.rules_dirs).map_err(|errs| {
        errs.iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    config.validate_rules(&rules).map_err(|e| format!("{e}"))?;
    let mut opts = AuditOptions::new(vec![target], cwd());
    opts.max_file_size = config.max_file_size;
    opts.parse_budget = Duration::from_secs_f64(config.file_timeout);
    opts.exclude = config.exclude.clone();
    opts.exclude_root = config.root.clone();
    opts.ignore = config.ignore.clone();
    opts.severity_overrides = config.severity.clone();
    opts.select = match rule {
        Some(r) if !selector_exists(r, &rules) => {
            return Err(format!(
                "no rule or category `{r}`; the `explain` tool takes a rule id, and a category is the part before the `/` (e.g. `auth`)"
            ))
        }
        Some(r) => vec![r.to_string()],
        None => config.select.clone(),
    };
    opts.min_confidence = match min_confidence {
        None => config.min_confidence,
        Some("low") => Confidence::Low,
        Some("medium") => Confidence::Medium,
        Some("high") => Confidence::High,
        Some(other) => {
            return Err(format!(
                "min_confidence `{other}` is not one of low, medium, high"
            ))
        }
    };
    let result = audit(&rules, &opts);
    let report_ctx = ReportContext {
        rules: &rules,
        skills: &ctx.skills,
        tool_version: &ctx.version,
        color: false,
        verbose: false,
        statistics: false,
    };
    Ok(render(Format::Json, &result, &report_ctx))
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."))
}

/// Everything about one rule, as JSON.
pub fn explain_json(ctx: &Context, id: &str) -> Result<String, String> {
    let Some(rule) = ctx.rules.get(id) else {
        let key = id.rsplit('/').next().unwrap_or(id);
        let close: Vec<&str> = ctx
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .filter(|r| key.len() >= 3 && r.contains(key))
            .collect();
        return Err(if close.is_empty() {
            format!("no rule `{id}`; rule ids look like `data/raw-sql-interpolation`")
        } else {
            format!("no rule `{id}`; did you mean: {}", close.join(", "))
        });
    };
    let skill = rule.skill.as_deref().map(|s| {
        let info = ctx.skills.get(s);
        json!({
            "id": s,
            "title": info.map(|i| i.title.as_str()),
            "summary": info.map(|i| i.summary.as_str()),
            "written": ctx.library.doc(s).is_some(),
        })
    });
    let examples: Vec<Value> = rule
        .examples
        .iter()
        .map(|e| json!({"language": e.lang.name(), "path": e.path, "flagged": e.bad, "not_flagged": e.good}))
        .collect();
    let v = json!({
        "id": rule.id,
        "title": rule.title,
        "severity": rule.severity,
        "confidence": rule.confidence,
        "frameworks": rule.frameworks,
        "cwe": rule.cwe,
        "why": rule.why,
        "fix": rule.fix,
        "limits": rule.limits,
        "fix_prompt_template": prompt_template(&rule.prompt),
        "examples": examples,
        "skill": skill,
    });
    Ok(pretty(&v))
}

/// The catalog, optionally one category and/or the written skills for one framework.
pub fn list_skills_json(
    ctx: &Context,
    category: Option<&str>,
    framework: Option<&str>,
) -> Result<String, String> {
    let cat = &ctx.library.catalog;
    if let Some(c) = category {
        if cat.category_name(c).is_none() {
            let all: Vec<&str> = cat.category.iter().map(|c| c.slug.as_str()).collect();
            return Err(format!(
                "no skill category `{c}`; categories: {}",
                all.join(", ")
            ));
        }
    }
    let fw = framework.map(parse_framework).transpose()?;
    let skills: Vec<Value> = cat
        .skill
        .iter()
        .filter(|s| category.is_none_or(|c| s.category == c))
        .filter_map(|s| {
            let doc = ctx.library.doc(&s.id);
            if let Some(f) = fw {
                // Only a written skill says which frameworks it has code for.
                doc.filter(|d| d.meta.frameworks.iter().any(|m| m == f.as_str()))?;
            }
            Some(json!({
                "id": s.id,
                "title": s.title,
                "category": s.category,
                "summary": s.summary,
                "written": doc.is_some(),
                "frameworks": doc.map(|d| d.meta.frameworks.clone()),
                "rules": doc.map(|d| d.meta.rules.clone()),
            }))
        })
        .collect();
    Ok(pretty(&json!({
        "skills": skills,
        "written": ctx.library.docs.len(),
        "catalog": cat.skill.len(),
    })))
}

fn parse_framework(s: &str) -> Result<Framework, String> {
    Framework::parse(s)
        .ok_or_else(|| format!("unknown framework `{s}`; use nextjs, rails or laravel"))
}

/// One skill as Markdown: the whole skill, one section, or the general sections plus one
/// framework's code.
pub fn get_skill_md(
    ctx: &Context,
    id: &str,
    section: Option<&str>,
    framework: Option<&str>,
) -> Result<String, String> {
    let Some(entry) = ctx.library.catalog.entry(id) else {
        return Err(format!(
            "no skill `{id}`; the `list_skills` tool lists every skill id"
        ));
    };
    let Some(doc) = ctx.library.doc(id) else {
        return Ok(format!(
            "# {}\n\n{}\n\nThis skill is in the catalog but not written yet.\n",
            entry.title, entry.summary
        ));
    };
    let fw = framework.map(parse_framework).transpose()?;
    if let Some(key) = section {
        let Some(title) = section_title(key) else {
            return Err(format!(
                "unknown section `{key}`; sections: {}",
                SECTION_KEYS.join(", ")
            ));
        };
        return match doc.section(title) {
            Some(s) => Ok(format!("## {}\n{}", s.title, s.body)),
            None => Err(format!("`{id}` has no `{title}` section")),
        };
    }
    let Some(f) = fw else {
        return Ok(body(doc).to_string());
    };
    if !doc.meta.frameworks.iter().any(|m| m == f.as_str()) {
        return Err(format!(
            "`{id}` has no {} code; it covers: {}",
            f.display_name(),
            doc.meta.frameworks.join(", ")
        ));
    }
    let mut md = format!("# {}\n\n", doc.meta.title);
    for s in &doc.sections {
        let is_framework = Framework::ALL.iter().any(|x| x.display_name() == s.title);
        if !is_framework || s.title == f.display_name() {
            md.push_str(&format!("## {}\n{}", s.title, s.body));
        }
    }
    Ok(md)
}

/// The written skill behind a prompt name `skill-<category>-<slug>`.
pub fn skill_for_prompt<'a>(
    ctx: &'a Context,
    name: &str,
) -> Option<&'a skillstack_skills::SkillDoc> {
    let rest = name.strip_prefix("skill-")?;
    ctx.library
        .docs
        .iter()
        .find(|d| skillstack_skills::export::export_name(&d.meta.id) == rest)
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
