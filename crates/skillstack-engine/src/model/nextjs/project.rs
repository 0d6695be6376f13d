//! Project files a Next.js app model reads besides code: `tsconfig.json` / `jsconfig.json` path
//! aliases, `package.json` dependencies (auth libraries, the `next` version), the Prisma schema
//! and Drizzle table definitions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tree_sitter::Node;

use crate::lang::Lang;

/// Path aliases from `compilerOptions.paths` (`"@/*": ["./src/*"]`) and `baseUrl`.
#[derive(Debug, Default, Clone)]
pub struct Aliases {
    /// (prefix without `*`, target directories without `*`), longest prefix first.
    pub paths: Vec<(String, Vec<PathBuf>)>,
    pub base_url: Option<PathBuf>,
}

/// Reads `tsconfig.json` (or `jsconfig.json`) at the app root. Comments and trailing commas are
/// allowed, as TypeScript allows them; an unreadable file gives no aliases.
pub fn read_aliases(root: &Path) -> Aliases {
    let mut out = Aliases::default();
    let Some(text) = ["tsconfig.json", "jsconfig.json"]
        .iter()
        .find_map(|f| std::fs::read_to_string(root.join(f)).ok())
    else {
        return out;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&strip_jsonc(&text)) else {
        return out;
    };
    let options = &json["compilerOptions"];
    let base = options["baseUrl"]
        .as_str()
        .map(|b| root.join(b))
        .unwrap_or_else(|| root.to_path_buf());
    if options["baseUrl"].is_string() {
        out.base_url = Some(base.clone());
    }
    if let Some(paths) = options["paths"].as_object() {
        for (pattern, targets) in paths {
            let prefix = pattern.trim_end_matches('*').to_string();
            let dirs: Vec<PathBuf> = targets
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str())
                .map(|t| base.join(t.trim_end_matches('*')))
                .collect();
            out.paths.push((prefix, dirs));
        }
    }
    out.paths
        .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    out
}

/// JSON with comments and trailing commas → JSON.
pub fn strip_jsonc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '/' if chars.peek() == Some(&'/') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            _ => out.push(c),
        }
    }
    // Trailing commas: `,` followed only by whitespace and a closing bracket.
    let mut cleaned = String::with_capacity(out.len());
    let bytes: Vec<char> = out.chars().collect();
    let mut in_string = false;
    for (i, &c) in bytes.iter().enumerate() {
        if c == '"' && (i == 0 || bytes[i - 1] != '\\') {
            in_string = !in_string;
        }
        if c == ',' && !in_string {
            let next = bytes[i + 1..].iter().find(|c| !c.is_whitespace());
            if matches!(next, Some('}') | Some(']')) {
                continue;
            }
        }
        cleaned.push(c);
    }
    cleaned
}

/// Auth libraries whose presence in `package.json` says the app has signed-in users.
const AUTH_PACKAGES: [&str; 14] = [
    "next-auth",
    "@auth/core",
    "@clerk/nextjs",
    "@supabase/ssr",
    "@supabase/auth-helpers-nextjs",
    "better-auth",
    "lucia",
    "iron-session",
    "@kinde-oss/kinde-auth-nextjs",
    "@workos-inc/authkit-nextjs",
    "@stackframe/stack",
    "next-firebase-auth-edge",
    "@auth0/nextjs-auth0",
    "jose",
];

/// Does the app's `package.json` depend on an auth library?
pub fn uses_auth_library(root: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(root.join("package.json")) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    ["dependencies", "devDependencies"].iter().any(|k| {
        json[k]
            .as_object()
            .is_some_and(|deps| AUTH_PACKAGES.iter().any(|p| deps.contains_key(*p)))
    })
}

/// The `next` version the app's `package.json` allows at the lowest (`^14.2.3` → 14.2.3, `15` →
/// 15.0.0): a lockfile may pin a newer one, never an older one. `None` without a `next`
/// dependency or with a spec that is not a version (`latest`, `canary`, `workspace:*`).
pub fn read_next_version(root: &Path) -> Option<(u64, u64, u64)> {
    let text = std::fs::read_to_string(root.join("package.json")).ok()?;
    let json = serde_json::from_str::<serde_json::Value>(&text).ok()?;
    let spec = ["dependencies", "devDependencies"]
        .iter()
        .find_map(|k| json[k]["next"].as_str())?;
    version_floor(spec)
}

/// The lowest version an npm range allows, for the simple ranges apps write (`15.1.0`, `^14.2.3`,
/// `~13.5`, `>=14.0.0 <15`, `14.x`, `1 || 2`). `None` for tags, paths and `<`-only ranges.
pub fn version_floor(spec: &str) -> Option<(u64, u64, u64)> {
    let first = spec.split("||").next()?.split_whitespace().next()?;
    if first.starts_with('<') {
        return None;
    }
    let v = first.trim_start_matches(['^', '~', '>', '=', 'v']);
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let mut num = || parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    Some((major, num(), num()))
}

/// Is this `next` version open to CVE-2025-29927 (GHSA-f82v-jwr5-mffw): a request carrying an
/// `x-middleware-subrequest` header skips middleware entirely? Fixed in 12.3.5, 13.5.9, 14.2.25
/// and 15.2.3; 11.1.4 was the first affected release.
pub fn vulnerable_to_middleware_bypass(v: (u64, u64, u64)) -> bool {
    let fixed = match v.0 {
        11 | 12 => (12, 3, 5),
        13 => (13, 5, 9),
        14 => (14, 2, 25),
        15 => (15, 2, 3),
        _ => return false,
    };
    v >= (11, 1, 4) && v < fixed
}

/// Prisma models and their field names, from `prisma/schema.prisma` or a multi-file schema
/// folder (`prisma/schema/*.prisma`). `None` when the app has no Prisma schema.
pub fn read_prisma_schema(root: &Path) -> Option<BTreeMap<String, Vec<String>>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [root.join("prisma"), root.join("prisma/schema")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|x| x == "prisma") && p.is_file() {
                    files.push(p);
                }
            }
        }
    }
    if files.is_empty() {
        return None;
    }
    files.sort();
    let mut models = BTreeMap::new();
    for f in files {
        if let Ok(text) = std::fs::read_to_string(&f) {
            parse_prisma(&text, &mut models);
        }
    }
    Some(models)
}

/// `model Document { id String @id\n userId String … }` → Document: [id, userId, …].
pub fn parse_prisma(text: &str, models: &mut BTreeMap<String, Vec<String>>) {
    let mut current: Option<(String, Vec<String>)> = None;
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if let Some((name, fields)) = current.as_mut() {
            if line.starts_with('}') {
                models.insert(std::mem::take(name), std::mem::take(fields));
                current = None;
            } else if let Some(field) = line.split_whitespace().next() {
                if !field.starts_with('@') {
                    fields.push(field.to_string());
                }
            }
            continue;
        }
        let mut words = line.split_whitespace();
        if words.next() == Some("model") {
            if let Some(name) = words.next() {
                current = Some((name.trim_end_matches('{').to_string(), Vec::new()));
            }
        }
    }
}

/// Drizzle tables and their columns, from the schema files `drizzle.config.*` names (`schema:` a
/// file, a folder or a `dir/*.ts` glob) or, without one, the usual places (`db/schema.ts`,
/// `src/db/schema/*.ts`, `src/server/db/schema.ts`, …). Each table is listed under its variable
/// name (`documents`, what `db.query.documents` and `from(documents)` use) and its SQL name;
/// columns under their key (`userId`) and SQL name (`user_id`); a column that `.references()`
/// a users, organizations, teams, … table counts as an owner column (`ownerId`). `None` when
/// no schema file defines a table.
pub fn read_drizzle_schema(root: &Path, budget: Duration) -> Option<BTreeMap<String, Vec<String>>> {
    let mut tables = BTreeMap::new();
    for file in drizzle_schema_files(root) {
        let Some(lang) = Lang::from_path(&file).filter(|l| l.is_js_family()) else {
            continue;
        };
        let Ok(src) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Only modules that define tables are parsed (a config may name a whole source folder).
        let defines = ["Table(", "TableCreator(", ".table("];
        if !defines.iter().any(|d| src.contains(d)) {
            continue;
        }
        if let Some(tree) = crate::analyze::parse(lang, &src, budget) {
            parse_drizzle(tree.root_node(), &src, &mut tables);
        }
    }
    (!tables.is_empty()).then_some(tables)
}

/// The schema files of a Drizzle app, sorted, inside `root` (the model inputs cover them: every
/// JS/TS file of the app is one).
pub fn drizzle_schema_files(root: &Path) -> Vec<PathBuf> {
    let mut specs: Vec<String> = Vec::new();
    let config = ["ts", "mts", "js", "mjs", "cjs"]
        .iter()
        .map(|e| root.join(format!("drizzle.config.{e}")))
        .find(|p| p.is_file());
    if let Some(text) = config.and_then(|c| std::fs::read_to_string(c).ok()) {
        specs = config_schema_specs(&text);
    }
    if specs.is_empty() {
        for base in ["", "src/", "lib/", "src/lib/", "server/", "src/server/"] {
            specs.push(format!("{base}db/schema.ts"));
            specs.push(format!("{base}db/schema"));
        }
        specs.push("drizzle/schema.ts".into());
    }
    let mut files = Vec::new();
    for spec in specs {
        let spec = spec.trim_start_matches("./");
        // A glob: read the folder before its first wildcard (recursively for `**`).
        let (dir, recursive) = match spec.find('*') {
            Some(i) => (
                spec[..i].rsplit_once('/').map_or("", |(d, _)| d),
                spec.contains("**"),
            ),
            None => (spec, true),
        };
        let path = root.join(dir);
        if !crate::paths::absolute(&path).is_ok_and(|p| p.starts_with(root)) {
            continue;
        }
        if path.is_file() {
            files.push(path);
        } else if path.is_dir() {
            let depth = if recursive { 4 } else { 1 };
            for e in ignore::WalkBuilder::new(&path)
                .max_depth(Some(depth))
                .follow_links(false)
                .require_git(false)
                .build()
                .flatten()
            {
                let p = e.path();
                if e.file_type().is_some_and(|t| t.is_file())
                    && Lang::from_path(p).is_some_and(|l| l.is_js_family())
                {
                    files.push(p.to_path_buf());
                }
            }
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The strings of `schema: "…"` or `schema: ["…", …]` in a `drizzle.config`.
fn config_schema_specs(text: &str) -> Vec<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static STR: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = super::module::lazy(
        &RE,
        r#"\bschema\s*:\s*(\[[^\]]*\]|"[^"]*"|'[^']*'|`[^`]*`)"#,
    );
    let strings = super::module::lazy(&STR, r#""([^"]*)"|'([^']*)'|`([^`$]*)`"#);
    let Some(value) = re.captures(text).and_then(|c| c.get(1)) else {
        return Vec::new();
    };
    strings
        .captures_iter(value.as_str())
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| m.as_str().to_string())
        .collect()
}

/// Functions that define a Drizzle table: `pgTable`, `mysqlTable`, `sqliteTable`,
/// `singlestoreTable`, and names bound to `pgTableCreator(…)` & co in the same file.
fn is_table_fn(name: &str, creators: &[String]) -> bool {
    matches!(
        name,
        "pgTable" | "mysqlTable" | "sqliteTable" | "singlestoreTable"
    ) || creators.iter().any(|c| c == name)
}

/// Adds the tables a parsed Drizzle schema module defines.
pub fn parse_drizzle(root: Node, src: &str, tables: &mut BTreeMap<String, Vec<String>>) {
    let text = |n: Node| src.get(n.byte_range()).unwrap_or("");
    // Every `variable_declarator`, breadth-first, bounded (schema files are flat).
    let mut declarators = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if declarators.len() > 5_000 || stack.len() > 50_000 {
            break;
        }
        if n.kind() == "variable_declarator" {
            declarators.push(n);
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    declarators.sort_by_key(|d| d.start_byte());
    let mut creators: Vec<String> = Vec::new();
    for d in declarators {
        let (Some(name), Some(value)) = (
            d.child_by_field_name("name"),
            d.child_by_field_name("value"),
        ) else {
            continue;
        };
        if value.kind() != "call_expression" {
            continue;
        }
        let Some(f) = value.child_by_field_name("function") else {
            continue;
        };
        let fname = match f.kind() {
            "identifier" => text(f),
            // `mySchema.table("documents", …)`
            "member_expression" => f.child_by_field_name("property").map_or("", text),
            _ => "",
        };
        if fname.ends_with("TableCreator") {
            creators.push(text(name).to_string());
            continue;
        }
        if !(is_table_fn(fname, &creators) || (f.kind() == "member_expression" && fname == "table"))
        {
            continue;
        }
        let Some(args) = value.child_by_field_name("arguments") else {
            continue;
        };
        let mut ac = args.walk();
        let list: Vec<Node> = args.named_children(&mut ac).collect();
        let sql_name = list
            .first()
            .map(|a| text(*a).trim_matches(['"', '\'', '`']).to_string())
            .unwrap_or_default();
        let columns = list
            .get(1)
            .map(|c| drizzle_columns(*c, src))
            .unwrap_or_default();
        let var = text(name).to_string();
        if !sql_name.is_empty() && sql_name != var {
            tables.insert(sql_name, columns.clone());
        }
        tables.insert(var, columns);
    }
}

/// The column names of a Drizzle columns object (`{ id: …, userId: text("user_id") }`, or the
/// object an arrow function returns: `(t) => ({ … })`).
fn drizzle_columns(node: Node, src: &str) -> Vec<String> {
    let text = |n: Node| src.get(n.byte_range()).unwrap_or("");
    let mut obj = node;
    for _ in 0..4 {
        match obj.kind() {
            "arrow_function" | "function_expression" => match obj.child_by_field_name("body") {
                Some(b) => obj = b,
                None => break,
            },
            "parenthesized_expression" => match obj.named_child(0) {
                Some(b) => obj = b,
                None => break,
            },
            "statement_block" => {
                let mut c = obj.walk();
                let ret = obj
                    .named_children(&mut c)
                    .find(|s| s.kind() == "return_statement")
                    .and_then(|r| r.named_child(0));
                match ret {
                    Some(r) => obj = r,
                    None => break,
                }
            }
            _ => break,
        }
    }
    let mut out = Vec::new();
    if obj.kind() != "object" {
        return out;
    }
    let mut c = obj.walk();
    for pair in obj.named_children(&mut c) {
        match pair.kind() {
            "shorthand_property_identifier" => out.push(text(pair).to_string()),
            "pair" => {
                let key = pair
                    .child_by_field_name("key")
                    .map(|k| text(k).trim_matches(['"', '\'']).to_string())
                    .unwrap_or_default();
                out.push(key.clone());
                if let Some(v) = pair.child_by_field_name("value") {
                    if let Some(sql) = column_sql_name(v, src).filter(|s| *s != key) {
                        out.push(sql);
                    }
                    if references_owner().is_match(text(v)) {
                        out.push("ownerId".into());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// `text("user_id").notNull().references(…)` → `user_id`: the first argument of the innermost
/// call of a column builder chain, when it is a string.
fn column_sql_name(v: Node, src: &str) -> Option<String> {
    let mut cur = v;
    for _ in 0..32 {
        match cur.kind() {
            "call_expression" => {
                let f = cur.child_by_field_name("function")?;
                // `text("user_id")`, or `t.text("user_id")` in the `(t) => ({ … })` form.
                let builder = f.kind() == "identifier"
                    || (f.kind() == "member_expression"
                        && f.child_by_field_name("object")
                            .is_some_and(|o| o.kind() == "identifier"));
                if builder {
                    let first = cur.child_by_field_name("arguments")?.named_child(0)?;
                    return matches!(first.kind(), "string" | "template_string").then(|| {
                        src.get(first.byte_range())
                            .unwrap_or("")
                            .trim_matches(['"', '\'', '`'])
                            .to_string()
                    });
                }
                cur = f;
            }
            "member_expression" => cur = cur.child_by_field_name("object")?,
            _ => return None,
        }
    }
    None
}

/// A column referencing an owner or tenant table: `.references(() => users.id)`.
fn references_owner() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    super::module::lazy(
        &RE,
        r"(?i)\.references\(\s*\(\)\s*(?::\s*\w+\s*)?=>\s*(?:\w+\.)?(users?|accounts?|organi[sz]ations?|orgs?|teams?|workspaces?|tenants?|members?|memberships?|companies|company|customers?|profiles?)\.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonc() {
        let text = "{\n // c\n \"a\": \"x//y\", /* b */ \"b\": [1, 2,],\n}";
        let v: serde_json::Value = serde_json::from_str(&strip_jsonc(text)).expect("json");
        assert_eq!(v["a"], "x//y");
        assert_eq!(v["b"][1], 2);
    }

    #[test]
    fn prisma_models() {
        let mut m = BTreeMap::new();
        parse_prisma(
            "model Document {\n  id String @id\n  orgId String // tenant\n  @@index([orgId])\n}\nenum Role { A }\nmodel Plan {\n id Int\n name String\n}\n",
            &mut m,
        );
        assert_eq!(m["Document"], vec!["id", "orgId"]);
        assert_eq!(m["Plan"], vec!["id", "name"]);
        assert!(!m.contains_key("Role"));
    }

    #[test]
    fn next_versions() {
        assert_eq!(version_floor("^14.2.3"), Some((14, 2, 3)));
        assert_eq!(version_floor("15"), Some((15, 0, 0)));
        assert_eq!(version_floor("~13.5"), Some((13, 5, 0)));
        assert_eq!(version_floor(">=14.0.0 <15"), Some((14, 0, 0)));
        assert_eq!(version_floor("15.2.0-canary.3"), Some((15, 2, 0)));
        assert_eq!(version_floor("latest"), None);
        assert_eq!(version_floor("workspace:*"), None);
        for (v, open) in [
            ("15.1.0", true),
            ("15.2.3", false),
            ("^14.2.35", false),
            ("14.2.24", true),
            ("13.5.8", true),
            ("13.5.9", false),
            ("12.3.4", true),
            ("16.0.0", false),
            ("10.2.0", false),
        ] {
            let floor = version_floor(v).expect("a version");
            assert_eq!(vulnerable_to_middleware_bypass(floor), open, "{v}");
        }
    }

    #[test]
    fn drizzle_tables() {
        let src = r#"
import { pgTable, text, uuid, pgTableCreator } from "drizzle-orm/pg-core";
export const users = pgTable("users", { id: uuid("id").primaryKey(), email: text("email") });
export const documents = pgTable("documents", {
  id: uuid("id").primaryKey(),
  createdBy: uuid("created_by").references(() => users.id),
  title: text(),
});
export const shares = pgTable("document_shares", (t) => ({ id: t.uuid().primaryKey(), orgId: t.text("org_id") }));
const createTable = pgTableCreator((name) => `app_${name}`);
export const posts = createTable("post", (d) => ({ id: d.integer(), name: d.varchar({ length: 256 }) }));
export const notes = mysqlTable("notes", { id: int("id"), authorRef: int("author").references(() => schema.users.id) });
"#;
        let tree =
            crate::analyze::parse(Lang::TypeScript, src, Duration::from_secs(5)).expect("parses");
        let mut t = BTreeMap::new();
        parse_drizzle(tree.root_node(), src, &mut t);
        assert_eq!(t["users"], vec!["id", "email"]);
        assert_eq!(
            t["documents"],
            vec!["id", "createdBy", "created_by", "ownerId", "title"]
        );
        assert_eq!(t["shares"], vec!["id", "orgId", "org_id"]);
        assert_eq!(t["document_shares"], t["shares"]);
        assert_eq!(t["posts"], vec!["id", "name"]);
        assert!(t.contains_key("post"));
        assert!(t["notes"].contains(&"ownerId".to_string()));
        assert!(!t.contains_key("createTable"));
    }

    #[test]
    fn drizzle_config_schema() {
        assert_eq!(
            config_schema_specs(
                "export default defineConfig({ schema: './src/db/schema.ts', out: './drizzle' })"
            ),
            vec!["./src/db/schema.ts"]
        );
        assert_eq!(
            config_schema_specs("export default { schema: [\"./db/schema/*\", 'lib/x.ts'], dialect: \"postgresql\" }"),
            vec!["./db/schema/*", "lib/x.ts"]
        );
        assert!(config_schema_specs("export default { out: './drizzle' }").is_empty());
    }
}
