//! `mhac check FILE...`: print every diagnostic; exit 1 on any error.

use super::{fail, human_options, json_report, sarif_report};
use crate::args::MessageFormat;
use crate::source::{Source, load};
use crate::{EXIT_ERRORS, EXIT_OK};
use mhac_compiler::render;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub fn run(files: &[PathBuf], format: MessageFormat) -> u8 {
    let mut sources: Vec<Source> = Vec::new();
    for file in files {
        match load(file) {
            Ok(source) => sources.push(source),
            Err(message) => return fail(&message),
        }
    }
    let stdout = std::io::stdout();
    let text = match format {
        MessageFormat::Human => {
            let options = human_options(stdout.is_terminal());
            sources.iter().map(|s| render::human_all(s.diagnostics(), &s.name, &s.text, options)).collect::<String>()
        }
        MessageFormat::Json => json_report(&sources.iter().collect::<Vec<_>>()),
        MessageFormat::Sarif => sarif_report(&sources.iter().collect::<Vec<_>>()),
    };
    let _ = stdout.lock().write_all(text.as_bytes());
    if sources.iter().any(|s| s.compilation.has_errors()) { EXIT_ERRORS } else { EXIT_OK }
}
