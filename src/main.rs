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
