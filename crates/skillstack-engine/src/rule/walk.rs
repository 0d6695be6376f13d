//! Matches [`super::pattern`] patterns over a syntax tree: one walk of the tree, and at each
//! node only the patterns rooted at its type, each tried against the node's children directly
//! instead of as partial matches carried through the walk.
//!
//! The matches are tree-sitter's: every way the child patterns fit the children in order (an
//! anchored child is the next named sibling, a last-child anchor allows no named sibling after),
//! a child pattern without captures or child patterns of its own taking only its first fitting
//! sibling, captures in tree-sitter's order, predicates as its Rust binding checks them, a
//! match whose captures repeat or are contained in another's of the same pattern and node
//! dropped, and matches in the order a query cursor returns them (by the node where each
//! finishes, then the depth where it starts, then pattern).

use std::cmp::Reverse;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;
use std::time::Instant;

use tree_sitter::{
    Language, Node, Query, QueryCapture, QueryCursor, StreamingIterator, Tree, TreeCursor,
};

use super::pattern::{Kind, NodePat, Patterns, Pred, Step};

/// A match: the pattern's index and its captures.
pub(crate) struct Found<'t> {
    pub pattern: usize,
    pub captures: Vec<QueryCapture<'t>>,
    order: (usize, Reverse<usize>, u32, u32, usize, usize),
}

/// The patterns of one grammar indexed by the node type at their root.
#[derive(Debug)]
pub(crate) struct Index {
    /// For each node type id: `(pattern, root alternative)` pairs, in pattern order.
    by_kind: Vec<Vec<(u32, u32)>>,
    grammar: Language,
    /// `(_ _ @last .)`, compiled the first time a last-child anchor is checked (a wildcard
    /// parent: tree-sitter does not analyse it, so it compiles in microseconds).
    last_child: OnceLock<Option<Query>>,
}

impl Index {
    pub fn new(patterns: &Patterns, grammar: Language) -> Index {
        let mut by_kind: Vec<Vec<(u32, u32)>> = Vec::new();
        for (p, pat) in patterns.patterns.iter().enumerate() {
            // A query cursor starts a pattern's root alternatives of one node type last first.
            for (a, alt) in pat.root.iter().enumerate().rev() {
                if let Kind::Sym(s) = alt.kind {
                    let s = s as usize;
                    if by_kind.len() <= s {
                        by_kind.resize_with(s + 1, Vec::new);
                    }
                    by_kind[s].push((p as u32, a as u32));
                }
            }
        }
        Index {
            by_kind,
            grammar,
            last_child: OnceLock::new(),
        }
    }
}

/// The children being matched: their parent, where they end in `kids`, and their depth.
#[derive(Clone, Copy)]
struct Level<'t> {
    parent: Node<'t>,
    end: usize,
    depth: u32,
}

#[derive(Clone, Copy)]
struct Kid<'t> {
    node: Node<'t>,
    field: u16,
    named: bool,
}

/// The continuation of a match in progress: called with the captures so far, the last node
/// matched and its depth.
type Then<'k, 't> = dyn FnMut(&mut Walker<'_, 't>, &mut Vec<QueryCapture<'t>>, Node<'t>, u32) + 'k;

struct Walker<'a, 't> {
    index: &'a Index,
    /// The pattern root being matched: `kids` holds children read since it became the root.
    root_kids: Option<usize>,
    /// Where each node's children are in `kids`, by node id: read once per root, whichever
    /// patterns and alternatives look at them (a call's callee is looked at by every pattern
    /// rooted at calls).
    read: HashMap<usize, Range<usize>>,
    /// The children tree-sitter takes as last (no named sibling after) under one parent.
    last_kids: Option<(usize, Vec<usize>)>,
    src: &'a [u8],
    /// The children read for the pattern root being matched, node by node (see `read`).
    kids: Vec<Kid<'t>>,
    cursor: TreeCursor<'t>,
    /// The predicates of the pattern being matched.
    preds: &'a [Pred],
    ops: u32,
    deadline: Instant,
    late: bool,
}

/// Every match in `tree` of the patterns `allowed` lets through, in a query cursor's order.
/// Matches start no deeper than `max_start_depth`. `None` if the walk ran past `deadline`.
pub(crate) fn matches<'t>(
    patterns: &Patterns,
    index: &Index,
    allowed: &dyn Fn(usize) -> bool,
    tree: &'t Tree,
    src: &[u8],
    max_start_depth: u32,
    deadline: Instant,
) -> Option<Vec<Found<'t>>> {
    let mut w = Walker {
        index,
        root_kids: None,
        read: HashMap::new(),
        last_kids: None,
        src,
        kids: Vec::new(),
        cursor: tree.walk(),
        preds: &[],
        ops: 0,
        deadline,
        late: false,
    };
    let mut out: Vec<Found<'t>> = Vec::new();
    let mut found: Vec<(Vec<QueryCapture<'t>>, Node<'t>, u32)> = Vec::new();
    // Pre-order, as a tree cursor walks; an explicit stack, for trees 100,000 levels deep.
    let mut stack: Vec<(Node<'t>, u32)> = vec![(tree.root_node(), 0)];
    let mut seen: u32 = 0;
    while let Some((node, depth)) = stack.pop() {
        seen = seen.wrapping_add(1);
        if seen.is_multiple_of(1024) && Instant::now() > deadline {
            return None;
        }
        let candidates: &[(u32, u32)] = if depth <= max_start_depth {
            index
                .by_kind
                .get(node.kind_id() as usize)
                .map_or(&[], |c| c)
        } else {
            &[]
        };
        let child_count = node.child_count();
        if candidates.iter().any(|&(p, _)| allowed(p as usize)) {
            // The children, with their fields, read once: for the patterns rooted here
            // (`Walker::node` finds them read) and for the walk.
            w.begin_root(node);
            let kids = if child_count > 0 {
                w.kids_of(node)
            } else {
                0..0
            };
            w.try_patterns(
                patterns, candidates, allowed, node, depth, &mut found, &mut out,
            );
            if w.late {
                return None;
            }
            if child_count > 0 {
                stack.extend(w.kids[kids].iter().rev().map(|k| (k.node, depth + 1)));
                continue;
            }
        }
        if child_count == 0 {
            continue;
        }
        if child_count <= SMALL_PARENT {
            // `Node::child` steps a light iterator from the first child: cheaper than a tree
            // cursor's steps for a few children, quadratic for many.
            for i in (0..child_count).rev() {
                if let Some(kid) = node.child(i) {
                    stack.push((kid, depth + 1));
                }
            }
        } else {
            let at = stack.len();
            w.cursor.reset(node);
            if w.cursor.goto_first_child() {
                loop {
                    stack.push((w.cursor.node(), depth + 1));
                    if !w.cursor.goto_next_sibling() {
                        break;
                    }
                }
            }
            stack[at..].reverse();
        }
    }
    out.sort_by_key(|f| f.order);
    Some(out)
}

/// Parents with at most this many children have them read with [`Node::child`] by the walk.
const SMALL_PARENT: usize = 16;

/// Drops a match whose captures equal an earlier one's or are contained in another's: what the
/// query cursor's longest-match rule leaves of one pattern's matches at one node. A pattern at
/// the root of a file may match thousands of times there (one per export), so equal sets are
/// found by hashing, and containment is only looked for in larger sets.
fn keep_longest(found: &mut Vec<(Vec<QueryCapture>, Node, u32)>) {
    if found.len() < 2 {
        return;
    }
    let sets: Vec<Vec<(usize, u32)>> = found
        .iter()
        .map(|(c, _, _)| {
            let mut v: Vec<(usize, u32)> = c.iter().map(|c| (c.node.id(), c.index)).collect();
            v.sort_unstable();
            v
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut keep: Vec<bool> = sets.iter().map(|s| seen.insert(s.as_slice())).collect();
    let sizes: std::collections::BTreeSet<usize> = sets.iter().map(Vec::len).collect();
    if sizes.len() > 1 {
        for i in 0..sets.len() {
            if keep[i] {
                let contained = sets.iter().any(|b| {
                    b.len() > sets[i].len() && sets[i].iter().all(|x| b.binary_search(x).is_ok())
                });
                keep[i] = !contained;
            }
        }
    }
    let mut k = keep.into_iter();
    found.retain(|_| k.next().unwrap_or(true));
}

impl<'a, 't> Walker<'a, 't> {
    /// Makes `node` the pattern root being matched, forgetting the children read for another.
    fn begin_root(&mut self, node: Node<'t>) {
        if self.root_kids != Some(node.id()) {
            self.kids.clear();
            self.read.clear();
            self.root_kids = Some(node.id());
        }
    }

    /// `node`'s children, with their fields, as a range of `kids`: read the first time.
    fn kids_of(&mut self, node: Node<'t>) -> Range<usize> {
        if let Some(range) = self.read.get(&node.id()) {
            return range.clone();
        }
        let start = self.kids.len();
        if self.reset_to_first_child(node) {
            self.push_kids();
        }
        let range = start..self.kids.len();
        self.read.insert(node.id(), range.clone());
        range
    }

    /// Pushes the cursor's node and its next siblings onto `kids`.
    fn push_kids(&mut self) {
        loop {
            let n = self.cursor.node();
            self.kids.push(Kid {
                node: n,
                field: self.cursor.field_id().map_or(0, |f| f.get()),
                named: n.is_named(),
            });
            if !self.cursor.goto_next_sibling() {
                break;
            }
        }
    }

    /// Tries at `node` every allowed pattern rooted at its type (`candidates`), and adds
    /// their matches to `out`.
    #[allow(clippy::too_many_arguments)]
    fn try_patterns(
        &mut self,
        patterns: &'a Patterns,
        candidates: &[(u32, u32)],
        allowed: &dyn Fn(usize) -> bool,
        node: Node<'t>,
        depth: u32,
        found: &mut Vec<(Vec<QueryCapture<'t>>, Node<'t>, u32)>,
        out: &mut Vec<Found<'t>>,
    ) {
        let mut i = 0;
        while i < candidates.len() {
            // All the root alternatives of one pattern this node's type fits, together:
            // duplicates are dropped across them. (Consecutive entries hold them.)
            let first = i;
            let p = candidates[i].0;
            while i < candidates.len() && candidates[i].0 == p {
                i += 1;
            }
            let p = p as usize;
            if !allowed(p) {
                continue;
            }
            let pat = &patterns.patterns[p];
            self.preds = &pat.preds;
            found.clear();
            for &(_, a) in &candidates[first..i] {
                let mut caps = Vec::new();
                let root = &pat.root[a as usize];
                if !fits(node, root) {
                    continue;
                }
                self.node(node, root, depth, &mut caps, &mut |w, caps, last, at| {
                    if w.all_preds_hold(caps) {
                        found.push((caps.clone(), last, at));
                    }
                });
                if self.late {
                    return;
                }
            }
            keep_longest(found);
            for (captures, last, at) in found.drain(..) {
                let seq = out.len();
                // A query cursor finishes a match at its last node, in the walk's order
                // (start, then outer first), and the matches finishing at one node in the
                // order of where they started, then of pattern.
                let finish = (last.start_byte(), Reverse(last.end_byte()), at);
                out.push(Found {
                    pattern: p,
                    captures,
                    order: (finish.0, finish.1, finish.2, depth, p, seq),
                });
            }
        }
    }

    fn tick(&mut self) -> bool {
        self.ops = self.ops.wrapping_add(1);
        if self.ops.is_multiple_of(4096) && Instant::now() > self.deadline {
            self.late = true;
        }
        self.late
    }

    /// Matches `node` (at `depth`), which `fits` `np` itself, against `np`'s captures,
    /// predicates and children, calling `then` for every way it fits.
    fn node(
        &mut self,
        node: Node<'t>,
        np: &NodePat,
        depth: u32,
        caps: &mut Vec<QueryCapture<'t>>,
        then: &mut Then<'_, 't>,
    ) {
        if self.tick() {
            return;
        }
        let len = caps.len();
        for &index in &np.caps {
            caps.push(QueryCapture { node, index });
        }
        if self.preds_bound_hold(caps, len) {
            if np.children.is_empty() {
                then(self, caps, node, depth);
            } else {
                // A root's children were read by `matches` (`begin_root`), a descendant's are
                // read here once per root.
                let kids = self.kids_of(node);
                let level = Level {
                    parent: node,
                    end: kids.end,
                    depth: depth + 1,
                };
                self.steps(
                    level,
                    kids.start,
                    &np.children,
                    false,
                    caps,
                    (node, depth),
                    then,
                );
            }
        }
        caps.truncate(len);
    }

    fn reset_to_first_child(&mut self, node: Node<'t>) -> bool {
        self.cursor.reset(node);
        self.cursor.goto_first_child()
    }

    /// Matches `steps` against the children `kids[from..level.end]`, in order. `seeking`: the
    /// previous step was `_` and this one is anchored, so it must match the very next sibling.
    #[allow(clippy::too_many_arguments)]
    fn steps(
        &mut self,
        level: Level<'t>,
        from: usize,
        steps: &[Step],
        seeking: bool,
        caps: &mut Vec<QueryCapture<'t>>,
        last: (Node<'t>, u32),
        then: &mut Then<'_, 't>,
    ) {
        let Some((step, rest)) = steps.split_first() else {
            then(self, caps, last.0, last.1);
            return;
        };
        let end = level.end;
        for alt in &step.alts {
            for j in from..end {
                if self.late {
                    return;
                }
                let kid = self.kids[j];
                let later = j + 1 < end;
                let later_can_match = later && !((step.immediate && kid.named) || seeking);
                let does_match = alt.field.is_none_or(|f| f.get() == kid.field)
                    && fits(kid.node, alt)
                    && (!step.last || self.is_last(level.parent, kid.node));
                if !does_match {
                    if !later_can_match {
                        break;
                    }
                    continue;
                }
                let fork = later_can_match && alt.forks;
                let next_seeking =
                    alt.kind == Kind::Any && rest.first().is_some_and(|s| s.immediate);
                self.node(
                    kid.node,
                    alt,
                    level.depth,
                    caps,
                    &mut |w, caps, done, at| {
                        w.steps(level, j + 1, rest, next_seeking, caps, (done, at), then)
                    },
                );
                if !fork {
                    break;
                }
            }
        }
    }

    /// Does tree-sitter take `kid` as the last child of `parent` (no named sibling after it),
    /// for a last-child anchor? Asked of tree-sitter itself: which siblings it counts depends on
    /// the hidden nodes between parent and child (a comment after a trailing comma counts in
    /// PHP's argument lists and not in Ruby's), which the public API does not show.
    fn is_last(&mut self, parent: Node<'t>, kid: Node<'t>) -> bool {
        if self
            .last_kids
            .as_ref()
            .is_none_or(|(id, _)| *id != parent.id())
        {
            let query = self
                .index
                .last_child
                .get_or_init(|| Query::new(&self.index.grammar, "(_ _ @last .)").ok());
            let mut ids = Vec::new();
            if let Some(query) = query {
                let mut cursor = QueryCursor::new();
                cursor.set_max_start_depth(Some(0));
                let mut m = cursor.matches(query, parent, self.src);
                while let Some(m) = m.next() {
                    ids.extend(m.captures.iter().map(|c| c.node.id()));
                }
            }
            self.last_kids = Some((parent.id(), ids));
        }
        self.last_kids
            .as_ref()
            .is_some_and(|(_, ids)| ids.contains(&kid.id()))
    }

    /// Checks the predicates whose captures are all bound and one of which was bound from
    /// `caps[new..]` on: the others wait (a predicate on a capture never bound holds).
    fn preds_bound_hold(&self, caps: &[QueryCapture<'t>], new: usize) -> bool {
        if caps.len() == new {
            return true;
        }
        let fresh = |i: u32| caps[new..].iter().any(|c| c.index == i);
        let bound = |i: u32| caps.iter().any(|c| c.index == i);
        self.preds.iter().all(|p| match p.captures() {
            (a, None) => !fresh(a) || self.holds(p, caps),
            (a, Some(b)) => {
                !(fresh(a) || fresh(b)) || !(bound(a) && bound(b)) || self.holds(p, caps)
            }
        })
    }

    fn all_preds_hold(&self, caps: &[QueryCapture<'t>]) -> bool {
        self.preds.iter().all(|p| self.holds(p, caps))
    }

    /// One predicate on a finished (or partial, if its captures are bound) match, as
    /// tree-sitter's `satisfies_text_predicates` reads it.
    fn holds(&self, p: &Pred, caps: &[QueryCapture<'t>]) -> bool {
        let text = |i: u32| {
            caps.iter()
                .find(|c| c.index == i)
                .map(|c| self.src.get(c.node.byte_range()).unwrap_or(&[]))
        };
        match p {
            Pred::EqStr(a, s, pos) => text(*a).is_none_or(|t| (t == &s[..]) == *pos),
            Pred::EqCap(a, b, pos) => match (text(*a), text(*b)) {
                (Some(x), Some(y)) => (x == y) == *pos,
                (None, None) => true,
                _ => false,
            },
            Pred::Match(a, re, pos) => text(*a).is_none_or(|t| re.is_match(t) == *pos),
            Pred::AnyOf(a, vals, pos) => {
                text(*a).is_none_or(|t| vals.iter().any(|v| &v[..] == t) == *pos)
            }
        }
    }
}

/// Does `node` itself (not its children) fit `np`?
fn fits(node: Node, np: &NodePat) -> bool {
    let kind_ok = match np.kind {
        Kind::Sym(s) => node.kind_id() == s,
        Kind::Named => node.is_named() && !node.is_error(),
        Kind::Any => !node.is_error(),
    };
    kind_ok
        && np.negated.iter().all(|&f| {
            std::num::NonZeroU16::new(f).is_none_or(|f| node.child_by_field_id(f.get()).is_none())
        })
}
