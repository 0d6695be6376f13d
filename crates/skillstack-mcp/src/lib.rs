//! `skillstack mcp`: skillstack as a Model Context Protocol server over stdio, built on the
//! official Rust SDK (`rmcp`). Tools: `audit`, `explain`, `list_skills`, `get_skill`; prompts:
//! `skill-<category>-<slug>` (a skill's copy-paste prompt); resources: `skill://<id>` (a skill's
//! Markdown). Standard output carries only JSON-RPC messages.

mod server;
pub mod tools;

use rmcp::ServiceExt;

pub use server::Server;

/// Serves MCP on standard input and output until the client disconnects.
pub fn serve_stdio(version: &str) -> Result<(), String> {
    let ctx = tools::Context::load(version)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async move {
        let service = Server::new(ctx)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| format!("MCP initialization failed: {e}"))?;
        service
            .waiting()
            .await
            .map_err(|e| format!("the MCP session ended with an error: {e}"))?;
        Ok(())
    })
}
