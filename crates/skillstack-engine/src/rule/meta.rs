//! Rules the engine itself reports: suppression hygiene. They have no matcher and cannot be
//! suppressed (a suppression of a suppression finding would hide the problem it reports).

use super::{Confidence, Rule, RuleOrigin, Severity};

pub const UNUSED_SUPPRESSION: &str = "skillstack/unused-suppression";
pub const INVALID_SUPPRESSION: &str = "skillstack/invalid-suppression";

/// Is this one of the engine's own rules?
pub fn is_meta(id: &str) -> bool {
    id == UNUSED_SUPPRESSION || id == INVALID_SUPPRESSION
}

/// The engine's own rules, with their documentation.
pub fn meta_rules() -> Vec<Rule> {
    vec![
        Rule {
            id: UNUSED_SUPPRESSION.into(),
            title: "Suppression comment that suppresses nothing".into(),
            skill: None,
            severity: Severity::Low,
            confidence: Confidence::High,
            frameworks: vec![],
            cwe: vec![],
            tags: vec!["hygiene".into()],
            message: "`skillstack-ignore[{rule}]` suppresses nothing here".into(),
            why: "A suppression that matches no finding is stale: the code it excused changed or moved. Left in place it \
                  hides the next real finding on that line without anyone reviewing it."
                .into(),
            fix: "Delete the suppression comment, or move it to the line of the finding it was meant for.".into(),
            limits: None,
            prompt: "Remove the stale `skillstack-ignore` comment at {path}:{line}; it no longer matches any finding.".into(),
            examples: vec![],
            matchers: vec![],
            origin: RuleOrigin::Engine,
        },
        Rule {
            id: INVALID_SUPPRESSION.into(),
            title: "Malformed suppression comment".into(),
            skill: None,
            severity: Severity::Low,
            confidence: Confidence::High,
            frameworks: vec![],
            cwe: vec![],
            tags: vec!["hygiene".into()],
            message: "{problem}".into(),
            why: "Suppressions must name the rules they silence and say why, so that a reviewer can tell an accepted \
                  risk from a forgotten one. A malformed or blanket suppression silences nothing."
                .into(),
            fix: "Write `skillstack-ignore[rule-id]: reason` (several ids separated by commas), with a real rule id \
                  (`skillstack rules` lists them) and a short reason."
                .into(),
            limits: None,
            prompt: "Fix the suppression comment at {path}:{line}: it must read `skillstack-ignore[rule-id]: reason`.".into(),
            examples: vec![],
            matchers: vec![],
            origin: RuleOrigin::Engine,
        },
    ]
}
