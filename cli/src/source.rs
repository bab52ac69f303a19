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
    let (text, input_problem) = mhac_compiler::decode(&bytes);
    let mut compilation = match input_problem {
        // Text that is too large is not parsed at all.
        Some(problem) if bytes.len() > mhac_compiler::MAX_SOURCE_BYTES => {
            let mut compilation = mhac_compiler::compile("");
            compilation.diagnostics = vec![problem];
            compilation
        }
        Some(problem) => {
            let mut compilation = mhac_compiler::compile(&text);
            compilation.diagnostics.insert(0, problem);
            compilation
        }
        None => mhac_compiler::compile(&text),
    };
    compilation.diagnostics.sort_by_key(|d| (d.span().start, d.code));
    Ok(Source { name: path.display().to_string(), text, compilation })
}
