//! End-to-end tests of the `skillstack` binary: formats, exit codes, config, errors, determinism.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn skillstack(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_skillstack"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("the binary runs")
}

fn run(args: &[&str]) -> Output {
    skillstack(&repo(), args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const WEAK_TOKEN: &str = "export const resetToken = Math.random().toString(36);\n";

#[test]
fn human_output_on_the_nextjs_example() {
    let o = run(&["audit", "fixtures/apps/nextjs-saas", "--color", "never"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    insta::assert_snapshot!("human_nextjs", stdout(&o));
}

#[test]
fn sarif_output_on_the_rails_example() {
    let o = run(&[
        "audit",
        "fixtures/apps/rails-saas",
        "--output-format",
        "sarif",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["fullDescription"]["text"].is_string());
        assert!(r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("Fix prompt"));
        assert!(r["properties"]["security-severity"].is_string());
        assert!(r["properties"]["precision"].is_string());
    }
    for res in run["results"].as_array().unwrap() {
        let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("fixtures/apps/rails-saas/"), "{uri}");
        assert!(res["partialFingerprints"]["skillstack/v1"].is_string());
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
    }
    insta::assert_snapshot!("sarif_rails", stdout(&o));
}

#[test]
fn json_output_is_versioned_and_complete() {
    let o = run(&["audit", "fixtures/apps", "--format", "json"]);
    assert_eq!(code(&o), 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["version"], 1);
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() >= 10);
    let mut keys = Vec::new();
    for f in findings {
        for field in [
            "rule",
            "severity",
            "confidence",
            "path",
            "message",
            "fix_prompt",
            "fingerprint",
        ] {
            assert!(!f[field].is_null(), "{field} missing in {f}");
        }
        assert!(f["skill"]["id"].is_string());
        keys.push((
            f["path"].as_str().unwrap().to_string(),
            f["start"]["line"].as_u64().unwrap(),
            f["start"]["column"].as_u64().unwrap(),
        ));
    }
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "findings are sorted by path, line, column");
    assert_eq!(v["apps"].as_array().unwrap().len(), 3);
    assert!(v["summary"]["files_scanned"].as_u64().unwrap() > 50);
    assert!(v["summary"]["skipped"].is_object());
}

#[test]
fn github_annotations() {
    let o = run(&["audit", "fixtures/apps/laravel-saas", "--format", "github"]);
    let out = stdout(&o);
    assert!(out.lines().count() >= 3);
    for line in out.lines() {
        assert!(
            line.starts_with("::error file=fixtures/apps/laravel-saas/")
                || line.starts_with("::warning file="),
            "{line}"
        );
        assert!(line.contains(",line=") && line.contains("::"));
    }
}

#[test]
fn output_is_identical_on_one_and_many_threads() {
    for format in ["json", "sarif", "human"] {
        let a = run(&[
            "audit", "fixtures", "--format", format, "-j", "1", "--color", "never",
        ]);
        let b = run(&[
            "audit", "fixtures", "--format", format, "-j", "8", "--color", "never",
        ]);
        assert_eq!(
            stdout(&a),
            stdout(&b),
            "{format} differs between -j 1 and -j 8"
        );
        let c = run(&[
            "audit", "fixtures", "--format", format, "-j", "8", "--color", "never",
        ]);
        assert_eq!(stdout(&b), stdout(&c), "{format} differs between two runs");
    }
}

#[test]
fn exit_codes() {
    assert_eq!(
        code(&run(&["audit", "fixtures/apps/rails-saas", "--exit-zero"])),
        0
    );
    // The Laravel raw-SQL fixture has only high findings (the Laravel example app now has a
    // critical one: its unverified Stripe webhook).
    assert_eq!(
        code(&run(&[
            "audit",
            "fixtures/data/raw-sql-interpolation/laravel",
            "--fail-on",
            "critical"
        ])),
        0
    );
    assert_eq!(
        code(&run(&[
            "audit",
            "fixtures/apps/laravel-saas",
            "--fail-on",
            "high"
        ])),
        1
    );
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "clean.ts", "export const x = 1;\n");
    assert_eq!(code(&skillstack(dir.path(), &["audit"])), 0);
    let o = run(&["audit", "no/such/path"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no/such/path") && stderr(&o).contains("no such file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&run(&["audit", "--no-such-flag"])), 2);
}

#[test]
fn output_file_is_written_atomically_and_errors_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.sarif");
    let o = run(&[
        "audit",
        "fixtures/apps/nextjs-saas",
        "--format",
        "sarif",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(stdout(&o).is_empty());
    let text = std::fs::read_to_string(&target).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");

    let bad = dir.path().join("missing-dir/report.json");
    let o = run(&[
        "audit",
        "fixtures/apps/nextjs-saas",
        "--format",
        "json",
        "-o",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot write"), "{}", stderr(&o));
    assert!(!bad.exists());
}

#[test]
fn config_is_found_walking_up_and_applied() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/lib/tokens.ts", WEAK_TOKEN);
    assert_eq!(code(&skillstack(dir.path(), &["audit", "src"])), 1);
    write(dir.path(), "skillstack.toml", "ignore = [\"auth\"]\n");
    let o = skillstack(&dir.path().join("src"), &["audit", "."]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("No findings"));
    // --no-config ignores it.
    assert_eq!(
        code(&skillstack(
            &dir.path().join("src"),
            &["audit", ".", "--no-config"]
        )),
        1
    );
    // Severity overrides and fail-on.
    write(
        dir.path(),
        "skillstack.toml",
        "fail-on = \"critical\"\n[severity]\n\"auth/insecure-token-randomness\" = \"medium\"\n",
    );
    let o = skillstack(dir.path(), &["audit", "--format", "json"]);
    assert_eq!(code(&o), 0);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["findings"][0]["severity"], "medium");
}

#[test]
fn config_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "skillstack.toml",
        "select = [\"auth\"]\nfial-on = \"high\"\n",
    );
    let o = skillstack(dir.path(), &["audit", "--color", "never"]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("skillstack.toml") && err.contains("unknown field") && err.contains("fial-on"),
        "{err}"
    );
    assert!(err.contains(":2:"), "names line 2: {err}");

    write(
        dir.path(),
        "skillstack.toml",
        "ignore = [\"auth/no-such-rule\"]\n",
    );
    let o = skillstack(dir.path(), &["audit"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no rule or category `auth/no-such-rule`"),
        "{}",
        stderr(&o)
    );

    let o = run(&["audit", "--select", "nope/nothing"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("nope/nothing"));
}

#[test]
fn malformed_rule_file_is_an_error_with_a_span() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rules/mine.toml",
        "id = \"acme/x\"\ntitle = \"t\"\nseverity = \"high\"\nconfidence = \"high\"\nmessage = \"m\"\nwhy = \"w\"\nfix = \"f\"\nprompt = \"p\"\n[[match]]\nlanguage = \"js\"\nquery = '''(call_expresion) @c'''\n",
    );
    let o = skillstack(
        dir.path(),
        &["audit", "--rules", "rules", "--color", "never"],
    );
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("mine.toml") && err.contains("call_expresion"),
        "{err}"
    );
    assert!(err.contains(":11:"), "points at line 11: {err}");
}

#[test]
fn user_rules_run_alongside_builtin_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rules/no-eval.toml",
        "id = \"acme/no-eval\"\ntitle = \"No eval\"\nseverity = \"medium\"\nconfidence = \"high\"\nmessage = \"`{call}` runs code\"\nwhy = \"w\"\nfix = \"f\"\nprompt = \"p\"\n[[match]]\nlanguage = \"js\"\nquery = '''((call_expression function: (identifier) @f) @call (#eq? @f \"eval\"))'''\n",
    );
    write(dir.path(), "src/a.js", "eval(input);\nnotEval(input);\n");
    let o = skillstack(
        dir.path(),
        &["audit", "src", "--rules", "rules", "--format", "json"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["message"], "`eval(input)` runs code");
}

#[test]
fn select_and_ignore() {
    let o = run(&[
        "audit",
        "fixtures/apps",
        "--format",
        "json",
        "--select",
        "perm",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let rules: std::collections::BTreeSet<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        rules.into_iter().collect::<Vec<_>>(),
        vec!["perm/mass-assign-all-params"]
    );
    let o = run(&[
        "audit",
        "fixtures/apps",
        "--format",
        "json",
        "--ignore",
        "perm,auth,data,billing,admin",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"].as_str().unwrap().starts_with("security/")));
}

#[test]
fn framework_rules_need_their_framework() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/controllers/a_controller.rb",
        "class AController\n  def create\n    A.create(params.permit!)\n  end\nend\n",
    );
    // No Gemfile: not a Rails app, so the Rails-only rule does not run…
    assert_eq!(code(&skillstack(dir.path(), &["audit"])), 0);
    // …unless the framework is forced, or the app is detectable.
    assert_eq!(
        code(&skillstack(dir.path(), &["audit", "--framework", "rails"])),
        1
    );
    write(
        dir.path(),
        "Gemfile",
        "source \"https://rubygems.org\"\ngem \"rails\", \"~> 8.0\"\n",
    );
    assert_eq!(code(&skillstack(dir.path(), &["audit"])), 1);
    // Auditing one file still knows its app.
    assert_eq!(
        code(&skillstack(
            dir.path(),
            &["audit", "app/controllers/a_controller.rb"]
        )),
        1
    );
}

#[test]
fn ignore_files_and_skips_are_honoured_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "src/a.ts", WEAK_TOKEN);
    write(dir.path(), "node_modules/pkg/index.js", WEAK_TOKEN);
    write(dir.path(), "generated/b.ts", WEAK_TOKEN);
    write(dir.path(), ".skillstackignore", "generated/\n");
    write(
        dir.path(),
        "src/bundle.js",
        &format!("{}\n", "x".repeat(20_000)),
    );
    std::fs::write(dir.path().join("src/binary.ts"), b"\0\0\0binary").unwrap();
    let o = skillstack(dir.path(), &["audit", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["path"], "src/a.ts");
    assert_eq!(v["summary"]["skipped"]["minified"], 1);
    assert_eq!(v["summary"]["skipped"]["binary"], 1);
    let o = skillstack(
        dir.path(),
        &["audit", "--max-file-size", "10", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["files_scanned"], 0);
    assert!(v["summary"]["skipped"]["too-large"].as_u64().unwrap() >= 2);
    let o = skillstack(dir.path(), &["audit", "--verbose", "--color", "never"]);
    assert!(
        stdout(&o).contains("skipped src/bundle.js: minified"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn syntax_errors_are_counted_and_the_file_still_analysed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a.ts",
        &format!("{WEAK_TOKEN}function (((( {{\n"),
    );
    let o = skillstack(dir.path(), &["audit", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["files_with_syntax_errors"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn min_confidence_filters_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    // Request input spliced into SQL: high confidence, shown by default.
    write(
        dir.path(),
        "a.ts",
        "export async function GET(req: Request) {\n  const q = new URL(req.url).searchParams.get(\"q\");\n  return db.query(`SELECT * FROM t WHERE a = '${q}'`);\n}\n",
    );
    assert_eq!(code(&skillstack(dir.path(), &["audit"])), 1);
    // An internal value spliced into SQL: low confidence, hidden unless asked for.
    write(
        dir.path(),
        "a.ts",
        "export const rows = (table: string) => db.query(`SELECT * FROM ${table}`);\n",
    );
    let o = skillstack(dir.path(), &["audit", "--color", "never"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("1 finding below the minimum confidence"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        code(&skillstack(
            dir.path(),
            &["audit", "--min-confidence", "low"]
        )),
        1
    );
}

#[test]
fn rules_explain_and_config_commands() {
    let o = run(&["rules"]);
    assert_eq!(code(&o), 0);
    for id in [
        "data/raw-sql-interpolation",
        "auth/insecure-token-randomness",
        "perm/mass-assign-all-params",
        "security/next-public-secret-exposure",
    ] {
        assert!(stdout(&o).contains(id));
    }
    let o = run(&["explain", "data/raw-sql-interpolation"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    for part in [
        "WHY IT MATTERS",
        "HOW TO FIX IT",
        "FLAGGED",
        "NOT FLAGGED",
        "security/injection",
        "FIX PROMPT",
        "CWE-89",
    ] {
        assert!(out.contains(part), "explain lacks {part}");
    }
    let o = run(&["explain", "data/raw-sql"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("did you mean"), "{}", stderr(&o));
    let o = run(&["config", "--no-config"]);
    assert_eq!(code(&o), 0);
    assert!(stdout(&o).contains("min-confidence = \"medium\""));
}

#[test]
fn ast_command_prints_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.rb", "User.find(params[:id])\n");
    let o = skillstack(dir.path(), &["ast", "a.rb"]);
    assert_eq!(code(&o), 0);
    assert!(
        stdout(&o).contains("method: (identifier)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn test_rules_command_reports_misses() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "f/a.ts",
        "// ruleid: auth/insecure-token-randomness\nconst color = Math.random();\n",
    );
    let o = skillstack(dir.path(), &["test-rules", "f"]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("missing (not reported): f/a.ts:2"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn skills_list_show_and_check() {
    let o = run(&["skills", "list"]);
    assert_eq!(code(&o), 0);
    let out = stdout(&o);
    assert!(
        out.contains("Auth & Identity (auth)")
            && out.contains("auth/magic-link")
            && out.contains("100 skills in the catalog")
    );
    let o = run(&["skills", "list", "--category", "billing"]);
    assert!(stdout(&o).contains("billing/webhooks") && !stdout(&o).contains("auth/magic-link"));
    assert_eq!(code(&run(&["skills", "list", "--category", "nope"])), 2);
    assert_eq!(code(&run(&["skills", "show", "auth/nope"])), 2);
    assert_eq!(
        code(&run(&[
            "skills",
            "show",
            "auth/magic-link",
            "--section",
            "nope"
        ])),
        2
    );
    // The built-in skills pass their own checks.
    let o = run(&["skills", "check"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));

    // A broken skill file is reported with its line.
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "skills/auth/magic-link.md",
        "---\nid: auth/magic-link\ntitle: Magic-link sign-in\ncategory: auth\nsummary: S.\nframeworks: [nextjs]\nrules: [auth/insecure-token-randomness]\nversion: 1.0.0\n---\n\n# Magic-link sign-in\n\n## Overview\n\n```ts good\nconst resetToken = Math.random().toString(36);\n```\n",
    );
    let o = skillstack(
        dir.path(),
        &["skills", "check", "skills/auth/magic-link.md"],
    );
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("skills/auth/magic-link.md:15: block marked `good`, but `auth/insecure-token-randomness` flags it"), "{out}");
    assert!(out.contains("the H2 sections must be"), "{out}");
}

#[test]
fn framework_facts_do_not_depend_on_how_paths_are_written() {
    // `skillstack audit` from inside an app walks `./…` paths; the app model must see the same files.
    let app = repo().join("fixtures/perm/idor-unscoped-lookup/rails");
    let count = |dir: &Path, path: &str| {
        let o = skillstack(
            dir,
            &[
                "audit",
                path,
                "--select",
                "perm/idor-unscoped-lookup",
                "--min-confidence",
                "low",
                "--format",
                "json",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
        v["findings"].as_array().unwrap().len()
    };
    let from_root = count(&repo(), "fixtures/perm/idor-unscoped-lookup/rails");
    assert_eq!(from_root, 4);
    assert_eq!(count(&app, "."), from_root);
    assert_eq!(
        count(&app.join("app"), "../app/controllers/../controllers"),
        from_root
    );
}

#[test]
fn parse_only_reads_and_parses_every_file_and_runs_no_rule() {
    let full = run(&["audit", "fixtures/apps", "--output-format", "json"]);
    let floor = run(&[
        "audit",
        "fixtures/apps",
        "--output-format",
        "json",
        "--parse-only",
    ]);
    assert_eq!(code(&floor), 0, "{}", stderr(&floor));
    let full: serde_json::Value = serde_json::from_str(&stdout(&full)).unwrap();
    let floor: serde_json::Value = serde_json::from_str(&stdout(&floor)).unwrap();
    assert!(!full["findings"].as_array().unwrap().is_empty());
    assert_eq!(floor["findings"].as_array().unwrap().len(), 0);
    assert_eq!(
        floor["summary"]["files_scanned"],
        full["summary"]["files_scanned"]
    );
}

/// `-o` onto something that is not a regular file (a FIFO here, `/dev/null` in real life) writes
/// into it: the atomic rename used for files would replace the pipe or device with a file.
#[cfg(unix)]
#[test]
fn output_to_a_fifo_or_device_is_written_not_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipping");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(&fifo).unwrap())
    };
    let fifo_arg = fifo.to_string_lossy().into_owned();
    let out = run(&[
        "audit",
        "fixtures/apps/nextjs-saas",
        "--no-cache",
        "--output-format",
        "json",
        "--exit-zero",
        "-o",
        &fifo_arg,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Checked before joining: had the FIFO been replaced, the reader would wait for ever.
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "the FIFO is still a FIFO");
    let got = reader.join().unwrap();
    assert!(got.contains("\"findings\""), "{got}");
}

#[test]
fn config_names_the_projects_own_auth_helpers() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "package.json",
        r#"{"dependencies": {"next": "15.0.0", "next-auth": "5.0.0", "@prisma/client": "6.0.0"}}"#,
    );
    write(
        dir.path(),
        "prisma/schema.prisma",
        "model Document {\n  id String @id\n  userId String\n}\n",
    );
    write(
        dir.path(),
        "app/api/documents/[id]/route.ts",
        r#"import { auth } from "@/auth";
import { db } from "@/lib/db";

// The project's own check, which says nothing a rule could recognise by itself.
function guardDoc(session: unknown, doc: unknown) {
  console.log(session, doc);
}

export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  const session = await auth();
  if (!session) return new Response(null, { status: 401 });
  const { id } = await params;
  const doc = await db.document.findUnique({ where: { id } });
  guardDoc(session, doc);
  return Response.json(doc);
}
"#,
    );
    let args = [
        "audit",
        "--select",
        "perm/idor-unscoped-lookup",
        "--min-confidence",
        "low",
        "--no-cache",
        "--output-format",
        "json",
    ];
    let o = skillstack(dir.path(), &args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("GET /api/documents/[id]"),
        "{}",
        stdout(&o)
    );

    // Named as an authorization helper, `guardDoc` is the check the rule looks for.
    write(
        dir.path(),
        "skillstack.toml",
        "[auth]\nauthorize = [\"guardDoc\"]\n",
    );
    let o = skillstack(dir.path(), &args);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let shown = stdout(&skillstack(dir.path(), &["config"]));
    assert!(shown.contains("authorize = [\"guardDoc\"]"), "{shown}");

    // A call with arguments is not a name: an error that points at it.
    write(
        dir.path(),
        "skillstack.toml",
        "[auth]\nauthenticate = [\"ok\", \"requireUser()\"]\n",
    );
    let o = skillstack(dir.path(), &args);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("requireUser()") && err.contains(":2:"),
        "{err}"
    );
}
