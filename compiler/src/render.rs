//! Rendering diagnostics: for people (miette's graphical report) and for
//! machines (a versioned JSON document). Formatting only; the caller decides
//! where the text goes.

use crate::diagnostics::{Diagnostic, Severity};
use crate::span::LineIndex;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};
use serde::Serialize;

/// The version of the JSON format; bumped on any incompatible change.
pub const JSON_FORMAT_VERSION: u32 = 1;

/// Options for human output.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    /// ANSI colours.
    pub color: bool,
    /// Wrap width.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> HumanOptions {
        HumanOptions { color: false, width: 100 }
    }
}

fn to_miette(diagnostic: &Diagnostic) -> MietteDiagnostic {
    let labels = diagnostic.labels.iter().map(|label| {
        let span = (label.span.start, label.span.len());
        if label.primary {
            LabeledSpan::new_primary_with_span(Some(label.message.clone()), span)
        } else {
            LabeledSpan::new_with_span(Some(label.message.clone()), span)
        }
    });
    let mut out = MietteDiagnostic::new(diagnostic.message.clone())
        .with_code(diagnostic.code.as_str())
        .with_severity(match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
        .with_labels(labels);
    if let Some(help) = &diagnostic.help {
        out = out.with_help(help.clone());
    }
    out
}

/// Render one diagnostic with its source excerpt.
pub fn human(diagnostic: &Diagnostic, file_name: &str, text: &str, options: HumanOptions) -> String {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false);
    let report = Report::new(to_miette(diagnostic)).with_source_code(NamedSource::new(file_name, text.to_string()));
    let mut out = String::new();
    if handler.render_report(&mut out, report.as_ref()).is_err() {
        out = format!("{}[{}]: {}\n", diagnostic.severity, diagnostic.code, diagnostic.message);
    }
    out
}

/// Render all diagnostics, then a one-line summary.
pub fn human_all(diagnostics: &[Diagnostic], file_name: &str, text: &str, options: HumanOptions) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&human(diagnostic, file_name, text, options));
    }
    out.push_str(&summary(diagnostics, file_name));
    out
}

/// `moodle.mha: 2 errors, 1 warning`.
pub fn summary(diagnostics: &[Diagnostic], file_name: &str) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{file_name}: {}, {}\n", plural(errors, "error"), plural(warnings, "warning"))
}

/// A position in the JSON format.
#[derive(Serialize)]
pub struct JsonPosition {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in Unicode scalar values.
    pub column: usize,
}

/// A labelled range in the JSON format.
#[derive(Serialize)]
pub struct JsonRange {
    /// Byte offset of the start.
    pub byte_start: usize,
    /// Byte offset one past the end.
    pub byte_end: usize,
    /// Start position.
    pub start: JsonPosition,
    /// End position.
    pub end: JsonPosition,
}

/// A label in the JSON format.
#[derive(Serialize)]
pub struct JsonLabel {
    /// The message.
    pub message: String,
    /// Whether this is the main location.
    pub primary: bool,
    /// Where.
    #[serde(flatten)]
    pub range: JsonRange,
}

/// A diagnostic in the JSON format.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    /// `MHA201`.
    pub code: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// One line.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The file.
    pub file: String,
    /// The main location.
    #[serde(flatten)]
    pub range: JsonRange,
    /// Every span involved.
    pub labels: Vec<JsonLabel>,
}

/// The JSON document.
#[derive(Serialize)]
pub struct JsonReport {
    /// [`JSON_FORMAT_VERSION`].
    pub version: u32,
    /// Diagnostics, sorted by position.
    pub diagnostics: Vec<JsonDiagnostic>,
    /// Counts.
    pub summary: JsonSummary,
}

/// Counts in the JSON format.
#[derive(Serialize)]
pub struct JsonSummary {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
}

fn range(index: &LineIndex, text: &str, start: usize, end: usize) -> JsonRange {
    let (s, e) = (index.line_col_chars(text, start), index.line_col_chars(text, end));
    JsonRange {
        byte_start: start,
        byte_end: end,
        start: JsonPosition { line: s.line + 1, column: s.column + 1 },
        end: JsonPosition { line: e.line + 1, column: e.column + 1 },
    }
}

/// The JSON report of several files' diagnostics.
pub fn json(files: &[(&str, &str, &[Diagnostic])]) -> JsonReport {
    let mut out = Vec::new();
    for (file_name, text, diagnostics) in files {
        let index = LineIndex::new(text);
        for diagnostic in diagnostics.iter() {
            let span = diagnostic.span();
            out.push(JsonDiagnostic {
                code: diagnostic.code.as_str().to_string(),
                severity: diagnostic.severity,
                message: diagnostic.message.clone(),
                help: diagnostic.help.clone(),
                file: (*file_name).to_string(),
                range: range(&index, text, span.start, span.end),
                labels: diagnostic
                    .labels
                    .iter()
                    .map(|label| JsonLabel {
                        message: label.message.clone(),
                        primary: label.primary,
                        range: range(&index, text, label.span.start, label.span.end),
                    })
                    .collect(),
            });
        }
    }
    let errors = out.iter().filter(|d| d.severity == Severity::Error).count();
    JsonReport {
        version: JSON_FORMAT_VERSION,
        summary: JsonSummary { errors, warnings: out.len() - errors },
        diagnostics: out,
    }
}
