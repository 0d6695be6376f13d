//! The Laravel app model: routes (see [`routes`]), controllers with their middleware, FormRequests,
//! Eloquent models with their owner relations, and the tables the migrations create.
//!
//! An entry point is a controller method or a route closure that a route reaches. It is
//! **authenticated** when authenticating middleware covers it: `auth`, `auth:sanctum`,
//! `auth:api`, `auth.basic`, `verified`, `can:…`, an alias or group the app maps to an
//! `Authenticate…` class (`app/Http/Kernel.php`, `bootstrap/app.php`) — on the route, a group
//! around it, or the controller (`$this->middleware('auth')` with `only`/`except`, or the static
//! `HasMiddleware::middleware()`), minus `withoutMiddleware`. It is **authorized** when a `can:`
//! middleware (or spatie `role:`/`permission:`, Sanctum `abilities:`, an `IsAdmin`-style middleware or
//! a group holding one), `->can()` or `->scopeBindings()` covers it, the controller calls
//! `authorizeResource`, a FormRequest it takes has an `authorize()` that does more than
//! `return true` (or a sign-in check), or its body (or a `$this->helper()` it calls) calls
//! `$this->authorize…`, `Gate::authorize/allows/denies/inspect/check`, `->can()`/`->cannot()`,
//! compares ownership with the current user, or answers 403 (`abort(403)`, `abort_unless(… user …)`).
//! A constructor closure middleware that authorizes (`$this->middleware(function (…) {
//! $this->checkPermission(…); … })`) covers every method. A GET route whose bound models all have a
//! policy whose `view` returns `true` reads what the app lets everyone see (see [`LaravelApp::policy`]). `signed` middleware counts as both: the
//! URL's signature identifies the caller and covers the ids in it.
//!
//! Route files are read with the groups that load them: `bootstrap/app.php`'s
//! `withRouting(web: …, api: …, then: …)` (the `web` and `api` middleware groups), service
//! providers (`Route::middleware('api')->group(base_path('routes/api.php'))`, `loadRoutesFrom`),
//! and methods that a route file calls to load a package's routes (`Wave::routes()`). The app's own
//! packages — directories `composer.json` maps a namespace to inside the app — are read like `app/`.
//!
//! A controller method that no route the model read reaches is not an entry point — unless the
//! app has no route files at all (a snippet), where a public method of a `…Controller` class is.

pub mod classes;
pub mod routes;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;
use tree_sitter::Node;

use crate::model::files::{ByName, LazyFiles};
use crate::model::lazy;

use crate::analyze::parse;
use crate::lang::Lang;
use crate::model::EntryPoint;
use classes::{read_class, read_migration};
pub use classes::{ClassFacts, ControllerMiddleware, MethodFacts};
use routes::{array_items, singular, strings_in, Route, RouteAction};

/// What the model knows about one Laravel app.
#[derive(Debug, Default)]
pub struct LaravelApp {
    pub root: PathBuf,
    pub routes: Vec<Route>,
    /// Did the model read any route file? (Without routes, controller methods are entry points.)
    pub has_route_files: bool,
    /// Classes by fully qualified name.
    pub classes: BTreeMap<String, ClassFacts>,
    /// Tables and their columns from `database/migrations`, when there are any.
    pub tables: Option<BTreeMap<String, Vec<String>>>,
    /// Middleware aliases and groups that authenticate (`'auth' => Authenticate::class`).
    pub auth_aliases: BTreeSet<String>,
    /// Middleware aliases and groups that authorize (`'admin' => [IsAdmin::class]`).
    pub authz_aliases: BTreeSet<String>,
    /// Explicit route-model bindings by `{segment}` name (`Route::bind`, `Route::model` in a
    /// provider's `boot()`): `true` when the binding resolves through the current user
    /// (`auth()->user()->projects()->findOrFail($v)`), so the record is scoped to them.
    pub bindings: BTreeMap<String, bool>,
    /// Fully qualified names by short name, for lookups by the short names routes and hints use.
    short_index: BTreeMap<String, Vec<String>>,
    /// Does the app define any Eloquent model? (Computed once: it walks every class's parents.)
    has_models: std::sync::OnceLock<bool>,
    /// Policy class short names by model short name (computed once, see [`LaravelApp::policy`]).
    policy_map: std::sync::OnceLock<BTreeMap<String, String>>,
    /// Controller routes by method name, and by (controller short name, method name): indices
    /// into `routes`, ascending (built once, on the first lookup, see [`LaravelApp::routes_to`]).
    /// Boxed: the app model is one variant of an enum whose variants stay close in size.
    route_index: std::sync::OnceLock<Box<RouteIndex>>,
    /// The app on disk, read on demand (`None` for snippets).
    disk: Option<OnDisk>,
}

/// Controller routes indexed for [`LaravelApp::routes_to`]: route indices, ascending.
#[derive(Debug, Default)]
struct RouteIndex {
    by_method: HashMap<String, Vec<usize>>,
    /// By (short name of the controller as the route names it, method name).
    by_short: HashMap<(String, String), Vec<usize>>,
}

impl RouteIndex {
    fn new(routes: &[Route]) -> RouteIndex {
        let mut index = RouteIndex::default();
        for (i, r) in routes.iter().enumerate() {
            if let RouteAction::Controller { class, method } = &r.action {
                index.by_method.entry(method.clone()).or_default().push(i);
                let short = short_name(class.trim_start_matches('\\')).to_string();
                index
                    .by_short
                    .entry((short, method.clone()))
                    .or_default()
                    .push(i);
            }
        }
        index
    }
}

/// What a Laravel app built from disk reads when it is first needed: the classes under `app/` and
/// the package directories that a lookup names (see [`LazyFiles`]), the migrations when a rule
/// first asks about a table.
#[derive(Debug)]
struct OnDisk {
    budget: Duration,
    classes: LazyFiles<FileClasses>,
    /// Files whose text may register or define a policy (see [`LaravelApp::policy`]).
    policy_files: Vec<usize>,
    migrations: Vec<PathBuf>,
    tables: std::sync::OnceLock<Option<BTreeMap<String, Vec<String>>>>,
    /// Identifier → the class files whose text has it as a whole word, ascending (built on
    /// first use, see [`LaravelApp::heirs`]).
    /// Compact (boxed keys, `u32` file indices, no spare capacity): it holds every identifier of
    /// every class file, megabytes on a large app.
    words: std::sync::OnceLock<std::collections::HashMap<Box<str>, Box<[u32]>>>,
}

/// The classes one class file defines, and their names in the order the file gave them.
#[derive(Debug, Default)]
struct FileClasses {
    classes: ByName<ClassFacts>,
    order: Vec<String>,
}

impl OnDisk {
    fn file(&self, i: usize) -> Option<&FileClasses> {
        self.classes.get(i, |f| {
            let src = std::fs::read_to_string(f).ok()?;
            let tree = parse(Lang::Php, &src, self.budget)?;
            Some(FileClasses::read(f, tree.root_node(), &src))
        })
    }

    /// The class files whose text has `word` as a whole identifier. Unreadable files have
    /// nothing: parsing them would find no class either.
    fn mentioning(&self, word: &str) -> impl Iterator<Item = usize> + '_ {
        let index = self.words.get_or_init(|| {
            let mut index: std::collections::HashMap<Box<str>, Vec<u32>> =
                std::collections::HashMap::new();
            for i in 0..self.classes.len() {
                let Some(text) = self.classes.path(i).and_then(|f| std::fs::read(f).ok()) else {
                    continue;
                };
                let Ok(file) = u32::try_from(i) else {
                    break;
                };
                let ident = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80;
                for w in text.split(|b| !ident(b)).filter(|w| !w.is_empty()) {
                    let Ok(w) = std::str::from_utf8(w) else {
                        continue;
                    };
                    match index.get_mut(w) {
                        Some(list) if list.last() == Some(&file) => {}
                        Some(list) => list.push(file),
                        None => {
                            index.insert(w.into(), vec![file]);
                        }
                    }
                }
            }
            index
                .into_iter()
                .map(|(w, files)| (w, files.into_boxed_slice()))
                .collect()
        });
        index
            .get(word)
            .into_iter()
            .flat_map(|files| files.iter().map(|&i| i as usize))
    }

    /// The fully qualified names of the classes in these files, sorted, each once.
    fn names_in(&self, files: &[usize]) -> Vec<String> {
        let mut names: Vec<String> = files
            .iter()
            .filter_map(|&i| self.file(i))
            .flat_map(|f| f.classes.keys().cloned())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

impl FileClasses {
    fn read(file: &Path, root: Node, src: &str) -> FileClasses {
        let mut one = LaravelApp::default();
        one.add_classes(file, root, src);
        let order = one.short_index.into_values().flatten().collect::<Vec<_>>();
        FileClasses {
            classes: one.classes.into(),
            order,
        }
    }
}

/// Text that a method loading route files has (see [`LaravelApp::route_loaders`]).
fn loads_routes() -> &'static Regex {
    static LOADS: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &LOADS,
        r#"\b(require|include)(_once)?\b|loadRoutesFrom\s*\(|\bbase_path\(\s*['"]/?routes/"#,
    )
}

/// Can a file with this text define or register a policy? A class in a `…\Policies` namespace
/// names it, and a registration is a `$policies` property, `Gate::policy(` or `#[UsePolicy]`.
fn may_hold_policies(text: &str) -> bool {
    text.contains("Policies")
        || text.contains("$policies")
        || text.contains("Gate::policy(")
        || text.contains("UsePolicy")
}

/// Middleware that requires a signed-in user.
fn authn_middleware() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"^(auth|auth[:.].*|verified|password\.confirm|can:.+|\w*Authenticate\w*|EnsureEmailIsVerified|Authorize:.+)$",
    )
}

/// Middleware that checks what a signed-in user may do (and so requires one): `can:`, spatie's
/// `role:`/`permission:`, Sanctum's `abilities:`, or a project middleware named for admins, roles
/// or permissions (`IsAdmin`, `EnsureUserHasRole`).
fn authz_middleware() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(can:.+|Authorize:.+|role:.+|permission:.+|role_or_permission:.+|abilities:.+|ability:.+|\w*(admin|role|permission|owner|staff|superuser)\w*)$",
    )
}

/// Authorization evidence in a method body.
fn authz_body() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?x)
        \$this->authorize(ForUser)?\s*\(
        | \bGate::(authorize|allows|denies|inspect|check|any|none|forUser)\b
        | \bGate::[a-z]\w*\(\s*\)\s*->\s*(authorize|allows|denies|inspect|check)
        | ->\s*(can|cannot|cant)\s*\(
        | \bpolicy\s*\(
        | \babort\s*\(\s*(403|401|404|Response::HTTP_(FORBIDDEN|UNAUTHORIZED|NOT_FOUND))
        | \babort_(if|unless)\s*\([^;]*(user|auth|Auth::|owner|->can)
        | AuthorizationException | AccessDeniedHttpException
        | (===|!==|==|!=)\s*(\$request->user\(\)|\$this->user\(\)|auth\(\)->user\(\)|Auth::user\(\)|\$user)(\??->id)?\b
        | (\$request->user\(\)|auth\(\)->user\(\)|Auth::user\(\)|\$user)(\??->id)?\s*(===|!==|==|!=)
        | (auth\(\)->id\(\)|Auth::id\(\)|\$request->user\(\)->id)\s*(===|!==|==|!=)
        | (===|!==|==|!=)\s*(auth\(\)->id\(\)|Auth::id\(\))",
    )
}

/// Names of helper methods that authorize.
fn authz_helper() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)authoriz|permission|policy|^(ensure|check|verify)\w*(owner|access|member|admin|can)|^can[A-Z_]|^userCan",
    )
}

/// A closure registered as controller middleware in a constructor.
fn closure_middleware() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(&RE, r"\$this->middleware\(\s*(static\s+)?(function|fn)\b")
}

/// A FormRequest `authorize()` that only says yes, or only checks that someone is signed in.
fn trivial_authorize() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?s)\A[^{]*\{\s*return\s+(true|\$this->user\(\)\s*!==?\s*null|null\s*!==?\s*\$this->user\(\)|auth\(\)->check\(\)|Auth::check\(\)|\(bool\)\s*\$this->user\(\))\s*;\s*\}\s*\z",
    )
}

pub(crate) fn txt<'s>(n: Node, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

fn short_name(name: &str) -> &str {
    name.rsplit('\\').next().unwrap_or(name)
}

/// The text of a plain string literal (no interpolation), without quotes.
pub(crate) fn string_value(n: Node, src: &str) -> Option<String> {
    match n.kind() {
        "string" => {
            let t = txt(n, src);
            let inner = t.get(1..t.len().saturating_sub(1))?;
            // `'App\\Http\\X'` names the same class as `'App\Http\X'`.
            Some(inner.replace("\\\\", "\\"))
        }
        "encapsed_string" => {
            let mut c = n.walk();
            if n.named_children(&mut c)
                .any(|k| k.kind() != "string_content")
            {
                return None;
            }
            let t = txt(n, src);
            Some(t.get(1..t.len().saturating_sub(1))?.to_string())
        }
        _ => None,
    }
}

/// The file's namespace and `use` imports: alias → fully qualified name (`""` → the namespace).
pub(crate) fn php_uses(root: Node, src: &str) -> BTreeMap<String, String> {
    let mut uses = BTreeMap::new();
    let mut c = root.walk();
    for stmt in root.named_children(&mut c) {
        match stmt.kind() {
            "namespace_definition" => {
                if let Some(n) = stmt.child_by_field_name("name") {
                    uses.insert(String::new(), txt(n, src).to_string());
                }
            }
            "namespace_use_declaration" => {
                let mut c2 = stmt.walk();
                for clause in stmt.named_children(&mut c2) {
                    if clause.kind() != "namespace_use_clause" {
                        continue;
                    }
                    let Some(name) = clause
                        .named_child(0)
                        .map(|n| txt(n, src).trim_start_matches('\\').to_string())
                    else {
                        continue;
                    };
                    let alias = clause
                        .child_by_field_name("alias")
                        .map(|a| txt(a, src).to_string())
                        .unwrap_or_else(|| short_name(&name).to_string());
                    uses.insert(alias, name);
                }
            }
            _ => {}
        }
    }
    uses
}

/// The file's namespace, as [`php_uses`] files it under `""`: the last `namespace` statement's.
fn php_namespace<'s>(root: Node, src: &'s str) -> &'s str {
    let mut c = root.walk();
    root.named_children(&mut c)
        .filter(|stmt| stmt.kind() == "namespace_definition")
        .filter_map(|stmt| stmt.child_by_field_name("name"))
        .last()
        .map_or("", |n| txt(n, src))
}

/// The fully qualified name of the class `class_node` declares, in its file's namespace.
fn qualified_class_name(class_node: Node, src: &str) -> String {
    let namespace = php_namespace(root_of(class_node), src);
    class_node
        .child_by_field_name("name")
        .map(|n| resolve_name(txt(n, src), &BTreeMap::new(), namespace))
        .unwrap_or_default()
}

/// Resolves a class name as PHP does in a file with these `use`s: `\X` is global, an imported
/// first segment is replaced, anything else is relative to the namespace. `namespace` overrides
/// the file's own (route strings like `'X@y'` are global: pass `""` and no namespace entry).
pub(crate) fn resolve_name(name: &str, uses: &BTreeMap<String, String>, namespace: &str) -> String {
    if let Some(global) = name.strip_prefix('\\') {
        return global.to_string();
    }
    let (first, rest) = match name.split_once('\\') {
        Some((f, r)) => (f, Some(r)),
        None => (name, None),
    };
    if let Some(full) = uses.get(first).filter(|_| !first.is_empty()) {
        return match rest {
            Some(r) => format!("{full}\\{r}"),
            None => full.clone(),
        };
    }
    let ns = if namespace.is_empty() {
        uses.get("").map(String::as_str).unwrap_or("")
    } else {
        namespace
    };
    if ns.is_empty() || name.contains('\\') && name.starts_with("App\\") {
        name.to_string()
    } else {
        format!("{ns}\\{name}")
    }
}

/// The app's own packages: the directories `composer.json` maps namespaces to (`"Wave\\":
/// "wave/src/"`) besides `app/`, `database/` and `tests/`, each with the `routes/` directory next to
/// it when there is one (`wave/routes`). Their classes and route files belong to the app.
pub fn package_dirs(root: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(root.join("composer.json")) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let Some(map) = json.pointer("/autoload/psr-4").and_then(|m| m.as_object()) else {
        return out;
    };
    for dirs in map.values() {
        let list: Vec<&str> = match dirs {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => continue,
        };
        for d in list {
            let rel = Path::new(d.trim_start_matches("./"));
            // Inside the app only, and not the directories the model reads anyway or never.
            if rel.is_absolute()
                || rel
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
                || rel.components().next().is_some_and(|c| {
                    matches!(
                        c.as_os_str().to_str(),
                        Some("app" | "database" | "tests" | "vendor" | "routes" | "")
                    )
                })
            {
                continue;
            }
            let dir = root.join(rel);
            if !dir.is_dir() || out.contains(&dir) {
                continue;
            }
            out.push(dir.clone());
            if let Some(routes) = dir.parent().map(|p| p.join("routes")) {
                if routes.is_dir() && routes != root.join("routes") && !out.contains(&routes) {
                    out.push(routes);
                }
            }
        }
    }
    out.sort();
    out
}

impl LaravelApp {
    /// An empty app at `root` (files are added with [`LaravelApp::add_file`]).
    pub fn new(root: &Path) -> LaravelApp {
        LaravelApp {
            root: root.to_path_buf(),
            ..Default::default()
        }
    }

    /// Reads the app's routes: route files (and what they include), the providers and
    /// `bootstrap/app.php` that load routes and name middleware, `app/Http/Kernel.php`, the route
    /// bindings providers register, and the methods that load package routes. The classes under
    /// `app/` and the app's own packages (see [`package_dirs`]) are parsed when a lookup first
    /// needs them — at build only the files whose text can hold a binding or a route loader — and
    /// the migrations when a rule first asks about a table.
    pub fn build(root: &Path, budget: Duration) -> LaravelApp {
        let mut app = LaravelApp::new(root);
        // In the order the eager model read them: `app/`, then each package directory.
        let class_files: Vec<PathBuf> = std::iter::once(root.join("app"))
            .chain(
                package_dirs(root)
                    .into_iter()
                    .filter(|d| !d.ends_with("routes")),
            )
            .flat_map(|d| crate::model::app_files(&d, &["."], &["php"]))
            .map(|f| crate::paths::absolute(&f).unwrap_or(f))
            .collect();
        // One pass over the text picks the files a question about the whole app can need.
        let mut binding_files = Vec::new();
        let mut loader_files = Vec::new();
        let mut policy_files = Vec::new();
        for (i, f) in class_files.iter().enumerate() {
            let Ok(src) = std::fs::read_to_string(f) else {
                continue;
            };
            if f.ends_with("app/Http/Kernel.php")
                || src.contains("::bind(")
                || src.contains("::model(")
            {
                binding_files.push(i);
            }
            if loads_routes().is_match(&src) {
                loader_files.push(i);
            }
            if may_hold_policies(&src) {
                policy_files.push(i);
            }
        }
        let disk = OnDisk {
            budget,
            classes: LazyFiles::in_order(class_files.clone()),
            policy_files,
            migrations: crate::model::app_files(root, &["database/migrations"], &["php"]),
            tables: std::sync::OnceLock::new(),
            words: std::sync::OnceLock::new(),
        };
        // Bindings and aliases in the eager order; the tree also summarises the file's classes.
        for &i in &binding_files {
            let Some(f) = class_files.get(i) else {
                continue;
            };
            let Ok(src) = std::fs::read_to_string(f) else {
                continue;
            };
            let Some(tree) = parse(Lang::Php, &src, budget) else {
                continue;
            };
            if src.contains("::bind(") || src.contains("::model(") {
                app.read_bindings(tree.root_node(), &src);
            }
            if f.ends_with("app/Http/Kernel.php") {
                app.read_aliases(tree.root_node(), &src);
            }
            disk.classes
                .get(i, |f| Some(FileClasses::read(f, tree.root_node(), &src)));
        }
        app.disk = Some(disk);
        let bootstrap = root.join("bootstrap/app.php");
        let mut route_sources: Vec<PathBuf> = crate::model::app_files(root, &["routes"], &["php"])
            .into_iter()
            .filter(|f| {
                !f.file_name()
                    .is_some_and(|n| n == "channels.php" || n == "console.php")
            })
            .collect();
        app.has_route_files = !route_sources.is_empty();
        if let Ok(src) = std::fs::read_to_string(&bootstrap) {
            if let Some(tree) = parse(Lang::Php, &src, budget) {
                app.read_aliases(tree.root_node(), &src);
            }
            route_sources.push(bootstrap);
        }
        // Service providers load route files with groups around them (`RouteServiceProvider`'s
        // `Route::middleware('api')->group(base_path(…))`, any provider's `loadRoutesFrom`), under
        // `app/Providers` or elsewhere in apps that organise by domain.
        route_sources.extend(
            class_files
                .iter()
                .filter(|f| {
                    f.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with("Provider.php"))
                })
                .cloned(),
        );
        let route_sources: Vec<PathBuf> = route_sources
            .into_iter()
            .map(|f| crate::paths::absolute(&f).unwrap_or(f))
            .collect();
        let sources = routes::Sources {
            loaders: app.route_loaders(&loader_files),
            allowed: Some(
                crate::model::inputs(root, crate::detect::Framework::Laravel)
                    .into_iter()
                    .map(|f| crate::paths::absolute(&f).unwrap_or(f))
                    .collect(),
            ),
        };
        app.routes = routes::read_routes(root, &route_sources, &sources, budget);
        app
    }

    /// Summarises the audited file from the tree the engine already parsed, so that a full audit
    /// does not parse each class twice.
    fn seed(&self, file: &Path, node: Node, src: &str) {
        if let Some(disk) = &self.disk {
            // The root only when the file is summarised: finding it walks up from `node`.
            disk.classes.seed(file, src, |f| {
                Some(FileClasses::read(f, root_of(node), src))
            });
        }
    }

    /// How many class files the model has parsed so far.
    pub fn classes_read(&self) -> usize {
        self.disk.as_ref().map_or(0, |d| d.classes.read_count())
    }

    /// The class with this fully qualified name: the last definition in file order, as if every
    /// class file had been read in order.
    fn class_exact(&self, name: &str) -> Option<&ClassFacts> {
        let Some(disk) = &self.disk else {
            return self.classes.get(name);
        };
        disk.classes
            .candidates(name)
            .iter()
            .rev()
            .find_map(|&i| disk.file(i)?.classes.get(name))
    }

    /// The fully qualified names of the classes with this short name, in the order the files
    /// define them.
    fn names_for_short(&self, short: &str) -> Vec<String> {
        let Some(disk) = &self.disk else {
            return self.short_index.get(short).cloned().unwrap_or_default();
        };
        let mut names: Vec<String> = Vec::new();
        for &i in disk.classes.candidates(short) {
            let Some(file) = disk.file(i) else {
                continue;
            };
            for n in &file.order {
                if short_name(n) == short && !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        names
    }

    /// The classes (as the app resolves their names) defined in these class files, by name: what
    /// iterating every class would see of them.
    fn classes_of(&self, disk: &OnDisk, files: &[usize]) -> Vec<&ClassFacts> {
        disk.names_in(files)
            .iter()
            .filter_map(|n| self.class_exact(n))
            .collect()
    }

    /// Every class of the app (reads every class file): for questions about the whole app.
    fn all_classes(&self) -> Vec<&ClassFacts> {
        let Some(disk) = &self.disk else {
            return self.classes.values().collect();
        };
        let every: Vec<usize> = (0..disk.classes.len()).collect();
        self.classes_of(disk, &every)
    }

    /// The classes defined in `file` (that no later file redefines).
    fn classes_in(&self, file: &Path) -> Vec<&ClassFacts> {
        let Some(disk) = &self.disk else {
            return self.classes.values().filter(|c| c.file == file).collect();
        };
        let Some(f) = disk.classes.position(file).and_then(|i| disk.file(i)) else {
            return Vec::new();
        };
        f.classes
            .keys()
            .filter_map(|n| self.class_exact(n))
            .filter(|c| c.file == file)
            .collect()
    }

    /// Tables and columns from the migrations, when there are any.
    fn tables(&self) -> Option<&BTreeMap<String, Vec<String>>> {
        let Some(disk) = &self.disk else {
            return self.tables.as_ref();
        };
        disk.tables
            .get_or_init(|| {
                if disk.migrations.is_empty() {
                    return None;
                }
                let mut tables = BTreeMap::new();
                for f in &disk.migrations {
                    let Ok(src) = std::fs::read_to_string(f) else {
                        continue;
                    };
                    if let Some(tree) = parse(Lang::Php, &src, disk.budget) {
                        read_migration(tree.root_node(), &src, &mut tables);
                    }
                }
                Some(tables)
            })
            .as_ref()
    }

    /// Adds the classes defined in one parsed file, and the route bindings it registers.
    pub fn add_file(&mut self, file: &Path, root: Node, src: &str) {
        if src.contains("::bind(") || src.contains("::model(") {
            self.read_bindings(root, src);
        }
        self.add_classes(file, root, src);
    }

    /// Adds the classes defined in one parsed file.
    fn add_classes(&mut self, file: &Path, root: Node, src: &str) {
        let uses = php_uses(root, src);
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if n.kind() == "class_declaration" {
                let facts = read_class(n, &abs, src, &uses);
                let names = self
                    .short_index
                    .entry(facts.short().to_string())
                    .or_default();
                if !names.contains(&facts.name) {
                    names.push(facts.name.clone());
                }
                self.classes.insert(facts.name.clone(), facts);
                continue;
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c).filter(|k| {
                matches!(
                    k.kind(),
                    "class_declaration" | "namespace_definition" | "compound_statement"
                )
            }));
        }
    }

    /// `Route::bind('project', fn ($value) => …)` and `Route::model('project', Project::class)`.
    /// A binding whose resolver goes through the signed-in user scopes the record to them.
    fn read_bindings(&mut self, root: Node, src: &str) {
        static SCOPED: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let scoped = lazy(
            &SCOPED,
            r"\bauth\(\)->(user|id)\(\)|\bAuth::(user|id)\(\)|(\$request|request\(\))->user\(\)|\$this->user\(\)",
        );
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if n.kind() == "scoped_call_expression"
                && n.child_by_field_name("scope").is_some_and(|s| {
                    matches!(
                        txt(s, src).trim_start_matches('\\'),
                        "Route" | "Illuminate\\Support\\Facades\\Route"
                    )
                })
            {
                let method = n.child_by_field_name("name").map(|m| txt(m, src));
                let args: Vec<Node> = n
                    .child_by_field_name("arguments")
                    .map(classes::argument_values)
                    .unwrap_or_default();
                if let (Some("bind" | "model"), Some(name)) =
                    (method, args.first().and_then(|a| string_value(*a, src)))
                {
                    // `Route::model`'s third argument only says what to do when nothing is found.
                    let by_user = method == Some("bind")
                        && args.get(1).is_some_and(|r| scoped.is_match(txt(*r, src)));
                    *self.bindings.entry(name).or_default() |= by_user;
                    continue;
                }
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
    }

    /// Methods that load route files when a route file calls them (`Wave::routes()` whose body
    /// does `require __DIR__.'/../routes/web.php'`), by class short name and method. The methods
    /// the framework itself runs (`boot`, `register`, `map…`) are read with their provider instead.
    /// Only the classes of `candidates` are asked: the files whose text matches what a loader's
    /// body must contain (a method's body is part of its file's text).
    fn route_loaders(&self, candidates: &[usize]) -> BTreeMap<(String, String), PathBuf> {
        let loads = loads_routes();
        let classes = match &self.disk {
            Some(disk) => self.classes_of(disk, candidates),
            None => self.classes.values().collect(),
        };
        let mut out = BTreeMap::new();
        for class in classes {
            for m in &class.methods {
                if m.public
                    && !matches!(m.name.as_str(), "boot" | "register" | "__construct")
                    && !m.name.starts_with("map")
                    && loads.is_match(&m.body)
                {
                    out.entry((class.short().to_string(), m.name.clone()))
                        .or_insert_with(|| class.file.clone());
                }
            }
        }
        out
    }

    /// Middleware aliases and groups that authenticate, from `app/Http/Kernel.php`
    /// (`$middlewareAliases`, `$routeMiddleware`, `$middlewareGroups`) or `bootstrap/app.php`
    /// (`$middleware->alias([…])`, `->group('x', […])`).
    fn read_aliases(&mut self, root: Node, src: &str) {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if n.kind() == "array_creation_expression" {
                for (k, v) in array_items(n) {
                    let Some(key) = k.and_then(|k| string_value(k, src)) else {
                        continue;
                    };
                    let values = strings_in(&[v], src);
                    if values.iter().any(|m| self.authorizes_name(m)) {
                        self.authz_aliases.insert(key.clone());
                    }
                    if values.iter().any(|m| self.authenticates_name(m)) {
                        self.auth_aliases.insert(key);
                    }
                }
            }
            if n.kind() == "member_call_expression"
                && n.child_by_field_name("name").is_some_and(|m| {
                    matches!(txt(m, src), "group" | "appendToGroup" | "prependToGroup")
                })
            {
                if let Some(args) = n.child_by_field_name("arguments") {
                    let vals = classes::argument_values(args);
                    if let (Some(name), Some(list)) = (
                        vals.first().and_then(|v| string_value(*v, src)),
                        vals.get(1),
                    ) {
                        let values = strings_in(&[*list], src);
                        if values.iter().any(|m| self.authorizes_name(m)) {
                            self.authz_aliases.insert(name.clone());
                        }
                        if values.iter().any(|m| self.authenticates_name(m)) {
                            self.auth_aliases.insert(name);
                        }
                    }
                }
            }
            let mut c = n.walk();
            stack.extend(n.named_children(&mut c));
        }
    }

    /// Does this middleware (as a route names it) require a signed-in user?
    pub fn authenticates_name(&self, m: &str) -> bool {
        let m = m.trim_start_matches('\\');
        let base = short_name(m);
        (authn_middleware().is_match(m) || authn_middleware().is_match(base))
            && !matches!(base, "AuthenticateSession" | "RedirectIfAuthenticated")
            || self.auth_aliases.contains(m)
            || self.authorizes_name(m)
    }

    /// Does this middleware decide what the signed-in user may do (and so require one)?
    pub fn authorizes_name(&self, m: &str) -> bool {
        let m = m.trim_start_matches('\\');
        authz_middleware().is_match(m)
            || authz_middleware().is_match(short_name(m))
            || self.authz_aliases.contains(m)
    }

    /// A class by the name a route or a type hint gives it (fully qualified, or a unique short name).
    fn class(&self, name: &str) -> Option<&ClassFacts> {
        let name = name.trim_start_matches('\\');
        if let Some(c) = self.class_exact(name) {
            return Some(c);
        }
        match self.names_for_short(short_name(name)).as_slice() {
            [only] => self.class_exact(only),
            _ => None,
        }
    }

    /// The class and its known ancestors, the class first.
    fn chain<'a>(&'a self, class: &'a ClassFacts) -> Vec<&'a ClassFacts> {
        let mut out = vec![class];
        let mut cur = class;
        while let Some(parent) = cur.parent.as_deref().and_then(|p| self.class(p)) {
            if out.iter().any(|c| c.name == parent.name) || out.len() > 16 {
                break;
            }
            out.push(parent);
            cur = parent;
        }
        out
    }

    fn find_method<'a>(&'a self, class: &'a ClassFacts, name: &str) -> Option<&'a MethodFacts> {
        self.chain(class)
            .into_iter()
            .find_map(|k| k.methods.iter().find(|m| m.name == name))
    }

    /// The class in `class`'s chain that defines `method`.
    fn defining_class<'a>(&'a self, class: &'a ClassFacts, method: &str) -> Option<&'a ClassFacts> {
        self.chain(class)
            .into_iter()
            .find(|k| k.methods.iter().any(|m| m.name == method))
    }

    fn controller_middleware(&self, class: &ClassFacts, method: &str) -> Vec<String> {
        self.chain(class)
            .iter()
            .flat_map(|k| k.middleware.iter())
            .filter(|m| m.applies_to(method))
            .flat_map(|m| m.names.iter().cloned())
            .collect()
    }

    /// Authorization evidence in a method body, or in a `$this->helper()` it calls.
    fn body_authorizes(&self, class: &ClassFacts, body: &str) -> bool {
        if authz_body().is_match(body) {
            return true;
        }
        static CALL: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        lazy(&CALL, r"\$this->(\w+)\s*\(")
            .captures_iter(body)
            .filter_map(|c| c.get(1))
            .any(|m| {
                let name = m.as_str();
                authz_helper().is_match(name)
                    || self
                        .find_method(class, name)
                        .is_some_and(|h| authz_body().is_match(&h.body))
            })
    }

    /// A FormRequest parameter whose `authorize()` really authorizes.
    fn form_request_authorizes(&self, method: &MethodFacts) -> bool {
        method.params.iter().any(|(ty, _)| {
            !ty.is_empty()
                && self.class(ty).is_some_and(|c| {
                    self.find_method(c, "authorize")
                        .is_some_and(|a| !trivial_authorize().is_match(&a.body))
                })
        })
    }

    /// The policy class of a model (by short name): registered in `$policies`, `Gate::policy`
    /// or `#[UsePolicy]`, else Laravel's convention (`Post` → `App\\Policies\\PostPolicy`).
    pub fn policy(&self, model: &str) -> Option<&ClassFacts> {
        let map = self.policy_map.get_or_init(|| {
            // Only classes in files whose text can name a `Policies` namespace or a registration.
            let classes = match &self.disk {
                Some(disk) => self.classes_of(disk, &disk.policy_files),
                None => self.classes.values().collect(),
            };
            let mut map = BTreeMap::new();
            for c in &classes {
                if c.name.rsplit_once('\\').is_some_and(|(ns, short)| {
                    ns.ends_with("Policies")
                        && short.len() > "Policy".len()
                        && short.ends_with("Policy")
                }) {
                    let model = c.short().trim_end_matches("Policy").to_string();
                    map.entry(model).or_insert_with(|| c.name.clone());
                }
            }
            // Registrations win over the naming convention.
            for c in &classes {
                for (model, policy) in &c.policies {
                    map.insert(model.clone(), policy.clone());
                }
            }
            map
        });
        self.class(map.get(short_name(model))?)
    }

    /// Does the model's policy let every signed-in user do `ability` (`public function view(User
    /// $user, Post $post): bool { return true; }`)? Then the app says so itself.
    fn policy_allows_everyone(&self, model: &str, ability: &str) -> bool {
        static YES: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        self.policy(model)
            .and_then(|p| self.find_method(p, ability))
            .is_some_and(|m| {
                lazy(&YES, r"(?s)\A[^{]*\{\s*return\s+true\s*;\s*\}\s*\z").is_match(&m.body)
            })
    }

    /// A read-only route whose bound models (`show(Plan $plan)`) all have a policy that lets
    /// everyone view them: public content by the app's own rules, nothing to authorize.
    fn reads_publicly_viewable(&self, method: &MethodFacts, route: Option<&Route>) -> bool {
        if !route.is_some_and(|r| r.verbs.iter().all(|v| v == "GET" || v == "HEAD")) {
            return false;
        }
        let models: Vec<&ClassFacts> = method
            .params
            .iter()
            .filter(|(ty, _)| !ty.is_empty())
            .filter_map(|(ty, _)| self.class(ty).filter(|c| self.is_model(c)))
            .collect();
        !models.is_empty()
            && models
                .iter()
                .all(|c| self.policy_allows_everyone(c.short(), "view"))
    }

    /// Describes `method` of `class` reached by `route` (none for a snippet without routes).
    fn entry_point(
        &self,
        class: &ClassFacts,
        method: &str,
        route: Option<&Route>,
        extra_body: &str,
    ) -> EntryPoint {
        let ctrl = self.controller_middleware(class, method);
        let route_mw: &[String] = route.map(|r| r.middleware.as_slice()).unwrap_or(&[]);
        let all_mw = route_mw.iter().chain(ctrl.iter());
        let mut authenticated = false;
        let mut authorized = route.is_some_and(|r| r.authorizes);
        for m in all_mw {
            authenticated |= self.authenticates_name(m) || signed(m);
            authorized |= self.authorizes_name(m) || signed(m);
        }
        let facts = self.find_method(class, method);
        authorized = authorized
            || self.chain(class).iter().any(|k| {
                k.authorize_resource
                    || closure_middleware().is_match(&k.constructor)
                        && self.body_authorizes(k, &k.constructor)
            })
            || facts.is_some_and(|m| {
                self.body_authorizes(class, &m.body)
                    || self.form_request_authorizes(m)
                    || self.reads_publicly_viewable(m, route)
            })
            || (!extra_body.is_empty() && self.body_authorizes(class, extra_body));
        let mut name = format!("{}@{}", class.short(), method);
        if let Some(r) = route {
            name.push_str(&format!(" ({} {})", r.verbs.join("|"), r.uri));
        }
        EntryPoint {
            name,
            authenticated,
            authenticated_otherwise: false,
            authorized,
        }
    }

    /// The short names of `class` and of every class that may inherit from it (`None` for a
    /// snippet: no need to narrow). A class inherits from `class` only if its parent, as the
    /// model resolves it, is `class` or an heir — so its parent's short name is one of theirs,
    /// and its file's text has that name as a word. Parsing only the files the word index names
    /// for each short name found, until no new one turns up, finds every heir (and maybe more).
    fn heirs(&self, class: &ClassFacts) -> Option<BTreeSet<String>> {
        let disk = self.disk.as_ref()?;
        let mut shorts = BTreeSet::from([class.short().to_string()]);
        let mut frontier = vec![class.short().to_string()];
        while let Some(short) = frontier.pop() {
            for i in disk.mentioning(&short) {
                let Some(file) = disk.file(i) else {
                    continue;
                };
                for c in file.classes.values() {
                    if c.parent
                        .as_deref()
                        .is_some_and(|p| shorts.contains(short_name(p)))
                        && shorts.insert(c.short().to_string())
                    {
                        frontier.push(c.short().to_string());
                    }
                }
            }
        }
        Some(shorts)
    }

    /// The routes that reach `method` of `class` (directly, or through a subclass that inherits it).
    /// A route's controller resolves (by full or short name) to `class` or an heir only if its short
    /// name is one of [`LaravelApp::heirs`]: other routes with the method's name (every `store`)
    /// are skipped without parsing their controllers.
    fn routes_to<'a>(&'a self, class: &ClassFacts, method: &str) -> Vec<&'a Route> {
        // An app has thousands of routes (seven per resource) and this runs for every match that
        // asks for an entry point: look up the candidates instead of scanning every route.
        let index = self
            .route_index
            .get_or_init(|| Box::new(RouteIndex::new(&self.routes)));
        let Some(named) = index.by_method.get(method) else {
            return Vec::new();
        };
        let candidates: Vec<usize> = match self.heirs(class) {
            None => named.clone(),
            Some(heirs) => {
                let mut c: Vec<usize> = heirs
                    .iter()
                    .filter_map(|h| index.by_short.get(&(h.clone(), method.to_string())))
                    .flatten()
                    .copied()
                    .collect();
                // Route order, as a scan of every route gives.
                c.sort_unstable();
                c.dedup();
                c
            }
        };
        candidates
            .into_iter()
            .filter_map(|i| self.routes.get(i))
            .filter(|r| match &r.action {
                RouteAction::Controller { class: rc, .. } => self.class(rc).is_some_and(|target| {
                    self.defining_class(target, method)
                        .is_some_and(|d| d.name == class.name)
                }),
                RouteAction::Closure { .. } => false,
            })
            .collect()
    }

    /// The entry points that run the code at `node` in `file`: the routed controller method
    /// around it (or, in a private method, the routed methods of its class that call it), or the
    /// route closure around it.
    pub fn entry_points_at(&self, file: &Path, node: Node, src: &str) -> Vec<EntryPoint> {
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        self.seed(&abs, node, src);
        let Some(method) = ancestor(node, &["method_declaration"]) else {
            return self.closure_entry_points(&abs, node, src);
        };
        let Some(class_node) = ancestor(method, &["class_declaration"]) else {
            return vec![];
        };
        let class_name = qualified_class_name(class_node, src);
        let Some(class) = self.class_exact(&class_name).filter(|c| c.file == abs) else {
            return vec![];
        };
        let method_name = method
            .child_by_field_name("name")
            .map(|n| txt(n, src))
            .unwrap_or("");
        let Some(me) = class.methods.iter().find(|m| m.name == method_name) else {
            return vec![];
        };
        let targets: Vec<(&MethodFacts, &str)> = if me.public {
            vec![(me, "")]
        } else {
            let call = format!("$this->{method_name}(");
            class
                .methods
                .iter()
                .filter(|m| m.public && m.body.contains(&call))
                .map(|m| (m, me.body.as_str()))
                .collect()
        };
        let mut out = Vec::new();
        for (m, extra) in targets {
            if self.has_route_files {
                for r in self.routes_to(class, &m.name) {
                    out.push(self.entry_point(class, &m.name, Some(r), extra));
                }
            } else if class.short().ends_with("Controller") && m.name != "__construct" {
                out.push(self.entry_point(class, &m.name, None, extra));
            }
        }
        out
    }

    fn closure_entry_points(&self, file: &Path, node: Node, src: &str) -> Vec<EntryPoint> {
        let mut out = Vec::new();
        let mut cur = Some(node);
        while let Some(n) = cur {
            if matches!(n.kind(), "anonymous_function" | "arrow_function") {
                for r in self.routes.iter().filter(|r| {
                    r.file == file
                        && r.action
                            == RouteAction::Closure {
                                start_byte: n.start_byte(),
                            }
                }) {
                    let authorized = r.authorizes
                        || r.middleware
                            .iter()
                            .any(|m| self.authorizes_name(m) || signed(m))
                        || authz_body().is_match(txt(n, src));
                    out.push(EntryPoint {
                        name: format!("route closure ({} {})", r.verbs.join("|"), r.uri),
                        authenticated: r
                            .middleware
                            .iter()
                            .any(|m| self.authenticates_name(m) || signed(m)),
                        authenticated_otherwise: false,
                        authorized,
                    });
                }
            }
            cur = n.parent();
        }
        out
    }

    /// Does the app authenticate some route? (Then a mutating route left outside every
    /// authenticating group stands out.) Without route files (a snippet): does another public
    /// method of the controller around `node` require sign-in through controller middleware?
    pub fn authenticates_elsewhere(&self, file: &Path, node: Node, src: &str) -> bool {
        if !self.has_route_files {
            let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
            self.seed(&abs, node, src);
            let here = ancestor(node, &["method_declaration"])
                .and_then(|m| m.child_by_field_name("name"))
                .map(|n| txt(n, src))
                .unwrap_or("");
            return self.classes_in(&abs).into_iter().any(|c| {
                c.methods.iter().any(|m| {
                    m.public
                        && m.name != here
                        && m.name != "__construct"
                        && self
                            .controller_middleware(c, &m.name)
                            .iter()
                            .any(|mw| self.authenticates_name(mw))
                })
            });
        }
        self.routes.iter().any(|r| {
            r.middleware.iter().any(|m| self.authenticates_name(m))
                || match &r.action {
                    RouteAction::Controller { class, method } => {
                        self.class(class).is_some_and(|c| {
                            self.controller_middleware(c, method)
                                .iter()
                                .any(|m| self.authenticates_name(m))
                        })
                    }
                    RouteAction::Closure { .. } => false,
                }
        })
    }

    /// Is the method parameter `param` (without `$`) of the entry point around `node` filled from
    /// the URL? A model-typed parameter is when a route's `{param}` segment has its name (implicit
    /// binding); a scalar one when a route to the method has any `{…}` segment. Without route
    /// files (a snippet), scalar parameters named `id` or `…_id`/`…Id` and model-typed ones are.
    pub fn is_route_parameter(&self, file: &Path, node: Node, src: &str, param: &str) -> bool {
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        self.seed(&abs, node, src);
        let Some(method) = ancestor(node, &["method_declaration"])
            .or_else(|| (node.kind() == "method_declaration").then_some(node))
        else {
            return false;
        };
        let Some(class_node) = ancestor(method, &["class_declaration"]) else {
            return false;
        };
        let class_name = qualified_class_name(class_node, src);
        let Some(class) = self.class_exact(&class_name).filter(|c| c.file == abs) else {
            return false;
        };
        let method_name = method
            .child_by_field_name("name")
            .map(|n| txt(n, src))
            .unwrap_or("");
        let Some(m) = class
            .methods
            .iter()
            .find(|m| m.name == method_name && m.public)
        else {
            return false;
        };
        let Some((ty, _)) = m.params.iter().find(|(_, n)| n == param) else {
            return false;
        };
        // `Route::bind('project', fn ($v) => auth()->user()->projects()->findOrFail($v))`: the
        // framework fills `$project` through the signed-in user, not from the raw id.
        if self.bindings.get(param).copied().unwrap_or(false) {
            return false;
        }
        let scalar = ty.is_empty() || matches!(ty.as_str(), "int" | "string");
        // A model that resolves its own bindings (scoped to the user, as Firefly III's
        // `routeBinder`s are) is not implicit binding.
        let model_typed = !scalar
            && self.class(ty).is_none_or(|c| {
                self.is_model(c) && !self.chain(c).iter().any(|k| k.custom_binding)
            });
        if !self.has_route_files {
            static ID: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
            return model_typed || scalar && lazy(&ID, r"^(id|uuid|\w+_id|\w+Id)$").is_match(param);
        }
        self.routes_to(class, method_name).iter().any(|r| {
            let segments: Vec<&str> = r
                .uri
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                .map(|s| s.trim_end_matches('?').split(':').next().unwrap_or(s))
                .collect();
            if model_typed {
                segments.iter().any(|s| {
                    (*s == param
                        || singular(s) == param
                        || s.replace('_', "") == param.to_lowercase())
                        && !self.bindings.get(*s).copied().unwrap_or(false)
                })
            } else {
                scalar && !segments.is_empty()
            }
        })
    }

    fn is_model(&self, class: &ClassFacts) -> bool {
        self.chain(class).iter().any(|k| {
            k.parent.as_deref().is_some_and(|p| {
                matches!(
                    p.trim_start_matches('\\'),
                    "Illuminate\\Database\\Eloquent\\Model"
                        | "Illuminate\\Foundation\\Auth\\User"
                        | "Illuminate\\Database\\Eloquent\\Relations\\Pivot"
                        | "Jenssegers\\Mongodb\\Eloquent\\Model"
                        | "MongoDB\\Laravel\\Eloquent\\Model"
                )
            }) || k.name.contains("\\Models\\")
        })
    }

    /// Is `model` (as the code names it — `Document`, or a static call chain such as
    /// `Document::with('x')->findOrFail($id)`) public data? A class the app defines that is not an
    /// Eloquent model is (there is no owner to check); a model is when it has no `belongsTo` an
    /// owner (`User`, `Team`, `Organization`, …) and the migrations show its table without an
    /// owner or tenant column. Unknown names are not public — except that, when the app defines
    /// models, a name that is none of its classes is not treated as one.
    pub fn is_public_model(&self, model: &str) -> bool {
        let name = model.split("::").next().unwrap_or(model).trim();
        let name = short_name(name.trim_start_matches('\\'));
        let candidates: Vec<&ClassFacts> = self
            .names_for_short(name)
            .iter()
            .filter_map(|n| self.class_exact(n))
            .collect();
        let Some(class) = candidates.iter().find(|c| self.is_model(c)) else {
            // A class of the app that is not a model (a repository, a service), or a name from
            // a package: nothing here says it holds owned records.
            return !candidates.is_empty()
                || *self
                    .has_models
                    .get_or_init(|| self.all_classes().into_iter().any(|c| self.is_model(c)));
        };
        let owner = super::rails::owner_column();
        if class
            .belongs_to
            .iter()
            .any(|b| owner.is_match(&format!("{}_id", snake(b))))
        {
            return false;
        }
        let Some(tables) = self.tables() else {
            return false;
        };
        let table = class
            .table
            .clone()
            .unwrap_or_else(|| super::rails::table_name(class.short()));
        match tables.get(&table) {
            Some(columns) => !columns.iter().any(|c| owner.is_match(c)),
            None => false,
        }
    }
}

/// `signed` middleware: the URL's signature stands in for a user and covers the ids in it.
fn signed(m: &str) -> bool {
    m == "signed" || m.starts_with("signed:") || short_name(m) == "ValidateSignature"
}

fn snake(name: &str) -> String {
    let mut s = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                s.push('_');
            }
            s.push(ch.to_ascii_lowercase());
        } else {
            s.push(ch);
        }
    }
    s
}

fn ancestor<'t>(node: Node<'t>, kinds: &[&str]) -> Option<Node<'t>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if kinds.contains(&n.kind()) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

fn root_of(node: Node) -> Node {
    let mut cur = node;
    while let Some(p) = cur.parent() {
        cur = p;
    }
    cur
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_namespace_is_what_php_uses_files_under_the_empty_alias() {
        for src in [
            "<?php\nnamespace App\\Http;\nuse App\\Models\\User;\nclass A {}\n",
            "<?php\nuse X\\Y as Z;\nclass A {}\n",
            "<?php\nnamespace One { class A {} }\nnamespace Two { class B {} }\n",
        ] {
            let tree = crate::analyze::parse(crate::lang::Lang::Php, src, Duration::from_secs(5))
                .expect("parses");
            let root = tree.root_node();
            let uses = php_uses(root, src);
            assert_eq!(
                php_namespace(root, src),
                uses.get("").map_or("", |s| s),
                "{src}"
            );
        }
    }

    fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, LaravelApp) {
        let dir = tempfile::tempdir().unwrap();
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, body).unwrap();
        }
        let root = crate::paths::absolute(dir.path()).unwrap();
        let a = LaravelApp::build(&root, Duration::from_secs(5));
        (dir, a)
    }

    /// The entry points of the method `method` in the file `rel`.
    fn eps(dir: &tempfile::TempDir, a: &LaravelApp, rel: &str, needle: &str) -> Vec<EntryPoint> {
        let path = crate::paths::absolute(dir.path()).unwrap().join(rel);
        let src = std::fs::read_to_string(&path).unwrap();
        let tree = parse(Lang::Php, &src, Duration::from_secs(5)).unwrap();
        let at = src.find(needle).expect("needle in source");
        let node = tree
            .root_node()
            .descendant_for_byte_range(at, at + needle.len())
            .unwrap();
        a.entry_points_at(&path, node, &src)
    }

    const ROUTES: &str = r#"<?php
use App\Http\Controllers\DocumentController;
use App\Http\Controllers\NoteController;
Route::post('/hooks/stripe', [DocumentController::class, 'hook']);
Route::middleware('auth:sanctum')->group(function () {
    Route::resource('documents', DocumentController::class)->only(['show', 'update', 'destroy']);
    Route::get('/notes/{note}', [NoteController::class, 'show']);
    Route::put('/notes/{id}', [NoteController::class, 'update'])->middleware('can:update-notes');
});
Route::get('/open/{id}', fn (string $id) => Note::findOrFail($id));
"#;

    const DOCS: &str = r#"<?php
namespace App\Http\Controllers;

use App\Http\Requests\UpdateDocumentRequest;
use App\Models\Document;

class DocumentController extends Controller
{
    public function show(Document $document) { return $document; }
    public function update(UpdateDocumentRequest $request, Document $document) { $document->update($request->validated()); }
    public function destroy(string $id) { $doc = Document::findOrFail($id); $this->authorize('delete', $doc); }
    public function hook() { $this->load(); }
    private function load() { return Document::first(); }
}
"#;

    const NOTES: &str = r#"<?php
namespace App\Http\Controllers;

use App\Models\Note;

class NoteController extends Controller
{
    public function __construct() { $this->middleware('verified')->except('index'); }
    public function show(Note $note) { abort_unless($note->user_id === auth()->id(), 403); return $note; }
    public function update(string $id) { return Note::findOrFail($id); }
}
"#;

    const REQUEST: &str = "<?php\nnamespace App\\Http\\Requests;\nuse Illuminate\\Foundation\\Http\\FormRequest;\nclass UpdateDocumentRequest extends FormRequest\n{\n    public function authorize(): bool\n    {\n        return $this->user()->can('update', $this->route('document'));\n    }\n}\n";

    const MODELS: &str = "<?php\nnamespace App\\Models;\nuse Illuminate\\Database\\Eloquent\\Model;\nclass Document extends Model\n{\n    public function owner() { return $this->belongsTo(User::class); }\n}\nclass Country extends Model {}\nclass Note extends Model { protected $table = 'my_notes'; }\n";

    const MIGRATION: &str = "<?php\nreturn new class extends Migration {\n    public function up(): void {\n        Schema::create('countries', function (Blueprint $table) { $table->id(); $table->string('name'); });\n        Schema::create('my_notes', function (Blueprint $table) { $table->foreignIdFor(User::class); });\n    }\n};\n";

    fn fixture() -> (tempfile::TempDir, LaravelApp) {
        app(&[
            ("routes/web.php", ROUTES),
            ("app/Http/Controllers/DocumentController.php", DOCS),
            ("app/Http/Controllers/NoteController.php", NOTES),
            ("app/Http/Requests/UpdateDocumentRequest.php", REQUEST),
            ("app/Models/Document.php", MODELS),
            (
                "database/migrations/2025_01_01_000000_create.php",
                MIGRATION,
            ),
        ])
    }

    /// A pre-commit hook audits one controller of a big app: building reads the routes (and only
    /// the class files whose text can load routes or bind models), and a question about
    /// `update` parses the audited controller and its heirs — not every controller some
    /// `update` route names.
    #[test]
    fn reads_only_the_classes_a_question_needs() {
        let special = "<?php\nnamespace App\\Http\\Controllers;\nclass SpecialNoteController extends NoteController {}\n";
        let policy = "<?php\nnamespace App\\Policies;\nclass NotePolicy { public function view(User $u, Note $n): bool { return true; } }\n";
        let mut routes = ROUTES.to_string();
        routes.push_str("Route::put('/special/{id}', [\\App\\Http\\Controllers\\SpecialNoteController::class, 'update']);\n");
        let mut files: Vec<(String, String)> = [
            ("app/Http/Controllers/DocumentController.php", DOCS),
            ("app/Http/Controllers/NoteController.php", NOTES),
            ("app/Http/Controllers/SpecialNoteController.php", special),
            ("app/Http/Requests/UpdateDocumentRequest.php", REQUEST),
            ("app/Models/Document.php", MODELS),
            ("app/Policies/NotePolicy.php", policy),
        ]
        .iter()
        .map(|(p, b)| (p.to_string(), b.to_string()))
        .collect();
        for i in 0..20 {
            routes.push_str(&format!(
                "Route::put('/other{i}/{{id}}', [\\App\\Http\\Controllers\\Other{i}Controller::class, 'update']);\n"
            ));
            files.push((
                format!("app/Http/Controllers/Other{i}Controller.php"),
                format!("<?php\nnamespace App\\Http\\Controllers;\nclass Other{i}Controller extends Controller {{ public function update($id) {{}} }}\n"),
            ));
        }
        files.push(("routes/web.php".to_string(), routes));
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, b)| (p.as_str(), b.as_str()))
            .collect();
        let (d, a) = app(&refs);
        assert_eq!(a.routes.len(), 28, "{:#?}", a.routes);
        assert_eq!(a.classes_read(), 0, "no class file can load routes or bind");
        let update = eps(
            &d,
            &a,
            "app/Http/Controllers/NoteController.php",
            "return Note::findOrFail($id);",
        );
        let names: Vec<&str> = update.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "NoteController@update (PUT /notes/{id})",
                "NoteController@update (PUT /special/{id})"
            ]
        );
        // NoteController and the subclass that inherits `update` — not the twenty others.
        assert!(a.classes_read() <= 2, "{}", a.classes_read());
        // The policy registry reads the files under a `Policies` namespace (and registrations).
        assert_eq!(a.policy("Note").map(|p| p.short()), Some("NotePolicy"));
        assert!(a.classes_read() <= 3, "{}", a.classes_read());
    }

    #[test]
    fn routed_methods_get_route_and_controller_evidence() {
        let (d, a) = fixture();
        let f = "app/Http/Controllers/DocumentController.php";
        let show = eps(&d, &a, f, "return $document;");
        assert_eq!(show.len(), 1);
        assert_eq!(
            show[0].name,
            "DocumentController@show (GET /documents/{document})"
        );
        assert!(show[0].authenticated && !show[0].authorized);
        let update = eps(&d, &a, f, "$document->update");
        assert!(
            update[0].authenticated && update[0].authorized,
            "FormRequest authorize()"
        );
        let destroy = eps(&d, &a, f, "Document::findOrFail($id)");
        assert!(destroy[0].authorized, "$this->authorize");
        let hook = eps(&d, &a, f, "Document::first()");
        assert_eq!(
            hook.len(),
            1,
            "the private loader runs for the routed caller"
        );
        assert_eq!(hook[0].name, "DocumentController@hook (POST /hooks/stripe)");
        assert!(!hook[0].authenticated);

        let n = "app/Http/Controllers/NoteController.php";
        let show = eps(&d, &a, n, "return $note;");
        assert!(
            show[0].authenticated && show[0].authorized,
            "abort_unless ownership"
        );
        let update = eps(&d, &a, n, "Note::findOrFail($id)");
        assert!(
            update[0].authenticated && update[0].authorized,
            "can: middleware"
        );

        let closure = eps(&d, &a, "routes/web.php", "Note::findOrFail($id)");
        assert_eq!(closure.len(), 1);
        assert_eq!(closure[0].name, "route closure (GET /open/{id})");
        assert!(!closure[0].authenticated);
        let path = crate::paths::absolute(d.path())
            .unwrap()
            .join("routes/web.php");
        let tree = parse(Lang::Php, ROUTES, Duration::from_secs(5)).unwrap();
        assert!(a.authenticates_elsewhere(&path, tree.root_node(), ROUTES));
    }

    #[test]
    fn controller_middleware_and_unrouted_methods() {
        let ctrl = "<?php\nnamespace App\\Http\\Controllers;\nuse Illuminate\\Routing\\Controllers\\Middleware;\nclass A extends Controller implements HasMiddleware\n{\n    public static function middleware(): array { return [new Middleware('auth', except: ['index'])]; }\n    public function index() { return 1; }\n    public function show() { return 2; }\n}\nclass BController extends Controller\n{\n    public function __construct() { $this->middleware('auth', ['only' => ['edit']]); }\n    public function edit() { return 3; }\n    public function view() { return 4; }\n}\nclass CController extends Controller\n{\n    public function __construct() { $this->middleware(function ($request, $next) { $this->checkPermission('settings-manage'); return $next($request); }); }\n    public function show() { return 5; }\n}\n";
        let routes = "<?php\nRoute::get('/a', [App\\Http\\Controllers\\A::class, 'index']);\nRoute::get('/a/{x}', [App\\Http\\Controllers\\A::class, 'show']);\nRoute::get('/b', 'App\\Http\\Controllers\\BController@edit');\n";
        let (d, a) = app(&[
            ("app/Http/Controllers/A.php", ctrl),
            ("routes/web.php", routes),
        ]);
        let f = "app/Http/Controllers/A.php";
        assert!(!eps(&d, &a, f, "return 1;")[0].authenticated);
        assert!(eps(&d, &a, f, "return 2;")[0].authenticated);
        assert!(eps(&d, &a, f, "return 3;")[0].authenticated);
        assert!(eps(&d, &a, f, "return 4;").is_empty(), "not routed");
        assert!(!eps(&d, &a, f, "return 2;")[0].authorized);

        // Without route files, public methods of controllers are entry points.
        let (d2, b) = app(&[("app/Http/Controllers/A.php", ctrl)]);
        let view = eps(&d2, &b, f, "return 4;");
        assert_eq!(view.len(), 1);
        assert!(!view[0].authenticated);
        assert!(eps(&d2, &b, f, "return 3;")[0].authenticated);
        assert!(
            eps(&d2, &b, f, "return 5;")[0].authorized,
            "closure middleware checks a permission"
        );
    }

    #[test]
    fn package_classes_and_routes_are_part_of_the_app() {
        let composer = r#"{"autoload": {"psr-4": {"App\\": "app/", "Database\\Seeders\\": "database/seeders/", "Wave\\": "wave/src/", "Evil\\": "../outside/"}}}"#;
        let web = "<?php\nuse Wave\\Facades\\Wave;\nWave::routes();\n";
        let facade = "<?php\nnamespace Wave\\Facades;\nclass Wave extends Facade {}\n";
        let loader = "<?php\nnamespace Wave;\nclass Wave\n{\n    public function routes()\n    {\n        require __DIR__.'/../routes/web.php';\n    }\n}\n";
        let package = "<?php\nRoute::group(['middleware' => 'auth'], function () {\n    Route::post('cancel', '\\Wave\\Http\\Controllers\\SubscriptionController@cancel');\n});\n";
        let ctrl = "<?php\nnamespace Wave\\Http\\Controllers;\nclass SubscriptionController extends Controller\n{\n    public function cancel() { return 1; }\n}\n";
        let (d, a) = app(&[
            ("composer.json", composer),
            ("routes/web.php", web),
            ("wave/src/Facades/Wave.php", facade),
            ("wave/src/Wave.php", loader),
            ("wave/routes/web.php", package),
            ("wave/src/Http/Controllers/SubscriptionController.php", ctrl),
        ]);
        let root = crate::paths::absolute(d.path()).unwrap();
        assert_eq!(
            package_dirs(&root),
            vec![root.join("wave/routes"), root.join("wave/src")]
        );
        let inputs = crate::model::inputs(&root, crate::detect::Framework::Laravel);
        for f in ["composer.json", "wave/routes/web.php", "wave/src/Wave.php"] {
            assert!(inputs.contains(&root.join(f)), "{f} is a model input");
        }
        let cancel = eps(
            &d,
            &a,
            "wave/src/Http/Controllers/SubscriptionController.php",
            "return 1;",
        );
        assert_eq!(cancel.len(), 1, "{:#?}", a.routes);
        assert_eq!(
            cancel[0].name,
            "SubscriptionController@cancel (POST /cancel)"
        );
        assert!(cancel[0].authenticated);
    }

    #[test]
    fn route_bindings_through_the_user_scope_the_record() {
        let provider = "<?php\nnamespace App\\Providers;\nuse Illuminate\\Support\\Facades\\Route;\nclass AppServiceProvider extends ServiceProvider\n{\n    public function boot(): void\n    {\n        Route::bind('project', fn (string $v) => auth()->user()->projects()->findOrFail($v));\n        Route::bind('genre', fn (string $v) => Genre::where('public_id', $v)->firstOrFail());\n        Route::model('invoice', Invoice::class, fn () => abort(404));\n    }\n}\n";
        let ctrl = "<?php\nnamespace App\\Http\\Controllers;\nuse App\\Models\\Project;\nuse App\\Models\\Invoice;\nclass ProjectController extends Controller\n{\n    public function show(Project $project) { return 1; }\n    public function invoice(Invoice $invoice) { return 2; }\n    public function raw($project) { return 3; }\n}\n";
        let models = "<?php\nnamespace App\\Models;\nclass Project extends Model {}\nclass Invoice extends Model {}\n";
        let routes = "<?php\nuse App\\Http\\Controllers\\ProjectController;\nRoute::middleware('auth')->group(function () {\n    Route::get('/projects/{project}', [ProjectController::class, 'show']);\n    Route::get('/invoices/{invoice}', [ProjectController::class, 'invoice']);\n    Route::get('/raw/{project}', [ProjectController::class, 'raw']);\n});\nRoute::group(['middleware' => 'auth', 'scope_bindings' => true], function () {\n    Route::get('/users/{user}/posts/{post}', [ProjectController::class, 'invoice']);\n});\n";
        let (d, a) = app(&[
            ("app/Providers/AppServiceProvider.php", provider),
            ("app/Http/Controllers/ProjectController.php", ctrl),
            ("app/Models/Project.php", models),
            ("routes/web.php", routes),
        ]);
        assert_eq!(a.bindings.get("project"), Some(&true));
        assert_eq!(
            a.bindings.get("genre"),
            Some(&false),
            "by a public id, not the user"
        );
        assert_eq!(a.bindings.get("invoice"), Some(&false));
        let path = crate::paths::absolute(d.path())
            .unwrap()
            .join("app/Http/Controllers/ProjectController.php");
        let tree = parse(Lang::Php, ctrl, Duration::from_secs(5)).unwrap();
        let at = |needle: &str| {
            let i = ctrl.find(needle).unwrap();
            tree.root_node()
                .descendant_for_byte_range(i, i + needle.len())
                .unwrap()
        };
        assert!(!a.is_route_parameter(&path, at("return 1;"), ctrl, "project"));
        assert!(!a.is_route_parameter(&path, at("return 3;"), ctrl, "project"));
        assert!(a.is_route_parameter(&path, at("return 2;"), ctrl, "invoice"));
        let scoped = a
            .routes
            .iter()
            .find(|r| r.uri == "/users/{user}/posts/{post}")
            .expect("route");
        assert!(scoped.authorizes, "'scope_bindings' => true");
    }

    #[test]
    fn policies_registered_attributed_or_by_convention() {
        let auth = "<?php\nnamespace App\\Providers;\nuse App\\Models\\Post;\nuse App\\Authz\\PostRules;\nclass AuthServiceProvider extends ServiceProvider\n{\n    protected $policies = [\n        Post::class => \\App\\Authz\\PostPolicy::class,\n    ];\n    public function boot(): void { Gate::policy(Comment::class, CommentPolicy::class); }\n}\n";
        let policies = "<?php\nnamespace App\\Authz;\nclass PostPolicy { public function view(User $user, Post $post): bool { return $post->user_id === $user->id; } }\nclass CommentPolicy { public function view(User $user, Comment $c): bool { return true; } }\nclass TagRules { public function view(User $user, Tag $t): bool { return true; } }\n";
        let conv = "<?php\nnamespace App\\Policies;\nclass PlanPolicy\n{\n    public function view(User $user, Plan $plan): bool\n    {\n        return true;\n    }\n}\nclass PostPolicy { public function view(User $user, Post $post): bool { return true; } }\n";
        let models = "<?php\nnamespace App\\Models;\nuse App\\Authz\\TagRules;\nclass Plan extends Model { public function user() { return $this->belongsTo(User::class); } }\nclass Post extends Model { public function user() { return $this->belongsTo(User::class); } }\nclass Comment extends Model { public function user() { return $this->belongsTo(User::class); } }\n#[UsePolicy(TagRules::class)]\nclass Tag extends Model { public function user() { return $this->belongsTo(User::class); } }\n";
        let ctrl = "<?php\nnamespace App\\Http\\Controllers;\nuse App\\Models\\Plan;\nuse App\\Models\\Post;\nclass PlanController extends Controller\n{\n    public function show(Plan $plan) { return 1; }\n    public function destroy(Plan $plan) { return 2; }\n    public function post(Post $post) { return 3; }\n}\n";
        let routes = "<?php\nuse App\\Http\\Controllers\\PlanController;\nRoute::middleware('auth')->group(function () {\n    Route::get('/plans/{plan}', [PlanController::class, 'show']);\n    Route::delete('/plans/{plan}', [PlanController::class, 'destroy']);\n    Route::get('/posts/{post}', [PlanController::class, 'post']);\n});\n";
        let (d, a) = app(&[
            ("app/Providers/AuthServiceProvider.php", auth),
            ("app/Authz/PostPolicy.php", policies),
            ("app/Policies/PlanPolicy.php", conv),
            ("app/Models/Plan.php", models),
            ("app/Http/Controllers/PlanController.php", ctrl),
            ("routes/web.php", routes),
        ]);
        let policy_of = |m: &str| a.policy(m).map(|p| p.name.clone());
        assert_eq!(
            policy_of("Plan").as_deref(),
            Some("App\\Policies\\PlanPolicy")
        );
        // `$policies` wins over the App\Policies\PostPolicy the convention would pick.
        assert_eq!(a.policy("Post").map(|p| p.short()), Some("PostPolicy"));
        assert!(!a.policy_allows_everyone("Post", "view"));
        assert_eq!(
            policy_of("Comment").as_deref(),
            Some("App\\Authz\\CommentPolicy")
        );
        assert_eq!(policy_of("Tag").as_deref(), Some("App\\Authz\\TagRules"));
        assert!(a.policy_allows_everyone("Tag", "view"));
        assert!(a.policy("Country").is_none());

        let f = "app/Http/Controllers/PlanController.php";
        assert!(
            eps(&d, &a, f, "return 1;")[0].authorized,
            "everyone may view a plan"
        );
        assert!(
            !eps(&d, &a, f, "return 2;")[0].authorized,
            "deleting is not viewing"
        );
        assert!(
            !eps(&d, &a, f, "return 3;")[0].authorized,
            "the registered policy checks"
        );
    }

    #[test]
    fn aliases_from_kernel_and_bootstrap() {
        let kernel = "<?php\nnamespace App\\Http;\nclass Kernel extends HttpKernel\n{\n    protected $middlewareAliases = [\n        'member' => \\App\\Http\\Middleware\\AuthenticateMember::class,\n        'guest' => \\App\\Http\\Middleware\\RedirectIfAuthenticated::class,\n    ];\n    protected $middlewareGroups = ['staff' => ['web', 'auth'], 'web' => [\\Illuminate\\Session\\Middleware\\AuthenticateSession::class]];\n}\n";
        let boot = "<?php\nreturn Application::configure()->withMiddleware(function ($middleware) {\n    $middleware->alias(['sso' => \\App\\Http\\Middleware\\AuthenticateSso::class]);\n    $middleware->group('panel', ['web', 'auth:admin']);\n})->create();\n";
        let (_d, a) = app(&[("app/Http/Kernel.php", kernel), ("bootstrap/app.php", boot)]);
        for m in [
            "member",
            "staff",
            "sso",
            "panel",
            "auth",
            "auth:sanctum",
            "verified",
        ] {
            assert!(a.authenticates_name(m), "{m}");
        }
        assert!(
            a.authorizes_name("role:admin") && a.authorizes_name("App\\Http\\Middleware\\IsAdmin")
        );
        assert!(
            a.authenticates_name("IsAdmin"),
            "an admin check needs a user"
        );
        for m in ["guest", "web", "throttle:6,1", "signed", "api"] {
            assert!(!a.authenticates_name(m), "{m}");
        }
    }

    #[test]
    fn owned_and_public_models() {
        let (_d, a) = fixture();
        assert!(!a.is_public_model("Document"), "belongsTo(User)");
        assert!(
            !a.is_public_model("Note"),
            "foreignIdFor(User) in its $table"
        );
        assert!(a.is_public_model("Country"), "no owner column");
        assert!(
            a.is_public_model("Country::query()->find($id)"),
            "the class of a static chain"
        );
        assert!(!a.is_public_model("Document::with('x')->findOrFail($id)"));
        assert!(a.is_public_model("DocumentController"), "not a model");
        assert!(a.is_public_model("Str"), "not the app's");
    }

    #[test]
    fn route_parameters() {
        let (d, a) = fixture();
        let path = crate::paths::absolute(d.path())
            .unwrap()
            .join("app/Http/Controllers/DocumentController.php");
        let tree = parse(Lang::Php, DOCS, Duration::from_secs(5)).unwrap();
        let at = |needle: &str| {
            let i = DOCS.find(needle).unwrap();
            tree.root_node()
                .descendant_for_byte_range(i, i + needle.len())
                .unwrap()
        };
        assert!(a.is_route_parameter(&path, at("return $document;"), DOCS, "document"));
        assert!(a.is_route_parameter(&path, at("Document::findOrFail($id)"), DOCS, "id"));
        assert!(!a.is_route_parameter(&path, at("$document->update"), DOCS, "request"));
    }

    #[test]
    fn name_resolution() {
        let mut uses = BTreeMap::new();
        uses.insert(String::new(), "App\\Http".to_string());
        uses.insert("Ctl".to_string(), "App\\Http\\Controllers".to_string());
        assert_eq!(
            resolve_name("Ctl\\X", &uses, ""),
            "App\\Http\\Controllers\\X"
        );
        assert_eq!(resolve_name("\\Foo\\Bar", &uses, ""), "Foo\\Bar");
        assert_eq!(resolve_name("Kernel", &uses, ""), "App\\Http\\Kernel");
        assert!(trivial_authorize()
            .is_match("public function authorize(): bool\n{\n    return true;\n}"));
        assert!(trivial_authorize()
            .is_match("public function authorize() { return $this->user() !== null; }"));
        assert!(!trivial_authorize()
            .is_match("public function authorize() { return $this->user()->can('x'); }"));
    }
}
