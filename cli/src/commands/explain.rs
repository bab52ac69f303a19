//! `mhac explain CODE`: the long explanation of a diagnostic code.

use crate::{EXIT_OK, EXIT_USAGE};
use mhac_compiler::diagnostics::Code;
use std::io::Write;

pub fn run(code: &str) -> u8 {
    match Code::parse(code) {
        Some(code) => {
            let _ = write!(std::io::stdout(), "{}", code.explanation());
            EXIT_OK
        }
        None => {
            let _ = writeln!(
                std::io::stderr(),
                "error: `{code}` is not an mhac diagnostic code\n\nCodes look like MHA403; `mhac check` prints them in brackets. Known codes: {}",
                Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
            );
            EXIT_USAGE
        }
    }
}
