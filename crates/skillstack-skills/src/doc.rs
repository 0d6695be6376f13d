//! Parsing one skill file: YAML frontmatter, headings, sections and fenced code blocks.

use serde::Deserialize;

/// The frontmatter of a skill file (see `skills/README.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    pub id: String,
    pub title: String,
    pub category: String,
    pub summary: String,
    pub frameworks: Vec<String>,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub references: References,
    pub version: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct References {
    #[serde(default)]
    pub asvs: Vec<String>,
    #[serde(default)]
    pub cwe: Vec<String>,
}

/// What a code block shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// The wrong way: a linked rule must flag it (unless `todo`).
    Bad,
    /// The right way: no linked rule may flag it.
    Good,
    None,
}

/// A fenced code block.
#[derive(Debug, Clone)]
pub struct CodeBlock {
    /// The first word of the info string (`ts`, `ruby`, …).
    pub lang: String,
    pub intent: Intent,
    /// `bad todo`: a wrong way no rule detects yet.
    pub todo: bool,
    /// The whole info string.
    pub info: String,
    pub code: String,
    /// 1-based line of the opening fence in the file.
    pub line: usize,
    /// The H2 section it is in.
    pub section: String,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub level: usize,
    pub text: String,
    pub line: usize,
}

/// An H2 section: its title and its Markdown body (without the heading line).
#[derive(Debug, Clone)]
pub struct Section {
    pub title: String,
    pub line: usize,
    pub body: String,
}

/// A parsed skill file.
#[derive(Debug, Clone)]
pub struct SkillDoc {
    /// Path relative to `skills/`, e.g. `auth/magic-link.md`.
    pub path: String,
    pub meta: Meta,
    pub headings: Vec<Heading>,
    pub sections: Vec<Section>,
    pub blocks: Vec<CodeBlock>,
    /// The whole file.
    pub text: String,
}

impl SkillDoc {
    /// Parses a skill file. Errors name the line.
    pub fn parse(path: &str, text: &str) -> Result<SkillDoc, String> {
        let text_n = text.replace("\r\n", "\n");
        let rest = text_n
            .strip_prefix("---\n")
            .ok_or("line 1: the file must start with `---` and YAML frontmatter")?;
        let end = rest
            .find("\n---\n")
            .ok_or("the frontmatter is not closed by a `---` line")?;
        let yaml = &rest[..end + 1];
        let meta: Meta = serde_yaml_ng::from_str(yaml).map_err(|e| match e.location() {
            Some(loc) => format!("line {}: frontmatter: {e}", loc.line() + 1),
            None => format!("frontmatter: {e}"),
        })?;
        // Line number (1-based) of the first body line.
        let body_first_line = 1 + yaml.matches('\n').count() + 2;
        let body = &rest[end + 5..];

        let mut headings = Vec::new();
        let mut blocks = Vec::new();
        let mut sections: Vec<Section> = Vec::new();
        let mut fence: Option<(char, usize, String, usize, Vec<&str>)> = None;
        let mut current_section = String::new();
        for (i, line) in body.split('\n').enumerate() {
            let lineno = body_first_line + i;
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            if let Some((ch, len, info, start, lines)) = &mut fence {
                let closing = indent <= 3
                    && trimmed.chars().take_while(|c| c == ch).count() >= *len
                    && trimmed.trim_end().chars().all(|c| c == *ch);
                if closing {
                    let info = info.clone();
                    let mut words = info.split_whitespace();
                    let lang = words.next().unwrap_or("").to_string();
                    let rest: Vec<&str> = words.collect();
                    let intent = if rest.contains(&"bad") {
                        Intent::Bad
                    } else if rest.contains(&"good") {
                        Intent::Good
                    } else {
                        Intent::None
                    };
                    blocks.push(CodeBlock {
                        lang,
                        intent,
                        todo: rest.contains(&"todo"),
                        info: info.clone(),
                        code: lines.join("\n") + "\n",
                        line: *start,
                        section: current_section.clone(),
                    });
                    fence = None;
                } else {
                    lines.push(line);
                }
                if let Some(s) = sections.last_mut() {
                    s.body.push_str(line);
                    s.body.push('\n');
                }
                continue;
            }
            let fence_char = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
            if let (Some(ch), true) = (fence_char, indent <= 3) {
                let len = trimmed.chars().take_while(|c| *c == ch).count();
                if len >= 3 {
                    fence = Some((
                        ch,
                        len,
                        trimmed[len..].trim().to_string(),
                        lineno,
                        Vec::new(),
                    ));
                    if let Some(s) = sections.last_mut() {
                        s.body.push_str(line);
                        s.body.push('\n');
                    }
                    continue;
                }
            }
            let hashes = trimmed.chars().take_while(|c| *c == '#').count();
            if indent <= 3 && (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
                let title = trimmed[hashes..]
                    .trim()
                    .trim_end_matches('#')
                    .trim()
                    .to_string();
                headings.push(Heading {
                    level: hashes,
                    text: title.clone(),
                    line: lineno,
                });
                if hashes == 2 {
                    current_section = title.clone();
                    sections.push(Section {
                        title,
                        line: lineno,
                        body: String::new(),
                    });
                    continue;
                }
            }
            if let Some(s) = sections.last_mut() {
                s.body.push_str(line);
                s.body.push('\n');
            }
        }
        if let Some((_, _, _, start, _)) = fence {
            return Err(format!("line {start}: this code block is never closed"));
        }
        Ok(SkillDoc {
            path: path.to_string(),
            meta,
            headings,
            sections,
            blocks,
            text: text_n,
        })
    }

    /// The section with this title.
    pub fn section(&self, title: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.title == title)
    }

    /// The copy-paste prompt (the `text prompt` block).
    pub fn prompt(&self) -> Option<&str> {
        self.blocks
            .iter()
            .find(|b| {
                b.section == "The prompt to give your AI"
                    && b.info.split_whitespace().collect::<Vec<_>>() == ["text", "prompt"]
            })
            .map(|b| b.code.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "---\nid: auth/x\ntitle: X\ncategory: auth\nsummary: S.\nframeworks: [nextjs]\nrules: []\nreferences:\n  cwe: [CWE-1]\nversion: 1.0.0\n---\n\n# X\n\n## Overview\n\ntext\n\n```ts bad todo\n// Wrong\nconst a = 1;\n```\n\n## The prompt to give your AI\n\n````text prompt\nDo it.\n```ts\nnested\n```\n````\n";

    #[test]
    fn parses_frontmatter_sections_and_blocks() {
        let d = SkillDoc::parse("auth/x.md", DOC).unwrap();
        assert_eq!(d.meta.id, "auth/x");
        assert_eq!(d.meta.references.cwe, vec!["CWE-1"]);
        assert_eq!(
            d.sections
                .iter()
                .map(|s| s.title.as_str())
                .collect::<Vec<_>>(),
            vec!["Overview", "The prompt to give your AI"]
        );
        assert_eq!(d.blocks.len(), 2);
        assert_eq!(d.blocks[0].lang, "ts");
        assert_eq!(d.blocks[0].intent, Intent::Bad);
        assert!(d.blocks[0].todo);
        assert_eq!(d.blocks[0].line, 19);
        assert_eq!(d.blocks[0].section, "Overview");
        assert_eq!(d.prompt(), Some("Do it.\n```ts\nnested\n```"));
    }

    #[test]
    fn errors_name_the_line() {
        let e = SkillDoc::parse("a.md", "---\nid: [unclosed\n---\n").unwrap_err();
        assert!(e.starts_with("line "), "{e}");
        assert!(SkillDoc::parse("a.md", "# no frontmatter")
            .unwrap_err()
            .contains("line 1"));
        let e = SkillDoc::parse(
            "a.md",
            &DOC.replace("version: 1.0.0", "version: 1.0.0\nextra: 1"),
        )
        .unwrap_err();
        assert!(e.contains("extra"), "{e}");
    }
}
