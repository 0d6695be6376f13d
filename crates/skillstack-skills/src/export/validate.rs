//! The format rules of each agent's files, checked on what skillstack writes.
//!
//! [`agent_skill`] is a Rust port of the checks of the Agent Skills reference validator
//! (`skills-ref validate`) and Anthropic's `quick_validate.py`: allowed top-level keys, the name's
//! format and length and that it equals its folder, a non-empty description within 1024
//! characters and without angle brackets, `compatibility` within 500, `metadata` a map of
//! strings. It adds the spec's size guidance (a body under 500 lines) as an error, because
//! skillstack controls every line it writes.

use serde_yaml_ng::{Mapping, Value};

/// Agent Skills: the spec's top-level frontmatter keys.
pub const AGENT_SKILL_KEYS: [&str; 6] = [
    "name",
    "description",
    "license",
    "compatibility",
    "metadata",
    "allowed-tools",
];
/// Cursor rules: exactly these frontmatter keys.
pub const CURSOR_KEYS: [&str; 3] = ["description", "globs", "alwaysApply"];
/// Copilot instructions: `applyTo` (Copilot) plus VS Code's `name`, `description`, `excludeAgent`.
pub const COPILOT_KEYS: [&str; 4] = ["applyTo", "name", "description", "excludeAgent"];
/// Bodies longer than this are too long to load whole (Agent Skills and Cursor guidance).
pub const MAX_BODY_LINES: usize = 500;
/// Codex stops reading AGENTS.md files after 32 KiB.
pub const MAX_AGENTS_MD_BYTES: usize = 32 * 1024;

/// Splits `---` YAML frontmatter from the body and parses it as a mapping.
pub fn frontmatter(text: &str) -> Result<(Mapping, &str), String> {
    let rest = text
        .strip_prefix("---\n")
        .ok_or("must start with a `---` frontmatter line")?;
    let end = rest
        .find("\n---\n")
        .ok_or("frontmatter is not closed by a `---` line")?;
    let value: Value = serde_yaml_ng::from_str(&rest[..end])
        .map_err(|e| format!("frontmatter is not valid YAML: {e}"))?;
    match value {
        Value::Mapping(m) => Ok((m, &rest[end + 5..])),
        _ => Err("frontmatter must be a YAML mapping".into()),
    }
}

fn keys_problems(m: &Mapping, allowed: &[&str], out: &mut Vec<String>) {
    for k in m.keys() {
        match k.as_str() {
            Some(k) if allowed.contains(&k) => {}
            _ => out.push(format!(
                "unexpected frontmatter key {k:?}; allowed: {}",
                allowed.join(", ")
            )),
        }
    }
}

fn string_field<'a>(m: &'a Mapping, key: &str, out: &mut Vec<String>) -> Option<&'a str> {
    match m.get(key) {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            out.push(format!("`{key}` must be a string, not {other:?}"));
            None
        }
    }
}

fn body_lines(body: &str, out: &mut Vec<String>) {
    let n = body.lines().count();
    if n >= MAX_BODY_LINES {
        out.push(format!(
            "body has {n} lines; keep it under {MAX_BODY_LINES}"
        ));
    }
}

/// Checks a `SKILL.md` in a folder named `dir_name`. Returns every problem found.
pub fn agent_skill(dir_name: &str, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (m, body) = match frontmatter(text) {
        Ok(x) => x,
        Err(e) => return vec![e],
    };
    keys_problems(&m, &AGENT_SKILL_KEYS, &mut out);
    match string_field(&m, "name", &mut out) {
        None if !m.contains_key("name") => out.push("missing required field `name`".into()),
        None => {}
        Some(name) => name_problems(name, dir_name, &mut out),
    }
    match string_field(&m, "description", &mut out) {
        None if !m.contains_key("description") => {
            out.push("missing required field `description`".into())
        }
        None => {}
        Some(d) => {
            let n = d.trim().chars().count();
            if n == 0 {
                out.push("`description` is empty".into());
            }
            if d.chars().count() > 1024 {
                out.push(format!("`description` has {n} characters; at most 1024"));
            }
            if d.contains(['<', '>']) {
                out.push("`description` must not contain `<` or `>`".into());
            }
        }
    }
    if let Some(c) = string_field(&m, "compatibility", &mut out) {
        let n = c.chars().count();
        if n == 0 || n > 500 {
            out.push(format!(
                "`compatibility` must be 1–500 characters (it has {n})"
            ));
        }
    }
    string_field(&m, "license", &mut out);
    string_field(&m, "allowed-tools", &mut out);
    match m.get("metadata") {
        None => {}
        Some(Value::Mapping(meta)) => {
            for (k, v) in meta {
                if !matches!((k, v), (Value::String(_), Value::String(_))) {
                    out.push(format!(
                        "`metadata` must map strings to strings; {k:?}: {v:?} is not"
                    ));
                }
            }
        }
        Some(_) => out.push("`metadata` must be a mapping".into()),
    }
    body_lines(body, &mut out);
    out
}

fn name_problems(name: &str, dir_name: &str, out: &mut Vec<String>) {
    let n = name.chars().count();
    if n == 0 || n > 64 {
        out.push(format!("`name` must be 1–64 characters (it has {n})"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        out.push(format!(
            "`name` `{name}` may only contain lowercase letters, digits and hyphens"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        out.push(format!(
            "`name` `{name}` must not start or end with a hyphen or contain `--`"
        ));
    }
    if name != dir_name {
        out.push(format!(
            "`name` `{name}` must equal its folder's name `{dir_name}`"
        ));
    }
}

/// Checks a Cursor `.mdc` rule: the three fields, a boolean `alwaysApply`, non-empty globs and
/// description, a body under 500 lines.
pub fn cursor_rule(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (m, body) = match frontmatter(text) {
        Ok(x) => x,
        Err(e) => return vec![e],
    };
    keys_problems(&m, &CURSOR_KEYS, &mut out);
    for key in ["description", "globs"] {
        match string_field(&m, key, &mut out) {
            Some(s) if !s.trim().is_empty() => {}
            Some(_) => out.push(format!("`{key}` is empty")),
            None => out.push(format!("`{key}` is missing")),
        }
    }
    if !matches!(m.get("alwaysApply"), Some(Value::Bool(_))) {
        out.push("`alwaysApply` must be a bare true or false".into());
    }
    body_lines(body, &mut out);
    out
}

/// Checks a Copilot `.instructions.md`: known fields, a non-empty `applyTo` string, a body under
/// 500 lines.
pub fn copilot_instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (m, body) = match frontmatter(text) {
        Ok(x) => x,
        Err(e) => return vec![e],
    };
    keys_problems(&m, &COPILOT_KEYS, &mut out);
    match string_field(&m, "applyTo", &mut out) {
        Some(s) if !s.trim().is_empty() => {}
        _ => out.push("`applyTo` must be a non-empty string of globs".into()),
    }
    string_field(&m, "name", &mut out);
    string_field(&m, "description", &mut out);
    body_lines(body, &mut out);
    out
}

/// Checks AGENTS.md: exactly one skillstack block, and a size Codex reads whole.
pub fn agents_md(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let begins = text.matches(super::BEGIN_MARKER).count();
    let ends = text.matches(super::END_MARKER).count();
    if begins != 1 || ends != 1 {
        out.push(format!(
            "expected one skillstack block, found {begins} begin and {ends} end markers"
        ));
    }
    if text.len() > MAX_AGENTS_MD_BYTES {
        out.push(format!(
            "AGENTS.md is {} bytes; Codex reads only {MAX_AGENTS_MD_BYTES}",
            text.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_validator_catches_each_rule() {
        let ok = "---\nname: my-skill\ndescription: Does X. Use it when Y.\nmetadata:\n  v: \"1.0\"\n---\n# B\n";
        assert_eq!(agent_skill("my-skill", ok), Vec::<String>::new());
        let cases = [
            (ok.replace("name: my-skill", "name: My_Skill"), "lowercase"),
            (ok.replace("name: my-skill", "name: -my-skill"), "hyphen"),
            (ok.replace("name: my-skill", "name: my--skill"), "hyphen"),
            (
                ok.replace("name: my-skill", &format!("name: {}", "a".repeat(65))),
                "1–64",
            ),
            (
                ok.replace("name: my-skill\n", ""),
                "missing required field `name`",
            ),
            (ok.replace("Does X. Use it when Y.", "\"\""), "empty"),
            (
                ok.replace("Does X. Use it when Y.", &"d".repeat(1025)),
                "at most 1024",
            ),
            (ok.replace("Does X.", "Does <X>."), "`<`"),
            (
                ok.replace("metadata:", "version: 1\nmetadata:"),
                "unexpected frontmatter key",
            ),
            (ok.replace("\"1.0\"", "1.0"), "strings to strings"),
            (format!("{ok}{}", "line\n".repeat(500)), "under 500"),
        ];
        for (text, expected) in cases {
            let problems = agent_skill("my-skill", &text);
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{expected}: {problems:?}"
            );
        }
        assert!(agent_skill("other", ok)[0].contains("folder"));
    }

    #[test]
    fn cursor_and_copilot_rules() {
        let ok =
            "---\ndescription: \"d\"\nglobs: app/**/*.ts,lib/*.ts\nalwaysApply: false\n---\nB\n";
        assert!(cursor_rule(ok).is_empty(), "{:?}", cursor_rule(ok));
        assert!(!cursor_rule(&ok.replace("false", "\"false\"")).is_empty());
        assert!(!cursor_rule(&ok.replace("globs: app/**/*.ts,lib/*.ts\n", "")).is_empty());
        assert!(!cursor_rule(&ok.replace("alwaysApply", "name: x\nalwaysApply")).is_empty());
        let ok = "---\napplyTo: \"app/**/*.rb\"\nname: \"N\"\n---\nB\n";
        assert!(copilot_instructions(ok).is_empty());
        assert!(!copilot_instructions(&ok.replace("\"app/**/*.rb\"", "\"\"")).is_empty());
        assert!(!copilot_instructions(&ok.replace("name:", "globs:")).is_empty());
    }
}
