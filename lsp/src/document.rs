//! An open document: its text, its line index and its compilation, and the
//! conversions between byte offsets and LSP positions in the negotiated
//! encoding.

use lsp_types::{Position, PositionEncodingKind, Range};
use mhac_compiler::Compilation;
use mhac_compiler::span::{LineCol, LineIndex, Span, floor_char_boundary};

/// How LSP positions count columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units: the protocol's default.
    Utf16,
    /// Unicode scalar values.
    Utf32,
}

impl Encoding {
    /// The first encoding the client offers that the server supports, in
    /// the client's order of preference; UTF-16 when it offers none.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        offered
            .unwrap_or_default()
            .iter()
            .find_map(|kind| match kind.as_str() {
                "utf-8" => Some(Encoding::Utf8),
                "utf-16" => Some(Encoding::Utf16),
                "utf-32" => Some(Encoding::Utf32),
                _ => None,
            })
            .unwrap_or(Encoding::Utf16)
    }

    /// The encoding's name in the protocol.
    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf32 => PositionEncodingKind::UTF32,
        }
    }
}

/// An open document.
pub struct Document {
    /// The version the client gave with the text.
    pub version: i32,
    /// The text.
    pub text: String,
    /// Its line starts.
    pub index: LineIndex,
    /// What the compiler made of it.
    pub compilation: Compilation,
}

impl Document {
    /// Compile `text` (as `mhac check` would a file with these bytes).
    pub fn new(version: i32, text: String) -> Document {
        // The text is kept whole even when it is too large to compile.
        let (_, compilation) = mhac_compiler::compile_bytes(text.as_bytes());
        let compilation = mhac_backends::printable(compilation);
        let index = LineIndex::new(&text);
        Document { version, text, index, compilation }
    }

    /// The LSP position of a byte offset.
    pub fn position(&self, offset: usize, encoding: Encoding) -> Position {
        let offset = floor_char_boundary(&self.text, offset);
        let LineCol { line, column } = match encoding {
            Encoding::Utf8 => {
                let line = self.index.line_of(offset);
                LineCol { line, column: offset - self.index.line_start(line).min(offset) }
            }
            Encoding::Utf16 => self.index.line_col_utf16(&self.text, offset),
            Encoding::Utf32 => self.index.line_col_chars(&self.text, offset),
        };
        Position { line: saturate(line), character: saturate(column) }
    }

    /// The LSP range of a span.
    pub fn range(&self, span: Span, encoding: Encoding) -> Range {
        Range { start: self.position(span.start, encoding), end: self.position(span.end, encoding) }
    }

    /// The byte offset of an LSP position, clamped to its line (a column
    /// past the line's end means the line's end) and to the text.
    pub fn offset(&self, position: Position, encoding: Encoding) -> usize {
        let line = position.line as usize;
        let column = position.character as usize;
        if line >= self.index.line_count() {
            return self.text.len();
        }
        let start = self.index.line_start(line);
        let end = self.index.line_start(line + 1).min(self.text.len());
        let line_text = self.text.get(start..end).unwrap_or("");
        let line_text = line_text.strip_suffix('\n').unwrap_or(line_text);
        let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
        match encoding {
            Encoding::Utf8 => start + floor_char_boundary(line_text, column),
            Encoding::Utf16 => {
                self.index.offset_utf16(&self.text, LineCol { line, column }).min(start + line_text.len())
            }
            Encoding::Utf32 => start + line_text.char_indices().nth(column).map_or(line_text.len(), |(i, _)| i),
        }
    }

    /// The whole text's range.
    pub fn full_range(&self, encoding: Encoding) -> Range {
        Range { start: Position { line: 0, character: 0 }, end: self.position(self.text.len(), encoding) }
    }
}

fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_in_every_encoding() {
        // `é` is 2 bytes, 1 UTF-16 unit; `𝄞` is 4 bytes, 2 UTF-16 units.
        let doc = Document::new(1, "# é𝄞\nab\r\n".to_string());
        let after = "# é𝄞".len();
        assert_eq!(doc.position(after, Encoding::Utf8), Position { line: 0, character: 8 });
        assert_eq!(doc.position(after, Encoding::Utf16), Position { line: 0, character: 5 });
        assert_eq!(doc.position(after, Encoding::Utf32), Position { line: 0, character: 4 });
        for encoding in [Encoding::Utf8, Encoding::Utf16, Encoding::Utf32] {
            assert_eq!(doc.offset(doc.position(after, encoding), encoding), after);
            // Past the end of a line: the line's end, before `\r\n`.
            assert_eq!(doc.offset(Position { line: 1, character: 99 }, encoding), after + 3);
            assert_eq!(doc.offset(Position { line: 9, character: 0 }, encoding), doc.text.len());
        }
        // Inside a character: its start.
        assert_eq!(doc.offset(Position { line: 0, character: 3 }, Encoding::Utf8), 2);
    }

    #[test]
    fn negotiation_prefers_the_clients_order() {
        let offered = [PositionEncodingKind::new("utf-32"), PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&offered)), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::new("latin-1")])), Encoding::Utf16);
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
