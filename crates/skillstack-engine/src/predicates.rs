//! Named predicates that rule conditions use (`value = ...`, `is = ...`). Each is implemented
//! once per language, documented here, and unit-tested on small snippets.
//!
//! Values (a string extracted from a captured node, then tested with `regex`/`not-regex`):
//! - `text`: the node's source text (the default).
//! - `binding-name`: the name the expression's value is bound to — the variable, property, hash
//!   or array key, object key or keyword argument it is assigned to, or, when it is returned, the
//!   name of the function returning it. Empty when there is none (e.g. a bare call statement).
//! - `local-value`: for a local variable, the expression it was last assigned in the same function
//!   (`token` → `SecureRandom.urlsafe_base64(32)`); for anything else, its text.
//! - `binding-value`: the whole expression bound to that name (right-hand side, object value,
//!   returned expression) — e.g. to see that a token also contains a strong random part.
//! - `string-content`: the text of a string literal without its quotes (template and interpolated
//!   strings keep their `${…}`/`#{…}`/`{$…}` parts); for a concatenation, its left-most piece.
//! - `enclosing-function`: the name of the innermost function or method around the node.
//! - `function-flow`: the source text of the function around the node (callbacks belong to the
//!   function passing them), followed by the same file's functions it calls and that call it,
//!   one step each way — for "nothing in this flow checks the expiry" conditions
//!   (see the `function_flow` submodule).
//! - `enclosing-blocks`: every call whose block encloses the node, outermost first, one per line,
//!   each as its source text up to the block — Rails `authenticate :user do`, `constraints … do`,
//!   `namespace :admin do`; JS `describe("…", () => …)`; PHP `Route::middleware('auth')->group(…)`.
//! - `enclosing-class`: the source text of the innermost class (or module) around the node, or of
//!   the whole file when there is none — for "nothing in this controller verifies X" conditions.
//! - `entry-point`: the entry points that run the node — for Rails, `DocumentsController#show`,
//!   or every action whose `before_action` calls the private loader the node is in; for Laravel,
//!   `DocumentController@show (GET /documents/{document})` for each route reaching the method (or
//!   the routed methods calling the private helper the node is in), `route closure (POST /x)`.
//!   Empty outside one.
//! - `app-env-example`: the text of the `.env.example` file at the root of the node's app (the
//!   environment variables it expects), empty when there is none — for configuration that lives
//!   outside the code ("the app uses Cashier, and `.env.example` never names its webhook secret").
//!
//! Boolean predicates (`is`/`is-not`):
//! - `interpolated-unsafely`: a string, template or concatenation that splices in a value which
//!   is not a literal, a CONSTANT or an explicit numeric conversion/quoting (`.to_i`, `(int)`,
//!   `Number(…)`, `quote(…)`, …) — the shape of injectable SQL.
//! - `contains-request-input`: the node reads request input directly — Rails `params`,
//!   `request.*`, `cookies`; Next.js/Node `req.body|query|params|headers|cookies`, `searchParams`,
//!   `formData`, route `params`; Laravel `$request->…`, `request()`, `Request::…`, `$_GET`/`$_POST`/….
//!   (Values that reach the node through local variables are the data-flow layer's job.)
//! - `in-authenticated-entry-point`: some entry point running the node requires a signed-in user
//!   (see `model::rails`, `model::nextjs` and `model::laravel` for the evidence each framework accepts).
//! - `in-otherwise-authenticated-entry-point`: some entry point running the node authenticates its
//!   caller in another way than a user session: a machine's shared secret or signature, or a
//!   path filter outside it (Next.js middleware / proxy matcher).
//! - `in-middleware-only-entry-point` (Next.js): some entry point running the node (a route
//!   handler, a `pages/api` handler, an exported server action) has no session or machine check of
//!   its own and relies on `middleware.ts` / `proxy.ts`, which authenticates and whose `matcher`
//!   covers its path (page paths in general for a server action).
//! - `in-app-with-middleware-bypass` (Next.js): the node's app authenticates in middleware and its
//!   `package.json` allows a `next` below 12.3.5 / 13.5.9 / 14.2.25 / 15.2.3, where a request with
//!   an `x-middleware-subrequest` header skips middleware (CVE-2025-29927).
//! - `in-authorized-entry-point`: every authenticated entry point running the node shows
//!   authorization evidence (a policy call, a class-level authorizer, an ownership comparison, a 403).
//! - `in-controller-that-authenticates`: another public action of the same controller requires a
//!   signed-in user (so this one was opened up by a skip or an `only:`/`except:` filter). Laravel,
//!   where routes are declared centrally: another route of the app requires one (in a snippet
//!   without route files, another method of the controller through its own middleware).
//! - `protected-rack-app`: the node names a mountable Rack app (`Sidekiq::Web`, `GoodJob::Engine`, …)
//!   that the Rails app wraps in middleware somewhere (`Sidekiq::Web.use Rack::Auth::Basic`).
//! - `public-model`: the node names a model whose table the schema shows without any owner or
//!   tenant column (`user_id`, `account_id`, `organization_id`, …); unknown models are not public.
//!   Laravel: a model with a `belongsTo` an owner (`User`, `Team`, `Organization`, …) is owned; the
//!   class of a static call chain counts (`Document::with('x')->find($id)` → `Document`); a class
//!   the app defines that is not an Eloquent model (a repository, a service) is public.
//! - `public-method`: the method around the node (or the node itself) is public — Ruby: not after
//!   a bare `private`/`protected` in its class body, nor written `private def`; PHP: declared
//!   `public` or without a visibility. Outside any method, and in JavaScript, it does not hold.
//! - `contains-route-parameter` (Laravel): the node is or contains a variable that is a parameter
//!   of the controller method (or route closure) around it which a route's `{segment}` fills —
//!   `$id` of `show(string $id)` reached by `GET /documents/{id}`, or `$document` of
//!   `show(Document $document)` reached by `{document}` (implicit route-model binding). In a
//!   snippet without route files, `$id`/`$…_id`/`$…Id` scalars and model-typed parameters count.

use std::ops::Range;
use std::path::Path;

use tree_sitter::Node;

use crate::lang::Lang;
use crate::model::ProjectModel;
use crate::rule::matcher::text;

mod function_flow;

/// What predicates know about the file being matched.
#[derive(Clone, Copy)]
pub struct PredCtx<'a> {
    pub lang: Lang,
    pub src: &'a str,
    /// The file on disk, when there is one (examples and skill snippets have none).
    pub file: Option<&'a Path>,
    /// Project-wide facts (controllers, schema), when the audit built them.
    pub project: Option<&'a ProjectModel>,
}

impl<'a> PredCtx<'a> {
    fn entry_points(&self, node: Node) -> Vec<crate::model::EntryPoint> {
        match (self.file, self.project) {
            (Some(file), Some(project)) => project.entry_points_at(file, self.lang, node, self.src),
            _ => Vec::new(),
        }
    }
}

/// A value extractor for `value = "..."`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueFn {
    Text,
    BindingName,
    StringContent,
    EnclosingFunction,
    EntryPoint,
    EnclosingBlocks,
    EnclosingClass,
    BindingValue,
    LocalValue,
    AppEnvExample,
    FunctionFlow,
}

impl ValueFn {
    pub const NAMES: [&'static str; 11] = [
        "local-value",
        "app-env-example",
        "function-flow",
        "binding-value",
        "text",
        "binding-name",
        "string-content",
        "enclosing-function",
        "entry-point",
        "enclosing-blocks",
        "enclosing-class",
    ];

    pub fn parse(s: &str) -> Option<ValueFn> {
        match s {
            "text" => Some(ValueFn::Text),
            "binding-name" => Some(ValueFn::BindingName),
            "string-content" => Some(ValueFn::StringContent),
            "enclosing-function" => Some(ValueFn::EnclosingFunction),
            "entry-point" => Some(ValueFn::EntryPoint),
            "enclosing-blocks" => Some(ValueFn::EnclosingBlocks),
            "enclosing-class" => Some(ValueFn::EnclosingClass),
            "binding-value" => Some(ValueFn::BindingValue),
            "local-value" => Some(ValueFn::LocalValue),
            "app-env-example" => Some(ValueFn::AppEnvExample),
            "function-flow" => Some(ValueFn::FunctionFlow),
            _ => None,
        }
    }

    pub fn eval(self, node: Node, ctx: &PredCtx) -> String {
        let (lang, src) = (ctx.lang, ctx.src);
        match self {
            ValueFn::EntryPoint => ctx
                .entry_points(node)
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            ValueFn::AppEnvExample => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => project
                    .env_example_for(file, lang)
                    .unwrap_or_default()
                    .to_string(),
                _ => String::new(),
            },
            ValueFn::EnclosingBlocks => enclosing_blocks(node, src),
            ValueFn::EnclosingClass => enclosing_class(node, src).to_string(),
            ValueFn::LocalValue => {
                let resolved = if is_local_variable(node, lang) {
                    local_definition(node, src)
                } else {
                    None
                };
                text(resolved.unwrap_or(node), src).to_string()
            }
            ValueFn::BindingValue => binding_value(node, lang, src)
                .map(|v| text(v, src).to_string())
                .unwrap_or_default(),
            ValueFn::Text => text(node, src).to_string(),
            ValueFn::BindingName => binding_name(node, lang, src).unwrap_or_default(),
            ValueFn::StringContent => string_content(node, src),
            ValueFn::EnclosingFunction => enclosing_function(node, lang, src).unwrap_or_default(),
            ValueFn::FunctionFlow => function_flow::function_flow(node, lang, src),
        }
    }
}

impl ValueFn {
    /// Where this value came from, for a related location: the definition of a local variable
    /// (`local-value`), the bound value (`binding-value`), the enclosing function's name
    /// (`enclosing-function`, and `entry-point`: the innermost function named in the entry
    /// point, else the outermost), or the node itself.
    pub fn origin(self, node: Node, ctx: &PredCtx) -> Range<usize> {
        let (lang, src) = (ctx.lang, ctx.src);
        let origin = match self {
            ValueFn::LocalValue if is_local_variable(node, lang) => local_definition(node, src),
            ValueFn::BindingValue => binding_value(node, lang, src),
            ValueFn::EnclosingFunction => enclosing_functions(node, lang).next(),
            ValueFn::EntryPoint => {
                let entry = ValueFn::EntryPoint.eval(node, ctx);
                let named_in_entry = |f: &Node| {
                    function_name(*f, lang, src).is_some_and(|n| {
                        !n.is_empty()
                            && entry
                                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                                .any(|word| word == n)
                    })
                };
                enclosing_functions(node, lang)
                    .find(named_in_entry)
                    .or_else(|| enclosing_functions(node, lang).last())
            }
            _ => None,
        };
        match origin {
            Some(f) if is_function(f.kind(), lang) => function_anchor(f, lang, src),
            Some(n) => n.byte_range(),
            None => node.byte_range(),
        }
    }
}

/// A function's name, or for an anonymous function its first line: a short place to point at.
fn function_anchor(f: Node, lang: Lang, src: &str) -> Range<usize> {
    if let Some(name) = f.child_by_field_name("name") {
        return name.byte_range();
    }
    // `export const POST = withAuth(async (req) => …)`: the declarator's name.
    let mut cur = f.parent();
    while let Some(n) = cur {
        if is_function(n.kind(), lang) {
            break;
        }
        if let Some(name) = n
            .child_by_field_name("name")
            .filter(|_| n.kind() == "variable_declarator")
        {
            return name.byte_range();
        }
        cur = n.parent();
    }
    let start = f.start_byte();
    let line_end = src
        .get(start..f.end_byte())
        .and_then(|t| t.find('\n'))
        .map_or(f.end_byte(), |i| start + i);
    start..line_end
}

/// Is a node of this kind a function or method in this language?
fn is_function(kind: &str, lang: Lang) -> bool {
    if lang.is_js_family() {
        matches!(
            kind,
            "function_declaration"
                | "generator_function_declaration"
                | "method_definition"
                | "function_expression"
                | "arrow_function"
                | "function"
        )
    } else if lang == Lang::Ruby {
        matches!(kind, "method" | "singleton_method")
    } else {
        matches!(
            kind,
            "function_definition" | "method_declaration" | "anonymous_function" | "arrow_function"
        )
    }
}

/// The functions and methods around `node`, innermost first.
fn enclosing_functions<'t>(node: Node<'t>, lang: Lang) -> impl Iterator<Item = Node<'t>> {
    std::iter::successors(node.parent(), |n| n.parent())
        .filter(move |n| is_function(n.kind(), lang))
}

/// A boolean predicate for `is = "..."` / `is-not = "..."`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolPredicate {
    InterpolatedUnsafely,
    ContainsRequestInput,
    InAuthenticatedEntryPoint,
    InAuthorizedEntryPoint,
    InOtherwiseAuthenticatedEntryPoint,
    PublicModel,
    ProtectedRackApp,
    InControllerThatAuthenticates,
    ContainsRouteParameter,
    PublicMethod,
    InMiddlewareOnlyEntryPoint,
    InAppWithMiddlewareBypass,
}

impl BoolPredicate {
    pub const NAMES: [&'static str; 12] = [
        "interpolated-unsafely",
        "contains-request-input",
        "in-authenticated-entry-point",
        "in-otherwise-authenticated-entry-point",
        "in-authorized-entry-point",
        "in-controller-that-authenticates",
        "public-model",
        "protected-rack-app",
        "contains-route-parameter",
        "public-method",
        "in-middleware-only-entry-point",
        "in-app-with-middleware-bypass",
    ];

    pub fn parse(s: &str) -> Option<BoolPredicate> {
        match s {
            "interpolated-unsafely" => Some(BoolPredicate::InterpolatedUnsafely),
            "contains-request-input" => Some(BoolPredicate::ContainsRequestInput),
            "in-authenticated-entry-point" => Some(BoolPredicate::InAuthenticatedEntryPoint),
            "in-authorized-entry-point" => Some(BoolPredicate::InAuthorizedEntryPoint),
            "in-otherwise-authenticated-entry-point" => {
                Some(BoolPredicate::InOtherwiseAuthenticatedEntryPoint)
            }
            "public-model" => Some(BoolPredicate::PublicModel),
            "protected-rack-app" => Some(BoolPredicate::ProtectedRackApp),
            "in-controller-that-authenticates" => {
                Some(BoolPredicate::InControllerThatAuthenticates)
            }
            "contains-route-parameter" => Some(BoolPredicate::ContainsRouteParameter),
            "public-method" => Some(BoolPredicate::PublicMethod),
            "in-middleware-only-entry-point" => Some(BoolPredicate::InMiddlewareOnlyEntryPoint),
            "in-app-with-middleware-bypass" => Some(BoolPredicate::InAppWithMiddlewareBypass),
            _ => None,
        }
    }

    /// Strings one of which a file's text contains wherever the predicate holds in it (`None`:
    /// no such requirement). The literal prefilter skips a `where` condition's patterns on
    /// files without any (see `rule::prefilter`), so this must list every way it can hold.
    pub fn required_literals(self, lang: Lang) -> Option<&'static [&'static str]> {
        match (self, lang) {
            // A splice is a template substitution or a `+` concatenation ([`collect_spliced`]).
            (
                BoolPredicate::InterpolatedUnsafely,
                Lang::JavaScript | Lang::TypeScript | Lang::Tsx,
            ) => Some(&["${", "+"]),
            // `#{…}` (and the `#@ivar`/`#$global` short forms) or a `+` concatenation.
            (BoolPredicate::InterpolatedUnsafely, Lang::Ruby) => Some(&["#{", "#@", "#$", "+"]),
            // PHP splices start with `$`, which nearly every PHP file has: nothing to gain.
            _ => None,
        }
    }

    pub fn eval(self, node: Node, ctx: &PredCtx) -> bool {
        let (lang, src) = (ctx.lang, ctx.src);
        match self {
            BoolPredicate::InAuthenticatedEntryPoint => {
                ctx.entry_points(node).iter().any(|e| e.authenticated)
            }
            BoolPredicate::InOtherwiseAuthenticatedEntryPoint => ctx
                .entry_points(node)
                .iter()
                .any(|e| e.authenticated_otherwise),
            BoolPredicate::InAuthorizedEntryPoint => {
                let eps = ctx.entry_points(node);
                !eps.is_empty() && eps.iter().filter(|e| e.authenticated).all(|e| e.authorized)
            }
            BoolPredicate::InControllerThatAuthenticates => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => {
                    project.authenticates_elsewhere(file, lang, node, src)
                }
                _ => false,
            },
            BoolPredicate::InMiddlewareOnlyEntryPoint => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => project.is_middleware_only(file, lang, node, src),
                _ => false,
            },
            BoolPredicate::InAppWithMiddlewareBypass => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => project.is_middleware_bypassable(file, lang),
                _ => false,
            },
            BoolPredicate::ProtectedRackApp => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => {
                    project.is_protected_mount(file, lang, text(node, src))
                }
                _ => false,
            },
            BoolPredicate::PublicModel => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => project.is_public_model(file, lang, text(node, src)),
                _ => false,
            },
            BoolPredicate::InterpolatedUnsafely => interpolated_unsafely(node, lang, src),
            BoolPredicate::ContainsRequestInput => contains_request_input(node, lang, src),
            BoolPredicate::PublicMethod => public_method(node, lang, src),
            BoolPredicate::ContainsRouteParameter => match (ctx.file, ctx.project) {
                (Some(file), Some(project)) => contains_route_parameter(node, ctx, file, project),
                _ => false,
            },
        }
    }

    /// The node that makes this predicate hold, when it is a place worth pointing at (for
    /// `contains-request-input`: where the input enters); `None` for the others.
    pub fn origin<'t>(self, node: Node<'t>, ctx: &PredCtx) -> Option<Node<'t>> {
        match self {
            BoolPredicate::ContainsRequestInput => request_input_source(node, ctx.lang, ctx.src),
            _ => None,
        }
    }
}

/// See the module docs (`public-method`).
pub fn public_method(node: Node, lang: Lang, src: &str) -> bool {
    let kinds: &[&str] = match lang {
        Lang::Ruby => &["method"],
        Lang::Php => &["method_declaration"],
        _ => return false,
    };
    let Some(method) =
        std::iter::successors(Some(node), |n| n.parent()).find(|n| kinds.contains(&n.kind()))
    else {
        return false;
    };
    if lang == Lang::Php {
        let mut c = method.walk();
        return !method.children(&mut c).any(|m| {
            m.kind() == "visibility_modifier" && matches!(text(m, src), "private" | "protected")
        });
    }
    // `private def x … end`: the method is the argument of a `private` call.
    let wrapped = method
        .parent()
        .filter(|p| p.kind() == "argument_list")
        .and_then(|p| p.parent());
    if wrapped.is_some_and(|call| {
        call.kind() == "call"
            && call
                .child_by_field_name("method")
                .is_some_and(|m| matches!(text(m, src), "private" | "protected"))
    }) {
        return false;
    }
    // The last bare `private` / `protected` / `public` before it in the class body decides.
    let mut prev = method.prev_named_sibling();
    while let Some(p) = prev {
        if p.kind() == "identifier" {
            match text(p, src) {
                "private" | "protected" => return false,
                "public" => return true,
                _ => {}
            }
        }
        prev = p.prev_named_sibling();
    }
    true
}

/// See the module docs (`contains-route-parameter`). PHP variables only; a bounded walk.
fn contains_route_parameter(
    node: Node,
    ctx: &PredCtx,
    file: &Path,
    project: &ProjectModel,
) -> bool {
    if ctx.lang != Lang::Php {
        return false;
    }
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![node];
    let mut visited = 0usize;
    while let Some(n) = stack.pop() {
        visited += 1;
        if visited > 10_000 {
            return false;
        }
        if n.kind() == "variable_name" {
            let name = text(n, ctx.src).trim_start_matches('$');
            if name != "this"
                && seen.insert(name.to_string())
                && project.is_route_parameter(file, ctx.lang, n, ctx.src, name)
            {
                return true;
            }
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    false
}

/// See the module docs. Walks the subtree with an explicit stack (no recursion on deep trees).
/// A local variable counts when its nearest earlier assignment in the same function is itself
/// request input (followed up to [`MAX_FLOW_STEPS`] assignments deep).
pub fn contains_request_input(node: Node, lang: Lang, src: &str) -> bool {
    request_input_source(node, lang, src).is_some()
}

/// Where the request input in `node` comes from: the input expression itself (`params[:id]`,
/// `await req.json()`), found through local assignments, or the handler parameter that carries it.
pub fn request_input_source<'t>(node: Node<'t>, lang: Lang, src: &str) -> Option<Node<'t>> {
    let mut budget = FlowBudget {
        lookups: MAX_LOOKUPS,
        seen: std::collections::HashSet::new(),
    };
    request_input_within(node, lang, src, MAX_FLOW_STEPS, &mut budget)
}

/// How many `a = b; b = c` steps of local data flow request-input tracking follows.
const MAX_FLOW_STEPS: usize = 3;
/// How many local definitions one evaluation may look up: each lookup scans the function, so
/// a bound keeps huge generated functions linear.
const MAX_LOOKUPS: usize = 64;

struct FlowBudget {
    lookups: usize,
    /// Variable names already followed in this evaluation (a name is looked up once).
    seen: std::collections::HashSet<String>,
}

fn request_input_within<'t>(
    node: Node<'t>,
    lang: Lang,
    src: &str,
    steps: usize,
    budget: &mut FlowBudget,
) -> Option<Node<'t>> {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if is_request_input(n, lang, src) {
            return Some(n);
        }
        if steps > 0
            && budget.lookups > 0
            && is_local_variable(n, lang)
            && budget.seen.insert(text(n, src).to_string())
        {
            budget.lookups -= 1;
            let flows = match local_definition(n, src) {
                Some(value) => request_input_within(value, lang, src, steps - 1, budget),
                None if lang.is_js_family() => js_request_input_parameter(n, src),
                None => None,
            };
            if flows.is_some() {
                return flows;
            }
        }
        // A project function applied to input (`time_interval(params[:period])`, `Integer(x)`)
        // usually parses or validates it: what comes out is not raw input any more.
        if is_opaque_call(n, lang, src) {
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    None
}

/// A receiverless function call that is not a known pass-through of its argument.
fn is_opaque_call(n: Node, lang: Lang, src: &str) -> bool {
    match (lang, n.kind()) {
        (Lang::Ruby, "call") => {
            n.child_by_field_name("receiver").is_none()
                && n.child_by_field_name("arguments").is_some()
                && !n.child_by_field_name("method").is_some_and(|m| {
                    matches!(text(m, src), "String" | "format" | "sprintf" | "Array")
                })
        }
        (Lang::Php, "function_call_expression") => {
            !n.child_by_field_name("function").is_some_and(|f| {
                matches!(
                    text(f, src).trim_start_matches('\\'),
                    "trim"
                        | "ltrim"
                        | "rtrim"
                        | "strval"
                        | "strtolower"
                        | "strtoupper"
                        | "urldecode"
                        | "rawurldecode"
                        | "sprintf"
                        | "implode"
                        | "str_replace"
                        | "stripslashes"
                        | "request"
                )
            })
        }
        (l, "call_expression") if l.is_js_family() => {
            n.child_by_field_name("function").is_some_and(|f| {
                // A record read back from the database is not request input any more, even
                // when the request chose which one (`existing.id` after a scoped `findFirst`).
                let db_read = f.kind() == "member_expression"
                    && f.child_by_field_name("property").is_some_and(|p| {
                        matches!(
                            text(p, src),
                            "findUnique"
                                | "findUniqueOrThrow"
                                | "findFirst"
                                | "findFirstOrThrow"
                                | "findMany"
                                | "create"
                                | "createMany"
                                | "update"
                                | "updateMany"
                                | "upsert"
                                | "delete"
                                | "deleteMany"
                                | "count"
                                | "aggregate"
                                | "groupBy"
                                | "returning"
                        )
                    });
                db_read
                    || f.kind() == "identifier"
                        && !matches!(
                            text(f, src),
                            "String"
                            | "decodeURIComponent"
                            | "decodeURI"
                            | "unescape"
                            | "useSearchParams"
                            | "useParams"
                            // Drizzle's operators build a condition out of their arguments.
                            | "eq"
                            | "ne"
                            | "and"
                            | "or"
                            | "inArray"
                            | "like"
                            | "ilike"
                        )
            })
        }
        _ => false,
    }
}

/// Is this node a plain local variable read (not a property name, not a method name)?
fn is_local_variable(n: Node, lang: Lang) -> bool {
    match lang {
        Lang::Php => n.kind() == "variable_name",
        Lang::Ruby => {
            n.kind() == "identifier"
                && !n.parent().is_some_and(|p| {
                    p.kind() == "call"
                        && p.child_by_field_name("method")
                            .is_some_and(|m| m.id() == n.id())
                })
        }
        // `{ id }` in an object literal reads the variable `id`.
        _ => matches!(n.kind(), "identifier" | "shorthand_property_identifier"),
    }
}

/// Is the JS variable `var` a parameter that carries request input? Next.js passes route
/// `params` and `searchParams` to handlers and pages; every argument of a server action comes
/// from the client; tRPC and next-safe-action hand procedures `{ input }` / `{ parsedInput }`.
fn js_request_input_parameter<'t>(var: Node<'t>, src: &str) -> Option<Node<'t>> {
    let name = text(var, src);
    let mut cur = var.parent();
    while let Some(f) = cur {
        cur = f.parent();
        if !matches!(
            f.kind(),
            "function_declaration" | "function_expression" | "arrow_function" | "method_definition"
        ) {
            continue;
        }
        let params: Vec<Node> = match f.child_by_field_name("parameters") {
            Some(p) => {
                let mut c = p.walk();
                p.named_children(&mut c).collect()
            }
            // `x => …`
            None => f.child_by_field_name("parameter").into_iter().collect(),
        };
        for p in &params {
            let pattern = p.child_by_field_name("pattern").unwrap_or(*p);
            if !(text(pattern, src) == name || pattern_binds(pattern, name, src)) {
                continue;
            }
            let destructured = matches!(pattern.kind(), "object_pattern");
            let key_of_binding = pattern_key_of(pattern, name, src);
            let route_input = |k: &str| matches!(k, "params" | "searchParams");
            let input = route_input(name)
                || key_of_binding.as_deref().is_some_and(route_input)
                || (destructured
                    && (matches!(name, "input" | "parsedInput")
                        || key_of_binding
                            .as_deref()
                            .is_some_and(|k| matches!(k, "input" | "parsedInput"))))
                || is_server_action(f, src);
            return input.then_some(*p);
        }
    }
    None
}

/// In `{ params: { id } }`, the outermost key under which `name` is bound (`params`).
fn pattern_key_of(pattern: Node, name: &str, src: &str) -> Option<String> {
    let mut c = pattern.walk();
    for child in pattern.named_children(&mut c) {
        if child.kind() == "pair_pattern" {
            let value = child.child_by_field_name("value")?;
            if pattern_binds(value, name, src) || text(value, src) == name {
                return child
                    .child_by_field_name("key")
                    .map(|k| text(k, src).to_string());
            }
        }
    }
    None
}

/// Is this function a server action: exported (or declared) at the top of a `"use server"`
/// module, or starting with its own `"use server"` directive?
fn is_server_action(f: Node, src: &str) -> bool {
    if crate::model::nextjs::module::has_use_server_directive(f, src) {
        return true;
    }
    let mut cur = f.parent();
    while let Some(n) = cur {
        match n.kind() {
            "export_statement" | "variable_declarator" | "lexical_declaration" => cur = n.parent(),
            "program" => {
                return crate::model::nextjs::module::starts_with_directive(n, src, "use server")
            }
            _ => return false,
        }
    }
    false
}

/// The value most recently assigned to the variable `var` before it is read, within the same
/// function: `const q = …`, `const { q } = …`, `q = …`, `$q = …`.
fn local_definition<'t>(var: Node<'t>, src: &str) -> Option<Node<'t>> {
    let name = text(var, src);
    let scope = local_scope(var)?;
    if name.is_empty() {
        return None;
    }
    // Only nodes whose text is the name can bind it, so look only where the name occurs before
    // the variable instead of walking the whole scope (a class body or file, for code outside
    // a method, with a lookup per splice). The same definitions as `local_definition_by_walk`.
    let mut best: Option<Node> = None;
    let mut consider = |decl: Node<'t>, value: Node<'t>| {
        if decl.start_byte() < var.start_byte()
            && best.is_none_or(|b| b.start_byte() < value.start_byte())
        {
            best = Some(value);
        }
    };
    // Where the name occurs before the variable, ascending.
    let region = src.get(scope.start_byte()..var.start_byte()).unwrap_or("");
    let step = name.chars().next().map_or(1, char::len_utf8);
    let mut occurrences = Vec::new();
    let mut from = 0;
    while let Some(i) = region.get(from..).and_then(|r| r.find(name)) {
        occurrences.push(scope.start_byte() + from + i);
        from += i + step;
    }
    let len = name.len();
    let holds_one = |n: Node| {
        let i = occurrences.partition_point(|&p| p < n.start_byte());
        occurrences.get(i).is_some_and(|&p| p + len <= n.end_byte())
    };
    // One walk down to every occurrence (subtrees without one are skipped), keeping the path
    // of ancestors and, among them, the destructuring patterns that are assignment targets:
    // each node is visited once however many occurrences it holds.
    let mut cursor = scope.walk();
    let mut path = vec![scope];
    let mut targets: Vec<(usize, Node, Node)> = Vec::new();
    let mut more = !occurrences.is_empty() && cursor.goto_first_child();
    while more {
        let n = cursor.node();
        if holds_one(n) {
            let parent = path.last().copied();
            let bound = parent.and_then(|p| binding_of_target(p, n));
            let pattern = matches!(n.kind(), "object_pattern" | "array_pattern");
            let exact = n.end_byte() == n.start_byte() + len
                && occurrences.binary_search(&n.start_byte()).is_ok();
            if exact {
                // `x = …`, `const x = …`.
                if let Some((decl, value)) = bound.filter(|_| !pattern) {
                    consider(decl, value);
                }
                // `const { x } = …`, `[a, x] = …`: a name inside a destructuring target.
                if matches!(
                    n.kind(),
                    "shorthand_property_identifier_pattern" | "identifier"
                ) {
                    for &(_, decl, value) in &targets {
                        consider(decl, value);
                    }
                }
            }
            path.push(n);
            if let Some((decl, value)) = bound.filter(|_| pattern) {
                targets.push((path.len(), decl, value));
            }
            if cursor.goto_first_child() {
                continue;
            }
            leave(&mut path, &mut targets);
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() || path.len() <= 1 {
                more = false;
                break;
            }
            leave(&mut path, &mut targets);
        }
    }
    // A destructuring target around the variable itself binds every name in it, the variable's
    // too (`const { a = x } = o` for `x`).
    let around = path_to(scope, var.start_byte(), var.end_byte());
    patterns_on(&around, &mut |decl, value| {
        if binding_target(decl).is_some_and(|t| pattern_binds(t, name, src)) {
            consider(decl, value);
        }
    });
    best
}

/// Steps out of the innermost node of `path`, and of the target pattern it is, if it is one.
fn leave<'t>(path: &mut Vec<Node<'t>>, targets: &mut Vec<(usize, Node<'t>, Node<'t>)>) {
    if targets.last().is_some_and(|t| t.0 == path.len()) {
        targets.pop();
    }
    path.pop();
}

/// `scope` and its descendants containing `start..end`, outermost first (one descent: a
/// `Node::parent` call walks down from the root each time).
fn path_to(scope: Node, start: usize, end: usize) -> Vec<Node> {
    let mut path = vec![scope];
    let mut cursor = scope.walk();
    while cursor.goto_first_child_for_byte(start).is_some() {
        let n = cursor.node();
        if n.start_byte() > start || n.end_byte() < end {
            break;
        }
        path.push(n);
    }
    path
}

/// Calls `found(declaration, value)` for each destructuring pattern on `path` (ancestors,
/// outermost first; the first is the scope) that is the target of a declaration or assignment.
fn patterns_on<'t>(path: &[Node<'t>], found: &mut dyn FnMut(Node<'t>, Node<'t>)) {
    for k in 2..path.len() {
        if matches!(path[k].kind(), "object_pattern" | "array_pattern") {
            if let Some((decl, value)) = binding_of_target(path[k - 1], path[k]) {
                found(decl, value);
            }
        }
    }
}

/// The function (or program) whose locals `var` is among.
fn local_scope(var: Node) -> Option<Node> {
    let mut cur = var.parent();
    while let Some(n) = cur {
        if matches!(
            n.kind(),
            "function_declaration"
                | "function_expression"
                | "arrow_function"
                | "method_definition"
                | "method"
                | "singleton_method"
                | "function_definition"
                | "method_declaration"
                | "anonymous_function"
                | "program"
        ) {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// The target of a declaration or assignment node: its `name` / `left`.
fn binding_target(decl: Node) -> Option<Node> {
    match decl.kind() {
        "variable_declarator" => decl.child_by_field_name("name"),
        "assignment_expression" | "assignment" => decl.child_by_field_name("left"),
        _ => None,
    }
}

/// When `x` is the target of `decl`, its parent declaration or assignment: `decl` and its value.
fn binding_of_target<'t>(decl: Node<'t>, x: Node<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let value = match decl.kind() {
        "variable_declarator" => decl.child_by_field_name("value"),
        "assignment_expression" | "assignment" => decl.child_by_field_name("right"),
        _ => None,
    }?;
    (binding_target(decl)?.id() == x.id()).then_some((decl, value))
}

/// The definition [`local_definition`] finds, by walking every node of the scope: the test
/// oracle for its faster search.
#[cfg(test)]
fn local_definition_by_walk<'t>(var: Node<'t>, src: &str) -> Option<Node<'t>> {
    let name = text(var, src);
    let scope = local_scope(var)?;
    let mut best: Option<Node> = None;
    let mut stack = vec![scope];
    while let Some(n) = stack.pop() {
        if n.start_byte() >= var.start_byte() {
            continue;
        }
        let (target, value) = match n.kind() {
            "variable_declarator" => (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            ),
            "assignment_expression" | "assignment" => (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ),
            _ => (None, None),
        };
        if let (Some(t), Some(v)) = (target, value) {
            let binds = match t.kind() {
                "object_pattern" | "array_pattern" => pattern_binds(t, name, src),
                _ => text(t, src) == name,
            };
            if binds && best.is_none_or(|b| b.start_byte() < v.start_byte()) {
                best = Some(v);
            }
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    best
}

/// Does a destructuring pattern bind `name`?
fn pattern_binds(pattern: Node, name: &str, src: &str) -> bool {
    let mut stack = vec![pattern];
    while let Some(n) = stack.pop() {
        if matches!(
            n.kind(),
            "shorthand_property_identifier_pattern" | "identifier"
        ) && text(n, src) == name
        {
            return true;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    false
}

/// Is this very node a read of request input?
fn is_request_input(n: Node, lang: Lang, src: &str) -> bool {
    let t = text(n, src);
    match lang {
        Lang::Ruby => match n.kind() {
            "identifier" => matches!(t, "params" | "cookies"),
            "call" => {
                let recv = n
                    .child_by_field_name("receiver")
                    .map(|r| text(r, src))
                    .unwrap_or("");
                let method = n
                    .child_by_field_name("method")
                    .map(|m| text(m, src))
                    .unwrap_or("");
                recv == "request"
                    && matches!(
                        method,
                        "body"
                            | "raw_post"
                            | "params"
                            | "query_parameters"
                            | "request_parameters"
                            | "headers"
                            | "query_string"
                            | "path"
                            | "url"
                            | "referer"
                            | "user_agent"
                            | "cookies"
                    )
            }
            _ => false,
        },
        Lang::Php => match n.kind() {
            "variable_name" => matches!(
                t,
                "$_GET" | "$_POST" | "$_REQUEST" | "$_COOKIE" | "$_SERVER" | "$_FILES"
            ),
            "member_call_expression"
            | "member_access_expression"
            | "nullsafe_member_call_expression" => {
                let obj = n
                    .child_by_field_name("object")
                    .map(|o| text(o, src))
                    .unwrap_or("");
                obj == "$request" || obj == "$this->request" || obj == "request()" || obj == "$req"
            }
            "function_call_expression" => {
                let f = n
                    .child_by_field_name("function")
                    .map(|f| text(f, src))
                    .unwrap_or("");
                let has_args = n
                    .child_by_field_name("arguments")
                    .is_some_and(|a| a.named_child_count() > 0);
                (f == "request" || f == "\\request") && has_args
            }
            "scoped_call_expression" => {
                let scope = n
                    .child_by_field_name("scope")
                    .map(|s| text(s, src))
                    .unwrap_or("");
                scope.trim_start_matches('\\').ends_with("Request") || scope.ends_with("Input")
            }
            _ => false,
        },
        _ => match n.kind() {
            "member_expression" => {
                let obj = n
                    .child_by_field_name("object")
                    .map(|o| text(o, src))
                    .unwrap_or("");
                let prop = n
                    .child_by_field_name("property")
                    .map(|p| text(p, src))
                    .unwrap_or("");
                (matches!(obj, "req" | "request" | "ctx.req" | "context.req" | "event")
                    && matches!(
                        prop,
                        "body"
                            | "query"
                            | "params"
                            | "headers"
                            | "cookies"
                            | "url"
                            | "nextUrl"
                            | "json"
                            | "formData"
                            | "text"
                    ))
                    || prop == "searchParams"
                    || (matches!(obj, "params" | "searchParams" | "input" | "query" | "body")
                        && !prop.is_empty())
            }
            "identifier" => matches!(t, "searchParams" | "formData"),
            "call_expression" => {
                let f = n
                    .child_by_field_name("function")
                    .map(|f| text(f, src))
                    .unwrap_or("");
                f.ends_with("searchParams.get")
                    || f.ends_with("formData.get")
                    || f == "useSearchParams"
                    || f == "useParams"
            }
            _ => false,
        },
    }
}

/// How far up the tree `binding-name` looks before giving up (an expression nests only so deep
/// before it reaches its binding; a bound keeps deep trees cheap).
const MAX_BINDING_DEPTH: usize = 24;

/// The name an expression's value is bound to. See the module docs.
pub fn binding_name(node: Node, lang: Lang, src: &str) -> Option<String> {
    binding(node, lang, src).map(|(name, _)| name)
}

/// The whole expression bound to the name `binding-name` finds (the right-hand side, the object
/// value, the returned expression), containing `node`.
pub fn binding_value<'t>(node: Node<'t>, lang: Lang, src: &str) -> Option<Node<'t>> {
    binding(node, lang, src).map(|(_, value)| value)
}

fn binding<'t>(node: Node<'t>, lang: Lang, src: &str) -> Option<(String, Node<'t>)> {
    let mut value = node;
    let name = binding_walk(node, lang, src, &mut value)?;
    Some((name, value))
}

fn binding_walk<'t>(node: Node<'t>, lang: Lang, src: &str, value: &mut Node<'t>) -> Option<String> {
    let mut child = node;
    let mut cur = node.parent()?;
    for _ in 0..MAX_BINDING_DEPTH {
        // Whatever this step returns, `child` is the bound expression.
        *value = child;
        let kind = cur.kind();
        // A value compared with something (`Date.now() < expiresAt`) is a test, not what gets bound.
        if matches!(kind, "binary_expression" | "binary") {
            let op = cur
                .child_by_field_name("operator")
                .map(|o| o.kind())
                .unwrap_or("");
            if matches!(
                op,
                "<" | ">" | "<=" | ">=" | "==" | "===" | "!=" | "!==" | "<=>" | "<>"
            ) {
                return None;
            }
        }
        if lang.is_js_family() {
            match kind {
                "variable_declarator" => return field_name(cur, "name", src),
                "assignment_expression" | "augmented_assignment_expression" => {
                    if is_field(cur, "right", child) {
                        return cur
                            .child_by_field_name("left")
                            .and_then(|l| lvalue_name(l, src));
                    }
                    return None;
                }
                "pair" => {
                    if is_field(cur, "value", child) {
                        return cur.child_by_field_name("key").map(|k| key_text(k, src));
                    }
                    return None;
                }
                "public_field_definition" | "field_definition" => {
                    return cur
                        .child_by_field_name("name")
                        .or_else(|| cur.child_by_field_name("property"))
                        .map(|n| key_text(n, src))
                }
                "return_statement" => return enclosing_function(cur, lang, src),
                "arrow_function" => {
                    // An expression body is an implicit return.
                    return if is_field(cur, "body", child) {
                        function_name(cur, lang, src)
                    } else {
                        None
                    };
                }
                "statement_block"
                | "expression_statement"
                | "program"
                | "class_body"
                | "function_declaration"
                | "method_definition"
                | "function_expression"
                | "if_statement"
                | "for_statement" => return None,
                _ => {}
            }
        } else if lang == Lang::Ruby {
            match kind {
                "assignment" | "operator_assignment" => {
                    if is_field(cur, "right", child) {
                        return cur
                            .child_by_field_name("left")
                            .and_then(|l| lvalue_name(l, src));
                    }
                    return None;
                }
                "pair" => {
                    if is_field(cur, "value", child) {
                        return cur.child_by_field_name("key").map(|k| key_text(k, src));
                    }
                    return None;
                }
                "return" => return enclosing_function(cur, lang, src),
                "body_statement" | "program" | "block_body" | "then" | "else" | "do" => {
                    // The last statement of a method body is its implicit return value.
                    if kind == "body_statement" && is_last_named(cur, child) {
                        if let Some(m) = cur
                            .parent()
                            .filter(|p| matches!(p.kind(), "method" | "singleton_method"))
                        {
                            return m
                                .child_by_field_name("name")
                                .map(|n| text(n, src).to_string());
                        }
                    }
                    return None;
                }
                "method" | "singleton_method" | "class" | "module" | "block" | "do_block"
                | "lambda" => return None,
                _ => {}
            }
        } else {
            match kind {
                "assignment_expression"
                | "augmented_assignment_expression"
                | "reference_assignment_expression" => {
                    if is_field(cur, "right", child) {
                        return cur
                            .child_by_field_name("left")
                            .and_then(|l| lvalue_name(l, src));
                    }
                    return None;
                }
                "array_element_initializer" => {
                    // `'key' => value`: the key is the first named child when there are two.
                    let mut c = cur.walk();
                    let kids: Vec<Node> = cur.named_children(&mut c).collect();
                    if kids.len() == 2 && kids[1].id() == child.id() {
                        return Some(key_text(kids[0], src));
                    }
                    return None;
                }
                "return_statement" => return enclosing_function(cur, lang, src),
                "property_element" => {
                    return Some(
                        text(cur, src)
                            .trim_start_matches('$')
                            .split(['=', ' '])
                            .next()
                            .unwrap_or("")
                            .to_string(),
                    )
                }
                "compound_statement"
                | "expression_statement"
                | "program"
                | "declaration_list"
                | "function_definition"
                | "method_declaration"
                | "if_statement" => return None,
                _ => {}
            }
        }
        child = cur;
        cur = cur.parent()?;
    }
    None
}

fn is_field(parent: Node, field: &str, child: Node) -> bool {
    parent
        .child_by_field_name(field)
        .is_some_and(|n| n.id() == child.id())
}

fn is_last_named(parent: Node, child: Node) -> bool {
    let count = parent.named_child_count();
    count > 0
        && parent
            .named_child(count - 1)
            .is_some_and(|n| n.id() == child.id())
}

fn field_name(node: Node, field: &str, src: &str) -> Option<String> {
    node.child_by_field_name(field).map(|n| key_text(n, src))
}

/// The name an assignment target stands for: `x`, `obj.x`, `obj['x']`, `@x`, `$x`, `$o->x`, `h[:x]`.
fn lvalue_name(node: Node, src: &str) -> Option<String> {
    match node.kind() {
        "member_expression" => node
            .child_by_field_name("property")
            .map(|p| text(p, src).to_string()),
        "subscript_expression" => {
            let idx = node
                .child_by_field_name("index")
                .or_else(|| last_named(node))?;
            Some(key_text(idx, src))
        }
        "call" => node
            .child_by_field_name("method")
            .map(|m| text(m, src).to_string()),
        "element_reference" => last_named(node).map(|k| key_text(k, src)),
        "member_access_expression"
        | "nullsafe_member_access_expression"
        | "scoped_property_access_expression" => {
            node.child_by_field_name("name").map(|n| key_text(n, src))
        }
        _ => Some(key_text(node, src)),
    }
}

fn last_named(node: Node) -> Option<Node> {
    let n = node.named_child_count();
    if n == 0 {
        None
    } else {
        node.named_child(n - 1)
    }
}

/// A key or name as a bare word: quotes, `:`, `@`, `$` stripped.
fn key_text(node: Node, src: &str) -> String {
    let raw = if matches!(
        node.kind(),
        "string" | "encapsed_string" | "template_string"
    ) {
        string_content(node, src)
    } else {
        text(node, src).to_string()
    };
    raw.trim()
        .trim_start_matches([':', '@', '$'])
        .trim_end_matches(':')
        .to_string()
}

/// See the module docs (`enclosing-blocks`).
pub fn enclosing_blocks(node: Node, src: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut child = node;
    let mut cur = node.parent();
    while let Some(n) = cur {
        let block_start = match n.kind() {
            // Ruby: `call … do … end` / `call { … }`
            "call" => n
                .child_by_field_name("block")
                .filter(|b| b.id() == child.id())
                .map(|b| b.start_byte()),
            // JS / PHP: a function passed as an argument (`group(function () { … })`).
            "call_expression"
            | "member_call_expression"
            | "scoped_call_expression"
            | "function_call_expression" => {
                let is_fn = |k: &str| {
                    matches!(
                        k,
                        "arrow_function"
                            | "function_expression"
                            | "function"
                            | "anonymous_function"
                            | "arrow_function_expression"
                    )
                };
                n.child_by_field_name("arguments")
                    .filter(|a| a.id() == child.id())
                    .and_then(|args| {
                        let mut c = args.walk();
                        let found = args.named_children(&mut c).find(|a| {
                            is_fn(a.kind()) || a.named_child(0).is_some_and(|x| is_fn(x.kind()))
                        });
                        found.map(|f| f.start_byte())
                    })
            }
            _ => None,
        };
        if let Some(end) = block_start {
            let head = src.get(n.start_byte()..end).unwrap_or("");
            out.push(head.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        child = n;
        cur = n.parent();
    }
    out.reverse();
    out.join("\n")
}

/// See the module docs (`enclosing-class`).
pub fn enclosing_class<'s>(node: Node, src: &'s str) -> &'s str {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if matches!(
            n.kind(),
            "class" | "module" | "class_declaration" | "class_definition"
        ) {
            return text(n, src);
        }
        cur = n.parent();
    }
    src
}

/// The name of the innermost function or method around `node`.
pub fn enclosing_function(node: Node, lang: Lang, src: &str) -> Option<String> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        // PHP closures are not named functions: the method around them is.
        let php_closure =
            lang == Lang::Php && matches!(n.kind(), "anonymous_function" | "arrow_function");
        if is_function(n.kind(), lang) && !php_closure {
            return function_name(n, lang, src);
        }
        cur = n.parent();
    }
    None
}

/// A function's own name, or for an anonymous function the name it is bound to.
fn function_name(f: Node, lang: Lang, src: &str) -> Option<String> {
    if let Some(n) = f.child_by_field_name("name") {
        return Some(key_text(n, src));
    }
    binding_name(f, lang, src)
}

/// The literal text of a string node without delimiters; for a concatenation, its left-most piece.
pub fn string_content(node: Node, src: &str) -> String {
    // Walk down to the left-most piece with a loop: concatenations can nest very deep.
    let mut node = node;
    loop {
        let next = match node.kind() {
            "binary_expression" | "binary" => node.child_by_field_name("left"),
            "parenthesized_expression" => node.named_child(0),
            _ => break,
        };
        match next {
            Some(n) => node = n,
            None => return String::new(),
        }
    }
    let t = text(node, src);
    match node.kind() {
        "template_string" => t.trim_start_matches('`').trim_end_matches('`').to_string(),
        "string" | "encapsed_string" => {
            let t = t.trim_start_matches(['b', 'B']);
            let t = t
                .strip_prefix('"')
                .or_else(|| t.strip_prefix('\''))
                .unwrap_or(t);
            t.strip_suffix('"')
                .or_else(|| t.strip_suffix('\''))
                .unwrap_or(t)
                .to_string()
        }
        _ => t.to_string(),
    }
}

/// See the module docs.
pub fn interpolated_unsafely(node: Node, lang: Lang, src: &str) -> bool {
    interpolated_unsafely_within(node, lang, src, MAX_NESTED_STRINGS)
}

/// How many strings nested inside splices (`${`${x}`}`) are looked into; deeper ones count as unsafe.
const MAX_NESTED_STRINGS: usize = 16;

fn interpolated_unsafely_within(node: Node, lang: Lang, src: &str, depth: usize) -> bool {
    let mut spliced: Vec<Node> = Vec::new();
    collect_spliced(node, lang, &mut spliced);
    spliced
        .iter()
        .any(|n| !is_safe_splice(*n, lang, src, depth))
}

/// Collects the expressions spliced into a string: interpolations and non-literal concatenation operands.
fn collect_spliced<'t>(node: Node<'t>, lang: Lang, out: &mut Vec<Node<'t>>) {
    // An explicit stack: concatenations can nest thousands deep (`a + b + c + …`).
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let mut c = node.walk();
        match node.kind() {
            // JS template: `${expr}`
            "template_string" => {
                for child in node.named_children(&mut c) {
                    if child.kind() == "template_substitution" {
                        if let Some(e) = child.named_child(0) {
                            out.push(e);
                        }
                    }
                }
            }
            // Ruby "…#{expr}…", heredoc bodies.
            "string" | "heredoc_body" if lang == Lang::Ruby => {
                for child in node.named_children(&mut c) {
                    if child.kind() == "interpolation" {
                        if let Some(e) = child.named_child(0) {
                            out.push(e);
                        }
                    }
                }
            }
            // PHP "…$x…{$x}…", heredocs.
            "encapsed_string" | "heredoc" | "heredoc_body" if lang == Lang::Php => {
                for child in node.named_children(&mut c) {
                    match child.kind() {
                        "string_content" | "string_value" | "escape_sequence" | "heredoc_start"
                        | "heredoc_end" => {}
                        "heredoc_body" => stack.push(child),
                        _ => out.push(child),
                    }
                }
            }
            // Concatenation: `a + b` (JS, Ruby), `a . b` (PHP).
            "binary_expression" | "binary" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| o.kind())
                    .unwrap_or("");
                if op == "+" || op == "." {
                    // Right first, so that the left side is handled first (source order).
                    for side in ["right", "left"] {
                        if let Some(s) = node.child_by_field_name(side) {
                            if is_string_like(s) {
                                stack.push(s);
                            } else {
                                out.push(s);
                            }
                        }
                    }
                }
            }
            "parenthesized_expression" | "parenthesized_statements" => {
                if let Some(inner) = node.named_child(0) {
                    stack.push(inner);
                }
            }
            _ => {}
        }
    }
}

fn is_string_like(n: Node) -> bool {
    matches!(
        n.kind(),
        "string"
            | "template_string"
            | "encapsed_string"
            | "heredoc"
            | "binary_expression"
            | "binary"
            | "parenthesized_expression"
    )
}

/// Is a spliced expression harmless: a literal, a CONSTANT, or an explicit numeric conversion/quoting?
fn is_safe_splice(n: Node, lang: Lang, src: &str, depth: usize) -> bool {
    let t = text(n, src).trim();
    let is_constant_name = |s: &str| {
        let s = s.rsplit(['.', ':', '>']).next().unwrap_or(s);
        !s.is_empty()
            && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    match n.kind() {
        "number" | "integer" | "float" | "true" | "false" | "null" | "nil" | "boolean" => {
            return true
        }
        "string" if lang != Lang::Ruby => return true,
        "string" | "template_string" => {
            return depth > 0 && !interpolated_unsafely_within(n, lang, src, depth - 1)
        }
        "constant" | "scope_resolution" => return true,
        "class_constant_access_expression" => return true,
        "cast_expression" => {
            return n.child_by_field_name("type").is_some_and(|ty| {
                matches!(
                    text(ty, src),
                    "int" | "integer" | "float" | "bool" | "double"
                )
            })
        }
        "identifier" | "member_expression" | "name" if is_constant_name(t) => return true,
        _ => {}
    }
    // A generated placeholder list: `ids.map(() => "?").join(",")`, `implode(',', array_fill(0, $n, '?'))`.
    if (t.contains(".join(") || t.contains("implode("))
        && (t.contains("\"?\"") || t.contains("'?'") || t.contains("`$${"))
    {
        return true;
    }
    if lang == Lang::Ruby {
        // Ids of loaded records, Arel-generated SQL, and class-level values (enums, table names)
        // are not request input; request input in Ruby is `params[...]`, which these never are.
        if t.ends_with(".id") || t.ends_with(".to_sql") || t.ends_with("table_name") {
            return true;
        }
        let root = t.split(['.', '[', '(', ':']).next().unwrap_or("");
        if root.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && !contains_request_input(n, lang, src)
        {
            return true;
        }
    }
    // Explicit numeric conversions and quoting helpers.
    const SAFE_CALL_SUFFIXES: [&str; 8] = [
        ".to_i", ".to_f", ".to_d", ".to_r", ".toFixed", ".length", ".size", ".count",
    ];
    if SAFE_CALL_SUFFIXES
        .iter()
        .any(|s| t.ends_with(s) || t.contains(&format!("{s}(")) && t.ends_with(')'))
    {
        return true;
    }
    const SAFE_FUNCS: [&str; 15] = [
        "Number(",
        "parseInt(",
        "parseFloat(",
        "intval(",
        "floatval(",
        "(int)",
        "quote(",
        "quote_table_name(",
        "quote_column_name(",
        "sanitize_sql",
        "connection.quote",
        "->quote(",
        "Integer(",
        "Float(",
        "PDO::quote(",
    ];
    SAFE_FUNCS
        .iter()
        .any(|f| t.starts_with(f) || t.contains(&format!(".{f}")) || t.contains(&format!("::{f}")))
        || t == "table_name"
        || t.ends_with(".table_name")
        || t.ends_with("quoted_table_name")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(lang: Lang, src: &str) -> tree_sitter::Tree {
        let mut p = tree_sitter::Parser::new();
        p.set_language(&lang.grammar()).unwrap();
        p.parse(src, None).unwrap()
    }

    /// Finds the first node whose text is exactly `needle` (smallest first).
    fn find<'t>(tree: &'t tree_sitter::Tree, src: &str, needle: &str) -> Node<'t> {
        let start = src.find(needle).expect("needle in source");
        let end = start + needle.len();
        let mut node = tree
            .root_node()
            .descendant_for_byte_range(start, end)
            .unwrap();
        while node.byte_range() != (start..end) {
            node = node.parent().expect("a node spans exactly the needle");
        }
        node
    }

    fn binding(lang: Lang, src: &str, needle: &str) -> Option<String> {
        let tree = parse(lang, src);
        binding_name(find(&tree, src, needle), lang, src)
    }

    #[test]
    fn binding_names_in_js() {
        let l = Lang::TypeScript;
        assert_eq!(
            binding(
                l,
                "const resetToken = Math.random().toString(36);",
                "Math.random()"
            ),
            Some("resetToken".into())
        );
        assert_eq!(
            binding(l, "user.apiKey = String(Math.random());", "Math.random()"),
            Some("apiKey".into())
        );
        assert_eq!(
            binding(l, "data['token'] = Math.random();", "Math.random()"),
            Some("token".into())
        );
        assert_eq!(
            binding(
                l,
                "await db.insert({ inviteToken: Math.random() });",
                "Math.random()"
            ),
            Some("inviteToken".into())
        );
        assert_eq!(
            binding(
                l,
                "function makeToken() { return Math.random().toString(36); }",
                "Math.random()"
            ),
            Some("makeToken".into())
        );
        assert_eq!(
            binding(l, "const genCode = () => Math.random();", "Math.random()"),
            Some("genCode".into())
        );
        assert_eq!(
            binding(
                l,
                "function token() { log(Math.random()); }",
                "Math.random()"
            ),
            None
        );
        assert_eq!(
            binding(l, "setTimeout(f, Math.random() * 100);", "Math.random()"),
            None
        );
    }

    #[test]
    fn binding_names_in_ruby() {
        let l = Lang::Ruby;
        assert_eq!(
            binding(l, "token = rand(1000)\n", "rand(1000)"),
            Some("token".into())
        );
        assert_eq!(
            binding(l, "@reset_token = rand(1000)\n", "rand(1000)"),
            Some("reset_token".into())
        );
        assert_eq!(
            binding(l, "user.otp_code = rand(1000)\n", "rand(1000)"),
            Some("otp_code".into())
        );
        assert_eq!(
            binding(l, "user.update(invite_token: rand(1000))\n", "rand(1000)"),
            Some("invite_token".into())
        );
        assert_eq!(
            binding(
                l,
                "def generate_token\n  x = 1\n  rand(1000).to_s\nend\n",
                "rand(1000)"
            ),
            Some("generate_token".into())
        );
        assert_eq!(
            binding(
                l,
                "def generate_token\n  rand(1000)\n  x = 1\nend\n",
                "rand(1000)"
            ),
            None
        );
    }

    #[test]
    fn binding_names_in_php() {
        let l = Lang::Php;
        assert_eq!(
            binding(l, "<?php $token = md5(uniqid());", "uniqid()"),
            Some("token".into())
        );
        assert_eq!(
            binding(l, "<?php $user->reset_token = rand();", "rand()"),
            Some("reset_token".into())
        );
        assert_eq!(
            binding(l, "<?php $a = ['api_key' => uniqid()];", "uniqid()"),
            Some("api_key".into())
        );
        assert_eq!(
            binding(
                l,
                "<?php function makeToken() { return uniqid(); }",
                "uniqid()"
            ),
            Some("makeToken".into())
        );
        assert_eq!(binding(l, "<?php sleep(rand(1, 5));", "rand(1, 5)"), None);
    }

    /// The search for a local variable's definition finds what walking its whole scope finds,
    /// for every local variable of every fixture (and of `SKILLSTACK_MATCH_CORPUS`, locally).
    #[test]
    fn local_definitions_match_the_walk_over_the_scope() {
        let snippets = [
            (
                Lang::TypeScript,
                "const { a = x } = o; const [b, { c }] = p; let d; d = c; f(x, b, c, d);",
            ),
            (
                Lang::TypeScript,
                "function f() { const q = req.query.q; const q2 = q; q = 1; return g(q, q2); }",
            ),
            (
                Lang::Ruby,
                "def show\n  q = params[:q]\n  q = q.strip\n  where(\"a = #{q}\")\nend\n",
            ),
            (
                Lang::Php,
                "<?php function f($r) { $q = $r->q; $qq = $q; return g($q, $qq); }",
            ),
        ];
        let mut sources: Vec<(Lang, String)> =
            snippets.iter().map(|(l, s)| (*l, s.to_string())).collect();
        sources.extend(crate::testing::corpus_sources(&["skills"]).map(|(_, l, s)| (l, s)));
        let mut checked = 0;
        for (lang, src) in &sources {
            let tree = parse(*lang, src);
            let mut stack = vec![tree.root_node()];
            while let Some(n) = stack.pop() {
                if is_local_variable(n, *lang) {
                    let fast = local_definition(n, src).map(|d| d.id());
                    let walk = local_definition_by_walk(n, src).map(|d| d.id());
                    assert_eq!(
                        fast,
                        walk,
                        "{:?} at {:?} in {}",
                        text(n, src),
                        n.start_position(),
                        &src[..src.len().min(80)]
                    );
                    checked += 1;
                }
                let mut c = n.walk();
                stack.extend(n.children(&mut c));
            }
        }
        assert!(checked > 2000, "{checked}");
    }

    /// Also checks that where it holds, the text has what the prefilter requires.
    fn unsafe_interp(lang: Lang, src: &str, needle: &str) -> bool {
        let tree = parse(lang, src);
        let holds = interpolated_unsafely(find(&tree, src, needle), lang, src);
        if let Some(needs) = BoolPredicate::InterpolatedUnsafely.required_literals(lang) {
            assert!(
                !holds || needs.iter().any(|l| src.contains(l)),
                "{src:?} holds without any of {needs:?}"
            );
        }
        holds
    }

    #[test]
    fn interpolation_safety() {
        let js = Lang::TypeScript;
        assert!(unsafe_interp(
            js,
            "q(`SELECT * FROM t WHERE a = ${x}`)",
            "`SELECT * FROM t WHERE a = ${x}`"
        ));
        assert!(!unsafe_interp(
            js,
            "q(`SELECT * FROM t LIMIT ${LIMIT}`)",
            "`SELECT * FROM t LIMIT ${LIMIT}`"
        ));
        assert!(!unsafe_interp(js, "q(`SELECT 1`)", "`SELECT 1`"));
        assert!(unsafe_interp(
            js,
            "q('SELECT * FROM t WHERE a = ' + x)",
            "'SELECT * FROM t WHERE a = ' + x"
        ));
        assert!(!unsafe_interp(js, "q('SELECT ' + 'x')", "'SELECT ' + 'x'"));
        assert!(!unsafe_interp(
            js,
            "q(`LIMIT ${Number(n)}`)",
            "`LIMIT ${Number(n)}`"
        ));

        let rb = Lang::Ruby;
        assert!(unsafe_interp(
            rb,
            "where(\"name = '#{params[:q]}'\")",
            "\"name = '#{params[:q]}'\""
        ));
        assert!(!unsafe_interp(
            rb,
            "where(\"id = #{id.to_i}\")",
            "\"id = #{id.to_i}\""
        ));
        assert!(!unsafe_interp(
            rb,
            "where(\"x > #{LIMIT}\")",
            "\"x > #{LIMIT}\""
        ));
        assert!(!unsafe_interp(rb, "where(\"name = ?\")", "\"name = ?\""));
        assert!(unsafe_interp(rb, "where(\"a = \" + q)", "\"a = \" + q"));
        assert!(unsafe_interp(rb, "where((\"a = \" + q))", "(\"a = \" + q)"));
        // `#@ivar` interpolation: whatever the grammar makes of it, the text has `#@`.
        unsafe_interp(rb, "where(\"a = #@q\")", "\"a = #@q\"");

        let php = Lang::Php;
        assert!(unsafe_interp(
            php,
            "<?php DB::select(\"SELECT * FROM t WHERE a = $x\");",
            "\"SELECT * FROM t WHERE a = $x\""
        ));
        assert!(unsafe_interp(
            php,
            "<?php DB::select(\"SELECT * FROM t WHERE a = {$r->q}\");",
            "\"SELECT * FROM t WHERE a = {$r->q}\""
        ));
        assert!(unsafe_interp(
            php,
            "<?php DB::select('SELECT * FROM t WHERE a = ' . $x);",
            "'SELECT * FROM t WHERE a = ' . $x"
        ));
        assert!(!unsafe_interp(
            php,
            "<?php DB::select('SELECT * FROM t WHERE a = ' . (int) $x);",
            "'SELECT * FROM t WHERE a = ' . (int) $x"
        ));
        assert!(!unsafe_interp(
            php,
            "<?php DB::select('SELECT * FROM t WHERE a = ?');",
            "'SELECT * FROM t WHERE a = ?'"
        ));
    }

    fn request_input(lang: Lang, src: &str, needle: &str) -> bool {
        let tree = parse(lang, src);
        contains_request_input(find(&tree, src, needle), lang, src)
    }

    #[test]
    fn request_input_per_language() {
        assert!(request_input(
            Lang::Ruby,
            "x(\"a #{params[:q]}\")",
            "\"a #{params[:q]}\""
        ));
        assert!(request_input(
            Lang::Ruby,
            "x(request.body.read)",
            "request.body.read"
        ));
        assert!(!request_input(
            Lang::Ruby,
            "x(\"a #{user.name}\")",
            "\"a #{user.name}\""
        ));
        assert!(request_input(
            Lang::TypeScript,
            "q(`a ${req.query.sort}`)",
            "`a ${req.query.sort}`"
        ));
        assert!(request_input(
            Lang::TypeScript,
            "q(`a ${searchParams.get('q')}`)",
            "`a ${searchParams.get('q')}`"
        ));
        assert!(request_input(
            Lang::TypeScript,
            "q(`a ${params.id}`)",
            "`a ${params.id}`"
        ));
        assert!(!request_input(
            Lang::TypeScript,
            "q(`a ${table}`)",
            "`a ${table}`"
        ));
        assert!(request_input(
            Lang::Php,
            "<?php f(\"a {$request->q}\");",
            "\"a {$request->q}\""
        ));
        assert!(request_input(
            Lang::Php,
            "<?php f('a ' . request('q'));",
            "'a ' . request('q')"
        ));
        assert!(request_input(
            Lang::Php,
            "<?php f('a ' . $_GET['q']);",
            "'a ' . $_GET['q']"
        ));
        assert!(!request_input(
            Lang::Php,
            "<?php f('a ' . $table);",
            "'a ' . $table"
        ));
    }

    #[test]
    fn request_input_through_local_variables() {
        let ts = "async function GET(req) { const { searchParams } = new URL(req.url); const q = searchParams.get('q'); const term = q; run(`x ${term}`); }";
        assert!(request_input(Lang::TypeScript, ts, "`x ${term}`"));
        let ts =
            "async function POST(req) { const { sort } = await req.json(); run(`x ${sort}`); }";
        assert!(request_input(Lang::TypeScript, ts, "`x ${sort}`"));
        let ts = "function f() { const sort = 'name'; run(`x ${sort}`); }";
        assert!(!request_input(Lang::TypeScript, ts, "`x ${sort}`"));
        let rb = "def index\n  q = params[:q]\n  where(\"a #{q}\")\nend\n";
        assert!(request_input(Lang::Ruby, rb, "\"a #{q}\""));
        let rb = "def index\n  len = time_interval(params[:period])\n  where(\"a #{len}\")\nend\n";
        assert!(
            !request_input(Lang::Ruby, rb, "\"a #{len}\""),
            "a project function's result is not raw input"
        );
        let rb = "def index\n  q = params[:q].strip\n  where(\"a #{q}\")\nend\n";
        assert!(
            request_input(Lang::Ruby, rb, "\"a #{q}\""),
            "a method called on input is still input"
        );
        let rb = "def index\n  q = 'x'\n  where(\"a #{q}\")\nend\n";
        assert!(!request_input(Lang::Ruby, rb, "\"a #{q}\""));
        let php = "<?php function f($request) { $sort = $request->input('sort'); DB::select(\"a $sort\"); }";
        assert!(request_input(Lang::Php, php, "\"a $sort\""));
        // A later assignment does not flow backwards.
        let php = "<?php function f($request) { DB::select(\"a $sort\"); $sort = $request->input('sort'); }";
        assert!(!request_input(Lang::Php, php, "\"a $sort\""));
    }

    #[test]
    fn request_input_from_next_parameters() {
        let t = Lang::TypeScript;
        // Route params, awaited (Next.js 15) or not, and destructured deeper.
        let ts = "export async function GET(req, { params }) { const { id } = await params; find({ where: { id } }); }";
        assert!(request_input(t, ts, "{ where: { id } }"));
        let ts =
            "export default function Page({ params: { slug } }) { find({ where: { slug } }); }";
        assert!(request_input(t, ts, "{ where: { slug } }"));
        // Every argument of a server action; not of an ordinary function.
        let ts = "'use server';\nexport async function archive(projectId: string) { find({ where: { id: projectId } }); }";
        assert!(request_input(t, ts, "{ id: projectId }"));
        let ts = "export async function archive(projectId: string) { find({ where: { id: projectId } }); }";
        assert!(!request_input(t, ts, "{ id: projectId }"));
        let ts = "async function save(id) { 'use server'; find({ where: { id } }); }";
        assert!(request_input(t, ts, "{ where: { id } }"));
        // tRPC / next-safe-action inputs.
        let ts = "p.mutation(async ({ input, ctx }) => find({ where: { id: input.id } }))";
        assert!(request_input(t, ts, "{ id: input.id }"));
        let ts = "a.action(async ({ parsedInput: { id } }) => find({ where: { id } }))";
        assert!(request_input(t, ts, "{ where: { id } }"));
        let ts = "function slug(input) { find({ where: { id: input } }); }";
        assert!(!request_input(t, ts, "{ id: input }"));
        // A record read back from the database is not input any more; Drizzle operators are.
        let ts = "async function GET(req, { params }) { const doc = await db.doc.findFirst({ where: { id: params.id, userId } }); update({ where: { id: doc.id } }); }";
        assert!(!request_input(t, ts, "{ id: doc.id }"));
        let ts = "async function GET(req, { params }) { db.select().from(t).where(eq(t.id, params.id)); }";
        assert!(request_input(t, ts, "eq(t.id, params.id)"));
    }

    #[test]
    fn request_input_sources_are_where_input_enters() {
        let source = |lang: Lang, src: &str, needle: &str| {
            let tree = parse(lang, src);
            request_input_source(find(&tree, src, needle), lang, src)
                .map(|n| text(n, src).to_string())
        };
        let t = Lang::TypeScript;
        // Through a local variable to the handler's parameter.
        let ts = "export async function GET(req, { params }) { const { id } = await params; find({ where: { id } }); }";
        assert_eq!(
            source(t, ts, "{ where: { id } }").as_deref(),
            Some("{ params }")
        );
        // A server action's argument.
        let ts = "'use server';\nexport async function archive(projectId: string) { find({ where: { id: projectId } }); }";
        assert_eq!(
            source(t, ts, "{ id: projectId }").as_deref(),
            Some("projectId: string")
        );
        // Rails: the params read itself, through a local.
        let rb = "def show\n  id = params[:id]\n  Doc.find(id)\nend";
        assert_eq!(source(Lang::Ruby, rb, "(id)").as_deref(), Some("params"));
        assert_eq!(source(t, "function f(x) { find(x); }", "(x)"), None);
    }

    #[test]
    fn public_methods() {
        let public = |lang: Lang, src: &str, needle: &str| {
            let tree = parse(lang, src);
            public_method(find(&tree, src, needle), lang, src)
        };
        let rb = "class A\n  def a; x1; end\n  private def b; x2; end\n  def c; x3; end\n  private\n  def d; x4; end\n  public\n  def e; x5; end\nend";
        assert!(public(Lang::Ruby, rb, "x1"));
        assert!(!public(Lang::Ruby, rb, "x2"));
        assert!(public(Lang::Ruby, rb, "x3"));
        assert!(!public(Lang::Ruby, rb, "x4"));
        assert!(public(Lang::Ruby, rb, "x5"));
        assert!(!public(Lang::Ruby, "x1", "x1"));
        let php = "<?php class A { public function a() { x1(); } function b() { x2(); } protected function c() { x3(); } private static function d() { x4(); } }";
        assert!(public(Lang::Php, php, "x1"));
        assert!(public(Lang::Php, php, "x2"));
        assert!(!public(Lang::Php, php, "x3"));
        assert!(!public(Lang::Php, php, "x4"));
    }

    #[test]
    fn ruby_internal_splices_are_safe() {
        let rb = Lang::Ruby;
        assert!(!unsafe_interp(
            rb,
            "where(\"a = #{membership.id}\")",
            "\"a = #{membership.id}\""
        ));
        assert!(!unsafe_interp(
            rb,
            "from(\"(#{sub.to_sql}) AS x\")",
            "\"(#{sub.to_sql}) AS x\""
        ));
        assert!(!unsafe_interp(
            rb,
            "where(\"s = #{CallRoom.sources[:subject]}\")",
            "\"s = #{CallRoom.sources[:subject]}\""
        ));
        assert!(unsafe_interp(
            rb,
            "where(\"s = #{User.find(params[:id]).name}\")",
            "\"s = #{User.find(params[:id]).name}\""
        ));
    }

    #[test]
    fn enclosing_blocks_and_classes() {
        let rb = "Rails.application.routes.draw do\n  authenticate :user, lambda { |u| u.admin? } do\n    mount Sidekiq::Web => \"/sidekiq\"\n  end\nend\n";
        let tree = parse(Lang::Ruby, rb);
        let blocks = enclosing_blocks(find(&tree, rb, "Sidekiq::Web"), rb);
        assert_eq!(
            blocks,
            "Rails.application.routes.draw\nauthenticate :user, lambda { |u| u.admin? }"
        );
        let php = "<?php Route::middleware('auth')->group(function () { Route::post('/x', [X::class, 'y']); });";
        let tree = parse(Lang::Php, php);
        assert!(
            enclosing_blocks(find(&tree, php, "Route::post('/x', [X::class, 'y'])"), php)
                .starts_with("Route::middleware('auth')->group(")
        );
        let rb = "class A\n  def x; 1; end\nend\n";
        let tree = parse(Lang::Ruby, rb);
        assert!(enclosing_class(find(&tree, rb, "1"), rb).starts_with("class A"));
    }

    #[test]
    fn string_contents() {
        let src = "q(`SELECT ${a}` + b)";
        let tree = parse(Lang::TypeScript, src);
        assert_eq!(
            string_content(find(&tree, src, "`SELECT ${a}` + b"), src),
            "SELECT ${a}"
        );
        let src = "<?php f(\"SELECT $x\");";
        let tree = parse(Lang::Php, src);
        assert_eq!(
            string_content(find(&tree, src, "\"SELECT $x\""), src),
            "SELECT $x"
        );
    }

    #[test]
    fn laravel_route_parameters_and_entry_points_in_a_snippet() {
        let src = "<?php\nnamespace App\\Http\\Controllers;\nuse App\\Models\\Document;\nclass DocumentController extends Controller\n{\n    public function __construct() { $this->middleware('auth'); }\n    public function show(string $id, string $slug) { return Document::findOrFail($id); }\n    public function edit(Document $document) { return Document::where('slug', $slug)->first(); }\n}\n";
        let (project, file) = ProjectModel::from_snippet(
            Some(crate::detect::Framework::Laravel),
            Lang::Php,
            "app/Http/Controllers/DocumentController.php",
            src,
        );
        let tree = parse(Lang::Php, src);
        let ctx = PredCtx {
            lang: Lang::Php,
            src,
            file: Some(&file),
            project: Some(&project),
        };
        let is = |p: &str, needle: &str| {
            BoolPredicate::parse(p)
                .unwrap()
                .eval(find(&tree, src, needle), &ctx)
        };
        assert!(is("contains-route-parameter", "Document::findOrFail($id)"));
        assert!(is("contains-route-parameter", "Document $document"));
        assert!(!is(
            "contains-route-parameter",
            "Document::where('slug', $slug)"
        ));
        assert!(is(
            "in-authenticated-entry-point",
            "Document::findOrFail($id)"
        ));
        assert!(!is(
            "in-authorized-entry-point",
            "Document::findOrFail($id)"
        ));
        assert!(
            !is("public-model", "Document::findOrFail($id)"),
            "unknown models are owned"
        );
        assert_eq!(
            ValueFn::EntryPoint.eval(find(&tree, src, "Document::findOrFail($id)"), &ctx),
            "DocumentController@show"
        );
    }
}
