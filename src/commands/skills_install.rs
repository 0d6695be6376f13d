//! `skillstack skills install|uninstall`: the written skills in the agents' own files. The export
//! itself lives in `skillstack_skills::export`; this module resolves the flags and reports.

use std::path::{Path, PathBuf};

use skillstack_engine::detect::{detect_apps, markers_above, Framework};
use skillstack_engine::discover::{discover, WalkOptions};
use skillstack_skills::export::{
    apply, detect_agents, plan_install, plan_uninstall, Action, Agent, Change, ExportSet, Refusal,
    GENERATED_MARKER,
};
use skillstack_skills::{Library, SkillDoc};

use crate::cli::{AgentArg, FrameworkArg, SkillsInstallArgs, SkillsUninstallArgs};
use crate::setup::{error, Errors};

fn agents_of(args: &[AgentArg]) -> Vec<Agent> {
    let mut out: Vec<Agent> = args
        .iter()
        .flat_map(|a| match a {
            AgentArg::Claude => vec![Agent::Claude],
            AgentArg::Copilot => vec![Agent::Copilot],
            AgentArg::Cursor => vec![Agent::Cursor],
            AgentArg::AgentsMd => vec![Agent::AgentsMd],
            AgentArg::All => Agent::ALL.to_vec(),
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

fn check_dir(dir: &Path) -> Result<(), Errors> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(error(
            format!("{} is not a directory", dir.display()),
            "pass the repository's root directory (default: the current directory)",
        ))
    }
}

/// The frameworks of the apps in `root`, found the way `audit` finds them.
fn detect_frameworks(root: &Path) -> Vec<Framework> {
    let walk = WalkOptions {
        threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        max_file_size: skillstack_engine::config::DEFAULT_MAX_FILE_SIZE,
        exclude: Vec::new(),
        exclude_root: root.to_path_buf(),
    };
    let found = discover(&[root.to_path_buf()], &walk);
    let mut markers: Vec<PathBuf> = found
        .markers
        .iter()
        .filter_map(|m| skillstack_engine::paths::absolute(m).ok())
        .collect();
    markers.extend(markers_above(root));
    let mut out: Vec<Framework> = detect_apps(&markers)
        .into_iter()
        .map(|a| a.framework)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The written skills `--only` selects (all when empty); an unknown or unwritten selection is an
/// error rather than a silently smaller export.
fn select_skills<'a>(lib: &'a Library, only: &[String]) -> Result<Vec<&'a SkillDoc>, Errors> {
    for sel in only {
        if lib.catalog.category_name(sel).is_some() {
            if !lib.docs.iter().any(|d| &d.meta.category == sel) {
                return Err(error(
                    format!("no skill in category `{sel}` is written yet"),
                    "only written skills are exported; `skillstack skills list --written` lists them",
                ));
            }
        } else if lib.catalog.entry(sel).is_some() {
            if lib.doc(sel).is_none() {
                return Err(error(
                    format!("skill `{sel}` is in the catalog but not written yet"),
                    "only written skills are exported; `skillstack skills list --written` lists them",
                ));
            }
        } else {
            return Err(error(
                format!("--only `{sel}` is neither a skill id nor a category"),
                "`skillstack skills list` shows the ids (e.g. auth/magic-link) and categories (e.g. auth)",
            ));
        }
    }
    Ok(lib
        .docs
        .iter()
        .filter(|d| {
            only.is_empty()
                || only
                    .iter()
                    .any(|s| s == &d.meta.id || s == &d.meta.category)
        })
        .collect())
}

fn refusal_errors(refusals: Vec<Refusal>, verb: &str) -> Errors {
    refusals
        .into_iter()
        .map(|r| {
            miette::miette!(
                help = format!(
                    "skillstack only {verb} files it generated (they contain `{GENERATED_MARKER}`); move or rename this one, then run again. Nothing was written."
                ),
                "{}: {}",
                r.path,
                r.reason
            )
        })
        .collect()
}

fn print_changes(changes: &[Change], dry_run: bool) {
    for c in changes {
        let action = if dry_run {
            format!("would be {}", c.action.as_str())
        } else {
            c.action.as_str().to_string()
        };
        println!("  {action:<20} {}", c.path);
    }
}

fn count(changes: &[Change], action: Action) -> usize {
    changes.iter().filter(|c| c.action == action).count()
}

pub fn install(args: SkillsInstallArgs) -> Result<u8, Errors> {
    check_dir(&args.dir)?;
    let agents = if args.agent.is_empty() {
        let found = detect_agents(&args.dir);
        if found.is_empty() {
            let looked_for: Vec<&str> = Agent::ALL.iter().map(|a| a.detection_marker()).collect();
            return Err(error(
                format!(
                    "no AI agent detected in {} (none of {})",
                    args.dir.display(),
                    looked_for.join(", ")
                ),
                "say which to install for: --agent claude|copilot|cursor|agents-md|all",
            ));
        }
        found
    } else {
        agents_of(&args.agent)
    };
    let lib = crate::commands::skills::library();
    let skills = select_skills(&lib, &args.only)?;
    let (frameworks, fw_note) = if !args.framework.is_empty() {
        let mut f: Vec<Framework> = args.framework.iter().map(|f| framework(*f)).collect();
        f.sort();
        f.dedup();
        (f, "")
    } else {
        match detect_frameworks(&args.dir) {
            f if f.is_empty() => (
                Framework::ALL.to_vec(),
                " (no app detected: all three; --framework chooses)",
            ),
            f => (f, " (detected)"),
        }
    };
    let set = ExportSet {
        skills,
        frameworks,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let changes =
        plan_install(&args.dir, &agents, &set).map_err(|r| refusal_errors(r, "overwrites"))?;
    if !args.dry_run {
        apply(&args.dir, &changes).map_err(|e| {
            error(
                e,
                "check that the directory is writable; files already written are complete, run again to finish",
            )
        })?;
    }
    if args.dry_run {
        println!("Dry run: nothing was written.");
    }
    print_changes(&changes, args.dry_run);
    let names: Vec<&str> = agents.iter().map(|a| a.as_str()).collect();
    let fws: Vec<&str> = set.frameworks.iter().map(|f| f.display_name()).collect();
    println!(
        "{} {} written skill(s) for {} — frameworks: {}{fw_note}. {} created, {} updated, {} unchanged.",
        if args.dry_run { "Would install" } else { "Installed" },
        set.skills.len(),
        names.join(", "),
        fws.join(", "),
        count(&changes, Action::Create),
        count(&changes, Action::Update),
        count(&changes, Action::Unchanged),
    );
    println!(
        "Only written skills are exported: {} of the {} in the catalog (`skillstack skills list --written`).",
        lib.docs.len(),
        lib.catalog.skill.len()
    );
    Ok(0)
}

pub fn uninstall(args: SkillsUninstallArgs) -> Result<u8, Errors> {
    check_dir(&args.dir)?;
    let agents = if args.agent.is_empty() {
        Agent::ALL.to_vec()
    } else {
        agents_of(&args.agent)
    };
    let changes = plan_uninstall(&args.dir, &agents).map_err(|r| refusal_errors(r, "removes"))?;
    if !args.dry_run {
        apply(&args.dir, &changes)
            .map_err(|e| error(e, "check that the directory is writable, then run again"))?;
    }
    if args.dry_run {
        println!("Dry run: nothing was changed.");
    }
    print_changes(&changes, args.dry_run);
    println!(
        "{}{} file(s) removed, {} updated (AGENTS.md without its skillstack block). Files without skillstack's marker were left alone.",
        if args.dry_run { "Dry run: " } else { "" },
        count(&changes, Action::Remove),
        count(&changes, Action::Update),
    );
    Ok(0)
}

fn framework(f: FrameworkArg) -> Framework {
    match f {
        FrameworkArg::Nextjs => Framework::NextJs,
        FrameworkArg::Rails => Framework::Rails,
        FrameworkArg::Laravel => Framework::Laravel,
    }
}
