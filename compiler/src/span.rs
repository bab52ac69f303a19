//! Byte spans into the source text and the line index that turns them into
//! lines and columns (for JSON, SARIF and the language server).

/// A half-open byte range `start..end` into the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// The range `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// An empty span at `offset`.
    pub fn at(offset: usize) -> Span {
        Span { start: offset, end: offset }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }

    /// Whether `offset` lies in the span (its end included, so a cursor just
    /// after a name still counts as on it).
    pub fn contains(self, offset: usize) -> bool {
        self.start <= offset && offset <= self.end
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end - self.start
    }

    /// Whether the span is empty.
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The text the span covers, or "" when it does not fit `text`.
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// A position as a 0-based line and a 0-based column in some unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 0-based line.
    pub line: usize,
    /// 0-based column.
    pub column: usize,
}

/// Line starts of a text, for converting byte offsets to lines and columns.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    /// Index the lines of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        line_starts.extend(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        LineIndex { line_starts, len: text.len() }
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where 0-based `line` starts (clamped to the text).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).copied().unwrap_or(self.len)
    }

    /// The 0-based line holding `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.len);
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// 0-based line and column of `offset`, the column counted in Unicode
    /// scalar values.
    pub fn line_col_chars(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        LineCol { line, column: text.get(start..offset).map_or(0, |s| s.chars().count()) }
    }

    /// 0-based line and column of `offset`, the column counted in UTF-16 code
    /// units (the language server's default position encoding).
    pub fn line_col_utf16(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset);
        let line = self.line_of(offset);
        let start = self.line_start(line);
        LineCol { line, column: text.get(start..offset).map_or(0, |s| s.chars().map(char::len_utf16).sum()) }
    }

    /// The byte offset of a 0-based line and UTF-16 column, clamped to the
    /// line's end.
    pub fn offset_utf16(&self, text: &str, position: LineCol) -> usize {
        if position.line >= self.line_starts.len() {
            return self.len;
        }
        let start = self.line_start(position.line);
        let end = self.line_start(position.line + 1).min(self.len);
        let mut units = 0;
        for (i, c) in text.get(start..end).unwrap_or("").char_indices() {
            if units >= position.column || c == '\n' {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }
}

/// The largest char boundary at or before `offset`.
pub fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "ab\ncé\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_col_chars(text, 0), LineCol { line: 0, column: 0 });
        assert_eq!(index.line_col_chars(text, 3), LineCol { line: 1, column: 0 });
        // 'é' is two bytes: the offset after it is 6, column 2.
        assert_eq!(index.line_col_chars(text, 6), LineCol { line: 1, column: 2 });
        assert_eq!(index.line_col_chars(text, 8), LineCol { line: 3, column: 0 });
        assert_eq!(index.offset_utf16(text, LineCol { line: 1, column: 2 }), 6);
        assert_eq!(index.offset_utf16(text, LineCol { line: 1, column: 99 }), 6);
    }
}
