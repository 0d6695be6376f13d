//! Path normalisation shared by every stage, so that `./app/x.rb`, `app/x.rb` and
//! `/repo/app/x.rb` name the same file whichever way the user passed the path.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute against the working directory, with `.` components removed and `..`
/// resolved lexically (symlinks are not followed: skillstack never follows them anyway).
pub fn absolute(path: impl AsRef<Path>) -> std::io::Result<PathBuf> {
    let abs = std::path::absolute(path.as_ref())?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_dots() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(absolute("./a/./b").unwrap(), cwd.join("a/b"));
        assert_eq!(absolute("a/../b").unwrap(), cwd.join("b"));
        assert_eq!(absolute("/x/./y/../z").unwrap(), PathBuf::from("/x/z"));
    }
}
