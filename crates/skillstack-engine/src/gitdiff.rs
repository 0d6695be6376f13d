//! PR mode: which lines changed since a git ref (or in the index), so that the audit — which
//! always analyses the whole tree, because findings need context — reports only findings on
//! added or changed lines. Uses the `git` command line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What to compare against.
#[derive(Debug, Clone)]
pub enum DiffBase {
    /// `git diff REF`: the working tree against a commit, branch or tag (plus untracked files).
    Ref(String),
    /// `git diff --cached`: the staged changes.
    Staged,
}

/// Changed lines per file (absolute paths). A file with no entry did not change.
#[derive(Debug, Default, Clone)]
pub struct ChangedLines {
    files: BTreeMap<PathBuf, LineSet>,
}

#[derive(Debug, Default, Clone)]
enum LineSet {
    #[default]
    All,
    Lines(BTreeSet<usize>),
}

impl ChangedLines {
    /// Is `line` (1-based) of `path` added or changed?
    pub fn contains(&self, path: &Path, line: usize) -> bool {
        let abs = crate::paths::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        match self.files.get(&abs) {
            Some(LineSet::All) => true,
            Some(LineSet::Lines(l)) => l.contains(&line),
            None => false,
        }
    }

    /// Number of files with changes.
    pub fn file_count(&self) -> usize {
        self.files.len()
    }
}

fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e} (is git installed?)"))?;
    if !out.status.success() {
        return Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| format!("`git {}` printed invalid UTF-8", args.join(" ")))
}

/// The top of the git repository containing `dir`.
pub fn repo_root(dir: &Path) -> Result<PathBuf, String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("--diff/--staged need a git repository: {e}"))?;
    Ok(PathBuf::from(top.trim()))
}

/// Collects the changed lines in the repository containing `dir`.
pub fn changed_lines(dir: &Path, base: &DiffBase) -> Result<ChangedLines, String> {
    let root = repo_root(dir)?;
    let mut args = vec![
        "diff",
        "--unified=0",
        "--no-color",
        "--no-ext-diff",
        "--no-renames",
        "--diff-filter=AM",
    ];
    match base {
        DiffBase::Ref(r) => {
            git(&root, &["rev-parse", "--verify", "--quiet", &format!("{r}^{{commit}}")])
                .map_err(|_| format!("--diff: `{r}` is not a commit, branch or tag in this repository (in CI, fetch it first: `git fetch origin {r}` or checkout with fetch-depth: 0)"))?;
            args.push(r);
        }
        DiffBase::Staged => args.push("--cached"),
    }
    args.push("--");
    let diff = git(&root, &args)?;
    let mut out = parse_unified_diff(&diff, &root);
    if matches!(base, DiffBase::Ref(_)) {
        // Untracked files are new in their entirety.
        for f in git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?
            .split('\0')
            .filter(|s| !s.is_empty())
        {
            out.files.insert(root.join(f), LineSet::All);
        }
    }
    Ok(out)
}

/// Parses `git diff --unified=0` output: `+++ b/path` then `@@ -a,b +c,d @@` hunks.
pub fn parse_unified_diff(diff: &str, root: &Path) -> ChangedLines {
    let mut out = ChangedLines::default();
    let mut current: Option<PathBuf> = None;
    for line in diff.lines() {
        if let Some(p) = line.strip_prefix("+++ ") {
            current = p.strip_prefix("b/").map(|p| root.join(unquote(p)));
            if let Some(c) = &current {
                out.files.insert(c.clone(), LineSet::Lines(BTreeSet::new()));
            }
        } else if let (Some(hunk), Some(file)) = (line.strip_prefix("@@ "), &current) {
            // `-a,b +c,d @@`: lines c .. c+d-1 are new (d defaults to 1; d = 0 is a pure deletion).
            let Some(plus) = hunk.split_whitespace().find(|w| w.starts_with('+')) else {
                continue;
            };
            let mut parts = plus[1..].split(',');
            let start: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let count: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(1);
            if let Some(LineSet::Lines(set)) = out.files.get_mut(file) {
                set.extend(start..start + count);
            }
        }
    }
    out
}

/// Git quotes unusual paths in C style (`"a\tb"`); undo the common cases.
fn unquote(p: &str) -> String {
    match p.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
            .replace("\\t", "\t"),
        None => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hunks() {
        let diff = "diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1,0 +2,3 @@\n+a\n+b\n+c\n@@ -10 +13 @@\n-x\n+y\n@@ -20,2 +22,0 @@\n-gone\n";
        let root = Path::new("/r");
        let c = parse_unified_diff(diff, root);
        for l in [2, 3, 4, 13] {
            assert!(c.contains(Path::new("/r/x.ts"), l), "line {l}");
        }
        for l in [1, 5, 12, 22] {
            assert!(!c.contains(Path::new("/r/x.ts"), l), "line {l}");
        }
        assert!(!c.contains(Path::new("/r/other.ts"), 2));
    }
}
