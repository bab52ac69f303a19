//! Rendering diagnostics: for people (miette's graphical report) and for
//! machines (a versioned JSON document). Formatting only; the caller decides
//! where the text goes.

use crate::diagnostics::{Diagnostic, Severity};
use crate::span::{LineIndex, floor_char_boundary};
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

fn to_miette(diagnostic: &Diagnostic, clipped: Option<&Clipped>) -> MietteDiagnostic {
    let labels = diagnostic.labels.iter().map(|label| {
        let (start, end) = match clipped {
            Some(clipped) => (clipped.to_view(label.span.start), clipped.to_view(label.span.end)),
            None => (label.span.start, label.span.end),
        };
        let span = (start, end.saturating_sub(start));
        if label.primary {
            LabeledSpan::new_primary_with_span(Some(clip_text(&label.message)), span)
        } else {
            LabeledSpan::new_with_span(Some(clip_text(&label.message)), span)
        }
    });
    let mut out = MietteDiagnostic::new(clip_text(&diagnostic.message))
        .with_code(diagnostic.code.as_str())
        .with_severity(match diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
        .with_labels(labels);
    if let Some(help) = &diagnostic.help {
        out = out.with_help(clip_text(help));
    }
    out
}

/// Messages, labels and help longer than this many characters lose their
/// middle: they quote source values, which may be megabytes long, and a
/// terminal report wraps every character of them.
const LONG_TEXT: usize = 600;

fn clip_text(text: &str) -> String {
    let length = text.chars().count();
    if length <= LONG_TEXT {
        return text.to_string();
    }
    let head: String = text.chars().take(LONG_TEXT / 2).collect();
    let tail: String = text.chars().skip(length - LONG_TEXT / 4).collect();
    format!("{head}{ELLIPSIS}({} characters){ELLIPSIS}{tail}", length - LONG_TEXT / 2 - LONG_TEXT / 4)
}

/// Lines longer than this many bytes are shown clipped around their labels:
/// miette cannot draw an underline past column 65,535 (it panics), and a
/// megabyte of one line is no excerpt anyway.
const LONG_LINE: usize = 400;
/// Bytes of a long line kept on each side of a label's start and end.
const CLIP_CONTEXT: usize = 40;
/// What stands for the bytes a clipped line leaves out.
const ELLIPSIS: &str = "…";

/// The excerpt of a diagnostic whose labels sit on or next to long lines:
/// the labels' lines with one line of context around each, long lines cut
/// down to the pieces around the labels' ends. Runs of lines that are not
/// adjacent in the source are kept apart by two empty lines, so miette
/// shows them as separate excerpts. `pieces` and `runs` map the view back
/// to the source, so line numbers and columns stay the source's own.
struct Clipped {
    /// The view's text.
    text: String,
    /// Its line index.
    index: LineIndex,
    /// Runs of source lines in the view: (first view line, first source
    /// line, number of lines), in order.
    runs: Vec<(usize, usize, usize)>,
    /// Runs of the source kept in the view: (view offset, source offset,
    /// length), in order.
    pieces: Vec<(usize, usize, usize)>,
}

impl Clipped {
    /// The view of `diagnostic`'s labels, when one of their lines (or a
    /// line of context around them) is long; `None` when the source can be
    /// shown as it is.
    fn new(diagnostic: &Diagnostic, text: &str, index: &LineIndex) -> Option<Clipped> {
        let line_end = |line: usize| {
            let end = index.line_start(line + 1);
            if end > index.line_start(line) && text.as_bytes().get(end - 1) == Some(&b'\n') { end - 1 } else { end }
        };
        let last_line = index.line_count().saturating_sub(1);
        let mut ranges: Vec<(usize, usize)> = diagnostic
            .labels
            .iter()
            .map(|l| {
                let (start, end) = (index.line_of(l.span.start), index.line_of(l.span.end.max(l.span.start)));
                (start.saturating_sub(1), (end + 1).min(last_line))
            })
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (first, last) in ranges {
            match merged.last_mut() {
                Some(run) if first <= run.1 + 1 => run.1 = run.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        let long = |line: usize| line_end(line) - index.line_start(line) > LONG_LINE;
        if !merged.iter().any(|&(first, last)| (first..=last).any(long)) {
            return None;
        }
        let points: Vec<usize> =
            diagnostic.labels.iter().flat_map(|l| [l.span.start, l.span.end]).map(|p| p.min(text.len())).collect();
        let mut view = String::new();
        let mut pieces = Vec::new();
        let mut runs = Vec::new();
        let mut view_line = 0;
        let mut keep = |view: &mut String, from: usize, to: usize| {
            if to > from {
                pieces.push((view.len(), from, to - from));
                view.push_str(&text[from..to]);
            }
        };
        for (run, &(first, last)) in merged.iter().enumerate() {
            if run > 0 {
                if !view.ends_with('\n') {
                    view.push('\n');
                    view_line += 1;
                }
                view.push_str("\n\n");
                view_line += 2;
            }
            runs.push((view_line, first, last - first + 1));
            view_line += last - first + 1;
            for line in first..=last {
                let (start, end) = (index.line_start(line), line_end(line));
                let next = index.line_start(line + 1);
                if !long(line) {
                    keep(&mut view, start, next);
                    continue;
                }
                // Windows around every label end on the line, merged; the
                // line's start when no label ends on it.
                let mut windows: Vec<(usize, usize)> = points
                    .iter()
                    .filter(|p| (start..=end).contains(*p))
                    .map(|p| (p.saturating_sub(CLIP_CONTEXT).max(start), (p + CLIP_CONTEXT).min(end)))
                    .collect();
                if windows.is_empty() {
                    windows.push((start, start + 2 * CLIP_CONTEXT));
                }
                windows.sort_unstable();
                let mut kept: Vec<(usize, usize)> = Vec::new();
                for (from, to) in windows {
                    let from = floor_char_boundary(text, from);
                    let to = ceil_char_boundary(text, to);
                    match kept.last_mut() {
                        Some(last) if from <= last.1 => last.1 = last.1.max(to),
                        _ => kept.push((from, to)),
                    }
                }
                let mut at = start;
                for (from, to) in kept {
                    if from > at {
                        view.push_str(ELLIPSIS);
                    }
                    keep(&mut view, from, to);
                    at = to;
                }
                if at < end {
                    view.push_str(ELLIPSIS);
                }
                keep(&mut view, end, next);
            }
        }
        let index = LineIndex::new(&view);
        Some(Clipped { text: view, index, runs, pieces })
    }

    /// The source line of a view line.
    fn source_line(&self, line: usize) -> usize {
        let mut best = line;
        for &(view, source, _) in &self.runs {
            if line < view {
                break;
            }
            best = source + (line - view);
        }
        best
    }

    /// The view offset of a source offset that the view keeps (every
    /// label's ends are kept); the nearest kept offset otherwise.
    fn to_view(&self, offset: usize) -> usize {
        let mut best = 0;
        for &(view, source, len) in &self.pieces {
            if offset < source {
                break;
            }
            best = view + (offset - source).min(len);
        }
        best
    }

    /// The source offset of a view offset.
    fn to_source(&self, offset: usize) -> usize {
        let mut best = self.pieces.first().map_or(0, |&(_, source, _)| source);
        for &(view, source, len) in &self.pieces {
            if offset < view {
                break;
            }
            best = source + (offset - view).min(len);
        }
        best
    }
}

/// The smallest char boundary at or after `offset`.
fn ceil_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// The source text as miette reads it: borrowed, not copied per diagnostic,
/// and excerpts found through a line index rather than by scanning the text
/// from its start, so that rendering many diagnostics stays linear. With a
/// clipped view, miette reads the view, and its line numbers and columns
/// are turned back into the source's.
struct IndexedSource<'t> {
    name: &'t str,
    text: &'t str,
    index: &'t LineIndex,
    clipped: Option<&'t Clipped>,
}

impl SourceCode for IndexedSource<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (text, index) = match self.clipped {
            Some(clipped) => (clipped.text.as_str(), &clipped.index),
            None => (self.text, self.index),
        };
        // Start the window at a line boundary `context_lines_before` lines up,
        // let miette read the excerpt from there, and shift its positions.
        let first_line = index.line_of(span.offset()).saturating_sub(context_lines_before);
        let start = index.line_start(first_line).min(text.len());
        let window = text.get(start..).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        let offset = contents.span().offset() + start;
        let column = match self.clipped {
            // The column of the span's start in the source, in bytes as
            // miette counts them.
            Some(clipped) if context_lines_before == 0 => {
                let source = clipped.to_source(offset);
                source - self.index.line_start(self.index.line_of(source))
            }
            _ => contents.column(),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            contents.data(),
            SourceSpan::new(offset.into(), contents.span().len()),
            match self.clipped {
                Some(clipped) => clipped.source_line(contents.line() + first_line),
                None => contents.line() + first_line,
            },
            column,
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

fn human_indexed(diagnostic: &Diagnostic, name: &str, text: &str, index: &LineIndex, options: HumanOptions) -> String {
    let theme = if options.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(options.width).with_links(false);
    let clipped = Clipped::new(diagnostic, text, index);
    let source = IndexedSource { name, text, index, clipped: clipped.as_ref() };
    let report = WithSource { diagnostic: &to_miette(diagnostic, clipped.as_ref()), source: &source };
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}[{}]: {}\n", diagnostic.severity, diagnostic.code, diagnostic.message);
    }
    out
}

/// Render one diagnostic with its source excerpt.
pub fn human(diagnostic: &Diagnostic, file_name: &str, text: &str, options: HumanOptions) -> String {
    let index = LineIndex::new(text);
    human_indexed(diagnostic, file_name, text, &index, options)
}

/// Render all diagnostics, then a one-line summary.
pub fn human_all(diagnostics: &[Diagnostic], file_name: &str, text: &str, options: HumanOptions) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&human_indexed(diagnostic, file_name, text, &index, options));
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

    #[test]
    fn long_lines_are_clipped_around_the_label_with_the_source_column() {
        for length in [70_000, 1_000_000] {
            let text = format!("network main {{\n  cidr = \"{}\" x\n}}\n", "a".repeat(length));
            let at = text.find("\" x").expect("the end of the string") + 2;
            let diagnostic = Diagnostic::new(Code::InvalidValue, "a message")
                .primary(Span::new(at, at + 1), "here")
                .secondary(Span::new(0, 7), "the block");
            let out = human(&diagnostic, "f.mha", &text, HumanOptions::default());
            let column = at - text.find("  cidr").expect("line 2") + 1;
            assert!(out.contains(&format!("[f.mha:2:{column}]")), "{out}");
            assert!(out.contains("…aaaa") && out.contains("\" x"), "{out}");
            assert!(out.contains("╰── here") && out.contains("the block"), "{out}");
            assert!(out.len() < 2_000, "{} bytes", out.len());
        }
    }

    #[test]
    fn a_label_over_a_whole_long_line_and_labels_far_apart_on_it() {
        let text = format!("a = \"{}é{}\"\n", "x".repeat(80_000), "y".repeat(80_000));
        let end = text.len() - 1;
        let middle = text.find('é').expect("é");
        let diagnostics = [
            Diagnostic::new(Code::InvalidValue, "m").primary(Span::new(4, end), "the whole string"),
            Diagnostic::new(Code::InvalidValue, "m")
                .primary(Span::new(middle, middle + 2), "é")
                .secondary(Span::new(0, 1), "a")
                .secondary(Span::at(end), "end"),
        ];
        let out = human_all(&diagnostics, "f.mha", &text, HumanOptions { color: false, width: 80 });
        assert!(out.contains("the whole string") && out.contains("╰── é") && out.contains("end"), "{out}");
        assert!(out.len() < 4_000, "{} bytes", out.len());
    }

    #[test]
    fn labels_far_apart_on_long_lines_keep_their_line_numbers() {
        let mut text = format!("a = \"{}\"\n", "x".repeat(1000));
        text.push_str(&"b = 1\n".repeat(50));
        let at = text.len();
        text.push_str(&format!("c = \"{}\"\n", "y".repeat(1000)));
        let diagnostic = Diagnostic::new(Code::InvalidValue, "m")
            .primary(Span::new(at, at + 1), "c here")
            .secondary(Span::new(0, 1), "a here");
        let out = human(&diagnostic, "f.mha", &text, HumanOptions::default());
        assert!(out.contains("[f.mha:52:1]"), "{out}");
        assert!(
            out.contains(" 1 │ a = \"xxx") && out.contains("52 │ c = \"yyy") && out.contains(" 2 │ b = 1"),
            "{out}"
        );
        assert!(out.contains("51 │ b = 1"), "{out}");
    }
}
