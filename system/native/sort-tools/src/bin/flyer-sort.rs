fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(flyer_sort_tools::sort_cmd::main(&argv));
}
