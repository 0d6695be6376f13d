#![no_main]
// Source text → full audit of one file with every built-in rule: must never panic or hang.
use libfuzzer_sys::fuzz_target;
use skillstack_engine::lang::Lang;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::audit(data, Lang::Ruby, "app/controllers/x_controller.rb");
});
