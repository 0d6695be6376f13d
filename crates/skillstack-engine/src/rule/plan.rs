//! One query per grammar: the queries of every matcher that runs on a grammar, compiled together
//! into a single tree-sitter query, so that a file's tree is walked once for all rules instead
//! of once per matcher. Compiled lazily, the first time a file of the grammar needs it, so that
//! an audit of a few files pays only for the grammars it meets.
//!
//! A match is handed back to the matcher that owns its pattern (found from where the pattern
//! starts in the combined text), which checks its conditions exactly as it would on its own.

use std::ops::Range;
use std::sync::OnceLock;

use tree_sitter::{Query, QueryCursor, StreamingIterator, Tree};

use super::matcher::{Hit, Slots};
use super::RuleSet;
use crate::lang::Lang;
use crate::predicates::PredCtx;

/// The compiled queries for one grammar: normally one; one per matcher if the combined text
/// does not compile (it always does for validated rules, and the per-matcher fallback keeps one
/// broken query from silencing every other rule).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    queries: Vec<PlanQuery>,
}

#[derive(Debug)]
struct PlanQuery {
    query: Query,
    /// For each pattern of the query: the index into `owners`.
    pattern_owner: Vec<usize>,
    /// `(rule index, matcher index, capture slots)` of each matcher in this query.
    owners: Vec<(usize, usize, Slots)>,
}

/// One lazily compiled plan per grammar, indexed by [`slot`].
pub(crate) type Plans = [OnceLock<Plan>; 5];

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::JavaScript => 0,
        Lang::TypeScript => 1,
        Lang::Tsx => 2,
        Lang::Ruby => 3,
        Lang::Php => 4,
    }
}

impl Plan {
    fn build(rules: &RuleSet, lang: Lang) -> Plan {
        let mut text = String::new();
        let mut parts: Vec<(usize, usize, Range<usize>)> = Vec::new();
        for (ri, rule) in rules.iter().enumerate() {
            for (mi, m) in rule.matchers.iter().enumerate() {
                if m.supports(lang) {
                    let start = text.len();
                    text.push_str(&m.query);
                    // A `;` comment on the query's last line must not swallow the next query.
                    text.push('\n');
                    parts.push((ri, mi, start..text.len()));
                }
            }
        }
        if parts.is_empty() {
            return Plan::default();
        }
        let grammar = lang.grammar();
        if let Ok(query) = Query::new(&grammar, &text) {
            return Plan {
                queries: vec![PlanQuery::new(rules, query, &parts)],
            };
        }
        let queries = parts
            .iter()
            .filter_map(|(ri, mi, range)| {
                let query = Query::new(&grammar, &text[range.clone()]).ok()?;
                let len = range.len();
                Some(PlanQuery::new(rules, query, &[(*ri, *mi, 0..len)]))
            })
            .collect();
        Plan { queries }
    }
}

impl PlanQuery {
    fn new(rules: &RuleSet, query: Query, parts: &[(usize, usize, Range<usize>)]) -> PlanQuery {
        let matchers: Vec<_> = rules.iter().map(|r| &r.matchers).collect();
        let owners: Vec<(usize, usize, Slots)> = parts
            .iter()
            .map(|(ri, mi, _)| (*ri, *mi, matchers[*ri][*mi].slots(&query)))
            .collect();
        let pattern_owner = (0..query.pattern_count())
            .map(|p| {
                let at = query.start_byte_for_pattern(p);
                parts
                    .iter()
                    .position(|(_, _, r)| r.contains(&at))
                    .unwrap_or(0)
            })
            .collect();
        PlanQuery {
            query,
            pattern_owner,
            owners,
        }
    }
}

impl RuleSet {
    /// Runs every matcher of the file's grammar over its tree in one pass and files each hit
    /// under `hits[rule index][matcher index]` (rule indices in [`RuleSet::iter`] order), in the
    /// order the matcher alone would have found them. `wanted(rule, matcher)` says which
    /// matchers apply to this file; the others' matches are dropped before any predicate runs.
    pub fn run_matchers(
        &self,
        ctx: &PredCtx,
        tree: &Tree,
        wanted: &dyn Fn(usize, usize) -> bool,
        hits: &mut [Vec<Vec<Hit>>],
    ) {
        let plan = self.plans[slot(ctx.lang)].get_or_init(|| Plan::build(self, ctx.lang));
        let matchers: Vec<_> = self.iter().map(|r| &r.matchers).collect();
        for pq in &plan.queries {
            if !pq.owners.iter().any(|(ri, mi, _)| wanted(*ri, *mi)) {
                continue;
            }
            let mut cursor = QueryCursor::new();
            let mut matches = cursor.matches(&pq.query, tree.root_node(), ctx.src.as_bytes());
            while let Some(m) = matches.next() {
                let Some((ri, mi, slots)) = pq.owners.get(pq.pattern_owner[m.pattern_index]) else {
                    continue;
                };
                if !wanted(*ri, *mi) {
                    continue;
                }
                if let Some(hit) = matchers[*ri][*mi].hit(slots, m, ctx) {
                    if let Some(out) = hits.get_mut(*ri).and_then(|h| h.get_mut(*mi)) {
                        out.push(hit);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::rule::load::{load_dir, parse_rule};
    use crate::rule::matcher::capture_names_in;
    use crate::rule::RuleOrigin;

    fn rules_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
    }

    /// The built-in rules skip tree-sitter's check at startup; this is that check.
    #[test]
    fn built_in_queries_compile_for_every_grammar_and_their_captures_are_read_right() {
        let checked = load_dir(&rules_dir()).unwrap_or_else(|e| panic!("{}", e[0].message));
        assert!(checked.len() >= 10);
        for rule in &checked {
            let RuleOrigin::File(path) = &rule.origin else {
                unreachable!()
            };
            let text = std::fs::read_to_string(path).unwrap();
            let trusted = parse_rule("r.toml", &text, RuleOrigin::Builtin("r".into())).unwrap();
            for (a, b) in rule.matchers.iter().zip(&trusted.matchers) {
                assert_eq!(a.capture_names(), b.capture_names(), "{}", rule.id);
            }
        }
        let mut set = RuleSet::new();
        for r in checked {
            set.insert(r);
        }
        for lang in Lang::ALL {
            let plan = Plan::build(&set, lang);
            assert_eq!(
                plan.queries.len(),
                1,
                "{lang:?}: the combined query compiles"
            );
        }
    }

    #[test]
    fn reads_capture_names_like_tree_sitter() {
        let q = r#"; a comment with @not_a_capture
((call function: (identifier) @fn.name arguments: (_) @args) @call
 (#eq? @fn.name "say @hello \" @still_string"))
(string) @call"#;
        assert_eq!(capture_names_in(q), vec!["fn.name", "args", "call"]);
    }

    #[test]
    fn a_query_that_does_not_compile_silences_only_its_own_rule() {
        let rule = |id: &str, query: &str| {
            let text = format!(
                "id = \"{id}\"\ntitle = \"t\"\nseverity = \"low\"\nconfidence = \"high\"\nmessage = \"m\"\n\
                 why = \"w\"\nfix = \"f\"\nprompt = \"p\"\n[[match]]\nlanguage = \"ruby\"\nquery = '''{query}'''\n"
            );
            // Trusted, so that the broken query gets past loading.
            parse_rule("r.toml", &text, RuleOrigin::Builtin("r".into())).unwrap()
        };
        let mut set = RuleSet::new();
        set.insert(rule("a/broken", "(no_such_node) @x"));
        set.insert(rule("b/works", "(call method: (identifier) @m) @c"));
        let src = "foo.bar(1)\n";
        let tree =
            crate::analyze::parse(Lang::Ruby, src, std::time::Duration::from_secs(5)).unwrap();
        let ctx = PredCtx {
            lang: Lang::Ruby,
            src,
            file: None,
            project: None,
        };
        let mut hits = vec![vec![Vec::new()], vec![Vec::new()]];
        set.run_matchers(&ctx, &tree, &|_, _| true, &mut hits);
        assert!(hits[0][0].is_empty());
        assert_eq!(hits[1][0].len(), 1);
        // The first capture is reported: the method name.
        assert_eq!(hits[1][0][0].byte_range, 4..7);
    }
}
