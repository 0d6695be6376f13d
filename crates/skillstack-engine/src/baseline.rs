//! The baseline: findings a team has accepted, so that an audit of a legacy repository reports
//! only what is new. Stored in `.skillstack/baseline.json` and committed.
//!
//! Entries are matched by fingerprint (rule, path relative to the project root, enclosing
//! function, whitespace-normalised matched code, occurrence): moving code up or down a file keeps
//! an entry matching; editing the flagged code does not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

pub const DEFAULT_BASELINE: &str = ".skillstack/baseline.json";
pub const BASELINE_VERSION: u32 = 1;

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    pub fingerprint: String,
    /// Where the finding was when it was accepted (informational; never used to match).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    pub message: String,
    /// Why the team accepted it.
    #[serde(default)]
    pub note: String,
}

/// The baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline {
            version: BASELINE_VERSION,
            entries: Vec::new(),
        }
    }
}

/// The result of applying a baseline to findings.
#[derive(Debug, Default)]
pub struct Applied {
    /// Findings not in the baseline.
    pub remaining: Vec<Finding>,
    /// How many findings the baseline accounted for.
    pub baselined: usize,
    /// Entries that matched no finding (the code changed or was fixed).
    pub stale: Vec<Entry>,
}

impl Baseline {
    /// Reads a baseline file. Errors say what is wrong and where.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: invalid baseline: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if b.version != BASELINE_VERSION {
            return Err(format!(
                "{}: baseline version {} is not supported (this skillstack reads version {BASELINE_VERSION}); recreate it with `skillstack baseline create`",
                path.display(),
                b.version
            ));
        }
        Ok(b)
    }

    /// Entries for `findings`, keeping the notes of entries that already exist.
    pub fn from_findings(findings: &[Finding], previous: Option<&Baseline>) -> Baseline {
        let notes: BTreeMap<&str, &str> = previous
            .map(|p| {
                p.entries
                    .iter()
                    .map(|e| (e.fingerprint.as_str(), e.note.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                rule: f.rule_id.clone(),
                path: f.path.clone(),
                fingerprint: f.fingerprint.clone(),
                symbol: f.symbol.clone(),
                message: f.message.clone(),
                note: notes
                    .get(f.fingerprint.as_str())
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            })
            .collect();
        entries.sort_by(|a, b| {
            (&a.path, &a.rule, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.fingerprint))
        });
        entries.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: BASELINE_VERSION,
            entries,
        }
    }

    /// Splits findings into new ones and baselined ones, and lists stale entries.
    pub fn apply(&self, findings: Vec<Finding>) -> Applied {
        let mut unmatched: BTreeMap<&str, &Entry> = self
            .entries
            .iter()
            .map(|e| (e.fingerprint.as_str(), e))
            .collect();
        let mut out = Applied::default();
        for f in findings {
            if unmatched.remove(f.fingerprint.as_str()).is_some() {
                out.baselined += 1;
            } else {
                out.remaining.push(f);
            }
        }
        out.stale = unmatched.into_values().cloned().collect();
        out.stale
            .sort_by(|a, b| (&a.path, &a.rule).cmp(&(&b.path, &b.rule)));
        out
    }

    /// Pretty JSON with a trailing newline, stable for review in diffs.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Where the baseline lives by default: `<project root>/.skillstack/baseline.json`.
pub fn default_path(project_root: &Path) -> PathBuf {
    project_root.join(DEFAULT_BASELINE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Position;
    use crate::rule::{Confidence, Severity};

    fn finding(fp: &str) -> Finding {
        Finding {
            rule_id: "data/x".into(),
            severity: Severity::High,
            confidence: Confidence::High,
            path: "a.ts".into(),
            start: Position { line: 1, column: 1 },
            end: Position { line: 1, column: 2 },
            byte_range: 0..1,
            message: "m".into(),
            symbol: None,
            entry: None,
            framework: None,
            fingerprint: fp.into(),
            fix_prompt: String::new(),
            related: Vec::new(),
        }
    }

    #[test]
    fn applies_and_reports_stale_entries() {
        let mut b = Baseline::from_findings(&[finding("a"), finding("b")], None);
        b.entries[0].note = "accepted".into();
        let applied = b.apply(vec![finding("a"), finding("c")]);
        assert_eq!(applied.baselined, 1);
        assert_eq!(
            applied
                .remaining
                .iter()
                .map(|f| f.fingerprint.as_str())
                .collect::<Vec<_>>(),
            vec!["c"]
        );
        assert_eq!(applied.stale.len(), 1);
        assert_eq!(applied.stale[0].fingerprint, "b");
        // Notes survive an update.
        let updated = Baseline::from_findings(&[finding("a")], Some(&b));
        assert_eq!(updated.entries[0].note, "accepted");
    }

    #[test]
    fn round_trips_and_rejects_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        let b = Baseline::from_findings(&[finding("a")], None);
        std::fs::write(&p, b.to_json()).unwrap();
        assert_eq!(Baseline::load(&p).unwrap(), b);
        std::fs::write(&p, "{\"version\": 1, \"entries\": [], \"extra\": 1}").unwrap();
        assert!(Baseline::load(&p).unwrap_err().contains("extra"));
        std::fs::write(&p, "{\"version\": 9, \"entries\": []}").unwrap();
        assert!(Baseline::load(&p).unwrap_err().contains("version 9"));
    }
}
