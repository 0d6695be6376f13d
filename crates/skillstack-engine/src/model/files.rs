//! An app's source files read on demand. Auditing one controller (a pre-commit hook) must not
//! parse the thousands of others: a model asks for the files that may declare a class, and only
//! those are parsed, once each.
//!
//! Which files may declare a name comes from a text index built on first use: one regex pass
//! over each file's text for `class`/`module` keywords, keyed by the name's last segment,
//! lowercased. It over-approximates (a keyword in a comment or string adds a candidate, never
//! removes one), so a lookup that parses every candidate and lets the last file in sorted order
//! win sees exactly what parsing every file in sorted order would have.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;

use crate::model::lazy;

/// Sorted files, each summarised to a `T` the first time a lookup needs it.
#[derive(Debug)]
pub struct LazyFiles<T> {
    files: Vec<PathBuf>,
    /// Indices of `files` sorted by path, for [`LazyFiles::position`].
    by_path: Vec<usize>,
    slots: Vec<OnceLock<Option<T>>>,
    /// Lowercased last name segment → indices of the files whose text declares it, ascending.
    index: OnceLock<HashMap<String, Vec<usize>>>,
}

impl<T> Default for LazyFiles<T> {
    fn default() -> Self {
        LazyFiles::new(Vec::new())
    }
}

/// `class Foo`, `class Admin::Foo < Base`, `module Bar`, `final class Baz` (PHP keywords are
/// case-insensitive), with comments allowed between keyword and name.
fn declaration() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    lazy(
        &RE,
        r"(?i)\b(?:class|module|interface|trait|enum)\b(?:\s|/\*(?s:.*?)\*/|#[^\n]*\n|//[^\n]*\n)*((?:\\?\w+\s*(?:::|\\)\s*)*\w+)",
    )
}

/// The last segment of `Admin::Foo` or `App\Models\Foo`, lowercased: the index key.
pub fn key(name: &str) -> String {
    name.rsplit([':', '\\'])
        .next()
        .unwrap_or(name)
        .trim()
        .to_lowercase()
}

impl<T> LazyFiles<T> {
    /// `files` sorted as the eager model read them.
    pub fn new(mut files: Vec<PathBuf>) -> LazyFiles<T> {
        files.sort();
        LazyFiles::in_order(files)
    }

    /// `files` in the order given: the order in which the eager model read them, when that was
    /// not one sorted list (Laravel reads `app/`, then each package directory).
    pub fn in_order(files: Vec<PathBuf>) -> LazyFiles<T> {
        let slots = files.iter().map(|_| OnceLock::new()).collect();
        let mut by_path: Vec<usize> = (0..files.len()).collect();
        by_path.sort_by(|&a, &b| files[a].cmp(&files[b]));
        LazyFiles {
            files,
            by_path,
            slots,
            index: OnceLock::new(),
        }
    }

    /// The path of file `i`.
    pub fn path(&self, i: usize) -> Option<&Path> {
        self.files.get(i).map(PathBuf::as_path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files whose text may declare `name` (any namespace), ascending.
    pub fn candidates(&self, name: &str) -> &[usize] {
        let index = self.index.get_or_init(|| {
            let mut index: HashMap<String, Vec<usize>> = HashMap::new();
            for (i, f) in self.files.iter().enumerate() {
                // Unreadable files declare nothing: the summariser could not read them either.
                let Ok(text) = std::fs::read(f) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&text);
                for c in declaration().captures_iter(&text) {
                    if let Some(m) = c.get(1) {
                        let list = index.entry(key(m.as_str())).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                }
            }
            index
        });
        index.get(&key(name)).map_or(&[], |v| v.as_slice())
    }

    /// The position of `file` in the list.
    pub fn position(&self, file: &Path) -> Option<usize> {
        let at = self
            .by_path
            .binary_search_by(|&i| self.files[i].as_path().cmp(file))
            .ok()?;
        self.by_path.get(at).copied()
    }

    /// File `i`'s summary, made by `read` the first time.
    pub fn get(&self, i: usize, read: impl FnOnce(&Path) -> Option<T>) -> Option<&T> {
        let slot = self.slots.get(i)?;
        slot.get_or_init(|| read(&self.files[i])).as_ref()
    }

    /// Summarises `file` from a syntax tree the caller already has (the audited file), unless
    /// it is summarised already. Only when `src` is exactly the file on disk — no byte-order mark
    /// dropped, no invalid UTF-8 replaced — so the summary is the one reading it would give.
    pub fn seed(&self, file: &Path, src: &str, read: impl FnOnce(&Path) -> Option<T>) {
        let Some(i) = self.position(file) else {
            return;
        };
        if self.slots[i].get().is_some() || src.contains('\u{FFFD}') {
            return;
        }
        if std::fs::metadata(file).is_ok_and(|m| m.len() == src.len() as u64) {
            self.get(i, read);
        }
    }

    /// How many files have been summarised so far (for tests of what a lookup reads).
    pub fn read_count(&self) -> usize {
        self.slots.iter().filter(|s| s.get().is_some()).count()
    }
}

/// The few classes (or concerns) one file defines, by name, in name order: what a per-file
/// `BTreeMap` held, without its node of eleven slots (about 2.5 KB for a file of one class; a
/// large app's model keeps thousands of files' summaries).
#[derive(Debug)]
pub struct ByName<T> {
    entries: Box<[(String, T)]>,
}

impl<T> Default for ByName<T> {
    fn default() -> Self {
        ByName {
            entries: Box::new([]),
        }
    }
}

impl<T> From<std::collections::BTreeMap<String, T>> for ByName<T> {
    fn from(map: std::collections::BTreeMap<String, T>) -> Self {
        ByName {
            entries: map.into_iter().collect(),
        }
    }
}

impl<T> ByName<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(n, _)| n)
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_declarations_by_last_segment() {
        let dir = tempfile::tempdir().unwrap();
        let files = [
            (
                "a.rb",
                "module Admin\n  class UsersController < ApplicationController\n  end\nend\n",
            ),
            ("b.rb", "class Admin::Users::SessionsController\nend\n"),
            (
                "c.php",
                "<?php\nnamespace App\\Http;\nFINAL CLASS /* x */ Kernel extends HttpKernel {}\n",
            ),
            ("d.rb", "puts 'no declaration'\n"),
        ];
        let mut paths = Vec::new();
        for (name, text) in files {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            paths.push(p);
        }
        let lf: LazyFiles<()> = LazyFiles::new(paths.clone());
        assert_eq!(lf.candidates("Admin::UsersController"), &[0]);
        assert_eq!(lf.candidates("Admin"), &[0]);
        assert_eq!(lf.candidates("SessionsController"), &[1]);
        assert_eq!(lf.candidates("App\\Http\\Kernel"), &[2]);
        assert!(lf.candidates("Nothing").is_empty());
        assert_eq!(lf.position(&paths[3]), Some(3));
        assert_eq!(lf.read_count(), 0);
        assert_eq!(lf.get(1, |_| Some(7u8).map(|_| ())), Some(&()));
        assert_eq!(lf.read_count(), 1);
    }

    #[test]
    fn by_name_keeps_the_maps_order_and_lookups() {
        let map = std::collections::BTreeMap::from([("b".to_string(), 2), ("a".to_string(), 1)]);
        let few = ByName::from(map);
        assert_eq!(few.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(few.values().collect::<Vec<_>>(), [&1, &2]);
        assert_eq!(few.get("b"), Some(&2));
        assert_eq!(few.get("c"), None);
        assert!(ByName::<u8>::default().get("a").is_none());
    }
}
