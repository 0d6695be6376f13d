#![no_main]
// Source text → full audit of one file with every built-in rule: must never panic or hang.
use libfuzzer_sys::fuzz_target;
use skillstack_engine::lang::Lang;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let (lang, path) = if data.first().is_some_and(|b| b % 2 == 0) { (Lang::Tsx, "app/page.tsx") } else { (Lang::TypeScript, "next.config.ts") };
    common::audit(data, lang, path);
});
