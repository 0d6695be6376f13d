//! The generated corpus is deterministic, and skillstack reports exactly the planted gotchas.

use std::collections::BTreeMap;
use std::path::Path;

use skillstack_engine::rule::load::load_rule_set;
use skillstack_engine::{audit, AuditOptions};

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let sa = skillstack_benchgen::generate(a.path(), 5_000, 7).unwrap();
    let sb = skillstack_benchgen::generate(b.path(), 5_000, 7).unwrap();
    skillstack_benchgen::generate(c.path(), 5_000, 8).unwrap();
    assert_eq!(sa, sb);
    assert!(sa.lines >= 5_000 && sa.files > 20, "{sa:?}");
    assert_eq!(tree(a.path()), tree(b.path()));
    assert_ne!(tree(a.path()), tree(c.path()));
}

#[test]
fn the_audit_reports_exactly_the_planted_gotchas() {
    let rules = load_rule_set(skillstack_builtin::rules(), &[]).unwrap();
    // A few seeds: different mixes of files and plants.
    for seed in [1, 2, 3] {
        let dir = tempfile::tempdir().unwrap();
        let stats = skillstack_benchgen::generate(dir.path(), 8_000, seed).unwrap();
        assert!(stats.planted > 0, "{stats:?}");
        let opts = AuditOptions::new(vec![dir.path().to_path_buf()], dir.path().to_path_buf());
        let result = audit(&rules, &opts);
        assert!(result.errors.is_empty(), "{:?}", result.errors);
        assert_eq!(
            result.files_scanned,
            stats.files - 4,
            "every source file is audited"
        );
        let found: Vec<String> = result
            .findings
            .iter()
            .map(|f| format!("{}:{} {}", f.path, f.start.line, f.rule_id))
            .collect();
        assert_eq!(found.len(), stats.planted, "seed {seed}: {found:#?}");
    }
}
