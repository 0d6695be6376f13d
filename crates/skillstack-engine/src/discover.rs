//! Discover: walk the paths to audit in parallel and list the source files, the app marker
//! files, and everything skipped (with the reason, counted).
//!
//! Honours `.gitignore`, `.ignore` and `.skillstackignore` (even outside a git repository),
//! skips dependency and build-output directories, never follows symlinks (so it cannot leave the
//! scanned root or loop), and treats paths given explicitly as wanted even if ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::{Deserialize, Serialize};

use crate::detect::is_marker_name;
use crate::lang::Lang;

/// Directories that hold dependencies or generated code, skipped wherever they are.
pub const DEFAULT_EXCLUDED_DIRS: [&str; 12] = [
    "node_modules",
    "vendor",
    ".next",
    ".nuxt",
    "dist",
    "build",
    "out",
    "coverage",
    ".turbo",
    ".vercel",
    ".svelte-kit",
    "tmp",
];

/// Multi-component directories that hold generated code (Laravel compiled views and caches,
/// Rails/Laravel compiled front-end assets).
pub const DEFAULT_EXCLUDED_PATHS: [&str; 5] = [
    "storage/framework",
    "bootstrap/cache",
    "public/build",
    "public/packs",
    "public/assets",
];

/// Why a file was not audited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Larger than the size limit.
    TooLarge,
    /// Contains NUL bytes: not text.
    Binary,
    /// Has a line longer than [`MINIFIED_LINE_LEN`]: generated, not written by hand.
    Minified,
    /// A symbolic link (never followed).
    Symlink,
    /// Matched an `exclude` glob from the configuration.
    Excluded,
    /// Took longer than the per-file time budget to parse and match.
    Timeout,
    /// A FIFO, socket or device with a source-file name: not a regular file, never read.
    NotAFile,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "too-large",
            SkipReason::Binary => "binary",
            SkipReason::Minified => "minified",
            SkipReason::Symlink => "symlink",
            SkipReason::Excluded => "excluded",
            SkipReason::Timeout => "timeout",
            SkipReason::NotAFile => "not-a-file",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::TooLarge => "larger than the size limit (max-file-size)",
            SkipReason::Binary => "binary content",
            SkipReason::Minified => "minified or generated (a line over 10,000 characters)",
            SkipReason::Symlink => "symbolic link (not followed)",
            SkipReason::Excluded => "excluded by configuration",
            SkipReason::Timeout => "took longer than the per-file time budget (file-timeout)",
            SkipReason::NotAFile => "not a regular file (a FIFO, socket or device)",
        }
    }
}

/// A line this long means the file is generated (minified bundles, inlined data).
pub const MINIFIED_LINE_LEN: usize = 10_000;

/// What the walk found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Source files to audit, sorted.
    pub files: Vec<(PathBuf, Lang)>,
    /// Possible app markers (package.json, Gemfile, …), sorted.
    pub markers: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, SkipReason)>,
    /// Paths that could not be walked or do not exist, with the reason.
    pub errors: Vec<(PathBuf, String)>,
}

/// Walk options.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub threads: usize,
    pub max_file_size: u64,
    /// Exclude globs, relative to `exclude_root` (gitignore-like: a glob without `/` matches at any depth).
    pub exclude: Vec<String>,
    pub exclude_root: PathBuf,
}

/// Builds a glob set with gitignore-like anchoring from exclude patterns.
pub fn exclude_set(patterns: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let p = p.trim_end_matches('/');
        let anchored = p.contains('/');
        let p = p.trim_start_matches('/');
        let bases = if anchored {
            vec![p.to_string()]
        } else {
            vec![format!("**/{p}")]
        };
        for base in bases {
            b.add(Glob::new(&base)?);
            b.add(Glob::new(&format!("{base}/**"))?);
        }
    }
    b.build()
}

/// Walks `paths` and returns what it found, sorted. Never fails as a whole: problems with
/// individual paths are in [`Discovered::errors`].
pub fn discover(paths: &[PathBuf], opts: &WalkOptions) -> Discovered {
    let mut out = Discovered::default();
    let excludes = exclude_set(&opts.exclude).unwrap_or_else(|_| GlobSet::empty());
    let exclude_root =
        crate::paths::absolute(&opts.exclude_root).unwrap_or_else(|_| opts.exclude_root.clone());
    let is_excluded = |p: &Path| -> bool {
        if excludes.is_empty() {
            return false;
        }
        let abs = crate::paths::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        abs.strip_prefix(&exclude_root)
            .is_ok_and(|rel| excludes.is_match(rel))
    };

    let mut roots = Vec::new();
    for p in paths {
        match std::fs::symlink_metadata(p) {
            Err(e) => out.errors.push((p.clone(), describe_io(&e))),
            Ok(meta) if meta.is_file() => {
                // An explicitly named file is audited whatever the ignore files say.
                if let Some(lang) = Lang::from_path(p) {
                    if meta.len() > opts.max_file_size {
                        out.skipped.push((p.clone(), SkipReason::TooLarge));
                    } else {
                        out.files.push((p.clone(), lang));
                    }
                } else if p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_marker_name)
                {
                    out.markers.push(p.clone());
                }
            }
            Ok(meta) if meta.is_dir() => roots.push(p.clone()),
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::metadata(p) {
                // A symlink named on the command line is followed once, as ripgrep does.
                Ok(target) if target.is_dir() => roots.push(p.clone()),
                Ok(_) => out.skipped.push((p.clone(), SkipReason::Symlink)),
                Err(e) => out.errors.push((p.clone(), describe_io(&e))),
            },
            Ok(_) => out.skipped.push((p.clone(), SkipReason::NotAFile)),
        }
    }

    if let Some((first, rest)) = roots.split_first() {
        let mut builder = ignore::WalkBuilder::new(first);
        for r in rest {
            builder.add(r);
        }
        builder
            .follow_links(false)
            .require_git(false)
            .add_custom_ignore_filename(".skillstackignore")
            .threads(opts.threads.max(1))
            .filter_entry(|e| {
                if e.file_type().is_some_and(|t| t.is_dir()) && e.depth() > 0 {
                    let name = e.file_name().to_string_lossy();
                    if DEFAULT_EXCLUDED_DIRS.contains(&name.as_ref()) {
                        return false;
                    }
                    let path = e.path().to_string_lossy().replace('\\', "/");
                    if DEFAULT_EXCLUDED_PATHS.iter().any(|x| path.ends_with(x)) {
                        return false;
                    }
                }
                true
            });
        let found: Mutex<Discovered> = Mutex::new(Discovered::default());
        builder.build_parallel().run(|| {
            let found = &found;
            let is_excluded = &is_excluded;
            let max = opts.max_file_size;
            Box::new(move |entry| {
                let mut local = Discovered::default();
                match entry {
                    Err(e) => {
                        let path = error_path(&e).unwrap_or_default();
                        local.errors.push((path, e.to_string()));
                    }
                    Ok(entry) => {
                        let path = entry.path();
                        let ft = entry.file_type();
                        if entry.path_is_symlink() {
                            if Lang::from_path(path).is_some() {
                                local
                                    .skipped
                                    .push((path.to_path_buf(), SkipReason::Symlink));
                            }
                        } else if ft.is_some_and(|t| t.is_dir()) {
                            if entry.depth() > 0 && is_excluded(path) {
                                return ignore::WalkState::Skip;
                            }
                        } else if let Some(lang) = Lang::from_path(path) {
                            if is_excluded(path) {
                                local
                                    .skipped
                                    .push((path.to_path_buf(), SkipReason::Excluded));
                            } else if !ft.is_some_and(|t| t.is_file()) {
                                local
                                    .skipped
                                    .push((path.to_path_buf(), SkipReason::NotAFile));
                            } else {
                                match entry.metadata() {
                                    Ok(m) if m.len() > max => local
                                        .skipped
                                        .push((path.to_path_buf(), SkipReason::TooLarge)),
                                    Ok(_) => local.files.push((path.to_path_buf(), lang)),
                                    Err(e) => {
                                        local.errors.push((path.to_path_buf(), e.to_string()))
                                    }
                                }
                            }
                        } else if entry.file_name().to_str().is_some_and(is_marker_name) {
                            local.markers.push(path.to_path_buf());
                        }
                    }
                }
                if let Ok(mut f) = found.lock() {
                    f.files.append(&mut local.files);
                    f.markers.append(&mut local.markers);
                    f.skipped.append(&mut local.skipped);
                    f.errors.append(&mut local.errors);
                }
                ignore::WalkState::Continue
            })
        });
        let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
        out.files.append(&mut found.files);
        out.markers.append(&mut found.markers);
        out.skipped.append(&mut found.skipped);
        out.errors.append(&mut found.errors);
    }

    out.files.sort();
    out.files.dedup();
    out.markers.sort();
    out.markers.dedup();
    out.skipped.sort();
    out.skipped.dedup();
    out.errors.sort();
    out.errors.dedup();
    out
}

/// Counts of skipped files by reason.
pub fn count_skips<P>(skipped: &[(P, SkipReason)]) -> BTreeMap<SkipReason, usize> {
    let mut m = BTreeMap::new();
    for (_, r) in skipped {
        *m.entry(*r).or_insert(0) += 1;
    }
    m
}

fn error_path(e: &ignore::Error) -> Option<PathBuf> {
    match e {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

pub(crate) fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(root: &Path) -> WalkOptions {
        WalkOptions {
            threads: 2,
            max_file_size: 1024,
            exclude: vec!["legacy".into(), "app/gen/*.ts".into()],
            exclude_root: root.to_path_buf(),
        }
    }

    #[test]
    fn walks_skips_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        for (p, body) in [
            ("app/a.ts", "x"),
            ("app/b.rb", "x"),
            ("app/c.php", "x"),
            ("app/readme.md", "x"),
            ("node_modules/lib/index.js", "x"),
            ("legacy/old.ts", "x"),
            ("app/gen/g.ts", "x"),
            ("ignored.ts", "x"),
            ("package.json", "{}"),
        ] {
            let p = r.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        std::fs::write(r.join("big.ts"), "x".repeat(2000)).unwrap();
        std::fs::write(r.join(".skillstackignore"), "ignored.ts\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(r.join("app/a.ts"), r.join("link.ts")).unwrap();

        let d = discover(&[r.to_path_buf()], &opts(r));
        let rel = |v: &[(PathBuf, Lang)]| {
            v.iter()
                .map(|(p, _)| p.strip_prefix(r).unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(rel(&d.files), vec!["app/a.ts", "app/b.rb", "app/c.php"]);
        assert_eq!(d.markers, vec![r.join("package.json")]);
        let counts = count_skips(&d.skipped);
        assert_eq!(counts.get(&SkipReason::TooLarge), Some(&1));
        assert_eq!(
            counts.get(&SkipReason::Excluded),
            Some(&1),
            "{:?}",
            d.skipped
        );
        #[cfg(unix)]
        assert_eq!(counts.get(&SkipReason::Symlink), Some(&1));
        assert!(d.errors.is_empty());
    }

    #[test]
    fn missing_path_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let d = discover(&[dir.path().join("nope")], &opts(dir.path()));
        assert_eq!(d.errors.len(), 1);
        assert!(d.errors[0].1.contains("no such file"));
    }
}
