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
    one_malloc_arena();
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

/// Peak memory. glibc gives each thread its own malloc arena, and memory one thread freed (a large
/// file's syntax tree) is not reused by another thread's allocations, so with two workers peak RSS
/// was the sum of each thread's largest tree (140 MB instead of 80 MB on the 1M-line benchmark).
/// One arena costs no measurable time here: parsing and matching dominate, not allocation.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    use std::ffi::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_ARENA_MAX: c_int = -8;
    // SAFETY: mallopt only sets an allocator tuning parameter, and it runs before any other thread
    // exists. Its result (0 when refused) is ignored: the default is correct, only larger.
    unsafe {
        mallopt(M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}
