//! `config/routes.rb`: which controller actions a request can reach, with which verbs and paths,
//! and whether the route itself requires a signed-in user (Devise's `authenticate :user do` /
//! `authenticated :user do`, or a `constraints` lambda that asks Warden or the session).
//!
//! Understood: `resources`/`resource` (with `only:`/`except:`/`controller:`/`path:`/`module:`,
//! nested, `member`/`collection` blocks and `on:`), `namespace`, `scope` (a path, `path:`,
//! `module:`), `controller :x do`, the verbs `get`/`post`/`put`/`patch`/`delete`/`match` (`to:`,
//! `"path" => "c#a"`, `controller:`/`action:`, `via:`), `root`, and `draw :name` files under
//! `config/routes/`. Other DSL calls (`concern`, `direct`, engines' own routes) are not followed:
//! an action no route reaches is described without one, as when there is no routes file.

use std::path::Path;
use std::time::Duration;

use tree_sitter::Node;

use crate::analyze::parse;
use crate::lang::Lang;

/// One route to a controller action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `GET`, `POST`, `PATCH|PUT` …
    pub verb: String,
    pub path: String,
    /// The controller class, `Admin::UsersController`.
    pub controller: String,
    pub action: String,
    /// Inside an `authenticate`/`authenticated` block or an authenticating `constraints`.
    pub authenticated: bool,
}

impl Route {
    /// `POST /projects/:id/archive`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.verb, self.path)
    }

    /// Does this route change data (POST, PUT, PATCH, DELETE)?
    pub fn mutates(&self) -> bool {
        self.verb
            .split('|')
            .all(|v| matches!(v, "POST" | "PUT" | "PATCH" | "DELETE"))
    }
}

/// Where a call sits: the path and module prefixes, the enclosing resource, the default
/// controller, and whether the routes inside require a user.
#[derive(Clone, Default)]
struct Scope {
    path: String,
    modules: Vec<String>,
    controller: Option<String>,
    resource: Option<Resource>,
    /// Inside `member do` / `collection do` of the enclosing resource.
    on: Option<On>,
    authenticated: bool,
    /// The path before any resource nesting (namespaces and scopes only), and whether nested
    /// resources are shallow (`shallow: true`, `shallow do`): their member routes live there.
    shallow_path: String,
    shallow: bool,
}

#[derive(Clone)]
struct Resource {
    /// Member routes hang here: `/projects` (plural, or `/documents` when shallow), `/profile`.
    base: String,
    /// Collection routes and nested resources hang here: `/projects`, `/projects/:project_id/documents`.
    collection: String,
    /// `projects` / `admin/profiles`, with the module.
    controller: String,
    singular: bool,
    /// `project` for nested routes (`/projects/:project_id/…`).
    param: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum On {
    Member,
    Collection,
}

/// How deep `draw :name` files may include each other (a loop stops here).
const MAX_DRAW_DEPTH: usize = 4;

/// Reads `config/routes.rb` of the app at `root` (and the files it draws).
pub fn read_routes(root: &Path, budget: Duration) -> Option<Vec<Route>> {
    let src = std::fs::read_to_string(root.join("config/routes.rb")).ok()?;
    let mut out = Vec::new();
    let mut reader = Reader {
        root,
        budget,
        out: &mut out,
    };
    reader.file(&src, &Scope::default(), 0);
    Some(out)
}

/// Routes in one routes file's source, with no `draw` files (for tests and snippets).
pub fn parse_routes(src: &str) -> Vec<Route> {
    let mut out = Vec::new();
    let mut reader = Reader {
        root: Path::new(""),
        budget: Duration::from_secs(5),
        out: &mut out,
    };
    reader.file(src, &Scope::default(), MAX_DRAW_DEPTH);
    out
}

struct Reader<'a> {
    root: &'a Path,
    budget: Duration,
    out: &'a mut Vec<Route>,
}

impl Reader<'_> {
    fn file(&mut self, src: &str, scope: &Scope, depth: usize) {
        if let Some(tree) = parse(Lang::Ruby, src, self.budget) {
            self.walk(tree.root_node(), src, scope, depth);
        }
    }

    /// Visits `node` and everything under it in source order, with an explicit stack so that
    /// deep nesting cannot overflow. A DSL call's block is visited under the scope it opens.
    fn walk(&mut self, node: Node, src: &str, scope: &Scope, depth: usize) {
        let mut stack: Vec<(Node, Scope)> = vec![(node, scope.clone())];
        while let Some((node, scope)) = stack.pop() {
            match node.kind() {
                "call" => {
                    if let Some(inner) = self.call(node, src, &scope, depth) {
                        if let Some(block) = node.child_by_field_name("block") {
                            stack.push((block, inner));
                        }
                    }
                }
                "lambda" | "string" | "comment" => {}
                _ => {
                    let mut c = node.walk();
                    let children: Vec<Node> = node.named_children(&mut c).collect();
                    stack.extend(children.into_iter().rev().map(|n| (n, scope.clone())));
                }
            }
        }
    }

    /// Records the routes of one DSL call; returns the scope for its block (`None`: skip it).
    fn call(&mut self, call: Node, src: &str, scope: &Scope, depth: usize) -> Option<Scope> {
        let method = call.child_by_field_name("method").map(|m| txt(m, src))?;
        let receiver = call.child_by_field_name("receiver");
        let args = Args::of(call, src);
        if receiver.is_some() {
            // `Rails.application.routes.draw do` and the like: only their blocks matter.
            return Some(scope.clone());
        }
        let mut inner = scope.clone();
        match method {
            "namespace" => {
                let name = args.first_name()?;
                let path = args.option("path").unwrap_or_else(|| name.clone());
                inner.path = join_path(&scope.path, &path);
                inner.shallow_path = inner.path.clone();
                inner.modules.push(args.option("module").unwrap_or(name));
                inner.resource = None;
                inner.on = None;
            }
            "scope" => {
                if let Some(path) = args.first_string().or_else(|| args.option("path")) {
                    inner.path = join_path(&scope.path, &path);
                    inner.shallow_path = join_path(&scope.shallow_path, &path);
                }
                if let Some(m) = args.option("module") {
                    inner.modules.push(m);
                }
                if let Some(c) = args.option("controller") {
                    inner.controller = Some(c);
                }
            }
            "controller" => inner.controller = Some(args.first_name()?),
            "authenticate" | "authenticated" => inner.authenticated = true,
            "constraints" => {
                let text = txt(call, src);
                let body = call
                    .child_by_field_name("block")
                    .map_or(text.len(), |b| b.start_byte() - call.start_byte());
                if authenticating_constraint(&text[..body.min(text.len())]) {
                    inner.authenticated = true;
                }
            }
            "shallow" => inner.shallow = true,
            "member" => inner.on = Some(On::Member),
            "collection" => inner.on = Some(On::Collection),
            "resources" | "resource" => {
                let singular = method == "resource";
                inner.shallow |= args.flag("shallow");
                for name in args.names() {
                    let res = self.resource(&name, singular, &args, scope);
                    // A block applies to the last resource named.
                    inner.resource = Some(res);
                    inner.on = None;
                }
                inner.path = match &inner.resource {
                    Some(r) if r.singular => r.base.clone(),
                    Some(r) => format!("{}/:{}_id", r.collection, r.param),
                    None => scope.path.clone(),
                };
            }
            "get" | "post" | "put" | "patch" | "delete" | "match" | "root" => {
                self.verb(method, &args, scope);
                return None;
            }
            "draw" => {
                if depth < MAX_DRAW_DEPTH {
                    if let Some(name) = args.first_name() {
                        let file = self.root.join("config/routes").join(format!("{name}.rb"));
                        if let Ok(text) = std::fs::read_to_string(file) {
                            self.file(&text, scope, depth + 1);
                        }
                    }
                }
                return None;
            }
            "mount" | "devise_for" | "devise_scope" | "concern" | "direct" | "resolve" => {
                return None
            }
            _ => {}
        }
        Some(inner)
    }

    /// Records a `resources`/`resource` call's seven (or six) actions and returns its context.
    fn resource(&mut self, name: &str, singular: bool, args: &Args, scope: &Scope) -> Resource {
        let path = args.option("path").unwrap_or_else(|| name.to_string());
        let base = join_path(&scope.path, &path);
        // Shallow nesting: member routes drop the parents (`/documents/:id`).
        let shallow = scope.shallow || args.flag("shallow");
        let member_base = if shallow && !singular {
            join_path(&scope.shallow_path, &path)
        } else {
            base.clone()
        };
        let own = args.option("controller").unwrap_or_else(|| {
            if singular {
                pluralize(name)
            } else {
                name.to_string()
            }
        });
        let mut modules = scope.modules.clone();
        if let Some(m) = args.option("module") {
            modules.push(m);
        }
        let controller = qualify(&modules, &own);
        let id = format!(":{}", args.option("param").unwrap_or_else(|| "id".into()));
        let actions: Vec<(&str, &str, String)> = if singular {
            vec![
                ("create", "POST", base.clone()),
                ("new", "GET", format!("{base}/new")),
                ("edit", "GET", format!("{base}/edit")),
                ("show", "GET", base.clone()),
                ("update", "PATCH|PUT", base.clone()),
                ("destroy", "DELETE", base.clone()),
            ]
        } else {
            vec![
                ("index", "GET", base.clone()),
                ("create", "POST", base.clone()),
                ("new", "GET", format!("{base}/new")),
                ("edit", "GET", format!("{member_base}/{id}/edit")),
                ("show", "GET", format!("{member_base}/{id}")),
                ("update", "PATCH|PUT", format!("{member_base}/{id}")),
                ("destroy", "DELETE", format!("{member_base}/{id}")),
            ]
        };
        let only = args.option_list("only");
        let except = args.option_list("except");
        for (action, verb, path) in actions {
            let wanted = only.as_ref().is_none_or(|o| o.iter().any(|a| a == action))
                && !except
                    .as_ref()
                    .is_some_and(|e| e.iter().any(|a| a == action));
            if wanted {
                self.push(verb, path, &controller, action, scope.authenticated);
            }
        }
        Resource {
            collection: base,
            base: member_base,
            controller: own_with_modules(&modules, &own),
            singular,
            param: singularize(name),
        }
    }

    /// Records a verb route: `post :archive` in a resource, `get "a/b", to: "c#d"`, `root "c#a"`.
    fn verb(&mut self, method: &str, args: &Args, scope: &Scope) {
        let verb = match method {
            "match" => {
                let via = args.option_list("via").unwrap_or_default();
                if via.is_empty() || via.iter().any(|v| v == "all") {
                    "ANY".to_string()
                } else {
                    via.iter()
                        .map(|v| v.to_uppercase())
                        .collect::<Vec<_>>()
                        .join("|")
                }
            }
            "root" => "GET".to_string(),
            other => other.to_uppercase(),
        };
        // The target: `to: "c#a"`, `"path" => "c#a"`, or `controller:`/`action:`.
        let target = args
            .option("to")
            .or_else(|| args.arrow_target())
            .or_else(|| {
                (method == "root")
                    .then(|| args.first_string())
                    .flatten()
                    .filter(|s| s.contains('#'))
            });
        let path_arg = if method == "root" {
            Some(String::new())
        } else {
            args.first_string()
                .or_else(|| args.arrow_path())
                .or_else(|| args.first_name())
        };
        let Some(path_arg) = path_arg else { return };
        let on = match args.option("on").as_deref() {
            Some("member") => Some(On::Member),
            Some("collection") => Some(On::Collection),
            _ => scope.on,
        };
        let (controller, action) = match target.as_deref().and_then(|t| t.split_once('#')) {
            Some((c, a)) => (qualify(&scope.modules, c), a.to_string()),
            None => {
                let action = args.option("action").unwrap_or_else(|| {
                    path_arg
                        .trim_matches('/')
                        .rsplit('/')
                        .next()
                        .unwrap_or("")
                        .to_string()
                });
                let own = args
                    .option("controller")
                    .or_else(|| scope.controller.clone())
                    .map(|c| qualify(&scope.modules, &c))
                    .or_else(|| scope.resource.as_ref().map(|r| qualify(&[], &r.controller)));
                let own = match own {
                    Some(c) => c,
                    // `get "pages/about"` → PagesController#about.
                    None => match path_arg.trim_matches('/').rsplit_once('/') {
                        Some((c, _)) => qualify(&scope.modules, c),
                        None => return,
                    },
                };
                (own, action)
            }
        };
        if action.is_empty() || action.contains(':') {
            return;
        }
        let path = match (&scope.resource, on) {
            (Some(r), Some(On::Member)) if !r.singular => {
                format!("{}/:id/{}", r.base, path_arg.trim_matches('/'))
            }
            (Some(r), Some(On::Member)) => format!("{}/{}", r.base, path_arg.trim_matches('/')),
            (Some(r), Some(_)) => format!("{}/{}", r.collection, path_arg.trim_matches('/')),
            _ => join_path(&scope.path, &path_arg),
        };
        self.push(&verb, path, &controller, &action, scope.authenticated);
    }

    fn push(&mut self, verb: &str, path: String, controller: &str, action: &str, authn: bool) {
        self.out.push(Route {
            verb: verb.to_string(),
            path: if path.is_empty() { "/".into() } else { path },
            controller: controller.to_string(),
            action: action.to_string(),
            authenticated: authn,
        });
    }
}

/// Does a `constraints` call's argument check a signed-in user (Warden, Devise, the session)?
fn authenticating_constraint(args: &str) -> bool {
    let a = args.to_ascii_lowercase();
    (a.contains("warden") && a.contains("authenticate"))
        || a.contains("user_signed_in")
        || a.contains("session[:user_id]")
        || a.contains("current_user")
        || a.contains("authenticatedconstraint")
        || a.contains("signedinconstraint")
}

/// The arguments of a DSL call, read loosely: names (`:x`, `"x"`), and `key: value` options.
struct Args<'a> {
    positional: Vec<Node<'a>>,
    pairs: Vec<(String, Node<'a>)>,
    /// `"path" => "c#a"`.
    arrow: Option<(String, String)>,
    src: &'a str,
}

impl<'a> Args<'a> {
    fn of(call: Node<'a>, src: &'a str) -> Args<'a> {
        let mut args = Args {
            positional: Vec::new(),
            pairs: Vec::new(),
            arrow: None,
            src,
        };
        let Some(list) = call.child_by_field_name("arguments") else {
            return args;
        };
        let mut c = list.walk();
        for a in list.named_children(&mut c) {
            match a.kind() {
                "pair" => args.pair(a),
                "hash" => {
                    let mut hc = a.walk();
                    for p in a.named_children(&mut hc).filter(|p| p.kind() == "pair") {
                        args.pair(p);
                    }
                }
                _ => args.positional.push(a),
            }
        }
        args
    }

    fn pair(&mut self, p: Node<'a>) {
        let (Some(k), Some(v)) = (p.child_by_field_name("key"), p.child_by_field_name("value"))
        else {
            return;
        };
        match k.kind() {
            "hash_key_symbol" | "simple_symbol" => {
                let key = txt(k, self.src).trim_start_matches(':').to_string();
                self.pairs.push((key, v));
            }
            "string" => {
                if let (Some(path), Some(target)) = (name_of(k, self.src), name_of(v, self.src)) {
                    self.arrow = Some((path, target));
                }
            }
            _ => {}
        }
    }

    fn names(&self) -> Vec<String> {
        self.positional
            .iter()
            .filter_map(|n| name_of(*n, self.src))
            .collect()
    }

    fn first_name(&self) -> Option<String> {
        self.positional.first().and_then(|n| name_of(*n, self.src))
    }

    fn first_string(&self) -> Option<String> {
        self.positional
            .first()
            .filter(|n| n.kind() == "string")
            .and_then(|n| name_of(*n, self.src))
    }

    fn option(&self, key: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| name_of(*v, self.src))
    }

    /// `shallow: true`.
    fn flag(&self, key: &str) -> bool {
        self.pairs
            .iter()
            .any(|(k, v)| k == key && txt(*v, self.src) == "true")
    }

    /// `only: [:index, :show]` or `only: :show`.
    fn option_list(&self, key: &str) -> Option<Vec<String>> {
        let (_, v) = self.pairs.iter().find(|(k, _)| k == key)?;
        if matches!(v.kind(), "array" | "symbol_array" | "string_array") {
            let mut c = v.walk();
            return Some(
                v.named_children(&mut c)
                    .filter_map(|n| name_of(n, self.src))
                    .collect(),
            );
        }
        name_of(*v, self.src).map(|n| vec![n])
    }

    fn arrow_path(&self) -> Option<String> {
        self.arrow.as_ref().map(|(p, _)| p.clone())
    }

    fn arrow_target(&self) -> Option<String> {
        self.arrow.as_ref().map(|(_, t)| t.clone())
    }
}

/// The name a symbol or a plain string spells (`:users`, `"users"`, `%i[…]` items); `None` for
/// interpolated strings and other expressions.
fn name_of(n: Node, src: &str) -> Option<String> {
    let t = txt(n, src);
    match n.kind() {
        "simple_symbol" => Some(t.trim_start_matches(':').to_string()),
        "bare_symbol" | "bare_string" => Some(t.to_string()),
        "string" | "delimited_symbol" => {
            let mut c = n.walk();
            let parts: Vec<Node> = n.named_children(&mut c).collect();
            match parts.as_slice() {
                [] => Some(String::new()),
                [p] if p.kind() == "string_content" => Some(txt(*p, src).to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

fn txt<'s>(n: Node, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

fn join_path(prefix: &str, part: &str) -> String {
    let part = part.trim_matches('/');
    if part.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}/{part}")
    }
}

/// `admin` + `users` → `Admin::UsersController`; a controller written with its own module
/// (`"admin/users#index"`) keeps it.
fn qualify(modules: &[String], controller: &str) -> String {
    let path = own_with_modules(modules, controller);
    let class: Vec<String> = path.split('/').map(camelize).collect();
    format!("{}Controller", class.join("::"))
}

fn own_with_modules(modules: &[String], controller: &str) -> String {
    let mut parts: Vec<&str> = modules.iter().map(String::as_str).collect();
    parts.push(controller);
    parts.join("/")
}

fn camelize(s: &str) -> String {
    s.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `projects` → `project`, `categories` → `category` (enough for route parameter names).
fn singularize(s: &str) -> String {
    if let Some(stem) = s.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "xes", "ches", "shes"]
        .iter()
        .any(|e| s.ends_with(e))
    {
        s[..s.len() - 2].to_string()
    } else if s.ends_with('s') && !s.ends_with("ss") {
        s[..s.len() - 1].to_string()
    } else {
        s.to_string()
    }
}

/// `profile` → `profiles` (a singular resource's controller is plural).
fn pluralize(s: &str) -> String {
    if s.ends_with("ss") || s.ends_with('x') || s.ends_with("ch") || s.ends_with("sh") {
        format!("{s}es")
    } else if s.ends_with('s') {
        // `resource :settings` → SettingsController.
        s.to_string()
    } else if s.ends_with('y') && !s.ends_with("ay") && !s.ends_with("ey") && !s.ends_with("oy") {
        format!("{}ies", &s[..s.len() - 1])
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(src: &str) -> Vec<String> {
        parse_routes(src)
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}#{}{}",
                    r.verb,
                    r.path,
                    r.controller,
                    r.action,
                    if r.authenticated { " (authn)" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn resources_nested_member_and_namespaces() {
        let r = routes(
            r#"Rails.application.routes.draw do
  namespace :admin do
    resources :users, only: [:index, :destroy]
  end
  resources :projects, only: %i[show update] do
    member do
      post :archive
    end
    get :search, on: :collection
    resources :documents, except: :index
  end
end"#,
        );
        assert_eq!(
            r,
            vec![
                "GET /admin/users Admin::UsersController#index",
                "DELETE /admin/users/:id Admin::UsersController#destroy",
                "GET /projects/:id ProjectsController#show",
                "PATCH|PUT /projects/:id ProjectsController#update",
                "POST /projects/:id/archive ProjectsController#archive",
                "GET /projects/search ProjectsController#search",
                "POST /projects/:project_id/documents DocumentsController#create",
                "GET /projects/:project_id/documents/new DocumentsController#new",
                "GET /projects/:project_id/documents/:id/edit DocumentsController#edit",
                "GET /projects/:project_id/documents/:id DocumentsController#show",
                "PATCH|PUT /projects/:project_id/documents/:id DocumentsController#update",
                "DELETE /projects/:project_id/documents/:id DocumentsController#destroy",
            ]
        );
    }

    #[test]
    fn verbs_singular_resources_scopes_and_authentication() {
        let r = routes(
            r#"Rails.application.routes.draw do
  root "home#index"
  post "checkout/success" => "billing#success"
  get "pages/about"
  match "hooks/:id", to: "hooks#receive", via: [:get, :post]
  scope "/api", module: :api do
    delete "sessions", to: "sessions#destroy"
  end
  controller :reports do
    patch :rebuild
  end
  authenticate :user, ->(u) { u.admin? } do
    resource :settings, only: :update
  end
  constraints ->(req) { req.env["warden"].authenticate? } do
    post "exports", to: "exports#create"
  end
  constraints subdomain: "app" do
    post "imports", to: "imports#create"
  end
  if Rails.env.development?
    get "dev/mail", to: "dev#mail"
  end
end"#,
        );
        assert_eq!(
            r,
            vec![
                "GET / HomeController#index",
                "POST /checkout/success BillingController#success",
                "GET /pages/about PagesController#about",
                "GET|POST /hooks/:id HooksController#receive",
                "DELETE /api/sessions Api::SessionsController#destroy",
                "PATCH /rebuild ReportsController#rebuild",
                "PATCH|PUT /settings SettingsController#update (authn)",
                "POST /exports ExportsController#create (authn)",
                "POST /imports ImportsController#create",
                "GET /dev/mail DevController#mail",
            ]
        );
        let shallow = routes(
            "resources :projects, only: [] do\n  resources :documents, shallow: true, only: %i[create destroy]\nend",
        );
        assert_eq!(
            shallow,
            vec![
                "POST /projects/:project_id/documents DocumentsController#create",
                "DELETE /documents/:id DocumentsController#destroy",
            ]
        );
        assert!(parse_routes("post 'a', to: 'b#c'")[0].mutates());
        assert!(!parse_routes("match 'a', to: 'b#c', via: :all")[0].mutates());
    }

    #[test]
    fn draw_reads_included_files_in_scope() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("config/routes")).unwrap();
        std::fs::write(
            dir.path().join("config/routes.rb"),
            "Rails.application.routes.draw do\n  namespace :admin do\n    draw :admin\n  end\n  draw :admin_loop\nend\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config/routes/admin.rb"),
            "resources :plans, only: :create\n",
        )
        .unwrap();
        // A file that draws itself stops at the depth limit.
        std::fs::write(
            dir.path().join("config/routes/admin_loop.rb"),
            "draw :admin_loop\n",
        )
        .unwrap();
        let r = read_routes(dir.path(), Duration::from_secs(5)).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].describe(), "POST /admin/plans");
        assert_eq!(r[0].controller, "Admin::PlansController");
        assert!(read_routes(&dir.path().join("nope"), Duration::from_secs(5)).is_none());
    }
}
