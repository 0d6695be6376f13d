//! The Next.js app model: which code a request runs, and what guards it.
//!
//! **Entry points**: App Router route handlers (`app/**/route.ts` exporting `GET`, `POST`, …,
//! directly, through a wrapper such as `withAuth(async (req) => …)`, or as
//! `export { handler as POST }`), pages (`app/**/page.tsx`, their default export), `pages/api/**`
//! handlers (their default export), and server actions (the exports of a `"use server"` module,
//! and functions whose body starts with `"use server"`), and tRPC procedures (the resolver
//! passed to `…Procedure….query|mutation|subscription`; `protectedProcedure` and its kin
//! authenticate, `publicProcedure` does not). Code in a same-file helper that an entry point
//! calls runs in that entry point too. `src/app` and `src/pages` work the same way.
//!
//! An entry point is **authenticated** when its function, a same-file helper it calls, or a
//! project function it imports (followed up to two imports deep: `requireUser()` in
//! `lib/auth.ts` calling `auth()`) shows authentication evidence (see [`evidence`]); when a
//! helper cannot be read (a package), its name decides (`requireUser`, `withWorkspace`). It is
//! **authenticated otherwise** when that code checks a machine caller's secret or signature
//! (cron jobs, queues, webhooks, API keys), or when `middleware.ts` / `proxy.ts` (Next.js 16)
//! authenticates and its `matcher` covers the route's path (for a server action: page paths in
//! general). It is **authorized** when the same code shows authorization evidence.
//!
//! An entry point is **guarded by middleware only** when middleware is its sole authentication:
//! no session or machine check of its own (route handlers, `pages/api` handlers, exported server
//! actions). Such routes are open when middleware is skipped — CVE-2025-29927 on `next` below
//! 12.3.5 / 13.5.9 / 14.2.25 / 15.2.3, read from `package.json` — or its matcher misses a path.
//!
//! **Models**: Prisma models from `prisma/schema.prisma` (or `prisma/schema/*.prisma`) and Drizzle
//! tables (`pgTable("documents", { … })`, see [`project::read_drizzle_schema`]); a model with no
//! owner or tenant field (`userId`, `orgId`, `workspaceId`, …) is public data.

pub mod evidence;
pub mod module;
pub mod project;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regex::Regex;
use tree_sitter::Node;

use crate::lang::Lang;
use crate::model::EntryPoint;
use module::{lazy, Module};

/// What guards a piece of code: a signed-in user, a machine caller's secret, an authorization
/// check.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Evidence {
    user: bool,
    machine: bool,
    authz: bool,
}

impl std::ops::BitOr for Evidence {
    type Output = Evidence;
    fn bitor(self, o: Evidence) -> Evidence {
        Evidence {
            user: self.user || o.user,
            machine: self.machine || o.machine,
            authz: self.authz || o.authz,
        }
    }
}

impl Evidence {
    fn complete(self) -> bool {
        self.user && self.machine && self.authz
    }
}

/// HTTP methods a route handler may export.
const VERBS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// How many imports deep helper evidence is followed.
const IMPORT_DEPTH: usize = 2;

/// How many modules one app model may read through imports (a bound on pathological repos).
const MAX_MODULES: usize = 20_000;

/// What `middleware.ts` / `proxy.ts` does.
#[derive(Debug)]
pub struct Middleware {
    /// It shows authentication evidence (itself or through its helpers).
    pub authenticates: bool,
    /// Its `matcher` patterns; empty means it runs on every path.
    pub matchers: Vec<fancy_regex::Regex>,
    /// Its code decides which paths or hosts it guards (`createRouteMatcher`,
    /// `isProtectedRoute(pathname)`, `path.startsWith("/app")`), so the matcher does not say
    /// which paths are protected.
    pub conditional: bool,
    /// Clerk's `createRouteMatcher([…])` patterns that `auth.protect()` runs for (`false`), or
    /// runs for every path but (`true`, a list of public routes).
    pub protects: Option<(bool, Vec<fancy_regex::Regex>)>,
}

impl Middleware {
    /// Does the middleware run on this request path (and, when its code picks the paths it
    /// protects with Clerk's `createRouteMatcher`, protect it)?
    pub fn covers(&self, path: &str) -> bool {
        let runs = self.matchers.is_empty()
            || self
                .matchers
                .iter()
                .any(|m| m.is_match(path).unwrap_or(false));
        runs && self.protects.as_ref().is_none_or(|(except, patterns)| {
            patterns.iter().any(|p| p.is_match(path).unwrap_or(false)) != *except
        })
    }
}

/// One Next.js app.
#[derive(Debug, Default)]
pub struct NextApp {
    pub root: PathBuf,
    pub aliases: project::Aliases,
    /// Prisma models and Drizzle tables with their fields, when the app has either schema.
    pub schema: Option<BTreeMap<String, Vec<String>>>,
    /// The lowest `next` version `package.json` allows.
    pub next_version: Option<(u64, u64, u64)>,
    pub middleware: Option<Middleware>,
    /// The app depends on an auth library (so it has signed-in users).
    pub uses_auth_library: bool,
    budget: Duration,
    /// Module summaries read so far, by absolute path (`None`: unreadable or not JS/TS).
    modules: Mutex<HashMap<PathBuf, Option<Arc<Module>>>>,
}

/// What kind of file an entry point lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    RouteHandler,
    Page,
    PagesApi,
    Other,
}

impl NextApp {
    /// Reads the app's configuration, schema and middleware. Code modules are read lazily, as
    /// entry points import them.
    pub fn build(root: &Path, budget: Duration) -> NextApp {
        let mut app = NextApp {
            root: root.to_path_buf(),
            aliases: project::read_aliases(root),
            schema: merge_schemas(
                project::read_prisma_schema(root),
                project::read_drizzle_schema(root, budget),
            ),
            next_version: project::read_next_version(root),
            uses_auth_library: project::uses_auth_library(root),
            budget,
            ..Default::default()
        };
        app.middleware = app.read_middleware();
        app
    }

    /// An app for one snippet (rule examples, skill code blocks): nothing on disk.
    pub fn for_snippet(root: &Path, file: &Path, src: &str) -> NextApp {
        let app = NextApp {
            root: root.to_path_buf(),
            budget: Duration::from_secs(5),
            ..Default::default()
        };
        let tree = Lang::from_path(file)
            .filter(|l| l.is_js_family())
            .and_then(|lang| crate::analyze::parse(lang, src, app.budget));
        if let Some(tree) = tree {
            app.module_from_tree(file, tree.root_node(), src);
        }
        app
    }

    fn read_middleware(&self) -> Option<Middleware> {
        let file = ["middleware", "proxy", "src/middleware", "src/proxy"]
            .iter()
            .flat_map(|base| {
                ["ts", "js", "mjs", "tsx"].map(|e| self.root.join(format!("{base}.{e}")))
            })
            .find(|p| p.is_file())?;
        let m = self.module(&file)?;
        let local = ["default", "middleware", "proxy"]
            .iter()
            .find_map(|e| m.exports.get(*e).cloned())?;
        let mut seen = HashSet::new();
        let authn = self
            .fn_evidence(&file, &m, &local, IMPORT_DEPTH, &mut seen)
            .user;
        let matchers = m
            .matchers
            .iter()
            .filter_map(|p| module::matcher_regex(p))
            .collect();
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let protects = evidence::clerk_protected_routes(&text);
        // Once the route matcher is read, it is no longer a condition the model cannot see.
        let rest = match &protects {
            Some((name, _, _)) => text
                .replace("createRouteMatcher", "")
                .replace(&format!("{name}("), "("),
            None => text,
        };
        Some(Middleware {
            authenticates: authn,
            matchers,
            conditional: evidence::path_condition().is_match(&rest),
            protects: protects.map(|(_, except, patterns)| {
                let res = patterns
                    .iter()
                    .filter_map(|p| module::matcher_regex(p))
                    .collect();
                (except, res)
            }),
        })
    }

    /// The summary of a module on disk, read once.
    fn module(&self, file: &Path) -> Option<Arc<Module>> {
        if let Ok(cache) = self.modules.lock() {
            if let Some(m) = cache.get(file) {
                return m.clone();
            }
            if cache.len() >= MAX_MODULES {
                return None;
            }
        }
        let summary = Lang::from_path(file)
            .filter(|l| l.is_js_family())
            .and_then(|lang| {
                let src = std::fs::read_to_string(file).ok()?;
                let tree = crate::analyze::parse(lang, &src, self.budget)?;
                Some(Arc::new(Module::read(tree.root_node(), &src)))
            });
        if let Ok(mut cache) = self.modules.lock() {
            cache.insert(file.to_path_buf(), summary.clone());
        }
        summary
    }

    /// The summary of a module whose syntax tree is at hand (the file being audited): read from
    /// that tree rather than parsed again.
    fn module_from_tree(&self, file: &Path, root: Node, src: &str) -> Arc<Module> {
        if let Ok(cache) = self.modules.lock() {
            if let Some(Some(m)) = cache.get(file) {
                return m.clone();
            }
        }
        let m = Arc::new(Module::read(root, src));
        if let Ok(mut cache) = self.modules.lock() {
            cache.insert(file.to_path_buf(), Some(m.clone()));
        }
        m
    }

    /// Resolves an import specifier from `from` to a file: relative paths, tsconfig `paths`
    /// aliases and `baseUrl`, with the extensions and `index` files Node and TypeScript try.
    pub fn resolve(&self, from: &Path, spec: &str) -> Option<PathBuf> {
        let mut bases: Vec<PathBuf> = Vec::new();
        if spec.starts_with('.') {
            bases.push(from.parent()?.join(spec));
        } else {
            for (prefix, dirs) in &self.aliases.paths {
                if let Some(rest) = spec.strip_prefix(prefix.as_str()) {
                    bases.extend(dirs.iter().map(|d| d.join(rest)));
                }
            }
            if let Some(base) = &self.aliases.base_url {
                bases.push(base.join(spec));
            }
        }
        for base in bases {
            let base = crate::paths::absolute(&base).unwrap_or(base);
            if !base.starts_with(&self.root) {
                continue;
            }
            let name = base.file_name()?.to_string_lossy().to_string();
            let candidates = [
                base.clone(),
                base.with_file_name(format!("{name}.ts")),
                base.with_file_name(format!("{name}.tsx")),
                base.with_file_name(format!("{name}.js")),
                base.with_file_name(format!("{name}.jsx")),
                base.with_file_name(format!("{name}.mjs")),
                base.join("index.ts"),
                base.join("index.tsx"),
                base.join("index.js"),
            ];
            if let Some(found) = candidates.into_iter().find(|c| c.is_file()) {
                return Some(found);
            }
        }
        None
    }

    /// The evidence of the top-level function `local` of module `m` (at `file`), following
    /// same-file calls freely and imports `depth` deep.
    fn fn_evidence(
        &self,
        file: &Path,
        m: &Module,
        local: &str,
        depth: usize,
        seen: &mut HashSet<(PathBuf, String)>,
    ) -> Evidence {
        if !seen.insert((file.to_path_buf(), local.to_string())) || seen.len() > 256 {
            return Evidence::default();
        }
        let Some(f) = m.functions.get(local) else {
            // Re-exported or imported under this name.
            return self.imported_evidence(file, m, local, depth, seen);
        };
        let mut ev = Evidence {
            user: f.authn,
            machine: f.machine,
            authz: f.authz,
        };
        for call in &f.calls {
            if ev.complete() {
                break;
            }
            ev = ev | self.call_evidence(file, m, call, depth, seen);
        }
        ev
    }

    fn call_evidence(
        &self,
        file: &Path,
        m: &Module,
        call: &str,
        depth: usize,
        seen: &mut HashSet<(PathBuf, String)>,
    ) -> Evidence {
        if m.functions.contains_key(call) {
            return self.fn_evidence(file, m, call, depth, seen);
        }
        if let Some((ns, name)) = call.split_once('.') {
            if let Some(import) = m.imports.get(ns).filter(|i| i.name == "*") {
                if depth > 0 {
                    if let Some(target) = self.resolve(file, &import.source) {
                        if let Some(tm) = self.module(&target) {
                            return self.export_evidence(&target, &tm, name, depth - 1, seen);
                        }
                    }
                }
            }
            // `authActionClient.schema(…).action(…)`: a client or wrapper object built elsewhere
            // (next-safe-action, tRPC procedures) carries the guards it was built with.
            if m.functions.contains_key(ns) {
                return self.fn_evidence(file, m, ns, depth, seen);
            }
            if m.imports.contains_key(ns) {
                return self.imported_evidence(file, m, ns, depth, seen) | by_name(call);
            }
            return by_name(call);
        }
        if m.imports.contains_key(call) {
            return self.imported_evidence(file, m, call, depth, seen);
        }
        Evidence::default()
    }

    /// Evidence of a name `m` imports (or re-exports), read from the module it comes from.
    fn imported_evidence(
        &self,
        file: &Path,
        m: &Module,
        local: &str,
        depth: usize,
        seen: &mut HashSet<(PathBuf, String)>,
    ) -> Evidence {
        let import = m.imports.get(local).or_else(|| m.reexports.get(local));
        let Some(import) = import else {
            return Evidence::default();
        };
        if depth == 0 {
            return by_name(local);
        }
        // A helper's name counts even when its code can be read: `requireUser` may check the
        // session in a way no pattern here recognises.
        let named = by_name(local);
        match self
            .resolve(file, &import.source)
            .and_then(|t| Some((self.module(&t)?, t)))
        {
            Some((tm, target)) => {
                self.export_evidence(&target, &tm, &import.name, depth - 1, seen) | named
            }
            None => named,
        }
    }

    /// Evidence of the export `name` of module `m`.
    fn export_evidence(
        &self,
        file: &Path,
        m: &Module,
        name: &str,
        depth: usize,
        seen: &mut HashSet<(PathBuf, String)>,
    ) -> Evidence {
        if let Some(local) = m.exports.get(name) {
            return self.fn_evidence(file, m, local, depth, seen);
        }
        if m.reexports.contains_key(name) {
            return self.imported_evidence(file, m, name, depth, seen);
        }
        for source in &m.star_exports {
            if let Some(target) = self.resolve(file, source) {
                if let Some(tm) = self.module(&target) {
                    if tm.exports.contains_key(name) || tm.reexports.contains_key(name) {
                        return self.export_evidence(&target, &tm, name, depth, seen);
                    }
                }
            }
        }
        by_name(name)
    }

    /// The app-relative path of a file, with `/` separators.
    fn rel(&self, file: &Path) -> Option<String> {
        let abs = crate::paths::absolute(file).ok()?;
        Some(
            abs.strip_prefix(&self.root)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/"),
        )
    }

    /// The entry points that run the code at `node` in `file`.
    pub fn entry_points_at(&self, file: &Path, node: Node, src: &str) -> Vec<EntryPoint> {
        self.entry_points_with_guards(file, node, src)
            .into_iter()
            .map(|(e, _)| e)
            .collect()
    }

    /// Does an entry point running the code at `node` rely on authenticating middleware alone
    /// (no session or machine check of its own)?
    pub fn middleware_only_at(&self, file: &Path, node: Node, src: &str) -> bool {
        self.entry_points_with_guards(file, node, src)
            .iter()
            .any(|(_, only)| *only)
    }

    /// Does the app authenticate in middleware on a `next` version that lets a request skip
    /// middleware (CVE-2025-29927)?
    pub fn middleware_bypassable(&self) -> bool {
        self.middleware.as_ref().is_some_and(|m| m.authenticates)
            && self
                .next_version
                .is_some_and(project::vulnerable_to_middleware_bypass)
    }

    /// The entry points at `node`, each with whether middleware is its only authentication.
    fn entry_points_with_guards(
        &self,
        file: &Path,
        node: Node,
        src: &str,
    ) -> Vec<(EntryPoint, bool)> {
        let Some(rel) = self.rel(file) else {
            return vec![];
        };
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let m = self.module_from_tree(&abs, root_of(node), src);
        let (kind, route) = classify(&rel);
        let mut out = Vec::new();
        // Inline server actions: the innermost function with a "use server" directive.
        if let Some(f) = enclosing_use_server(node, src) {
            let name = function_name(f, src).unwrap_or_else(|| "(inline)".into());
            let text = src.get(f.byte_range()).unwrap_or("");
            let mut seen = HashSet::new();
            let mut ev = Evidence {
                user: evidence::authn_text().is_match(text),
                machine: evidence::machine_text().is_match(text),
                authz: evidence::authz_text().is_match(text),
            };
            for call in module::called_identifiers(f, src) {
                ev = ev | self.call_evidence(&abs, &m, &call, IMPORT_DEPTH, &mut seen);
            }
            out.push((
                EntryPoint {
                    name: format!("server action {name}"),
                    authenticated: ev.user,
                    authenticated_otherwise: ev.machine,
                    authorized: ev.authz,
                },
                false,
            ));
            return out;
        }
        // tRPC procedures: `protectedProcedure.input(…).mutation(async ({ ctx, input }) => …)`.
        if let Some((root, key)) = enclosing_procedure(node, src) {
            let mut seen = HashSet::new();
            let root_ev = self.call_evidence(&abs, &m, &root, IMPORT_DEPTH, &mut seen)
                | Evidence {
                    user: procedure_authenticates(&root),
                    ..Default::default()
                };
            let body = enclosing_procedure_body(node).map(|b| {
                let text = src.get(b.byte_range()).unwrap_or("");
                let mut ev = Evidence {
                    user: evidence::authn_text().is_match(text),
                    machine: evidence::machine_text().is_match(text),
                    authz: evidence::authz_text().is_match(text),
                };
                for call in module::called_identifiers(b, src) {
                    ev = ev | self.call_evidence(&abs, &m, &call, IMPORT_DEPTH, &mut seen);
                }
                ev
            });
            let ev = root_ev | body.unwrap_or_default();
            out.push((
                EntryPoint {
                    name: format!("tRPC procedure {key}"),
                    authenticated: ev.user,
                    authenticated_otherwise: ev.machine,
                    authorized: ev.authz,
                },
                false,
            ));
            return out;
        }
        let containing: Vec<&str> = m
            .functions
            .iter()
            .filter(|(_, f)| f.range.0 <= node.start_byte() && node.end_byte() <= f.range.1)
            .map(|(n, _)| n.as_str())
            .collect();
        if containing.is_empty() {
            return out;
        }
        // The exports that can reach the code: those of the containing functions, and those
        // whose function calls another of the file — not every export of the file, which may
        // have thousands, for every match in it. In export-name order, as the exports map.
        let mut candidates: Vec<(&String, &String)> = Vec::new();
        for c in &containing {
            if let Some((local, names)) = m.exports_of.get_key_value(*c) {
                candidates.extend(names.iter().map(|e| (e, local)));
            }
        }
        candidates.extend(m.calling_exports.iter().map(|(e, l)| (e, l)));
        candidates.sort();
        candidates.dedup();
        for (exported, local) in candidates {
            if !self.reaches(&m, local, &containing) {
                continue;
            }
            let label = match kind {
                FileKind::RouteHandler if VERBS.contains(&exported.as_str()) => {
                    format!("{exported} {route}")
                }
                FileKind::Page if exported == "default" => format!("page {route}"),
                FileKind::PagesApi if exported == "default" => format!("API route {route}"),
                _ if m.use_server && m.functions.contains_key(local) => {
                    format!("server action {exported}")
                }
                _ => continue,
            };
            let mut seen = HashSet::new();
            let ev = self.fn_evidence(&abs, &m, local, IMPORT_DEPTH, &mut seen);
            let upstream = !ev.user
                && match kind {
                    FileKind::RouteHandler | FileKind::Page | FileKind::PagesApi => self
                        .middleware
                        .as_ref()
                        .is_some_and(|mw| mw.authenticates && mw.covers(&route)),
                    // A server action is posted to the page that uses it: count middleware that
                    // guards pages in general.
                    FileKind::Other => self.middleware.as_ref().is_some_and(|mw| {
                        mw.authenticates && mw.covers("/dashboard") && mw.covers("/settings")
                    }),
                };
            out.push((
                EntryPoint {
                    name: label,
                    authenticated: ev.user,
                    authenticated_otherwise: ev.machine || upstream,
                    authorized: ev.authz,
                },
                // Pages are left out: a layout may check the session, and layouts are not read.
                // and middleware that picks the paths it guards in code may not guard this one.
                upstream
                    && !ev.machine
                    && kind != FileKind::Page
                    && self.middleware.as_ref().is_some_and(|mw| !mw.conditional),
            ));
        }
        out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        out.dedup();
        out
    }

    /// Does the top-level function `from` run any of `targets` (itself, or through same-file
    /// calls)?
    fn reaches(&self, m: &Module, from: &str, targets: &[&str]) -> bool {
        if targets.contains(&from) {
            return true;
        }
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack = vec![from];
        while let Some(f) = stack.pop() {
            if targets.contains(&f) {
                return true;
            }
            if !seen.insert(f) || seen.len() > 256 {
                continue;
            }
            if let Some(facts) = m.functions.get(f) {
                stack.extend(
                    facts
                        .calls
                        .iter()
                        .map(|c| c.as_str())
                        .filter(|c| m.functions.contains_key(*c)),
                );
            }
        }
        false
    }

    /// Does another entry point in the same file require a signed-in user, or does the app
    /// use an auth library (so that an unauthenticated mutation stands out)?
    pub fn authenticates_elsewhere(&self, file: &Path, node: Node, src: &str) -> bool {
        if self.uses_auth_library || self.middleware.as_ref().is_some_and(|m| m.authenticates) {
            return true;
        }
        let abs = crate::paths::absolute(file).unwrap_or_else(|_| file.to_path_buf());
        let m = self.module_from_tree(&abs, root_of(node), src);
        m.functions.values().any(|f| f.authn)
    }

    /// Is the Prisma model or Drizzle table behind `accessor` (`document` in
    /// `db.document.findUnique`, `documents` in `from(documents)`) one with no owner or tenant
    /// field? Unknown models are not public.
    pub fn is_public_model(&self, accessor: &str) -> bool {
        let Some(schema) = &self.schema else {
            return false;
        };
        // `schema.documents` in `from(schema.documents)`: the table is the last segment.
        let accessor = accessor.rsplit('.').next().unwrap_or(accessor);
        let wanted = accessor.to_ascii_lowercase().replace('_', "");
        let Some(fields) = schema
            .iter()
            .find(|(name, _)| name.to_ascii_lowercase().replace('_', "") == wanted)
            .map(|(_, f)| f)
        else {
            return false;
        };
        !fields.iter().any(|f| owner_field().is_match(f))
    }
}

/// Prisma models and Drizzle tables together (an app migrating between them may have both).
fn merge_schemas(
    a: Option<BTreeMap<String, Vec<String>>>,
    b: Option<BTreeMap<String, Vec<String>>>,
) -> Option<BTreeMap<String, Vec<String>>> {
    match (a, b) {
        (Some(mut a), Some(b)) => {
            for (k, v) in b {
                a.entry(k).or_default().extend(v);
            }
            Some(a)
        }
        (a, b) => a.or(b),
    }
}

/// Fields that tie a row to an owner or a tenant.
fn owner_field() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    lazy(
        &RE,
        r"(?i)^(user|owner|author|creator|createdBy|created_by|account|organization|organisation|org|team|workspace|tenant|company|customer|member|membership|project|client|shop|store)_?id$",
    )
}

/// The root of the syntax tree `node` belongs to.
fn root_of(node: Node) -> Node {
    let mut root = node;
    while let Some(p) = root.parent() {
        root = p;
    }
    root
}

/// Trust a helper by its name.
fn by_name(name: &str) -> Evidence {
    Evidence {
        user: evidence::authn_name().is_match(name),
        machine: evidence::machine_name().is_match(name),
        authz: evidence::authz_name().is_match(name),
    }
}

/// What kind of file this is, and the request path it serves (`/api/documents/[id]`).
fn classify(rel: &str) -> (FileKind, String) {
    let rel = rel.strip_prefix("src/").unwrap_or(rel);
    let segments: Vec<&str> = rel.split('/').collect();
    let Some((last, dirs)) = segments.split_last() else {
        return (FileKind::Other, String::new());
    };
    let stem = last.split('.').next().unwrap_or("");
    let route_of = |dirs: &[&str]| -> String {
        let kept: Vec<&str> = dirs
            .iter()
            .copied()
            .filter(|s| !(s.starts_with('@') || (s.starts_with('(') && s.ends_with(')'))))
            .collect();
        format!("/{}", kept.join("/"))
    };
    let is_code = Lang::from_path(Path::new(last)).is_some_and(|l| l.is_js_family());
    if !is_code {
        return (FileKind::Other, String::new());
    }
    match dirs.first() {
        Some(&"app") if stem == "route" => (FileKind::RouteHandler, route_of(&dirs[1..])),
        Some(&"app") if stem == "page" => (FileKind::Page, route_of(&dirs[1..])),
        Some(&"pages") if dirs.get(1) == Some(&"api") => {
            let mut path = route_of(&dirs[1..]);
            if stem != "index" {
                path = format!("{}/{stem}", path.trim_end_matches('/'));
            }
            (FileKind::PagesApi, path)
        }
        _ => (FileKind::Other, String::new()),
    }
}

/// For code inside a tRPC resolver (`xProcedure….query|mutation|subscription(fn)`), the
/// procedure builder it starts from (`protectedProcedure`) and the router key it is bound to.
fn enclosing_procedure(node: Node, src: &str) -> Option<(String, String)> {
    let call = enclosing_procedure_call(node, src)?;
    let mut obj = call
        .child_by_field_name("function")?
        .child_by_field_name("object")?;
    // Walk down the builder chain to its root identifier.
    loop {
        match obj.kind() {
            "call_expression" => obj = obj.child_by_field_name("function")?,
            "member_expression" => obj = obj.child_by_field_name("object")?,
            "identifier" => break,
            _ => return None,
        }
    }
    let root = src.get(obj.byte_range())?.to_string();
    if !root.ends_with("Procedure") && !root.ends_with("procedure") {
        return None;
    }
    let key = call
        .parent()
        .filter(|p| p.kind() == "pair")
        .and_then(|p| p.child_by_field_name("key"))
        .and_then(|k| src.get(k.byte_range()))
        .unwrap_or("(unnamed)")
        .to_string();
    Some((root, key))
}

/// The `.query(…)` / `.mutation(…)` / `.subscription(…)` call whose argument holds `node`.
fn enclosing_procedure_call<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let mut cur = node.parent();
    while let Some(n) = cur {
        if n.kind() == "call_expression" {
            let method = n
                .child_by_field_name("function")
                .filter(|f| f.kind() == "member_expression")
                .and_then(|f| f.child_by_field_name("property"))
                .and_then(|p| src.get(p.byte_range()));
            if matches!(method, Some("query" | "mutation" | "subscription")) {
                return Some(n);
            }
        }
        cur = n.parent();
    }
    None
}

/// The resolver function passed to the procedure call around `node`.
fn enclosing_procedure_body(node: Node) -> Option<Node> {
    let mut cur = node.parent();
    let mut last_fn = None;
    while let Some(n) = cur {
        if matches!(n.kind(), "arrow_function" | "function_expression") {
            last_fn = Some(n);
        }
        if n.kind() == "arguments" {
            return last_fn;
        }
        cur = n.parent();
    }
    None
}

/// tRPC's convention: `protectedProcedure`, `authedProcedure`, `adminProcedure` require a
/// session; `publicProcedure` does not.
fn procedure_authenticates(root: &str) -> bool {
    let lower = root.to_ascii_lowercase();
    !lower.starts_with("public")
        && [
            "protected",
            "authed",
            "auth",
            "private",
            "admin",
            "user",
            "org",
            "team",
            "workspace",
            "member",
            "session",
            "signedin",
            "loggedin",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// The innermost function around `node` whose body starts with `"use server"`.
fn enclosing_use_server<'t>(node: Node<'t>, src: &str) -> Option<Node<'t>> {
    let mut cur = Some(node);
    while let Some(n) = cur {
        if matches!(
            n.kind(),
            "function_declaration" | "function_expression" | "arrow_function"
        ) && module::has_use_server_directive(n, src)
        {
            return Some(n);
        }
        cur = n.parent();
    }
    None
}

/// A function's name, or the name of the variable it is assigned to.
fn function_name(f: Node, src: &str) -> Option<String> {
    if let Some(n) = f.child_by_field_name("name") {
        return src.get(n.byte_range()).map(str::to_string);
    }
    let parent = f.parent()?;
    if parent.kind() == "variable_declarator" {
        let n = parent.child_by_field_name("name")?;
        return src.get(n.byte_range()).map(str::to_string);
    }
    None
}

#[cfg(test)]
mod tests;
