//! `skillstack audit [PATHS]`: the audit, end to end.

use std::io::{IsTerminal, Write};
use std::path::Path;

use skillstack_engine::config::{parse_size, selector_exists};
use skillstack_engine::detect::Framework;
use skillstack_engine::rule::{Confidence, Severity};
use skillstack_engine::{audit, AuditOptions};
use skillstack_report::{render, Format, ReportContext};

use crate::cli::{AuditArgs, ColorChoice, ConfidenceArg, FrameworkArg, OutputFormat, SeverityArg};
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

pub fn run(args: AuditArgs) -> Result<u8, Errors> {
    let cwd = std::env::current_dir().map_err(|e| {
        error(
            format!("cannot read the current directory: {e}"),
            "run skillstack from an existing directory",
        )
    })?;
    let first = args
        .paths
        .first()
        .map(|p| p.as_path())
        .unwrap_or(Path::new("."));
    let config = load_config(&args.source, first)?;
    let rules = load_rules(&config, &args.source)?;

    for sel in args.select.iter().chain(&args.ignore) {
        if !selector_exists(sel, &rules) {
            return Err(error(
                format!("no rule or category `{sel}`"),
                "`skillstack rules` lists every rule id; a category is the part before the `/`",
            ));
        }
    }

    let mut opts = AuditOptions::new(args.paths.clone(), cwd.clone());
    if let Some(n) = args.threads {
        if n == 0 {
            return Err(error(
                "--threads must be at least 1",
                "omit -j to use every CPU",
            ));
        }
        opts.threads = n;
    }
    opts.max_file_size = match &args.max_file_size {
        Some(s) => parse_size(s).ok_or_else(|| {
            error(
                format!("invalid --max-file-size `{s}`"),
                "write a number of bytes, or e.g. 500KB, 2MiB",
            )
        })?,
        None => config.max_file_size,
    };
    opts.exclude = config.exclude.clone();
    opts.exclude_root = config.root.clone();
    opts.framework = args.framework.map(|f| match f {
        FrameworkArg::Nextjs => Framework::NextJs,
        FrameworkArg::Rails => Framework::Rails,
        FrameworkArg::Laravel => Framework::Laravel,
    });
    opts.select = if args.select.is_empty() {
        config.select.clone()
    } else {
        args.select.clone()
    };
    opts.ignore = config.ignore.iter().chain(&args.ignore).cloned().collect();
    opts.min_confidence = args
        .min_confidence
        .map(confidence)
        .unwrap_or(config.min_confidence);
    opts.severity_overrides = config.severity.clone();
    let fail_on = args.fail_on.map(severity).unwrap_or(config.fail_on);

    let result = audit(&rules, &opts);

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
    let skills = crate::skills::catalog();
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
    let failing = result.findings.iter().any(|f| f.severity >= fail_on);
    Ok(if failing && !args.exit_zero {
        EXIT_FINDINGS
    } else {
        0
    })
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a report and a failed run leaves any previous report intact.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Errors> {
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
