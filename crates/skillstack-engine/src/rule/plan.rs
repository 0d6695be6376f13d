//! One plan per grammar: the queries of every matcher that runs on a grammar, put together so
//! that a file's tree is walked once for all rules instead of once per matcher. Built lazily,
//! the first time a file of the grammar needs it, so that an audit of a few files pays only for
//! the grammars it meets.
//!
//! The queries [`super::pattern`] reads (every built-in one) run on the rules' own matcher,
//! [`super::walk`]: nothing to compile, each pattern tried once at each node of its root type.
//! The others are compiled together into one tree-sitter query. Either way a match is handed
//! back to the matcher that owns its pattern (found from where the pattern starts in the
//! combined text), which checks its conditions exactly as it would on its own.
//!
//! Most files cannot match most patterns: a pattern that needs `#eq? @m "find"` never matches a
//! file without `find` (see [`super::prefilter`]). A file none of whose patterns can match is
//! not walked at all, and only the patterns its text and path allow run. On tree-sitter's engine
//! that means the smallest compiled query that holds every such pattern: compiling a query costs
//! about as much as walking a few megabytes with it (tree-sitter analyses the grammar's parse
//! table for every new query: 30–120 ms), and a real app's files ask for hundreds of different
//! sets (dub: 416), so a set gets its own query only once files needing exactly it add up to
//! [`SUBSET_DEMAND_BYTES`]; until then it shares a larger one, at worst the full query.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use aho_corasick::AhoCorasick;

use tree_sitter::{Query, QueryCursor, QueryCursorOptions, StreamingIterator, Tree};

use super::matcher::{Hit, Slots};
use super::pattern::Patterns;
use super::prefilter::{token_at, Groups};
use super::walk::{self, Index};
use super::RuleSet;
use crate::lang::Lang;
use crate::predicates::PredCtx;

/// How one grammar's matchers run: the rules' own matcher for the queries it reads, one
/// combined tree-sitter query for the others.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// The matchers whose queries [`super::pattern`] reads (every built-in one), run by
    /// [`walk`] without tree-sitter's query engine.
    own: Option<Own>,
    /// The other matchers' queries, run by tree-sitter.
    queries: Vec<PlanQuery>,
    /// For their combined query: what each of its patterns needs (`None` for the fallback).
    filter: Option<Prefilter>,
}

/// The combined query as [`super::walk`] runs it.
#[derive(Debug)]
struct Own {
    patterns: Patterns,
    index: Index,
    /// For each pattern: the index into `owners`.
    pattern_owner: Vec<usize>,
    /// `(rule index, matcher index, capture slots)` of each matcher.
    owners: Vec<(usize, usize, Slots)>,
    /// What each pattern needs.
    filter: Prefilter,
}

/// The combined query's patterns, each with its text and the literals it needs, and the
/// queries of pattern subsets compiled so far.
#[derive(Debug)]
struct Prefilter {
    text: String,
    /// `(owner, text range, literal groups)`.
    patterns: Vec<(usize, Range<usize>, Vec<Vec<LitRef>>)>,
    parts: Vec<(usize, usize, Range<usize>)>,
    literals: Option<AhoCorasick>,
    literal_count: usize,
    subsets: Mutex<Subsets>,
}

/// A literal of a group: its index into the automaton's strings, and whether it must occur as
/// a whole token ([`super::prefilter::Lit::token`]).
type LitRef = (usize, bool);

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

/// The patterns of a file's grammar that its text leaves to run ([`RuleSet::select_patterns`]).
#[derive(Debug)]
pub struct Chosen {
    /// Indices of the own matcher's patterns.
    own: Vec<usize>,
    /// Indices of the tree-sitter query's patterns; `None`: every query runs unfiltered.
    other: Option<Vec<usize>>,
}

impl Chosen {
    /// Nothing can match: the file need not be parsed for its rules.
    pub fn is_empty(&self) -> bool {
        self.own.is_empty() && self.other.as_ref().is_some_and(|o| o.is_empty())
    }
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
        let grammar = lang.grammar();
        // Each matcher's query runs on the rules' own matcher if `pattern` reads it, otherwise
        // on tree-sitter's query engine: a matcher's matches come from one engine, in its order.
        let mut own = Combined::default();
        let mut other = Combined::default();
        for (ri, rule) in rules.iter().enumerate() {
            for (mi, m) in rule.matchers.iter().enumerate() {
                if m.supports(lang) {
                    let readable = super::pattern::read(&grammar, &m.query).is_ok();
                    let to = if readable { &mut own } else { &mut other };
                    to.push(ri, mi, &m.query);
                }
            }
        }
        let own = match Own::build(rules, &grammar, &own, lang) {
            Some(o) => Some(o),
            None => {
                // Never for queries read one by one; if it were, tree-sitter runs them all.
                for (ri, mi, range) in &own.parts {
                    other.push(*ri, *mi, &own.text[range.clone()]);
                }
                None
            }
        };
        let (queries, filter) = tree_sitter_queries(rules, &grammar, other, lang);
        Plan {
            queries,
            filter,
            own,
        }
    }
}

/// Matchers' queries put together, each with where its text is.
#[derive(Default)]
struct Combined {
    text: String,
    parts: Vec<(usize, usize, Range<usize>)>,
}

impl Combined {
    fn push(&mut self, ri: usize, mi: usize, query: &str) {
        let start = self.text.len();
        self.text.push_str(query);
        // A `;` comment on the query's last line must not swallow the next query.
        self.text.push('\n');
        self.parts.push((ri, mi, start..self.text.len()));
    }
}

impl Own {
    fn build(
        rules: &RuleSet,
        grammar: &tree_sitter::Language,
        c: &Combined,
        lang: Lang,
    ) -> Option<Own> {
        if c.parts.is_empty() {
            return None;
        }
        let patterns = super::pattern::read(grammar, &c.text).ok()?;
        let ranges: Vec<Range<usize>> = patterns.patterns.iter().map(|p| p.range.clone()).collect();
        let structural: Vec<_> = patterns
            .patterns
            .iter()
            .map(|p| super::prefilter::pattern_literals(p, grammar))
            .collect();
        let filter = Prefilter::new(
            rules,
            &ranges,
            c.text.clone(),
            &c.parts,
            Some(&structural),
            lang,
        );
        let matchers: Vec<_> = rules.iter().map(|r| &r.matchers).collect();
        let id = |n: &str| {
            patterns
                .capture_names
                .iter()
                .position(|x| x == n)
                .map(|i| i as u32)
        };
        let owners = c
            .parts
            .iter()
            .map(|(ri, mi, _)| (*ri, *mi, matchers[*ri][*mi].slots_by(&id)))
            .collect();
        let pattern_owner = filter.patterns.iter().map(|(o, _, _)| *o).collect();
        let index = Index::new(&patterns, grammar.clone());
        Some(Own {
            patterns,
            index,
            pattern_owner,
            owners,
            filter,
        })
    }
}

/// The tree-sitter queries of the matchers in `c`: one combined query, or one per matcher if
/// the combined text does not compile (it always does for validated rules, and the per-matcher
/// fallback keeps one broken query from silencing every other rule).
fn tree_sitter_queries(
    rules: &RuleSet,
    grammar: &tree_sitter::Language,
    c: Combined,
    lang: Lang,
) -> (Vec<PlanQuery>, Option<Prefilter>) {
    if c.parts.is_empty() {
        return (Vec::new(), None);
    }
    if let Ok(query) = Query::new(grammar, &c.text) {
        let ranges: Vec<Range<usize>> = (0..query.pattern_count())
            .map(|p| query.start_byte_for_pattern(p)..query.end_byte_for_pattern(p))
            .collect();
        let filter = Prefilter::new(rules, &ranges, c.text, &c.parts, None, lang);
        let all = (0..query.pattern_count()).collect();
        return (
            vec![PlanQuery::new(rules, query, &c.parts, all)],
            Some(filter),
        );
    }
    let queries = c
        .parts
        .iter()
        .filter_map(|(ri, mi, range)| {
            let query = Query::new(grammar, &c.text[range.clone()]).ok()?;
            let len = range.len();
            let all = (0..query.pattern_count()).collect();
            Some(PlanQuery::new(rules, query, &[(*ri, *mi, 0..len)], all))
        })
        .collect();
    (queries, None)
}

impl Prefilter {
    /// `ranges`: where each pattern of the combined query starts (and ends, for the last);
    /// `known[p]`: the literal groups pattern `p` needs, found from its structure when the own
    /// matcher reads it (otherwise they are read from its text).
    fn new(
        rules: &RuleSet,
        ranges: &[Range<usize>],
        text: String,
        parts: &[(usize, usize, Range<usize>)],
        known: Option<&[Groups]>,
        lang: Lang,
    ) -> Prefilter {
        let mut literals: Vec<String> = Vec::new();
        let mut patterns = Vec::new();
        for (p, range) in ranges.iter().enumerate() {
            let start = range.start;
            let owner = parts
                .iter()
                .position(|(_, _, r)| r.contains(&start))
                .unwrap_or(0);
            let part_end = parts.get(owner).map_or(text.len(), |(_, _, r)| r.end);
            let end = match ranges.get(p + 1) {
                Some(next) => next.start.min(part_end),
                None => part_end,
            };
            let mut groups = match known {
                Some(known) => known.get(p).cloned().unwrap_or_default(),
                None => super::prefilter::required_literals(text.get(start..end).unwrap_or("")),
            };
            if let Some((ri, mi, _)) = parts.get(owner) {
                if let Some(m) = rules.iter().nth(*ri).and_then(|r| r.matchers.get(*mi)) {
                    groups.extend(m.condition_literals(lang));
                }
            }
            let groups = groups
                .into_iter()
                .map(|g| {
                    g.into_iter()
                        .map(|l| match literals.iter().position(|x| *x == l.text) {
                            Some(i) => (i, l.token),
                            None => {
                                literals.push(l.text);
                                (literals.len() - 1, l.token)
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
        // Per literal: bit 0, it occurs; bit 1, it occurs as a whole token.
        let mut present = vec![if self.literals.is_none() { 3u8 } else { 0 }; self.literal_count];
        if let Some(ac) = &self.literals {
            let text = src.as_bytes();
            for m in ac.find_overlapping_iter(src) {
                if let Some(p) = present.get_mut(m.pattern().as_usize()) {
                    if *p != 3 {
                        let token = token_at(text, m.start(), &text[m.start()..m.end()]);
                        *p |= if token { 3 } else { 1 };
                    }
                }
            }
        }
        let has = |&(i, token): &(usize, bool)| {
            present
                .get(i)
                .is_none_or(|p| p & if token { 2 } else { 1 } != 0)
        };
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
        let mut c = Combined::default();
        for &p in keep {
            let (owner, range, _) = &self.patterns[p];
            let (ri, mi, _) = self.parts.get(*owner)?;
            c.push(*ri, *mi, self.text.get(range.clone())?);
        }
        let query = Query::new(&lang.grammar(), &c.text).ok()?;
        // Each range holds exactly one pattern of the full query; anything else would make
        // `global` wrong.
        if query.pattern_count() != keep.len() {
            return None;
        }
        Some(PlanQuery::new(rules, query, &c.parts, keep.to_vec()))
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
        let chosen = self.select_patterns(ctx.lang, ctx.src, wanted);
        self.run_selected(&chosen, ctx, tree, wanted, hits, deadline)
    }

    /// The patterns that may match a file of `lang` with text `src`, judged from the text alone
    /// (see [`super::prefilter`]): when there are none, the file need not be parsed.
    pub fn select_patterns(
        &self,
        lang: Lang,
        src: &str,
        wanted: &dyn Fn(usize, usize) -> bool,
    ) -> Chosen {
        let plan = self.plans[slot(lang)].get_or_init(|| Plan::build(self, lang));
        let own = plan.own.as_ref().map_or_else(Vec::new, |own| {
            own.filter.patterns_for(src, &|owner| {
                own.owners
                    .get(owner)
                    .is_some_and(|(ri, mi, _)| wanted(*ri, *mi))
            })
        });
        let other = match (&plan.filter, &plan.queries[..]) {
            (Some(filter), [full]) => Some(filter.patterns_for(src, &|owner| {
                full.owners
                    .get(owner)
                    .is_some_and(|(ri, mi, _)| wanted(*ri, *mi))
            })),
            (_, []) => Some(Vec::new()),
            // One query per matcher (the combined one did not compile): no filter, all run.
            _ => None,
        };
        Chosen { own, other }
    }

    /// Runs the patterns [`RuleSet::select_patterns`] chose on the file's tree; see
    /// [`RuleSet::run_matchers`].
    pub fn run_selected(
        &self,
        chosen: &Chosen,
        ctx: &PredCtx,
        tree: &Tree,
        wanted: &dyn Fn(usize, usize) -> bool,
        hits: &mut [Vec<Vec<Hit>>],
        deadline: Instant,
    ) -> bool {
        let plan = self.plans[slot(ctx.lang)].get_or_init(|| Plan::build(self, ctx.lang));
        if let Some(own) = &plan.own {
            if !chosen.own.is_empty() {
                let mut allowed = vec![false; own.filter.patterns.len()];
                for &p in &chosen.own {
                    allowed[p] = true;
                }
                if !self.run_own(own, &allowed, ctx, tree, hits, deadline) {
                    return false;
                }
            }
        }
        let Some(keep) = &chosen.other else {
            return plan
                .queries
                .iter()
                .all(|pq| self.run_query(pq, None, ctx, tree, wanted, hits, deadline));
        };
        let (Some(filter), [full]) = (&plan.filter, &plan.queries[..]) else {
            return true;
        };
        if keep.is_empty() {
            return true;
        }
        if keep.len() == filter.patterns.len() {
            return self.run_query(full, None, ctx, tree, wanted, hits, deadline);
        }
        let mut allowed = vec![false; filter.patterns.len()];
        for &p in keep {
            allowed[p] = true;
        }
        match filter.query_for(self, ctx.lang, keep, ctx.src.len()) {
            Some(pq) => self.run_query(&pq, Some(&allowed), ctx, tree, wanted, hits, deadline),
            None => self.run_query(full, Some(&allowed), ctx, tree, wanted, hits, deadline),
        }
    }

    /// Runs the patterns `allowed` lets through with [`walk`] and files the hits of their
    /// matches.
    fn run_own(
        &self,
        own: &Own,
        allowed: &[bool],
        ctx: &PredCtx,
        tree: &Tree,
        hits: &mut [Vec<Vec<Hit>>],
        deadline: Instant,
    ) -> bool {
        let matchers: Vec<_> = self.iter().map(|r| &r.matchers).collect();
        let allowed = |p: usize| allowed.get(p).copied().unwrap_or(false);
        let src = ctx.src.as_bytes();
        let found = walk::matches(
            &own.patterns,
            &own.index,
            &allowed,
            tree,
            src,
            MAX_START_DEPTH,
            deadline,
        );
        let Some(found) = found else {
            return false;
        };
        for (i, f) in found.into_iter().enumerate() {
            // The conditions count against the file's time budget too: a file with thousands of
            // matches can make an entry-point lookup per match add up.
            if i % 64 == 63 && Instant::now() > deadline {
                return false;
            }
            let owner = own.pattern_owner.get(f.pattern);
            let Some((ri, mi, slots)) = owner.and_then(|o| own.owners.get(*o)) else {
                continue;
            };
            if let Some(hit) = matchers[*ri][*mi].hit(slots, &f.captures, ctx) {
                if let Some(out) = hits.get_mut(*ri).and_then(|h| h.get_mut(*mi)) {
                    out.push(hit);
                }
            }
        }
        true
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
            if let Some(hit) = matchers[*ri][*mi].hit(slots, m.captures, ctx) {
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
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        run_ruby(set, src, far).expect("the walk finishes within an hour")
    }

    /// `run_matchers` on Ruby source `src`: the hits, or `None` if it stopped at `deadline`.
    fn run_ruby(set: &RuleSet, src: &str, deadline: Instant) -> Option<Vec<Vec<Vec<Hit>>>> {
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
        set.run_matchers(&ctx, &tree, &|_, _| true, &mut hits, deadline)
            .then_some(hits)
    }

    fn rules_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules")
    }

    /// The built-in rules, read from `rules/` with every check.
    fn built_in_set() -> RuleSet {
        let checked = load_dir(&rules_dir()).unwrap_or_else(|e| panic!("{}", e[0].message));
        let mut set = RuleSet::new();
        for r in checked {
            set.insert(r);
        }
        set
    }

    /// A Ruby rule of one matcher with `query` and placeholder metadata.
    fn ruby_rule(id: &str, query: &str, origin: RuleOrigin) -> super::super::Rule {
        let text = format!(
            "id = \"{id}\"\ntitle = \"t\"\nseverity = \"low\"\nconfidence = \"high\"\nmessage = \"m\"\n\
             why = \"w\"\nfix = \"f\"\nprompt = \"p\"\n[[match]]\nlanguage = \"ruby\"\nquery = '''{query}'''\n"
        );
        parse_rule("r.toml", &text, origin).unwrap()
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
            assert!(plan.queries.is_empty() && plan.filter.is_none(), "{lang:?}");
            let own = plan
                .own
                .as_ref()
                .unwrap_or_else(|| panic!("{lang:?}: the combined query is read by rule::pattern"));
            let query = Query::new(&lang.grammar(), &own.filter.text)
                .unwrap_or_else(|e| panic!("{lang:?}: the combined query compiles: {e}"));
            // Every built-in pattern runs without tree-sitter's query engine, cut where
            // tree-sitter cuts them.
            let own = plan
                .own
                .as_ref()
                .unwrap_or_else(|| panic!("{lang:?}: the combined query is read by rule::pattern"));
            assert_eq!(own.patterns.patterns.len(), query.pattern_count());
            for (p, pat) in own.patterns.patterns.iter().enumerate() {
                assert_eq!(pat.range.start, query.start_byte_for_pattern(p), "{lang:?}");
            }
        }
    }

    /// Every match of every own-matcher pattern in `tree`, none filtered out, with no deadline.
    fn every_match<'t>(own: &Own, tree: &'t Tree, src: &str) -> Vec<walk::Found<'t>> {
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        walk::matches(
            &own.patterns,
            &own.index,
            &|_| true,
            tree,
            src.as_bytes(),
            MAX_START_DEPTH,
            far,
        )
        .expect("the walk finishes within an hour")
    }

    /// Every built-in rule's patterns, on every fixture file of their grammar: the rules' own matcher finds exactly tree-sitter's matches (pattern, captures
    /// and their nodes), in the same order. `SKILLSTACK_MATCH_CORPUS` adds directories (real
    /// apps, checked locally).
    #[test]
    fn the_own_matcher_finds_what_tree_sitter_finds() {
        let set = built_in_set();
        let plans: Vec<(Plan, Query)> = Lang::ALL
            .iter()
            .map(|&lang| {
                let plan = Plan::build(&set, lang);
                let text = &plan.own.as_ref().unwrap().filter.text;
                let query = Query::new(&lang.grammar(), text).unwrap();
                (plan, query)
            })
            .collect();
        let mut checked_files = 0;
        let mut checked_matches = 0;
        for (path, lang, src) in crate::testing::corpus_sources(&[]) {
            {
                let tree =
                    crate::analyze::parse(lang, &src, std::time::Duration::from_secs(60)).unwrap();
                let (plan, query) = &plans[slot(lang)];
                let own = plan.own.as_ref().unwrap();
                let names = &own.patterns.capture_names;
                let show = |p: usize, caps: &mut dyn Iterator<Item = (String, Range<usize>)>| {
                    let c: Vec<_> = caps.collect();
                    format!("{p} {c:?}")
                };
                let mut cursor = QueryCursor::new();
                cursor.set_max_start_depth(Some(MAX_START_DEPTH));
                let mut theirs = Vec::new();
                let mut it = cursor.matches(query, tree.root_node(), src.as_bytes());
                while let Some(m) = it.next() {
                    let names = query.capture_names();
                    theirs.push(show(
                        m.pattern_index,
                        &mut m
                            .captures
                            .iter()
                            .map(|c| (names[c.index as usize].to_string(), c.node.byte_range())),
                    ));
                }
                let ours: Vec<String> = every_match(own, &tree, &src)
                    .into_iter()
                    .map(|f| {
                        show(
                            f.pattern,
                            &mut f
                                .captures
                                .iter()
                                .map(|c| (names[c.index as usize].clone(), c.node.byte_range())),
                        )
                    })
                    .collect();
                if ours != theirs && std::env::var_os("SKILLSTACK_MATCH_ALL").is_some() {
                    let i = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
                    eprintln!(
                        "MISMATCH {}: {} vs {} from #{i}: ours {:?} theirs {:?}",
                        path.display(),
                        ours.len(),
                        theirs.len(),
                        ours.get(i),
                        theirs.get(i)
                    );
                    continue;
                }
                if ours != theirs {
                    let i = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
                    let window = |v: &[String]| v[i..(i + 4).min(v.len())].join("\n  ");
                    panic!(
                        "{}: {} matches ours, {} tree-sitter's; from #{i}:\nours:\n  {}\ntree-sitter:\n  {}",
                        path.display(),
                        ours.len(),
                        theirs.len(),
                        window(&ours),
                        window(&theirs)
                    );
                }
                checked_files += 1;
                checked_matches += ours.len();
            }
        }
        assert!(checked_files > 200, "{checked_files}");
        assert!(checked_matches > 500, "{checked_matches}");
    }

    /// The literal prefilter never drops a pattern that has a hit: on every file of the corpus,
    /// each match of every built-in pattern whose `where` conditions hold (without an app
    /// model: entry-point conditions do not hold) is of a pattern the file's text keeps.
    #[test]
    fn the_literal_prefilter_keeps_every_pattern_with_a_hit() {
        let set = built_in_set();
        let matchers: Vec<_> = set.iter().map(|r| &r.matchers).collect();
        let (mut checked_hits, mut checked_matches) = (0, 0);
        for (path, lang, src) in crate::testing::corpus_sources(&[]) {
            let tree =
                crate::analyze::parse(lang, &src, std::time::Duration::from_secs(60)).unwrap();
            let chosen = set.select_patterns(lang, &src, &|_, _| true);
            let own = set.plans[slot(lang)].get().unwrap().own.as_ref().unwrap();
            let ctx = PredCtx {
                lang,
                src: &src,
                file: None,
                project: None,
            };
            let all = every_match(own, &tree, &src);
            let grammar = lang.grammar();
            let occurs = |l: &super::super::prefilter::Lit| {
                src.match_indices(l.text.as_str())
                    .any(|(i, _)| !l.token || token_at(src.as_bytes(), i, l.text.as_bytes()))
            };
            for f in all {
                // What the pattern itself needs holds at every match, hit or not.
                let pattern = &own.patterns.patterns[f.pattern];
                for group in super::super::prefilter::pattern_literals(pattern, &grammar) {
                    assert!(
                        group.iter().any(occurs),
                        "{}: pattern {} matches without any of {group:?}",
                        path.display(),
                        f.pattern
                    );
                    checked_matches += 1;
                }
                let (ri, mi, slots) = &own.owners[own.pattern_owner[f.pattern]];
                if matchers[*ri][*mi].hit(slots, &f.captures, &ctx).is_some() {
                    assert!(
                        chosen.own.contains(&f.pattern),
                        "{}: pattern {} of {} has a hit but was filtered out",
                        path.display(),
                        f.pattern,
                        set.iter().nth(*ri).unwrap().id
                    );
                    checked_hits += 1;
                }
            }
        }
        assert!(checked_hits > 80, "{checked_hits}");
        assert!(checked_matches > 500, "{checked_matches}");
    }

    /// Past the file's time budget the walk stops and says so.
    #[test]
    fn a_walk_past_its_deadline_stops() {
        let set = built_in_set();
        // Text that keeps patterns after the literal prefilter (`rand`), so the tree is walked.
        let src = "x = rand(1)\n".repeat(2000);
        assert!(run_ruby(&set, &src, Instant::now()).is_none());
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        assert!(run_ruby(&set, &src, far).is_some());
    }

    /// A query the rules' own matcher does not read (here: a `#set!` directive) runs on
    /// tree-sitter's engine, and only that matcher's; the others still run without it.
    #[test]
    fn a_matcher_the_own_reader_cannot_read_runs_on_tree_sitter_alone() {
        let rule = |id: &str, query: &str| ruby_rule(id, query, RuleOrigin::File("r.toml".into()));
        let mut set = RuleSet::new();
        set.insert(rule("a/own", "(call method: (identifier) @m) @c"));
        set.insert(rule(
            "b/tree-sitter",
            "((call receiver: (identifier) @r) @c (#set! kind \"receiver\"))",
        ));
        set.insert(rule(
            "c/quantified",
            "(call (argument_list (integer)+ @n)) @c",
        ));
        let hits = ruby_hits(&set, "foo.bar(1, 2)\n");
        let ranges = |h: &[Hit]| h.iter().map(|h| h.byte_range.clone()).collect::<Vec<_>>();
        assert_eq!(ranges(&hits[0][0]), vec![4..7]);
        assert_eq!(ranges(&hits[1][0]), vec![0..3]);
        assert_eq!(ranges(&hits[2][0]), vec![8..9]);
        let plan = set.plans[slot(Lang::Ruby)].get().unwrap();
        let own = plan.own.as_ref().unwrap();
        assert_eq!(own.owners.iter().map(|o| o.0).collect::<Vec<_>>(), vec![0]);
        assert_eq!(plan.queries.len(), 1);
        assert_eq!(plan.queries[0].owners.len(), 2);
    }

    #[test]
    fn a_file_runs_only_the_patterns_its_text_allows_with_the_same_hits() {
        let text = "id = \"a/two\"\ntitle = \"t\"\nseverity = \"low\"\nconfidence = \"high\"\n\
                    message = \"m\"\nwhy = \"w\"\nfix = \"f\"\nprompt = \"p\"\n[[match]]\n\
                    language = \"ruby\"\nquery = '''\n((call method: (identifier) @m) @c (#eq? @m \"find\"))\n\
                    ((call receiver: (constant) @k) @c (#set! kind \"lookup\"))\n'''\nreport = \"c\"\n[[match.where]]\n\
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
        // Trusted, so that the broken query gets past loading.
        let rule = |id: &str, query: &str| ruby_rule(id, query, RuleOrigin::Builtin("r".into()));
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
