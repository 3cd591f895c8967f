fn main() {
    std::process::exit(stalekey::cli::main());
}
