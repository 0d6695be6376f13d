//! The skills catalog shipped in the binary (`skills/catalog.toml`).

use std::collections::BTreeMap;

use serde::Deserialize;
use skillstack_report::SkillInfo;

#[derive(Deserialize)]
struct Catalog {
    #[serde(default)]
    skill: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    title: String,
    summary: String,
}

/// Skills by id. An unreadable catalog is a build bug caught by the tests, so it degrades to empty.
pub fn catalog() -> BTreeMap<String, SkillInfo> {
    let Some((_, text)) = skillstack_builtin::skills()
        .iter()
        .find(|(p, _)| *p == "catalog.toml")
    else {
        return BTreeMap::new();
    };
    let Ok(c) = toml::from_str::<Catalog>(text) else {
        return BTreeMap::new();
    };
    c.skill
        .into_iter()
        .map(|e| {
            (
                e.id.clone(),
                SkillInfo {
                    id: e.id,
                    title: e.title,
                    summary: e.summary,
                },
            )
        })
        .collect()
}
