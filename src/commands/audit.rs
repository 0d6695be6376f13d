//! `skillstack audit [PATHS]`: the audit, end to end.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use skillstack_engine::baseline::{default_path, Baseline};
use skillstack_engine::config::{parse_size, selector_exists, Config};
use skillstack_engine::detect::Framework;
use skillstack_engine::gitdiff::{changed_lines, DiffBase};
use skillstack_engine::rule::RuleSet;
use skillstack_engine::rule::{Confidence, Severity};
use skillstack_engine::{audit, AuditOptions};
use skillstack_report::{render, Format, ReportContext};

use crate::cli::{
    AuditArgs, ColorChoice, ConfidenceArg, FrameworkArg, OutputFormat, ScopeArgs, SeverityArg,
};
use crate::setup::{error, load_config, load_rules, Errors};
use crate::{EXIT_ERROR, EXIT_FINDINGS};

fn severity(s: SeverityArg) -> Severity {
    match s {
        SeverityArg::Info => Severity::Info,
        SeverityArg::Low => Severity::Low,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::High => Severity::High,
        SeverityArg::Critical => Severity::Critical,
    }
}

fn confidence(c: ConfidenceArg) -> Confidence {
    match c {
        ConfidenceArg::Low => Confidence::Low,
        ConfidenceArg::Medium => Confidence::Medium,
        ConfidenceArg::High => Confidence::High,
    }
}

/// What every audit-running command prepares: the configuration, the rules and the options.
pub struct Prepared {
    pub config: Config,
    pub rules: RuleSet,
    pub opts: AuditOptions,
}

/// Loads configuration and rules and builds the audit options from the shared flags.
pub fn prepare(paths: &[PathBuf], scope: &ScopeArgs) -> Result<Prepared, Errors> {
    let cwd = std::env::current_dir().map_err(|e| {
        error(
            format!("cannot read the current directory: {e}"),
            "run skillstack from an existing directory",
        )
    })?;
    let first = paths.first().map(|p| p.as_path()).unwrap_or(Path::new("."));
    let config = load_config(&scope.source, first)?;
    let rules = load_rules(&config, &scope.source)?;
    for sel in scope.select.iter().chain(&scope.ignore) {
        if !selector_exists(sel, &rules) {
            return Err(error(
                format!("no rule or category `{sel}`"),
                "`skillstack rules` lists every rule id; a category is the part before the `/`",
            ));
        }
    }
    let mut opts = AuditOptions::new(paths.to_vec(), cwd);
    if let Some(n) = scope.threads {
        if n == 0 {
            return Err(error(
                "--threads must be at least 1",
                "omit -j to use every CPU",
            ));
        }
        opts.threads = n;
    }
    opts.max_file_size = match &scope.max_file_size {
        Some(s) => parse_size(s).ok_or_else(|| {
            error(
                format!("invalid --max-file-size `{s}`"),
                "write a number of bytes, or e.g. 500KB, 2MiB",
            )
        })?,
        None => config.max_file_size,
    };
    let timeout = scope.file_timeout.unwrap_or(config.file_timeout);
    if !(timeout > 0.0 && timeout <= 3600.0) {
        return Err(error(
            format!("invalid --file-timeout `{timeout}`"),
            "give seconds, more than 0 and at most 3600",
        ));
    }
    opts.parse_budget = std::time::Duration::from_secs_f64(timeout);
    opts.exclude = config.exclude.clone();
    opts.exclude_root = config.root.clone();
    opts.framework = scope.framework.map(|f| match f {
        FrameworkArg::Nextjs => Framework::NextJs,
        FrameworkArg::Rails => Framework::Rails,
        FrameworkArg::Laravel => Framework::Laravel,
    });
    opts.select = if scope.select.is_empty() {
        config.select.clone()
    } else {
        scope.select.clone()
    };
    opts.ignore = config.ignore.iter().chain(&scope.ignore).cloned().collect();
    opts.min_confidence = config.min_confidence;
    opts.severity_overrides = config.severity.clone();
    opts.auth = config.auth.clone();
    opts.cache_dir = if scope.no_cache {
        None
    } else {
        skillstack_engine::cache::default_dir()
    };
    Ok(Prepared {
        config,
        rules,
        opts,
    })
}

pub fn run(args: AuditArgs) -> Result<u8, Errors> {
    let Prepared {
        config,
        rules,
        mut opts,
    } = prepare(&args.paths, &args.scope)?;
    if let Some(c) = args.min_confidence {
        opts.min_confidence = confidence(c);
    }
    opts.parse_only = args.parse_only;
    let fail_on = args.fail_on.map(severity).unwrap_or(config.fail_on);
    // Read the baseline and the diff before the audit: their errors are usage errors.
    let baseline_path = args
        .baseline
        .clone()
        .unwrap_or_else(|| default_path(&opts.project_root));
    let baseline = if args.no_baseline {
        None
    } else if baseline_path.is_file() {
        Some(Baseline::load(&baseline_path).map_err(|e| {
            error(
                e,
                "fix the file, or recreate it with `skillstack baseline create`",
            )
        })?)
    } else if args.baseline.is_some() {
        return Err(error(
            format!("baseline {} does not exist", baseline_path.display()),
            "create it with `skillstack baseline create`",
        ));
    } else {
        None
    };
    let diff_base = match (&args.diff, args.staged) {
        (Some(r), _) => Some(DiffBase::Ref(r.clone())),
        (None, true) => Some(DiffBase::Staged),
        (None, false) => None,
    };
    let changed = match &diff_base {
        Some(b) => Some(
            changed_lines(&opts.cwd, b)
                .map_err(|e| error(e, "run inside a git repository, with a ref that exists"))?,
        ),
        None => None,
    };

    let mut result = audit(&rules, &opts);
    let mut stale = Vec::new();
    if let Some(b) = &baseline {
        let applied = b.apply(std::mem::take(&mut result.findings));
        result.findings = applied.remaining;
        result.baselined = applied.baselined;
        result.stale_baseline = applied.stale.len();
        stale = applied.stale;
    }
    if let Some(changed) = &changed {
        let before = result.findings.len();
        let cwd = opts.cwd.clone();
        result
            .findings
            .retain(|f| changed.contains(&cwd.join(&f.path), f.start.line));
        result.outside_diff = before - result.findings.len();
    }

    if args.verbose && opts.cache_dir.is_some() {
        eprintln!(
            "cache: {} of {} analysed files reused",
            result.cached, result.files_scanned
        );
    }
    for (path, msg) in &result.errors {
        eprintln!("error: {path}: {msg}");
    }
    for (path, msg) in &result.internal_errors {
        eprintln!(
            "error: {path}: internal error while analysing this file (please report it): {msg}"
        );
    }

    let format = match args.output_format {
        OutputFormat::Human => Format::Human,
        OutputFormat::Json => Format::Json,
        OutputFormat::Sarif => Format::Sarif,
        OutputFormat::Github => Format::Github,
        OutputFormat::Prompt => Format::Prompt,
    };
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output_file.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let skills = crate::skills::catalog(&crate::commands::skills::library());
    let ctx = ReportContext {
        rules: &rules,
        skills: &skills,
        tool_version: env!("CARGO_PKG_VERSION"),
        color,
        verbose: args.verbose,
        statistics: args.statistics,
    };
    let report = render(format, &result, &ctx);
    match &args.output_file {
        Some(path) => write_atomically(path, report.as_bytes())?,
        None => {
            let mut out = std::io::stdout().lock();
            if let Err(e) = out.write_all(report.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is not worth an error message.
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(error(
                        format!("cannot write the report: {e}"),
                        "check standard output",
                    ));
                }
            }
        }
    }

    if !result.errors.is_empty() || !result.internal_errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    if args.strict_baseline && !stale.is_empty() {
        for e in &stale {
            eprintln!(
                "stale baseline entry: {} {} ({}): {}",
                e.path, e.rule, e.fingerprint, e.message
            );
        }
        eprintln!(
            "{} baseline entries no longer match; remove them with `skillstack baseline prune`",
            stale.len()
        );
        return Ok(EXIT_FINDINGS);
    }
    let failing = result.findings.iter().any(|f| f.severity >= fail_on);
    Ok(if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a report and a failed run leaves any previous report intact. A path
/// that exists but is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written to
/// directly: renaming over it would replace the device or pipe with a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Errors> {
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.flush()))
            .map_err(|e| {
                error(
                    format!("cannot write {}: {e}", path.display()),
                    "check that the path is writable",
                )
            });
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        error(
            format!("cannot write {}: {what}: {e}", path.display()),
            "check that the directory exists and is writable",
        )
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| fail("cannot create a temporary file", &e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.flush())
        .map_err(|e| fail("write failed", &e))?;
    tmp.persist(path)
        .map_err(|e| fail("rename failed", &e.error))?;
    Ok(())
}
