//! A byte scan of source text that reads strings and comments the way the
//! grammar does: a string runs from `"` to its closing quote or to the end
//! of the line (`\` takes the next character with it, unless that is the
//! newline); a comment runs from `#` or `//` to the end of the line. The
//! parser's nesting bound, its unclosed-brace finder and the formatter's
//! comment list all read the text through it.

use crate::span::Span;

/// What the scan meets outside strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A byte of code (outside strings and comments), at its offset.
    Code(usize, u8),
    /// A comment, its newline excluded.
    Comment(Span),
}

/// The pieces of `text` that start in `start..end`. A string or comment that
/// starts before `end` is read to its own end (and skipped, or yielded
/// whole), past `end` if need be.
pub(crate) fn scan(text: &str, start: usize, end: usize) -> impl Iterator<Item = Piece> + '_ {
    let bytes = text.as_bytes();
    let end = end.min(bytes.len());
    let mut i = start;
    std::iter::from_fn(move || {
        while i < end {
            match bytes[i] {
                b'"' => {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|b| *b != b'\n') { 2 } else { 1 };
                    }
                    // Past the closing quote, or the newline that ends the string.
                    i += 1;
                }
                b'#' | b'/' if bytes[i] == b'#' || bytes.get(i + 1) == Some(&b'/') => {
                    let at = i;
                    i = text[at..].find('\n').map_or(text.len(), |n| at + n);
                    return Some(Piece::Comment(Span::new(at, i)));
                }
                byte => {
                    i += 1;
                    return Some(Piece::Code(i - 1, byte));
                }
            }
        }
        None
    })
}
