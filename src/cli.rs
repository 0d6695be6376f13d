//! Command-line arguments, in ruff's words where they exist.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "skillstack",
    version,
    about = "The senior engineer in the loop for AI-built SaaS apps: audits Next.js, Rails and Laravel code for production gotchas and links every finding to a skill and a fix prompt.",
    after_help = "Exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage, configuration or I/O error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit a repository (default: the current directory).
    Audit(AuditArgs),
    /// List every rule: id, severity, confidence, frameworks, languages and linked skill.
    Rules(RulesArgs),
    /// Explain a rule: why it matters, how to fix it, examples, its skill and the fix prompt.
    Explain(ExplainArgs),
    /// Print the effective configuration for a path.
    Config(ConfigArgs),
    /// Print a file's syntax tree, the way rule queries see it (for writing rules).
    Ast(AstArgs),
    /// Run rules over annotated fixtures (`ruleid:` / `ok:` comments) and report misses and noise.
    TestRules(TestRulesArgs),
    /// Browse and check the skills library.
    #[command(subcommand)]
    Skills(SkillsCommand),
    /// Accept today's findings so that audits report only new ones (for legacy repositories).
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Serve the Model Context Protocol on stdin/stdout, for AI agents: tools audit, explain,
    /// list_skills, get_skill; a prompt per skill (skill-<category>-<slug>); resources skill://<id>.
    Mcp,
}

#[derive(Subcommand, Debug)]
pub enum BaselineCommand {
    /// Write a baseline with every current finding (fails if one exists: use update).
    Create(BaselineArgs),
    /// Add current findings that are not in the baseline yet (existing entries and notes are kept).
    Update(BaselineArgs),
    /// Remove entries that no longer match any finding, and list them.
    Prune(BaselineArgs),
}

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// Files or directories to audit.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The baseline file [default: .skillstack/baseline.json in the project root].
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// What to audit and with which rules: shared by `audit` and `baseline`.
#[derive(Args, Debug, Clone)]
pub struct ScopeArgs {
    /// Only run these rules or categories (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub select: Vec<String>,
    /// Never run these rules or categories (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Worker threads (default: the number of CPUs, at most 12).
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,
    /// Treat every file as part of an app of this framework instead of detecting apps.
    #[arg(long, value_enum)]
    pub framework: Option<FrameworkArg>,
    /// Skip files larger than this (bytes, or e.g. 500KB, 2MiB) [config: max-file-size; default: 1MiB].
    #[arg(long, value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// Seconds one file may take to parse and match before it is skipped [config: file-timeout; default: 10].
    #[arg(long, value_name = "SECS")]
    pub file_timeout: Option<f64>,
    /// Do not read or write the audit cache (results are the same either way; see the README).
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub source: RuleSourceArgs,
}

#[derive(Subcommand, Debug)]
pub enum SkillsCommand {
    /// List every skill in the catalog (written or not), by category.
    List(SkillsListArgs),
    /// Show a skill, or one of its sections.
    Show(SkillsShowArgs),
    /// Check skill files: format, frontmatter, sections, and the rules run over their code blocks.
    Check(SkillsCheckArgs),
    /// Install the written skills into your AI agent's files (Claude Code skills, Cursor rules,
    /// Copilot instructions, an AGENTS.md index).
    Install(SkillsInstallArgs),
    /// Remove the files `skills install` generated (and AGENTS.md's skillstack block); files
    /// without skillstack's marker are never touched.
    Uninstall(SkillsUninstallArgs),
}

/// An agent to export skills for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AgentArg {
    /// Claude Code / Agent Skills: .claude/skills/<name>/SKILL.md (Copilot reads these too).
    Claude,
    /// GitHub Copilot: .github/instructions/skillstack/<name>.instructions.md.
    Copilot,
    /// Cursor: .cursor/rules/skillstack/<name>.mdc.
    Cursor,
    /// AGENTS.md: a short index between skillstack markers.
    AgentsMd,
    /// All of the above.
    All,
}

#[derive(Args, Debug)]
pub struct SkillsInstallArgs {
    /// The repository to install into.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Agents to install for (comma-separated or repeated) [default: those the repository uses:
    /// .claude/, .cursor/, .github/, AGENTS.md].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub agent: Vec<AgentArg>,
    /// Only these skills or categories, e.g. auth/magic-link or billing (comma-separated or repeated).
    #[arg(long, value_delimiter = ',', value_name = "ID|CATEGORY")]
    pub only: Vec<String>,
    /// Frameworks whose reference code and file globs to include [default: the apps detected in
    /// the repository; all three when none is].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub framework: Vec<FrameworkArg>,
    /// Show what would be created, updated or left unchanged, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct SkillsUninstallArgs {
    /// The repository to remove skillstack's files from.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Agents whose files to remove (comma-separated or repeated) [default: all].
    #[arg(long, value_enum, value_delimiter = ',')]
    pub agent: Vec<AgentArg>,
    /// Show what would be removed, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Args, Debug)]
pub struct SkillsListArgs {
    /// Only this category (e.g. auth, billing).
    #[arg(long)]
    pub category: Option<String>,
    /// Only skills that are written.
    #[arg(long)]
    pub written: bool,
}

#[derive(Args, Debug)]
pub struct SkillsShowArgs {
    /// The skill id, e.g. auth/magic-link.
    pub id: String,
    /// Only this section: overview, ux, prompt, variants, gotchas, nextjs, rails, laravel.
    #[arg(long)]
    pub section: Option<String>,
    /// Print the Markdown source instead of rendering it.
    #[arg(long)]
    pub raw: bool,
}

#[derive(Args, Debug)]
pub struct SkillsCheckArgs {
    /// Skill files to check (default: the skills built into this binary).
    pub files: Vec<PathBuf>,
    /// The catalog to check against when files are given (default: the built-in one).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
    /// One Markdown document for your AI agent: findings by skill, fix prompts and checks.
    Prompt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConfidenceArg {
    Low,
    Medium,
    High,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FrameworkArg {
    Nextjs,
    Rails,
    Laravel,
}

/// Options shared by commands that load rules and configuration.
#[derive(Args, Debug, Clone)]
pub struct RuleSourceArgs {
    /// Use this configuration file instead of searching for skillstack.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore every skillstack.toml (defaults and flags only).
    #[arg(long)]
    pub no_config: bool,
    /// Also load rule files (*.toml) from this directory; repeatable.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Files or directories to audit.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, visible_alias = "format", value_enum, default_value = "human")]
    pub output_format: OutputFormat,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(short = 'o', long = "output-file", value_name = "FILE")]
    pub output_file: Option<PathBuf>,
    /// Exit 1 only for findings at or above this severity [config: fail-on; default: low].
    #[arg(long, value_enum)]
    pub fail_on: Option<SeverityArg>,
    /// Report findings at or above this confidence [config: min-confidence; default: medium].
    #[arg(long, value_enum)]
    pub min_confidence: Option<ConfidenceArg>,
    /// Exit 0 even when there are findings (errors still exit 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Colour the human output.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Show per-rule counts instead of each finding (human output).
    #[arg(long)]
    pub statistics: bool,
    /// List skipped files and files with syntax errors.
    #[arg(short, long)]
    pub verbose: bool,
    /// Report only findings on lines added or changed since this git ref (the whole tree is still analysed).
    #[arg(long, value_name = "REF", conflicts_with = "staged")]
    pub diff: Option<String>,
    /// Report only findings on lines changed in the git index (staged changes).
    #[arg(long)]
    pub staged: bool,
    /// The baseline file [default: .skillstack/baseline.json in the project root, when it exists].
    #[arg(long, value_name = "FILE", conflicts_with = "no_baseline")]
    pub baseline: Option<PathBuf>,
    /// Ignore the baseline.
    #[arg(long)]
    pub no_baseline: bool,
    /// Exit 1 when baseline entries no longer match any finding (prune them).
    #[arg(long)]
    pub strict_baseline: bool,
    /// Only walk, read and parse every file: no rules, no findings (the benchmark's floor).
    #[arg(long)]
    pub parse_only: bool,
    #[command(flatten)]
    pub scope: ScopeArgs,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub source: RuleSourceArgs,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule id, e.g. data/raw-sql-interpolation.
    pub rule: String,
    #[command(flatten)]
    pub source: RuleSourceArgs,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// The path whose configuration to show.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    #[command(flatten)]
    pub source: RuleSourceArgs,
}

#[derive(Args, Debug)]
pub struct AstArgs {
    /// A .ts/.tsx/.js/.rb/.php file.
    pub file: PathBuf,
}

#[derive(Args, Debug)]
pub struct TestRulesArgs {
    /// Fixture files or directories (default: fixtures).
    #[arg(default_value = "fixtures")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub source: RuleSourceArgs,
}
