//! Loading what every command needs: the configuration and the rule set.

use std::path::{Path, PathBuf};

use skillstack_engine::config::Config;
use skillstack_engine::rule::load::load_rule_set;
use skillstack_engine::rule::RuleSet;

use crate::cli::RuleSourceArgs;

/// Errors a command reports before exiting 2, rendered by miette.
pub type Errors = Vec<miette::Report>;

pub fn error(msg: impl Into<String>, help: impl Into<String>) -> Errors {
    vec![miette::miette!(help = help.into(), "{}", msg.into())]
}

/// The configuration for `start`: `--config FILE`, none with `--no-config`, else the nearest
/// skillstack.toml above `start`.
pub fn load_config(src: &RuleSourceArgs, start: &Path) -> Result<Config, Errors> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let path = if src.no_config {
        None
    } else if let Some(p) = &src.config {
        if !p.is_file() {
            return Err(error(
                format!("config file {} does not exist", p.display()),
                "check the path given to --config",
            ));
        }
        Some(p.clone())
    } else {
        Config::find(start)
    };
    match path {
        None => Ok(Config::defaults(cwd)),
        Some(p) => Config::load(&p).map_err(|e| vec![miette::Report::new(e)]),
    }
}

/// The built-in rules plus the config's and the command line's rule directories.
pub fn load_rules(config: &Config, src: &RuleSourceArgs) -> Result<RuleSet, Errors> {
    let mut dirs = config.rules_dirs.clone();
    dirs.extend(src.rules.iter().cloned());
    for d in &dirs {
        if !d.is_dir() {
            return Err(error(
                format!("rules directory {} does not exist", d.display()),
                "check --rules and `rules-dirs` in skillstack.toml",
            ));
        }
    }
    let rules = load_rule_set(skillstack_builtin::rules(), &dirs).map_err(|errs| {
        errs.into_iter()
            .map(miette::Report::new)
            .collect::<Vec<_>>()
    })?;
    config
        .validate_rules(&rules)
        .map_err(|e| vec![miette::Report::new(e)])?;
    Ok(rules)
}
