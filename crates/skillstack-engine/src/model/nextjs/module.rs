//! What one JavaScript/TypeScript module says about its top-level functions: which ones show
//! authentication or authorization evidence in their own text, which functions they call, what
//! the module imports and exports, and whether it is a `"use server"` module.
//!
//! Summaries are small (no syntax tree is kept) so that the app model can cache one per file it
//! resolves through imports.

use std::collections::BTreeMap;

use tree_sitter::Node;

use super::evidence;
pub(super) use crate::model::lazy;

/// Facts about one top-level function (a declaration, or a `const` bound to a function or to a
/// call that wraps one, such as `export const GET = withAuth(async (req) => …)`).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FnFacts {
    /// Its own text calls a known session lookup or guard.
    pub authn: bool,
    /// Its own text checks a machine caller's secret or signature.
    pub machine: bool,
    /// Its own text shows an authorization check (a permission call, a 403, an ownership
    /// comparison, a query scoped by the signed-in user).
    pub authz: bool,
    /// Plain identifiers it calls (`requireUser()`, `withWorkspace(…)`), in order of appearance.
    pub calls: Vec<String>,
    /// Its body starts with a `"use server"` directive (an inline server action).
    pub use_server: bool,
    /// Its byte range in the file.
    pub range: (usize, usize),
}

/// Where an imported name comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The module specifier as written: `@/lib/auth`, `./utils`, `next-auth`.
    pub source: String,
    /// The exported name (`default` for a default import, `*` for a namespace import).
    pub name: String,
}

/// The summary of one module.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Module {
    /// The file starts with a `"use server"` directive.
    pub use_server: bool,
    /// Top-level functions by local name (`default` for an anonymous default export).
    pub functions: BTreeMap<String, FnFacts>,
    /// Exported name → local name.
    pub exports: BTreeMap<String, String>,
    /// Local name → where it is imported from.
    pub imports: BTreeMap<String, Import>,
    /// Re-exports: exported name → (source, name there) for `export { x } from "./y"`.
    pub reexports: BTreeMap<String, Import>,
    /// `export * from "./y"` sources.
    pub star_exports: Vec<String>,
    /// String literals of `export const config = { matcher: … }` (middleware matchers).
    pub matchers: Vec<String>,
    /// Local name → the names it is exported as.
    pub exports_of: BTreeMap<String, Vec<String>>,
    /// `(exported, local)` of the exports whose function calls another function of the file.
    /// With `exports_of`, what an entry-point lookup needs without going through every export:
    /// a file may export thousands of functions, and the lookup runs for every match in it.
    pub calling_exports: Vec<(String, String)>,
}

fn txt<'s>(n: Node, src: &'s str) -> &'s str {
    src.get(n.byte_range()).unwrap_or("")
}

/// A JS/TS string literal's content (no quotes, no escapes handled: specifiers and matchers do
/// not need them).
fn string_value(n: Node, src: &str) -> Option<String> {
    match n.kind() {
        "string" => Some(
            txt(n, src)
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string(),
        ),
        "template_string" if n.named_child_count() == 0 => {
            Some(txt(n, src).trim_matches('`').to_string())
        }
        _ => None,
    }
}

fn is_function(kind: &str) -> bool {
    matches!(
        kind,
        "function_declaration"
            | "generator_function_declaration"
            | "function_expression"
            | "function"
            | "arrow_function"
            | "generator_function"
    )
}

/// Does a function node's body start with a `"use server"` directive?
pub fn has_use_server_directive(f: Node, src: &str) -> bool {
    let Some(body) = f.child_by_field_name("body") else {
        return false;
    };
    body.kind() == "statement_block" && starts_with_directive(body, src, "use server")
}

/// Does this program or block start with the directive `name` (before any other statement)?
pub fn starts_with_directive(block: Node, src: &str, name: &str) -> bool {
    let mut c = block.walk();
    for stmt in block.named_children(&mut c) {
        match stmt.kind() {
            "comment" | "hash_bang_line" => continue,
            "expression_statement" => {
                let Some(s) = stmt.named_child(0) else {
                    return false;
                };
                match string_value(s, src) {
                    Some(v) if v == name => return true,
                    // Other directives ("use strict") may come first.
                    Some(_) => continue,
                    None => return false,
                }
            }
            _ => return false,
        }
    }
    false
}

impl Module {
    fn index_exports(&mut self) {
        for (exported, local) in &self.exports {
            let names = self.exports_of.entry(local.clone()).or_default();
            names.push(exported.clone());
            let calls_here = self.functions.get(local).is_some_and(|f| {
                f.calls
                    .iter()
                    .any(|c| self.functions.contains_key(c.as_str()))
            });
            if calls_here {
                self.calling_exports.push((exported.clone(), local.clone()));
            }
        }
    }

    /// Summarises a parsed module.
    pub fn read(root: Node, src: &str) -> Module {
        let mut m = Module {
            use_server: starts_with_directive(root, src, "use server"),
            ..Default::default()
        };
        let mut c = root.walk();
        for stmt in root.named_children(&mut c) {
            match stmt.kind() {
                "import_statement" => m.read_import(stmt, src),
                "export_statement" => m.read_export(stmt, src),
                "function_declaration" | "generator_function_declaration" => {
                    m.read_function_declaration(stmt, src);
                }
                "lexical_declaration" | "variable_declaration" => {
                    m.read_declarations(stmt, src, false);
                }
                _ => {}
            }
        }
        m.index_exports();
        m
    }

    fn read_import(&mut self, stmt: Node, src: &str) {
        let Some(source) = stmt
            .child_by_field_name("source")
            .and_then(|s| string_value(s, src))
        else {
            return;
        };
        let mut c = stmt.walk();
        for clause in stmt.named_children(&mut c) {
            if clause.kind() != "import_clause" {
                continue;
            }
            let mut cc = clause.walk();
            for part in clause.named_children(&mut cc) {
                match part.kind() {
                    "identifier" => {
                        self.imports.insert(
                            txt(part, src).to_string(),
                            Import {
                                source: source.clone(),
                                name: "default".into(),
                            },
                        );
                    }
                    "namespace_import" => {
                        if let Some(id) = part.named_child(0) {
                            self.imports.insert(
                                txt(id, src).to_string(),
                                Import {
                                    source: source.clone(),
                                    name: "*".into(),
                                },
                            );
                        }
                    }
                    "named_imports" => {
                        let mut sc = part.walk();
                        for spec in part.named_children(&mut sc) {
                            let Some(name) = spec.child_by_field_name("name") else {
                                continue;
                            };
                            let local = spec.child_by_field_name("alias").unwrap_or(name);
                            self.imports.insert(
                                txt(local, src).to_string(),
                                Import {
                                    source: source.clone(),
                                    name: txt(name, src).to_string(),
                                },
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn read_export(&mut self, stmt: Node, src: &str) {
        let is_default = {
            let mut c = stmt.walk();
            let found = stmt.children(&mut c).any(|ch| ch.kind() == "default");
            found
        };
        let source = stmt
            .child_by_field_name("source")
            .and_then(|s| string_value(s, src));
        if let Some(decl) = stmt.child_by_field_name("declaration") {
            match decl.kind() {
                "function_declaration" | "generator_function_declaration" => {
                    if let Some(name) = self.read_function_declaration(decl, src) {
                        let exported = if is_default {
                            "default".into()
                        } else {
                            name.clone()
                        };
                        self.exports.insert(exported, name);
                    }
                }
                "lexical_declaration" | "variable_declaration" => {
                    for name in self.read_declarations(decl, src, true) {
                        self.exports.insert(name.clone(), name);
                    }
                }
                _ => {}
            }
            return;
        }
        if let Some(value) = stmt.child_by_field_name("value") {
            // `export default withAuth(handler)`, `export default async function (req, res) {…}`,
            // `export default handler`.
            if value.kind() == "identifier" {
                self.exports
                    .insert("default".into(), txt(value, src).to_string());
            } else {
                let facts = self.facts(value, src);
                self.functions.insert("default".into(), facts);
                self.exports.insert("default".into(), "default".into());
            }
            return;
        }
        let mut c = stmt.walk();
        for part in stmt.named_children(&mut c) {
            if part.kind() != "export_clause" {
                continue;
            }
            let mut sc = part.walk();
            for spec in part.named_children(&mut sc) {
                let Some(name) = spec.child_by_field_name("name") else {
                    continue;
                };
                let exported = txt(spec.child_by_field_name("alias").unwrap_or(name), src);
                let local = txt(name, src);
                match &source {
                    Some(s) => {
                        self.reexports.insert(
                            exported.to_string(),
                            Import {
                                source: s.clone(),
                                name: local.to_string(),
                            },
                        );
                    }
                    None => {
                        self.exports.insert(exported.to_string(), local.to_string());
                    }
                }
            }
        }
        if let (Some(s), true) = (source, stmt.named_child_count() == 1) {
            self.star_exports.push(s);
        }
    }

    fn read_function_declaration(&mut self, decl: Node, src: &str) -> Option<String> {
        let name = txt(decl.child_by_field_name("name")?, src).to_string();
        let facts = self.facts(decl, src);
        self.functions.insert(name.clone(), facts);
        Some(name)
    }

    /// `const a = () => …, b = withAuth(…)`: records functions (and calls wrapping functions),
    /// and reads `config = { matcher }`. Returns every declared name.
    fn read_declarations(&mut self, decl: Node, src: &str, exported: bool) -> Vec<String> {
        let mut names = Vec::new();
        let mut c = decl.walk();
        for d in decl.named_children(&mut c) {
            if d.kind() != "variable_declarator" {
                continue;
            }
            let Some(name) = d.child_by_field_name("name") else {
                continue;
            };
            if name.kind() != "identifier" {
                continue;
            }
            let name = txt(name, src).to_string();
            if let Some(value) = d.child_by_field_name("value") {
                if exported && name == "config" {
                    self.matchers = matchers(value, src);
                }
                if is_function(value.kind()) || contains_function(value) {
                    let mut facts = self.facts(value, src);
                    // The name belongs to the function too (rules report on it).
                    facts.range = (d.start_byte(), d.end_byte());
                    self.functions.insert(name.clone(), facts);
                }
            }
            names.push(name);
        }
        names
    }

    fn facts(&self, node: Node, src: &str) -> FnFacts {
        let text = txt(node, src);
        FnFacts {
            authn: evidence::authn_text().is_match(text),
            machine: evidence::machine_text().is_match(text),
            authz: evidence::authz_text().is_match(text),
            calls: called_identifiers(node, src),
            use_server: is_function(node.kind()) && has_use_server_directive(node, src),
            range: (node.start_byte(), node.end_byte()),
        }
    }
}

/// Does the expression contain a function (`withAuth(async () => …)`, `{ handler() {…} }`)?
fn contains_function(n: Node) -> bool {
    let mut stack = vec![n];
    let mut seen = 0usize;
    while let Some(x) = stack.pop() {
        seen += 1;
        if seen > 10_000 {
            return false;
        }
        if is_function(x.kind()) || x.kind() == "method_definition" {
            return true;
        }
        let mut c = x.walk();
        stack.extend(x.named_children(&mut c));
    }
    false
}

/// The identifiers called as plain functions inside `n`, first occurrence order, deduplicated.
pub fn called_identifiers(n: Node, src: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if x.kind() == "call_expression" {
            if let Some(f) = x.child_by_field_name("function") {
                let name = match f.kind() {
                    "identifier" => Some(txt(f, src).to_string()),
                    // `auth.requireUser()` through a namespace import: keep `auth.requireUser`.
                    "member_expression" => match (
                        f.child_by_field_name("object"),
                        f.child_by_field_name("property"),
                    ) {
                        (Some(o), Some(p)) if o.kind() == "identifier" => {
                            Some(format!("{}.{}", txt(o, src), txt(p, src)))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(name) = name {
                    if !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
        let mut c = x.walk();
        let children: Vec<Node> = x.named_children(&mut c).collect();
        stack.extend(children.into_iter().rev());
    }
    out
}

/// `{ matcher: ["/a/:path*", …] }` or `{ matcher: "/a" }` → the strings.
fn matchers(config: Node, src: &str) -> Vec<String> {
    let mut out = Vec::new();
    if config.kind() != "object" {
        return out;
    }
    let mut c = config.walk();
    for pair in config.named_children(&mut c) {
        if pair.kind() != "pair" {
            continue;
        }
        let key = pair
            .child_by_field_name("key")
            .map(|k| txt(k, src).trim_matches(|c| c == '"' || c == '\''))
            .unwrap_or("");
        if key != "matcher" {
            continue;
        }
        let Some(value) = pair.child_by_field_name("value") else {
            continue;
        };
        if let Some(s) = string_value(value, src) {
            out.push(s);
        } else if value.kind() == "array" {
            let mut ac = value.walk();
            for item in value.named_children(&mut ac) {
                if let Some(s) = string_value(item, src) {
                    out.push(s);
                } else if item.kind() == "object" {
                    // `{ source: "/api/:path*", has: […] }`
                    let mut oc = item.walk();
                    for p in item.named_children(&mut oc) {
                        let is_source = p
                            .child_by_field_name("key")
                            .is_some_and(|k| txt(k, src).trim_matches(['"', '\'']) == "source");
                        if let (true, Some(v)) = (is_source, p.child_by_field_name("value")) {
                            if let Some(s) = string_value(v, src) {
                                out.push(s);
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// A Next.js `matcher` path pattern (path-to-regexp syntax: `/api/:path*`, `/((?!api|_next).*)`)
/// as a regular expression over request paths. `None` when it cannot be translated.
pub fn matcher_regex(pattern: &str) -> Option<fancy_regex::Regex> {
    let mut re = String::from("^");
    let mut chars = pattern.chars().peekable();
    // Inside `(…)` the pattern is a regular expression already.
    let mut depth = 0usize;
    while let Some(ch) = chars.next() {
        match ch {
            '(' => {
                depth += 1;
                re.push(ch);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                re.push(ch);
            }
            _ if depth > 0 => re.push(ch),
            ':' => {
                let mut name = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || c == '_' {
                        name.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                // A custom pattern right after the name: `:id(\\d+)` — keep it.
                let custom = chars.peek() == Some(&'(');
                if custom {
                    continue;
                }
                match chars.peek() {
                    Some('*') => {
                        chars.next();
                        // `/:path*` also matches the bare prefix: make the slash optional too.
                        if re.ends_with('/') {
                            re.pop();
                            re.push_str("(?:/.*)?");
                        } else {
                            re.push_str(".*");
                        }
                    }
                    Some('+') => {
                        chars.next();
                        re.push_str(".+");
                    }
                    Some('?') => {
                        chars.next();
                        re.push_str("[^/]*");
                    }
                    _ => re.push_str("[^/]+"),
                }
            }
            '.' => re.push_str("\\."),
            _ => re.push(ch),
        }
    }
    re.push('$');
    fancy_regex::Regex::new(&re).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn module(src: &str) -> Module {
        let tree = crate::analyze::parse(Lang::Tsx, src, std::time::Duration::from_secs(5))
            .expect("parses");
        Module::read(tree.root_node(), src)
    }

    #[test]
    fn indexes_exports_by_local_name_and_those_that_call_the_files_functions() {
        let m = module(
            "export function a() { b(); fetch(); }\nfunction b() {}\nexport function d() { fetch(); }\nexport { b as c, b as e };\n",
        );
        assert_eq!(m.exports_of["b"], ["c", "e"]);
        assert_eq!(m.exports_of["a"], ["a"]);
        assert_eq!(m.calling_exports, [("a".to_string(), "a".to_string())]);
    }

    #[test]
    fn reads_imports_exports_and_functions() {
        let m = module(
            r#""use server";
import { auth as getAuth } from "@/lib/auth";
import db from "./db";
import * as z from "zod";
export { helper as PUT } from "./other";
export async function GET(req) { const s = await getAuth(); return db.x(); }
const handler = withWorkspace(async ({ params }) => { return 1; });
export { handler as POST, handler as DELETE };
export default function Page() {}
export const config = { matcher: ["/dashboard/:path*", { source: "/api/:path*" }] };
"#,
        );
        assert!(m.use_server);
        assert_eq!(m.imports["getAuth"].name, "auth");
        assert_eq!(m.imports["getAuth"].source, "@/lib/auth");
        assert_eq!(m.imports["db"].name, "default");
        assert_eq!(m.imports["z"].name, "*");
        assert_eq!(m.reexports["PUT"].name, "helper");
        assert_eq!(m.exports["GET"], "GET");
        assert_eq!(m.exports["POST"], "handler");
        assert_eq!(m.exports["DELETE"], "handler");
        assert_eq!(m.exports["default"], "Page");
        assert_eq!(m.functions["GET"].calls, vec!["getAuth", "db.x"]);
        assert_eq!(m.functions["handler"].calls, vec!["withWorkspace"]);
        assert_eq!(m.matchers, vec!["/dashboard/:path*", "/api/:path*"]);
    }

    #[test]
    fn directives() {
        assert!(!module("import x from 'y';\n'use server';").use_server);
        assert!(
            module("// hi\n'use strict';\n'use server';\nexport async function a() {}").use_server
        );
        let m = module("export async function a() { 'use server'; return 1 }\nexport function b() { return 'use server' }");
        assert!(m.functions["a"].use_server);
        assert!(!m.functions["b"].use_server);
    }

    #[test]
    fn matchers_translate() {
        let cases = [
            ("/dashboard/:path*", "/dashboard", true),
            ("/dashboard/:path*", "/dashboard/a/b", true),
            ("/dashboard/:path*", "/settings", false),
            (
                "/((?!api|_next/static|favicon.ico).*)",
                "/api/documents/1",
                false,
            ),
            ("/((?!api|_next/static|favicon.ico).*)", "/projects", true),
            ("/api/:path+", "/api/x", true),
            ("/api/:id", "/api/x/y", false),
            ("/about", "/about", true),
        ];
        for (pattern, path, expected) in cases {
            let re = matcher_regex(pattern).expect("translates");
            assert_eq!(
                re.is_match(path).unwrap_or(false),
                expected,
                "{pattern} on {path}"
            );
        }
    }
}
