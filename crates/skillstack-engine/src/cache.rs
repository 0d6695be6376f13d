//! The audit cache: each file's analysis, reused when nothing it depends on has changed.
//!
//! A file's result depends on its bytes, where it is (display and root-relative path), its
//! language and framework, the rules and how they are selected, skillstack itself, and — through
//! the framework model — other files of its app (controllers, routes, schema). The key hashes all
//! of it: per audit a *context* hash (tool build, rules, selection, and the content of every file
//! the app models read, see [`crate::model::inputs`]), and per file the context plus the file's
//! place and bytes. Editing `db/schema.rb` therefore changes every key, and results never differ
//! from an uncached run.
//!
//! One file per project root in the user's cache directory (`$SKILLSTACK_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/skillstack`, else `~/.cache/skillstack`), so an audit never writes inside the
//! audited tree. One line per entry, `key checksum json`; a line that does not check out is
//! ignored, a missing or unreadable cache is an empty one, and the file is replaced atomically
//! (temporary file + rename). No cache problem is ever an error.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::analyze::FileAnalysis;
use crate::detect::Framework;
use crate::discover::SkipReason;
use crate::finding::{Finding, Position, Related};
use crate::lang::Lang;
use crate::rule::{Confidence, Severity};

const FORMAT: &str = "skillstack-cache v1";

/// The cache directory to use, from the environment; `None` when there is no home to put it in.
pub fn default_dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("SKILLSTACK_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("skillstack")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("skillstack")))
}

/// A SHA-256 hex digest of `parts`, each length-prefixed so that no two lists collide.
pub fn digest<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    // Not `format!` per byte: a warm re-run hashes every file and every cache line, and
    // formatting took more of its time than hashing.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The loaded cache of one project, and the entries this audit used or made.
pub struct Cache {
    file: PathBuf,
    context: String,
    old: HashMap<String, String>,
    used: Mutex<HashMap<String, String>>,
}

impl Cache {
    /// Opens the cache of `project_root` under `dir` for an audit whose context hash is `context`.
    pub fn open(dir: &Path, project_root: &Path, context: String) -> Cache {
        let name = digest([project_root.to_string_lossy().as_bytes()]);
        let file = dir.join(format!("{}.cache", &name[..32]));
        let old = std::fs::read_to_string(&file)
            .map(|text| parse(&text))
            .unwrap_or_default();
        Cache {
            file,
            context,
            old,
            used: Mutex::new(HashMap::new()),
        }
    }

    /// The key of one file's analysis.
    pub fn key(
        &self,
        display: &str,
        rel: &str,
        lang: Lang,
        fw: Option<Framework>,
        bytes: &[u8],
    ) -> String {
        let fw = fw.map_or("", |f| f.as_str());
        digest([
            self.context.as_bytes(),
            display.as_bytes(),
            rel.as_bytes(),
            lang.name().as_bytes(),
            fw.as_bytes(),
            bytes,
        ])
    }

    /// The cached analysis for `key`; `text` is the file's decoded source, kept when it has findings.
    pub fn get(&self, key: &str, text: &str) -> Option<FileAnalysis> {
        let json = self.old.get(key)?;
        let entry: Entry = serde_json::from_str(json).ok()?;
        let analysis = entry.into_analysis(text)?;
        if let Ok(mut used) = self.used.lock() {
            used.insert(key.to_string(), json.clone());
        }
        Some(analysis)
    }

    /// Remembers a fresh analysis. Timeouts are not cached: they depend on the machine's load.
    pub fn put(&self, key: String, a: &FileAnalysis) {
        if a.error.is_some() || a.skipped == Some(SkipReason::Timeout) {
            return;
        }
        let Ok(json) = serde_json::to_string(&Entry::from_analysis(a)) else {
            return;
        };
        if let Ok(mut used) = self.used.lock() {
            used.insert(key, json);
        }
    }

    /// Writes the cache back: this audit's entries, plus older ones up to twice as many plus
    /// 100,000 (so a pre-commit run on a few files keeps the whole tree's entries, while entries
    /// of deleted or edited files do not pile up forever). Not written when that would write
    /// the same entries again: every entry this audit used was already there and the older
    /// ones fit. Failures are ignored.
    pub fn save(self) {
        let used = self.used.into_inner().unwrap_or_else(|p| p.into_inner());
        let budget = used.len() * 2 + 100_000;
        let unchanged =
            self.old.len() <= budget && used.iter().all(|(k, v)| self.old.get(k) == Some(v));
        if unchanged {
            return;
        }
        let mut keep: Vec<(&String, &String)> = used.iter().collect();
        let mut old: Vec<(&String, &String)> = self
            .old
            .iter()
            .filter(|(k, _)| !used.contains_key(*k))
            .collect();
        old.sort();
        keep.extend(old.into_iter().take(budget.saturating_sub(keep.len())));
        keep.sort();
        let mut text = String::from(FORMAT);
        text.push('\n');
        for (k, v) in keep {
            text.push_str(&format!("{k} {} {v}\n", &digest([v.as_bytes()])[..16]));
        }
        let Some(dir) = self.file.parent() else {
            return;
        };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
            if tmp.write_all(text.as_bytes()).is_ok() {
                let _ = tmp.persist(&self.file);
            }
        }
    }
}

/// Entries whose line checks out; anything else is skipped.
fn parse(text: &str) -> HashMap<String, String> {
    let mut lines = text.lines();
    if lines.next() != Some(FORMAT) {
        return HashMap::new();
    }
    lines
        .filter_map(|line| {
            let (key, rest) = line.split_once(' ')?;
            let (sum, json) = rest.split_once(' ')?;
            (digest([json.as_bytes()]).get(..16) == Some(sum))
                .then(|| (key.to_string(), json.to_string()))
        })
        .collect()
}

/// A file's analysis as stored.
#[derive(Serialize, Deserialize)]
struct Entry {
    findings: Vec<StoredFinding>,
    suppressed: usize,
    below_confidence: usize,
    parse_error: bool,
    skipped: Option<SkipReason>,
}

#[derive(Serialize, Deserialize)]
struct StoredFinding {
    rule_id: String,
    severity: Severity,
    confidence: Confidence,
    path: String,
    start: (usize, usize),
    end: (usize, usize),
    byte_range: (usize, usize),
    message: String,
    symbol: Option<String>,
    #[serde(default)]
    entry: Option<String>,
    framework: Option<String>,
    fingerprint: String,
    fix_prompt: String,
    #[serde(default)]
    related: Vec<StoredRelated>,
}

#[derive(Serialize, Deserialize)]
struct StoredRelated {
    start: (usize, usize),
    end: (usize, usize),
    byte_range: (usize, usize),
    message: String,
}

impl Entry {
    fn from_analysis(a: &FileAnalysis) -> Entry {
        Entry {
            findings: a
                .findings
                .iter()
                .map(|f| StoredFinding {
                    rule_id: f.rule_id.clone(),
                    severity: f.severity,
                    confidence: f.confidence,
                    path: f.path.clone(),
                    start: (f.start.line, f.start.column),
                    end: (f.end.line, f.end.column),
                    byte_range: (f.byte_range.start, f.byte_range.end),
                    message: f.message.clone(),
                    symbol: f.symbol.clone(),
                    entry: f.entry.clone(),
                    framework: f.framework.map(|fw| fw.as_str().to_string()),
                    fingerprint: f.fingerprint.clone(),
                    fix_prompt: f.fix_prompt.clone(),
                    related: f
                        .related
                        .iter()
                        .map(|r| StoredRelated {
                            start: (r.start.line, r.start.column),
                            end: (r.end.line, r.end.column),
                            byte_range: (r.byte_range.start, r.byte_range.end),
                            message: r.message.clone(),
                        })
                        .collect(),
                })
                .collect(),
            suppressed: a.suppressed,
            below_confidence: a.below_confidence,
            parse_error: a.parse_error,
            skipped: a.skipped,
        }
    }

    /// `None` when the entry names a framework this build does not know (treated as a miss).
    fn into_analysis(self, text: &str) -> Option<FileAnalysis> {
        let mut findings = Vec::with_capacity(self.findings.len());
        for f in self.findings {
            let framework = match f.framework {
                Some(name) => Some(Framework::parse(&name)?),
                None => None,
            };
            findings.push(Finding {
                rule_id: f.rule_id,
                severity: f.severity,
                confidence: f.confidence,
                path: f.path,
                start: position(f.start),
                end: position(f.end),
                byte_range: f.byte_range.0..f.byte_range.1,
                message: f.message,
                symbol: f.symbol,
                entry: f.entry,
                framework,
                fingerprint: f.fingerprint,
                fix_prompt: f.fix_prompt,
                related: f
                    .related
                    .into_iter()
                    .map(|r| Related {
                        start: position(r.start),
                        end: position(r.end),
                        byte_range: r.byte_range.0..r.byte_range.1,
                        message: r.message,
                    })
                    .collect(),
            });
        }
        Some(FileAnalysis {
            source: (!findings.is_empty()).then(|| std::sync::Arc::from(text)),
            findings,
            suppressed: self.suppressed,
            below_confidence: self.below_confidence,
            parse_error: self.parse_error,
            skipped: self.skipped,
            error: None,
        })
    }
}

fn position((line, column): (usize, usize)) -> Position {
    Position { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f, 0x10]), "00ab7f10");
        // SHA-256 of the empty list: of nothing at all.
        assert_eq!(
            digest([]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    /// A warm re-run that used only entries already there leaves the file alone, stale entries
    /// and all; a run that adds one rewrites it.
    #[test]
    fn an_unchanged_cache_is_not_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/project");
        let open = || Cache::open(dir.path(), root, "ctx".into());
        let a = FileAnalysis::default();
        let c = open();
        c.put("k1".into(), &a);
        c.put("k2".into(), &a);
        c.save();
        let file = open().file;
        let written = std::fs::metadata(&file).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // Uses one of two entries: the other is stale, and kept without a rewrite.
        let c = open();
        assert!(c.get("k1", "").is_some());
        c.save();
        assert_eq!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            written
        );
        let c = open();
        c.put("k3".into(), &a);
        c.save();
        assert_ne!(
            std::fs::metadata(&file).unwrap().modified().unwrap(),
            written
        );
        assert_eq!(open().old.len(), 3);
    }
}
