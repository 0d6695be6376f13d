//! skillstack's audit engine.
//!
//! The pipeline, one module per stage:
//! [`discover`] (walk the tree) → [`lang`] + parse (tree-sitter) → [`detect`] (which apps and
//! frameworks live where) → [`rule`] matching with [`predicates`] → [`suppress`] (inline
//! suppressions) → [`finding`]s, sorted, for the report crate to render. [`audit`] runs the whole
//! pipeline; [`config`] is `skillstack.toml`.

pub mod analyze;
pub mod audit;
pub mod config;
pub mod detect;
pub mod error;
pub mod discover;
pub mod finding;
pub mod lang;
pub mod predicates;
pub mod rule;
pub mod suppress;
pub mod testing;

pub use audit::{audit, AuditOptions, AuditResult};
pub use finding::{Finding, Position};
pub use rule::{Confidence, Rule, RuleSet, Severity};
