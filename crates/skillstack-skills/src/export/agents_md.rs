//! `AGENTS.md`: a short index of the installed skills between two markers. AGENTS.md is always
//! loaded (and Codex caps it at 32 KiB), so it never holds the skills themselves; everything
//! outside the markers belongs to the user and is kept byte for byte.

use std::path::Path;

use super::{export_name, fsops, Action, Change, ExportSet, Refusal, GENERATED_MARKER};
use crate::doc::SkillDoc;

pub const FILE: &str = "AGENTS.md";
pub const BEGIN_MARKER: &str = "<!-- skillstack:begin -->";
pub const END_MARKER: &str = "<!-- skillstack:end -->";

/// Where the block is in a file: the byte range from the start of the begin marker to the end of
/// the end marker.
fn find_block(text: &str) -> Result<Option<std::ops::Range<usize>>, String> {
    let begins: Vec<usize> = text.match_indices(BEGIN_MARKER).map(|(i, _)| i).collect();
    let ends: Vec<usize> = text.match_indices(END_MARKER).map(|(i, _)| i).collect();
    match (begins.as_slice(), ends.as_slice()) {
        ([], []) => Ok(None),
        ([b], [e]) if b < e => Ok(Some(*b..*e + END_MARKER.len())),
        _ => Err(format!(
            "has {} `{BEGIN_MARKER}` and {} `{END_MARKER}` markers; expected one of each, begin first. Fix or remove them by hand",
            begins.len(),
            ends.len()
        )),
    }
}

/// The "use it when" part of a summary (its second sentence), or the whole summary.
fn when_to_use(doc: &SkillDoc) -> &str {
    let s = doc.meta.summary.as_str();
    s.find(" Use it ")
        .or_else(|| s.find(" Use when "))
        .map_or(s, |i| s[i + 1..].trim())
}

/// The block for `set`. A skill links to its SKILL.md when that is (being) installed, else to the
/// command that prints it.
fn block(root: &Path, set: &ExportSet, link_claude: bool) -> String {
    let mut md = format!(
        "{BEGIN_MARKER}\n{GENERATED_MARKER} {}: this block is overwritten by `skillstack skills install` and removed by `skillstack skills uninstall` -->\n## Production SaaS patterns (skillstack)\n\nBefore you build or change one of these areas, read the skill and follow it. After a change, run `skillstack audit` and fix what it reports.\n\n",
        set.tool_version
    );
    for doc in &set.skills {
        let skill_md = format!(
            "{}/{}/SKILL.md",
            super::claude::DIR,
            export_name(&doc.meta.id)
        );
        let read = if link_claude || super::target_path(root, &skill_md).is_file() {
            format!("`{skill_md}`")
        } else {
            format!("`skillstack skills show {}`", doc.meta.id)
        };
        md.push_str(&format!(
            "- {} (`{}`): {} Read {read}.\n",
            doc.meta.title,
            doc.meta.id,
            when_to_use(doc)
        ));
    }
    md.push('\n');
    md.push_str(END_MARKER);
    md
}

fn refusal(reason: String) -> Refusal {
    Refusal {
        path: FILE.into(),
        reason,
    }
}

/// Plans AGENTS.md with a fresh block: replaced in place, appended, or a new file.
pub fn plan_install(root: &Path, set: &ExportSet, link_claude: bool) -> Result<Change, Refusal> {
    let new_block = block(root, set, link_claude);
    let old = fsops::read_existing(root, FILE)?;
    let (contents, action) = match &old {
        None => (format!("{new_block}\n"), Action::Create),
        Some(text) => {
            let contents = match find_block(text).map_err(refusal)? {
                Some(r) => format!("{}{new_block}{}", &text[..r.start], &text[r.end..]),
                None if text.trim().is_empty() => format!("{new_block}\n"),
                None => {
                    let sep = if text.ends_with('\n') { "\n" } else { "\n\n" };
                    format!("{text}{sep}{new_block}\n")
                }
            };
            let action = if &contents == text {
                Action::Unchanged
            } else {
                Action::Update
            };
            (contents, action)
        }
    };
    Ok(Change {
        path: FILE.into(),
        action,
        contents,
    })
}

/// Plans removing the block: the file is updated, or removed when nothing else is left in it.
/// `None` when there is no file or no block.
pub fn plan_uninstall(root: &Path) -> Result<Option<Change>, Refusal> {
    let Some(text) = fsops::read_existing(root, FILE)? else {
        return Ok(None);
    };
    let Some(r) = find_block(&text).map_err(refusal)? else {
        return Ok(None);
    };
    let mut before = text[..r.start].to_string();
    let mut after = &text[r.end..];
    // Undo what install added around the block: the newline after it and the blank line before.
    if let Some(rest) = after.strip_prefix('\n') {
        after = rest;
    }
    if before.ends_with("\n\n") {
        before.pop();
    }
    let contents = format!("{before}{after}");
    Ok(Some(if contents.trim().is_empty() {
        Change {
            path: FILE.into(),
            action: Action::Remove,
            contents: String::new(),
        }
    } else {
        Change {
            path: FILE.into(),
            action: Action::Update,
            contents,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_one_well_formed_block() {
        assert_eq!(find_block("no block"), Ok(None));
        let t = format!("a\n{BEGIN_MARKER}\nx\n{END_MARKER}\nb");
        let r = find_block(&t).unwrap().unwrap();
        assert!(t[r.clone()].starts_with(BEGIN_MARKER) && t[r].ends_with(END_MARKER));
        assert!(find_block(&format!("{END_MARKER}{BEGIN_MARKER}")).is_err());
        assert!(find_block(&format!("{BEGIN_MARKER} only")).is_err());
        assert!(find_block(&format!(
            "{BEGIN_MARKER}{END_MARKER}{BEGIN_MARKER}{END_MARKER}"
        ))
        .is_err());
    }
}
