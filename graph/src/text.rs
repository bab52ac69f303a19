//! Text for the picture: XML escaping and an estimate of how wide a label
//! is drawn, so that boxes fit their labels without font metrics.
//!
//! The SVG names a common sans-serif font stack and embeds no font, so the
//! exact width depends on the viewer; the estimate is an upper bound for
//! Helvetica, Arial, Liberation Sans and DejaVu Sans at the same size, and
//! labels that would not fit are shortened with an ellipsis.

/// Escape text for XML character data and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The drawn width of `text` at `size` pixels, rounded up: a per-character
/// estimate (narrow letters, digits, wide capitals) of DejaVu Sans, the
/// widest of the usual sans-serif fonts.
pub fn width(text: &str, size: i32, bold: bool) -> i32 {
    let mut thousandths: i64 = 0;
    for c in text.chars() {
        thousandths += match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 320,
            'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '/' | '-' | 'I' => 420,
            'm' | 'w' | 'M' | 'W' | '@' | '%' => 900,
            'A'..='Z' | '&' | '#' | '+' | '=' | '<' | '>' | '→' | '≥' | '≤' => 700,
            c if c.is_ascii() => 620,
            _ => 800,
        };
    }
    let bold_factor = if bold { 1080 } else { 1000 };
    ((thousandths * i64::from(size) * bold_factor / 1_000_000) as i32) + 1
}

/// `text`, shortened with an ellipsis to fit `max` pixels at `size`.
pub fn fit(text: &str, size: i32, bold: bool, max: i32) -> String {
    if width(text, size, bold) <= max {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if width(&candidate, size, bold) <= max {
            return candidate;
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(escape("x\u{1}y"), "x y");
    }

    #[test]
    fn fits_with_an_ellipsis() {
        let long = "a very long label that does not fit";
        let fitted = fit(long, 12, false, 80);
        assert!(fitted.ends_with('…'));
        assert!(width(&fitted, 12, false) <= 80);
        assert_eq!(fit("short", 12, false, 80), "short");
    }
}
