//! The formatter behind `mhac fmt` and the language server's document
//! formatting: one canonical layout for a source file. Pure: text in, text
//! out.
//!
//! The layout:
//!
//! * Two spaces of indentation per level; one space around `=`, after `,`
//!   and inside the braces of a one-line block or map; none inside `[ ]`
//!   and `( )`.
//! * A block, list or map written on one line stays on one line when it
//!   fits in [`MAX_WIDTH`] columns (a block holding a nested block never
//!   does); otherwise it takes one entry per line. A block, list or map
//!   already written over several lines keeps one entry per line. Empty
//!   ones are written `{}` / `[]`.
//! * One entry per line drops the `,` separators of blocks and maps and
//!   ends every list element and call argument with `,`.
//! * Within a run of consecutive `key = value` lines (no blank line or
//!   comment line between them) the `=` signs are aligned.
//! * Blank lines between entries and items are kept, at most one in a row;
//!   none at the start or end of a block or file. The file ends with one
//!   newline.
//! * Every comment is kept, with its text. A comment on its own line stays
//!   on its own line before what follows it; a comment after code stays at
//!   the end of that line, two spaces after the code. A comment inside a
//!   rule or between a key and its value (rare) moves to its own line just
//!   before that entry.
//!
//! A file with syntax errors is refused, never reformatted from a partial
//! syntax tree. As a guard, the formatter parses its own output and refuses
//! to return it unless it has the same syntax tree and the same comments as
//! the input.

use crate::ast::{Block, Entry, Expr, ExprKind, File, Item, MapEntry, ParamDecl, PortSpec, SourceSpec};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use crate::syntax::scan::{Piece, scan};

/// Lines the formatter keeps one-line constructs within.
pub const MAX_WIDTH: usize = 100;

/// Why a file was not formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The file does not parse: these are the parser's diagnostics.
    Syntax(Vec<Diagnostic>),
    /// The formatted text would not mean what the input means. A bug in the
    /// formatter; the file is left as it is.
    Internal(String),
}

/// Format a source file, keeping its line endings: a file whose first line
/// ends in CRLF is formatted with CRLF throughout, any other with LF. `mhac
/// fmt`, `fmt --check` and the language server all format through here, so
/// they agree on every file.
pub fn format(text: &str) -> Result<String, FormatError> {
    let crlf = text.find('\n').is_some_and(|at| text[..at].ends_with('\r'));
    if !crlf {
        return format_lf(text);
    }
    let formatted = format_lf(&text.replace("\r\n", "\n"))?;
    Ok(formatted.replace('\n', "\r\n"))
}

/// Format a source file with LF line endings.
fn format_lf(text: &str) -> Result<String, FormatError> {
    let (file, diagnostics) = crate::syntax::parse(text);
    if diagnostics.iter().any(|d| matches!(d.code, Code::Syntax | Code::TooDeep)) {
        return Err(FormatError::Syntax(diagnostics));
    }
    let comments = comments(text);
    let mut printer = Printer { src: text, comments: &comments, next: 0, out: String::new(), last_end: 0 };
    printer.file(&file);
    let out = printer.out;

    // The guard: the output must parse to the same tree with the same comments.
    let (reparsed, _) = crate::syntax::parse(&out);
    if shape(&reparsed) != shape(&file) {
        return Err(FormatError::Internal("the formatted text parses to a different syntax tree".into()));
    }
    let texts = |list: &[Comment]| list.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    if texts(&self::comments(&out)) != texts(&comments) {
        return Err(FormatError::Internal("the formatted text does not keep every comment".into()));
    }
    Ok(out)
}

/// A comment in the source: `# ...` or `// ...` to the end of the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// Where it is, the newline excluded.
    pub span: Span,
    /// Its text, trailing whitespace removed.
    pub text: String,
}

/// Every comment of `text`, in order. The grammar's comments are silent, so
/// they are recovered here with a scan that skips strings the way the
/// grammar reads them (a string ends at its closing quote or at the end of
/// the line).
pub fn comments(text: &str) -> Vec<Comment> {
    scan(text, 0, text.len())
        .filter_map(|piece| match piece {
            Piece::Comment(span) => Some(Comment { span, text: span.slice(text).trim_end().to_string() }),
            Piece::Code(..) => None,
        })
        .collect()
}

/// The syntax tree with every span blanked out: what the guard compares.
fn shape(file: &File) -> String {
    let debug = format!("{file:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span { start: ") {
        out.push_str(&rest[..at]);
        out.push_str("Span");
        rest = &rest[at..];
        rest = rest.find('}').map_or("", |close| &rest[close + 1..]);
    }
    out.push_str(rest);
    out
}

struct Printer<'a> {
    src: &'a str,
    comments: &'a [Comment],
    /// The first comment not yet printed.
    next: usize,
    out: String,
    /// Source offset of the end of the last thing printed, for blank lines.
    last_end: usize,
}

/// One unit printed on its own line(s): an item, an entry, an element of a
/// list or a map entry.
trait Unit {
    /// The unit's span as the parser gives it: for rules that end in an
    /// optional or repeated part (`param` without a default, `allow`), it
    /// runs on over the whitespace and comments that follow; see
    /// [`Printer::tight`].
    fn span(&self) -> Span;
    /// Comments before this offset are printed on their own lines before the
    /// unit (those inside a rule or between a key and its value included).
    fn hoist_until(&self, src: &str) -> usize;
}

impl Unit for Item {
    fn span(&self) -> Span {
        Item::span(self)
    }
    fn hoist_until(&self, src: &str) -> usize {
        match self {
            Item::Param(param) => param.default.as_ref().map_or(tight(src, param.span).end, |d| d.span.start),
            Item::Block(block) => lbrace(src, block),
        }
    }
}

impl Unit for Entry {
    fn span(&self) -> Span {
        Entry::span(self)
    }
    fn hoist_until(&self, src: &str) -> usize {
        match self {
            Entry::Attribute(attribute) => attribute.value.span.start,
            Entry::Block(block) => lbrace(src, block),
            Entry::Allow(rule) => tight(src, rule.span).end,
            Entry::Alarm(rule) => tight(src, rule.span).end,
        }
    }
}

impl Unit for Expr {
    fn span(&self) -> Span {
        self.span
    }
    fn hoist_until(&self, _: &str) -> usize {
        self.span.start
    }
}

impl Unit for MapEntry {
    fn span(&self) -> Span {
        self.key.span.to(self.value.span)
    }
    fn hoist_until(&self, _: &str) -> usize {
        self.value.span.start
    }
}

/// Offset of the `{` that opens a block: the first `{` after its head that
/// is not in a comment.
fn lbrace(src: &str, block: &Block) -> usize {
    let head_end = block.head_span().end;
    scan(src, head_end, block.span.end)
        .find_map(|piece| match piece {
            Piece::Code(at, b'{') => Some(at),
            _ => None,
        })
        .unwrap_or(head_end)
}

/// `span` without the whitespace and comments at its end.
fn tight(src: &str, span: Span) -> Span {
    let text = span.slice(src);
    let found = comments(text);
    let mut end = text.len();
    loop {
        end = text[..end].trim_end().len();
        match found.iter().find(|c| c.span.start < end && end <= c.span.end) {
            Some(comment) => end = comment.span.start,
            None => break,
        }
    }
    Span::new(span.start, span.start + end)
}

fn has_newline(src: &str, span: Span) -> bool {
    span.slice(src).contains('\n')
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// Whether consecutive units `a` then `b` break a run of aligned `=`: a
/// blank line or a comment line between them, or a comment that moves
/// before `b`.
fn breaks_run(src: &str, comments: &[Comment], a: Span, b_start: usize, b_hoist: usize) -> bool {
    let between = src.get(a.end..b_start).unwrap_or("");
    if between.matches('\n').count() >= 2 {
        return true;
    }
    comments.iter().any(|c| c.span.start > b_start && c.span.start < b_hoist)
}

impl<'a> Printer<'a> {
    fn slice(&self, span: Span) -> &'a str {
        span.slice(self.src)
    }

    fn column(&self) -> usize {
        width(self.out.rsplit('\n').next().unwrap_or(""))
    }

    /// Start a new line at `indent` for something at source offset `at`,
    /// after a blank line when the source has one there (and `blank_ok`).
    fn line(&mut self, indent: usize, at: usize, blank_ok: bool) {
        if !self.out.is_empty() {
            let between = self.src.get(self.last_end..at).unwrap_or("");
            if blank_ok && between.matches('\n').count() >= 2 {
                self.out.push('\n');
            }
            self.out.push('\n');
        }
        for _ in 0..indent {
            self.out.push_str("  ");
        }
    }

    /// Print the comments that start before `until` on their own lines.
    /// `first` says whether the next line is the first of a body (no blank
    /// line before it); returns whether it still is.
    fn leading_comments(&mut self, until: usize, indent: usize, mut first: bool) -> bool {
        while let Some(comment) = self.comments.get(self.next).filter(|c| c.span.start < until) {
            self.line(indent, comment.span.start, !first);
            self.out.push_str(&comment.text);
            self.last_end = comment.span.end;
            self.next += 1;
            first = false;
        }
        first
    }

    /// Print the comment that follows `end` on the same line, if any, after
    /// two spaces.
    fn trailing_comment(&mut self, end: usize) {
        let Some(comment) = self.comments.get(self.next) else { return };
        let between = self.src.get(end..comment.span.start).unwrap_or("\n");
        if comment.span.start >= end && between.chars().all(|c| c == ' ' || c == '\t' || c == '\r' || c == ',') {
            self.out.push_str("  ");
            self.out.push_str(&comment.text);
            self.last_end = comment.span.end;
            self.next += 1;
        }
    }

    fn file(&mut self, file: &File) {
        let mut first = true;
        for item in &file.items {
            first = self.leading_comments(item.hoist_until(self.src), 0, first);
            self.line(0, item.span().start, !first);
            first = false;
            match item {
                Item::Param(param) => self.param(param),
                Item::Block(block) => self.block(block, 0, 0),
            }
            let end = tight(self.src, item.span()).end;
            self.last_end = end;
            self.trailing_comment(end);
        }
        self.leading_comments(usize::MAX, 0, first);
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    fn param(&mut self, param: &ParamDecl) {
        let head = format!("param {} : {}", self.slice(param.name.span), self.slice(param.ty.span));
        self.out.push_str(&head);
        if let Some(default) = &param.default {
            self.out.push_str(" = ");
            self.expr(default, 0, 0);
        }
    }

    /// A block at `indent`, followed on its line by `suffix` columns.
    fn block(&mut self, block: &Block, indent: usize, suffix: usize) {
        let has_nested = block.entries.iter().any(|e| matches!(e, Entry::Block(_)));
        let comments_inside = self.comments.get(self.next).is_some_and(|c| c.span.start < block.span.end);
        let empty = block.entries.is_empty() && !comments_inside;
        if empty || (!has_newline(self.src, block.span) && !has_nested) {
            let inline = self.inline_block(block);
            if empty || self.column() + width(&inline) + suffix <= MAX_WIDTH {
                self.out.push_str(&inline);
                return;
            }
        }
        let head = self.head(block);
        self.out.push_str(&head);
        self.out.push_str(" {");
        let open = lbrace(self.src, block) + 1;
        self.last_end = open;
        self.trailing_comment(open);
        let close = block.span.end.saturating_sub(1);
        self.units(&block.entries, indent + 1, close, |printer, entry, pad| printer.entry(entry, indent + 1, pad));
        self.line(indent, close, false);
        self.out.push('}');
    }

    /// Print `units` one per line at `indent`, then the comments before
    /// `close`. `print` prints one unit given the width to pad keys to.
    fn units<U: Unit + Keyed>(
        &mut self,
        units: &[U],
        indent: usize,
        close: usize,
        mut print: impl FnMut(&mut Self, &U, usize),
    ) {
        let pads = self.key_pads(units);
        let mut first = true;
        for (unit, pad) in units.iter().zip(pads) {
            first = self.leading_comments(unit.hoist_until(self.src), indent, first);
            self.line(indent, unit.span().start, !first);
            first = false;
            print(self, unit, pad);
            let end = tight(self.src, unit.span()).end;
            self.last_end = end;
            self.trailing_comment(end);
        }
        self.leading_comments(close, indent, first);
    }

    /// For each unit, the width its key is padded to: the widest key of its
    /// run of keyed units; 0 for units without a key.
    fn key_pads<U: Unit + Keyed>(&self, units: &[U]) -> Vec<usize> {
        let mut pads = vec![0; units.len()];
        let mut start = 0;
        while start < units.len() {
            if units[start].key(self.src).is_none() {
                start += 1;
                continue;
            }
            let mut end = start + 1;
            while end < units.len()
                && units[end].key(self.src).is_some()
                && !breaks_run(
                    self.src,
                    self.comments,
                    tight(self.src, units[end - 1].span()),
                    units[end].span().start,
                    units[end].hoist_until(self.src),
                )
            {
                end += 1;
            }
            let widest = units[start..end].iter().filter_map(|u| u.key(self.src)).map(width).max().unwrap_or(0);
            pads[start..end].fill(widest);
            start = end;
        }
        pads
    }

    fn entry(&mut self, entry: &Entry, indent: usize, pad: usize) {
        match entry {
            Entry::Attribute(attribute) => {
                let key = self.slice(attribute.key.span);
                self.out.push_str(key);
                self.out.push_str(&" ".repeat(pad.saturating_sub(width(key))));
                self.out.push_str(" = ");
                self.expr(&attribute.value, indent, 0);
            }
            Entry::Block(block) => self.block(block, indent, 0),
            Entry::Allow(_) | Entry::Alarm(_) => {
                let text = self.inline_entry(entry);
                self.out.push_str(&text);
            }
        }
    }

    /// A value at `indent`, followed on its line by `suffix` columns.
    fn expr(&mut self, expr: &Expr, indent: usize, suffix: usize) {
        let (open, close, count) = match &expr.kind {
            ExprKind::List(items) => ("[", "]", items.len()),
            ExprKind::Map(entries) => ("{", "}", entries.len()),
            ExprKind::Call { args, .. } => ("(", ")", args.len()),
            _ => {
                let text = self.slice(expr.span).to_string();
                self.out.push_str(&text);
                return;
            }
        };
        let comments_inside = self.comments.get(self.next).is_some_and(|c| c.span.start < expr.span.end);
        let empty = count == 0 && !comments_inside;
        if empty || !has_newline(self.src, expr.span) {
            let inline = self.inline_expr(expr);
            let is_call = matches!(expr.kind, ExprKind::Call { .. });
            if empty || is_call || self.column() + width(&inline) + suffix <= MAX_WIDTH {
                self.out.push_str(&inline);
                return;
            }
        }
        // One element per line.
        let open_at = match &expr.kind {
            ExprKind::Call { name, .. } => {
                let name = self.slice(name.span).to_string();
                self.out.push_str(&name);
                self.src[name_end(expr)..].find('(').map_or(expr.span.start, |i| name_end(expr) + i)
            }
            _ => expr.span.start,
        };
        self.out.push_str(open);
        self.last_end = open_at + 1;
        self.trailing_comment(open_at + 1);
        let end = expr.span.end.saturating_sub(1);
        match &expr.kind {
            ExprKind::List(items) | ExprKind::Call { args: items, .. } => {
                self.units(items, indent + 1, end, |printer, item, _| {
                    printer.expr(item, indent + 1, 1);
                    printer.out.push(',');
                });
            }
            ExprKind::Map(entries) => {
                self.units(entries, indent + 1, end, |printer, entry, pad| {
                    let key = printer.slice(entry.key.span).to_string();
                    printer.out.push_str(&key);
                    printer.out.push_str(&" ".repeat(pad.saturating_sub(width(&key))));
                    printer.out.push_str(" = ");
                    printer.expr(&entry.value, indent + 1, 0);
                });
            }
            _ => {}
        }
        self.line(indent, end, false);
        self.out.push_str(close);
    }

    fn head(&self, block: &Block) -> String {
        match &block.label {
            Some(label) => format!("{} {}", self.slice(block.kind.span), self.slice(label.span)),
            None => self.slice(block.kind.span).to_string(),
        }
    }

    fn inline_block(&self, block: &Block) -> String {
        if block.entries.is_empty() {
            return format!("{} {{}}", self.head(block));
        }
        let entries: Vec<String> = block.entries.iter().map(|e| self.inline_entry(e)).collect();
        format!("{} {{ {} }}", self.head(block), entries.join(", "))
    }

    fn inline_entry(&self, entry: &Entry) -> String {
        match entry {
            Entry::Attribute(attribute) => {
                format!("{} = {}", self.slice(attribute.key.span), self.inline_expr(&attribute.value))
            }
            Entry::Block(block) => self.inline_block(block),
            Entry::Allow(rule) => {
                let ports: Vec<String> = rule
                    .ports
                    .iter()
                    .map(|port| match port {
                        PortSpec::Service(ident) => self.slice(ident.span).to_string(),
                        PortSpec::Range { protocol, range_span, .. } => {
                            format!("{} {}", self.slice(protocol.span), self.slice(*range_span))
                        }
                    })
                    .collect();
                let sources: Vec<&str> = rule
                    .sources
                    .iter()
                    .map(|source| match source {
                        SourceSpec::Name(ident) => self.slice(ident.span),
                        SourceSpec::Cidr { span, .. } => self.slice(*span),
                    })
                    .collect();
                format!("allow {} from {}", ports.join(", "), sources.join(", "))
            }
            Entry::Alarm(rule) => format!(
                "alarm {} {} {} for {}",
                self.slice(rule.target_span),
                rule.comparator.as_str(),
                self.slice(rule.threshold_span),
                self.slice(rule.duration_span)
            ),
        }
    }

    fn inline_expr(&self, expr: &Expr) -> String {
        match &expr.kind {
            ExprKind::List(items) => {
                format!("[{}]", items.iter().map(|i| self.inline_expr(i)).collect::<Vec<_>>().join(", "))
            }
            ExprKind::Map(entries) if entries.is_empty() => "{}".to_string(),
            ExprKind::Map(entries) => format!(
                "{{ {} }}",
                entries
                    .iter()
                    .map(|e| format!("{} = {}", self.slice(e.key.span), self.inline_expr(&e.value)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Call { name, args } => format!(
                "{}({})",
                self.slice(name.span),
                args.iter().map(|a| self.inline_expr(a)).collect::<Vec<_>>().join(", ")
            ),
            _ => self.slice(expr.span).to_string(),
        }
    }
}

fn name_end(expr: &Expr) -> usize {
    match &expr.kind {
        ExprKind::Call { name, .. } => name.span.end,
        _ => expr.span.start,
    }
}

/// Units that may carry a key whose `=` is aligned with its neighbours'.
trait Keyed {
    fn key<'s>(&self, src: &'s str) -> Option<&'s str>;
}

impl Keyed for Entry {
    fn key<'s>(&self, src: &'s str) -> Option<&'s str> {
        match self {
            Entry::Attribute(attribute) => Some(attribute.key.span.slice(src)),
            _ => None,
        }
    }
}

impl Keyed for MapEntry {
    fn key<'s>(&self, src: &'s str) -> Option<&'s str> {
        Some(self.key.span.slice(src))
    }
}

impl Keyed for Expr {
    fn key<'s>(&self, _: &'s str) -> Option<&'s str> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(text: &str) -> String {
        let out = format(text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(format(&out).as_deref(), Ok(out.as_str()), "not idempotent:\n{out}");
        out
    }

    #[test]
    fn canonical_layout() {
        let input = "deployment \"d\"{region=\"us-east-1\"\nzones=[\"a\",\"b\",]\n  moodle = \"4.5\",profile=prod}\n\n\n\nnetwork main {cidr=10.0.0.0/16\n tier app{kind=private,cidrs=[10.0.10.0/24,10.0.11.0/24]}}\n";
        assert_eq!(
            fmt(input),
            "deployment \"d\" {\n  region  = \"us-east-1\"\n  zones   = [\"a\", \"b\"]\n  moodle  = \"4.5\"\n  profile = prod\n}\n\nnetwork main {\n  cidr = 10.0.0.0/16\n  tier app { kind = private, cidrs = [10.0.10.0/24, 10.0.11.0/24] }\n}\n"
        );
    }

    #[test]
    fn comments_are_kept() {
        let input = "# header\n\n# about the group\nsecurity_group web { allow http from alb }   # trailing\n\nmonitoring { # after brace\n  notify = \"a@b.cd\" // slashes\n\n  # before an alarm\n  alarm front.target_5xx > 10 for 5m\n  # at the end\n}\n# last\n";
        assert_eq!(
            fmt(input),
            "# header\n\n# about the group\nsecurity_group web { allow http from alb }  # trailing\n\nmonitoring {  # after brace\n  notify = \"a@b.cd\"  // slashes\n\n  # before an alarm\n  alarm front.target_5xx > 10 for 5m\n  # at the end\n}\n# last\n"
        );
    }

    #[test]
    fn comments_inside_lists_and_rules() {
        let input = "vpn v {\n  routes = [ # corporate\n    10.1.0.0/16, # one\n    // two\n    10.2.0.0/16\n  ]\n  reach # moved\n    = [app]\n}\nsecurity_group g {\n  allow https, # a\n    http from internet\n}\n";
        assert_eq!(
            fmt(input),
            "vpn v {\n  routes = [  # corporate\n    10.1.0.0/16,  # one\n    // two\n    10.2.0.0/16,\n  ]\n  # moved\n  reach = [app]\n}\nsecurity_group g {\n  # a\n  allow https, http from internet\n}\n"
        );
    }

    #[test]
    fn long_lines_break_and_strings_keep_their_text() {
        let long: Vec<String> = (0..12).map(|i| format!("10.{i}.0.0/16")).collect();
        let input = format!("vpn v {{ routes = [{}], name = \"a # not a comment \\\" // \" }}\n", long.join(", "));
        let out = fmt(&input);
        assert!(out.starts_with("vpn v {\n  routes = [\n    10.0.0.0/16,\n"), "{out}");
        assert!(out.contains("  name   = \"a # not a comment \\\" // \"\n"), "{out}");
        assert!(out.lines().all(|line| line.chars().count() <= MAX_WIDTH));
    }

    #[test]
    fn maps_calls_params_and_empty_things() {
        let input = "param size : number = 100\nparam tags:string\ndeployment \"d\" {\n  tags = {\n    A = \"1\", \"Long key\" = \"2\"\n  }\n  empty = {\n  }\n  list = [\n  ]\n}\ndatabase db { engine = mysql( \"8.0\" ) }\nobject_storage b {\n}\n";
        assert_eq!(
            fmt(input),
            "param size : number = 100\nparam tags : string\ndeployment \"d\" {\n  tags  = {\n    A          = \"1\"\n    \"Long key\" = \"2\"\n  }\n  empty = {}\n  list  = []\n}\ndatabase db { engine = mysql(\"8.0\") }\nobject_storage b {}\n"
        );
    }

    #[test]
    fn rules_that_end_in_a_repetition_keep_their_trailing_comments() {
        let input = "param a : string   # why\n\nparam b : number\nsecurity_group g {\n  allow https from internet # open\n\n  allow tcp 8080 from web\n}\n";
        assert_eq!(
            fmt(input),
            "param a : string  # why\n\nparam b : number\nsecurity_group g {\n  allow https from internet  # open\n\n  allow tcp 8080 from web\n}\n"
        );
    }

    #[test]
    fn syntax_errors_are_refused() {
        let Err(FormatError::Syntax(diagnostics)) = format("network main {\n  cidr = = \n}\n") else {
            panic!("formatted a broken file")
        };
        assert!(diagnostics.iter().any(|d| d.code == Code::Syntax));
    }

    #[test]
    fn empty_and_comment_only_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("\n\n  \n"), "");
        assert_eq!(fmt("# a\n\n\n// b  \r\n"), "# a\n\n// b\n");
    }

    #[test]
    fn comment_scan_skips_strings() {
        let found = comments("a = \"# no\" # yes\nb = \"// no\\\"#\" // yes too\nc = 10.0.0.0/16");
        let texts: Vec<&str> = found.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["# yes", "// yes too"]);
    }

    #[test]
    fn crlf_files_keep_their_line_endings() {
        let lf = "network main {\n  cidr = 10.0.0.0/16  # the VPC\n}\n";
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(format(&crlf), Ok(crlf.clone()), "a canonical CRLF file is left as it is");
        let messy = "network   main {\r\ncidr=10.0.0.0/16 # the VPC\r\n}\r\n";
        assert_eq!(format(messy), Ok(crlf.clone()));
        assert_eq!(format(lf), Ok(lf.to_string()));
    }
}
