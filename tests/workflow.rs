//! Team workflows, end to end on temporary git repositories: the baseline, PR diff mode, and the
//! staged-changes mode the pre-commit hook uses.

mod common;

use common::{git, json, skillstack};

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    dir
}

fn lines(v: &serde_json::Value) -> Vec<u64> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["start"]["line"].as_u64().unwrap())
        .collect()
}

const LEGACY: &str = "export const resetToken = Math.random().toString(36);\n";

#[test]
fn baseline_accepts_legacy_findings_and_tracks_them() {
    let dir = repo();
    let d = dir.path();
    std::fs::write(d.join("a.ts"), LEGACY).unwrap();
    let o = skillstack(d, &["baseline", "create"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(d.join(".skillstack/baseline.json").is_file());
    // A second create refuses to overwrite.
    assert_eq!(
        skillstack(d, &["baseline", "create"]).status.code(),
        Some(2)
    );

    // Baselined findings are left out of the report and the exit code, and counted.
    let o = skillstack(d, &["audit", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    assert_eq!(lines(&v), Vec::<u64>::new());
    assert_eq!(v["summary"]["baselined"], 1);

    // Moving the code down the file keeps it matched.
    std::fs::write(
        d.join("a.ts"),
        format!("// header\n\nconst unrelated = 1;\n{LEGACY}"),
    )
    .unwrap();
    assert_eq!(skillstack(d, &["audit"]).status.code(), Some(0));

    // A new finding is reported; the legacy one still is not.
    std::fs::write(
        d.join("a.ts"),
        format!("{LEGACY}export const apiKey = Math.random().toString(36);\n"),
    )
    .unwrap();
    let v = json(&skillstack(d, &["audit", "--format", "json"]));
    assert_eq!(lines(&v), vec![2]);

    // Editing the flagged code makes it a new finding, and its old entry stale.
    std::fs::write(
        d.join("a.ts"),
        "export const resetToken = Math.random().toString(16);\n",
    )
    .unwrap();
    let o = skillstack(d, &["audit", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(json(&o)["summary"]["stale_baseline_entries"], 1);
    let o = skillstack(d, &["audit", "--strict-baseline"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("stale baseline entry"));

    // update adds the new finding and keeps notes; prune drops the stale entry.
    let path = d.join(".skillstack/baseline.json");
    let mut b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    b["entries"][0]["note"] = "accepted in review #12".into();
    std::fs::write(&path, serde_json::to_string_pretty(&b).unwrap()).unwrap();
    assert!(skillstack(d, &["baseline", "update"]).status.success());
    let b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(b["entries"].as_array().unwrap().len(), 2);
    assert!(b["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["note"] == "accepted in review #12"));
    let o = skillstack(d, &["baseline", "prune"]);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("Removed 1 stale entries"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        skillstack(d, &["audit", "--strict-baseline"]).status.code(),
        Some(0)
    );
    // --no-baseline shows everything again.
    assert_eq!(
        skillstack(d, &["audit", "--no-baseline"]).status.code(),
        Some(1)
    );
}

#[test]
fn a_broken_or_missing_baseline_is_a_clear_error() {
    let dir = repo();
    let d = dir.path();
    std::fs::write(d.join("a.ts"), LEGACY).unwrap();
    std::fs::create_dir_all(d.join(".skillstack")).unwrap();
    std::fs::write(
        d.join(".skillstack/baseline.json"),
        "{\"version\": 1, \"entries\": [}",
    )
    .unwrap();
    let o = skillstack(d, &["audit"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("baseline.json:1:"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = skillstack(d, &["audit", "--baseline", "nope.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        skillstack(d, &["baseline", "prune", "--baseline", "nope.json"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn diff_mode_reports_only_changed_lines() {
    let dir = repo();
    let d = dir.path();
    std::fs::write(d.join("a.ts"), LEGACY).unwrap();
    git(d, &["add", "."]);
    git(d, &["commit", "-qm", "legacy"]);
    git(d, &["branch", "base"]);
    std::fs::write(
        d.join("a.ts"),
        format!("{LEGACY}export const apiKey = Math.random().toString(36);\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("new.ts"),
        "export const inviteToken = Math.random().toString(36);\n",
    )
    .unwrap();

    let v = json(&skillstack(d, &["audit", "--format", "json"]));
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
    let o = skillstack(d, &["audit", "--diff", "base", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let found: Vec<(String, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["start"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![("a.ts".to_string(), 2), ("new.ts".to_string(), 1)],
        "the untracked file counts as new"
    );
    assert_eq!(v["summary"]["outside_diff"], 1);

    // --staged: only what is in the index.
    let v = json(&skillstack(d, &["audit", "--staged", "--format", "json"]));
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    git(d, &["add", "new.ts"]);
    let v = json(&skillstack(d, &["audit", "--staged", "--format", "json"]));
    assert_eq!(lines(&v), vec![1]);

    // Errors: an unknown ref, and no repository at all.
    let o = skillstack(d, &["audit", "--diff", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-branch"));
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("a.ts"), LEGACY).unwrap();
    let o = skillstack(plain.path(), &["audit", "--diff", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("git repository"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn fingerprints_do_not_depend_on_the_working_directory() {
    let dir = repo();
    let d = dir.path();
    std::fs::create_dir_all(d.join("web/lib")).unwrap();
    std::fs::write(d.join("web/lib/a.ts"), LEGACY).unwrap();
    let from_root = json(&skillstack(d, &["audit", "web", "--format", "json"]));
    let from_sub = json(&skillstack(
        &d.join("web"),
        &["audit", ".", "--format", "json"],
    ));
    assert_eq!(from_root["findings"][0]["path"], "web/lib/a.ts");
    assert_eq!(from_sub["findings"][0]["path"], "lib/a.ts");
    assert_eq!(
        from_root["findings"][0]["fingerprint"],
        from_sub["findings"][0]["fingerprint"]
    );
}
