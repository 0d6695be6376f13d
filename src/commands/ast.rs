//! `skillstack ast FILE`: the syntax tree rule queries match against.

use skillstack_engine::lang::{dump_ast, Lang};

use crate::cli::AstArgs;
use crate::setup::{error, Errors};

pub fn run(args: AstArgs) -> Result<u8, Errors> {
    let Some(lang) = Lang::from_path(&args.file) else {
        return Err(error(
            format!("{}: not a file skillstack parses", args.file.display()),
            "use a .ts, .tsx, .js, .jsx, .mjs, .cjs, .rb or .php file",
        ));
    };
    let src = std::fs::read_to_string(&args.file).map_err(|e| {
        error(
            format!("{}: cannot read: {e}", args.file.display()),
            "check the path and its permissions",
        )
    })?;
    print!("{}", dump_ast(lang, &src).unwrap_or_default());
    Ok(0)
}
