//! Laravel route files: `Route::get/post/…`, `Route::match/any`, `Route::resource/apiResource`,
//! groups (`Route::middleware('auth')->prefix('admin')->group(function () { … })`, the older
//! `Route::group(['middleware' => …], …)`, `Route::controller(X::class)->group(…)`), chained
//! modifiers (`->middleware()`, `->withoutMiddleware()`, `->can()`, `->scopeBindings()`,
//! `->only()`/`->except()`) and route files included from others (`require __DIR__.'/auth.php'`,
//! `->group(base_path('routes/admin.php'))`, a provider's `$this->loadRoutesFrom(…)`, or a method
//! that does one of these, such as a package's `Wave::routes()`), which inherit the group around
//! the inclusion.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tree_sitter::Node;

use super::{php_uses, resolve_name, string_value, txt};
use crate::analyze::parse;
use crate::lang::Lang;

/// What a route runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteAction {
    /// A controller method; the class as the route file names it, resolved through its `use`s.
    Controller { class: String, method: String },
    /// A closure in the route file, by the byte offset where it starts.
    Closure { start_byte: usize },
}

/// One route, after its groups are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub verbs: Vec<String>,
    /// The URI with its group prefixes, starting with `/`.
    pub uri: String,
    pub action: RouteAction,
    /// Middleware from the groups around it and its own, minus `withoutMiddleware`.
    pub middleware: Vec<String>,
    /// `->can(…)` on the route or a group, or `->scopeBindings()`.
    pub authorizes: bool,
    /// The route file that defines it.
    pub file: PathBuf,
}

/// The attributes a group gives the routes inside it.
#[derive(Debug, Clone, Default)]
struct Ctx {
    middleware: Vec<String>,
    /// `'namespace' => 'App\\Http\\Controllers\\Api'` of older groups, for `'X@y'` actions.
    namespace: String,
    without: Vec<String>,
    prefix: String,
    controller: Option<String>,
    authorizes: bool,
}

const VERBS: [&str; 6] = ["get", "post", "put", "patch", "delete", "options"];
/// How deep route files may include each other (and groups nest) before we stop following.
const MAX_DEPTH: usize = 16;

/// Where route definitions come from, besides the route files themselves.
#[derive(Debug, Default)]
pub struct Sources {
    /// Methods that load route files, by `(class short name, method)` → the file defining them:
    /// a route file's `Wave::routes()` runs that method's body with the caller's group around it.
    pub loaders: BTreeMap<(String, String), PathBuf>,
    /// The files an inclusion may read (the model's inputs, so that the audit cache knows every
    /// file the routes came from); `None` allows any file.
    pub allowed: Option<BTreeSet<PathBuf>>,
}

/// Reads route definitions from `files` (route files and the providers/bootstrap files that load
/// them). Files that another one includes are read with the includer's group around them, once.
pub fn read_routes(
    root: &Path,
    files: &[PathBuf],
    sources: &Sources,
    budget: Duration,
) -> Vec<Route> {
    let mut reader = Reader {
        root: root.to_path_buf(),
        budget,
        by_top: BTreeMap::new(),
        included: BTreeSet::new(),
        sources,
    };
    for f in files {
        let mut out = Vec::new();
        let mut stack = vec![f.clone()];
        reader.read_file(f, None, &Ctx::default(), &mut out, 0, &mut stack);
        reader.by_top.insert(f.clone(), out);
    }
    let included = reader.included.clone();
    reader
        .by_top
        .into_iter()
        .filter(|(f, _)| !included.contains(f))
        .flat_map(|(_, routes)| routes)
        .collect()
}

struct Reader<'s> {
    root: PathBuf,
    budget: Duration,
    by_top: BTreeMap<PathBuf, Vec<Route>>,
    included: BTreeSet<PathBuf>,
    sources: &'s Sources,
}

impl Reader<'_> {
    /// Reads `file`, or only the body of `method` in it (a route loader), with `ctx` around it.
    fn read_file(
        &mut self,
        file: &Path,
        method: Option<&str>,
        ctx: &Ctx,
        out: &mut Vec<Route>,
        depth: usize,
        stack: &mut Vec<PathBuf>,
    ) {
        let Ok(src) = std::fs::read_to_string(file) else {
            return;
        };
        let Some(tree) = parse(Lang::Php, &src, self.budget) else {
            return;
        };
        let uses = php_uses(tree.root_node(), &src);
        let start = match method {
            None => Some(tree.root_node()),
            Some(name) => find_method(tree.root_node(), &src, name),
        };
        let Some(start) = start else {
            return;
        };
        let mut w = Walk {
            reader: self,
            file,
            src: &src,
            uses: &uses,
            out,
            stack,
        };
        w.walk(start, ctx, depth);
    }
}

/// The body of the first method called `name` in the file.
fn find_method<'t>(root: Node<'t>, src: &str, name: &str) -> Option<Node<'t>> {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "method_declaration"
            && n.child_by_field_name("name")
                .is_some_and(|m| txt(m, src) == name)
        {
            return n.child_by_field_name("body");
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c).filter(|k| {
            matches!(
                k.kind(),
                "program"
                    | "class_declaration"
                    | "declaration_list"
                    | "namespace_definition"
                    | "compound_statement"
                    | "method_declaration"
            )
        }));
    }
    None
}

struct Walk<'a, 'r, 's> {
    reader: &'r mut Reader<'s>,
    file: &'a Path,
    src: &'a str,
    uses: &'a BTreeMap<String, String>,
    out: &'a mut Vec<Route>,
    stack: &'a mut Vec<PathBuf>,
}

impl Walk<'_, '_, '_> {
    /// Visits `node`'s subtree, turning route chains and inclusions into routes.
    fn walk(&mut self, node: Node, ctx: &Ctx, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut todo = vec![node];
        while let Some(n) = todo.pop() {
            match n.kind() {
                "member_call_expression" | "scoped_call_expression" => {
                    if let Some(calls) = route_chain(n, self.src) {
                        self.chain(&calls, ctx, depth);
                        continue;
                    }
                    let name = n.child_by_field_name("name").map(|m| txt(m, self.src));
                    // A service provider's `$this->loadRoutesFrom(__DIR__.'/../routes/x.php')`.
                    if n.kind() == "member_call_expression" && name == Some("loadRoutesFrom") {
                        if let Some(arg) = n
                            .child_by_field_name("arguments")
                            .and_then(|a| arguments(a).first().copied())
                        {
                            self.include(arg, ctx, depth);
                        }
                        continue;
                    }
                    if n.kind() == "scoped_call_expression" {
                        if let (Some(scope), Some(method)) = (n.child_by_field_name("scope"), name)
                        {
                            self.loader(txt(scope, self.src), method, ctx, depth);
                        }
                    }
                    if n.kind() == "member_call_expression" && name == Some("withRouting") {
                        self.with_routing(n, ctx, depth);
                        if let Some(obj) = n.child_by_field_name("object") {
                            todo.push(obj);
                        }
                        continue;
                    }
                }
                // A route loader's body runs when a route file calls it, with the caller's group.
                "method_declaration"
                    if n.child_by_field_name("name").is_some_and(|m| {
                        let m = txt(m, self.src);
                        self.reader
                            .sources
                            .loaders
                            .iter()
                            .any(|((_, lm), f)| lm == m && f == self.file)
                    }) =>
                {
                    continue;
                }
                "require_expression"
                | "require_once_expression"
                | "include_expression"
                | "include_once_expression" => {
                    if let Some(arg) = n.named_child(0) {
                        self.include(arg, ctx, depth);
                    }
                    continue;
                }
                _ => {}
            }
            let mut c = n.walk();
            let children: Vec<Node> = n.named_children(&mut c).collect();
            todo.extend(children.into_iter().rev());
        }
    }

    /// Laravel 11's `->withRouting(web: …, api: …)`: the framework wraps `web` files in the `web`
    /// middleware group and `api` files in the `api` group under the `/api` prefix.
    fn with_routing(&mut self, call: Node, ctx: &Ctx, depth: usize) {
        let Some(args) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut c = args.walk();
        let list: Vec<Node> = args.named_children(&mut c).collect();
        for a in list {
            let Some(value) = a.named_child(a.named_child_count().saturating_sub(1)) else {
                continue;
            };
            let key = a.child_by_field_name("name").map(|k| txt(k, self.src));
            let mut inner = ctx.clone();
            match key {
                Some("web") => inner.middleware.push("web".into()),
                Some("api") => {
                    inner.middleware.push("api".into());
                    inner.prefix = join_uri(&inner.prefix, "api");
                }
                Some("commands" | "channels" | "health" | "pages") => continue,
                _ => {
                    self.walk(value, ctx, depth + 1);
                    continue;
                }
            }
            let targets: Vec<Node> = if value.kind() == "array_creation_expression" {
                array_items(value).into_iter().map(|(_, v)| v).collect()
            } else {
                vec![value]
            };
            for t in targets {
                self.include(t, &inner, depth);
            }
        }
    }

    /// Follows an inclusion of another route file (`__DIR__.'/auth.php'`, `base_path('routes/x.php')`).
    fn include(&mut self, arg: Node, ctx: &Ctx, depth: usize) {
        let Some(path) = self.include_path(arg) else {
            return;
        };
        let Ok(path) = crate::paths::absolute(&path) else {
            return;
        };
        let path = normalize(&path);
        if !path.is_file()
            || self.stack.contains(&path)
            || depth >= MAX_DEPTH
            || self
                .reader
                .sources
                .allowed
                .as_ref()
                .is_some_and(|a| !a.contains(&path))
        {
            return;
        }
        self.reader.included.insert(path.clone());
        self.stack.push(path.clone());
        self.reader
            .read_file(&path, None, ctx, self.out, depth + 1, self.stack);
        self.stack.pop();
    }

    /// `Wave::routes()` in a route file: runs the body of a method the app defines that loads
    /// route files, with the group around the call.
    fn loader(&mut self, scope: &str, method: &str, ctx: &Ctx, depth: usize) {
        let class = resolve_name(scope, self.uses, "");
        let key = (super::short_name(&class).to_string(), method.to_string());
        let Some(file) = self.reader.sources.loaders.get(&key).cloned() else {
            return;
        };
        let marker = file.join(format!("::{method}"));
        if self.stack.contains(&marker) || depth >= MAX_DEPTH {
            return;
        }
        self.stack.push(marker);
        self.reader
            .read_file(&file, Some(method), ctx, self.out, depth + 1, self.stack);
        self.stack.pop();
    }

    fn include_path(&self, arg: Node) -> Option<PathBuf> {
        let dir = self.file.parent()?;
        let mut arg = arg;
        while arg.kind() == "parenthesized_expression" {
            arg = arg.named_child(0)?;
        }
        match arg.kind() {
            "binary_expression" => {
                let left = arg.child_by_field_name("left")?;
                let right = arg.child_by_field_name("right")?;
                let rest = string_value(right, self.src)?;
                match txt(left, self.src) {
                    "__DIR__" => Some(dir.join(rest.trim_start_matches('/'))),
                    "base_path()" => Some(self.reader.root.join(rest.trim_start_matches('/'))),
                    _ => None,
                }
            }
            "function_call_expression" => {
                let f = txt(arg.child_by_field_name("function")?, self.src);
                let a = arg
                    .child_by_field_name("arguments")?
                    .named_child(0)?
                    .named_child(0)?;
                let rel = string_value(a, self.src)?;
                let rel = rel.trim_start_matches('/');
                match f.trim_start_matches('\\') {
                    "base_path" => Some(self.reader.root.join(rel)),
                    "app_path" => Some(self.reader.root.join("app").join(rel)),
                    _ => None,
                }
            }
            "string" | "encapsed_string" => {
                let s = string_value(arg, self.src)?;
                Some(if Path::new(&s).is_absolute() {
                    PathBuf::from(s)
                } else {
                    dir.join(s)
                })
            }
            _ => None,
        }
    }

    /// One `Route::…->…->…` chain, innermost call first.
    fn chain(&mut self, calls: &[(String, Option<Node>)], ctx: &Ctx, depth: usize) {
        let mut inner = ctx.clone();
        let mut defining: Option<(String, Node)> = None;
        let mut only: Option<Vec<String>> = None;
        let mut except: Option<Vec<String>> = None;
        let mut own_middleware = Vec::new();
        let mut own_without = Vec::new();
        let mut own_authorizes = false;
        for (name, args) in calls {
            let args_list = args.map(|a| arguments(a)).unwrap_or_default();
            match name.as_str() {
                "middleware" => {
                    let m = strings_in(&args_list, self.src);
                    if defining.is_some() {
                        own_middleware.extend(m);
                    } else {
                        inner.middleware.extend(m);
                    }
                }
                "withoutMiddleware" => {
                    let m = strings_in(&args_list, self.src);
                    if defining.is_some() {
                        own_without.extend(m);
                    } else {
                        inner.without.extend(m);
                    }
                }
                "prefix" => {
                    if let Some(p) = args_list.first().and_then(|a| string_value(*a, self.src)) {
                        inner.prefix = join_uri(&inner.prefix, &p);
                    }
                }
                "namespace" => {
                    if let Some(ns) = args_list.first().and_then(|a| string_value(*a, self.src)) {
                        inner.namespace = join_namespace(&inner.namespace, &ns);
                    }
                }
                "controller" => {
                    if let Some(a) = args_list.first() {
                        inner.controller = class_ref(*a, self.src, self.uses);
                    }
                }
                "can" | "scopeBindings" => {
                    if defining.is_some() {
                        own_authorizes = true;
                    } else {
                        inner.authorizes = true;
                    }
                }
                "only" => only = Some(strings_in(&args_list, self.src)),
                "except" => except = Some(strings_in(&args_list, self.src)),
                "group" => {
                    // `Route::group(['middleware' => 'auth', 'prefix' => 'x'], function () {…})`
                    for a in &args_list {
                        if a.kind() == "array_creation_expression" {
                            self.array_attributes(*a, &mut inner);
                        }
                    }
                    for a in &args_list {
                        match a.kind() {
                            "anonymous_function" | "arrow_function" => {
                                if let Some(body) = a.child_by_field_name("body") {
                                    self.walk(body, &inner, depth + 1);
                                }
                            }
                            "array_creation_expression" => {}
                            _ => self.include(*a, &inner, depth),
                        }
                    }
                    return;
                }
                n if is_defining(n) && defining.is_none() => {
                    if let Some(a) = args {
                        defining = Some((n.to_string(), *a));
                    }
                }
                _ => {}
            }
        }
        let Some((def, args)) = defining else {
            return;
        };
        let mut route_ctx = inner;
        route_ctx.middleware.extend(own_middleware);
        route_ctx.without.extend(own_without);
        route_ctx.authorizes |= own_authorizes;
        let args = arguments(args);
        match def.as_str() {
            "resource" | "apiResource" => {
                let (Some(name), Some(class)) = (
                    args.first().and_then(|a| string_value(*a, self.src)),
                    args.get(1).and_then(|a| class_ref(*a, self.src, self.uses)),
                ) else {
                    return;
                };
                for (method, verbs, suffix) in resource_methods(def == "apiResource") {
                    if only
                        .as_ref()
                        .is_some_and(|o| !o.iter().any(|x| x == method))
                        || except
                            .as_ref()
                            .is_some_and(|e| e.iter().any(|x| x == method))
                    {
                        continue;
                    }
                    let uri = join_uri(&route_ctx.prefix, &resource_uri(&name, suffix));
                    self.push(
                        verbs.iter().map(|v| v.to_string()).collect(),
                        uri,
                        RouteAction::Controller {
                            class: class.clone(),
                            method: method.to_string(),
                        },
                        &route_ctx,
                    );
                }
            }
            verb => {
                let (verbs, uri_arg, action_arg) = match verb {
                    "match" => {
                        let verbs = args
                            .first()
                            .map(|a| strings_in(&[*a], self.src))
                            .unwrap_or_default()
                            .into_iter()
                            .map(|v| v.to_ascii_uppercase())
                            .collect();
                        (verbs, args.get(1), args.get(2))
                    }
                    "any" => (
                        VERBS.iter().map(|v| v.to_ascii_uppercase()).collect(),
                        args.first(),
                        args.get(1),
                    ),
                    v => (vec![v.to_ascii_uppercase()], args.first(), args.get(1)),
                };
                let Some(uri) = uri_arg.and_then(|a| string_value(*a, self.src)) else {
                    return;
                };
                let uri = join_uri(&route_ctx.prefix, &uri);
                let Some(action_node) = action_arg else {
                    // `Route::get('/x')->uses(...)` and friends: not modelled.
                    return;
                };
                if let Some(action) = self.action(*action_node, &mut route_ctx) {
                    self.push(verbs, uri, action, &route_ctx);
                }
            }
        }
    }

    fn push(&mut self, verbs: Vec<String>, uri: String, action: RouteAction, ctx: &Ctx) {
        let middleware = ctx
            .middleware
            .iter()
            .filter(|m| !ctx.without.contains(m))
            .cloned()
            .collect();
        self.out.push(Route {
            verbs,
            uri,
            action,
            middleware,
            authorizes: ctx.authorizes,
            file: self.file.to_path_buf(),
        });
    }

    /// `[X::class, 'm']`, `X::class` (invokable), `'X@m'`, `'m'` in a controller group, a closure,
    /// or the old `['uses' => 'X@m', 'middleware' => …]` array.
    fn action(&self, node: Node, ctx: &mut Ctx) -> Option<RouteAction> {
        match node.kind() {
            "anonymous_function" | "arrow_function" => Some(RouteAction::Closure {
                start_byte: node.start_byte(),
            }),
            "class_constant_access_expression" => Some(RouteAction::Controller {
                class: class_ref(node, self.src, self.uses)?,
                method: "__invoke".into(),
            }),
            "string" | "encapsed_string" => {
                let s = string_value(node, self.src)?;
                match s.split_once('@') {
                    Some((class, method)) => Some(RouteAction::Controller {
                        class: if ctx.namespace.is_empty() || class.starts_with('\\') {
                            resolve_name(class, self.uses, "")
                        } else {
                            join_namespace(&ctx.namespace, class)
                        },
                        method: method.to_string(),
                    }),
                    None => ctx
                        .controller
                        .clone()
                        .map(|class| RouteAction::Controller { class, method: s }),
                }
            }
            "array_creation_expression" => {
                let items = array_items(node);
                let keyed = items.iter().any(|(k, _)| k.is_some());
                if keyed {
                    let mut found = None;
                    for (k, v) in &items {
                        let key = k.and_then(|k| string_value(k, self.src));
                        match key.as_deref() {
                            // One level only: `'uses'` names a string or a closure.
                            Some("uses") if v.kind() != "array_creation_expression" => {
                                found = self.action(*v, ctx)
                            }
                            Some("middleware") => {
                                ctx.middleware.extend(strings_in(&[*v], self.src));
                            }
                            None => {
                                if matches!(v.kind(), "anonymous_function" | "arrow_function") {
                                    found = self.action(*v, ctx);
                                }
                            }
                            _ => {}
                        }
                    }
                    found
                } else {
                    let class = items
                        .first()
                        .and_then(|(_, v)| class_ref(*v, self.src, self.uses))?;
                    let method = items
                        .get(1)
                        .and_then(|(_, v)| string_value(*v, self.src))
                        .unwrap_or_else(|| "__invoke".into());
                    Some(RouteAction::Controller { class, method })
                }
            }
            _ => None,
        }
    }

    /// The attributes of `Route::group([...], …)`.
    fn array_attributes(&self, array: Node, ctx: &mut Ctx) {
        for (k, v) in array_items(array) {
            let Some(key) = k.and_then(|k| string_value(k, self.src)) else {
                continue;
            };
            match key.as_str() {
                "middleware" => ctx.middleware.extend(strings_in(&[v], self.src)),
                "prefix" => {
                    if let Some(p) = string_value(v, self.src) {
                        ctx.prefix = join_uri(&ctx.prefix, &p);
                    }
                }
                "namespace" => {
                    if let Some(ns) = string_value(v, self.src) {
                        ctx.namespace = join_namespace(&ctx.namespace, &ns);
                    }
                }
                // `'scope_bindings' => true`, the array form of `->scopeBindings()`.
                "scope_bindings" if txt(v, self.src).eq_ignore_ascii_case("true") => {
                    ctx.authorizes = true;
                }
                _ => {}
            }
        }
    }
}

fn is_defining(name: &str) -> bool {
    VERBS.contains(&name) || matches!(name, "match" | "any" | "resource" | "apiResource")
}

/// If `n` is the outermost call of a chain that starts with `Route::…`, its calls innermost first.
fn route_chain<'t>(n: Node<'t>, src: &str) -> Option<Vec<(String, Option<Node<'t>>)>> {
    let mut calls = Vec::new();
    let mut cur = n;
    loop {
        let name = cur
            .child_by_field_name("name")
            .map(|m| txt(m, src).to_string())?;
        calls.push((name, cur.child_by_field_name("arguments")));
        match cur.kind() {
            "member_call_expression" => cur = cur.child_by_field_name("object")?,
            "scoped_call_expression" => {
                let scope = txt(cur.child_by_field_name("scope")?, src);
                let scope = scope.trim_start_matches('\\');
                if scope == "Route" || scope == "Illuminate\\Support\\Facades\\Route" {
                    calls.reverse();
                    return Some(calls);
                }
                return None;
            }
            _ => return None,
        }
    }
}

/// The argument expressions of an `arguments` node.
fn arguments(args: Node) -> Vec<Node> {
    let mut c = args.walk();
    args.named_children(&mut c)
        .filter(|a| a.kind() == "argument")
        .filter_map(|a| {
            let mut c2 = a.walk();
            let last = a.named_children(&mut c2).last();
            last
        })
        .collect()
}

/// `(key, value)` for each element of an array literal.
pub(super) fn array_items(array: Node) -> Vec<(Option<Node>, Node)> {
    let mut c = array.walk();
    array
        .named_children(&mut c)
        .filter(|e| e.kind() == "array_element_initializer")
        .filter_map(|e| {
            let mut c2 = e.walk();
            let kids: Vec<Node> = e.named_children(&mut c2).collect();
            match kids.as_slice() {
                [v] => Some((None, *v)),
                [k, v] => Some((Some(*k), *v)),
                _ => None,
            }
        })
        .collect()
}

/// Strings (and class names) in middleware-like arguments: `'auth'`, `['auth', 'verified']`,
/// `Authenticate::class`.
pub(super) fn strings_in(nodes: &[Node], src: &str) -> Vec<String> {
    let mut out = Vec::new();
    // An explicit stack, in source order: arrays may nest arbitrarily deep in odd code.
    let mut stack: Vec<Node> = nodes.iter().rev().copied().collect();
    while let Some(n) = stack.pop() {
        match n.kind() {
            "array_creation_expression" => {
                stack.extend(array_items(n).into_iter().map(|(_, v)| v).rev());
            }
            "class_constant_access_expression" => {
                if let Some(c) = n.named_child(0) {
                    let name = txt(c, src);
                    out.push(name.rsplit('\\').next().unwrap_or(name).to_string());
                }
            }
            _ => out.extend(string_value(n, src)),
        }
    }
    out
}

/// `X::class` → the class, resolved through the file's `use`s; a string names a class too.
fn class_ref(n: Node, src: &str, uses: &BTreeMap<String, String>) -> Option<String> {
    match n.kind() {
        "class_constant_access_expression" => {
            let class = n.named_child(0)?;
            let member = n.named_child(1)?;
            (txt(member, src) == "class").then(|| resolve_name(txt(class, src), uses, ""))
        }
        "string" | "encapsed_string" => Some(resolve_name(&string_value(n, src)?, uses, "")),
        _ => None,
    }
}

/// The standard resource methods, their verbs and URI suffixes.
fn resource_methods(api: bool) -> Vec<(&'static str, &'static [&'static str], &'static str)> {
    let mut all: Vec<(&str, &[&str], &str)> = vec![
        ("index", &["GET"], ""),
        ("create", &["GET"], "/create"),
        ("store", &["POST"], ""),
        ("show", &["GET"], "/{}"),
        ("edit", &["GET"], "/{}/edit"),
        ("update", &["PUT", "PATCH"], "/{}"),
        ("destroy", &["DELETE"], "/{}"),
    ];
    if api {
        all.retain(|(m, _, _)| *m != "create" && *m != "edit");
    }
    all
}

/// `photos.comments` + `/{}` → `/photos/{photo}/comments/{comment}`.
fn resource_uri(name: &str, suffix: &str) -> String {
    let parts: Vec<&str> = name.trim_matches('/').split('.').collect();
    let mut uri = String::new();
    for (i, p) in parts.iter().enumerate() {
        let last_segment = p.rsplit('/').next().unwrap_or(p);
        uri.push('/');
        uri.push_str(p);
        if i + 1 < parts.len() {
            uri.push_str(&format!("/{{{}}}", singular(last_segment)));
        }
    }
    let last = parts.last().copied().unwrap_or("");
    let param = singular(last.rsplit('/').next().unwrap_or(last));
    uri.push_str(&suffix.replace("{}", &format!("{{{param}}}")));
    uri
}

/// A rough `Str::singular` for resource parameter names (`documents` → `document`,
/// `categories` → `category`, `user-settings` → `user_setting`).
pub(super) fn singular(word: &str) -> String {
    let w = word.replace('-', "_");
    if let Some(stem) = w.strip_suffix("ies") {
        format!("{stem}y")
    } else if w.ends_with("sses")
        || w.ends_with("xes")
        || w.ends_with("ches")
        || w.ends_with("shes")
    {
        w[..w.len() - 2].to_string()
    } else if let Some(stem) = w.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        stem.to_string()
    } else {
        w
    }
}

/// A group namespace applied to a relative name (`\\X` starts over).
fn join_namespace(ns: &str, name: &str) -> String {
    if let Some(abs) = name.strip_prefix('\\') {
        return abs.to_string();
    }
    let ns = ns.trim_matches('\\');
    if ns.is_empty() {
        name.to_string()
    } else {
        format!("{ns}\\{name}")
    }
}

fn join_uri(prefix: &str, uri: &str) -> String {
    let p = prefix.trim_matches('/');
    let u = uri.trim_matches('/');
    match (p.is_empty(), u.is_empty()) {
        (true, true) => "/".into(),
        (true, false) => format!("/{u}"),
        (false, true) => format!("/{p}"),
        (false, false) => format!("/{p}/{u}"),
    }
}

/// `a/b/../c` → `a/c` without touching the file system.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(files: &[(&str, &str)], read: &[&str]) -> Vec<Route> {
        let dir = tempfile::tempdir().unwrap();
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, body).unwrap();
        }
        let root = crate::paths::absolute(dir.path()).unwrap();
        let list: Vec<PathBuf> = read.iter().map(|p| root.join(p)).collect();
        let mut r = read_routes(&root, &list, &Sources::default(), Duration::from_secs(5));
        for route in &mut r {
            route.file = route.file.strip_prefix(&root).unwrap().to_path_buf();
        }
        r
    }

    fn find<'a>(r: &'a [Route], verb: &str, uri: &str) -> &'a Route {
        r.iter()
            .find(|x| x.uri == uri && x.verbs.iter().any(|v| v == verb))
            .unwrap_or_else(|| panic!("no {verb} {uri} in {r:#?}"))
    }

    #[test]
    fn groups_resources_and_modifiers() {
        let web = r#"<?php
use App\Http\Controllers\DocumentController;
use App\Http\Controllers\Admin;
Route::post('/webhook', [WebhookController::class, 'handle']);
Route::middleware(['auth', 'verified'])->group(function () {
    Route::resource('documents', DocumentController::class)->only(['show', 'update']);
    Route::prefix('admin')->middleware('can:admin')->group(function () {
        Route::get('/users/{user}', [Admin\UserController::class, 'show']);
    });
    Route::controller(DocumentController::class)->group(function () {
        Route::post('/documents/{document}/archive', 'archive')->withoutMiddleware('verified');
    });
    Route::delete('/x/{id}', fn () => 1)->can('delete', 'x');
});
Route::group(['middleware' => 'auth:sanctum', 'prefix' => 'api'], function () {
    Route::match(['get', 'post'], '/ping', 'App\Http\Controllers\PingController@ping');
    Route::apiResource('photos.comments', CommentController::class);
});
"#;
        let r = routes(&[("routes/web.php", web)], &["routes/web.php"]);
        let hook = find(&r, "POST", "/webhook");
        assert!(hook.middleware.is_empty());
        let show = find(&r, "GET", "/documents/{document}");
        assert_eq!(show.middleware, vec!["auth", "verified"]);
        assert_eq!(
            show.action,
            RouteAction::Controller {
                class: "App\\Http\\Controllers\\DocumentController".into(),
                method: "show".into()
            }
        );
        assert!(find(&r, "PATCH", "/documents/{document}").verbs.len() == 2);
        assert!(!r.iter().any(|x| x.uri == "/documents"));
        let admin = find(&r, "GET", "/admin/users/{user}");
        assert!(admin.middleware.contains(&"can:admin".to_string()));
        assert!(
            matches!(&admin.action, RouteAction::Controller { class, .. } if class == "App\\Http\\Controllers\\Admin\\UserController")
        );
        let archive = find(&r, "POST", "/documents/{document}/archive");
        assert_eq!(archive.middleware, vec!["auth"]);
        assert!(
            matches!(&archive.action, RouteAction::Controller { method, .. } if method == "archive")
        );
        let closure = find(&r, "DELETE", "/x/{id}");
        assert!(closure.authorizes && matches!(closure.action, RouteAction::Closure { .. }));
        assert_eq!(
            find(&r, "POST", "/api/ping").middleware,
            vec!["auth:sanctum"]
        );
        find(&r, "GET", "/api/photos/{photo}/comments/{comment}");
        assert!(!r.iter().any(|x| x.uri.ends_with("/edit")));
    }

    #[test]
    fn included_files_inherit_their_group_once() {
        let web = "<?php\nRoute::middleware('auth')->group(function () {\n    require __DIR__.'/settings.php';\n});\nRoute::middleware('auth:api')->group(base_path('routes/api/v1.php'));\n";
        let settings = "<?php\nRoute::put('/profile', [ProfileController::class, 'update']);\n";
        let v1 = "<?php\nRoute::post('/tokens', [TokenController::class, 'store']);\n";
        let r = routes(
            &[
                ("routes/web.php", web),
                ("routes/settings.php", settings),
                ("routes/api/v1.php", v1),
            ],
            &["routes/api/v1.php", "routes/settings.php", "routes/web.php"],
        );
        let profile: Vec<&Route> = r.iter().filter(|x| x.uri == "/profile").collect();
        assert_eq!(profile.len(), 1, "{r:#?}");
        assert_eq!(profile[0].middleware, vec!["auth"]);
        assert_eq!(profile[0].file, PathBuf::from("routes/settings.php"));
        assert_eq!(find(&r, "POST", "/tokens").middleware, vec!["auth:api"]);
    }

    #[test]
    fn bootstrap_with_routing_and_group_namespaces() {
        let boot = "<?php\nreturn Application::configure(basePath: dirname(__DIR__))\n    ->withRouting(web: __DIR__.'/../routes/web.php', api: __DIR__.'/../routes/api.php', health: '/up')\n    ->create();\n";
        let api = "<?php\nRoute::group(['namespace' => 'App\\Api\\V1', 'prefix' => 'v1'], function () {\n    Route::delete('purge', ['uses' => 'PurgeController@purge', 'as' => 'purge']);\n});\n";
        let web = "<?php\nRoute::get('/', [HomeController::class, 'index']);\n";
        let r = routes(
            &[
                ("bootstrap/app.php", boot),
                ("routes/api.php", api),
                ("routes/web.php", web),
            ],
            &["routes/api.php", "routes/web.php", "bootstrap/app.php"],
        );
        assert_eq!(r.len(), 2, "{r:#?}");
        let purge = find(&r, "DELETE", "/api/v1/purge");
        assert_eq!(purge.middleware, vec!["api"]);
        assert!(
            matches!(&purge.action, RouteAction::Controller { class, .. } if class == "App\\Api\\V1\\PurgeController")
        );
        assert_eq!(find(&r, "GET", "/").middleware, vec!["web"]);
    }

    #[test]
    fn providers_then_closures_and_route_loaders() {
        // A provider's loadRoutesFrom, Laravel 11's `then:` closure, and a package class whose
        // method requires its route file when the app's route file calls it.
        let provider = "<?php\nnamespace App\\Providers;\nclass BillingServiceProvider extends ServiceProvider\n{\n    public function boot(): void\n    {\n        $this->loadRoutesFrom(__DIR__.'/../../routes/billing.php');\n    }\n}\n";
        let billing = "<?php\nRoute::middleware('auth')->post('/billing/cancel', [BillingController::class, 'cancel']);\n";
        let boot = "<?php\nreturn Application::configure()->withRouting(\n    web: __DIR__.'/../routes/web.php',\n    then: function () {\n        Route::middleware('api')->prefix('webhooks')->group(base_path('routes/webhooks.php'));\n    },\n)->create();\n";
        let hooks = "<?php\nRoute::post('/stripe', [StripeController::class, 'handle']);\n";
        let web = "<?php\nuse Wave\\Facades\\Wave;\nRoute::middleware('auth')->group(function () {\n    Wave::routes();\n});\n";
        let loader = "<?php\nnamespace Wave;\nclass Wave\n{\n    public function routes()\n    {\n        require __DIR__.'/../routes/web.php';\n    }\n}\n";
        let package = "<?php\nRoute::post('notification/read/{id}', '\\Wave\\Http\\Controllers\\NotificationController@delete');\n";
        let dir = tempfile::tempdir().unwrap();
        let files = [
            ("app/Providers/BillingServiceProvider.php", provider),
            ("routes/billing.php", billing),
            ("bootstrap/app.php", boot),
            ("routes/webhooks.php", hooks),
            ("routes/web.php", web),
            ("wave/src/Wave.php", loader),
            ("wave/routes/web.php", package),
        ];
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, body).unwrap();
        }
        let root = crate::paths::absolute(dir.path()).unwrap();
        let mut sources = Sources::default();
        sources.loaders.insert(
            ("Wave".into(), "routes".into()),
            root.join("wave/src/Wave.php"),
        );
        let read: Vec<PathBuf> = [
            "routes/billing.php",
            "routes/web.php",
            "routes/webhooks.php",
            "bootstrap/app.php",
            "app/Providers/BillingServiceProvider.php",
        ]
        .iter()
        .map(|p| root.join(p))
        .collect();
        let r = read_routes(&root, &read, &sources, Duration::from_secs(5));
        assert_eq!(r.len(), 3, "each route once: {r:#?}");
        assert_eq!(find(&r, "POST", "/billing/cancel").middleware, vec!["auth"]);
        assert_eq!(find(&r, "POST", "/webhooks/stripe").middleware, vec!["api"]);
        let read_note = find(&r, "POST", "/notification/read/{id}");
        assert_eq!(read_note.middleware, vec!["web", "auth"]);
        assert_eq!(read_note.file, root.join("wave/routes/web.php"));

        // A file outside the allowed inputs is not followed (the cache could not see it change).
        sources.allowed = Some(read.iter().cloned().collect());
        let r = read_routes(&root, &read, &sources, Duration::from_secs(5));
        assert!(
            !r.iter().any(|x| x.uri.starts_with("/notification")),
            "{r:#?}"
        );
    }

    #[test]
    fn deeply_nested_arguments_do_not_overflow_the_stack() {
        let depth = 50_000;
        let web = format!(
            "<?php\nRoute::middleware({}'auth'{})->group(function () {{ Route::post('/x', [X::class, 'y']); }});\nrequire ({}__DIR__.'/none.php'{});\n",
            "[".repeat(depth),
            "]".repeat(depth),
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let r = routes(&[("routes/web.php", &web)], &["routes/web.php"]);
        assert!(r.len() <= 1);
    }

    #[test]
    fn singulars_and_uris() {
        assert_eq!(singular("documents"), "document");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("boxes"), "box");
        assert_eq!(singular("user-settings"), "user_setting");
        assert_eq!(resource_uri("photos", "/{}/edit"), "/photos/{photo}/edit");
    }
}
