//! Copilot path-specific instructions: `.github/instructions/skillstack/<name>.instructions.md`,
//! applied to the detected frameworks' files (`applyTo`), with only those frameworks' code.

use super::{export_name, globs, scoped_body, yaml_str, ExportSet, OutFile};
use crate::doc::SkillDoc;

/// Where skillstack's instructions live (a sub-folder of the folder Copilot searches).
pub const DIR: &str = ".github/instructions/skillstack";

/// One instructions file. `name` and `description` are VS Code's display fields; `applyTo` is the
/// one Copilot itself reads, a quoted comma-separated string.
pub fn file(doc: &SkillDoc, set: &ExportSet) -> OutFile {
    let contents = format!(
        "---\nname: {}\ndescription: {}\napplyTo: {}\n---\n\n{}",
        yaml_str(&doc.meta.title),
        yaml_str(&doc.meta.summary),
        yaml_str(&globs(set)),
        scoped_body(doc, set)
    );
    OutFile {
        path: format!("{DIR}/{}.instructions.md", export_name(&doc.meta.id)),
        contents,
    }
}
