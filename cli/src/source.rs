//! Reading a source file and compiling it.

use mhac_compiler::Compilation;
use mhac_compiler::diagnostics::Diagnostic;
use std::path::Path;

/// A compiled source file.
pub struct Source {
    /// The path as given, for messages.
    pub name: String,
    /// The text (invalid UTF-8 replaced).
    pub text: String,
    /// The compilation; its diagnostics include an input problem, if any.
    pub compilation: Compilation,
}

impl Source {
    /// All diagnostics.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.compilation.diagnostics
    }
}

/// Read and compile `path`. An IO error is returned as text.
pub fn load(path: &Path) -> Result<Source, String> {
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let (text, compilation) = mhac_compiler::compile_bytes(&bytes);
    Ok(Source { name: path.display().to_string(), text, compilation: mhac_backends::printable(compilation) })
}
