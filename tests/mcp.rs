//! `skillstack mcp` end to end: the real binary, spoken to in JSON-RPC over its stdin/stdout as an
//! MCP client would (initialize, initialized, tools, prompts, resources, errors, shutdown).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};
use skillstack_skills::Library;

/// A running server and the responses read from it, by id.
struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    pending: HashMap<u64, Value>,
    next_id: u64,
}

impl Client {
    fn start(dir: &Path) -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_skillstack"))
            .arg("mcp")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            lines: rx,
            pending: HashMap::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{msg}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            if let Some(v) = self.pending.remove(&id) {
                return v;
            }
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(120))
                .unwrap_or_else(|e| panic!("no response to {method}: {e}"));
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("stdout carries only JSON-RPC, got {line:?}: {e}"));
            assert_eq!(v["jsonrpc"], "2.0", "{v}");
            if let Some(got) = v["id"].as_u64() {
                self.pending.insert(got, v);
            }
        }
    }

    fn result(&mut self, method: &str, params: Value) -> Value {
        let v = self.request(method, params);
        assert!(v.get("error").is_none(), "{method}: {v}");
        v["result"].clone()
    }

    /// Calls a tool that must succeed and returns its text.
    fn tool_text(&mut self, name: &str, args: Value) -> String {
        let r = self.result("tools/call", json!({"name": name, "arguments": args}));
        assert_ne!(r["isError"], true, "{name}: {r}");
        r["content"][0]["text"]
            .as_str()
            .expect("text content")
            .to_string()
    }

    /// Calls a tool that must fail with an MCP error and returns the error's message.
    fn tool_error(&mut self, name: &str, args: Value) -> String {
        let v = self.request("tools/call", json!({"name": name, "arguments": args}));
        let e = &v["error"];
        assert_eq!(e["code"], -32602, "{name} {args}: {v}");
        e["message"].as_str().unwrap().to_string()
    }

    /// Closes stdin and waits for the server to exit on its own.
    fn finish(mut self) {
        drop(self.stdin.take());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "exit status {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        panic!("the server did not exit when its input closed");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` with its contents and modification time.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(snapshot(&p));
        } else {
            let modified = std::fs::metadata(&p).unwrap().modified().unwrap();
            out.push((
                p.display().to_string(),
                std::fs::read(&p).unwrap(),
                modified,
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn an_mcp_client_session_against_the_real_binary() {
    let t = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(
        &repo.join("fixtures/apps/rails-saas"),
        &t.path().join("app"),
    );
    let before = snapshot(t.path());
    let lib = Library::from_files(skillstack_builtin::skills()).0;

    let mut c = Client::start(t.path());
    let init = c.result(
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
    );
    assert_eq!(init["serverInfo"]["name"], "skillstack");
    assert_eq!(init["protocolVersion"], "2025-06-18");
    for cap in ["tools", "prompts", "resources"] {
        assert!(init["capabilities"][cap].is_object(), "{init}");
    }
    c.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));

    // Tools.
    let tools = c.result("tools/list", json!({}));
    let mut names: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["audit", "explain", "get_skill", "list_skills"]);
    let audit_tool = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "audit")
        .unwrap();
    assert_eq!(audit_tool["inputSchema"]["required"], json!(["path"]));

    let report: Value =
        serde_json::from_str(&c.tool_text("audit", json!({"path": "app"}))).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 5, "{report}");
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"billing/stripe-webhook-unverified"),
        "{rules:?}"
    );
    for f in findings {
        let place = format!("{}:{}", f["path"].as_str().unwrap(), f["start"]["line"]);
        assert!(f["fix_prompt"].as_str().unwrap().contains(&place), "{f}");
        assert!(f["skill"]["id"].is_string());
    }
    let only: Value = serde_json::from_str(&c.tool_text(
        "audit",
        json!({"path": "app", "rule": "perm", "min_confidence": "low"}),
    ))
    .unwrap();
    let only = only["findings"].as_array().unwrap();
    assert!(!only.is_empty());
    assert!(only
        .iter()
        .all(|f| f["rule"].as_str().unwrap().starts_with("perm/")));
    let idor = only
        .iter()
        .find(|f| f["rule"] == "perm/idor-unscoped-lookup")
        .expect("low confidence shown");
    assert_eq!(
        idor["entry"],
        "DocumentsController#show (GET /documents/:id)"
    );

    assert!(c
        .tool_error("audit", json!({"path": "missing"}))
        .contains("does not exist"));
    assert!(c
        .tool_error("audit", json!({"path": "app", "rule": "nope"}))
        .contains("no rule or category"));
    assert!(c
        .tool_error("audit", json!({"path": "app", "min_confidence": "very"}))
        .contains("low, medium, high"));
    // A missing argument is reported to the client, not a crash.
    let v = c.request("tools/call", json!({"name": "audit", "arguments": {}}));
    assert!(
        v["error"].is_object() || v["result"]["isError"] == true,
        "{v}"
    );

    let explained: Value =
        serde_json::from_str(&c.tool_text("explain", json!({"rule": "perm/idor-unscoped-lookup"})))
            .unwrap();
    assert_eq!(explained["id"], "perm/idor-unscoped-lookup");
    assert!(explained["fix_prompt_template"]
        .as_str()
        .unwrap()
        .contains("<path>"));
    assert_eq!(explained["skill"]["id"], "permissions/ownership-checks");
    assert!(c
        .tool_error("explain", json!({"rule": "perm/idor"}))
        .contains("did you mean: perm/idor-unscoped-lookup"));

    let listed: Value = serde_json::from_str(&c.tool_text(
        "list_skills",
        json!({"category": "auth", "framework": "rails"}),
    ))
    .unwrap();
    let listed = listed["skills"].as_array().unwrap();
    assert!(!listed.is_empty());
    for s in listed {
        assert_eq!(s["category"], "auth");
        assert_eq!(s["written"], true);
        assert!(s["frameworks"]
            .as_array()
            .unwrap()
            .contains(&json!("rails")));
    }
    let all: Value = serde_json::from_str(&c.tool_text("list_skills", json!({}))).unwrap();
    assert_eq!(all["skills"].as_array().unwrap().len(), 100);
    assert!(c
        .tool_error("list_skills", json!({"category": "nope"}))
        .contains("categories:"));

    let rails = c.tool_text(
        "get_skill",
        json!({"id": "auth/magic-link", "framework": "rails"}),
    );
    assert!(rails.contains("## Rails") && rails.contains("## Overview"));
    assert!(!rails.contains("## Laravel") && !rails.contains("## Next.js"));
    let prompt_section = c.tool_text(
        "get_skill",
        json!({"id": "auth/magic-link", "section": "prompt"}),
    );
    assert!(prompt_section.starts_with("## The prompt to give your AI"));
    assert!(c
        .tool_error("get_skill", json!({"id": "auth/nope"}))
        .contains("no skill"));
    assert!(c
        .tool_error(
            "get_skill",
            json!({"id": "auth/magic-link", "section": "intro"})
        )
        .contains("sections:"));

    // Prompts: one per written skill, the skill's copy-paste prompt.
    let prompts = c.result("prompts/list", json!({}));
    let prompts = prompts["prompts"].as_array().unwrap();
    assert_eq!(prompts.len(), lib.docs.len());
    let got = c.result("prompts/get", json!({"name": "skill-auth-magic-link"}));
    let expected = lib.doc("auth/magic-link").unwrap().prompt().unwrap();
    assert_eq!(got["messages"][0]["role"], "user");
    assert_eq!(got["messages"][0]["content"]["text"], expected);
    let v = c.request("prompts/get", json!({"name": "skill-nope"}));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("prompts/list"),
        "{v}"
    );

    // Resources: skill://<id>, the skill file.
    let resources = c.result("resources/list", json!({}));
    assert_eq!(
        resources["resources"].as_array().unwrap().len(),
        lib.docs.len()
    );
    let read = c.result("resources/read", json!({"uri": "skill://auth/magic-link"}));
    assert_eq!(
        read["contents"][0]["text"],
        lib.doc("auth/magic-link").unwrap().text.as_str()
    );
    assert_eq!(read["contents"][0]["mimeType"], "text/markdown");
    let v = c.request("resources/read", json!({"uri": "skill://nope"}));
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("resources/list"),
        "{v}"
    );

    c.finish();
    assert_eq!(snapshot(t.path()), before, "the audit tool only reads");
}
