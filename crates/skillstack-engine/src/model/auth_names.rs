//! Project-specific authentication and authorization helpers named in `skillstack.toml`:
//!
//! ```toml
//! [auth]
//! authenticate = ["requireMember", "require_member!"]  # calls that require a signed-in user
//! authorize = ["assertCanEdit", "check_document_access!"]  # calls that authorize access to a record
//! ```
//!
//! A named call counts as evidence for the entry points whose code makes it: in JavaScript and
//! TypeScript the top-level statement around the code (so a wrapper like
//! `export const POST = requireMember(async (req) => …)` counts), in Ruby and PHP the method
//! around it — and, in a Rails controller, a `before_action :require_member!` anywhere in the
//! class (its `only:`/`except:` are not read for these names).

use regex::Regex;
use tree_sitter::Node;

use crate::lang::Lang;

/// The helper names from the config, compiled.
#[derive(Debug, Clone, Default)]
pub struct AuthNames {
    pub authenticate: Vec<String>,
    pub authorize: Vec<String>,
    authenticate_re: Option<Regex>,
    authorize_re: Option<Regex>,
}

impl PartialEq for AuthNames {
    fn eq(&self, other: &AuthNames) -> bool {
        self.authenticate == other.authenticate && self.authorize == other.authorize
    }
}

/// Is this a name the config may give: an identifier, maybe qualified (`Auth.require`,
/// `Guard::check`), maybe ending in `!` or `?` (Ruby)?
pub fn valid_name(name: &str) -> bool {
    let core = name.trim_end_matches(['!', '?']);
    name.len() - core.len() <= 1
        && core.split(['.', ':']).filter(|p| !p.is_empty()).count() > 0
        && core
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && core
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '$' | '.' | ':'))
}

fn compile(names: &[String]) -> Option<Regex> {
    if names.is_empty() {
        return None;
    }
    let alternatives: Vec<String> = names.iter().map(|n| regex::escape(n)).collect();
    // Whole names only: `requireMember` must not match `requireMemberOrGuest`, and a Ruby
    // symbol (`:require_member!`) counts as much as a call.
    Regex::new(&format!(
        r"(?:^|[^\w$.]){}(?:$|[^\w$!?])",
        format_args!("(?:{})", alternatives.join("|"))
    ))
    .ok()
}

impl AuthNames {
    /// Names as validated by the config loader.
    pub fn new(authenticate: Vec<String>, authorize: Vec<String>) -> AuthNames {
        AuthNames {
            authenticate_re: compile(&authenticate),
            authorize_re: compile(&authorize),
            authenticate,
            authorize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.authenticate.is_empty() && self.authorize.is_empty()
    }

    /// (authenticates, authorizes): does the code that runs `node` call a configured helper?
    pub fn evidence_at(&self, lang: Lang, node: Node, src: &str) -> (bool, bool) {
        if self.is_empty() {
            return (false, false);
        }
        let mut texts: Vec<&str> = Vec::new();
        if lang.is_js_family() {
            // The top-level statement: the handler with its wrapper.
            let top = std::iter::successors(Some(node), |n| n.parent())
                .take_while(|n| n.parent().is_some())
                .last();
            texts.extend(top.and_then(|t| src.get(t.byte_range())));
        } else {
            let (method, class): (&[&str], &[&str]) = match lang {
                Lang::Ruby => (&["method", "singleton_method"], &["class"]),
                _ => (
                    &[
                        "method_declaration",
                        "function_definition",
                        "anonymous_function",
                        "arrow_function",
                    ],
                    &[],
                ),
            };
            let up = || std::iter::successors(Some(node), |n| n.parent());
            texts.extend(
                up().find(|n| method.contains(&n.kind()))
                    .and_then(|m| src.get(m.byte_range())),
            );
            // Rails: `before_action :require_member!` in the controller.
            if let Some(c) = up().find(|n| class.contains(&n.kind())) {
                let body = src.get(c.byte_range()).unwrap_or("");
                texts.extend(body.lines().filter(|l| {
                    l.trim_start().starts_with("before_action")
                        || l.trim_start().starts_with("prepend_before_action")
                }));
            }
        }
        let hit = |re: &Option<Regex>| {
            re.as_ref()
                .is_some_and(|re| texts.iter().any(|t| re.is_match(t)))
        };
        (hit(&self.authenticate_re), hit(&self.authorize_re))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::parse;

    fn at(names: &AuthNames, lang: Lang, src: &str, needle: &str) -> (bool, bool) {
        let tree = parse(lang, src, std::time::Duration::from_secs(5)).unwrap();
        let start = src.find(needle).unwrap();
        let node = tree
            .root_node()
            .descendant_for_byte_range(start, start + needle.len())
            .unwrap();
        names.evidence_at(lang, node, src)
    }

    #[test]
    fn names_are_validated() {
        for ok in [
            "requireMember",
            "require_member!",
            "Auth.check",
            "Guard::check",
            "$can",
            "ok?",
        ] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "!", "a b", "x()", "1abc", "a!!", "a|b"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn configured_calls_count_where_they_run() {
        let names = AuthNames::new(
            vec!["requireMember".into(), "require_member!".into()],
            vec!["assertCanEdit".into()],
        );
        let ts = "export const POST = requireMember(async (req) => { db.doc.delete(x); });\nexport async function GET() { assertCanEdit(u, d); db.doc.find(y); }\nexport async function PUT() { requireMemberOrGuest(); db.doc.update(z); }";
        assert_eq!(at(&names, Lang::TypeScript, ts, "delete(x)"), (true, false));
        assert_eq!(at(&names, Lang::TypeScript, ts, "find(y)"), (false, true));
        assert_eq!(
            at(&names, Lang::TypeScript, ts, "update(z)"),
            (false, false),
            "whole names only"
        );
        let rb = "class DocsController < ApplicationController\n  before_action :require_member!\n  def show\n    Doc.find(params[:id])\n  end\nend\nclass OtherController\n  def show\n    Doc.find(1)\n  end\nend";
        assert_eq!(at(&names, Lang::Ruby, rb, "params[:id]"), (true, false));
        assert_eq!(at(&names, Lang::Ruby, rb, "find(1)"), (false, false));
        let php = "<?php class C { public function show($id) { assertCanEdit($id); return Doc::find($id); } }";
        assert_eq!(at(&names, Lang::Php, php, "Doc::find"), (false, true));
        assert_eq!(
            at(&AuthNames::default(), Lang::Php, php, "Doc::find"),
            (false, false)
        );
    }
}
