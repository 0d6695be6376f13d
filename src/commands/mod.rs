//! One module per subcommand.

pub mod ast;
pub mod audit;
pub mod baseline;
pub mod config;
pub mod explain;
pub mod mcp;
pub mod rules;
pub mod skills;
pub mod skills_install;
pub mod test_rules;
