//! The whole pipeline: discover → detect apps → analyse files in parallel → sort.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;

use crate::analyze::{
    analyze_bytes, analyze_path, decode, parse_path, read_checked, FileContext, Selection,
};
use crate::cache::{digest, Cache};
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
    /// Walk, read and parse every file but run no rules and build no app model: the parse
    /// floor the benchmark measures (`audit --parse-only`). An audit parses only the files some
    /// pattern may match, so it can come in under it.
    pub parse_only: bool,
    /// Where the audit cache lives (see [`crate::cache`]); `None` turns it off.
    pub cache_dir: Option<PathBuf>,
    /// The project's own authentication and authorization helpers (config `[auth]`).
    pub auth: crate::model::auth_names::AuthNames,
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
            cache_dir: None,
            auth: Default::default(),
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
    /// Files whose analysis came from the cache.
    pub cached: usize,
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

    // Understand the apps (controllers, callbacks, schema) for the rules that ask. Each app's
    // facts are built when a file of it first asks (so a warm run never builds them) and
    // dropped after its last file.
    let project = if opts.parse_only {
        ProjectModel::default()
    } else {
        let mut model = ProjectModel::build(&apps, opts.parse_budget);
        model.auth = opts.auth.clone();
        model.expect_files(found.files.iter().map(|(p, l)| (p.as_path(), *l)));
        model
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build();
    let cache = match &opts.cache_dir {
        Some(dir) if !opts.parse_only => {
            // The context hash reads every file the app models read: on the audit's threads.
            let context = || context_hash(rules, &sel, opts, &apps);
            let context = match &pool {
                Ok(pool) => pool.install(context),
                Err(_) => context(),
            };
            Some(Cache::open(dir, &opts.project_root, context))
        }
        _ => None,
    };
    let cached = AtomicUsize::new(0);
    let run = || {
        found
            .files
            .par_iter()
            // Rayon splits a slice into a few long runs and a run, once started, is not shared:
            // files cost from nothing (no pattern, not parsed) to a model build, so one thread
            // could be left with the last second of work. Short runs let the other steal.
            .with_max_len(16)
            .map(|(path, lang)| {
                let display = show(path);
                let rel = relative_to(path, &opts.project_root).unwrap_or_else(|| display.clone());
                let abs_path = crate::paths::absolute(path).unwrap_or_else(|_| path.clone());
                let framework = opts.framework.or_else(|| {
                    let abs = crate::paths::absolute(path).unwrap_or_else(|_| path.clone());
                    app_for(&apps, &abs).map(|a| a.framework)
                });
                let analysis = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    if opts.parse_only {
                        return parse_path(path, *lang, opts.parse_budget);
                    }
                    let ctx = |project| FileContext {
                        display: &display,
                        rel: &rel,
                        lang: *lang,
                        framework,
                        file: Some(abs_path.as_path()),
                        project: Some(project),
                    };
                    let Some(cache) = &cache else {
                        return analyze_path(path, &ctx(&project), &sel, opts.parse_budget);
                    };
                    let bytes = match read_checked(path) {
                        Ok(b) => b,
                        Err(skip_or_error) => return skip_or_error,
                    };
                    let key = cache.key(&display, &rel, *lang, framework, &bytes);
                    if let Some(hit) = cache.get(&key, &decode(&bytes)) {
                        cached.fetch_add(1, Ordering::Relaxed);
                        return hit;
                    }
                    let a = analyze_bytes(path, &bytes, &ctx(&project), &sel, opts.parse_budget);
                    cache.put(key, &a);
                    a
                }));
                project.file_done(path, *lang);
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
    if let Some(cache) = cache {
        cache.save();
    }
    result.cached = cached.into_inner();
    result
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    result.skipped.sort();
    result.errors.sort();
    result.parse_errors.sort();
    result
}

/// What every cached result of this audit depends on besides the file itself: this build of
/// skillstack, the rules, how they are selected and reported, and every file the app models read.
fn context_hash(rules: &RuleSet, sel: &Selection, opts: &AuditOptions, apps: &[App]) -> String {
    let mut parts: Vec<Vec<u8>> = vec![env!("CARGO_PKG_VERSION").as_bytes().to_vec()];
    // The executable's identity: a rebuilt skillstack (new predicates) never reuses old results.
    if let Ok(exe) = std::env::current_exe() {
        let meta = std::fs::metadata(&exe).ok();
        let modified = meta.as_ref().and_then(|m| m.modified().ok());
        parts.push(
            format!(
                "{} {:?} {:?}",
                exe.display(),
                meta.map(|m| m.len()),
                modified
            )
            .into_bytes(),
        );
    }
    // Debug shows every field of every rule (queries, conditions, messages, prompts).
    parts.extend(rules.iter().map(|r| format!("{r:?}").into_bytes()));
    parts.push(format!("{:?}", sel.active.iter().map(|r| &r.id).collect::<Vec<_>>()).into_bytes());
    parts.push(
        format!(
            "{:?} {:?} {:?} {:?} {:?}",
            sel.min_confidence,
            sel.severity_overrides,
            opts.framework,
            opts.auth.authenticate,
            opts.auth.authorize
        )
        .into_bytes(),
    );
    for app in apps {
        parts.push(format!("{:?} {}", app.framework, app.root.display()).into_bytes());
        let root = crate::paths::absolute(&app.root).unwrap_or_else(|_| app.root.clone());
        // Each input's path and content hashed on its own, in parallel (a warm run spent most
        // of its time here on one thread), then in order.
        let inputs: Vec<String> = crate::model::inputs(&root, app.framework)
            .par_iter()
            .map(|input| {
                // An unreadable input hashes as empty: the model sees no content for it either.
                let content = std::fs::read(input).unwrap_or_default();
                digest([input.to_string_lossy().as_bytes(), content.as_slice()])
            })
            .collect();
        parts.extend(inputs.into_iter().map(String::into_bytes));
    }
    digest(parts.iter().map(|p| p.as_slice()))
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
