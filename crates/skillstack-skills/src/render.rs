//! Rendering skills for the terminal.

use crate::doc::SkillDoc;

/// Which part of a skill to show.
pub fn section_title(key: &str) -> Option<&'static str> {
    match key {
        "overview" => Some("Overview"),
        "ux" => Some("UX best practices"),
        "prompt" => Some("The prompt to give your AI"),
        "variants" => Some("Variants"),
        "gotchas" => Some("Edge cases & gotchas"),
        "nextjs" => Some("Next.js"),
        "rails" => Some("Rails"),
        "laravel" => Some("Laravel"),
        _ => None,
    }
}

/// The section keys `skills show --section` accepts.
pub const SECTION_KEYS: [&str; 8] = [
    "overview", "ux", "prompt", "variants", "gotchas", "nextjs", "rails", "laravel",
];

/// Renders Markdown for a terminal: headings underlined, code blocks indented, fences and
/// info strings dropped. `raw` keeps the Markdown as it is.
pub fn render_markdown(md: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    let mut fence = String::new();
    for line in md.lines() {
        let t = line.trim_start();
        if in_code {
            if t.starts_with(&fence) && t.trim_end().chars().all(|c| fence.starts_with(c)) {
                in_code = false;
                out.push('\n');
            } else {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            let ch = t.chars().next().unwrap_or('`');
            fence = t.chars().take_while(|c| *c == ch).collect();
            in_code = true;
            continue;
        }
        let hashes = t.chars().take_while(|c| *c == '#').count();
        if (1..=3).contains(&hashes) && t[hashes..].starts_with(' ') {
            let title = t[hashes..].trim();
            let underline = if hashes == 1 {
                '='
            } else if hashes == 2 {
                '-'
            } else {
                '·'
            };
            out.push_str(title);
            out.push('\n');
            out.push_str(&underline.to_string().repeat(title.chars().count()));
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The body of a skill without its frontmatter.
pub fn body(doc: &SkillDoc) -> &str {
    let t = doc.text.as_str();
    t.strip_prefix("---\n")
        .and_then(|r| r.find("\n---\n").map(|i| &r[i + 5..]))
        .unwrap_or(t)
}
