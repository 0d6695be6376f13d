//! `skillstack test-rules [PATHS]`: the annotated-fixture harness, for rule authors.

use skillstack_engine::testing::{check_examples, run_fixtures};

use crate::cli::TestRulesArgs;
use crate::setup::{load_config, load_rules, Errors};

pub fn run(args: TestRulesArgs) -> Result<u8, Errors> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let config = load_config(&args.source, &cwd)?;
    let rules = load_rules(&config, &args.source)?;
    let report = run_fixtures(&rules, &args.paths, cwd);
    print!("{}", report.render());
    let examples = check_examples(&rules);
    for e in &examples {
        println!("example: {e}");
    }
    let failed = !report.passed() || !examples.is_empty();
    println!(
        "{}",
        if failed {
            "FAILED"
        } else {
            "all fixtures and examples pass"
        }
    );
    Ok(if failed { crate::EXIT_FINDINGS } else { 0 })
}
