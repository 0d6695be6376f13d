fn main() {
    let path = std::env::args().nth(1).expect("usage: ast FILE");
    let lang = skillstack_engine::lang::Lang::from_path(std::path::Path::new(&path))
        .expect("known extension");
    let src = std::fs::read_to_string(&path).expect("readable");
    print!(
        "{}",
        skillstack_engine::lang::dump_ast(lang, &src).unwrap_or_default()
    );
}
