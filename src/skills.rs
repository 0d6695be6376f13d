//! The skills the reports link to: catalog entries, with the prompt of each written skill.

use std::collections::BTreeMap;

use skillstack_report::SkillInfo;
use skillstack_skills::Library;

/// Skills by id. A broken catalog is caught by the tests; here it degrades to fewer links.
pub fn catalog(lib: &Library) -> BTreeMap<String, SkillInfo> {
    lib.catalog
        .skill
        .iter()
        .map(|e| {
            let prompt = lib.doc(&e.id).and_then(|d| d.prompt()).map(str::to_string);
            (
                e.id.clone(),
                SkillInfo {
                    id: e.id.clone(),
                    title: e.title.clone(),
                    summary: e.summary.clone(),
                    prompt,
                },
            )
        })
        .collect()
}
