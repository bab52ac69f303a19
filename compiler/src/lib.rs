//! The mhac compiler core: parse a `.mha` source, lower it to a model, check
//! the rules, and hand a checked model to the backends.
//!
//! This crate does no IO: it takes text and returns values. The command-line
//! tool, the language server and the tests provide the files.
//!
//! ```
//! let compilation = mhac_compiler::compile("network main { cidr = 10.0.0.0/16 }");
//! assert!(compilation.checked().is_none()); // no deployment block: errors
//! assert!(compilation.diagnostics.iter().any(|d| d.code.as_str() == "MHA110"));
//! ```

pub mod aws;
pub mod check;
pub mod diagnostics;
pub mod format;
pub mod lower;
pub mod model;
pub mod params;
pub mod plan;
pub mod preflight;
pub mod render;
pub mod sarif;
pub mod schema;
pub mod span;
pub mod stdlib;
pub mod symbols;
pub mod syntax;

pub use syntax::ast;

use diagnostics::{Code, Diagnostic, Diagnostics};
use model::{CheckedModel, Model};
use plan::Plan;
use span::Span;
use symbols::Symbols;

/// Sources larger than this are refused (MHA004): a deployment description
/// of 16 MiB is a mistake, not a deployment.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;

/// Everything one run of the compiler found out about a source.
#[derive(Debug)]
pub struct Compilation {
    /// The syntax tree (the items that parsed).
    pub file: ast::File,
    /// Every diagnostic, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// Definitions and references, for editors.
    pub symbols: Symbols,
    /// The lowered model, checked when no error was reported. One model is
    /// kept either way: checking it moves it, it never copies it.
    model: Lowered,
}

/// A lowered model, and whether the checker passed it (then with its
/// deployment plan).
#[derive(Debug)]
enum Lowered {
    Checked(CheckedModel, Box<Plan>),
    Unchecked(Model),
}

impl Compilation {
    /// The lowered model; meaningful as a whole only when there is no error.
    pub fn model(&self) -> &Model {
        match &self.model {
            Lowered::Checked(model, _) => model,
            Lowered::Unchecked(model) => model,
        }
    }

    /// The checked model, when no diagnostic is an error.
    pub fn checked(&self) -> Option<&CheckedModel> {
        match &self.model {
            Lowered::Checked(model, _) => Some(model),
            Lowered::Unchecked(_) => None,
        }
    }

    /// The deployment plan every printer reads, when no diagnostic is an
    /// error.
    pub fn plan(&self) -> Option<&Plan> {
        match &self.model {
            Lowered::Checked(_, plan) => Some(plan),
            Lowered::Unchecked(_) => None,
        }
    }

    /// Withdraw the checked model after an error found outside the compiler
    /// proper (an input problem): nothing may be built from it.
    fn unchecked(mut self) -> Compilation {
        if let Lowered::Checked(model, _) = self.model {
            self.model = Lowered::Unchecked(model.into_inner());
        }
        self
    }

    /// Add diagnostics found outside the compiler proper (a printed value
    /// AWS would refuse): an error among them withdraws the checked model
    /// and its plan, so nothing is built.
    pub fn reject(mut self, diagnostics: Vec<Diagnostic>) -> Compilation {
        let error = diagnostics.iter().any(Diagnostic::is_error);
        self.diagnostics.extend(diagnostics);
        self.diagnostics.sort_by_key(|d| (d.span().start, d.span().end, d.code));
        if error { self.unchecked() } else { self }
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse, lower and check `text`.
pub fn compile(text: &str) -> Compilation {
    let (file, parse_diagnostics) = syntax::parse(text);
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend(parse_diagnostics);
    let mut symbols = Symbols::default();
    let mut model = lower::lower(&file, &mut diagnostics, &mut symbols);
    check::check(&mut model, &mut diagnostics);
    let model = if diagnostics.has_errors() {
        Lowered::Unchecked(model)
    } else {
        // Identity is checked on the plan: names that would collide in an
        // output are errors like any other, and nothing is built.
        let checked = CheckedModel::new(model);
        let plan = plan::plan(&checked);
        let mut problems = plan::identity::collisions(&plan);
        problems.extend(plan::site::limits(&plan));
        if problems.is_empty() {
            Lowered::Checked(checked, Box::new(plan))
        } else {
            diagnostics.extend(problems);
            Lowered::Unchecked(checked.into_inner())
        }
    };
    let mut diagnostics = diagnostics.into_sorted();
    check::quiet_absence_warnings(&file.broken, &mut diagnostics);
    Compilation { file, model, diagnostics, symbols }
}

/// Decode and compile source bytes the way every front end does (`mhac
/// check`, `build`, the language server): the text (invalid UTF-8 replaced)
/// and its compilation, whose diagnostics include the input problem
/// (MHA004), if any, sorted by position. Text that is too large is not
/// parsed at all.
pub fn compile_bytes(bytes: &[u8]) -> (String, Compilation) {
    let (text, input_problem) = decode(bytes);
    let mut compilation = match input_problem {
        Some(problem) if bytes.len() > MAX_SOURCE_BYTES => {
            let mut compilation = compile("");
            compilation.diagnostics = vec![problem];
            compilation
        }
        Some(problem) => {
            // The input problem is an error: nothing is built from it, even
            // when the text around the invalid bytes checks cleanly.
            let mut compilation = compile(&text).unchecked();
            compilation.diagnostics.insert(0, problem);
            compilation
        }
        None => compile(&text),
    };
    compilation.diagnostics.sort_by_key(|d| (d.span().start, d.code));
    (text, compilation)
}

/// Decode source bytes: the text, and a diagnostic (MHA004) when the bytes
/// are not UTF-8 or are too large. Invalid bytes are replaced so the rest of
/// the file can still be shown; the diagnostic points at the first one.
pub fn decode(bytes: &[u8]) -> (String, Option<Diagnostic>) {
    if bytes.len() > MAX_SOURCE_BYTES {
        let text = String::from_utf8_lossy(&bytes[..1024.min(bytes.len())]).into_owned();
        let diagnostic = Diagnostic::new(
            Code::InvalidInput,
            format!("the file is {} bytes; mhac reads at most {MAX_SOURCE_BYTES}", bytes.len()),
        )
        .primary(Span::at(0), "this file is too large to be a deployment description")
        .help("check that this is the right file: a whole Moodle deployment fits in a few kilobytes");
        return (text, Some(diagnostic));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(error) => {
            let at = error.valid_up_to();
            let text = String::from_utf8_lossy(bytes).into_owned();
            let diagnostic = Diagnostic::new(Code::InvalidInput, "the file is not valid UTF-8")
                .primary(Span::new(at, at + 1), format!("invalid byte at offset {at}"))
                .help("save the file as UTF-8 text; if this is a binary file, it is the wrong file");
            (text, Some(diagnostic))
        }
    }
}
