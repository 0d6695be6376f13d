//! The skills library's own checks: catalog consistency, every written skill's format, and the
//! engine run over every skill's code blocks (`bad` flagged by a linked rule, `good` by none).

use std::collections::BTreeMap;

use skillstack_engine::rule::load::load_rule_set;
use skillstack_skills::check::check_library;
use skillstack_skills::Library;

fn library() -> Library {
    let (lib, problems) = Library::from_files(skillstack_builtin::skills());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    lib
}

#[test]
fn catalog_has_the_100_skills_in_17_categories() {
    let lib = library();
    assert_eq!(lib.catalog.skill.len(), 100);
    assert_eq!(lib.catalog.category.len(), 17);
    assert!(
        lib.catalog.problems().is_empty(),
        "{:?}",
        lib.catalog.problems()
    );
    let mut priorities: Vec<u32> = lib
        .catalog
        .skill
        .iter()
        .map(|s| s.priority)
        .filter(|p| *p > 0)
        .collect();
    priorities.sort();
    assert_eq!(priorities, (1..=25).collect::<Vec<_>>());
}

#[test]
fn every_written_skill_passes_its_checks() {
    let lib = library();
    let rules = load_rule_set(skillstack_builtin::rules(), &[]).expect("rules load");
    let report = check_library(&lib, &rules);
    let problems: Vec<String> = report.problems.iter().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Written skills never exceed their category's count (they are catalog ids, one file each).
    let mut per_cat: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &lib.docs {
        *per_cat.entry(d.meta.category.as_str()).or_insert(0) += 1;
    }
    for c in &lib.catalog.category {
        assert!(per_cat.get(c.slug.as_str()).copied().unwrap_or(0) <= c.count);
    }
}

#[test]
fn every_rule_that_links_a_written_skill_is_listed_by_it() {
    // A rule's findings send users to its skill; the skill should name the rule back.
    let lib = library();
    let rules = load_rule_set(skillstack_builtin::rules(), &[]).expect("rules load");
    let mut missing = Vec::new();
    for rule in rules.iter() {
        if let Some(doc) = rule.skill.as_deref().and_then(|s| lib.doc(s)) {
            if !doc.meta.rules.contains(&rule.id) {
                missing.push(format!(
                    "{} links to {}, which does not list it in `rules`",
                    rule.id, doc.meta.id
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
