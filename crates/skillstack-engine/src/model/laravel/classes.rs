//! Classes under `app/` as the Laravel model sees them — methods with their parameters and
//! bodies, controller middleware declared in a constructor or a static `middleware()`,
//! `authorizeResource`, Eloquent `belongsTo` owners and `$table` — and the tables and columns the
//! migrations create.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use tree_sitter::Node;

use super::routes::{array_items, strings_in};
use super::{lazy, resolve_name, short_name, snake, string_value, txt};

/// A method of a class, with what rules ask about it.
#[derive(Debug, Clone, Default)]
pub struct MethodFacts {
    pub name: String,
    pub public: bool,
    /// Parameters as `(type as resolved, or empty; name without `$`)`.
    pub params: Vec<(String, String)>,
    /// The method's source, for evidence searches.
    pub body: String,
}

/// Middleware a controller declares, for some of its methods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControllerMiddleware {
    pub names: Vec<String>,
    pub only: Option<Vec<String>>,
    pub except: Option<Vec<String>>,
}

impl ControllerMiddleware {
    pub(super) fn applies_to(&self, method: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|m| m == method))
            && !self
                .except
                .as_ref()
                .is_some_and(|e| e.iter().any(|m| m == method))
    }
}

/// A class under `app/` (controllers, FormRequests, models, providers).
#[derive(Debug, Clone, Default)]
pub struct ClassFacts {
    /// Fully qualified, without a leading `\`.
    pub name: String,
    pub parent: Option<String>,
    pub file: PathBuf,
    pub methods: Vec<MethodFacts>,
    pub middleware: Vec<ControllerMiddleware>,
    /// `$this->authorizeResource(…)` in the constructor.
    pub authorize_resource: bool,
    /// The constructor's source: a closure middleware there (`$this->middleware(function …
    /// { $this->checkPermission(…); … })`) authorizes every method.
    pub constructor: String,
    /// `protected $table = '…'`.
    pub table: Option<String>,
    /// Classes named in `belongsTo(X::class)` relations (short names).
    pub belongs_to: Vec<String>,
    /// The model resolves its own route bindings (`resolveRouteBinding`, a `routeBinder`).
    pub custom_binding: bool,
    /// Policies this class registers, as `(model short name, policy as resolved)`: an `AuthServiceProvider`'s
    /// `protected $policies = [Post::class => PostPolicy::class]`, `Gate::policy(Post::class,
    /// PostPolicy::class)` in a method, or a model's own `#[UsePolicy(PostPolicy::class)]`.
    pub policies: Vec<(String, String)>,
}

impl ClassFacts {
    pub(super) fn short(&self) -> &str {
        short_name(&self.name)
    }
}

pub(super) fn read_class(
    node: Node,
    file: &Path,
    src: &str,
    uses: &BTreeMap<String, String>,
) -> ClassFacts {
    let ns = uses.get("").cloned().unwrap_or_default();
    let short = node
        .child_by_field_name("name")
        .map(|n| txt(n, src))
        .unwrap_or("");
    let name = if ns.is_empty() {
        short.to_string()
    } else {
        format!("{ns}\\{short}")
    };
    let parent = {
        let mut c = node.walk();
        let base = node
            .named_children(&mut c)
            .find(|k| k.kind() == "base_clause");
        base.and_then(|b| b.named_child(0))
            .map(|p| resolve_name(txt(p, src), uses, &ns))
    };
    let mut facts = ClassFacts {
        name,
        parent,
        file: file.to_path_buf(),
        ..Default::default()
    };
    static USE_POLICY: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let mut c0 = node.walk();
    for attrs in node
        .named_children(&mut c0)
        .filter(|k| k.kind() == "attribute_list")
    {
        if let Some(cap) =
            lazy(&USE_POLICY, r"\bUsePolicy\(\s*\\?([\w\\]+)::class").captures(txt(attrs, src))
        {
            let policy = cap.get(1).map_or("", |m| m.as_str());
            facts
                .policies
                .push((short.to_string(), resolve_name(policy, uses, &ns)));
        }
    }
    let Some(body) = node.child_by_field_name("body") else {
        return facts;
    };
    static POLICY_PAIR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let pair = lazy(
        &POLICY_PAIR,
        r"\\?([\w\\]+)::class\s*(?:=>|,)\s*\\?([\w\\]+Policy)::class",
    );
    let mut c = body.walk();
    for member in body.named_children(&mut c) {
        match member.kind() {
            "method_declaration" => {
                let m = method_facts(member, src, uses, &ns);
                let mut c2 = member.walk();
                let is_static = member
                    .named_children(&mut c2)
                    .any(|k| k.kind() == "static_modifier");
                if m.name == "__construct" {
                    facts.middleware.extend(constructor_middleware(member, src));
                    facts.authorize_resource |= m.body.contains("authorizeResource(");
                    facts.constructor = m.body.clone();
                } else if m.name == "middleware" && is_static {
                    facts.middleware.extend(static_middleware(member, src));
                }
                static BELONGS: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
                for cap in
                    lazy(&BELONGS, r"belongsTo\(\s*\\?([\w\\]+)::class").captures_iter(&m.body)
                {
                    if let Some(target) = cap.get(1) {
                        facts
                            .belongs_to
                            .push(short_name(target.as_str()).to_string());
                    }
                }
                if m.body.contains("Gate::policy(") {
                    for cap in pair.captures_iter(&m.body) {
                        if let (Some(model), Some(policy)) = (cap.get(1), cap.get(2)) {
                            facts.policies.push((
                                short_name(model.as_str()).to_string(),
                                resolve_name(policy.as_str(), uses, &ns),
                            ));
                        }
                    }
                }
                facts.custom_binding |= matches!(
                    m.name.as_str(),
                    "resolveRouteBinding" | "resolveChildRouteBinding" | "routeBinder"
                );
                facts.methods.push(m);
            }
            "property_declaration" => {
                let t = txt(member, src);
                static TABLE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
                if let Some(cap) = lazy(&TABLE, r#"\$table\s*=\s*['"]([\w.]+)['"]"#).captures(t) {
                    facts.table = cap.get(1).map(|m| m.as_str().to_string());
                }
                if t.contains("$policies") {
                    for cap in pair.captures_iter(t) {
                        if let (Some(model), Some(policy)) = (cap.get(1), cap.get(2)) {
                            facts.policies.push((
                                short_name(model.as_str()).to_string(),
                                resolve_name(policy.as_str(), uses, &ns),
                            ));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    facts
}

/// The values of a PHP `arguments` node, in order: each argument's expression (for a named
/// argument `name: value`, the value).
pub(crate) fn argument_values(args: Node) -> Vec<Node> {
    let mut c = args.walk();
    args.named_children(&mut c)
        .filter_map(|a| a.named_child(a.named_child_count().saturating_sub(1)))
        .collect()
}

fn method_facts(node: Node, src: &str, uses: &BTreeMap<String, String>, ns: &str) -> MethodFacts {
    let mut c = node.walk();
    let public = !node.named_children(&mut c).any(|k| {
        k.kind() == "visibility_modifier" && matches!(txt(k, src), "private" | "protected")
    });
    let mut params = Vec::new();
    if let Some(ps) = node.child_by_field_name("parameters") {
        let mut c2 = ps.walk();
        for p in ps.named_children(&mut c2) {
            let Some(name) = p.child_by_field_name("name") else {
                continue;
            };
            let ty = p
                .child_by_field_name("type")
                .map(|t| {
                    let t = txt(t, src).trim_start_matches('?');
                    if t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                        || t.starts_with('\\')
                    {
                        resolve_name(t, uses, ns)
                    } else {
                        t.to_string()
                    }
                })
                .unwrap_or_default();
            params.push((ty, txt(name, src).trim_start_matches('$').to_string()));
        }
    }
    MethodFacts {
        name: node
            .child_by_field_name("name")
            .map(|n| txt(n, src).to_string())
            .unwrap_or_default(),
        public,
        params,
        body: txt(node, src).to_string(),
    }
}

/// `$this->middleware('auth')`, `->only([...])`/`->except([...])`, or
/// `$this->middleware('auth', ['only' => [...]])` in a constructor.
fn constructor_middleware(ctor: Node, src: &str) -> Vec<ControllerMiddleware> {
    let mut out = Vec::new();
    let mut stack = vec![ctor];
    while let Some(n) = stack.pop() {
        if n.kind() == "expression_statement" {
            if let Some(expr) = n.named_child(0) {
                if let Some(m) = middleware_chain(expr, src) {
                    out.push(m);
                }
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    out
}

fn middleware_chain(expr: Node, src: &str) -> Option<ControllerMiddleware> {
    let mut calls = Vec::new();
    let mut cur = expr;
    while cur.kind() == "member_call_expression" {
        let name = txt(cur.child_by_field_name("name")?, src).to_string();
        calls.push((name, cur.child_by_field_name("arguments")));
        let obj = cur.child_by_field_name("object")?;
        if txt(obj, src) == "$this" {
            break;
        }
        cur = obj;
    }
    calls.reverse();
    let (first, first_args) = calls.first()?;
    if first != "middleware" {
        return None;
    }
    let args: Vec<Node> = first_args.map(argument_values).unwrap_or_default();
    let mut m = ControllerMiddleware {
        names: args
            .first()
            .map(|a| strings_in(&[*a], src))
            .unwrap_or_default(),
        ..Default::default()
    };
    if let Some(opts) = args
        .get(1)
        .filter(|a| a.kind() == "array_creation_expression")
    {
        for (k, v) in array_items(*opts) {
            match k.and_then(|k| string_value(k, src)).as_deref() {
                Some("only") => m.only = Some(strings_in(&[v], src)),
                Some("except") => m.except = Some(strings_in(&[v], src)),
                _ => {}
            }
        }
    }
    for (name, a) in calls.iter().skip(1) {
        let list = a
            .map(|a| strings_in(&argument_values(a), src))
            .unwrap_or_default();
        match name.as_str() {
            "only" => m.only = Some(list),
            "except" => m.except = Some(list),
            _ => {}
        }
    }
    Some(m)
}

/// `public static function middleware(): array { return ['auth', new Middleware('can:x', only: […])]; }`
fn static_middleware(method: Node, src: &str) -> Vec<ControllerMiddleware> {
    let mut out = Vec::new();
    let mut stack = vec![method];
    while let Some(n) = stack.pop() {
        if n.kind() == "return_statement" {
            if let Some(arr) = n
                .named_child(0)
                .filter(|a| a.kind() == "array_creation_expression")
            {
                for (_, v) in array_items(arr) {
                    if v.kind() == "object_creation_expression" {
                        let mut c = v.walk();
                        let Some(args) = v.named_children(&mut c).find(|k| k.kind() == "arguments")
                        else {
                            continue;
                        };
                        let mut m = ControllerMiddleware::default();
                        let mut c2 = args.walk();
                        for (i, a) in args.named_children(&mut c2).enumerate() {
                            let key = a.child_by_field_name("name").map(|k| txt(k, src));
                            let Some(val) = a.named_child(a.named_child_count().saturating_sub(1))
                            else {
                                continue;
                            };
                            match (key, i) {
                                (Some("only"), _) => m.only = Some(strings_in(&[val], src)),
                                (Some("except"), _) => m.except = Some(strings_in(&[val], src)),
                                (None, 0) | (Some("middleware"), _) => {
                                    m.names = strings_in(&[val], src)
                                }
                                _ => {}
                            }
                        }
                        out.push(m);
                    } else {
                        out.push(ControllerMiddleware {
                            names: strings_in(&[v], src),
                            ..Default::default()
                        });
                    }
                }
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    out
}

/// `Schema::create('documents', function (Blueprint $table) { $table->foreignId('user_id'); … })`
/// (and `Schema::table`) → documents: [user_id, …]. `foreignIdFor(User::class)` is `user_id`,
/// `morphs('owner')` is `owner_id`.
pub(super) fn read_migration(root: Node, src: &str, tables: &mut BTreeMap<String, Vec<String>>) {
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.kind() == "scoped_call_expression"
            && n.child_by_field_name("scope")
                .is_some_and(|s| short_name(txt(s, src)) == "Schema")
            && n.child_by_field_name("name")
                .is_some_and(|m| matches!(txt(m, src), "create" | "table"))
        {
            let args: Vec<Node> = n
                .child_by_field_name("arguments")
                .map(argument_values)
                .unwrap_or_default();
            if let (Some(table), Some(body)) = (
                args.first().and_then(|a| string_value(*a, src)),
                args.get(1),
            ) {
                let columns = tables.entry(table).or_default();
                static COL: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
                let re = lazy(
                    &COL,
                    r#"\$\w+->(\w+)\(\s*(?:['"](\w+)['"]|\\?([\w\\]+)::class)"#,
                );
                for cap in re.captures_iter(txt(*body, src)) {
                    let method = cap.get(1).map_or("", |m| m.as_str());
                    if let Some(col) = cap.get(2) {
                        let col = col.as_str();
                        if method.ends_with("morphs") || method.ends_with("Morphs") {
                            columns.push(format!("{col}_id"));
                        } else {
                            columns.push(col.to_string());
                        }
                    } else if let Some(class) = cap.get(3) {
                        if method == "foreignIdFor" {
                            columns.push(format!("{}_id", snake(short_name(class.as_str()))));
                        }
                    }
                }
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
}
