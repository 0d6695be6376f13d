//! `function-flow`: the source text of the function a node is in, together with the functions
//! of the same file it calls and that call it (one step each way, by name).
//!
//! Rules use it for "nothing in this flow does X" conditions — a token looked up but never
//! checked for expiry, never consumed — where `enclosing-function` (a name) says too little and
//! `enclosing-class` (a whole controller) says too much. Callbacks are not functions of their
//! own here: code inside `$transaction(async (tx) => …)`, `DB::transaction(function () …)` or
//! `.then(…)` belongs to the function that passes them, so a check written in the callback (or
//! around it) is seen from either side. Comments are left out: `// TODO: check the expiry` is not
//! a check.

use regex::Regex;
use tree_sitter::Node;

use super::function_name;
use crate::lang::Lang;

/// Functions longer than this are not added as callers or callees (generated code, huge
/// files): the flow stays readable and evaluation stays cheap.
const MAX_NEIGHBOUR_BYTES: usize = 20_000;

/// See the module docs. Outside any function, the whole file.
pub fn function_flow(node: Node, lang: Lang, src: &str) -> String {
    let Some(own) = flow_root(node, lang) else {
        return src.to_string();
    };
    let own_text = code_text(own, src);
    let own_name = function_name(own, lang, src).filter(|n| is_word(n));
    let mut out = own_text.clone();
    for other in functions(own.parent_or_root(), lang) {
        if other.id() == own.id()
            || other.byte_range().len() > MAX_NEIGHBOUR_BYTES
            || contains(own, other)
            || contains(other, own)
        {
            continue;
        }
        let Some(name) = function_name(other, lang, src).filter(|n| is_word(n)) else {
            continue;
        };
        let other_text = code_text(other, src);
        let callee = calls(&own_text, &name, lang);
        let caller = own_name
            .as_deref()
            .is_some_and(|own_name| calls(&other_text, own_name, lang));
        if callee || caller {
            out.push('\n');
            out.push_str(&other_text);
        }
    }
    out
}

/// The node's source text without its comments.
fn code_text(node: Node, src: &str) -> String {
    let mut out = String::new();
    let mut at = node.start_byte();
    let mut stack = vec![node];
    let mut comments = Vec::new();
    while let Some(n) = stack.pop() {
        if n.kind() == "comment" {
            comments.push(n.byte_range());
            continue;
        }
        let mut c = n.walk();
        stack.extend(n.children(&mut c));
    }
    comments.sort_by_key(|r| r.start);
    for r in comments {
        out.push_str(src.get(at..r.start).unwrap_or(""));
        at = r.end;
    }
    out.push_str(src.get(at..node.end_byte()).unwrap_or(""));
    out
}

trait ParentOrRoot<'t> {
    fn parent_or_root(self) -> Node<'t>;
}

impl<'t> ParentOrRoot<'t> for Node<'t> {
    /// The root of the file the node is in (the functions of the same file).
    fn parent_or_root(self) -> Node<'t> {
        let mut n = self;
        while let Some(p) = n.parent() {
            n = p;
        }
        n
    }
}

fn is_function(n: Node, lang: Lang) -> bool {
    match lang {
        Lang::Ruby => matches!(n.kind(), "method" | "singleton_method"),
        Lang::Php => matches!(
            n.kind(),
            "function_definition" | "method_declaration" | "anonymous_function" | "arrow_function"
        ),
        _ => matches!(
            n.kind(),
            "function_declaration"
                | "generator_function_declaration"
                | "method_definition"
                | "function_expression"
                | "arrow_function"
        ),
    }
}

/// A function passed straight to a call (a callback) rather than defined or bound.
fn is_callback(f: Node) -> bool {
    f.parent()
        .is_some_and(|p| matches!(p.kind(), "arguments" | "argument" | "argument_list"))
}

/// The innermost function around `node` that is not a callback; when every function around it
/// is one (a Laravel route closure, `export const POST = withAuth(async (req) => …)`), the
/// outermost.
fn flow_root(node: Node, lang: Lang) -> Option<Node> {
    let mut outermost = None;
    let mut cur = node.parent();
    while let Some(n) = cur {
        if is_function(n, lang) {
            if !is_callback(n) {
                return Some(n);
            }
            outermost = Some(n);
        }
        cur = n.parent();
    }
    outermost
}

/// Every named function of the file (Ruby methods, PHP functions and methods, JS declarations,
/// methods and functions bound to a name), outermost first.
fn functions(root: Node, lang: Lang) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if is_function(n, lang) && !is_callback(n) {
            out.push(n);
        }
        let mut c = n.walk();
        stack.extend(n.named_children(&mut c));
    }
    out
}

fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

fn is_word(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Does `body` call the function `name`? JS and PHP: `name(`; Ruby also a bare `name` that is
/// not a method of another receiver (`User.create`) or a symbol (`:create`).
fn calls(body: &str, name: &str, lang: Lang) -> bool {
    let name = regex::escape(name);
    let pattern = match lang {
        Lang::Ruby => format!(r"(^|[^.:\w@]|self\.)\b{name}\b[?!]?($|[^:\w=]|==)"),
        _ => format!(r"(^|[^.\w$:>]|this\.|\$this->|self::|static::)\b{name}\s*\("),
    };
    Regex::new(&pattern).is_ok_and(|re| re.is_match(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(lang: Lang, src: &str, needle: &str) -> String {
        let mut p = tree_sitter::Parser::new();
        p.set_language(&lang.grammar()).unwrap();
        let tree = p.parse(src, None).unwrap();
        let start = src.find(needle).unwrap();
        let node = tree
            .root_node()
            .descendant_for_byte_range(start, start + needle.len())
            .unwrap();
        function_flow(node, lang, src)
    }

    #[test]
    fn js_callbacks_belong_to_the_function_passing_them() {
        let src = "export async function POST(req) {\n  await db.$transaction(async (tx) => {\n    const t = await tx.token.findUnique({ where: { token } });\n  });\n  if (t.expiresAt < new Date()) throw new Error();\n}\n";
        let f = flow(Lang::TypeScript, src, "findUnique");
        assert!(f.contains("expiresAt"), "{f}");
    }

    #[test]
    fn js_same_file_callees_and_callers_are_included() {
        let src = "async function load(token) { return db.t.findFirst({ where: { token } }); }\nfunction unrelated() { return isExpired(x); }\nexport async function POST(req) { const t = await load(body.token); if (isExpired(t)) return; }\n";
        let f = flow(Lang::TypeScript, src, "findFirst");
        assert!(f.contains("async function POST"), "caller: {f}");
        assert!(!f.contains("unrelated"), "{f}");
        let f = flow(Lang::TypeScript, src, "isExpired(t)");
        assert!(f.contains("async function load"), "callee: {f}");
        // A wrapped handler is its own flow: the arrow passed to withAuth.
        let src = "export const POST = withAuth(async (req) => { const t = await find(req); });\n";
        assert!(flow(Lang::TypeScript, src, "find(req)").starts_with("async (req)"));
    }

    #[test]
    fn ruby_methods_and_bare_calls() {
        let src = "class A\n  def create\n    @t = load_token\n    head :ok\n  end\n\n  def update\n    User.create(x)\n  end\n\n  private\n\n  def load_token\n    Token.find_by(token: params[:token])\n  end\n\n  def create_copy\n  end\nend\n";
        let f = flow(Lang::Ruby, src, "Token.find_by");
        assert!(f.contains("def create\n"), "caller by bare call: {f}");
        let f = flow(Lang::Ruby, src, "head :ok");
        assert!(f.contains("def load_token"), "{f}");
        // `User.create` is another receiver's method, not a call of the `create` action.
        assert!(!f.contains("def update"), "{f}");
        assert!(!f.contains("def create_copy"), "{f}");
    }

    #[test]
    fn php_closures_and_methods() {
        let src = "<?php\nclass C {\n  public function accept(Request $r) {\n    DB::transaction(function () use ($r) {\n      $i = Invitation::where('token', $r->token)->first();\n    });\n    $this->check($i);\n  }\n  private function check($i) { if ($i->expires_at->isPast()) abort(410); }\n  public function other() { return 1; }\n}\n";
        let f = flow(Lang::Php, src, "Invitation::where");
        assert!(f.starts_with("public function accept"), "{f}");
        assert!(f.contains("isPast"), "{f}");
        assert!(!f.contains("function other"), "{f}");
        let route = "<?php\nRoute::post('/x', function (Request $r) { $t = Token::where('token', $r->token)->first(); });\n";
        assert!(flow(Lang::Php, route, "Token::where").starts_with("function (Request $r)"));
    }

    #[test]
    fn comments_are_not_code() {
        let src = "function f(t) {\n  // TODO: check the expiry\n  return db.t.findFirst({ where: { t } }); /* expires */\n}\n";
        let f = flow(Lang::TypeScript, src, "findFirst");
        assert!(!f.contains("expir"), "{f}");
        assert!(f.contains("return db.t.findFirst"), "{f}");
        let src = "def update\n  # expires_at is checked elsewhere\n  User.find_by(token: params[:t])\nend\n";
        assert!(!flow(Lang::Ruby, src, "User.find_by").contains("expires"));
    }

    #[test]
    fn outside_any_function_it_is_the_file() {
        let src = "const t = await db.t.findFirst({ where: { token } });\n";
        assert_eq!(flow(Lang::TypeScript, src, "findFirst"), src);
    }
}
