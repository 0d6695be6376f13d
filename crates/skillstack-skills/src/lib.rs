//! The skills library: the 100-skill catalog, skill files (parsing and checks), rendering.
//!
//! Skills live in `skills/<category>/<slug>.md` (format: `skills/README.md`) and are embedded in
//! the binary by `skillstack-builtin`; this crate works on `(path, text)` pairs so that tests can
//! check files on disk the same way.

pub mod catalog;
pub mod check;
pub mod doc;
pub mod export;
pub mod render;

pub use catalog::{Catalog, CatalogEntry, Category};
pub use doc::{CodeBlock, Section, SkillDoc};

/// The catalog and every written skill.
#[derive(Debug)]
pub struct Library {
    pub catalog: Catalog,
    /// Written skills, sorted by id.
    pub docs: Vec<SkillDoc>,
}

impl Library {
    /// Builds the library from skills files: `catalog.toml` and `<category>/<slug>.md` entries.
    /// Returns the problems found while parsing (a skill with a broken frontmatter is left out).
    pub fn from_files(files: &[(&str, &str)]) -> (Library, Vec<String>) {
        let mut problems = Vec::new();
        let catalog = match files.iter().find(|(p, _)| *p == "catalog.toml") {
            Some((_, text)) => Catalog::parse(text).unwrap_or_else(|e| {
                problems.push(format!("skills/catalog.toml: {e}"));
                Catalog::default()
            }),
            None => {
                problems.push("skills/catalog.toml is missing".into());
                Catalog::default()
            }
        };
        let mut docs = Vec::new();
        for (path, text) in files {
            if !path.ends_with(".md") || *path == "README.md" {
                continue;
            }
            match SkillDoc::parse(path, text) {
                Ok(d) => docs.push(d),
                Err(e) => problems.push(format!("skills/{path}: {e}")),
            }
        }
        docs.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        (Library { catalog, docs }, problems)
    }

    /// The written skill with this id, if any.
    pub fn doc(&self, id: &str) -> Option<&SkillDoc> {
        self.docs.iter().find(|d| d.meta.id == id)
    }
}
