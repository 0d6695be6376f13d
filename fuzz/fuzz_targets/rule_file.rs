#![no_main]
// Rule-file parsing and query compilation: any input is a rule or an error with a span.
use libfuzzer_sys::fuzz_target;
use skillstack_engine::rule::load::parse_rule;
use skillstack_engine::rule::RuleOrigin;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = parse_rule("r.toml", text, RuleOrigin::Engine) {
            let _ = e.line();
        }
    }
});
