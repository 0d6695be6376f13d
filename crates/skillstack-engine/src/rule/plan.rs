//! One query per grammar: the queries of every matcher that runs on a grammar, compiled together
//! into a single tree-sitter query, so that a file's tree is walked once for all rules instead
//! of once per matcher. Compiled lazily, the first time a file of the grammar needs it, so that
//! an audit of a few files pays only for the grammars it meets.
//!
//! A match is handed back to the matcher that owns its pattern (found from where the pattern
//! starts in the combined text), which checks its conditions exactly as it would on its own.
//!
//! Most files cannot match most patterns: a pattern that needs `#eq? @m "find"` never matches a
//! file without `find` (see [`super::prefilter`]). A file none of whose patterns can match is
//! not walked at all. Otherwise it runs the smallest compiled query that holds every pattern its
//! text and path allow, and only those patterns' matches count. Compiling a query costs about
//! as much as walking a few megabytes with it (tree-sitter analyses the grammar's parse table
//! for every new query: 30–120 ms), and a real app's files ask for hundreds of different sets
//! (dub: 416), so a set gets its own query only once files needing exactly it add up to
//! [`SUBSET_DEMAND_BYTES`]; until then it shares a larger one, at worst the full query.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use aho_corasick::AhoCorasick;

use tree_sitter::{Query, QueryCursor, QueryCursorOptions, StreamingIterator, Tree};

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
    /// For the combined query: what each of its patterns needs (`None` for the fallback).
    filter: Option<Prefilter>,
}

/// The combined query's patterns, each with its text and the literals it needs, and the
/// queries of pattern subsets compiled so far.
#[derive(Debug)]
struct Prefilter {
    text: String,
    /// `(owner, text range, literal groups as indices into the automaton's literals)`.
    patterns: Vec<(usize, Range<usize>, Vec<Vec<usize>>)>,
    parts: Vec<(usize, usize, Range<usize>)>,
    literals: Option<AhoCorasick>,
    literal_count: usize,
    subsets: Mutex<Subsets>,
}

/// The pattern-set queries compiled so far, and how many bytes of files have asked for each
/// set not compiled yet.
#[derive(Debug, Default)]
struct Subsets {
    compiled: HashMap<Vec<usize>, Arc<PlanQuery>>,
    demand: HashMap<Vec<usize>, usize>,
}

/// How many bytes of files must ask for exactly one pattern set before it gets its own query:
/// walking with the full query instead costs about 70 ms more per megabyte on the synthetic
/// corpus (`bench/`), and compiling a set's query 30–120 ms, so a set pays off after a megabyte
/// or two.
const SUBSET_DEMAND_BYTES: usize = 2 << 20;

/// A file this large always runs exactly its own pattern set. Sharing a larger query is cheap
/// on ordinary files, but the extra patterns still walk the tree, and on a generated file with
/// a 100,000-deep expression chain a pattern rooted at every link (`(binary_expression left:
/// (_) …)`) keeps a match in progress at every level: minutes, then a crash (tests/adversarial).
/// Such a file's own set leaves out the patterns whose literals it lacks.
const OWN_QUERY_FILE_BYTES: usize = 128 << 10;

#[derive(Debug)]
struct PlanQuery {
    query: Query,
    /// For each pattern of the query: the index into `owners`.
    pattern_owner: Vec<usize>,
    /// For each pattern of the query: its index in the full query.
    global: Vec<usize>,
    /// `(rule index, matcher index, capture slots)` of each matcher in this query.
    owners: Vec<(usize, usize, Slots)>,
}

/// Matches start no deeper than this in the tree. Tree-sitter's query cursor keeps a match's
/// start depth in 16 bits: below 65,535 levels (a 100,000-term `a + b + …` chain, generated
/// code) the count wraps, in-progress matches are never retired, and the pass turns quadratic —
/// minutes for one file, with a pattern rooted at every link of the chain. No hand-written code
/// nests this deep; matches that start above the limit still see everything under them.
const MAX_START_DEPTH: u32 = 60_000;

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
            let filter = Prefilter::new(rules, &query, text, &parts);
            let all = (0..query.pattern_count()).collect();
            return Plan {
                queries: vec![PlanQuery::new(rules, query, &parts, all)],
                filter: Some(filter),
            };
        }
        let queries = parts
            .iter()
            .filter_map(|(ri, mi, range)| {
                let query = Query::new(&grammar, &text[range.clone()]).ok()?;
                let len = range.len();
                let all = (0..query.pattern_count()).collect();
                Some(PlanQuery::new(rules, query, &[(*ri, *mi, 0..len)], all))
            })
            .collect();
        Plan {
            queries,
            filter: None,
        }
    }
}

impl Prefilter {
    fn new(
        rules: &RuleSet,
        query: &Query,
        text: String,
        parts: &[(usize, usize, Range<usize>)],
    ) -> Prefilter {
        let mut literals: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for p in 0..query.pattern_count() {
            let start = query.start_byte_for_pattern(p);
            let owner = parts
                .iter()
                .position(|(_, _, r)| r.contains(&start))
                .unwrap_or(0);
            let part_end = parts.get(owner).map_or(text.len(), |(_, _, r)| r.end);
            let end = if p + 1 < query.pattern_count() {
                query.start_byte_for_pattern(p + 1).min(part_end)
            } else {
                part_end
            };
            let mut groups =
                super::prefilter::required_literals(text.get(start..end).unwrap_or(""));
            if let Some((ri, mi, _)) = parts.get(owner) {
                if let Some(m) = rules.iter().nth(*ri).and_then(|r| r.matchers.get(*mi)) {
                    groups.extend(m.condition_literals());
                }
            }
            let groups = groups
                .into_iter()
                .map(|g| {
                    g.into_iter()
                        .map(|l| match literals.iter().position(|x| *x == l) {
                            Some(i) => i,
                            None => {
                                literals.push(l);
                                literals.len() - 1
                            }
                        })
                        .collect()
                })
                .collect();
            patterns.push((owner, start..end, groups));
        }
        Prefilter {
            text,
            patterns,
            parts: parts.to_vec(),
            literal_count: literals.len(),
            // Without an automaton every pattern runs: slower, never wrong.
            literals: AhoCorasick::new(&literals).ok(),
            subsets: Mutex::new(Subsets::default()),
        }
    }

    /// The patterns worth running on `src`: those of wanted owners whose literals all occur.
    fn patterns_for(&self, src: &str, wanted: &dyn Fn(usize) -> bool) -> Vec<usize> {
        let mut present = vec![self.literals.is_none(); self.literal_count];
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(src) {
                if let Some(p) = present.get_mut(m.pattern().as_usize()) {
                    *p = true;
                }
            }
        }
        let has = |i: &usize| present.get(*i).copied().unwrap_or(true);
        (0..self.patterns.len())
            .filter(|&p| {
                let (owner, _, groups) = &self.patterns[p];
                wanted(*owner) && groups.iter().all(|g| g.iter().any(has))
            })
            .collect()
    }

    /// The query a file whose text allows the patterns `keep` runs: that set's own query if
    /// compiled (compiling it now if files have asked for it often enough, or if this file is
    /// large: [`OWN_QUERY_FILE_BYTES`]), otherwise the smallest compiled query holding all of
    /// `keep`; `None` means the full query.
    fn query_for(
        &self,
        rules: &RuleSet,
        lang: Lang,
        keep: &[usize],
        bytes: usize,
    ) -> Option<Arc<PlanQuery>> {
        {
            let mut subsets = self.subsets.lock().ok()?;
            if let Some(q) = subsets.compiled.get(keep) {
                return Some(q.clone());
            }
            let demand = subsets.demand.entry(keep.to_vec()).or_default();
            *demand += bytes;
            if *demand < SUBSET_DEMAND_BYTES && bytes < OWN_QUERY_FILE_BYTES {
                return subsets
                    .compiled
                    .iter()
                    .filter(|(set, _)| is_subset(keep, set))
                    // Ties broken by the set itself, so that the choice does not depend on the
                    // map's order (the results never do: see `run_query`).
                    .min_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)))
                    .map(|(_, q)| q.clone());
            }
            subsets.demand.remove(keep);
        }
        // Compiled outside the lock: the other threads go on with larger queries meanwhile.
        let pq = Arc::new(self.compile(rules, lang, keep)?);
        let mut subsets = self.subsets.lock().ok()?;
        Some(subsets.compiled.entry(keep.to_vec()).or_insert(pq).clone())
    }

    /// The query of exactly these patterns, or `None` if it does not compile (never for
    /// patterns that compiled together).
    fn compile(&self, rules: &RuleSet, lang: Lang, keep: &[usize]) -> Option<PlanQuery> {
        let mut text = String::new();
        let mut parts = Vec::new();
        for &p in keep {
            let (owner, range, _) = &self.patterns[p];
            let (ri, mi, _) = self.parts.get(*owner)?;
            let start = text.len();
            text.push_str(self.text.get(range.clone())?);
            text.push('\n');
            parts.push((*ri, *mi, start..text.len()));
        }
        let query = Query::new(&lang.grammar(), &text).ok()?;
        // Each range holds exactly one pattern of the full query; anything else would make
        // `global` wrong.
        if query.pattern_count() != keep.len() {
            return None;
        }
        Some(PlanQuery::new(rules, query, &parts, keep.to_vec()))
    }
}

/// Is every element of the sorted `small` in the sorted `big`?
fn is_subset(small: &[usize], big: &[usize]) -> bool {
    let mut big = big.iter();
    small.iter().all(|x| big.any(|y| y == x))
}

impl PlanQuery {
    /// `global`: for each pattern of `query`, its index in the full query.
    fn new(
        rules: &RuleSet,
        query: Query,
        parts: &[(usize, usize, Range<usize>)],
        global: Vec<usize>,
    ) -> PlanQuery {
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
            global,
            owners,
        }
    }
}

impl RuleSet {
    /// Runs every matcher of the file's grammar over its tree in one pass and files each hit
    /// under `hits[rule index][matcher index]` (rule indices in [`RuleSet::iter`] order), in the
    /// order the matcher alone would have found them. `wanted(rule, matcher)` says which
    /// matchers apply to this file; the others' matches are dropped before any predicate runs.
    ///
    /// Returns `false` if the walk ran past `deadline` and stopped: the hits are then partial.
    pub fn run_matchers(
        &self,
        ctx: &PredCtx,
        tree: &Tree,
        wanted: &dyn Fn(usize, usize) -> bool,
        hits: &mut [Vec<Vec<Hit>>],
        deadline: Instant,
    ) -> bool {
        let plan = self.plans[slot(ctx.lang)].get_or_init(|| Plan::build(self, ctx.lang));
        if let (Some(filter), [full]) = (&plan.filter, &plan.queries[..]) {
            let keep = filter.patterns_for(ctx.src, &|owner| {
                full.owners
                    .get(owner)
                    .is_some_and(|(ri, mi, _)| wanted(*ri, *mi))
            });
            if keep.is_empty() {
                return true;
            }
            if keep.len() == filter.patterns.len() {
                return self.run_query(full, None, ctx, tree, wanted, hits, deadline);
            }
            let mut allowed = vec![false; filter.patterns.len()];
            for &p in &keep {
                allowed[p] = true;
            }
            return match filter.query_for(self, ctx.lang, &keep, ctx.src.len()) {
                Some(pq) => self.run_query(&pq, Some(&allowed), ctx, tree, wanted, hits, deadline),
                None => self.run_query(full, Some(&allowed), ctx, tree, wanted, hits, deadline),
            };
        }
        plan.queries
            .iter()
            .all(|pq| self.run_query(pq, None, ctx, tree, wanted, hits, deadline))
    }

    /// Runs `pq` and files the hits of its matches; with `allowed`, only of the patterns (by
    /// index in the full query) it allows — the others cannot match this file, since their
    /// literals are missing from it, and skipping them keeps the results the same whichever
    /// compiled query a file happens to run.
    #[allow(clippy::too_many_arguments)]
    fn run_query(
        &self,
        pq: &PlanQuery,
        allowed: Option<&[bool]>,
        ctx: &PredCtx,
        tree: &Tree,
        wanted: &dyn Fn(usize, usize) -> bool,
        hits: &mut [Vec<Vec<Hit>>],
        deadline: Instant,
    ) -> bool {
        let matchers: Vec<_> = self.iter().map(|r| &r.matchers).collect();
        if !pq.owners.iter().any(|(ri, mi, _)| wanted(*ri, *mi)) {
            return true;
        }
        let mut cursor = QueryCursor::new();
        cursor.set_max_start_depth(Some(MAX_START_DEPTH));
        // Some trees make the walk quadratic whatever the start depth (a 100,000-deep chain in a
        // file that has a pattern's literals): past the file's time budget it stops.
        let mut late = false;
        let mut check = |_: &tree_sitter::QueryCursorState| {
            late = late || Instant::now() > deadline;
            late
        };
        let options = QueryCursorOptions::new().progress_callback(&mut check);
        let mut matches =
            cursor.matches_with_options(&pq.query, tree.root_node(), ctx.src.as_bytes(), options);
        while let Some(m) = matches.next() {
            if let Some(allowed) = allowed {
                let global = pq.global.get(m.pattern_index).copied();
                if !global.is_some_and(|g| allowed.get(g).copied().unwrap_or(false)) {
                    continue;
                }
            }
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
        drop(matches);
        !late
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::rule::load::{load_dir, parse_rule};
    use crate::rule::matcher::capture_names_in;
    use crate::rule::RuleOrigin;

    /// Every matcher's hits in Ruby source `src`, as `run_matchers` files them.
    fn ruby_hits(set: &RuleSet, src: &str) -> Vec<Vec<Vec<Hit>>> {
        let tree =
            crate::analyze::parse(Lang::Ruby, src, std::time::Duration::from_secs(5)).unwrap();
        let ctx = PredCtx {
            lang: Lang::Ruby,
            src,
            file: None,
            project: None,
        };
        let mut hits: Vec<Vec<Vec<Hit>>> = set
            .iter()
            .map(|r| r.matchers.iter().map(|_| Vec::new()).collect())
            .collect();
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        assert!(set.run_matchers(&ctx, &tree, &|_, _| true, &mut hits, far));
        hits
    }

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
    fn a_file_runs_only_the_patterns_its_text_allows_with_the_same_hits() {
        let text = "id = \"a/two\"\ntitle = \"t\"\nseverity = \"low\"\nconfidence = \"high\"\n\
                    message = \"m\"\nwhy = \"w\"\nfix = \"f\"\nprompt = \"p\"\n[[match]]\n\
                    language = \"ruby\"\nquery = '''\n((call method: (identifier) @m) @c (#eq? @m \"find\"))\n\
                    (call receiver: (constant) @k) @c\n'''\nreport = \"c\"\n[[match.where]]\n\
                    capture = \"k\"\nregex = '^User$'\nbind = \"k\"\n";
        let rule = parse_rule("r.toml", text, RuleOrigin::Builtin("r".into())).unwrap();
        let mut set = RuleSet::new();
        set.insert(rule);
        let run = |src: &str| {
            ruby_hits(&set, src)[0][0]
                .iter()
                .map(|h| h.byte_range.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(run("User.where(1)\nx.y(2)\n"), vec![0..13]);
        let plan = set.plans[slot(Lang::Ruby)].get().unwrap();
        let filter = plan.filter.as_ref().unwrap();
        // Every pattern needs `User` (the `where` regex on @k); the first also `find`.
        assert_eq!(
            filter.patterns_for("x.find(1)", &|_| true),
            Vec::<usize>::new()
        );
        assert_eq!(filter.patterns_for("User.where(1)", &|_| true), vec![1]);
        assert_eq!(
            filter.patterns_for("User.find(1)", &|_| false),
            Vec::<usize>::new()
        );
        // Both patterns: the first matches `find` calls but fails the `where` (no @k).
        assert_eq!(run("User.find(1)\n"), vec![0..12]);
        // Neither: no walk at all.
        assert_eq!(run("Post.where(1)\n"), Vec::<std::ops::Range<usize>>::new());
        // A set gets its own query once enough bytes of files have asked for it; until then
        // the full query runs, and the hits are the same either way.
        assert!(filter.query_for(&set, Lang::Ruby, &[1], 10).is_none());
        let own = filter
            .query_for(&set, Lang::Ruby, &[1], SUBSET_DEMAND_BYTES)
            .unwrap();
        assert_eq!(own.global, vec![1]);
        assert!(Arc::ptr_eq(
            &own,
            &filter.query_for(&set, Lang::Ruby, &[1], 10).unwrap()
        ));
        assert_eq!(run("User.where(1)\nx.y(2)\n"), vec![0..13]);
        assert_eq!(run("User.find(1)\n"), vec![0..12]);
        // A set inside a compiled one runs that one; its other patterns' matches are dropped.
        assert!(Arc::ptr_eq(
            &own,
            &filter.query_for(&set, Lang::Ruby, &[], 10).unwrap()
        ));
        // A large file compiles its own set at once.
        let large = filter
            .query_for(&set, Lang::Ruby, &[0], OWN_QUERY_FILE_BYTES)
            .unwrap();
        assert_eq!(large.global, vec![0]);
        assert!(is_subset(&[1, 3], &[0, 1, 2, 3]));
        assert!(!is_subset(&[1, 4], &[0, 1, 2, 3]));
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
        let hits = ruby_hits(&set, "foo.bar(1)\n");
        assert!(hits[0][0].is_empty());
        assert_eq!(hits[1][0].len(), 1);
        // The first capture is reported: the method name.
        assert_eq!(hits[1][0][0].byte_range, 4..7);
    }
}
