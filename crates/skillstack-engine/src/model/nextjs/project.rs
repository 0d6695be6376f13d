//! Project files a Next.js app model reads besides code: `tsconfig.json` / `jsconfig.json` path
//! aliases, `package.json` dependencies, and the Prisma schema.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
}
