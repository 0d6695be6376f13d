//! `skillstack baseline create|update|prune`.

use skillstack_engine::audit;
use skillstack_engine::baseline::{default_path, Baseline};
use skillstack_engine::rule::Confidence;

use crate::cli::{BaselineArgs, BaselineCommand};
use crate::commands::audit::{prepare, write_atomically, Prepared};
use crate::setup::{error, Errors};

pub fn run(cmd: BaselineCommand) -> Result<u8, Errors> {
    let (args, action) = match cmd {
        BaselineCommand::Create(a) => (a, Action::Create),
        BaselineCommand::Update(a) => (a, Action::Update),
        BaselineCommand::Prune(a) => (a, Action::Prune),
    };
    run_action(args, action)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
    Prune,
}

fn run_action(args: BaselineArgs, action: Action) -> Result<u8, Errors> {
    let Prepared {
        rules, mut opts, ..
    } = prepare(&args.paths, &args.scope)?;
    // Accept findings of every confidence, so lowering --min-confidence later surfaces nothing old.
    opts.min_confidence = Confidence::Low;
    let path = args
        .baseline
        .clone()
        .unwrap_or_else(|| default_path(&opts.project_root));
    let existing = if path.is_file() {
        Some(Baseline::load(&path).map_err(|e| {
            error(
                e,
                "fix the file, or delete it and run `skillstack baseline create`",
            )
        })?)
    } else {
        None
    };
    match (action, &existing) {
        (Action::Create, Some(_)) => {
            return Err(error(
                format!("{} already exists", path.display()),
                "use `skillstack baseline update` to add new findings, or delete the file first",
            ))
        }
        (Action::Update | Action::Prune, None) => {
            return Err(error(
                format!("{} does not exist", path.display()),
                "create it with `skillstack baseline create`",
            ))
        }
        _ => {}
    }

    let result = audit(&rules, &opts);
    for (p, e) in result.errors.iter().chain(&result.internal_errors) {
        eprintln!("error: {p}: {e}");
    }
    if !result.errors.is_empty() || !result.internal_errors.is_empty() {
        return Err(error(
            "the audit could not read every file, so the baseline was not written",
            "fix the errors above and run the command again",
        ));
    }

    let new = match (action, existing) {
        (Action::Create, _) => {
            let b = Baseline::from_findings(&result.findings, None);
            println!(
                "Accepted {} findings into {}.",
                b.entries.len(),
                path.display()
            );
            b
        }
        (Action::Update, Some(old)) => {
            let applied = old.apply(result.findings.clone());
            let mut merged = old.clone();
            merged
                .entries
                .extend(Baseline::from_findings(&applied.remaining, None).entries);
            merged.entries.sort_by(|a, b| {
                (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
            });
            println!(
                "Added {} new findings to {} ({} entries in all; {} no longer match: `skillstack baseline prune` removes them).",
                applied.remaining.len(),
                path.display(),
                merged.entries.len(),
                applied.stale.len()
            );
            merged
        }
        (Action::Prune, Some(old)) => {
            let applied = old.apply(result.findings.clone());
            for e in &applied.stale {
                println!("removed: {} {} — {}", e.path, e.rule, e.message);
            }
            let stale: std::collections::BTreeSet<&str> = applied
                .stale
                .iter()
                .map(|e| e.fingerprint.as_str())
                .collect();
            let mut kept = old.clone();
            kept.entries
                .retain(|e| !stale.contains(e.fingerprint.as_str()));
            println!(
                "Removed {} stale entries from {} ({} left).",
                applied.stale.len(),
                path.display(),
                kept.entries.len()
            );
            kept
        }
        _ => unreachable!("checked above"),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            error(
                format!("cannot create {}: {e}", dir.display()),
                "check permissions",
            )
        })?;
    }
    write_atomically(&path, new.to_json().as_bytes())?;
    Ok(0)
}
