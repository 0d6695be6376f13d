//! Cursor project rules: `.cursor/rules/skillstack/<name>.mdc`, "Auto Attached" to the detected
//! frameworks' files (`globs`, `alwaysApply: false`), with only those frameworks' code.

use super::{export_name, globs, scoped_body, yaml_str, ExportSet, OutFile};
use crate::doc::SkillDoc;

/// Where skillstack's rules live (a sub-folder, so they are easy to tell from the user's).
pub const DIR: &str = ".cursor/rules/skillstack";

/// One rule file.
pub fn file(doc: &SkillDoc, set: &ExportSet) -> OutFile {
    // Cursor's frontmatter has exactly three fields. `globs` is left unquoted: Cursor reads it
    // as a plain comma-separated string (every pattern starts with a letter, so YAML does too);
    // `alwaysApply` must be a bare boolean.
    let contents = format!(
        "---\ndescription: {}\nglobs: {}\nalwaysApply: false\n---\n\n{}",
        yaml_str(&doc.meta.summary),
        globs(set),
        scoped_body(doc, set)
    );
    OutFile {
        path: format!("{DIR}/{}.mdc", export_name(&doc.meta.id)),
        contents,
    }
}
