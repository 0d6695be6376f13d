//! The whole pipeline: discover → detect apps → analyse files in parallel → sort.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;

use crate::analyze::{analyze_path, parse_path, FileContext, Selection};
use crate::config::selector_matches;
use crate::detect::{app_for, detect_apps, markers_above, App, Framework};
use crate::discover::{discover, SkipReason, WalkOptions};
use crate::finding::Finding;
use crate::model::ProjectModel;
use crate::rule::{Confidence, RuleSet, Severity};

/// Everything an audit needs besides the rules.
#[derive(Clone, Debug)]
pub struct AuditOptions {
    pub paths: Vec<PathBuf>,
    /// Worker threads (walk and analysis); at least 1.
    pub threads: usize,
    pub max_file_size: u64,
    pub exclude: Vec<String>,
    /// `exclude` globs are relative to this directory (the config file's).
    pub exclude_root: PathBuf,
    /// Treat every file as belonging to this framework instead of detecting apps.
    pub framework: Option<Framework>,
    /// Rule ids or categories to run (empty: all) and to leave out.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub min_confidence: Confidence,
    pub severity_overrides: BTreeMap<String, Severity>,
    /// Time one file may take to parse before it is skipped.
    pub parse_budget: Duration,
    /// Paths are shown relative to this directory when they are under it.
    pub cwd: PathBuf,
    /// Fingerprints and path globs use paths relative to this directory (see [`project_root`]).
    pub project_root: PathBuf,
    /// Walk, read and parse every file but run no rules and build no app model: the floor an
    /// audit cannot beat, measured by the benchmark (`audit --parse-only`).
    pub parse_only: bool,
}

impl AuditOptions {
    pub fn new(paths: Vec<PathBuf>, cwd: PathBuf) -> AuditOptions {
        AuditOptions {
            paths,
            threads: std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(12),
            max_file_size: crate::config::DEFAULT_MAX_FILE_SIZE,
            exclude: vec![],
            exclude_root: cwd.clone(),
            framework: None,
            select: vec![],
            ignore: vec![],
            min_confidence: Confidence::Medium,
            severity_overrides: BTreeMap::new(),
            parse_budget: Duration::from_secs(10),
            project_root: project_root(&cwd),
            cwd,
            parse_only: false,
        }
    }
}

/// What an audit found, sorted and ready to report.
#[derive(Debug, Default)]
pub struct AuditResult {
    pub findings: Vec<Finding>,
    /// Source text of the files with findings, by display path.
    pub sources: BTreeMap<String, Arc<str>>,
    pub files_scanned: usize,
    /// Files with syntax errors (still analysed), by display path.
    pub parse_errors: Vec<String>,
    pub skipped: Vec<(String, SkipReason)>,
    /// Paths that could not be read or walked, with the reason.
    pub errors: Vec<(String, String)>,
    /// Files whose analysis hit a bug in skillstack (caught; the run goes on).
    pub internal_errors: Vec<(String, String)>,
    pub suppressed: usize,
    pub below_confidence: usize,
    /// Findings left out because the baseline accepts them.
    pub baselined: usize,
    /// Baseline entries that matched nothing.
    pub stale_baseline: usize,
    /// Findings left out because they are not on lines changed since the diff base.
    pub outside_diff: usize,
    pub apps: Vec<App>,
    /// Ids of the rules that ran, sorted.
    pub rules_run: Vec<String>,
}

impl AuditResult {
    /// Skips counted by reason.
    pub fn skip_counts(&self) -> BTreeMap<SkipReason, usize> {
        crate::discover::count_skips(&self.skipped)
    }
}

/// Runs an audit. Never panics on bad input: unreadable paths and files are in `errors`.
pub fn audit(rules: &RuleSet, opts: &AuditOptions) -> AuditResult {
    let active: Vec<_> = rules
        .iter()
        .filter(|r| {
            opts.select.is_empty() || opts.select.iter().any(|s| selector_matches(s, &r.id))
        })
        .filter(|r| !opts.ignore.iter().any(|s| selector_matches(s, &r.id)))
        .collect();
    let sel = Selection {
        all: rules,
        active,
        min_confidence: opts.min_confidence,
        severity_overrides: opts.severity_overrides.clone(),
    };

    let walk = WalkOptions {
        threads: opts.threads,
        max_file_size: opts.max_file_size,
        exclude: opts.exclude.clone(),
        exclude_root: opts.exclude_root.clone(),
    };
    let found = discover(&opts.paths, &walk);
    let mut result = AuditResult {
        rules_run: if opts.parse_only {
            Vec::new()
        } else {
            sel.active.iter().map(|r| r.id.clone()).collect()
        },
        ..Default::default()
    };
    let show = |p: &Path| display_path(p, &opts.cwd);
    result.errors = found
        .errors
        .iter()
        .map(|(p, e)| (show(p), e.clone()))
        .collect();
    result.skipped = found.skipped.iter().map(|(p, r)| (show(p), *r)).collect();

    let apps: Vec<App> = if opts.framework.is_some() {
        Vec::new()
    } else {
        let mut markers: Vec<PathBuf> = found
            .markers
            .iter()
            .filter_map(|m| crate::paths::absolute(m).ok())
            .collect();
        for p in &opts.paths {
            markers.extend(markers_above(p));
        }
        detect_apps(&markers)
    };
    result.apps = apps
        .iter()
        .map(|a| App {
            framework: a.framework,
            root: PathBuf::from(show(&a.root)),
            marker: PathBuf::from(show(&a.marker)),
        })
        .collect();

    // Understand the apps (controllers, callbacks, schema) before any rule asks about them.
    let project = if opts.parse_only {
        ProjectModel::default()
    } else {
        ProjectModel::build(&apps, opts.parse_budget)
    };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build();
    let run = || {
        found
            .files
            .par_iter()
            .map(|(path, lang)| {
                let display = show(path);
                let rel = relative_to(path, &opts.project_root).unwrap_or_else(|| display.clone());
                let abs_path = crate::paths::absolute(path).unwrap_or_else(|_| path.clone());
                let framework = opts.framework.or_else(|| {
                    let abs = crate::paths::absolute(path).unwrap_or_else(|_| path.clone());
                    app_for(&apps, &abs).map(|a| a.framework)
                });
                let ctx = FileContext {
                    display: &display,
                    rel: &rel,
                    lang: *lang,
                    framework,
                    file: Some(abs_path.as_path()),
                    project: Some(&project),
                };
                let analysis = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    if opts.parse_only {
                        parse_path(path, *lang, opts.parse_budget)
                    } else {
                        analyze_path(path, &ctx, &sel, opts.parse_budget)
                    }
                }));
                (display, analysis)
            })
            .collect::<Vec<_>>()
    };
    let analyses = match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };

    for (display, analysis) in analyses {
        match analysis {
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                result.internal_errors.push((display, msg));
            }
            Ok(a) => {
                if let Some(reason) = a.skipped {
                    result.skipped.push((display, reason));
                    continue;
                }
                if let Some(e) = a.error {
                    result.errors.push((display, e));
                    continue;
                }
                result.files_scanned += 1;
                if a.parse_error {
                    result.parse_errors.push(display.clone());
                }
                result.suppressed += a.suppressed;
                result.below_confidence += a.below_confidence;
                if let Some(src) = a.source {
                    result.sources.insert(display, src);
                }
                result.findings.extend(a.findings);
            }
        }
    }
    result
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    result.skipped.sort();
    result.errors.sort();
    result.parse_errors.sort();
    result
}

/// The project root for a working directory: the enclosing git repository, else the directory itself.
pub fn project_root(cwd: &Path) -> PathBuf {
    let abs = crate::paths::absolute(cwd).unwrap_or_else(|_| cwd.to_path_buf());
    let mut dir = Some(abs.as_path());
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    abs
}

/// `path` relative to `root` (`/`-separated), when it is under it.
pub fn relative_to(path: &Path, root: &Path) -> Option<String> {
    let abs = crate::paths::absolute(path).ok()?;
    let rel = abs.strip_prefix(root).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// How a path is shown: relative to `cwd` when under it, `./` dropped, `/`-separated.
pub fn display_path(p: &Path, cwd: &Path) -> String {
    let rel = if p.is_absolute() {
        p.strip_prefix(cwd).unwrap_or(p)
    } else {
        p
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    let s = s.trim_start_matches("./");
    if s.is_empty() {
        ".".into()
    } else {
        s.to_string()
    }
}
