//! `skillstack skills list|show|check`.

use std::path::Path;

use skillstack_engine::rule::load::load_rule_set;
use skillstack_skills::check::{check_doc, check_library, CheckReport};
use skillstack_skills::render::{body, render_markdown, section_title, SECTION_KEYS};
use skillstack_skills::{Catalog, Library, SkillDoc};

use crate::cli::{SkillsCheckArgs, SkillsCommand, SkillsListArgs, SkillsShowArgs};
use crate::setup::{error, Errors};

/// The built-in skills library.
pub fn library() -> Library {
    Library::from_files(skillstack_builtin::skills()).0
}

pub fn run(cmd: SkillsCommand) -> Result<u8, Errors> {
    match cmd {
        SkillsCommand::List(a) => list(a),
        SkillsCommand::Show(a) => show(a),
        SkillsCommand::Check(a) => check(a),
        SkillsCommand::Install(a) => crate::commands::skills_install::install(a),
        SkillsCommand::Uninstall(a) => crate::commands::skills_install::uninstall(a),
    }
}

fn list(args: SkillsListArgs) -> Result<u8, Errors> {
    let lib = library();
    if let Some(c) = &args.category {
        if lib.catalog.category_name(c).is_none() {
            let cats: Vec<&str> = lib
                .catalog
                .category
                .iter()
                .map(|c| c.slug.as_str())
                .collect();
            return Err(error(
                format!("no skill category `{c}`"),
                format!("categories: {}", cats.join(", ")),
            ));
        }
    }
    let mut written_count = 0;
    for cat in &lib.catalog.category {
        if args.category.as_ref().is_some_and(|c| c != &cat.slug) {
            continue;
        }
        let entries: Vec<_> = lib
            .catalog
            .skill
            .iter()
            .filter(|s| s.category == cat.slug)
            .filter(|s| !args.written || lib.doc(&s.id).is_some())
            .collect();
        if entries.is_empty() {
            continue;
        }
        println!("{} ({})", cat.name, cat.slug);
        for s in entries {
            let written = lib.doc(&s.id).is_some();
            written_count += usize::from(written);
            println!(
                "  {:<38} {:<12} {}",
                s.id,
                if written { "written" } else { "not written" },
                s.title
            );
        }
        println!();
    }
    let total = lib.catalog.skill.len();
    println!(
        "{} skills in the catalog, {} written. `skillstack skills show ID` reads one.",
        total,
        lib.docs.len()
    );
    let _ = written_count;
    Ok(0)
}

fn show(args: SkillsShowArgs) -> Result<u8, Errors> {
    let lib = library();
    let Some(entry) = lib.catalog.entry(&args.id) else {
        let close: Vec<&str> = lib
            .catalog
            .skill
            .iter()
            .map(|s| s.id.as_str())
            .filter(|id| id.contains(args.id.rsplit('/').next().unwrap_or(&args.id)))
            .collect();
        let help = if close.is_empty() {
            "`skillstack skills list` lists every skill".to_string()
        } else {
            format!("did you mean: {}", close.join(", "))
        };
        return Err(error(format!("no skill `{}`", args.id), help));
    };
    if let Some(key) = &args.section {
        if section_title(key).is_none() {
            return Err(error(
                format!("unknown section `{key}`"),
                format!("sections: {}", SECTION_KEYS.join(", ")),
            ));
        }
    }
    let Some(doc) = lib.doc(&args.id) else {
        println!(
            "{} — {}\n\n{}\n\nThis skill is in the catalog but not written yet.",
            entry.id, entry.title, entry.summary
        );
        return Ok(0);
    };
    let md = match &args.section {
        None => body(doc).to_string(),
        Some(key) => {
            let Some(title) = section_title(key) else {
                return Err(error(
                    format!("unknown section `{key}`"),
                    format!("sections: {}", SECTION_KEYS.join(", ")),
                ));
            };
            if key == "prompt" {
                let p = doc.prompt().unwrap_or_default().to_string() + "\n";
                print!("{p}");
                return Ok(0);
            }
            match doc.section(title) {
                Some(s) => format!("## {}\n{}", s.title, s.body),
                None => {
                    return Err(error(
                        format!("`{}` has no `{title}` section", doc.meta.id),
                        "`skillstack skills show ID` shows the whole skill",
                    ))
                }
            }
        }
    };
    print!("{}", if args.raw { md } else { render_markdown(&md) });
    Ok(0)
}

fn check(args: SkillsCheckArgs) -> Result<u8, Errors> {
    let rules = load_rule_set(skillstack_builtin::rules(), &[]).map_err(|errs| {
        errs.into_iter()
            .map(miette::Report::new)
            .collect::<Vec<_>>()
    })?;
    let report = if args.files.is_empty() {
        check_library(&library(), &rules)
    } else {
        let catalog = match &args.catalog {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    error(
                        format!("{}: cannot read: {e}", p.display()),
                        "check --catalog",
                    )
                })?;
                Catalog::parse(&text)
                    .map_err(|e| error(format!("{}: {e}", p.display()), "fix the catalog"))?
            }
            None => library().catalog,
        };
        let mut report = CheckReport::default();
        for f in &args.files {
            let text = std::fs::read_to_string(f).map_err(|e| {
                error(
                    format!("{}: cannot read: {e}", f.display()),
                    "check the path",
                )
            })?;
            let rel = skill_path(f);
            match SkillDoc::parse(&rel, &text) {
                Ok(doc) => check_doc(&doc, &catalog, &rules, &mut report),
                Err(e) => report.problems.push(skillstack_skills::check::Problem {
                    path: rel,
                    line: None,
                    message: e,
                }),
            }
        }
        report
    };
    for p in &report.problems {
        println!("{p}");
    }
    for t in &report.todos {
        println!("todo (a wrong way no rule detects yet): {t}");
    }
    println!(
        "{} skill file(s), {} code block(s) checked, {} todo(s), {} problem(s)",
        report.skills,
        report.checked_blocks,
        report.todos.len(),
        report.problems.len()
    );
    Ok(if report.problems.is_empty() {
        0
    } else {
        crate::EXIT_FINDINGS
    })
}

/// `skills/auth/x.md` or `/abs/.../skills/auth/x.md` → `auth/x.md` (the id path).
fn skill_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    match s.rfind("skills/") {
        Some(i) => s[i + "skills/".len()..].to_string(),
        None => s,
    }
}
