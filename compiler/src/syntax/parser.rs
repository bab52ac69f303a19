//! The parser: pest does the recognising, this module turns pest's pairs into
//! the [`ast`](super::ast) and its errors into coded diagnostics.
//!
//! Recovery works item by item. The parser reads one top-level item at a
//! time from the current offset; when an item fails, it reports the error
//! and resumes at the next line that starts a top-level block (`network`,
//! `database`, ...). One run therefore reports an error in every broken
//! block, and every intact block still reaches the checker.
//!
//! Nesting depth is bounded before pest sees the text: brackets nested deeper
//! than [`MAX_DEPTH`] are reported (MHA003) and blanked out, so no input can
//! exhaust the stack.

use super::ast::*;
use super::scan::{Piece, scan};
use crate::diagnostics::{Code, Diagnostic};
use crate::span::Span;
use pest::Parser as _;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/mhac.pest"]
struct MhacParser;

/// Brackets (`{`, `[`, `(`) may nest this deep; deeper input is an error.
pub const MAX_DEPTH: usize = 32;

/// The words that start a top-level block, where recovery resumes.
pub const TOP_LEVEL_KEYWORDS: &[&str] = &[
    "deployment",
    "param",
    "network",
    "vpn",
    "security_group",
    "load_balancer",
    "app_servers",
    "database",
    "file_system",
    "cache",
    "object_storage",
    "monitoring",
    "site",
    "state",
];

/// Parse a whole file. Never fails: syntax errors come back as diagnostics
/// beside the items that did parse.
pub fn parse(text: &str) -> (File, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let bounded = bound_nesting(text, &mut diagnostics);
    let text = bounded.as_deref().unwrap_or(text);
    let mut items = Vec::new();
    let mut broken = Vec::new();
    let mut pos = skip_trivia(text, 0);
    while pos < text.len() {
        let rest = &text[pos..];
        match MhacParser::parse(Rule::item_start, rest) {
            Ok(mut pairs) => {
                let Some(item_pair) = pairs.next().and_then(|start| start.into_inner().next()) else {
                    break;
                };
                let end = pos + item_pair.as_span().end();
                let mut builder = Builder { base: pos, diagnostics: &mut diagnostics };
                if let Some(item) = builder.item(item_pair) {
                    items.push(item);
                }
                pos = skip_trivia(text, end.max(pos + 1));
            }
            Err(error) => {
                let error_pos = pos + error_offset(&error);
                diagnostics.push(syntax_diagnostic(text, pos, error_pos, &error));
                broken.extend(item_head(text, pos));
                pos = resync(text, pos, error_pos);
            }
        }
    }
    (File { items, broken }, diagnostics)
}

/// The first word of the item at `pos` and the name after it, if any.
fn item_head(text: &str, pos: usize) -> Option<BrokenItem> {
    let word = |at: usize| -> Option<Ident> {
        let rest = &text[at..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        let len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        Some(Ident { text: rest[..len].to_string(), span: Span::new(at, at + len) })
    };
    let kind = word(pos)?;
    let after = pos + kind.text.len();
    let at = after + text[after..].len() - text[after..].trim_start_matches([' ', '\t']).len();
    let label = if text[at..].starts_with('"') {
        text[at + 1..]
            .find(['"', '\n'])
            .filter(|end| text[at + 1 + end..].starts_with('"'))
            .map(|end| Ident { text: text[at + 1..at + 1 + end].to_string(), span: Span::new(at, at + end + 2) })
    } else {
        word(at).filter(|w| !["allow", "alarm", "from", "for", "true", "false"].contains(&w.text.as_str()))
    };
    Some(BrokenItem { kind, label })
}

/// The byte offset (into the parsed slice) where pest failed.
fn error_offset(error: &pest::error::Error<Rule>) -> usize {
    match error.location {
        pest::error::InputLocation::Pos(pos) => pos,
        pest::error::InputLocation::Span((start, _)) => start,
    }
}

/// Skip whitespace and comments from `pos`.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => pos = line_end(text, pos),
            b'/' if bytes.get(pos + 1) == Some(&b'/') => pos = line_end(text, pos),
            0xEF if text[pos..].starts_with('\u{FEFF}') => pos += '\u{FEFF}'.len_utf8(),
            _ => break,
        }
    }
    pos
}

/// Offset of the newline ending the line that holds `pos` (or the text's end).
fn line_end(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i)
}

/// Where to resume after an item that starts at `item_start` failed at
/// `error_pos`: the first line at or after the error's line whose first word
/// is a top-level keyword, past the failed item's start. The end of the text
/// when there is none.
fn resync(text: &str, item_start: usize, error_pos: usize) -> usize {
    let mut line_start = text[..error_pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    while line_start < text.len() {
        let first = line_start + text[line_start..].len() - text[line_start..].trim_start_matches([' ', '\t']).len();
        if first > item_start && starts_top_level(&text[first..]) {
            return first;
        }
        line_start = line_end(text, line_start) + 1;
    }
    text.len()
}

/// Whether `rest` starts a top-level item: a block keyword, an optional
/// label and `{` (`network main {`, `deployment "x" {`, `monitoring {`), or
/// `param NAME :`. An attribute that happens to share a block's name
/// (`network = main` in a vpn, `security_group = db`) does not count.
fn starts_top_level(rest: &str) -> bool {
    let skip_space = |s: &str| -> usize { s.len() - s.trim_start_matches([' ', '\t', '\r', '\n']).len() };
    let name_len = |s: &str| -> usize {
        if s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len())
        } else {
            0
        }
    };
    let keyword_len = name_len(rest);
    let keyword = &rest[..keyword_len];
    if !TOP_LEVEL_KEYWORDS.contains(&keyword) {
        return false;
    }
    let mut at = keyword_len + skip_space(&rest[keyword_len..]);
    if keyword == "param" {
        let name = name_len(&rest[at..]);
        if name == 0 {
            return false;
        }
        at += name;
        at += skip_space(&rest[at..]);
        return rest[at..].starts_with(':');
    }
    if rest[at..].starts_with('"') {
        match rest[at + 1..].find(['"', '\n']) {
            Some(end) if rest[at + 1 + end..].starts_with('"') => at += end + 2,
            _ => return false,
        }
    } else {
        at += name_len(&rest[at..]);
    }
    at += skip_space(&rest[at..]);
    rest[at..].starts_with('{')
}

/// Find brackets nested deeper than [`MAX_DEPTH`]; report the first and
/// return a copy of the text with the too-deep brackets replaced by spaces
/// (byte offsets unchanged). `None` when the text is within bounds.
fn bound_nesting(text: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let mut depth = 0usize;
    let mut blank = Vec::new();
    for piece in scan(text, 0, text.len()) {
        match piece {
            Piece::Code(i, b'{' | b'[' | b'(') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    blank.push(i);
                }
            }
            Piece::Code(i, b'}' | b']' | b')') => {
                if depth > MAX_DEPTH {
                    blank.push(i);
                }
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
    }
    let first = *blank.first()?;
    diagnostics.push(
        Diagnostic::new(Code::TooDeep, format!("brackets nested more than {MAX_DEPTH} deep"))
            .primary(Span::new(first, first + 1), "this bracket is too deep")
            .help(format!("mhac files nest blocks, lists and maps at most {MAX_DEPTH} levels deep; flatten the value")),
    );
    let mut bytes = text.as_bytes().to_vec();
    for i in blank {
        bytes[i] = b' ';
    }
    // Only ASCII brackets were replaced by ASCII spaces, so the text is
    // still valid UTF-8; fall back to the lossy conversion all the same.
    Some(String::from_utf8(bytes).unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned()))
}

/// Describe a grammar rule in the language's own words.
fn describe_rule(rule: Rule) -> &'static str {
    match rule {
        Rule::file | Rule::item_start | Rule::item | Rule::block | Rule::top_word => {
            "a top-level block such as `network` or `database`"
        }
        Rule::param_decl | Rule::kw_param => "`param`",
        Rule::nested_block => "a block",
        Rule::label => "a label (a name or a string)",
        Rule::body | Rule::entry => "an attribute (`key = value`) or a block",
        Rule::attribute => "an attribute (`key = value`)",
        Rule::allow_rule | Rule::kw_allow => "an `allow` rule",
        Rule::port_spec => "a service (`https`, `mysql`, ...) or `tcp PORT`",
        Rule::protocol => "`tcp` or `udp`",
        Rule::port_range => "a port or a port range (`8000-8090`)",
        Rule::source => "a source (a security group, `internet`, or a CIDR block)",
        Rule::alarm_rule | Rule::kw_alarm => "an `alarm` rule",
        Rule::comparator => "a comparison (`>`, `>=`, `<` or `<=`)",
        Rule::expr => "a value",
        Rule::list => "a list",
        Rule::map => "a map",
        Rule::map_entry => "a map entry (`Key = value`)",
        Rule::map_key => "a map key",
        Rule::call => "a function call",
        Rule::reference => "a name",
        Rule::cidr => "a CIDR block",
        Rule::ip => "an IP address",
        Rule::duration => "a duration (`30s`, `5m`, `1h`, `1d`)",
        Rule::number => "a number",
        Rule::boolean => "`true` or `false`",
        Rule::string | Rule::string_inner => "a string",
        Rule::ident | Rule::keyword_key => "a name",
        Rule::kw_from => "`from`",
        Rule::kw_for => "`for`",
        Rule::lbrace => "`{`",
        Rule::rbrace => "`}`",
        Rule::lbracket => "`[`",
        Rule::rbracket => "`]`",
        Rule::lparen => "`(`",
        Rule::rparen => "`)`",
        Rule::equals => "`=`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::EOI => "the end of the file",
        Rule::WHITESPACE | Rule::COMMENT => "a space",
        Rule::ident_char => "a letter, digit or `_`",
        Rule::keyword | Rule::top_keyword => "a keyword",
    }
}

/// Join descriptions as "a, b or c".
fn join_or(words: &[&str]) -> String {
    match words {
        [] => "something else".to_string(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The span and description of the token at `pos`.
fn found_token(text: &str, pos: usize) -> (Span, String) {
    let rest = &text[pos..];
    let Some(first) = rest.chars().next() else {
        return (Span::at(text.len()), "the end of the file".to_string());
    };
    if first == '\n' || first == '\r' {
        return (Span::new(pos, pos + 1), "the end of the line".to_string());
    }
    let word_len =
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '/')).unwrap_or(rest.len());
    let len = if word_len > 0 { word_len } else { first.len_utf8() };
    let token = &rest[..len];
    let shown: String = token.chars().take(40).collect();
    let shown = shown.escape_debug().to_string();
    (Span::new(pos, pos + len), format!("`{shown}`"))
}

/// Turn a pest error into an MHA001 diagnostic in the language's words.
fn syntax_diagnostic(text: &str, item_start: usize, error_pos: usize, error: &pest::error::Error<Rule>) -> Diagnostic {
    let (found_span, found) = found_token(text, error_pos);
    let mut expected: Vec<&str> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            positives.iter().map(|rule| describe_rule(*rule)).collect()
        }
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    expected.sort_unstable();
    expected.dedup();
    let expects_close = expected.contains(&"`}`");

    // An unterminated string reads best as exactly that.
    if text[error_pos..].starts_with('"') && !text[error_pos + 1..line_end(text, error_pos)].contains('"') {
        return Diagnostic::new(Code::Syntax, "unterminated string")
            .primary(Span::new(error_pos, line_end(text, error_pos)), "this string has no closing quote")
            .help("close the string with `\"` on the same line");
    }

    if (expected.contains(&"`=`") || expected.contains(&"`{`"))
        && let Some(diagnostic) = missing_equals(text, item_start, error_pos)
    {
        return diagnostic;
    }

    if expects_close && starts_top_level(&text[error_pos..]) {
        let mut diagnostic = Diagnostic::new(Code::Syntax, format!("unclosed block: expected `}}` before {found}"))
            .primary(found_span, "a new top-level block starts here");
        if let Some(open) = innermost_open_brace(text, item_start, error_pos) {
            diagnostic = diagnostic.secondary(Span::new(open, open + 1), "this `{` is never closed");
        }
        return diagnostic.help("close the block with `}` before the next top-level block");
    }
    let message = if expected.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&expected))
    };
    let mut diagnostic = Diagnostic::new(Code::Syntax, message).primary(found_span, format!("unexpected {found}"));
    if let Some(open) = innermost_open_brace(text, item_start, error_pos) {
        diagnostic = diagnostic.secondary(Span::new(open, open + 1), "in the block opened here");
    }
    let help = if expected.contains(&"a value") {
        "a value is a string (\"...\"), a number, `true`/`false`, a CIDR block (10.0.0.0/16), an IP address, a duration (5m), a list [...], a map { ... } or a name".to_string()
    } else if expected.contains(&"`=`") {
        "an attribute is written `key = value`; a block is written `kind name { ... }`".to_string()
    } else if expected.iter().any(|e| e.starts_with("a top-level block")) {
        format!("a file is a sequence of blocks: {}", TOP_LEVEL_KEYWORDS.join(", "))
    } else {
        format!("write {} here", join_or(&expected))
    };
    diagnostic.help(help)
}

/// `class "db.r6g.large"` or `cidr 10.0.0.0/16`: a key and a value on one
/// line with no `=` between them. pest reports these at the token after the
/// value (it tried to read a nested block), which reads poorly; say what is
/// missing instead.
fn missing_equals(text: &str, item_start: usize, error_pos: usize) -> Option<Diagnostic> {
    // The line holding the last token before the error.
    let before = text[item_start..error_pos].trim_end();
    if before.is_empty() {
        return None;
    }
    // `before` ends at a character boundary (it may end with a multi-byte
    // character, in a comment): slice up to it, never one byte into it.
    let before_end = item_start + before.len();
    let line_start = text[..before_end].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..line_end(text, line_start)];
    if line.contains(['#', '=', '{', '}']) || line.contains("//") {
        return None;
    }
    let indent = line.len() - line.trim_start().len();
    let code = line.trim();
    let key_len = code.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(code.len());
    let (key, rest) = code.split_at(key_len);
    let value = rest.trim_start();
    let keywords = ["allow", "alarm", "param", "from", "for", "true", "false"];
    if key.is_empty()
        || !key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        || value.is_empty()
        || !rest.starts_with([' ', '\t'])
        || value.starts_with([',', ':', '.', '(', '[', ']', ')'])
        || keywords.contains(&key)
        || crate::schema::block(key).is_some()
    {
        return None;
    }
    let key_start = line_start + indent;
    let value_start = key_start + key_len + (rest.len() - value.len());
    Some(
        Diagnostic::new(Code::Syntax, format!("missing `=` between `{key}` and its value"))
            .primary(Span::new(key_start, key_start + key_len), "expected `=` after this")
            .secondary(Span::new(value_start, value_start + value.len()), "the value")
            .help(format!("write `{key} = {value}`")),
    )
}

/// The innermost `{` opened between `start` and `end` and not closed before
/// `end` (strings and comments skipped).
fn innermost_open_brace(text: &str, start: usize, end: usize) -> Option<usize> {
    let mut stack = Vec::new();
    for piece in scan(text, start, end) {
        match piece {
            Piece::Code(i, b'{') => stack.push(i),
            Piece::Code(_, b'}') => {
                stack.pop();
            }
            _ => {}
        }
    }
    stack.pop()
}

/// Builds AST nodes from pest pairs, shifting spans by `base` (the offset of
/// the slice that was parsed) and reporting value-level problems.
struct Builder<'d> {
    base: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl Builder<'_> {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(self.base + span.start(), self.base + span.end())
    }

    /// The span of a rule that ends in an optional or repeated part: pest
    /// skips the whitespace and comments before trying that part and keeps
    /// them when it is absent, so the rule's own span can run on over them.
    /// This span ends where its last token ends.
    fn tight_span(&self, pair: &Pair<'_, Rule>) -> Span {
        fn last_token_end(pair: Pair<'_, Rule>) -> usize {
            // A string's last child is its text, which stops before the
            // closing quote: the string itself is the last token.
            match pair.clone().into_inner().last() {
                Some(child) if pair.as_rule() != Rule::string => last_token_end(child),
                _ => pair.as_span().end(),
            }
        }
        let span = self.span(pair);
        Span::new(span.start, self.base + last_token_end(pair.clone()))
    }

    fn ident(&self, pair: Pair<'_, Rule>) -> Ident {
        Ident { text: pair.as_str().to_string(), span: self.span(&pair) }
    }

    fn item(&mut self, pair: Pair<'_, Rule>) -> Option<Item> {
        let inner = pair.into_inner().next()?;
        match inner.as_rule() {
            Rule::param_decl => self.param(inner).map(Item::Param),
            Rule::block => self.block(inner).map(Item::Block),
            _ => None,
        }
    }

    fn param(&mut self, pair: Pair<'_, Rule>) -> Option<ParamDecl> {
        let span = self.tight_span(&pair);
        let mut name = None;
        let mut ty = None;
        let mut default = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::ident if name.is_none() => name = Some(self.ident(part)),
                Rule::ident => ty = Some(self.ident(part)),
                Rule::expr => default = self.expr(part),
                _ => {}
            }
        }
        Some(ParamDecl { name: name?, ty: ty?, default, span })
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Option<Block> {
        let span = self.span(&pair);
        let mut kind = None;
        let mut label = None;
        let mut entries = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::ident => kind = Some(self.ident(part)),
                Rule::label => label = self.label(part),
                Rule::body => {
                    for entry in part.into_inner().filter(|p| p.as_rule() == Rule::entry) {
                        if let Some(entry) = self.entry(entry) {
                            entries.push(entry);
                        }
                    }
                }
                _ => {}
            }
        }
        Some(Block { kind: kind?, label, entries, span })
    }

    fn label(&mut self, pair: Pair<'_, Rule>) -> Option<Label> {
        let span = self.span(&pair);
        let inner = pair.into_inner().next()?;
        match inner.as_rule() {
            Rule::ident => Some(Label { text: inner.as_str().to_string(), span, quoted: false }),
            Rule::string => Some(Label { text: self.string(inner), span, quoted: true }),
            _ => None,
        }
    }

    fn entry(&mut self, pair: Pair<'_, Rule>) -> Option<Entry> {
        let inner = pair.into_inner().next()?;
        match inner.as_rule() {
            Rule::attribute => {
                let span = self.span(&inner);
                let mut parts = inner.into_inner();
                let key = self.ident(parts.next()?);
                let value = parts.find(|p| p.as_rule() == Rule::expr).and_then(|p| self.expr(p))?;
                Some(Entry::Attribute(Attribute { key, value, span }))
            }
            Rule::nested_block => self.block(inner).map(Entry::Block),
            Rule::allow_rule => self.allow(inner).map(Entry::Allow),
            Rule::alarm_rule => self.alarm(inner).map(Entry::Alarm),
            _ => None,
        }
    }

    fn allow(&mut self, pair: Pair<'_, Rule>) -> Option<AllowRule> {
        let span = self.tight_span(&pair);
        let mut ports = Vec::new();
        let mut sources = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::port_spec => {
                    let port_span = self.span(&part);
                    let mut inner = part.into_inner();
                    let first = inner.next()?;
                    if first.as_rule() == Rule::protocol {
                        let range = inner.next()?;
                        ports.push(PortSpec::Range {
                            protocol: self.ident(first),
                            range: range.as_str().to_string(),
                            range_span: self.span(&range),
                            span: port_span,
                        });
                    } else {
                        ports.push(PortSpec::Service(self.ident(first)));
                    }
                }
                Rule::source => {
                    let inner = part.into_inner().next()?;
                    sources.push(match inner.as_rule() {
                        Rule::cidr => SourceSpec::Cidr { text: inner.as_str().to_string(), span: self.span(&inner) },
                        _ => SourceSpec::Name(self.ident(inner)),
                    });
                }
                _ => {}
            }
        }
        Some(AllowRule { ports, sources, span })
    }

    fn alarm(&mut self, pair: Pair<'_, Rule>) -> Option<AlarmRule> {
        let span = self.span(&pair);
        let mut target = Vec::new();
        let mut target_span = Span::default();
        let mut comparator = None;
        let mut threshold = None;
        let mut duration = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::reference => {
                    target_span = self.span(&part);
                    target = part.into_inner().map(|p| self.ident(p)).collect();
                }
                Rule::comparator => {
                    let op = match part.as_str() {
                        ">=" => Comparator::GreaterOrEqual,
                        "<=" => Comparator::LessOrEqual,
                        "<" => Comparator::Less,
                        _ => Comparator::Greater,
                    };
                    comparator = Some((op, self.span(&part)));
                }
                Rule::number => threshold = Some((part.as_str().parse::<f64>().unwrap_or(f64::NAN), self.span(&part))),
                Rule::duration => duration = Some((duration_seconds(part.as_str()), self.span(&part))),
                _ => {}
            }
        }
        let (comparator, comparator_span) = comparator?;
        let (threshold, threshold_span) = threshold?;
        let (duration_seconds, duration_span) = duration?;
        Some(AlarmRule {
            target,
            target_span,
            comparator,
            comparator_span,
            threshold,
            threshold_span,
            duration_seconds,
            duration_span,
            span,
        })
    }

    fn expr(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let inner = pair.into_inner().next()?;
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::list => ExprKind::List(
                inner.into_inner().filter(|p| p.as_rule() == Rule::expr).filter_map(|p| self.expr(p)).collect(),
            ),
            Rule::map => {
                let mut entries = Vec::new();
                for entry in inner.into_inner().filter(|p| p.as_rule() == Rule::map_entry) {
                    let mut parts = entry.into_inner();
                    let Some(key_pair) = parts.next().and_then(|k| k.into_inner().next()) else { continue };
                    let key = match key_pair.as_rule() {
                        Rule::string => Ident { span: self.span(&key_pair), text: self.string(key_pair) },
                        _ => self.ident(key_pair),
                    };
                    let Some(value) = parts.find(|p| p.as_rule() == Rule::expr).and_then(|p| self.expr(p)) else {
                        continue;
                    };
                    entries.push(MapEntry { key, value });
                }
                ExprKind::Map(entries)
            }
            Rule::call => {
                let mut parts = inner.into_inner();
                let name = self.ident(parts.next()?);
                let args = parts.filter(|p| p.as_rule() == Rule::expr).filter_map(|p| self.expr(p)).collect();
                ExprKind::Call { name, args }
            }
            Rule::cidr => ExprKind::Cidr(inner.as_str().to_string()),
            Rule::ip => ExprKind::Ip(inner.as_str().to_string()),
            Rule::duration => ExprKind::Duration(duration_seconds(inner.as_str())),
            Rule::number => ExprKind::Number(inner.as_str().parse::<f64>().unwrap_or(f64::NAN)),
            Rule::boolean => ExprKind::Bool(inner.as_str() == "true"),
            Rule::string => ExprKind::String(self.string(inner)),
            Rule::reference => ExprKind::Reference(inner.into_inner().map(|p| self.ident(p)).collect()),
            _ => return None,
        };
        Some(Expr { kind, span })
    }

    /// Resolve the escapes of a string pair, reporting invalid ones.
    fn string(&mut self, pair: Pair<'_, Rule>) -> String {
        let Some(inner) = pair.into_inner().next() else { return String::new() };
        let start = self.base + inner.as_span().start();
        let raw = inner.as_str();
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((j, escaped)) = chars.next() else { break };
            match escaped {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                _ => {
                    let end = start + j + escaped.len_utf8();
                    self.diagnostics.push(
                        Diagnostic::new(Code::InvalidEscape, format!("unknown escape `\\{escaped}` in a string"))
                            .primary(Span::new(start + i, end), "not a valid escape")
                            .help("the escapes are \\\" \\\\ \\n \\t \\r; write `\\\\` for a backslash"),
                    );
                    out.push(escaped);
                }
            }
        }
        out
    }
}

/// Seconds in a duration literal such as `5m` (saturating on overflow).
fn duration_seconds(text: &str) -> u64 {
    let (digits, unit) = text.split_at(text.len().saturating_sub(1));
    let value: u64 = digits.parse().unwrap_or(u64::MAX);
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => 86_400,
    };
    value.saturating_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> File {
        let (file, diagnostics) = parse(text);
        assert!(diagnostics.is_empty(), "{diagnostics:#?}");
        file
    }

    #[test]
    fn blocks_attributes_and_values() {
        let file = parse_ok(
            r#"
            deployment "moodle-prod" {
              region = "us-east-1"   # comment
              zones  = ["us-east-1a", "us-east-1b",]
              tags   = { Project = "moodle", "Cost Center" = "42" }
            }
            param certificate_arn : string
            param size : number = 100
            network main {
              cidr = 10.0.0.0/16
              tier public { kind = public, cidrs = [10.0.0.0/24, 10.0.1.0/24] }
              flow_logs = true
            }
            vpn corporate { customer_gateway = 203.0.113.10, routes = [192.168.0.0/16] }
            "#,
        );
        assert_eq!(file.items.len(), 5);
        let Item::Block(network) = &file.items[3] else { panic!("not a block") };
        assert_eq!(network.kind.text, "network");
        assert_eq!(network.entries.len(), 3);
        let Entry::Block(tier) = &network.entries[1] else { panic!("not a block") };
        assert_eq!(tier.label.as_ref().map(|l| l.text.as_str()), Some("public"));
    }

    #[test]
    fn rules() {
        let file = parse_ok(
            "security_group alb { allow https, http from internet }\n\
             security_group x { allow tcp 8000-8090 from web, 10.1.0.0/16, description = \"d\" }\n\
             monitoring { alarm front.target_5xx >= 10 for 5m }",
        );
        let Item::Block(group) = &file.items[1] else { panic!("not a block") };
        let Entry::Allow(rule) = &group.entries[0] else { panic!("not a rule") };
        assert_eq!(rule.sources.len(), 2);
        assert!(matches!(group.entries[1], Entry::Attribute(_)));
        let Item::Block(monitoring) = &file.items[2] else { panic!("not a block") };
        let Entry::Alarm(alarm) = &monitoring.entries[0] else { panic!("not an alarm") };
        assert_eq!(alarm.duration_seconds, 300);
        assert_eq!(alarm.comparator, Comparator::GreaterOrEqual);
    }

    #[test]
    fn rule_spans_end_at_their_last_token() {
        let text = "param a : string   # the certificate\nparam b : string = \"x\"  \nsecurity_group x { allow http from web   # why\n}\n";
        let file = parse_ok(text);
        let Item::Param(param) = &file.items[0] else { panic!("not a param") };
        assert_eq!(param.span.slice(text), "param a : string");
        let Item::Param(param) = &file.items[1] else { panic!("not a param") };
        assert_eq!(param.span.slice(text), "param b : string = \"x\"");
        let Item::Block(group) = &file.items[2] else { panic!("not a block") };
        let Entry::Allow(rule) = &group.entries[0] else { panic!("not a rule") };
        assert_eq!(rule.span.slice(text), "allow http from web");
    }

    #[test]
    fn recovers_at_next_top_level_block() {
        let (file, diagnostics) = parse(
            "network main {\n  cidr = = \n}\ndatabase db {\n  class = \"x\"\n}\ncache c { engine = }\nvpn v {}\n",
        );
        assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
        assert!(diagnostics.iter().all(|d| d.code == Code::Syntax));
        let kinds: Vec<_> = file
            .items
            .iter()
            .map(|i| match i {
                Item::Block(b) => b.kind.text.clone(),
                Item::Param(p) => p.name.text.clone(),
            })
            .collect();
        assert_eq!(kinds, ["database", "vpn"]);
    }

    #[test]
    fn unclosed_block_ends_at_next_top_level_block() {
        let (file, diagnostics) = parse("network main {\n  cidr = 10.0.0.0/16\n\nvpn corporate {\n}\n");
        assert_eq!(diagnostics.len(), 1);
        assert!(diagnostics[0].message.contains("`}`"), "{:#?}", diagnostics[0]);
        assert_eq!(file.items.len(), 1);
    }

    #[test]
    fn an_attribute_named_like_a_block_is_not_a_resume_point() {
        // `network = main` inside the broken vpn must not restart parsing.
        let (file, diagnostics) =
            parse("vpn corporate {\n  bgp_asn = = 1\n  network = main\n}\ncache c { engine = redis }\n");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        assert_eq!(file.items.len(), 1);
        assert_eq!(file.broken.len(), 1);
        assert_eq!(file.broken[0].kind.text, "vpn");
        assert_eq!(file.broken[0].label.as_ref().map(|l| l.text.as_str()), Some("corporate"));
    }

    #[test]
    fn broken_item_heads() {
        let (file, _) = parse("param x : = 1\ndeployment \"d\" { region = }\nmonitoring { notify = }\n");
        let heads: Vec<(&str, Option<&str>)> =
            file.broken.iter().map(|b| (b.kind.text.as_str(), b.label.as_ref().map(|l| l.text.as_str()))).collect();
        assert_eq!(heads, [("param", Some("x")), ("deployment", Some("d")), ("monitoring", None)]);
    }

    #[test]
    fn a_missing_equals_sign_is_named() {
        for text in
            ["database d {\n  class \"db.t4g.medium\"\n  storage_gb = 20\n}", "network n {\n  cidr 10.0.0.0/16\n}"]
        {
            let (_, diagnostics) = parse(text);
            assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
            assert!(diagnostics[0].message.starts_with("missing `=`"), "{:#?}", diagnostics[0]);
        }
        // The last token before the error ends with a multi-byte character.
        let (_, diagnostics) = parse("database d {\n  class # \u{e9}\n}\n");
        assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
        // A block head without its brace is not an attribute.
        let (_, diagnostics) = parse("app_servers a {\n  behind front\n  port = 80\n}");
        assert!(!diagnostics[0].message.starts_with("missing `=`"), "{:#?}", diagnostics[0]);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = format!("network main {{ cidr = {}1{} }}", "[".repeat(100_000), "]".repeat(100_000));
        let (_, diagnostics) = parse(&text);
        assert!(diagnostics.iter().any(|d| d.code == Code::TooDeep));
    }

    #[test]
    fn invalid_escape() {
        let (_, diagnostics) = parse("deployment \"a\\qb\" {}");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, Code::InvalidEscape);
    }
}
