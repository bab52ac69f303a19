//! `mhac graph FILE [--format svg|dot|mermaid] [-o FILE] [--check]`: draw
//! the deployment.
//!
//! The picture is drawn from whatever the source lowers to, errors or not
//! (with `--check` the errors are marked on it). Diagnostics go to standard
//! error; the exit code is 1 when the source has errors, even though the
//! picture is written, so that CI can rely on it.

use super::{fail, report_to_stderr};
use crate::args::{GraphFormat, MessageFormat};
use crate::output::write_atomic;
use crate::source::load;
use crate::{EXIT_ERRORS, EXIT_OK};
use std::io::Write;
use std::path::Path;

pub fn run(file: &Path, format: GraphFormat, output: Option<&Path>, check: bool) -> u8 {
    let source = match load(file) {
        Ok(source) => source,
        Err(message) => return fail(&message),
    };
    report_to_stderr(&source, MessageFormat::Human);
    let format = match format {
        GraphFormat::Svg => mhac_graph::Format::Svg,
        GraphFormat::Dot => mhac_graph::Format::Dot,
        GraphFormat::Mermaid => mhac_graph::Format::Mermaid,
    };
    let picture = mhac_graph::render(&source.compilation, &source.text, format, mhac_graph::Options { check });
    let written = match output {
        Some(path) => {
            write_atomic(path, picture.as_bytes()).map_err(|error| format!("cannot write {}: {error}", path.display()))
        }
        None => {
            std::io::stdout().lock().write_all(picture.as_bytes()).map_err(|error| format!("cannot write: {error}"))
        }
    };
    match written {
        Err(message) => fail(&message),
        Ok(()) if source.compilation.has_errors() => EXIT_ERRORS,
        Ok(()) => EXIT_OK,
    }
}
