//! Understanding the app: facts about a project gathered across files before rules run, so that
//! framework-aware predicates can answer questions a single file cannot ("which before_actions
//! run before this action?", "does this model's table have an owner column?").
//!
//! The vocabulary is framework-neutral — an **entry point** (a controller action, a route
//! handler, a server action) that may be **authenticated** and **authorized** — and each
//! framework fills it in its own module.

pub mod auth_names;
pub mod files;
pub mod laravel;
pub mod nextjs;
pub mod rails;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tree_sitter::Node;

use crate::detect::{App, Framework};
use crate::lang::Lang;

/// Code that a request runs (a controller action, a route handler, a server action), with what
/// guards it. Each framework module decides what counts as evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    /// How users name it: `DocumentsController#show`, `GET /api/documents/[id]`.
    pub name: String,
    /// Something that runs before it requires a signed-in user.
    pub authenticated: bool,
    /// The caller is authenticated some other way: a machine's shared secret or signature (cron
    /// jobs, queues, webhooks), or a path filter outside the code (Next.js `middleware.ts` /
    /// `proxy.ts` matchers — easy to get wrong, see CVE-2025-29927). Rules about missing
    /// authentication accept it; rules that need a signed-in user do not.
    pub authenticated_otherwise: bool,
    /// It shows authorization evidence (a policy call, an ownership comparison, a 403).
    pub authorized: bool,
}

/// What one framework's app model knows about one app.
#[derive(Debug)]
pub enum AppFacts {
    Rails(rails::RailsApp),
    NextJs(nextjs::NextApp),
    Laravel(laravel::LaravelApp),
}

/// Project-wide facts, per app.
#[derive(Debug, Default)]
pub struct ProjectModel {
    /// Apps by absolute root; several frameworks may share a root. Each is built the first time
    /// a rule asks about a file of it, so an audit of a few files builds only their apps.
    apps: BTreeMap<(PathBuf, Framework), LazyApp>,
    /// The project's own authentication and authorization helpers, from `skillstack.toml`.
    pub auth: auth_names::AuthNames,
    /// Each app root's [`ENV_EXAMPLE`] file, when it has one: the environment variables the app
    /// expects, for rules about configuration that lives outside the code (the `app-env-example`
    /// value).
    pub env_examples: BTreeMap<PathBuf, String>,
}

/// One app's facts, built when first asked for and dropped once the audit has analysed the
/// last of the app's files it was told about ([`ProjectModel::expect_files`]): an app's model
/// holds tens of megabytes on a large app, and a monorepo's apps need not all be in memory at
/// once. Asked for again after that, they are built again (the same facts, from the same files).
#[derive(Debug)]
struct LazyApp {
    facts: Mutex<Option<Arc<AppFacts>>>,
    budget: Duration,
    /// Files of this app the audit has still to analyse.
    pending: AtomicUsize,
}

impl LazyApp {
    fn new(facts: Option<AppFacts>, budget: Duration) -> LazyApp {
        LazyApp {
            facts: Mutex::new(facts.map(Arc::new)),
            budget,
            pending: AtomicUsize::new(0),
        }
    }

    /// The facts' slot. A panic while building (caught per file by the audit) poisons the lock
    /// but leaves the slot empty, as a panic in `OnceLock::get_or_init` would: usable.
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<AppFacts>>> {
        self.facts.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, root: &Path, fw: Framework) -> Arc<AppFacts> {
        // Held while building, so that two files of one app do not both build it.
        self.slot()
            .get_or_insert_with(|| {
                Arc::new(match fw {
                    Framework::Rails => {
                        let files = inputs(root, fw);
                        let refs: Vec<&PathBuf> = files.iter().collect();
                        AppFacts::Rails(rails::RailsApp::build(root, &refs, self.budget))
                    }
                    Framework::NextJs => {
                        AppFacts::NextJs(nextjs::NextApp::build(root, self.budget))
                    }
                    Framework::Laravel => {
                        AppFacts::Laravel(laravel::LaravelApp::build(root, self.budget))
                    }
                })
            })
            .clone()
    }

    fn is_built(&self) -> bool {
        self.slot().is_some()
    }
}

/// Where an app lists the environment variables it needs (Laravel's convention, common in Node
/// and Rails apps too). Read once per app root, and a cache input of every app.
pub const ENV_EXAMPLE: &str = ".env.example";

/// A larger `.env.example` is not read: a list of variable names is a few kilobytes.
const ENV_EXAMPLE_MAX_BYTES: u64 = 256 * 1024;

/// The app's `.env.example`, if it is a readable, reasonably small file (lossy UTF-8).
fn read_env_example(root: &Path) -> Option<String> {
    let path = root.join(ENV_EXAMPLE);
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > ENV_EXAMPLE_MAX_BYTES {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

impl ProjectModel {
    /// The model of the detected apps, from the apps on disk, not only from the audited paths, so
    /// that auditing one file (a pre-commit hook) still knows its app. Only each `.env.example` is
    /// read here: an
    /// app's files (controllers, concerns, routes and initializers, schema) are read when a rule
    /// first asks about a file of it, and then only what the question needs.
    pub fn build(apps: &[App], budget: Duration) -> ProjectModel {
        let mut model = ProjectModel::default();
        for app in apps {
            let root = crate::paths::absolute(&app.root).unwrap_or_else(|_| app.root.clone());
            if let Some(text) = read_env_example(&root) {
                model.env_examples.insert(root.clone(), text);
            }
            model
                .apps
                .insert((root, app.framework), LazyApp::new(None, budget));
        }
        model
    }

    /// How many apps have been built so far (for tests of what an audit reads).
    pub fn apps_built(&self) -> usize {
        self.apps.values().filter(|a| a.is_built()).count()
    }

    /// Tells the model which files the audit will analyse, so that it can drop each app's
    /// facts after the app's last file ([`ProjectModel::file_done`]).
    pub fn expect_files<'p>(&self, files: impl Iterator<Item = (&'p Path, Lang)>) {
        for (file, lang) in files {
            if let Some(app) = self.lazy_app_for(file, lang) {
                app.pending.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The audit is done with `file` (analysed, served from the cache, skipped or failed): after
    /// the last expected file of its app, the app's facts are dropped.
    pub fn file_done(&self, file: &Path, lang: Lang) {
        let Some(app) = self.lazy_app_for(file, lang) else {
            return;
        };
        let last = app
            .pending
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            == Ok(1);
        if last {
            let facts = app.slot().take();
            // Dropped outside the lock.
            drop(facts);
        }
    }

    fn insert(&mut self, root: PathBuf, fw: Framework, facts: AppFacts) {
        self.apps
            .insert((root, fw), LazyApp::new(Some(facts), Duration::ZERO));
    }

    /// A model of one code snippet on its own, as a file at `path` in a Rails or Laravel app (for rule
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
            let mut app = rails::RailsApp::new(&root);
            if let Some(tree) = crate::analyze::parse(Lang::Ruby, src, Duration::from_secs(5)) {
                app.add_file(&file, tree.root_node(), src);
            }
            model.insert(root.clone(), Framework::Rails, AppFacts::Rails(app));
        } else if framework == Some(Framework::NextJs) && lang.is_js_family() {
            let app = nextjs::NextApp::for_snippet(&root, &file, src);
            model.insert(root.clone(), Framework::NextJs, AppFacts::NextJs(app));
        }
        if framework == Some(Framework::Laravel) && lang == Lang::Php {
            // No route files: public controller methods are entry points (see `model::laravel`).
            let mut app = laravel::LaravelApp::new(&root);
            if let Some(tree) = crate::analyze::parse(Lang::Php, src, Duration::from_secs(5)) {
                app.add_file(&file, tree.root_node(), src);
            }
            model.insert(root, Framework::Laravel, AppFacts::Laravel(app));
        }
        (model, file)
    }

    /// The app of a framework that understands `lang` which `file` belongs to (the deepest
    /// root containing it): a TypeScript file in a Rails app's `app/javascript` is not Rails code.
    pub fn app_for(&self, file: &Path, lang: Lang) -> Option<Arc<AppFacts>> {
        let ((root, fw), app) = self.app_entry_for(file, lang)?;
        Some(app.get(root, *fw))
    }

    fn app_entry_for(&self, file: &Path, lang: Lang) -> Option<(&(PathBuf, Framework), &LazyApp)> {
        let abs = crate::paths::absolute(file).ok()?;
        self.apps
            .iter()
            .filter(|((root, fw), _)| {
                crate::paths::is_under(&abs, root) && framework_reads(*fw, lang)
            })
            .max_by_key(|((root, _), _)| root.components().count())
    }

    fn lazy_app_for(&self, file: &Path, lang: Lang) -> Option<&LazyApp> {
        self.app_entry_for(file, lang).map(|(_, app)| app)
    }

    /// The `.env.example` of the app `file` belongs to (see [`ProjectModel::app_for`]), if it has one.
    pub fn env_example_for(&self, file: &Path, lang: Lang) -> Option<&str> {
        let ((root, _), _) = self.app_entry_for(file, lang)?;
        self.env_examples.get(root).map(String::as_str)
    }

    /// The entry points that run the code at `node`. Empty outside any.
    pub fn entry_points_at(
        &self,
        file: &Path,
        lang: Lang,
        node: Node,
        src: &str,
    ) -> Vec<EntryPoint> {
        let mut eps = match self.app_for(file, lang).as_deref() {
            Some(AppFacts::Rails(app)) => app.entry_points_at(file, node, src),
            Some(AppFacts::NextJs(app)) => app.entry_points_at(file, node, src),
            Some(AppFacts::Laravel(app)) => app.entry_points_at(file, node, src),
            None => Vec::new(),
        };
        if !eps.is_empty() {
            let (authn, authz) = self.auth.evidence_at(lang, node, src);
            for ep in &mut eps {
                ep.authenticated |= authn;
                ep.authorized |= authz;
            }
        }
        eps
    }

    /// Does another entry point require a signed-in user — for Rails another action of the same
    /// controller, for Laravel another route of the app?
    pub fn authenticates_elsewhere(&self, file: &Path, lang: Lang, node: Node, src: &str) -> bool {
        match self.app_for(file, lang).as_deref() {
            Some(AppFacts::Rails(app)) => app.controller_authenticates_elsewhere(file, node, src),
            Some(AppFacts::NextJs(app)) => app.authenticates_elsewhere(file, node, src),
            Some(AppFacts::Laravel(app)) => app.authenticates_elsewhere(file, node, src),
            None => false,
        }
    }

    /// Is `model` (as the code names it) a table with no owner or tenant column?
    pub fn is_public_model(&self, file: &Path, lang: Lang, model: &str) -> bool {
        match self.app_for(file, lang).as_deref() {
            Some(AppFacts::Rails(app)) => app.is_public_model(model),
            Some(AppFacts::NextJs(app)) => app.is_public_model(model),
            Some(AppFacts::Laravel(app)) => app.is_public_model(model),
            None => false,
        }
    }

    /// Is the parameter `param` (without `$`) of the entry point around `node` filled from the
    /// URL (a `{param}` route segment)? Laravel only.
    pub fn is_route_parameter(
        &self,
        file: &Path,
        lang: Lang,
        node: Node,
        src: &str,
        param: &str,
    ) -> bool {
        match self.app_for(file, lang).as_deref() {
            Some(AppFacts::Laravel(app)) => app.is_route_parameter(file, node, src, param),
            _ => false,
        }
    }

    /// Does an entry point running the code at `node` rely on authenticating middleware alone
    /// (Next.js `middleware.ts` / `proxy.ts`, no check of its own)? Next.js only.
    pub fn is_middleware_only(&self, file: &Path, lang: Lang, node: Node, src: &str) -> bool {
        match self.app_for(file, lang).as_deref() {
            Some(AppFacts::NextJs(app)) => app.middleware_only_at(file, node, src),
            _ => false,
        }
    }

    /// Does the app's middleware authenticate on a framework version that lets requests skip it
    /// (Next.js CVE-2025-29927)? Next.js only.
    pub fn is_middleware_bypassable(&self, file: &Path, lang: Lang) -> bool {
        match self.app_for(file, lang).as_deref() {
            Some(AppFacts::NextJs(app)) => app.middleware_bypassable(),
            _ => false,
        }
    }

    /// Does the app wrap this mountable dashboard (`Sidekiq::Web`) in authentication middleware?
    pub fn is_protected_mount(&self, file: &Path, lang: Lang, name: &str) -> bool {
        match self.app_for(file, lang).as_deref() {
            Some(AppFacts::Rails(app)) => app.is_protected_rack_app(name),
            _ => false,
        }
    }
}

/// The files the model of an app reads, sorted: [`ProjectModel::build`] reads these and no
/// others, and the audit cache hashes them (a model that read an unlisted file would let the
/// cache serve results computed from an old version of it). Every app's `.env.example` is one.
pub fn inputs(root: &Path, framework: Framework) -> Vec<PathBuf> {
    let mut files = model_inputs(root, framework);
    let env_example = root.join(ENV_EXAMPLE);
    if env_example.is_file() {
        files.push(env_example);
        files.sort();
    }
    files
}

/// The code and configuration files each framework's model reads.
fn model_inputs(root: &Path, framework: Framework) -> Vec<PathBuf> {
    match framework {
        Framework::Rails => {
            let mut files = app_files(root, &["app/controllers", "config"], &["rb"]);
            let schema = root.join("db/schema.rb");
            if schema.is_file() {
                files.push(schema);
            }
            files.sort();
            files
        }
        Framework::Laravel => {
            let mut files = app_files(root, &["app", "routes", "database/migrations"], &["php"]);
            for dir in laravel::package_dirs(root) {
                files.extend(app_files(&dir, &["."], &["php"]));
            }
            for f in ["bootstrap/app.php", "composer.json"] {
                let f = root.join(f);
                if f.is_file() {
                    files.push(f);
                }
            }
            files.sort();
            files.dedup();
            files
        }
        // The Next.js model reads its configuration and schema eagerly, and any module of the
        // app lazily, through imports: all of them are inputs.
        Framework::NextJs => {
            let mut files: Vec<PathBuf> = app_files(
                root,
                &["."],
                &["ts", "tsx", "js", "jsx", "mjs", "cjs", "prisma"],
            )
            .into_iter()
            .filter(|f| {
                !f.components().any(|c| {
                    matches!(
                        c.as_os_str().to_str(),
                        Some("node_modules" | ".next" | "dist")
                    )
                })
            })
            .collect();
            for name in ["tsconfig.json", "jsconfig.json", "package.json"] {
                let f = root.join(name);
                if f.is_file() {
                    files.push(f);
                }
            }
            files.sort();
            files
        }
    }
}

/// A regex compiled once. The framework models' patterns are constants tested in their modules,
/// so a pattern that fails to compile is a bug the tests catch.
pub(crate) fn lazy(
    cell: &'static std::sync::OnceLock<regex::Regex>,
    pattern: &str,
) -> &'static regex::Regex {
    cell.get_or_init(|| regex::Regex::new(pattern).expect("a constant, tested pattern"))
}

/// Does this framework's model read files of this language?
fn framework_reads(fw: Framework, lang: Lang) -> bool {
    match fw {
        Framework::Rails => lang == Lang::Ruby,
        Framework::NextJs => lang.is_js_family(),
        Framework::Laravel => lang == Lang::Php,
    }
}

/// The files under `root`'s `subdirs` with one of these extensions, sorted (gitignore rules
/// apply, so generated and vendored code stays out).
pub fn app_files(root: &Path, subdirs: &[&str], exts: &[&str]) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in subdirs {
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
                && entry
                    .path()
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| exts.contains(&e))
            {
                files.push(entry.into_path());
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pre-commit hook that audits a Ruby file builds the Rails app it belongs to, not the
    /// Next.js and Laravel apps next to it.
    #[test]
    fn builds_only_the_apps_asked_about() {
        let dir = tempfile::tempdir().unwrap();
        let root = crate::paths::absolute(dir.path()).unwrap();
        let apps: Vec<App> = [
            ("api", Framework::Rails, "Gemfile"),
            ("web", Framework::NextJs, "package.json"),
            ("admin", Framework::Laravel, "artisan"),
        ]
        .iter()
        .map(|(sub, fw, marker)| {
            std::fs::create_dir_all(root.join(sub)).unwrap();
            App {
                framework: *fw,
                root: root.join(sub),
                marker: root.join(sub).join(marker),
            }
        })
        .collect();
        let model = ProjectModel::build(&apps, Duration::from_secs(5));
        assert_eq!(model.apps_built(), 0);
        let file = root.join("api/app/models/user.rb");
        assert!(matches!(
            model.app_for(&file, Lang::Ruby).as_deref(),
            Some(AppFacts::Rails(_))
        ));
        assert!(model.app_for(&file, Lang::Php).is_none());
        assert_eq!(model.apps_built(), 1);
    }

    /// An app's facts go once the audit is done with its last file, and come back if asked for.
    #[test]
    fn an_apps_facts_are_dropped_after_its_last_expected_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = crate::paths::absolute(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("app/controllers")).unwrap();
        let apps = vec![App {
            framework: Framework::Rails,
            root: root.clone(),
            marker: root.join("Gemfile"),
        }];
        let model = ProjectModel::build(&apps, Duration::from_secs(5));
        let a = root.join("app/controllers/a_controller.rb");
        let b = root.join("app/controllers/b_controller.rb");
        let outside = dir.path().join("../elsewhere.rb");
        let files = [(&a, Lang::Ruby), (&b, Lang::Ruby), (&outside, Lang::Ruby)];
        model.expect_files(files.iter().map(|(p, l)| (p.as_path(), *l)));
        assert!(model.app_for(&a, Lang::Ruby).is_some());
        model.file_done(&a, Lang::Ruby);
        model.file_done(&outside, Lang::Ruby);
        assert_eq!(model.apps_built(), 1);
        // Held by a caller while the last file finishes: the caller's copy stays valid.
        let held = model.app_for(&b, Lang::Ruby);
        model.file_done(&b, Lang::Ruby);
        assert_eq!(model.apps_built(), 0);
        assert!(matches!(held.as_deref(), Some(AppFacts::Rails(_))));
        // More "done" than expected changes nothing; asked again, the app is built again.
        model.file_done(&b, Lang::Ruby);
        assert!(model.app_for(&b, Lang::Ruby).is_some());
        assert_eq!(model.apps_built(), 1);
    }

    use crate::predicates::{PredCtx, ValueFn};

    /// A Laravel app on disk with a `.env.example`: the model keeps it for the app's files, the
    /// `app-env-example` value returns it, and the cache hashes it.
    #[test]
    fn env_example_is_read_per_app_and_is_a_cache_input() {
        let dir = tempfile::tempdir().unwrap();
        let root = crate::paths::absolute(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("app/Models")).unwrap();
        std::fs::write(root.join("artisan"), "").unwrap();
        std::fs::write(root.join(ENV_EXAMPLE), "APP_KEY=\nSTRIPE_KEY=\n").unwrap();
        let file = root.join("app/Models/User.php");
        let src = "<?php\nuse Laravel\\Cashier\\Billable;\nclass User {}\n";
        std::fs::write(&file, src).unwrap();
        let app = App {
            framework: Framework::Laravel,
            root: root.clone(),
            marker: root.join("artisan"),
        };
        let model = ProjectModel::build(&[app], Duration::from_secs(5));
        assert_eq!(
            model.env_example_for(&file, Lang::Php),
            Some("APP_KEY=\nSTRIPE_KEY=\n")
        );
        // A file of another framework's language has no app here.
        assert_eq!(model.env_example_for(&root.join("x.rb"), Lang::Ruby), None);
        assert!(inputs(&root, Framework::Laravel).contains(&root.join(ENV_EXAMPLE)));

        let tree = crate::analyze::parse(Lang::Php, src, Duration::from_secs(5)).unwrap();
        let ctx = PredCtx {
            lang: Lang::Php,
            src,
            file: Some(&file),
            project: Some(&model),
        };
        let value = ValueFn::parse("app-env-example").unwrap();
        assert_eq!(
            value.eval(tree.root_node(), &ctx),
            "APP_KEY=\nSTRIPE_KEY=\n"
        );
        // Without an app (a snippet), the value is empty.
        let bare = PredCtx {
            project: None,
            ..ctx
        };
        assert_eq!(value.eval(tree.root_node(), &bare), "");
    }

    #[test]
    fn no_env_example_means_none_and_no_extra_input() {
        let dir = tempfile::tempdir().unwrap();
        let root = crate::paths::absolute(dir.path()).unwrap();
        std::fs::write(root.join("artisan"), "").unwrap();
        let app = App {
            framework: Framework::Laravel,
            root: root.clone(),
            marker: root.join("artisan"),
        };
        let model = ProjectModel::build(&[app], Duration::from_secs(5));
        assert!(model.env_examples.is_empty());
        assert_eq!(model.env_example_for(&root.join("a.php"), Lang::Php), None);
        assert!(!inputs(&root, Framework::Laravel).contains(&root.join(ENV_EXAMPLE)));
    }
}
