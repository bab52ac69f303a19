//! From hcl-rs's formatted text to `terraform fmt`'s canonical layout.
//!
//! hcl-rs's formatter ([`hcl::format`]) writes valid HCL that differs from
//! `terraform fmt` in exactly two ways, shown by the unit tests below and
//! proven on every example by the `terraform_fmt_*` integration test (the
//! raw hcl-rs text fails `terraform fmt -check`, the result of this pass
//! passes it):
//!
//! 1. `terraform fmt` aligns the `=` of consecutive one-line arguments
//!    (hclwrite's "assign chain": lines whose right-hand side closes every
//!    bracket it opens; any other line, blank or not, ends the chain);
//! 2. hcl-rs writes an empty nested block as `name {    }` (the indentation
//!    of its closing brace), `terraform fmt` as `name {}`.
//!
//! This pass does only that: it moves spaces, token-aware (strings,
//! template interpolations and heredocs are skipped), and never adds or
//! removes a token. (It also puts the `)` hcl-rs writes after a heredoc's
//! end marker on a line of its own: see [`canonical`].)

/// Apply both corrections to a formatted file. A heredoc's lines are text,
/// copied as they are; hcl-rs closes a heredoc passed to a function as
/// `MARKER)`, which HCL does not read as the end marker: the `)` goes on
/// the next line, at the indentation of the line that opened it.
pub fn canonical(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut chain: Vec<(String, String)> = Vec::new();
    let mut heredoc: Option<(String, String)> = None;
    for raw in text.lines() {
        if let Some((marker, indent)) = &heredoc {
            let trimmed = raw.trim_start();
            match trimmed.strip_prefix(marker.as_str()) {
                Some(rest) if !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-') => {
                    out.push_str(&raw[..raw.len() - rest.len()]);
                    out.push('\n');
                    if !rest.trim().is_empty() {
                        out.push_str(indent);
                        out.push_str(rest.trim());
                        out.push('\n');
                    }
                    heredoc = None;
                }
                _ => {
                    out.push_str(raw);
                    out.push('\n');
                }
            }
            continue;
        }
        let line = space_for_objects(&collapse_empty_block(raw));
        if let Some(marker) = heredoc_marker(&line) {
            flush(&mut chain, &mut out);
            out.push_str(&line);
            out.push('\n');
            let indent = line[..line.len() - line.trim_start().len()].to_string();
            heredoc = Some((marker, indent));
            continue;
        }
        match split_assignment(&line) {
            Some((lead, rest)) => chain.push((lead.to_string(), rest.to_string())),
            None => {
                flush(&mut chain, &mut out);
                out.push_str(&line);
                out.push('\n');
            }
        }
    }
    flush(&mut chain, &mut out);
    out
}

/// The marker of a heredoc the line opens (`<<MARKER` or `<<-MARKER` at
/// its end, outside strings).
fn heredoc_marker(line: &str) -> Option<String> {
    let code = code_positions(line);
    let bytes = line.as_bytes();
    let start = code.iter().copied().find(|&i| bytes[i] == b'<' && bytes.get(i + 1) == Some(&b'<'))?;
    let rest = line[start + 2..].strip_prefix('-').unwrap_or(&line[start + 2..]);
    let marker = rest.trim_end();
    (!marker.is_empty() && marker.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| marker.to_string())
}

/// Write an assign chain with its `=` aligned one column after the longest lead.
fn flush(chain: &mut Vec<(String, String)>, out: &mut String) {
    let width = chain.iter().map(|(lead, _)| lead.chars().count()).max().unwrap_or(0);
    for (lead, rest) in chain.drain(..) {
        out.push_str(&lead);
        out.extend(std::iter::repeat_n(' ', width - lead.chars().count() + 1));
        out.push_str(&rest);
        out.push('\n');
    }
}

/// `{for x in y : k => v}` → `{ for x in y : k => v }`: `terraform fmt`
/// spaces a `for` object expression inside its braces (a `for` tuple keeps
/// its brackets tight).
fn space_for_objects(line: &str) -> String {
    let bytes = line.as_bytes();
    let code = code_positions(line);
    let mut opens = Vec::new();
    let mut inserts = Vec::new();
    for &i in &code {
        match bytes[i] {
            b'{' => {
                let is_for = line[i + 1..].starts_with("for ");
                opens.push((i, is_for));
                if is_for {
                    inserts.push(i + 1);
                }
            }
            b'}' => {
                if let Some((_, true)) = opens.pop() {
                    inserts.push(i);
                }
            }
            _ => {}
        }
    }
    let mut out = line.to_string();
    inserts.sort_unstable();
    for at in inserts.into_iter().rev() {
        out.insert(at, ' ');
    }
    out
}

/// `  name {    }` → `  name {}`.
fn collapse_empty_block(line: &str) -> String {
    let trimmed = line.trim_end();
    if let Some(before) = trimmed.strip_suffix('}') {
        let inner = before.trim_end();
        if inner.len() < before.len()
            && inner.ends_with('{')
            && code_positions(inner).last() == Some(&(inner.len() - 1))
        {
            return format!("{inner}}}");
        }
    }
    line.to_string()
}

/// Split `lead = rest` at the first `=` outside strings when the right-hand
/// side opens no bracket it does not close (hclwrite's rule). The lead is
/// returned without its trailing spaces, `rest` starts with `=`.
fn split_assignment(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    let code = code_positions(line);
    let equals = code.iter().copied().find(|&i| {
        bytes[i] == b'='
            && i > 0
            && !matches!(bytes[i - 1], b'=' | b'!' | b'<' | b'>')
            && bytes.get(i + 1).is_none_or(|next| *next != b'=' && *next != b'>')
    })?;
    if line[..equals].trim().is_empty() {
        return None;
    }
    let mut depth: i64 = 0;
    for &i in code.iter().filter(|&&i| i > equals) {
        match bytes[i] {
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => depth -= 1,
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    Some((line[..equals].trim_end(), &line[equals..]))
}

/// Byte positions of a line that are code: outside string literals, and
/// outside `#` / `//` comments. Template interpolations inside strings are
/// treated as part of the string (their brackets balance within it).
fn code_positions(line: &str) -> Vec<usize> {
    let bytes = line.as_bytes();
    let mut positions = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i + 1),
            b'#' => break,
            b'/' if bytes.get(i + 1) == Some(&b'/') => break,
            _ => {
                positions.push(i);
                i += 1;
            }
        }
    }
    positions
}

/// From just after an opening quote, the position after the closing quote.
/// Handles escapes and `${ ... }` interpolations holding nested strings.
fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'$' | b'%' if bytes.get(i + 1) == Some(&b'{') && bytes.get(i.wrapping_sub(1)) != Some(&bytes[i]) => {
                i = skip_interpolation(bytes, i + 2);
            }
            _ => i += 1,
        }
    }
    i
}

/// From just inside `${`, the position after its closing `}`.
fn skip_interpolation(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_string(bytes, i + 1),
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_consecutive_one_line_arguments() {
        let raw = "resource \"a\" \"b\" {\n  vpc_id = x.id\n  cidr_block = \"10.0.0.0/24\"\n  tags = {\n    Name = \"n\"\n    Environment = \"e\"\n  }\n  n = 5\n}\n";
        let want = "resource \"a\" \"b\" {\n  vpc_id     = x.id\n  cidr_block = \"10.0.0.0/24\"\n  tags = {\n    Name        = \"n\"\n    Environment = \"e\"\n  }\n  n = 5\n}\n";
        assert_eq!(canonical(raw), want);
    }

    #[test]
    fn collapses_empty_nested_blocks() {
        assert_eq!(canonical("a {\n  b {\n    none {    }\n  }\n}\n"), "a {\n  b {\n    none {}\n  }\n}\n");
    }

    #[test]
    fn ignores_equals_and_brackets_in_strings() {
        let raw = "x {\n  a = \"k=v {\"\n  bb = \"${y.z}/*\"\n  c = [\"[\"]\n}\n";
        let want = "x {\n  a  = \"k=v {\"\n  bb = \"${y.z}/*\"\n  c  = [\"[\"]\n}\n";
        assert_eq!(canonical(raw), want);
    }

    #[test]
    fn comments_and_blank_lines_end_a_chain() {
        let raw = "x {\n  #checkov:skip=CKV_1:a=b\n  a = 1\n\n  bbb = 2\n}\n";
        assert_eq!(canonical(raw), raw);
    }

    #[test]
    fn heredocs_are_text_and_their_marker_ends_its_line() {
        let raw = "x {\n  a = 1\n  user_data = base64encode(<<EOT\nA = 1\nBB    = 2\n  {    }\nEOT)\n  bbbbbb = 2\n}\n";
        let want =
            "x {\n  a = 1\n  user_data = base64encode(<<EOT\nA = 1\nBB    = 2\n  {    }\nEOT\n  )\n  bbbbbb = 2\n}\n";
        assert_eq!(canonical(raw), want);
        let plain = "x {\n  text = <<-EOT\n    k = v\n    EOT\n  b = 1\n}\n";
        assert_eq!(canonical(plain), plain);
    }

    #[test]
    fn for_objects_are_spaced_inside_their_braces() {
        let raw = "x {\n  for_each = {for o in a.b : o.k => o}\n  list = [for r in c : r.f]\n}\n";
        let want = "x {\n  for_each = { for o in a.b : o.k => o }\n  list     = [for r in c : r.f]\n}\n";
        assert_eq!(canonical(raw), want);
    }

    #[test]
    fn multi_line_openers_are_not_aligned() {
        let raw = "x {\n  a = 1\n  list = [\n    1,\n  ]\n  bb = 2\n}\n";
        assert_eq!(canonical(raw), raw);
    }
}
