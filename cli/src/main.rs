//! The `mhac` command.

fn main() -> std::process::ExitCode {
    mhac_cli::main()
}
