//! Rendering diagnostics: for people (miette's graphical report) and for
//! machines (a versioned JSON document). Formatting only; the caller decides
//! where the text goes.

use crate::diagnostics::{Diagnostic, Severity};
use crate::span::LineIndex;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};
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

/// The source text as miette reads it: borrowed, not copied per diagnostic,
/// and excerpts found through a line index rather than by scanning the text
/// from its start, so that rendering many diagnostics stays linear.
struct IndexedSource<'t> {
    name: &'t str,
    text: &'t str,
    index: &'t LineIndex,
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        // Start the window at a line boundary `context_lines_before` lines up,
        // let miette read the excerpt from there, and shift its positions.
        let first_line = self.index.line_of(span.offset()).saturating_sub(context_lines_before);
        let start = self.index.line_start(first_line).min(self.text.len());
        let window = self.text.get(start..).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            SourceSpan::new((contents.span().offset() + start).into(), contents.span().len()),
            contents.line() + first_line,
            contents.column(),
            contents.line_count(),
        )))
    }
}

/// A diagnostic with its source, for miette's report handler.
struct WithSource<'a> {
    diagnostic: &'a MietteDiagnostic,
    source: &'a IndexedSource<'a>,
}

impl std::fmt::Debug for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.diagnostic, f)
    }
}

impl std::fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self.diagnostic, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.diagnostic.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.diagnostic.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.diagnostic.labels()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }
}

fn human_indexed(diagnostic: &Diagnostic, source: &IndexedSource<'_>, options: HumanOptions) -> String {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false);
    let report = WithSource { diagnostic: &to_miette(diagnostic), source };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}[{}]: {}\n", diagnostic.severity, diagnostic.code, diagnostic.message);
    }
    out
}

/// Render one diagnostic with its source excerpt.
pub fn human(diagnostic: &Diagnostic, file_name: &str, text: &str, options: HumanOptions) -> String {
    let index = LineIndex::new(text);
    human_indexed(diagnostic, &IndexedSource { name: file_name, text, index: &index }, options)
}

/// Render all diagnostics, then a one-line summary.
pub fn human_all(diagnostics: &[Diagnostic], file_name: &str, text: &str, options: HumanOptions) -> String {
    let index = LineIndex::new(text);
    let source = IndexedSource { name: file_name, text, index: &index };
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&human_indexed(diagnostic, &source, options));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Code;
    use crate::span::Span;

    #[test]
    fn excerpts_deep_in_a_file_have_their_own_line_numbers() {
        let text: String = (1..=300).map(|i| format!("line{i} = {i}\n")).collect();
        let start = text.find("line250 ").expect("line 250");
        let other = text.find("line10 ").expect("line 10");
        let diagnostic = Diagnostic::new(Code::InvalidValue, "a message")
            .primary(Span::new(start, start + 7), "here")
            .secondary(Span::new(other, other + 6), "and here");
        let out = human(&diagnostic, "f.mha", &text, HumanOptions { color: false, width: 80 });
        assert!(out.contains("[f.mha:250:1]"), "{out}");
        assert!(out.contains("250 │ line250 = 250"), "{out}");
        assert!(out.contains(" 10 │ line10 = 10"), "{out}");
        assert!(!out.contains("line100 "), "the excerpts hold only the labelled lines and their context:\n{out}");
    }

    #[test]
    fn many_diagnostics_render_each_excerpt() {
        let text = "object_storage b { versioning = true }\n".repeat(2000);
        let diagnostics: Vec<Diagnostic> = (0..2000)
            .map(|i| {
                let at = i * 39 + 15;
                Diagnostic::new(Code::DuplicateName, "dup").primary(Span::new(at, at + 1), "again")
            })
            .collect();
        let out = human_all(&diagnostics, "f.mha", &text, HumanOptions::default());
        assert_eq!(out.matches("╰── again").count(), 2000);
        assert!(out.contains("2000 │ object_storage b"), "the last excerpt is at line 2000");
    }
}
