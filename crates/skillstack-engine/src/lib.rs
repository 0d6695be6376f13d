//! skillstack's audit engine.
//!
//! The pipeline, one module per stage:
//! [`discover`] (walk the tree) → [`lang`] + parse (tree-sitter) → [`detect`] (which apps and
//! frameworks live where) → [`rule`] matching with [`predicates`] → [`suppress`] (inline
//! suppressions) → [`finding`]s, sorted, for the report crate to render. [`audit`] runs the whole
//! pipeline; [`config`] is `skillstack.toml`.

// `FileError` carries the offending file's text so that miette can show a code frame; it is
// returned only on the cold path (a broken rule or config file), so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod analyze;
pub mod audit;
pub mod baseline;
pub mod cache;
pub mod config;
pub mod detect;
pub mod discover;
pub mod error;
pub mod finding;
pub mod gitdiff;
pub mod lang;
pub mod model;
pub mod paths;
pub mod predicates;
pub mod rule;
pub mod suppress;
pub mod testing;

pub use audit::{audit, AuditOptions, AuditResult};
pub use finding::{Finding, Position};
pub use rule::{Confidence, Rule, RuleSet, Severity};
