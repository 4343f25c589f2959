fn main() -> std::process::ExitCode {
    amisim::cli::main()
}
