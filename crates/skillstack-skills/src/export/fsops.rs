//! The file-system side of export: reading targets safely, finding generated files, and writing
//! each file atomically (temporary file + rename).

use std::io::Write;
use std::path::Path;

use super::{target_path, Action, Change, Refusal, GENERATED_MARKER};

/// Directories whose emptied sub-folders uninstall removes (the folders themselves are kept: they
/// may hold the user's own skills, rules and instructions).
const OWNED_PARENTS: [&str; 3] = [".claude/skills", ".cursor/rules", ".github/instructions"];

/// The text of `rel` under `root`, `None` if it does not exist. Refuses a target that is (or sits
/// under) something other than a plain file in plain directories, so nothing is written through a
/// symbolic link or fails half-way because a directory is a file.
pub fn read_existing(root: &Path, rel: &str) -> Result<Option<String>, Refusal> {
    let refuse = |reason: String| Refusal {
        path: rel.to_string(),
        reason,
    };
    let parts: Vec<&str> = rel.split('/').collect();
    let mut p = root.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        p.push(part);
        let last = i + 1 == parts.len();
        let meta = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(refuse(format!("cannot read {}: {e}", p.display()))),
        };
        if meta.file_type().is_symlink() {
            return Err(refuse(format!(
                "{} is a symbolic link; skillstack does not write through links",
                p.display()
            )));
        }
        if !last && !meta.is_dir() {
            return Err(refuse(format!("{} is not a directory", p.display())));
        }
        if last && !meta.is_file() {
            return Err(refuse("exists and is not a regular file".into()));
        }
    }
    let bytes = std::fs::read(&p).map_err(|e| refuse(format!("cannot read it: {e}")))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Sub-directory names of `dir` (relative to `root`), sorted; none when it does not exist.
pub fn subdirs(root: &Path, dir: &str) -> Result<Vec<String>, Refusal> {
    let mut out: Vec<String> = entries(root, dir)?
        .into_iter()
        .filter(|(_, t)| t.is_dir())
        .map(|(n, _)| n)
        .collect();
    out.sort();
    Ok(out)
}

/// Regular files directly in `dir` whose name ends with `suffix` and that carry skillstack's
/// marker, as relative paths, sorted.
pub fn marked_files(root: &Path, dir: &str, suffix: &str) -> Result<Vec<String>, Refusal> {
    let mut out = Vec::new();
    for (name, t) in entries(root, dir)? {
        if !t.is_file() || !name.ends_with(suffix) {
            continue;
        }
        let rel = format!("{dir}/{name}");
        if read_existing(root, &rel)?.is_some_and(|t| t.contains(GENERATED_MARKER)) {
            out.push(rel);
        }
    }
    out.sort();
    Ok(out)
}

fn entries(root: &Path, dir: &str) -> Result<Vec<(String, std::fs::FileType)>, Refusal> {
    let path = target_path(root, dir);
    let rd = match std::fs::read_dir(&path) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(Vec::new()),
        Err(e) => {
            return Err(Refusal {
                path: dir.to_string(),
                reason: format!("cannot list it: {e}"),
            })
        }
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Refusal {
            path: dir.to_string(),
            reason: format!("cannot list it: {e}"),
        })?;
        let Ok(t) = entry.file_type() else { continue };
        out.push((entry.file_name().to_string_lossy().into_owned(), t));
    }
    Ok(out)
}

/// Carries out a plan: writes created and updated files atomically, removes removed ones and the
/// folders they leave empty. Stops at the first failure, naming the file.
pub fn apply(root: &Path, changes: &[Change]) -> Result<(), String> {
    for c in changes {
        let path = target_path(root, &c.path);
        match c.action {
            Action::Unchanged => {}
            Action::Create | Action::Update => write_atomically(&path, c.contents.as_bytes())
                .map_err(|e| format!("{}: cannot write: {e}", c.path))?,
            Action::Remove => {
                std::fs::remove_file(&path)
                    .map_err(|e| format!("{}: cannot remove: {e}", c.path))?;
                prune_empty_parents(root, &c.path);
            }
        }
    }
    Ok(())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Removes the folders above a removed file while they are empty and inside one of
/// [`OWNED_PARENTS`] (never those folders themselves).
fn prune_empty_parents(root: &Path, rel: &str) {
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    while !parts.is_empty() {
        let dir = parts.join("/");
        let inside_owned = OWNED_PARENTS
            .iter()
            .any(|o| dir.starts_with(&format!("{o}/")));
        // remove_dir fails on a non-empty folder, which is exactly when it must stay.
        if !inside_owned || std::fs::remove_dir(target_path(root, &dir)).is_err() {
            break;
        }
        parts.pop();
    }
}
