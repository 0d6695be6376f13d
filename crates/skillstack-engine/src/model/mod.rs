//! Understanding the app: facts about a project gathered across files before rules run, so that
//! framework-aware predicates can answer questions a single file cannot ("which before_actions
//! run before this action?", "does this model's table have an owner column?").
//!
//! The vocabulary is framework-neutral — an **entry point** (a controller action, a route
//! handler, a server action) that may be **authenticated** and **authorized** — and each
//! framework fills it in its own module.

pub mod rails;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::detect::{App, Framework};
use crate::lang::Lang;

/// Project-wide facts, per app.
#[derive(Debug, Default)]
pub struct ProjectModel {
    /// Rails apps by root (absolute).
    pub rails: BTreeMap<PathBuf, rails::RailsApp>,
}

impl ProjectModel {
    /// Reads the files each framework needs (controllers, concerns, routes and initializers,
    /// schema) for the detected apps — from the app on disk, not only from the audited paths, so
    /// that auditing one file (a pre-commit hook) still knows its app.
    pub fn build(apps: &[App], budget: Duration) -> ProjectModel {
        let mut model = ProjectModel::default();
        for app in apps.iter().filter(|a| a.framework == Framework::Rails) {
            let root = crate::paths::absolute(&app.root).unwrap_or_else(|_| app.root.clone());
            let mut app_files: Vec<PathBuf> = Vec::new();
            for sub in ["app/controllers", "config"] {
                let dir = root.join(sub);
                if !dir.is_dir() {
                    continue;
                }
                for entry in ignore::WalkBuilder::new(&dir)
                    .follow_links(false)
                    .require_git(false)
                    .build()
                    .flatten()
                {
                    if entry.file_type().is_some_and(|t| t.is_file())
                        && entry.path().extension().is_some_and(|e| e == "rb")
                    {
                        app_files.push(entry.into_path());
                    }
                }
            }
            let schema = root.join("db/schema.rb");
            if schema.is_file() {
                app_files.push(schema);
            }
            app_files.sort();
            let refs: Vec<&PathBuf> = app_files.iter().collect();
            model
                .rails
                .insert(root.clone(), rails::RailsApp::build(&root, &refs, budget));
        }
        model
    }

    /// A model of one code snippet on its own, as a file at `path` in a Rails app (for rule
    /// examples and skill code blocks, which have no app around them). Returns the model and the
    /// snippet's virtual absolute path.
    pub fn from_snippet(
        framework: Option<Framework>,
        lang: Lang,
        path: &str,
        src: &str,
    ) -> (ProjectModel, PathBuf) {
        let root = PathBuf::from("/__skillstack_snippet__");
        let file = root.join(path);
        let mut model = ProjectModel::default();
        if framework == Some(Framework::Rails) && lang == Lang::Ruby {
            let mut app = rails::RailsApp {
                root: root.clone(),
                ..Default::default()
            };
            if let Some(tree) = crate::analyze::parse(Lang::Ruby, src, Duration::from_secs(5)) {
                app.add_file(&file, tree.root_node(), src);
            }
            model.rails.insert(root, app);
        }
        (model, file)
    }

    /// The Rails app a file belongs to (the deepest root containing it).
    pub fn rails_app(&self, file: &Path) -> Option<&rails::RailsApp> {
        let abs = crate::paths::absolute(file).ok()?;
        self.rails
            .iter()
            .filter(|(root, _)| abs.starts_with(root))
            .max_by_key(|(root, _)| root.components().count())
            .map(|(_, a)| a)
    }
}
