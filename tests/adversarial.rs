//! Adversarial inputs: the audit never panics, never hangs, never loses output, and every other
//! file is still audited. Each case asserts the exact behaviour.

mod common;

use std::path::Path;
use std::process::Command;

use common::{json, skillstack};

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// A file every case adds: its finding must always be reported, whatever else is in the tree.
const CANARY: &[u8] = b"export const resetToken = Math.random().toString(36);\n";

fn audit_json(dir: &Path, extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["audit", "--format", "json"];
    args.extend_from_slice(extra);
    let o = skillstack(dir, &args);
    (o.status.code(), json(&o))
}

fn paths(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn skipped(v: &serde_json::Value, path: &str) -> Option<String> {
    v["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == path)
        .map(|s| s["reason"].as_str().unwrap().to_string())
}

#[test]
fn encodings_and_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "canary.ts", CANARY);
    // Invalid UTF-8 around a finding: decoded with replacement characters and still audited.
    let mut bad = b"// \xff\xfe caf\xe9\n".to_vec();
    bad.extend_from_slice(CANARY);
    write(d, "latin1.ts", &bad);
    // UTF-16 has NUL bytes: binary, skipped.
    let utf16: Vec<u8> = "\u{feff}const resetToken = Math.random();\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    write(d, "utf16.ts", &utf16);
    // A UTF-8 BOM: positions as editors count them (the BOM is not a column).
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(CANARY);
    write(d, "bom.ts", &bom);
    write(
        d,
        "crlf.ts",
        b"// one\r\n// two\r\nexport const resetToken = Math.random().toString(36);\r\n",
    );
    write(
        d,
        "cr.ts",
        b"// old mac\rexport const resetToken = Math.random().toString(36);\r",
    );
    let (code, v) = audit_json(d, &[]);
    assert_eq!(code, Some(1));
    let found = paths(&v);
    for p in ["bom.ts", "canary.ts", "cr.ts", "crlf.ts", "latin1.ts"] {
        assert!(found.contains(&p.to_string()), "{p} audited: {found:?}");
    }
    assert_eq!(skipped(&v, "utf16.ts").as_deref(), Some("binary"));
    let at = |p: &str| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == p)
            .unwrap()["start"]
            .clone()
    };
    assert_eq!(at("bom.ts"), serde_json::json!({"line": 1, "column": 27}));
    assert_eq!(at("crlf.ts"), serde_json::json!({"line": 3, "column": 27}));
    assert_eq!(at("latin1.ts")["line"], 2);
}

#[test]
fn huge_minified_empty_and_truncated_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "canary.ts", CANARY);
    // 50 MB of source.
    let big = "export const a = [1, 2, 3];\n".repeat(50 * 1024 * 1024 / 28);
    write(d, "big.ts", big.as_bytes());
    // A minified bundle: one 5 MB line.
    write(
        d,
        "bundle.js",
        format!("var a={};\n", "1+".repeat(2_500_000) + "1").as_bytes(),
    );
    write(d, "empty.ts", b"");
    write(
        d,
        "truncated.ts",
        b"export const resetToken = Math.random().toString(36);\nconst s = \"unterminated",
    );
    write(d, "dir.ts/inner.ts", CANARY); // a directory named like a source file
    let (code, v) = audit_json(d, &["--max-file-size", "8MiB"]);
    assert_eq!(code, Some(1));
    assert_eq!(skipped(&v, "big.ts").as_deref(), Some("too-large"));
    assert_eq!(skipped(&v, "bundle.js").as_deref(), Some("minified"));
    let found = paths(&v);
    assert!(
        found.contains(&"canary.ts".to_string()) && found.contains(&"dir.ts/inner.ts".to_string())
    );
    assert!(
        found.contains(&"truncated.ts".to_string()),
        "a truncated file is still analysed: {found:?}"
    );
    assert_eq!(
        v["files_with_syntax_errors"],
        serde_json::json!(["truncated.ts"])
    );
    // Allowed in, the 50 MB file is parsed within the time budget or skipped for it — never a hang.
    let (code, v) = audit_json(d, &["--max-file-size", "64MiB", "--file-timeout", "30"]);
    assert_eq!(code, Some(1));
    let big_skip = skipped(&v, "big.ts");
    assert!(
        big_skip.is_none() || big_skip.as_deref() == Some("timeout"),
        "{big_skip:?}"
    );
}

/// A route that has the literals of a pattern rooted at every `binary_expression` and a
/// 100,000-deep `+` chain: tree-sitter's query cursor kept a match in progress at every level
/// (quadratic, then a crash after minutes, then stopped by the time budget). The rules' own
/// matcher tries each pattern at each node once: the file is audited in full, well within its
/// budget, and its finding reported. (A walk past the budget is covered by the rule plan's unit
/// tests.)
#[test]
fn a_100000_deep_expression_chain_is_audited_within_the_time_budget() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "package.json", br#"{"dependencies":{"next":"15.0.0"}}"#);
    write(d, "canary.ts", CANARY);
    let chain = "q +\n".repeat(100_000);
    write(
        d,
        "app/api/x/route.ts",
        format!(
            "export async function POST(req: Request) {{\n  const token = new URL(req.url).searchParams.get(\"token\");\n  if (token === process.env.SECRET_TOKEN) {{ return new Response(\"ok\"); }}\n  const x = \"a\" +\n{chain}q;\n}}\n"
        )
        .as_bytes(),
    );
    let (code, v) = audit_json(
        d,
        &[
            "--max-file-size",
            "8MiB",
            "--file-timeout",
            "5",
            "--min-confidence",
            "low",
        ],
    );
    assert_eq!(code, Some(1));
    assert_eq!(skipped(&v, "app/api/x/route.ts"), None);
    let found = paths(&v);
    assert!(found.contains(&"canary.ts".to_string()));
    assert!(
        found.contains(&"app/api/x/route.ts".to_string()),
        "{found:?}"
    );
}

#[test]
fn deeply_nested_code_does_not_overflow_the_stack() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "canary.ts", CANARY);
    let n = 100_000;
    write(
        d,
        "parens.ts",
        format!("export const x = {}1{};\n", "(".repeat(n), ")".repeat(n)).as_bytes(),
    );
    write(
        d,
        "concat.ts",
        format!("db.$queryRawUnsafe(\"SELECT \" + {}q);\n", "q + ".repeat(n)).as_bytes(),
    );
    write(
        d,
        "blocks.ts",
        format!("{}{}\n", "{".repeat(n), "}".repeat(n)).as_bytes(),
    );
    write(
        d,
        "arrays.rb",
        format!("x = {}1{}\n", "[".repeat(n), "]".repeat(n)).as_bytes(),
    );
    write(
        d,
        "concat.rb",
        format!("User.where(\"a = \" + {}b)\n", "b + ".repeat(n)).as_bytes(),
    );
    write(
        d,
        "nested.php",
        format!(
            "<?php\n$x = {}1{};\nDB::select('SELECT ' . {}$q);\n",
            "(".repeat(n),
            ")".repeat(n),
            "$q . ".repeat(n)
        )
        .as_bytes(),
    );
    let (code, v) = audit_json(d, &["--max-file-size", "8MiB", "--min-confidence", "low"]);
    assert!(code == Some(1), "exit {code:?}: {v}");
    assert!(paths(&v).contains(&"canary.ts".to_string()));
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
}

#[cfg(unix)]
#[test]
fn fifos_symlink_loops_and_links_out_of_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    write(&root, "canary.ts", CANARY);
    write(&outside, "secret.ts", CANARY);
    std::os::unix::fs::symlink(&outside, root.join("linked-dir")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret.ts"), root.join("linked.ts")).unwrap();
    std::fs::create_dir_all(root.join("loop")).unwrap();
    std::os::unix::fs::symlink(root.join("loop"), root.join("loop/again")).unwrap();
    let fifo = root.join("pipe.ts");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, v) = audit_json(&root, &[]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(
        paths(&v),
        vec!["canary.ts"],
        "nothing outside the root is read"
    );
    assert_eq!(skipped(&v, "pipe.ts").as_deref(), Some("not-a-file"));
    assert_eq!(skipped(&v, "linked.ts").as_deref(), Some("symlink"));
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
    // Named explicitly, a FIFO is skipped too (reading it would block forever).
    let (code, v) = audit_json(&root, &["pipe.ts", "canary.ts"]);
    assert_eq!(code, Some(1));
    assert_eq!(skipped(&v, "pipe.ts").as_deref(), Some("not-a-file"));
}

#[test]
fn empty_repository_and_many_tiny_files() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v) = audit_json(dir.path(), &[]);
    assert_eq!(code, Some(0));
    assert_eq!(v["summary"]["files_scanned"], 0);
    for i in 0..100_000 {
        write(
            dir.path(),
            &format!("d{}/f{i}.ts", i % 100),
            b"export const x = 1;\n",
        );
    }
    write(dir.path(), "canary.ts", CANARY);
    let (code, v) = audit_json(dir.path(), &[]);
    assert_eq!(code, Some(1));
    assert_eq!(v["summary"]["files_scanned"], 100_001);
    assert_eq!(paths(&v), vec!["canary.ts"]);
}

#[test]
fn a_panic_in_one_file_is_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "canary.ts", CANARY);
    write(dir.path(), "boom.ts", b"export const y = 2;\n");
    let o = Command::new(env!("CARGO_BIN_EXE_skillstack"))
        .args(["audit", "--format", "json"])
        .current_dir(dir.path())
        .env("SKILLSTACK_DEBUG_PANIC_ON", "boom.ts")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "an internal error exits 2");
    let v = json(&o);
    assert_eq!(
        paths(&v),
        vec!["canary.ts"],
        "the other files are still reported"
    );
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["path"], "boom.ts");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("boom.ts: internal error"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_audit_never_writes_inside_the_scanned_tree() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("app");
    write(&tree, "canary.ts", CANARY);
    write(&tree, "skillstack.toml", b"min-confidence = \"low\"\n");
    write(&tree, "lib/x.rb", b"x = params.permit!\n");
    let snapshot = |root: &Path| {
        let mut v: Vec<(String, u64, std::time::SystemTime)> = Vec::new();
        for e in walk(root) {
            let m = std::fs::symlink_metadata(&e).unwrap();
            v.push((e.display().to_string(), m.len(), m.modified().unwrap()));
        }
        v.sort();
        v
    };
    let before = snapshot(&tree);
    let report = dir.path().join("report.json");
    for args in [
        vec![
            "audit",
            ".",
            "--format",
            "json",
            "-o",
            report.to_str().unwrap(),
        ],
        vec!["audit", ".", "--format", "sarif"],
        vec!["audit", "."],
    ] {
        let o = skillstack(&tree, &args);
        assert_eq!(o.status.code(), Some(1));
    }
    assert_eq!(
        before,
        snapshot(&tree),
        "nothing in the audited tree was created or changed"
    );
}

fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![root.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let mut kids: Vec<_> = std::fs::read_dir(&out[i])
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            kids.sort();
            out.extend(kids);
        }
        i += 1;
    }
    out
}

#[test]
fn huge_findings_render_in_every_format() {
    // One finding spanning 100,000 lines, whose data flow has 100,000 identical variable reads:
    // the predicates stay linear and the human code frame shows the first line only.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let n = 100_000;
    write(
        d,
        "concat.ts",
        format!(
            "db.$queryRawUnsafe(\"SELECT \" +\n{}q);\n",
            "q +\n".repeat(n)
        )
        .as_bytes(),
    );
    write(
        d,
        "nested.rb",
        format!(
            "User.where(\"a = #{{\n{}params[:x]\n{}}}\")\n",
            "[\n".repeat(n),
            "]\n".repeat(n)
        )
        .as_bytes(),
    );
    for format in ["human", "json", "sarif", "github"] {
        let o = skillstack(
            d,
            &[
                "audit",
                "--min-confidence",
                "low",
                "--max-file-size",
                "8MiB",
                "--color",
                "never",
                "--format",
                format,
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if format == "human" {
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(
                out.lines().count() < 100,
                "the code frame is clipped: {} lines",
                out.lines().count()
            );
            assert!(out.contains("Found 2 findings"), "{out}");
        }
    }
}
