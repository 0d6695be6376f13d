//! `skills/catalog.toml`: every skill id with its title, category and one-line summary.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub version: u32,
    #[serde(default)]
    pub category: Vec<Category>,
    #[serde(default)]
    pub skill: Vec<CatalogEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub count: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub id: String,
    pub title: String,
    pub category: String,
    /// Rank among the skills to write first (1–25), 0 for the rest.
    pub priority: u32,
    pub summary: String,
}

impl Catalog {
    pub fn parse(text: &str) -> Result<Catalog, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn entry(&self, id: &str) -> Option<&CatalogEntry> {
        self.skill.iter().find(|s| s.id == id)
    }

    pub fn category_name(&self, slug: &str) -> Option<&str> {
        self.category
            .iter()
            .find(|c| c.slug == slug)
            .map(|c| c.name.as_str())
    }

    /// Consistency problems: duplicate ids, ids outside their category, counts that disagree.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for s in &self.skill {
            if !seen.insert(&s.id) {
                out.push(format!("catalog: duplicate skill id `{}`", s.id));
            }
            if !s.id.starts_with(&format!("{}/", s.category)) {
                out.push(format!(
                    "catalog: `{}` is not in its category `{}`",
                    s.id, s.category
                ));
            }
            if !self.category.iter().any(|c| c.slug == s.category) {
                out.push(format!(
                    "catalog: `{}` has unknown category `{}`",
                    s.id, s.category
                ));
            }
        }
        for c in &self.category {
            let n = self.skill.iter().filter(|s| s.category == c.slug).count();
            if n != c.count {
                out.push(format!(
                    "catalog: category `{}` says {} skills but lists {n}",
                    c.slug, c.count
                ));
            }
        }
        out
    }
}
