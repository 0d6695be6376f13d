//! Agent Skills (Claude Code; Copilot reads `.claude/skills` too): `.claude/skills/<name>/SKILL.md`
//! with the spec's frontmatter, plus `references/<framework>.md` files with the reference code, so
//! that the always-loaded part stays small (progressive disclosure).

use std::path::Path;

use super::{
    export_name, fsops, marker_comment, section_md, skill_frameworks, yaml_str, ExportSet, OutFile,
    Refusal,
};
use crate::doc::SkillDoc;

/// Where project skills live.
pub const DIR: &str = ".claude/skills";

/// The spec's limit on `description`.
pub const MAX_DESCRIPTION: usize = 1024;

/// `SKILL.md` and the reference files of one skill.
pub fn files(doc: &SkillDoc, set: &ExportSet) -> Vec<OutFile> {
    let name = export_name(&doc.meta.id);
    let dir = format!("{DIR}/{name}");
    let frameworks = skill_frameworks(doc, set);
    let mut out = vec![OutFile {
        path: format!("{dir}/SKILL.md"),
        contents: skill_md(doc, set, &name, &frameworks),
    }];
    for f in frameworks {
        if let Some(code) = section_md(doc, f.display_name()) {
            out.push(OutFile {
                path: format!("{dir}/references/{}.md", f.as_str()),
                contents: format!(
                    "{}\n\n# {} — {}\n\n{code}\n",
                    marker_comment(set, doc),
                    doc.meta.title,
                    f.display_name()
                ),
            });
        }
    }
    out
}

/// The description: the skill's summary (what it is, then when to use it), within the spec's
/// limits and without angle brackets (Anthropic's validator rejects them).
pub fn description(doc: &SkillDoc) -> String {
    let clean: String = doc
        .meta
        .summary
        .chars()
        .filter(|c| *c != '<' && *c != '>')
        .collect();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.chars().count() <= MAX_DESCRIPTION {
        clean
    } else {
        let cut: String = clean.chars().take(MAX_DESCRIPTION - 1).collect();
        format!("{cut}…")
    }
}

fn skill_md(
    doc: &SkillDoc,
    set: &ExportSet,
    name: &str,
    frameworks: &[skillstack_engine::detect::Framework],
) -> String {
    let m = &doc.meta;
    let join = |v: &[String]| v.join(" ");
    // Spec: only name, description, license, compatibility, metadata, allowed-tools at the top;
    // everything else goes under `metadata` as strings.
    let mut md = format!(
        "---\nname: {name}\ndescription: {}\nmetadata:\n  generated-by: {}\n  skillstack-id: {}\n  category: {}\n  frameworks: {}\n  version: {}\n",
        yaml_str(&description(doc)),
        yaml_str(&format!("skillstack {}", set.tool_version)),
        yaml_str(&m.id),
        yaml_str(&m.category),
        yaml_str(&join(&m.frameworks)),
        yaml_str(&m.version),
    );
    for (key, values) in [
        ("rules", &m.rules),
        ("asvs", &m.references.asvs),
        ("cwe", &m.references.cwe),
    ] {
        if !values.is_empty() {
            md.push_str(&format!("  {key}: {}\n", yaml_str(&join(values))));
        }
    }
    md.push_str("---\n\n");
    md.push_str(&marker_comment(set, doc));
    md.push_str(&format!("\n\n# {}\n\n", m.title));
    for title in crate::check::SECTIONS {
        if let Some(s) = section_md(doc, title) {
            md.push_str(&format!("## {title}\n\n{s}\n\n"));
        }
    }
    if !frameworks.is_empty() {
        md.push_str("## Reference code\n\nRead the file for the framework you are working in:\n\n");
        for f in frameworks {
            md.push_str(&format!(
                "- {}: [references/{}.md](references/{}.md)\n",
                f.display_name(),
                f.as_str(),
                f.as_str()
            ));
        }
        md.push('\n');
    }
    md.push_str(&super::footer(doc));
    md
}

/// Generated files under `.claude/skills/*/` (SKILL.md and references), as relative paths.
pub fn installed(root: &Path) -> Result<Vec<String>, Refusal> {
    let mut out = Vec::new();
    for dir in fsops::subdirs(root, DIR)? {
        let skill_dir = format!("{DIR}/{dir}");
        out.extend(fsops::marked_files(root, &skill_dir, "SKILL.md")?);
        out.extend(fsops::marked_files(
            root,
            &format!("{skill_dir}/references"),
            ".md",
        )?);
    }
    Ok(out)
}
