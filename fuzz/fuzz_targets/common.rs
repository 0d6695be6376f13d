// Shared by the audit targets: the built-in rules, loaded once.
use std::sync::OnceLock;

use skillstack_engine::analyze::{analyze_source, FileContext, Selection};
use skillstack_engine::detect::Framework;
use skillstack_engine::lang::Lang;
use skillstack_engine::rule::load::load_rule_set;
use skillstack_engine::rule::{Confidence, RuleSet};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| load_rule_set(skillstack_builtin::rules(), &[]).expect("built-in rules load"))
}

/// Runs every built-in rule over `data` as a file of `lang`, for each framework.
pub fn audit(data: &[u8], lang: Lang, path: &str) {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let rules = rules();
    let sel = Selection { all: rules, active: rules.iter().collect(), min_confidence: Confidence::Low, severity_overrides: Default::default() };
    for fw in [None, Some(Framework::NextJs), Some(Framework::Rails), Some(Framework::Laravel)] {
        let ctx = FileContext { display: path, rel: path, lang, framework: fw, file: None, project: None };
        let _ = analyze_source(src, &ctx, &sel, std::time::Duration::from_secs(5));
    }
}
