//! The languages skillstack parses, and how a file maps to one.

use std::path::Path;

/// A grammar skillstack can parse. TypeScript and TSX are separate grammars in tree-sitter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    JavaScript,
    TypeScript,
    Tsx,
    Ruby,
    Php,
}

impl Lang {
    pub const ALL: [Lang; 5] = [
        Lang::JavaScript,
        Lang::TypeScript,
        Lang::Tsx,
        Lang::Ruby,
        Lang::Php,
    ];

    /// The grammar for a file, from its extension. `None` for files skillstack does not parse.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?;
        match ext {
            "js" | "jsx" | "mjs" | "cjs" => Some(Lang::JavaScript),
            "ts" | "mts" | "cts" => Some(Lang::TypeScript),
            "tsx" => Some(Lang::Tsx),
            "rb" | "rake" => Some(Lang::Ruby),
            "php" => Some(Lang::Php),
            _ => None,
        }
    }

    /// The tree-sitter grammar.
    pub fn grammar(self) -> tree_sitter::Language {
        match self {
            Lang::JavaScript => tree_sitter_javascript::LANGUAGE.into(),
            Lang::TypeScript => tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into(),
            Lang::Tsx => tree_sitter_typescript::LANGUAGE_TSX.into(),
            Lang::Ruby => tree_sitter_ruby::LANGUAGE.into(),
            // The `php` grammar accepts HTML around `<?php` blocks, as real view files have.
            Lang::Php => tree_sitter_php::LANGUAGE_PHP.into(),
        }
    }

    /// A stable lower-case name, used in output and in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Lang::JavaScript => "javascript",
            Lang::TypeScript => "typescript",
            Lang::Tsx => "tsx",
            Lang::Ruby => "ruby",
            Lang::Php => "php",
        }
    }

    /// Is this one of the JavaScript-family grammars (JS, TS, TSX)?
    pub fn is_js_family(self) -> bool {
        matches!(self, Lang::JavaScript | Lang::TypeScript | Lang::Tsx)
    }
}

/// The language a rule matcher is written for. `js` covers JavaScript, TypeScript and TSX (their
/// grammars share node kinds for everything rules look at); `ts` covers TypeScript and TSX only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LangFamily {
    Js,
    Ts,
    Ruby,
    Php,
}

impl LangFamily {
    pub fn parse(s: &str) -> Option<LangFamily> {
        match s {
            "js" | "javascript" => Some(LangFamily::Js),
            "ts" | "typescript" => Some(LangFamily::Ts),
            "ruby" => Some(LangFamily::Ruby),
            "php" => Some(LangFamily::Php),
            _ => None,
        }
    }

    /// The grammars this family compiles its queries for.
    pub fn langs(self) -> &'static [Lang] {
        match self {
            LangFamily::Js => &[Lang::JavaScript, Lang::TypeScript, Lang::Tsx],
            LangFamily::Ts => &[Lang::TypeScript, Lang::Tsx],
            LangFamily::Ruby => &[Lang::Ruby],
            LangFamily::Php => &[Lang::Php],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            LangFamily::Js => "js",
            LangFamily::Ts => "ts",
            LangFamily::Ruby => "ruby",
            LangFamily::Php => "php",
        }
    }
}

/// The syntax tree of `src` as an indented S-expression with field names and leaf text: what
/// rule authors write queries against (`skillstack ast FILE`).
pub fn dump_ast(lang: Lang, src: &str) -> Option<String> {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&lang.grammar()).ok()?;
    let tree = parser.parse(src, None)?;
    let mut out = String::new();
    let mut cursor = tree.walk();
    let mut depth = 0usize;
    loop {
        let node = cursor.node();
        if node.is_named() || node.is_missing() {
            let field = cursor
                .field_name()
                .map(|f| format!("{f}: "))
                .unwrap_or_default();
            let pos = node.start_position();
            out.push_str(&format!(
                "{}{field}({}) [{}:{}]",
                "  ".repeat(depth),
                node.kind(),
                pos.row + 1,
                pos.column + 1
            ));
            if node.named_child_count() == 0 {
                let text = src.get(node.byte_range()).unwrap_or("");
                let text: String = text.chars().take(60).collect();
                out.push_str(&format!(" {text:?}"));
            }
            out.push('\n');
        }
        if cursor.goto_first_child() {
            depth += 1;
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return Some(out);
            }
            depth -= 1;
        }
    }
}
