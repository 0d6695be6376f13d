//! The Rails app model: controllers with their callback chains (inherited, from concerns, skipped
//! per action), their actions, and the tables in `db/schema.rb`.
//!
//! An action is **authenticated** when a `before_action` that authenticates (Devise
//! `authenticate_user!`, the Rails 8 generator's `require_authentication`, `authenticate_*`,
//! `require_login`, …) runs before it, after `skip_before_action`/`allow_unauthenticated_access`.
//! It is **authorized** when the controller authorizes at class level (CanCanCan
//! `load_and_authorize_resource`, Pundit `after_action :verify_authorized`), a callback that runs
//! before it authorizes, or its own body (or the loader that serves it) calls `authorize`,
//! `policy_scope`, `authorize!`, `can?`, compares ownership with the current user, or answers 403.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use regex::Regex;
use tree_sitter::Node;

use crate::model::files::{ByName, LazyFiles};
use crate::model::lazy;

pub mod routes;

use crate::analyze::parse;
use crate::lang::Lang;
use crate::model::EntryPoint;

/// A callback declaration in a class or a concern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// `true` for `before_action`, `false` for `skip_before_action`.
    pub add: bool,
    pub names: Vec<String>,
    pub only: Option<Vec<String>>,
    pub except: Option<Vec<String>>,
}

impl Callback {
    fn applies_to(&self, action: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|a| a == action))
            && !self
                .except
                .as_ref()
                .is_some_and(|e| e.iter().any(|a| a == action))
    }
}

/// A class-body call that is not a callback: `load_and_authorize_resource`,
/// `allow_unauthenticated_access only: :show`, `after_action :verify_authorized`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassCall {
    pub name: String,
    pub symbols: Vec<String>,
    pub only: Option<Vec<String>>,
    pub except: Option<Vec<String>>,
}

#[derive(Debug, Clone)]
pub struct MethodFacts {
    pub name: String,
    pub public: bool,
    /// The method's source, for evidence searches.
    pub body: String,
}

/// A class (controllers are what rules ask about).
#[derive(Debug, Clone, Default)]
pub struct ClassFacts {
    pub name: String,
    pub superclass: Option<String>,
    pub file: PathBuf,
    pub includes: Vec<String>,
    /// Callbacks and class calls in source order.
    pub callbacks: Vec<Callback>,
    pub class_calls: Vec<ClassCall>,
    pub methods: Vec<MethodFacts>,
}

/// An `ActiveSupport::Concern` (or any module) with callbacks in `included do … end`.
#[derive(Debug, Clone, Default)]
pub struct ConcernFacts {
    pub name: String,
    pub callbacks: Vec<Callback>,
    /// Class methods that skip callbacks: `allow_unauthenticated_access` → `require_authentication`.
    pub skip_macros: BTreeMap<String, Vec<String>>,
    pub methods: Vec<MethodFacts>,
}

/// A Rails app. Built from disk ([`RailsApp::build`]) it reads lazily: a lookup parses the
/// controllers that may declare the class (see [`LazyFiles`]), `db/schema.rb` when a rule first
/// asks about a table, `config/` when it first asks about a mounted Rack app — so auditing one
/// controller reads its callback chain, not the whole app. Snippets add files eagerly
/// ([`RailsApp::add_file`]).
#[derive(Debug, Default)]
pub struct RailsApp {
    pub root: PathBuf,
    pub classes: BTreeMap<String, ClassFacts>,
    pub concerns: BTreeMap<String, ConcernFacts>,
    /// Tables and their columns, from `db/schema.rb` when there is one.
    pub schema: Option<BTreeMap<String, Vec<String>>>,
    /// Constants wrapped in middleware in `config/` (`Sidekiq::Web.use Rack::Auth::Basic`).
    pub wrapped_rack_apps: Vec<String>,
    /// The routes in `config/routes.rb`, when the app has one. Private, set only with
    /// `route_index` (see [`index_routes`]), so that the two never disagree.
    routes: Option<Vec<routes::Route>>,
    /// Indices into `routes` by (controller in ASCII lowercase, action), in route order: an
    /// app's every action looks its routes up, and a large app has thousands.
    route_index: HashMap<(String, String), Vec<usize>>,
    /// The app on disk, read on demand (`None` for snippets).
    disk: Option<OnDisk>,
}

/// What a Rails app built from disk reads when it is first needed.
#[derive(Debug)]
struct OnDisk {
    budget: Duration,
    controllers: LazyFiles<FileFacts>,
    config: Vec<PathBuf>,
    schema_file: Option<PathBuf>,
    schema: OnceLock<Option<BTreeMap<String, Vec<String>>>>,
    wrapped_rack_apps: OnceLock<Vec<String>>,
}

/// The classes and concerns one controller file defines.
#[derive(Debug, Default)]
struct FileFacts {
    classes: ByName<ClassFacts>,
    concerns: ByName<ConcernFacts>,
}

const CALLBACK_ADD: [&str; 5] = [
    "before_action",
    "prepend_before_action",
    "append_before_action",
    "before_filter",
    "prepend_before_filter",
];
const CALLBACK_SKIP: [&str; 2] = ["skip_before_action", "skip_before_filter"];

fn authn_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(authenticate|require_(login|user|authentication|authenticated|signed_in|sign_in|session|current_user|account)|ensure_(logged_in|signed_in|authenticated|user|login)|login_required|logged_in_required|authorize_user|check_(login|session|user)|verify_user|doorkeeper_authorize!|authenticate_with_api_key)",
    )
}

/// A callback through which a machine proves itself (a signed JWT, a webhook signature, an
/// HMAC, a shared secret) rather than a signed-in user.
fn machine_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(verify|validate|decode|check|authenticate)_\w*(jwt|signature|signed|hmac|webhook|secret|shared_key|request)\w*!?$",
    )
}

fn authn_body() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"authenticate_\w+!|require_authentication|warden\.authenticate|redirect_to\s+\S*(login|sign_in|session)",
    )
}

fn authz_name() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)authoriz|permission|admin|moderator|role|owner|policy|access|staff|superuser|^only_|_or_(owner|admin|moderator)|require_(member|manager|membership)|ensure_(member|membership)|verify_(member|membership|ownership)",
    )
}

/// Authorization evidence inside a method body.
fn authz_body() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"\b(authorize!?|policy_scope|policy|can\?|cannot\?|allowed_to\?|authorized_for\?|permitted_to\?|accessible_by|authorize_resource)\b|head\s*\(?\s*:(forbidden|unauthorized|not_found)|status:\s*:(forbidden|unauthorized|not_found)|NotAuthorized|AccessDenied|Forbidden|(==|!=)\s*(current_user|Current\.\w+|@current_user)\b|\b(current_user|Current\.\w+|@current_user)(\.id)?\s*(==|!=)",
    )
}

/// Columns that tie a row to an owner or a tenant (shared with the Laravel model).
pub(crate) fn owner_column() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"^(user|owner|author|creator|created_by|account|organization|organisation|org|team|workspace|tenant|company|customer|member|membership|project|client|shop|store)_id$",
    )
}

fn txt<'s>(n: Node, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// `:show` → `show`; `"show"` → `show`; `[:a, :b]` / `%i[a b]` → both.
fn symbols(n: Node, src: &str) -> Vec<String> {
    match n.kind() {
        "simple_symbol" => vec![txt(n, src).trim_start_matches(':').to_string()],
        "string" | "bare_symbol" | "bare_string" => {
            vec![txt(n, src).trim_matches(['"', '\'']).to_string()]
        }
        "array" | "symbol_array" | "string_array" => {
            let mut c = n.walk();
            n.named_children(&mut c)
                .flat_map(|k| symbols(k, src))
                .collect()
        }
        _ => vec![],
    }
}

/// Reads a class-body call's arguments: its symbols, and `only:`/`except:` lists.
fn call_args(call: Node, src: &str) -> (Vec<String>, Option<Vec<String>>, Option<Vec<String>>) {
    let mut syms = Vec::new();
    let (mut only, mut except) = (None, None);
    if let Some(args) = call.child_by_field_name("arguments") {
        let mut c = args.walk();
        for a in args.named_children(&mut c) {
            if a.kind() == "pair" {
                let key = a
                    .child_by_field_name("key")
                    .map(|k| {
                        txt(k, src)
                            .trim_end_matches(':')
                            .trim_start_matches(':')
                            .to_string()
                    })
                    .unwrap_or_default();
                let value = a
                    .child_by_field_name("value")
                    .map(|v| symbols(v, src))
                    .unwrap_or_default();
                match key.as_str() {
                    "only" => only = Some(value),
                    "except" => except = Some(value),
                    _ => {}
                }
            } else {
                syms.extend(symbols(a, src));
            }
        }
    }
    (syms, only, except)
}

impl RailsApp {
    /// An empty app at `root` (files are added with [`RailsApp::add_file`]).
    pub fn new(root: &Path) -> RailsApp {
        RailsApp {
            root: root.to_path_buf(),
            ..Default::default()
        }
    }

    /// The app at `root` with these input files (see [`crate::model::inputs`]): controllers,
    /// their concerns, `config/` and `db/schema.rb`, none of them read yet.
    pub fn build(root: &Path, files: &[&PathBuf], budget: Duration) -> RailsApp {
        let routes = routes::read_routes(root, budget);
        let mut controllers = Vec::new();
        let mut config = Vec::new();
        let mut schema_file = None;
        for f in files {
            let abs = crate::paths::absolute(f).unwrap_or_else(|_| f.to_path_buf());
            let rel = abs
                .strip_prefix(root)
                .unwrap_or(&abs)
                .to_string_lossy()
                .replace('\\', "/");
            if rel == "db/schema.rb" {
                schema_file = Some(f.to_path_buf());
            } else if rel.starts_with("config/") {
                config.push(f.to_path_buf());
            } else if rel.starts_with("app/controllers/") {
                controllers.push(abs);
            }
        }
        config.sort();
        RailsApp {
            root: root.to_path_buf(),
            disk: Some(OnDisk {
                budget,
                controllers: LazyFiles::new(controllers),
                config,
                schema_file,
                schema: OnceLock::new(),
                wrapped_rack_apps: OnceLock::new(),
            }),
            route_index: index_routes(routes.as_deref()),
            routes,
            ..Default::default()
        }
    }

    /// Summarises the audited controller from the tree the engine already parsed, so that a full
    /// audit does not parse each controller twice.
    fn seed(&self, file: &Path, node: Node, src: &str) {
        if let Some(disk) = &self.disk {
            // The root only when the file is summarised: finding it walks up from `node`.
            disk.controllers
                .seed(file, src, |f| Some(FileFacts::read(f, root_of(node), src)));
        }
    }

    /// How many controller files the model has parsed so far.
    pub fn controllers_read(&self) -> usize {
        self.disk.as_ref().map_or(0, |d| d.controllers.read_count())
    }

    /// Has the model parsed `db/schema.rb`?
    pub fn schema_read(&self) -> bool {
        self.disk.as_ref().is_some_and(|d| d.schema.get().is_some())
    }

    /// The class with this fully qualified name: the last definition in file order, as if every
    /// controller had been read in order.
    pub fn class(&self, name: &str) -> Option<&ClassFacts> {
        let Some(disk) = &self.disk else {
            return self.classes.get(name);
        };
        self.classes.get(name).or_else(|| {
            disk.controllers
                .candidates(name)
                .iter()
                .rev()
                .find_map(|&i| disk.file(i)?.classes.get(name))
        })
    }

    fn concern(&self, name: &str) -> Option<&ConcernFacts> {
        let Some(disk) = &self.disk else {
            return self.concerns.get(name);
        };
        self.concerns.get(name).or_else(|| {
            disk.controllers
                .candidates(name)
                .iter()
                .rev()
                .find_map(|&i| disk.file(i)?.concerns.get(name))
        })
    }

    fn tables(&self) -> Option<&BTreeMap<String, Vec<String>>> {
        let Some(disk) = &self.disk else {
            return self.schema.as_ref();
        };
        disk.schema
            .get_or_init(|| {
                let f = disk.schema_file.as_ref()?;
                let src = std::fs::read_to_string(f).ok()?;
                let tree = parse(Lang::Ruby, &src, disk.budget)?;
                Some(parse_schema(tree.root_node(), &src))
            })
            .as_ref()
    }

    fn rack_apps(&self) -> &[String] {
        let Some(disk) = &self.disk else {
            return &self.wrapped_rack_apps;
        };
        disk.wrapped_rack_apps.get_or_init(|| {
            let mut out = Vec::new();
            for f in &disk.config {
                let Ok(src) = std::fs::read_to_string(f) else {
                    continue;
                };
                if let Some(tree) = parse(Lang::Ruby, &src, disk.budget) {
                    out.extend(middleware_receivers(tree.root_node(), &src));
                }
            }
            out
        })
    }

    /// Adds the classes and concerns defined in one parsed file.
    pub fn add_file(&mut self, file: &Path, root: Node, src: &str) {
        let mut stack: Vec<(Node, Vec<String>)> = vec![(root, Vec::new())];
        while let Some((node, nesting)) = stack.pop() {
            let mut c = node.walk();
            for child in node.named_children(&mut c) {
                match child.kind() {
                    "module" => {
                        let name = child
                            .child_by_field_name("name")
                            .map(|n| txt(n, src).to_string())
                            .unwrap_or_default();
                        let mut inner = nesting.clone();
                        inner.push(name.clone());
                        let qualified = inner.join("::");
                        let concern = read_concern(child, &qualified, src);
                        if !concern.callbacks.is_empty()
                            || !concern.skip_macros.is_empty()
                            || !concern.methods.is_empty()
                        {
                            self.concerns.insert(qualified, concern);
                        }
                        if let Some(body) = child.child_by_field_name("body") {
                            stack.push((body, inner));
                        }
                    }
                    "class" => {
                        let name = child
                            .child_by_field_name("name")
                            .map(|n| txt(n, src).to_string())
                            .unwrap_or_default();
                        let mut qualified = nesting.clone();
                        qualified.push(name);
                        let facts = read_class(child, &qualified.join("::"), file, src);
                        self.classes.insert(facts.name.clone(), facts);
                    }
                    _ => {}
                }
            }
        }
    }

    fn resolve_class(&self, name: &str, from: &str) -> Option<&ClassFacts> {
        resolve(|n| self.class(n), name, from)
    }

    fn resolve_concern(&self, name: &str, from: &str) -> Option<&ConcernFacts> {
        resolve(|n| self.concern(n), name, from)
    }

    /// The class and its known ancestors, root first (cycles and unknown parents end the chain).
    fn chain<'a>(&'a self, class: &'a ClassFacts) -> Vec<&'a ClassFacts> {
        let mut out = vec![class];
        let mut cur = class;
        while let Some(parent) = cur
            .superclass
            .as_deref()
            .and_then(|s| self.resolve_class(s, &cur.name))
        {
            if out.iter().any(|c| c.name == parent.name) || out.len() > 32 {
                break;
            }
            out.push(parent);
            cur = parent;
        }
        out.reverse();
        out
    }

    /// The callbacks that run before `action` of `class`, after skips.
    pub fn before_callbacks(&self, class: &ClassFacts, action: &str) -> Vec<String> {
        let mut active: Vec<String> = Vec::new();
        let chain = self.chain(class);
        let mut macros: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for k in &chain {
            for inc in &k.includes {
                if let Some(concern) = self.resolve_concern(inc, &k.name) {
                    apply(&mut active, &concern.callbacks, action);
                    for (m, cbs) in &concern.skip_macros {
                        macros.insert(m.clone(), cbs.clone());
                    }
                }
            }
            apply(&mut active, &k.callbacks, action);
            for call in &k.class_calls {
                if let Some(cbs) = macros.get(&call.name) {
                    let skip = Callback {
                        add: false,
                        names: cbs.clone(),
                        only: call.only.clone(),
                        except: call.except.clone(),
                    };
                    apply(&mut active, std::slice::from_ref(&skip), action);
                }
            }
        }
        active
    }

    /// A method visible to `class` (its chain and their concerns), for evidence searches.
    fn find_method<'a>(&'a self, class: &'a ClassFacts, name: &str) -> Option<&'a MethodFacts> {
        for k in self.chain(class).into_iter().rev() {
            if let Some(m) = k.methods.iter().find(|m| m.name == name) {
                return Some(m);
            }
            for inc in &k.includes {
                if let Some(m) = self
                    .resolve_concern(inc, &k.name)
                    .and_then(|c| c.methods.iter().find(|m| m.name == name))
                {
                    return Some(m);
                }
            }
        }
        None
    }

    fn class_authorizes(&self, class: &ClassFacts, action: &str) -> bool {
        self.chain(class).iter().any(|k| {
            k.class_calls.iter().any(|c| {
                let applies = c
                    .only
                    .as_ref()
                    .is_none_or(|o| o.iter().any(|a| a == action))
                    && !c
                        .except
                        .as_ref()
                        .is_some_and(|e| e.iter().any(|a| a == action));
                applies
                    && (matches!(
                        c.name.as_str(),
                        "load_and_authorize_resource" | "authorize_resource"
                    ) || (c.name == "after_action"
                        && c.symbols
                            .iter()
                            .any(|s| s == "verify_authorized" || s == "verify_policy_scoped")))
            })
        })
    }

    /// Describes `action` of `class`: is it authenticated, and is it authorized, given the body
    /// of the code that serves it (`extra_body`, e.g. the loader method)?
    fn entry_point(&self, class: &ClassFacts, action: &str, extra_body: &str) -> EntryPoint {
        let callbacks = self.before_callbacks(class, action);
        let authenticated = callbacks.iter().any(|cb| {
            authn_name().is_match(cb)
                || self
                    .find_method(class, cb)
                    .is_some_and(|m| authn_body().is_match(&m.body))
        });
        let action_body = self
            .find_method(class, action)
            .map(|m| m.body.as_str())
            .unwrap_or("");
        let authorized = self.class_authorizes(class, action)
            || authz_body().is_match(action_body)
            || authz_body().is_match(extra_body)
            || callbacks.iter().any(|cb| {
                authz_name().is_match(cb) && !authn_name().is_match(cb)
                    || self
                        .find_method(class, cb)
                        .is_some_and(|m| authz_body().is_match(&m.body))
            });
        // The routes that reach the action name it, and may require a user themselves
        // (`authenticate :user do`).
        // Case-insensitively: `namespace :oidc` is `OIDC::` when the app declares the acronym.
        let key = (class.name.to_ascii_lowercase(), action.to_string());
        let routes: Vec<&routes::Route> = self
            .route_index
            .get(&key)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.routes.as_ref()?.get(i))
            .collect();
        let routed_authenticated = !routes.is_empty() && routes.iter().all(|r| r.authenticated);
        let mut name = format!("{}#{}", class.name, action);
        if !routes.is_empty() {
            let mut shown: Vec<String> = routes.iter().take(3).map(|r| r.describe()).collect();
            if routes.len() > 3 {
                shown.push("…".into());
            }
            name = format!("{name} ({})", shown.join(", "));
        }
        EntryPoint {
            name,
            authenticated: authenticated || routed_authenticated,
            authenticated_otherwise: callbacks.iter().any(|cb| machine_name().is_match(cb)),
            authorized,
        }
    }

    /// The controller actions that run the code at `node` (in `file`): the action itself, or
    /// every action whose callbacks call the private method it is in.
    pub fn entry_points_at(&self, file: &Path, node: Node, src: &str) -> Vec<EntryPoint> {
        let Some(method) = ancestor(node, &["method"]) else {
            return vec![];
        };
        let Some(class_node) = ancestor(method, &["class"]) else {
            return vec![];
        };
        let method_name = method
            .child_by_field_name("name")
            .map(|n| txt(n, src))
            .unwrap_or("");
        let class_name = qualified_name(class_node, src);
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        self.seed(&abs, node, src);
        let Some(class) = self.class(&class_name).filter(|c| c.file == abs) else {
            return vec![];
        };
        if !class.name.ends_with("Controller") {
            return vec![];
        }
        let method_body = txt(method, src);
        let me = class.methods.iter().find(|m| m.name == method_name);
        if me.is_some_and(|m| m.public) {
            return vec![self.entry_point(class, method_name, "")];
        }
        class
            .methods
            .iter()
            .filter(|m| {
                m.public
                    && self
                        .before_callbacks(class, &m.name)
                        .iter()
                        .any(|cb| cb == method_name)
            })
            .map(|m| self.entry_point(class, &m.name, method_body))
            .collect()
    }

    /// Is some other public action of the controller around `node` authenticated? (Then an
    /// unauthenticated action there was opened up on purpose — or by mistake.)
    pub fn controller_authenticates_elsewhere(&self, file: &Path, node: Node, src: &str) -> bool {
        let Some(class_node) = ancestor(node, &["class"]) else {
            return false;
        };
        let method_name = ancestor(node, &["method"])
            .and_then(|m| m.child_by_field_name("name"))
            .map(|n| txt(n, src))
            .unwrap_or("");
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        self.seed(&abs, node, src);
        let Some(class) = self
            .class(&qualified_name(class_node, src))
            .filter(|c| c.file == abs)
        else {
            return false;
        };
        class
            .methods
            .iter()
            .filter(|m| m.public && m.name != method_name)
            .any(|m| self.entry_point(class, &m.name, "").authenticated)
    }

    /// Does the app wrap this Rack app (e.g. `Sidekiq::Web`) in middleware anywhere in `config/`?
    pub fn is_protected_rack_app(&self, constant: &str) -> bool {
        let c = constant.trim_start_matches("::");
        let base = c.split(['.', '(']).next().unwrap_or(c);
        self.rack_apps().iter().any(|w| w == c || w == base)
    }

    /// Is `model` (a constant such as `Document` or `Admin::Plan`) a table the schema shows
    /// without any owner or tenant column? Unknown models are not public.
    pub fn is_public_model(&self, model: &str) -> bool {
        let Some(schema) = self.tables() else {
            return false;
        };
        // `OIDC::Provider` may live in `providers` or, with a namespace prefix, `oidc_providers`.
        let mut candidates = vec![table_name(model)];
        if model.contains("::") {
            candidates.push(table_name(&model.replace("::", "")));
        }
        let Some(columns) = candidates.iter().find_map(|t| schema.get(t)) else {
            return false;
        };
        !columns.iter().any(|c| owner_column().is_match(c))
    }
}

impl OnDisk {
    /// Controller file `i`, parsed once.
    fn file(&self, i: usize) -> Option<&FileFacts> {
        self.controllers.get(i, |f| {
            let src = std::fs::read_to_string(f).ok()?;
            let tree = parse(Lang::Ruby, &src, self.budget)?;
            Some(FileFacts::read(f, tree.root_node(), &src))
        })
    }
}

impl FileFacts {
    fn read(file: &Path, root: Node, src: &str) -> FileFacts {
        let mut one = RailsApp::default();
        one.add_file(file, root, src);
        FileFacts {
            classes: one.classes.into(),
            concerns: one.concerns.into(),
        }
    }
}

/// [`RailsApp::route_index`] for these routes.
fn index_routes(routes: Option<&[routes::Route]>) -> HashMap<(String, String), Vec<usize>> {
    let mut index: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, r) in routes.unwrap_or_default().iter().enumerate() {
        let key = (r.controller.to_ascii_lowercase(), r.action.clone());
        index.entry(key).or_default().push(i);
    }
    index
}

/// The root of the tree `node` is in.
fn root_of(node: Node) -> Node {
    let mut n = node;
    while let Some(p) = n.parent() {
        n = p;
    }
    n
}

/// Resolves a constant as Ruby does from inside `from`: the referring class's namespaces,
/// innermost first, then the top level.
fn resolve<'a, T>(get: impl Fn(&str) -> Option<&'a T>, name: &str, from: &str) -> Option<&'a T> {
    let name = name.trim_start_matches("::");
    let mut parts: Vec<&str> = from.split("::").collect();
    parts.pop();
    while !parts.is_empty() {
        if let Some(found) = get(&format!("{}::{name}", parts.join("::"))) {
            return Some(found);
        }
        parts.pop();
    }
    get(name)
}

fn apply(active: &mut Vec<String>, callbacks: &[Callback], action: &str) {
    for cb in callbacks {
        if !cb.applies_to(action) {
            continue;
        }
        if cb.add {
            for n in &cb.names {
                if !active.contains(n) {
                    active.push(n.clone());
                }
            }
        } else {
            active.retain(|a| !cb.names.contains(a));
        }
    }
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

/// `module Admin; class UsersController` → `Admin::UsersController`.
fn qualified_name(class_node: Node, src: &str) -> String {
    let mut parts = vec![class_node
        .child_by_field_name("name")
        .map(|n| txt(n, src).to_string())
        .unwrap_or_default()];
    let mut cur = class_node.parent();
    while let Some(n) = cur {
        if matches!(n.kind(), "module" | "class") {
            if let Some(name) = n.child_by_field_name("name") {
                parts.push(txt(name, src).to_string());
            }
        }
        cur = n.parent();
    }
    parts.reverse();
    parts.join("::")
}

fn body_statements(node: Node) -> Vec<Node> {
    let Some(body) = node.child_by_field_name("body") else {
        return vec![];
    };
    let mut c = body.walk();
    body.named_children(&mut c).collect()
}

fn read_class(node: Node, name: &str, file: &Path, src: &str) -> ClassFacts {
    let superclass = node
        .child_by_field_name("superclass")
        .and_then(|s| s.named_child(0))
        .map(|s| txt(s, src).to_string());
    let mut facts = ClassFacts {
        name: name.to_string(),
        superclass,
        file: file.to_path_buf(),
        ..Default::default()
    };
    let mut public = true;
    for stmt in body_statements(node) {
        match stmt.kind() {
            "method" => facts.methods.push(method_facts(stmt, public, src)),
            "identifier" => match txt(stmt, src) {
                "private" | "protected" => public = false,
                "public" => public = true,
                other => facts.class_calls.push(ClassCall {
                    name: other.to_string(),
                    symbols: vec![],
                    only: None,
                    except: None,
                }),
            },
            "call" if stmt.child_by_field_name("receiver").is_none() => {
                let m = stmt
                    .child_by_field_name("method")
                    .map(|m| txt(m, src))
                    .unwrap_or("");
                let (syms, only, except) = call_args(stmt, src);
                if CALLBACK_ADD.contains(&m) || CALLBACK_SKIP.contains(&m) {
                    facts.callbacks.push(Callback {
                        add: CALLBACK_ADD.contains(&m),
                        names: syms,
                        only,
                        except,
                    });
                } else if m == "with_options" {
                    // `with_options only: :x do before_action :a end`: the options apply to
                    // every callback inside.
                    if let Some(block) = stmt.child_by_field_name("block") {
                        for inner in block_statements(block) {
                            let im = inner
                                .child_by_field_name("method")
                                .map(|m| txt(m, src))
                                .unwrap_or("");
                            if CALLBACK_ADD.contains(&im) || CALLBACK_SKIP.contains(&im) {
                                let (names, i_only, i_except) = call_args(inner, src);
                                facts.callbacks.push(Callback {
                                    add: CALLBACK_ADD.contains(&im),
                                    names,
                                    only: i_only.or_else(|| only.clone()),
                                    except: i_except.or_else(|| except.clone()),
                                });
                            }
                        }
                    }
                } else if m == "include" {
                    if let Some(args) = stmt.child_by_field_name("arguments") {
                        let mut c = args.walk();
                        facts
                            .includes
                            .extend(args.named_children(&mut c).map(|a| txt(a, src).to_string()));
                    }
                } else if matches!(m, "private" | "protected") {
                    // `private def x … end`
                    if let Some(args) = stmt.child_by_field_name("arguments") {
                        let mut c = args.walk();
                        for a in args.named_children(&mut c).filter(|a| a.kind() == "method") {
                            facts.methods.push(method_facts(a, false, src));
                        }
                    }
                } else {
                    facts.class_calls.push(ClassCall {
                        name: m.to_string(),
                        symbols: syms,
                        only,
                        except,
                    });
                }
            }
            _ => {}
        }
    }
    facts
}

fn method_facts(node: Node, public: bool, src: &str) -> MethodFacts {
    MethodFacts {
        name: node
            .child_by_field_name("name")
            .map(|n| txt(n, src).to_string())
            .unwrap_or_default(),
        public,
        body: txt(node, src).to_string(),
    }
}

fn read_concern(node: Node, name: &str, src: &str) -> ConcernFacts {
    let mut facts = ConcernFacts {
        name: name.to_string(),
        ..Default::default()
    };
    for stmt in body_statements(node) {
        match stmt.kind() {
            "method" => facts.methods.push(method_facts(stmt, true, src)),
            "call" => {
                let m = stmt
                    .child_by_field_name("method")
                    .map(|m| txt(m, src))
                    .unwrap_or("");
                let block = stmt.child_by_field_name("block");
                match (m, block) {
                    ("included", Some(b)) => {
                        for inner in block_statements(b) {
                            if inner.kind() == "call" {
                                let im = inner
                                    .child_by_field_name("method")
                                    .map(|m| txt(m, src))
                                    .unwrap_or("");
                                if CALLBACK_ADD.contains(&im) || CALLBACK_SKIP.contains(&im) {
                                    let (syms, only, except) = call_args(inner, src);
                                    facts.callbacks.push(Callback {
                                        add: CALLBACK_ADD.contains(&im),
                                        names: syms,
                                        only,
                                        except,
                                    });
                                }
                            }
                        }
                    }
                    ("class_methods", Some(b)) => {
                        for def in block_statements(b)
                            .into_iter()
                            .filter(|d| d.kind() == "method")
                        {
                            let def_name = def
                                .child_by_field_name("name")
                                .map(|n| txt(n, src).to_string())
                                .unwrap_or_default();
                            let mut skipped = Vec::new();
                            for inner in body_statements(def) {
                                if inner.kind() == "call"
                                    && inner
                                        .child_by_field_name("method")
                                        .is_some_and(|m| CALLBACK_SKIP.contains(&txt(m, src)))
                                {
                                    skipped.extend(call_args(inner, src).0);
                                }
                            }
                            if !skipped.is_empty() {
                                facts.skip_macros.insert(def_name, skipped);
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    facts
}

fn block_statements(block: Node) -> Vec<Node> {
    let body = block.child_by_field_name("body").or_else(|| {
        let mut c = block.walk();
        let found = block
            .named_children(&mut c)
            .find(|n| matches!(n.kind(), "body_statement" | "block_body"));
        found
    });
    match body {
        Some(b) => {
            let mut c = b.walk();
            b.named_children(&mut c).collect()
        }
        None => vec![],
    }
}

/// Receivers of `X.use …` and `X.middleware.use …`: Rack apps wrapped in (authentication) middleware.
fn middleware_receivers(root: Node, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "call"
            && n.child_by_field_name("method")
                .is_some_and(|m| txt(m, src) == "use")
        {
            if let Some(recv) = n.child_by_field_name("receiver") {
                let r = txt(recv, src)
                    .trim_end_matches(".middleware")
                    .trim_start_matches("::")
                    .to_string();
                out.push(r);
            }
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    out
}

/// `create_table "documents" do |t| t.bigint "user_id" … end` → documents: [user_id, …].
fn parse_schema(root: Node, src: &str) -> BTreeMap<String, Vec<String>> {
    let mut tables = BTreeMap::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "call"
            && n.child_by_field_name("method")
                .is_some_and(|m| txt(m, src) == "create_table")
        {
            let (syms, _, _) = call_args(n, src);
            if let (Some(table), Some(block)) = (syms.first(), n.child_by_field_name("block")) {
                let mut columns = Vec::new();
                for stmt in block_statements(block) {
                    if stmt.kind() == "call" {
                        let m = stmt
                            .child_by_field_name("method")
                            .map(|m| txt(m, src))
                            .unwrap_or("");
                        let (names, _, _) = call_args(stmt, src);
                        match m {
                            "references" | "belongs_to" => {
                                columns.extend(names.iter().map(|c| format!("{c}_id")))
                            }
                            "index" => {}
                            _ => columns.extend(names.first().cloned()),
                        }
                    }
                }
                tables.insert(table.clone(), columns);
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    tables
}

/// `Document` → `documents`, `Admin::Category` → `categories`, `Person` stays naive (`persons`).
pub fn table_name(model: &str) -> String {
    let base = model.rsplit("::").next().unwrap_or(model);
    let mut snake = String::new();
    for (i, ch) in base.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                snake.push('_');
            }
            snake.push(ch.to_ascii_lowercase());
        } else {
            snake.push(ch);
        }
    }
    if let Some(stem) = snake
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u']))
    {
        format!("{stem}ies")
    } else if snake.ends_with('s')
        || snake.ends_with('x')
        || snake.ends_with("ch")
        || snake.ends_with("sh")
    {
        format!("{snake}es")
    } else {
        format!("{snake}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(files: &[(&str, &str)]) -> (tempfile::TempDir, RailsApp) {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = Vec::new();
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, body).unwrap();
            paths.push(path);
        }
        let refs: Vec<&PathBuf> = paths.iter().collect();
        let root = dir.path().to_path_buf();
        let a = RailsApp::build(&root, &refs, Duration::from_secs(5));
        (dir, a)
    }

    const BASE: &str =
        "class ApplicationController < ActionController::Base\n  include Authentication\nend\n";
    const AUTH: &str = "module Authentication\n  extend ActiveSupport::Concern\n  included do\n    before_action :require_authentication\n  end\n  class_methods do\n    def allow_unauthenticated_access(**options)\n      skip_before_action :require_authentication, **options\n    end\n  end\n  private\n  def require_authentication\n    resume_session || request_authentication\n  end\nend\n";

    #[test]
    fn callback_chains_follow_inheritance_concerns_and_skips() {
        let docs = "module Admin\n  class DocumentsController < ApplicationController\n    allow_unauthenticated_access only: :show\n    before_action :set_document, only: %i[show update]\n\n    def show; end\n    def update; end\n\n    private\n\n    def set_document\n      @document = Document.find(params[:id])\n    end\n  end\nend\n";
        let (_d, a) = app(&[
            ("app/controllers/application_controller.rb", BASE),
            ("app/controllers/concerns/authentication.rb", AUTH),
            ("app/controllers/admin/documents_controller.rb", docs),
        ]);
        let c = a.class("Admin::DocumentsController").expect("class found");
        assert_eq!(a.before_callbacks(c, "show"), vec!["set_document"]);
        assert_eq!(
            a.before_callbacks(c, "update"),
            vec!["require_authentication", "set_document"]
        );
        let show = a.entry_point(c, "show", "");
        assert!(!show.authenticated && !show.authorized);
        let update = a.entry_point(c, "update", "");
        assert!(update.authenticated && !update.authorized);
    }

    /// Auditing one controller reads its callback chain, not every controller or the schema.
    #[test]
    fn reads_only_the_controller_chain() {
        let docs = "class DocumentsController < ApplicationController\n  before_action :set_document\n  def show; end\n  private\n  def set_document; end\nend\n";
        let others: Vec<(String, String)> = (0..20)
            .map(|i| {
                (
                    format!("app/controllers/other{i}_controller.rb"),
                    format!(
                        "class Other{i}Controller < ApplicationController\n  def index; end\nend\n"
                    ),
                )
            })
            .collect();
        let mut files = vec![
            ("app/controllers/application_controller.rb", BASE),
            ("app/controllers/concerns/authentication.rb", AUTH),
            ("app/controllers/documents_controller.rb", docs),
            (
                "db/schema.rb",
                "ActiveRecord::Schema[8.0].define(version: 1) do\nend\n",
            ),
        ];
        files.extend(others.iter().map(|(p, b)| (p.as_str(), b.as_str())));
        let (_d, a) = app(&files);
        assert_eq!(a.controllers_read(), 0, "building reads nothing");
        let c = a.class("DocumentsController").expect("class found");
        assert_eq!(
            a.before_callbacks(c, "show"),
            vec!["require_authentication", "set_document"]
        );
        assert!(a.entry_point(c, "show", "").authenticated);
        assert_eq!(
            a.controllers_read(),
            3,
            "the class, its parent, the concern"
        );
        assert!(!a.schema_read());
    }

    #[test]
    fn authorization_evidence() {
        let pundit = "class ProjectsController < ApplicationController\n  before_action :authenticate_user!\n  after_action :verify_authorized\n  def show; end\nend\n";
        let cancan = "class TasksController < ApplicationController\n  before_action :authenticate_user!\n  load_and_authorize_resource\n  def show; end\nend\n";
        let inline = "class NotesController < ApplicationController\n  before_action :authenticate_user!\n  def show\n    @note = Note.find(params[:id])\n    head :forbidden unless @note.user_id == current_user.id\n  end\n  def edit\n    @note = Note.find(params[:id])\n  end\nend\n";
        let (_d, a) = app(&[
            (
                "app/controllers/application_controller.rb",
                "class ApplicationController < ActionController::Base\nend\n",
            ),
            ("app/controllers/projects_controller.rb", pundit),
            ("app/controllers/tasks_controller.rb", cancan),
            ("app/controllers/notes_controller.rb", inline),
        ]);
        for (c, action, want) in [
            ("ProjectsController", "show", true),
            ("TasksController", "show", true),
            ("NotesController", "show", true),
            ("NotesController", "edit", false),
        ] {
            let class = a.class(c).unwrap();
            let ep = a.entry_point(class, action, "");
            assert!(ep.authenticated, "{c}#{action} authenticated");
            assert_eq!(ep.authorized, want, "{c}#{action} authorized");
        }
    }

    #[test]
    fn routes_name_actions_and_may_authenticate_them() {
        let c = "class ReportsController < ApplicationController\n  with_options only: :ack do\n    before_action :verify_slack_signature\n  end\n  def archive; end\n  def share; end\n  def ack; end\n  def orphan; end\nend\n";
        let routes = "Rails.application.routes.draw do\n  resources :reports, only: [] do\n    post :archive, on: :member\n  end\n  authenticate :user do\n    post 'reports/:id/share', to: 'reports#share'\n  end\n  post 'slack/ack', to: 'reports#ack'\nend\n";
        let (_d, a) = app(&[
            ("app/controllers/reports_controller.rb", c),
            ("config/routes.rb", routes),
        ]);
        let class = a.class("ReportsController").unwrap();
        let ep = |action: &str| a.entry_point(class, action, "");
        assert_eq!(
            ep("archive").name,
            "ReportsController#archive (POST /reports/:id/archive)"
        );
        assert!(!ep("archive").authenticated);
        assert!(ep("share").authenticated, "inside `authenticate :user do`");
        assert!(ep("ack").authenticated_otherwise, "a signature check");
        assert!(!ep("archive").authenticated_otherwise);
        assert_eq!(ep("orphan").name, "ReportsController#orphan");
    }

    #[test]
    fn schema_and_table_names() {
        let schema = "ActiveRecord::Schema[8.0].define(version: 1) do\n  create_table \"documents\", force: :cascade do |t|\n    t.string \"title\"\n    t.references :user, null: false\n  end\n  create_table \"plans\" do |t|\n    t.string \"name\"\n  end\nend\n";
        let (_d, a) = app(&[("db/schema.rb", schema)]);
        assert!(!a.is_public_model("Document"));
        assert!(a.is_public_model("Plan"));
        assert!(!a.is_public_model("Unknown"));
        assert_eq!(table_name("Category"), "categories");
        assert_eq!(table_name("Admin::UserSession"), "user_sessions");
        assert_eq!(table_name("Box"), "boxes");
        assert_eq!(table_name("Day"), "days");
    }
}
