//! The MCP server: tools (`audit`, `explain`, `list_skills`, `get_skill`), one prompt per written
//! skill (`skill-<category>-<slug>`) and one resource per written skill (`skill://<id>`).

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, GetPromptRequestParams, GetPromptResponse, GetPromptResult,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    PaginatedRequestParams, Prompt, PromptMessage, ReadResourceRequestParams, ReadResourceResponse,
    ReadResourceResult, Resource, ResourceContents, Role, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, ErrorData as McpError, RoleServer, ServerHandler};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::tools::{self, Context};

/// `audit` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AuditArgs {
    /// The file or directory to audit (relative to the server's working directory, or absolute).
    pub path: String,
    /// Only this rule id (e.g. `data/raw-sql-interpolation`) or category (e.g. `auth`).
    #[serde(default)]
    pub rule: Option<String>,
    /// Report findings at or above this confidence: low, medium or high (default: medium, or the
    /// project's skillstack.toml).
    #[serde(default)]
    pub min_confidence: Option<String>,
}

/// `explain` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ExplainArgs {
    /// The rule id, e.g. `perm/idor-unscoped-lookup`.
    pub rule: String,
}

/// `list_skills` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSkillsArgs {
    /// Only this category, e.g. `auth` or `billing`.
    #[serde(default)]
    pub category: Option<String>,
    /// Only written skills with code for this framework: nextjs, rails or laravel.
    #[serde(default)]
    pub framework: Option<String>,
}

/// `get_skill` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct GetSkillArgs {
    /// The skill id, e.g. `auth/magic-link`.
    pub id: String,
    /// Only one section: overview, ux, prompt, variants, gotchas, nextjs, rails or laravel.
    #[serde(default)]
    pub section: Option<String>,
    /// The general sections plus only this framework's code: nextjs, rails or laravel.
    #[serde(default)]
    pub framework: Option<String>,
}

/// skillstack's MCP server.
#[derive(Clone)]
pub struct Server {
    ctx: Arc<Context>,
    tool_router: ToolRouter<Server>,
}

fn text_result(r: Result<String, String>) -> Result<CallToolResult, McpError> {
    match r {
        Ok(text) => Ok(CallToolResult::success(vec![ContentBlock::text(text)])),
        // Wrong arguments are protocol errors with a message that says what to send instead.
        Err(msg) => Err(McpError::invalid_params(msg, None)),
    }
}

#[tool_router]
impl Server {
    pub fn new(ctx: Context) -> Server {
        Server {
            ctx: Arc::new(ctx),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Audit a Next.js, Rails or Laravel repository, directory or file for production SaaS gotchas (it only reads files). Returns skillstack's JSON report: each finding has rule, severity, confidence, path, start/end, message, entry point, fix and a fix_prompt filled in for that place, and the linked skill."
    )]
    async fn audit(
        &self,
        Parameters(args): Parameters<AuditArgs>,
    ) -> Result<CallToolResult, McpError> {
        let ctx = Arc::clone(&self.ctx);
        // The audit is CPU-bound; run it off the transport's thread.
        let result = tokio::task::spawn_blocking(move || {
            tools::audit_json(
                &ctx,
                &args.path,
                args.rule.as_deref(),
                args.min_confidence.as_deref(),
            )
        })
        .await
        .map_err(|e| McpError::internal_error(format!("the audit failed: {e}"), None))?;
        text_result(result)
    }

    #[tool(
        description = "Explain an audit rule: why it matters, how to fix it, known limits, examples, the fix prompt template and the linked skill (JSON)."
    )]
    async fn explain(
        &self,
        Parameters(args): Parameters<ExplainArgs>,
    ) -> Result<CallToolResult, McpError> {
        text_result(tools::explain_json(&self.ctx, &args.rule))
    }

    #[tool(
        description = "List skillstack's skills (production SaaS patterns): id, title, category, summary, whether it is written, and its frameworks and rules (JSON). Filter by category and/or framework."
    )]
    async fn list_skills(
        &self,
        Parameters(args): Parameters<ListSkillsArgs>,
    ) -> Result<CallToolResult, McpError> {
        text_result(tools::list_skills_json(
            &self.ctx,
            args.category.as_deref(),
            args.framework.as_deref(),
        ))
    }

    #[tool(
        description = "Read a skill as Markdown: the whole skill, one section (overview, ux, prompt, variants, gotchas, nextjs, rails, laravel), or the general sections with one framework's code."
    )]
    async fn get_skill(
        &self,
        Parameters(args): Parameters<GetSkillArgs>,
    ) -> Result<CallToolResult, McpError> {
        text_result(tools::get_skill_md(
            &self.ctx,
            &args.id,
            args.section.as_deref(),
            args.framework.as_deref(),
        ))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("skillstack", self.ctx.version.clone()))
        .with_instructions(
            "skillstack audits Next.js, Rails and Laravel apps for production SaaS gotchas and teaches the patterns that fix them. Call `audit` on the repository after changing auth, permissions, billing, data access or secrets, and apply each finding's fix_prompt; `get_skill` and the `skill-*` prompts give the full pattern before you build such a feature.",
        )
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        let prompts = self
            .ctx
            .library
            .docs
            .iter()
            .filter(|d| d.prompt().is_some())
            .map(|d| {
                Prompt::new(
                    format!(
                        "skill-{}",
                        skillstack_skills::export::export_name(&d.meta.id)
                    ),
                    Some(d.meta.summary.clone()),
                    None,
                )
                .with_title(d.meta.title.clone())
            })
            .collect();
        Ok(ListPromptsResult::with_all_items(prompts))
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        let doc = tools::skill_for_prompt(&self.ctx, &request.name).ok_or_else(|| {
            McpError::invalid_params(
                format!(
                    "no prompt `{}`; prompts are named skill-<category>-<slug>, e.g. skill-auth-magic-link (prompts/list lists them)",
                    request.name
                ),
                None,
            )
        })?;
        let prompt = doc.prompt().unwrap_or_default().to_string();
        let result = GetPromptResult::new(vec![PromptMessage::new_text(Role::User, prompt)])
            .with_description(doc.meta.summary.clone());
        Ok(result.into())
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        let resources = self
            .ctx
            .library
            .docs
            .iter()
            .map(|d| {
                Resource::new(format!("skill://{}", d.meta.id), d.meta.id.clone())
                    .with_title(d.meta.title.clone())
                    .with_description(d.meta.summary.clone())
                    .with_mime_type("text/markdown")
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(ListResourceTemplatesResult::with_all_items(Vec::new()))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let id = request.uri.strip_prefix("skill://").unwrap_or_default();
        let doc = self.ctx.library.doc(id).ok_or_else(|| {
            McpError::resource_not_found(
                format!(
                    "no resource `{}`; skills are skill://<id>, e.g. skill://auth/magic-link (resources/list lists them)",
                    request.uri
                ),
                None,
            )
        })?;
        let contents = ResourceContents::text(doc.text.clone(), request.uri.clone())
            .with_mime_type("text/markdown");
        Ok(ReadResourceResult::new(vec![contents]).into())
    }
}
