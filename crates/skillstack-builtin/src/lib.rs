//! The rule pack and skills library built into the `skillstack` binary.
//!
//! Both are embedded from the repository's `rules/` and `skills/` directories at build time.

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Every built-in rule file: (path relative to `rules/`, contents), sorted by path.
pub fn rules() -> &'static [(&'static str, &'static str)] {
    RULES
}

/// Every skills file: (path relative to `skills/`, contents), sorted by path.
pub fn skills() -> &'static [(&'static str, &'static str)] {
    SKILLS
}
