//! The `mhac` command-line tool: reads files, runs the compiler core and the
//! backends, writes outputs atomically and reports diagnostics.
//!
//! Exit codes: 0 success, 1 diagnostics with at least one error (or a failed
//! deployment), 2 a usage or IO error.

mod args;
mod commands;
pub mod output;
pub mod source;

use clap::Parser as _;
use std::process::ExitCode;

/// Success.
pub const EXIT_OK: u8 = 0;
/// The input has errors.
pub const EXIT_ERRORS: u8 = 1;
/// Usage or IO error.
pub const EXIT_USAGE: u8 = 2;

/// Run the command line.
pub fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    ExitCode::from(commands::run(cli))
}
