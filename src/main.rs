use clap::Parser;

fn main() {
    // An empty STALEKEY_RING means "not set" (as with NO_COLOR), not an empty --ring.
    if std::env::var_os("STALEKEY_RING").is_some_and(|v| v.is_empty()) {
        std::env::remove_var("STALEKEY_RING");
    }
    let cli = stalekey::Cli::parse();
    std::process::exit(stalekey::run(cli));
}
