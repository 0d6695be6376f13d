#![no_main]
// skillstack.toml parsing: any input is a config or an error with a span, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(e) = skillstack_engine::config::Config::parse("skillstack.toml", text, "/r".into(), None) {
            let _ = e.line();
        }
    }
});
