//! `skillstack config [PATH]`: the effective configuration.

use crate::cli::ConfigArgs;
use crate::setup::{load_config, load_rules, Errors};

pub fn run(args: ConfigArgs) -> Result<u8, Errors> {
    let config = load_config(&args.source, &args.path)?;
    // Loading the rules validates the rule ids the config names.
    load_rules(&config, &args.source)?;
    print!("{}", config.to_toml());
    Ok(0)
}
