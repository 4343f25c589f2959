use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = amisim::cli::Cli::parse();
    match amisim::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(amisim::cli::EXIT_RUNTIME)
        }
    }
}
