//! `skillstack skills install|uninstall`: every exported file of every written skill is checked
//! against its agent's format rules, and the CLI is run end to end in temporary directories.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::skillstack;
use skillstack_skills::export::{validate, BEGIN_MARKER, END_MARKER, GENERATED_MARKER};
use skillstack_skills::Library;

fn library() -> Library {
    let (lib, problems) = Library::from_files(skillstack_builtin::skills());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    lib
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error with miette's line wrapping undone, so messages can be searched whole.
fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr)
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Every file under `dir` with its contents, by `/`-separated relative path.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn install(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["skills", "install"];
    args.extend_from_slice(extra);
    skillstack(dir, &args)
}

/// A temporary repository with a Next.js app marker.
fn nextjs_repo() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "package.json",
        r#"{"dependencies": {"next": "15.0.0"}}"#,
    );
    t
}

#[test]
fn every_exported_file_of_every_written_skill_follows_its_agents_format() {
    let lib = library();
    let t = tempfile::tempdir().unwrap();
    let o = install(
        t.path(),
        &["--agent", "all", "--framework", "nextjs,rails,laravel"],
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let files = tree(t.path());
    let mut problems = Vec::new();
    let mut skill_dirs = Vec::new();
    for (path, text) in &files {
        let mut p: Vec<String> = Vec::new();
        if path != "AGENTS.md" && !text.contains(GENERATED_MARKER) {
            p.push("no generated-by-skillstack marker".into());
        }
        let parts: Vec<&str> = path.split('/').collect();
        match parts.as_slice() {
            [".claude", "skills", dir, "SKILL.md"] => {
                skill_dirs.push(dir.to_string());
                p.extend(validate::agent_skill(dir, text));
                // Every reference the body links to exists.
                for fw in ["nextjs", "rails", "laravel"] {
                    let link = format!("(references/{fw}.md)");
                    let exists =
                        files.contains_key(&format!(".claude/skills/{dir}/references/{fw}.md"));
                    if text.contains(&link) != exists {
                        p.push(format!("link to references/{fw}.md and the file disagree"));
                    }
                }
            }
            [".claude", "skills", _, "references", f] => {
                assert!(f.ends_with(".md"));
                if text.lines().count() >= validate::MAX_BODY_LINES {
                    p.push("reference file too long".into());
                }
            }
            [".cursor", "rules", "skillstack", f] if f.ends_with(".mdc") => {
                p.extend(validate::cursor_rule(text))
            }
            [".github", "instructions", "skillstack", f] if f.ends_with(".instructions.md") => {
                p.extend(validate::copilot_instructions(text))
            }
            ["AGENTS.md"] => p.extend(validate::agents_md(text)),
            _ => p.push("unexpected file".into()),
        }
        problems.extend(p.into_iter().map(|m| format!("{path}: {m}")));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // One skill folder (and one rule and one instructions file) per written skill, no more.
    let mut expected: Vec<String> = lib
        .docs
        .iter()
        .map(|d| d.meta.id.replace('/', "-"))
        .collect();
    expected.sort();
    assert_eq!(skill_dirs, expected);
    for name in &expected {
        assert!(files.contains_key(&format!(".cursor/rules/skillstack/{name}.mdc")));
        assert!(files.contains_key(&format!(
            ".github/instructions/skillstack/{name}.instructions.md"
        )));
    }
    // AGENTS.md is an index: every skill named, no skill text copied into it.
    let agents = &files["AGENTS.md"];
    for d in &lib.docs {
        assert!(
            agents.contains(&format!("(`{}`)", d.meta.id)),
            "{}",
            d.meta.id
        );
        let prompt = d.prompt().unwrap();
        assert!(!agents.contains(prompt.lines().next().unwrap()));
    }
    assert!(out(&o).contains(&format!(
        "Only written skills are exported: {} of the 100",
        lib.docs.len()
    )));
}

#[test]
fn the_validator_rejects_what_the_spec_forbids_in_a_real_export() {
    // The export test above is only meaningful if the validator fails on a broken file.
    let t = tempfile::tempdir().unwrap();
    let o = install(
        t.path(),
        &["--agent", "claude", "--only", "auth/magic-link"],
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text =
        std::fs::read_to_string(t.path().join(".claude/skills/auth-magic-link/SKILL.md")).unwrap();
    assert!(validate::agent_skill("auth-magic-link", &text).is_empty());
    assert!(!validate::agent_skill("magic-link", &text).is_empty());
    let bad = text.replacen("metadata:", "version: 1.0.0\nmetadata:", 1);
    assert!(!validate::agent_skill("auth-magic-link", &bad).is_empty());
}

#[test]
fn install_reinstall_dry_run_and_uninstall() {
    let t = nextjs_repo();
    let dir = t.path();
    write(
        dir,
        ".cursor/rules/mine.mdc",
        "---\ndescription: mine\nalwaysApply: true\n---\nMy rule\n",
    );
    write(
        dir,
        ".claude/skills/my-skill/SKILL.md",
        "---\nname: my-skill\ndescription: Mine.\n---\nMine\n",
    );
    write(dir, "AGENTS.md", "# My project\n\nRun `make test`.\n");
    let user_files = tree(dir);

    // Dry run: lists, writes nothing.
    let o = install(dir, &["--dry-run"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains("would be created"), "{}", out(&o));
    assert!(out(&o).contains(".claude/skills/auth-magic-link/SKILL.md"));
    assert_eq!(tree(dir), user_files, "a dry run writes nothing");

    // Agents detected from .claude/, .cursor/ and AGENTS.md (no .github/ here).
    let o = install(dir, &[]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(
        out(&o).contains("for claude, cursor, agents-md"),
        "{}",
        out(&o)
    );
    assert!(
        out(&o).contains("frameworks: Next.js (detected)"),
        "{}",
        out(&o)
    );
    let installed = tree(dir);
    assert!(!installed.keys().any(|p| p.starts_with(".github/")));
    let rule = &installed[".cursor/rules/skillstack/auth-magic-link.mdc"];
    assert!(rule.contains("globs: app/**/*.ts,"), "{rule}");
    assert!(
        rule.contains("## Next.js") && !rule.contains("## Rails") && !rule.contains("## Laravel")
    );
    assert!(installed.contains_key(".claude/skills/auth-magic-link/references/nextjs.md"));
    assert!(!installed.contains_key(".claude/skills/auth-magic-link/references/rails.md"));
    let agents = &installed["AGENTS.md"];
    assert!(agents.starts_with("# My project\n\nRun `make test`.\n\n<!-- skillstack:begin -->"));
    assert!(agents.ends_with(&format!("{END_MARKER}\n")));

    // Re-install: everything unchanged, byte for byte.
    let o = install(dir, &[]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains(" 0 created, 0 updated,"), "{}", out(&o));
    assert!(!out(&o).contains("  created") && !out(&o).contains("  updated"));
    assert_eq!(tree(dir), installed);

    // A generated file edited by hand is updated; the user's text around the block is kept.
    write(
        dir,
        ".cursor/rules/skillstack/auth-magic-link.mdc",
        &format!("{rule}\nlocal edit\n"),
    );
    let edited_agents =
        agents.replace(BEGIN_MARKER, &format!("{BEGIN_MARKER}\nstale")) + "\n## After\nmine too\n";
    write(dir, "AGENTS.md", &edited_agents);
    let o = install(dir, &[]);
    assert!(
        out(&o).contains("updated              .cursor/rules/skillstack/auth-magic-link.mdc"),
        "{}",
        out(&o)
    );
    let after = tree(dir);
    assert_eq!(&after[".cursor/rules/skillstack/auth-magic-link.mdc"], rule);
    assert_eq!(
        after["AGENTS.md"],
        format!("{agents}\n## After\nmine too\n")
    );

    // Uninstall removes only generated files and the block.
    let o = skillstack(dir, &["skills", "uninstall", "--dry-run"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(out(&o).contains("would be removed"), "{}", out(&o));
    assert_eq!(tree(dir), after);
    let o = skillstack(dir, &["skills", "uninstall"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let mut expected = user_files.clone();
    expected.insert(
        "AGENTS.md".into(),
        "# My project\n\nRun `make test`.\n\n## After\nmine too\n".into(),
    );
    assert_eq!(tree(dir), expected);
    assert!(
        !dir.join(".cursor/rules/skillstack").exists(),
        "emptied folders go too"
    );
    assert!(!dir.join(".claude/skills/auth-magic-link").exists());
    assert!(dir.join(".claude/skills/my-skill").is_dir());
}

#[test]
fn uninstall_restores_agents_md_exactly_and_removes_a_file_it_created() {
    let t = nextjs_repo();
    let dir = t.path();
    let original = "# Rules\n\n- be kind\n";
    write(dir, "AGENTS.md", original);
    assert_eq!(code(&install(dir, &["--agent", "agents-md"])), 0);
    assert_eq!(
        code(&skillstack(
            dir,
            &["skills", "uninstall", "--agent", "agents-md"]
        )),
        0
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("AGENTS.md")).unwrap(),
        original
    );

    std::fs::remove_file(dir.join("AGENTS.md")).unwrap();
    let o = install(dir, &["--agent", "agents-md", "--only", "billing"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text = std::fs::read_to_string(dir.join("AGENTS.md")).unwrap();
    assert!(text.starts_with(BEGIN_MARKER));
    assert!(text.contains("`billing/webhooks`") && !text.contains("`auth/"));
    // Without Claude skills installed, the index points at the CLI.
    assert!(
        text.contains("`skillstack skills show billing/webhooks`"),
        "{text}"
    );
    assert_eq!(code(&skillstack(dir, &["skills", "uninstall"])), 0);
    assert!(!dir.join("AGENTS.md").exists());
}

#[test]
fn refuses_to_overwrite_a_file_it_did_not_generate_and_writes_nothing() {
    let t = nextjs_repo();
    let dir = t.path();
    write(
        dir,
        ".cursor/rules/skillstack/billing-webhooks.mdc",
        "my own rule\n",
    );
    write(
        dir,
        ".claude/skills/auth-sessions/SKILL.md",
        "---\nname: auth-sessions\ndescription: mine\n---\n",
    );
    let before = tree(dir);
    let o = install(dir, &["--agent", "all"]);
    assert_eq!(code(&o), 2, "{}", out(&o));
    let e = err(&o);
    assert!(
        e.contains(".cursor/rules/skillstack/billing-webhooks.mdc"),
        "{e}"
    );
    assert!(e.contains(".claude/skills/auth-sessions/SKILL.md"), "{e}");
    assert!(e.contains("not generated by skillstack"), "{e}");
    assert!(e.contains("Nothing was written"), "{e}");
    assert_eq!(
        tree(dir),
        before,
        "no file is written when one target is refused"
    );

    // A broken AGENTS.md block is refused too.
    let t = nextjs_repo();
    write(t.path(), "AGENTS.md", &format!("{BEGIN_MARKER}\nno end\n"));
    let o = install(t.path(), &["--agent", "agents-md"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("AGENTS.md"), "{}", err(&o));
}

#[test]
fn clear_errors_for_no_agent_and_bad_selections() {
    let t = nextjs_repo();
    let o = install(t.path(), &[]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("no AI agent detected"), "{}", err(&o));
    assert!(err(&o).contains("--agent"), "{}", err(&o));

    let o = install(t.path(), &["--agent", "claude", "--only", "nope"]);
    assert_eq!(code(&o), 2);
    assert!(
        err(&o).contains("neither a skill id nor a category"),
        "{}",
        err(&o)
    );

    let lib = library();
    let unwritten = lib
        .catalog
        .skill
        .iter()
        .find(|s| lib.doc(&s.id).is_none())
        .expect("the catalog has unwritten skills");
    let o = install(t.path(), &["--agent", "claude", "--only", &unwritten.id]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("not written yet"), "{}", err(&o));
    assert_eq!(tree(t.path()).len(), 1, "only package.json");

    let missing: PathBuf = t.path().join("missing");
    let o = skillstack(
        t.path(),
        &[
            "skills",
            "install",
            missing.to_str().unwrap(),
            "--agent",
            "claude",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("is not a directory"));
}
