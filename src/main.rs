//! `skillstack`: audit Next.js, Rails and Laravel apps for the production gotchas AI agents miss.

mod cli;
mod commands;
mod setup;
mod skills;

use std::process::ExitCode;

use clap::Parser;

/// Exit codes, as ruff uses them.
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    use_one_allocator();
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Audit(a) => commands::audit::run(a),
        cli::Command::Rules(a) => commands::rules::run(a),
        cli::Command::Explain(a) => commands::explain::run(a),
        cli::Command::Config(a) => commands::config::run(a),
        cli::Command::Ast(a) => commands::ast::run(a),
        cli::Command::TestRules(a) => commands::test_rules::run(a),
        cli::Command::Skills(c) => commands::skills::run(c),
        cli::Command::Baseline(c) => commands::baseline::run(c),
        cli::Command::Mcp => commands::mcp::run(),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(errors) => {
            for e in errors {
                eprintln!("{e:?}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Every allocation, Rust's and tree-sitter's (syntax trees, parse stacks, query cursors: most of
/// the audit's allocations), goes to mimalloc. With glibc's malloc, two workers either each had
/// an arena, and memory one freed (a large file's tree) was not reused by the other (peak RSS
/// 140 MB instead of 80 MB on the 1M-line benchmark), or shared one arena and spent a quarter of
/// their CPU waiting for its lock (`bench/`, `-j 2`). mimalloc's per-thread heaps do neither.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn use_one_allocator() {
    use libmimalloc_sys::{mi_calloc, mi_free, mi_malloc, mi_realloc};
    // SAFETY: this runs first in `main`, before any tree-sitter object exists, so nothing is
    // allocated by one allocator and freed by the other; mimalloc's functions have the C
    // signatures tree-sitter expects.
    unsafe {
        tree_sitter::set_allocator(
            Some(mi_malloc),
            Some(mi_calloc),
            Some(mi_realloc),
            Some(mi_free),
        );
    }
}

/// mimalloc's tuning, set before its first allocation (Rust's runtime allocates before `main`,
/// and the first allocation creates the arena the options shape): give freed pages back at once
/// and commit arena memory only when used. Peak RSS of the 1M-line benchmark 155 -> 115 MB at
/// `-j 2`, the same CPU.
#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static TUNE_MIMALLOC: extern "C" fn() = tune_mimalloc;

#[cfg(target_os = "linux")]
extern "C" fn tune_mimalloc() {
    // mimalloc v3's option numbers (`mi_option_e` in its mimalloc.h; the crate names neither).
    const ARENA_EAGER_COMMIT: i32 = 4;
    const PURGE_DELAY: i32 = 15;
    // SAFETY: setting an option only tunes the allocator and needs no initialised state.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}
