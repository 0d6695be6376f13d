//! `audit --output-format prompt`: the Markdown document for an AI agent. The snapshot lives in
//! its own file so that it is easy to regenerate when rules change (`INSTA_UPDATE=always`).

mod common;

use std::path::PathBuf;

use common::{json, skillstack};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn prompt(args: &[&str]) -> String {
    let mut all = vec!["audit", "--output-format", "prompt"];
    all.extend_from_slice(args);
    let o = skillstack(&repo(), &all);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("UTF-8")
}

#[test]
fn prompt_output_on_the_nextjs_example() {
    let md = prompt(&["fixtures/apps/nextjs-saas"]);
    assert_eq!(md, prompt(&["fixtures/apps/nextjs-saas", "-j", "1"]));
    insta::assert_snapshot!("prompt_nextjs", md);
}

#[test]
fn every_finding_has_its_place_fix_and_check_and_each_skill_is_introduced_once() {
    let args = ["fixtures/apps/rails-saas", "--min-confidence", "low"];
    let md = prompt(&args);
    let mut all = vec!["audit", "--format", "json"];
    all.extend_from_slice(&args);
    let report = json(&skillstack(&repo(), &all));
    let findings = report["findings"].as_array().expect("findings");
    assert!(findings.len() >= 5);
    assert!(md.starts_with(&format!(
        "# skillstack audit: {} findings to fix",
        findings.len()
    )));
    for f in findings {
        let place = format!(
            "`{}:{}:{}`",
            f["path"].as_str().unwrap(),
            f["start"]["line"],
            f["start"]["column"]
        );
        let at = md.find(&place).unwrap_or_else(|| panic!("{place} missing"));
        let section = &md[at..];
        let section = &section[..section[1..].find("\n#").map_or(section.len(), |i| i + 1)];
        assert!(
            section.contains(f["message"].as_str().unwrap()),
            "{section}"
        );
        let check = format!(
            "`skillstack audit {} --select {}",
            f["path"].as_str().unwrap(),
            f["rule"].as_str().unwrap()
        );
        assert!(section.contains(&check), "{section}");
        assert!(
            section.contains(f["fix_prompt"].as_str().unwrap().trim_end())
                || section.contains("covers this line too"),
            "{section}"
        );
        let skill = f["skill"]["id"].as_str().unwrap();
        assert_eq!(
            md.matches(&format!("## Skill `{skill}`")).count(),
            1,
            "{skill} is introduced once"
        );
    }
    // The IDOR rule names its entry point; a low-confidence finding's check keeps that confidence.
    assert!(
        md.contains("- Entry point: DocumentsController#show"),
        "{md}"
    );
    assert!(md.contains("--select perm/idor-unscoped-lookup --min-confidence low` reports no"));
    // Three unverified Stripe events in one action: one prompt, two pointers back to it.
    assert_eq!(
        md.matches("acts on Stripe events without verifying their signature")
            .count(),
        1
    );
    assert_eq!(md.matches("covers this line too").count(), 2);
}

#[test]
fn a_clean_tree_says_there_is_nothing_to_fix() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("ok.ts"), "export const x = 1;\n").unwrap();
    let o = skillstack(t.path(), &["audit", "--output-format", "prompt"]);
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("# skillstack audit: nothing to fix"), "{md}");
}
