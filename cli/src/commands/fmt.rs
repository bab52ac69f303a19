//! `mhac fmt FILE... [--check]`: rewrite files in the canonical layout.
//!
//! A file with syntax errors is left as it is and its diagnostics are
//! printed. With `--check` nothing is written: the files that would change
//! are listed on standard output. Exit 1 when a file has syntax errors or,
//! with `--check`, would change; 2 on an IO error.

use super::{fail, human_options};
use crate::output::write_atomic;
use crate::{EXIT_ERRORS, EXIT_OK};
use mhac_compiler::format::{FormatError, format};
use mhac_compiler::render;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub fn run(files: &[PathBuf], check: bool) -> u8 {
    let mut status = EXIT_OK;
    let stderr = std::io::stderr();
    for file in files {
        let name = file.display().to_string();
        let bytes = match std::fs::read(file) {
            Ok(bytes) => bytes,
            Err(error) => return fail(&format!("cannot read {name}: {error}")),
        };
        let (text, input_problem) = mhac_compiler::decode(&bytes);
        let formatted = match input_problem {
            Some(problem) => Err(FormatError::Syntax(vec![problem])),
            None => format(&text),
        };
        match formatted {
            Ok(formatted) if formatted == text => {}
            Ok(_) if check => {
                let _ = writeln!(std::io::stdout(), "{name}");
                status = EXIT_ERRORS;
            }
            Ok(formatted) => {
                if let Err(error) = write_atomic(file, formatted.as_bytes()) {
                    return fail(&format!("cannot write {name}: {error}"));
                }
            }
            Err(FormatError::Syntax(diagnostics)) => {
                let options = human_options(stderr.is_terminal());
                let mut report = render::human_all(&diagnostics, &name, &text, options);
                report.push_str(&format!("{name}: not formatted: fix the syntax errors first\n"));
                let _ = stderr.lock().write_all(report.as_bytes());
                status = EXIT_ERRORS;
            }
            Err(FormatError::Internal(why)) => {
                let _ = writeln!(
                    stderr.lock(),
                    "error: {name}: not formatted: {why}. This is a bug in mhac fmt; the file is unchanged."
                );
                status = EXIT_ERRORS;
            }
        }
    }
    status
}
