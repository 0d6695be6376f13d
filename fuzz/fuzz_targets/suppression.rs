#![no_main]
// Suppression comments: parsing the comment text, and finding directives in a parsed file.
use libfuzzer_sys::fuzz_target;
use skillstack_engine::lang::Lang;
use skillstack_engine::suppress::{directives, parse_comment};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_comment(text);
        let src = format!("// {text}\nconst x = 1;\n");
        if let Some(tree) = skillstack_engine::analyze::parse(Lang::TypeScript, &src, std::time::Duration::from_secs(5)) {
            for d in directives(&tree, &src) {
                let _ = d.covers("auth/x", d.start.line + 1);
            }
        }
    }
});
