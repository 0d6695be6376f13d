//! `skillstack mcp`: the Model Context Protocol server on stdio (see the `skillstack-mcp` crate).

use crate::setup::{error, Errors};

pub fn run() -> Result<u8, Errors> {
    skillstack_mcp::serve_stdio(env!("CARGO_PKG_VERSION")).map_err(|e| {
        error(
            e,
            "`skillstack mcp` is started by an MCP client (Claude Code, Cursor, VS Code) that speaks JSON-RPC on its standard input",
        )
    })?;
    Ok(0)
}
