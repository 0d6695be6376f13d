//! The rule pack's own tests: every rule loads, links to a real skill, has `ruleid` and `ok`
//! fixtures, gets every annotated fixture right, and its examples behave.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use skillstack_engine::rule::load::load_rule_set;
use skillstack_engine::rule::RuleSet;
use skillstack_engine::testing::{check_examples, run_fixtures};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rules() -> RuleSet {
    match load_rule_set(skillstack_builtin::rules(), &[]) {
        Ok(r) => r,
        Err(errors) => {
            for e in &errors {
                eprintln!(
                    "{:?}",
                    miette::Report::new_boxed(Box::new(e.clone_for_report()))
                );
            }
            panic!("{} rule file(s) failed to load", errors.len());
        }
    }
}

trait CloneForReport {
    fn clone_for_report(&self) -> skillstack_engine::error::FileError;
}

impl CloneForReport for skillstack_engine::error::FileError {
    fn clone_for_report(&self) -> skillstack_engine::error::FileError {
        skillstack_engine::error::FileError::new(
            &self.file,
            self.src.inner(),
            self.span.map(|s| s.offset()..s.offset() + s.len()),
            self.message.clone(),
            self.label.clone(),
            self.help.clone(),
        )
    }
}

fn catalog_ids() -> BTreeSet<String> {
    let text =
        std::fs::read_to_string(repo().join("skills/catalog.toml")).expect("skills/catalog.toml");
    let value: toml::Value = toml::from_str(&text).expect("catalog parses");
    value["skill"]
        .as_array()
        .expect("[[skill]] entries")
        .iter()
        .map(|s| s["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn every_annotated_fixture_is_right() {
    let rules = rules();
    let report = run_fixtures(&rules, &[repo().join("fixtures")], repo());
    println!("{}", report.render());
    assert!(report.passed(), "fixture failures:\n{}", report.render());
}

#[test]
fn every_rule_has_ruleid_and_ok_fixtures_and_a_real_skill() {
    let rules = rules();
    let report = run_fixtures(&rules, &[repo().join("fixtures")], repo());
    let skills = catalog_ids();
    let mut problems = Vec::new();
    for rule in rules.iter() {
        if skillstack_engine::rule::meta::is_meta(&rule.id) {
            continue;
        }
        let o = report.per_rule.get(&rule.id).cloned().unwrap_or_default();
        if o.ruleid == 0 {
            problems.push(format!("{}: no `ruleid:` fixture", rule.id));
        }
        if o.ok == 0 {
            problems.push(format!("{}: no `ok:` fixture", rule.id));
        }
        match &rule.skill {
            None => problems.push(format!("{}: links to no skill", rule.id)),
            Some(s) if !skills.contains(s) => problems.push(format!(
                "{}: skill `{s}` is not in skills/catalog.toml",
                rule.id
            )),
            Some(_) => {}
        }
        if rule.examples.is_empty() {
            problems.push(format!("{}: no [[examples]]", rule.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rule_examples_behave() {
    let failures = check_examples(&rules());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rule_files_live_under_their_category() {
    let rules = rules();
    for (path, _) in skillstack_builtin::rules() {
        let stem = Path::new(path).with_extension("");
        let id = stem.to_string_lossy().replace('\\', "/");
        assert!(
            rules.contains(&id),
            "rules/{path} must define the rule `{id}` (id = path)"
        );
    }
}
