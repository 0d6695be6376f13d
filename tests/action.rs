//! The GitHub Action (`action.yml`) and the pre-commit hook file: their structure, and the
//! action's shell steps run locally, in order, with the environment GitHub gives them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_yaml_ng::Value;

mod common;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(repo().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

#[test]
fn action_declares_its_documented_inputs() {
    let a = load("action.yml");
    let inputs = a["inputs"].as_mapping().expect("inputs");
    for name in [
        "path",
        "args",
        "fail-on",
        "min-confidence",
        "upload-sarif",
        "category",
        "diff-base",
        "version",
    ] {
        let i = &inputs[name];
        assert!(
            !s(&i["description"]).is_empty(),
            "input `{name}` has a description"
        );
        assert!(i["default"].is_string(), "input `{name}` has a default");
    }
    assert_eq!(s(&inputs["upload-sarif"]["default"]), "true");
    assert_eq!(s(&inputs["category"]["default"]), "skillstack");
    assert_eq!(s(&a["runs"]["using"]), "composite");
    let steps = a["runs"]["steps"].as_sequence().unwrap();
    let upload = steps
        .iter()
        .find(|st| s(&st["uses"]).starts_with("github/codeql-action/upload-sarif@"))
        .expect("an upload-sarif step");
    assert_eq!(s(&upload["with"]["category"]), "${{ inputs.category }}");
    // The job fails only after the upload, so findings are uploaded either way.
    let last = steps.last().unwrap();
    assert!(s(&last["run"]).contains("exit \"$EXIT_CODE\""));
    for st in steps.iter().filter(|st| st["run"].is_string()) {
        assert_eq!(s(&st["shell"]), "bash", "composite run steps need a shell");
    }
    // The README shows a complete workflow using it.
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    assert!(
        readme.contains("security-events: write") && readme.contains("uses: "),
        "README documents the workflow"
    );
}

#[test]
fn pre_commit_hook_file_is_well_formed() {
    let hooks = load(".pre-commit-hooks.yaml");
    let hook = &hooks[0];
    assert_eq!(s(&hook["id"]), "skillstack");
    assert_eq!(s(&hook["entry"]), "skillstack audit");
    assert_eq!(s(&hook["language"]), "rust");
    assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
    let types: Vec<&str> = hook["types_or"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(s)
        .collect();
    assert_eq!(types, ["ts", "tsx", "javascript", "jsx", "ruby", "php"]);
}

/// Evaluates the `${{ … }}` expressions the action uses.
fn expr(e: &str, ctx: &BTreeMap<String, String>) -> String {
    let e = e.trim();
    if let Some(lit) = e.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        return lit.to_string();
    }
    ctx.get(e).cloned().unwrap_or_default()
}

fn interpolate(text: &str, ctx: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find("}}").expect("closed expression") + i;
        out.push_str(&expr(&rest[i + 3..end], ctx));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `a == 'x' && b != 'y'` — the only `if:` forms the action uses.
fn condition(c: &str, ctx: &BTreeMap<String, String>) -> bool {
    c.split("&&").all(|part| {
        if let Some((l, r)) = part.split_once("==") {
            expr(l, ctx) == expr(r, ctx)
        } else if let Some((l, r)) = part.split_once("!=") {
            expr(l, ctx) != expr(r, ctx)
        } else {
            panic!("unsupported condition `{part}`")
        }
    })
}

struct Run {
    exit_code: i32,
    /// The SARIF the upload step was given, read before the runner's temp dir goes away.
    uploaded: Option<String>,
    outputs: BTreeMap<String, String>,
    log: String,
}

fn run_action(workspace: &Path, inputs: &[(&str, &str)]) -> Run {
    let action = load("action.yml");
    let temp = tempfile::tempdir().unwrap();
    let runner_temp = temp.path().join("runner");
    std::fs::create_dir_all(&runner_temp).unwrap();
    // The install step finds this binary already built, as after a cache hit.
    let install_bin = runner_temp.join("skillstack-install/bin");
    std::fs::create_dir_all(&install_bin).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_skillstack"),
        install_bin.join("skillstack"),
    )
    .unwrap();

    let mut ctx: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in action["inputs"].as_mapping().unwrap() {
        ctx.insert(
            format!("inputs.{}", s(name)),
            s(&spec["default"]).to_string(),
        );
    }
    for (k, v) in inputs {
        ctx.insert(format!("inputs.{k}"), v.to_string());
    }
    ctx.insert("github.action_path".into(), repo().display().to_string());
    ctx.insert("runner.temp".into(), runner_temp.display().to_string());
    let github_path = temp.path().join("github_path");
    std::fs::write(&github_path, "").unwrap();
    let mut path_var = std::env::var("PATH").unwrap_or_default();
    let mut run = Run {
        exit_code: 0,
        uploaded: None,
        outputs: BTreeMap::new(),
        log: String::new(),
    };

    for step in action["runs"]["steps"].as_sequence().unwrap() {
        if let Some(c) = step["if"].as_str() {
            if !condition(c, &ctx) {
                continue;
            }
        }
        if let Some(uses) = step["uses"].as_str() {
            if uses.starts_with("github/codeql-action/upload-sarif@") {
                run.uploaded = Some(interpolate(s(&step["with"]["sarif_file"]), &ctx));
            }
            continue;
        }
        let github_output = temp.path().join("github_output");
        std::fs::write(&github_output, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(interpolate(s(&step["run"]), &ctx))
            .current_dir(workspace);
        cmd.env("PATH", &path_var)
            .env("GITHUB_OUTPUT", &github_output)
            .env("GITHUB_PATH", &github_path);
        if let Some(env) = step["env"].as_mapping() {
            for (k, v) in env {
                cmd.env(s(k), interpolate(s(v), &ctx));
            }
        }
        let out = cmd.output().expect("bash runs");
        run.log.push_str(&String::from_utf8_lossy(&out.stdout));
        run.log.push_str(&String::from_utf8_lossy(&out.stderr));
        run.exit_code = out.status.code().unwrap_or(-1);
        // Step outputs and PATH additions, as the runner applies them.
        if let Some(id) = step["id"].as_str() {
            for line in std::fs::read_to_string(&github_output).unwrap().lines() {
                if let Some((k, v)) = line.split_once('=') {
                    ctx.insert(format!("steps.{id}.outputs.{k}"), v.to_string());
                    run.outputs.insert(k.to_string(), v.to_string());
                }
            }
        }
        for dir in std::fs::read_to_string(&github_path).unwrap().lines() {
            path_var = format!("{dir}:{path_var}");
        }
        if run.exit_code != 0 {
            break;
        }
    }
    // Keep the SARIF for inspection and for scripts/validate-sarif.sh.
    if let Some(p) = run.uploaded.take() {
        let text =
            std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("the uploaded SARIF {p}: {e}"));
        let keep = repo().join("target/action-test");
        std::fs::create_dir_all(&keep).unwrap();
        std::fs::write(keep.join("skillstack.sarif"), &text).unwrap();
        run.uploaded = Some(text);
    }
    run
}

fn workspace_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, body) in files {
        let p = dir.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, body).unwrap();
    }
    dir
}

#[test]
fn action_steps_audit_upload_and_then_fail() {
    let ws = workspace_with(&[(
        "lib/tokens.ts",
        "export const resetToken = Math.random().toString(36);\n",
    )]);
    let run = run_action(ws.path(), &[]);
    assert_eq!(run.exit_code, 1, "the job fails on findings:\n{}", run.log);
    let sarif = run.uploaded.expect("SARIF uploaded before failing");
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 1);
    assert_eq!(run.outputs.get("exit-code").map(String::as_str), Some("1"));
    assert!(
        run.log.contains("auth/insecure-token-randomness"),
        "the log has a summary:\n{}",
        run.log
    );
}

#[test]
fn action_inputs_change_the_run() {
    let ws = workspace_with(&[(
        "lib/tokens.ts",
        "export const resetToken = Math.random().toString(36);\n",
    )]);
    // fail-on above the finding's severity: the check passes, the SARIF is still uploaded.
    let run = run_action(ws.path(), &[("fail-on", "critical")]);
    assert_eq!(run.exit_code, 0, "{}", run.log);
    assert!(run.uploaded.is_some());
    // upload-sarif false: nothing uploaded.
    let run = run_action(
        ws.path(),
        &[("upload-sarif", "false"), ("args", "--ignore auth")],
    );
    assert_eq!(run.exit_code, 0, "{}", run.log);
    assert!(run.uploaded.is_none());
    // A bad argument: exit 2, no SARIF to upload, the job fails.
    let run = run_action(ws.path(), &[("args", "--select no/such-rule")]);
    assert_eq!(run.exit_code, 2, "{}", run.log);
    assert!(run.uploaded.is_none());
}

#[test]
fn action_diff_base_reports_only_new_lines() {
    let ws = workspace_with(&[(
        "lib/tokens.ts",
        "export const resetToken = Math.random().toString(36);\n",
    )]);
    let git = |args: &[&str]| common::git(ws.path(), args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "base"]);
    std::fs::write(ws.path().join("lib/other.ts"), "export const x = 1;\n").unwrap();
    let run = run_action(ws.path(), &[("diff-base", "main")]);
    assert_eq!(
        run.exit_code, 0,
        "old findings do not fail a pull request:\n{}",
        run.log
    );
}
