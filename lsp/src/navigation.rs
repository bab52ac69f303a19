//! Go to definition, find references and rename, from the compiler's symbol
//! index (every definition and every resolved use of a name).

use crate::document::{Document, Encoding};
use lsp_types::{Location, Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};
use mhac_compiler::diagnostics::Code;
use mhac_compiler::model::pascal_case;
use mhac_compiler::span::Span;
use mhac_compiler::symbols::{Symbol, SymbolKind};
use std::collections::HashMap;

/// The symbol at a position, and the span of the name under the cursor.
fn symbol_at(doc: &Document, position: Position, encoding: Encoding) -> Option<(usize, Span)> {
    let offset = doc.offset(position, encoding);
    let symbols = &doc.compilation.symbols;
    let index = symbols.at(offset)?;
    let span = symbols.occurrences(index).into_iter().find(|span| span.contains(offset))?;
    Some((index, span))
}

/// Where the name at `position` is defined.
pub fn definition(doc: &Document, uri: &Uri, position: Position, encoding: Encoding) -> Option<Location> {
    let (index, _) = symbol_at(doc, position, encoding)?;
    let symbol = doc.compilation.symbols.symbols.get(index)?;
    Some(Location { uri: uri.clone(), range: doc.range(symbol.span, encoding) })
}

/// Every use of the name at `position`, its definition first when asked.
pub fn references(
    doc: &Document,
    uri: &Uri,
    position: Position,
    include_declaration: bool,
    encoding: Encoding,
) -> Vec<Location> {
    let Some((index, _)) = symbol_at(doc, position, encoding) else { return Vec::new() };
    let occurrences = doc.compilation.symbols.occurrences(index);
    let skip = usize::from(!include_declaration);
    occurrences
        .into_iter()
        .skip(skip)
        .map(|span| Location { uri: uri.clone(), range: doc.range(span, encoding) })
        .collect()
}

/// Words that cannot name a component: the language's keywords, and names
/// the language gives a meaning of its own.
const RESERVED: &[&str] = &["allow", "alarm", "from", "for", "true", "false", "internet", "param"];

/// Why the symbol cannot be renamed at all, if it cannot.
fn renameable(doc: &Document, symbol: &Symbol) -> Result<(), String> {
    if symbol.kind == SymbolKind::Deployment {
        return Err("the deployment's name is a string: edit it in place".to_string());
    }
    let syntax_errors = doc.compilation.diagnostics.iter().any(|d| matches!(d.code, Code::Syntax | Code::TooDeep));
    if syntax_errors {
        return Err(format!(
            "cannot rename `{}` while the file has syntax errors: uses in the broken part would be missed",
            symbol.name
        ));
    }
    Ok(())
}

/// The range and current name of the symbol at `position`, if it can be renamed.
pub fn prepare_rename(
    doc: &Document,
    position: Position,
    encoding: Encoding,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some((index, span)) = symbol_at(doc, position, encoding) else { return Ok(None) };
    let Some(symbol) = doc.compilation.symbols.symbols.get(index) else { return Ok(None) };
    renameable(doc, symbol)?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: doc.range(unquoted(doc, span), encoding),
        placeholder: symbol.name.clone(),
    }))
}

/// A quoted name's span without its quotes.
fn unquoted(doc: &Document, span: Span) -> Span {
    let text = span.slice(&doc.text);
    if text.len() >= 2 && text.starts_with('"') && text.ends_with('"') {
        Span::new(span.start + 1, span.end - 1)
    } else {
        span
    }
}

/// Whether `name` is a valid name: a letter or `_`, then letters, digits and `_`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The edits that rename the symbol at `position` to `new_name` everywhere,
/// or why it cannot be done.
pub fn rename(
    doc: &Document,
    uri: &Uri,
    position: Position,
    new_name: &str,
    encoding: Encoding,
) -> Result<WorkspaceEdit, String> {
    let Some((index, _)) = symbol_at(doc, position, encoding) else {
        return Err("there is no component, tier or parameter name here to rename".to_string());
    };
    let symbols = &doc.compilation.symbols;
    let Some(symbol) = symbols.symbols.get(index) else {
        return Err("there is no name here to rename".to_string());
    };
    renameable(doc, symbol)?;
    if !valid_name(new_name) {
        return Err(format!("`{new_name}` is not a valid name: use letters, digits and `_`, starting with a letter"));
    }
    if RESERVED.contains(&new_name) {
        return Err(format!(
            "`{new_name}` is a reserved word of the language and cannot name a {}",
            symbol.kind.describe()
        ));
    }
    if new_name != symbol.name {
        clash(symbols.symbols.as_slice(), index, new_name)?;
    }
    let edits: Vec<TextEdit> = symbols
        .occurrences(index)
        .into_iter()
        .map(|span| {
            let quoted = span.slice(&doc.text).starts_with('"');
            let new_text = if quoted { format!("\"{new_name}\"") } else { new_name.to_string() };
            TextEdit { range: doc.range(span, encoding), new_text }
        })
        .collect();
    let edits = if new_name == symbol.name { Vec::new() } else { edits };
    Ok(WorkspaceEdit { changes: Some(HashMap::from([(uri.clone(), edits)])), ..Default::default() })
}

/// Whether renaming symbol `index` to `new_name` would clash with another
/// name in its namespace: the same name, or one that becomes the same
/// resource identifier (`my_db` and `myDb`, MHA111). Components share one
/// namespace, tiers one per network, parameters their own.
fn clash(symbols: &[Symbol], index: usize, new_name: &str) -> Result<(), String> {
    let symbol = &symbols[index];
    let namespace = |other: &Symbol| match symbol.kind {
        SymbolKind::Param => other.kind == SymbolKind::Param,
        SymbolKind::Tier => other.kind == SymbolKind::Tier && other.parent == symbol.parent,
        _ => !matches!(other.kind, SymbolKind::Param | SymbolKind::Tier | SymbolKind::Deployment),
    };
    for (i, other) in symbols.iter().enumerate() {
        if i == index || !namespace(other) {
            continue;
        }
        if other.name == new_name {
            return Err(format!("`{new_name}` is already the name of a {}: pick another name", other.kind.describe()));
        }
        if symbol.kind != SymbolKind::Param && pascal_case(&other.name) == pascal_case(new_name) {
            return Err(format!(
                "`{new_name}` and the {} `{}` would both become the identifier `{}` in generated templates: pick another name",
                other.kind.describe(),
                other.name,
                pascal_case(new_name)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    const SOURCE: &str = include_str!("../../examples/moodle.mha");

    fn uri() -> Uri {
        Uri::from_str("file:///moodle.mha").expect("a valid URI")
    }

    fn at(doc: &Document, needle: &str, nth: usize) -> Position {
        let offset = doc.text.match_indices(needle).nth(nth).map(|(i, _)| i + 1).expect("needle present");
        doc.position(offset, Encoding::Utf16)
    }

    #[test]
    fn definition_and_references_of_a_tier() {
        let doc = Document::new(1, SOURCE.to_string());
        let use_of_app = at(&doc, "main.app", 0);
        let position = Position { line: use_of_app.line, character: use_of_app.character + 5 };
        let definition = definition(&doc, &uri(), position, Encoding::Utf16).expect("a definition");
        assert_eq!(definition.range.start, at(&doc, "tier app {", 0).with_offset(4));
        let all = references(&doc, &uri(), position, true, Encoding::Utf16);
        // The tier, `main.app` twice and `reach = [app, data]`.
        assert_eq!(all.len(), 4, "{all:#?}");
        assert_eq!(references(&doc, &uri(), position, false, Encoding::Utf16).len(), 3);
    }

    #[test]
    fn rename_updates_every_use_and_refuses_clashes() {
        let doc = Document::new(1, SOURCE.to_string());
        let web = at(&doc, "group web", 0);
        let position = Position { line: web.line, character: web.character + 6 };
        let edit = rename(&doc, &uri(), position, "app_sg", Encoding::Utf16).expect("renamed");
        let edits = &edit.changes.expect("changes")[&uri()];
        // The group and four uses (`allow ... from web` three times, app servers).
        assert_eq!(edits.len(), 5);
        assert!(edits.iter().all(|e| e.new_text == "app_sg"));
        for (clashing, why) in [("db", "already the name"), ("moodleDb", "identifier `MoodleDb`"), ("for", "reserved")]
        {
            let error = rename(&doc, &uri(), position, clashing, Encoding::Utf16).expect_err("refused");
            assert!(error.contains(why), "{error}");
        }
        assert!(rename(&doc, &uri(), position, "9lives", Encoding::Utf16).is_err());
    }

    #[test]
    fn rename_is_refused_with_syntax_errors() {
        let broken = SOURCE.replace("cidr      = 10.0.0.0/16", "cidr = = ");
        let doc = Document::new(1, broken);
        let position = at(&doc, "security_group web", 0);
        let position = Position { line: position.line, character: 16 };
        let error = rename(&doc, &uri(), position, "www", Encoding::Utf16).expect_err("refused");
        assert!(error.contains("syntax errors"), "{error}");
    }

    /// Every whole-word use of a defined name in an example's code (not in
    /// strings, comments, attribute keys, or choice values such as
    /// `kind = public`) is an occurrence of that name's symbol: references
    /// find every use, whatever kind of place it is in.
    #[test]
    fn every_use_of_every_name_is_a_reference() {
        use mhac_compiler::ast::{Block, Entry, ExprKind, Item};
        for source in
            [SOURCE, include_str!("../../examples/seed.mha"), include_str!("../../examples/three-zones-postgres.mha")]
        {
            let doc = Document::new(1, source.to_string());
            let symbols = &doc.compilation.symbols;
            assert!(symbols.symbols.len() > 10);
            // Spans that are not names: keys, and values of choice attributes.
            let mut not_names: Vec<Span> = Vec::new();
            fn walk(block: &Block, out: &mut Vec<Span>) {
                let schema = mhac_compiler::schema::block(&block.kind.text);
                for entry in &block.entries {
                    match entry {
                        Entry::Attribute(attribute) => {
                            out.push(attribute.key.span);
                            // Text such as "https://moodle.example.edu".
                            if matches!(attribute.value.kind, ExprKind::String(_)) {
                                out.push(attribute.value.span);
                            }
                            let choice = schema
                                .and_then(|s| s.attribute(&attribute.key.text))
                                .is_some_and(|a| a.ty.contains('|') && !a.ty.contains("param"));
                            if choice {
                                match &attribute.value.kind {
                                    ExprKind::List(items) => out.extend(items.iter().map(|i| i.span)),
                                    _ => out.push(attribute.value.span),
                                }
                            }
                        }
                        Entry::Block(nested) => walk(nested, out),
                        // `allow redis from ...`: a service, not a name.
                        Entry::Allow(rule) => out.extend(rule.ports.iter().map(|p| p.span())),
                        Entry::Alarm(_) => {}
                    }
                }
            }
            for item in &doc.compilation.file.items {
                if let Item::Block(block) = item {
                    walk(block, &mut not_names);
                }
            }
            let comments = mhac_compiler::format::comments(source);
            let mut checked = 0;
            for symbol in &symbols.symbols {
                if symbol.kind == SymbolKind::Deployment {
                    continue;
                }
                // Names may be shared across namespaces (a tier and a group
                // both called `app`): any symbol of that name will do.
                let occurrences: Vec<Span> = symbols
                    .symbols
                    .iter()
                    .enumerate()
                    .filter(|(_, other)| other.name == symbol.name)
                    .flat_map(|(other, _)| symbols.occurrences(other))
                    .collect();
                for (at, _) in source.match_indices(symbol.name.as_str()) {
                    let end = at + symbol.name.len();
                    let word =
                        |i: usize| source[i..].chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                    let before_is_word = at > 0 && (word(at - 1) || source.as_bytes()[at - 1] == b'"');
                    if before_is_word || word(end) || source[end..].starts_with('"') {
                        continue;
                    }
                    let in_comment = comments.iter().any(|c| c.span.contains(at));
                    let not_name = not_names.iter().any(|s| s.start <= at && end <= s.end);
                    if in_comment || not_name {
                        continue;
                    }
                    assert!(
                        occurrences.iter().any(|s| s.start <= at && end <= s.end),
                        "`{}` at byte {at} is not an occurrence of the {}",
                        symbol.name,
                        symbol.kind.describe()
                    );
                    checked += 1;
                }
            }
            assert!(checked > 25, "only {checked} uses checked");
        }
    }

    trait Shift {
        fn with_offset(self, by: i32) -> Position;
    }

    impl Shift for Position {
        fn with_offset(self, by: i32) -> Position {
            Position { line: self.line, character: self.character.saturating_add_signed(by) }
        }
    }
}
