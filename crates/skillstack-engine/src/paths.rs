//! Path normalisation shared by every stage, so that `./app/x.rb`, `app/x.rb` and
//! `/repo/app/x.rb` name the same file whichever way the user passed the path.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute against the working directory, with `.` components removed and `..`
/// resolved lexically (symlinks are not followed: skillstack never follows them anyway).
pub fn absolute(path: impl AsRef<Path>) -> std::io::Result<PathBuf> {
    let path = path.as_ref();
    // The app models ask this of the audited file for every lookup: most paths are clean already.
    if is_clean_absolute(path) {
        return Ok(path.to_path_buf());
    }
    let abs = std::path::absolute(path)?;
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Is `path` absolute with nothing [`absolute`] would change: no `.` or `..` components, no
/// empty ones (`//`), no trailing separator?
fn is_clean_absolute(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    let Some(rest) = text.strip_prefix('/') else {
        return false;
    };
    cfg!(unix) && (rest.is_empty() || rest.split('/').all(|c| !matches!(c, "" | "." | "..")))
}

/// Does the absolute, clean path `path` lie under `root` (or is it `root`)? What
/// `Path::starts_with` answers for such paths, by comparing bytes.
pub fn is_under(path: &Path, root: &Path) -> bool {
    let (p, r) = (
        path.as_os_str().as_encoded_bytes(),
        root.as_os_str().as_encoded_bytes(),
    );
    let separator = |b: Option<&u8>| b.is_some_and(|&b| std::path::is_separator(b as char));
    p.starts_with(r) && (p.len() == r.len() || separator(r.last()) || separator(p.get(r.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_dots() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(absolute("./a/./b").unwrap(), cwd.join("a/b"));
        assert_eq!(absolute("a/../b").unwrap(), cwd.join("b"));
        assert_eq!(absolute("/x/./y/../z").unwrap(), PathBuf::from("/x/z"));
        // Clean paths come back as they are; the others are cleaned.
        for clean in ["/", "/a", "/a/b.rb", "/a/.hidden/b"] {
            assert!(is_clean_absolute(Path::new(clean)), "{clean}");
            assert_eq!(absolute(clean).unwrap(), PathBuf::from(clean));
        }
        for dirty in ["a/b", "/a/./b", "/a/../b", "/a//b", "/a/b/", "/a/.", "/.."] {
            assert!(!is_clean_absolute(Path::new(dirty)), "{dirty}");
        }
        assert_eq!(absolute("/a//b/").unwrap(), PathBuf::from("/a/b"));
    }

    #[test]
    fn is_under_is_starts_with_by_components() {
        for (p, r) in [
            ("/a/b", "/a"),
            ("/a", "/a"),
            ("/ab", "/a"),
            ("/a/b", "/"),
            ("/a-b/c", "/a"),
            ("/a", "/a/b"),
        ] {
            let (p, r) = (Path::new(p), Path::new(r));
            assert_eq!(is_under(p, r), p.starts_with(r), "{p:?} under {r:?}");
        }
    }
}
