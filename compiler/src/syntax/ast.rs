//! The syntax tree: what the source says, with a span on every node, before
//! any name is resolved or any value is checked.
//!
//! Only the lowering phase (`crate::lower`) and the editor tooling read the
//! syntax tree; backends never see it.

use crate::span::Span;

/// A parsed file: its items in source order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct File {
    /// Top-level items.
    pub items: Vec<Item>,
    /// The heads of the top-level items that did not parse (a syntax error
    /// was reported for each). Lowering uses them to stay quiet about names
    /// and blocks that exist but are broken, rather than calling them missing.
    pub broken: Vec<BrokenItem>,
}

/// What could be read of a top-level item with a syntax error: its first word
/// and, when one follows, its name (`security_group db { allow mysql frm web }`
/// gives `security_group` and `db`; a broken `param x : ...` gives `param`
/// and `x`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokenItem {
    /// The kind (the item's first word).
    pub kind: Ident,
    /// The label or parameter name, unquoted, when there is one.
    pub label: Option<Ident>,
}

/// A top-level item.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `param name : type = default`.
    Param(ParamDecl),
    /// `kind label { ... }`.
    Block(Block),
}

impl Item {
    /// The whole item's span.
    pub fn span(&self) -> Span {
        match self {
            Item::Param(param) => param.span,
            Item::Block(block) => block.span,
        }
    }
}

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The text of the name.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// `param certificate_arn : string`.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamDecl {
    /// The parameter's name.
    pub name: Ident,
    /// Its type name (`string`, `number`, `secret`), checked later.
    pub ty: Ident,
    /// An optional default value.
    pub default: Option<Expr>,
    /// The whole declaration.
    pub span: Span,
}

/// A block: `network main { ... }`, `tier app { ... }`, `monitoring { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The block kind (`network`).
    pub kind: Ident,
    /// The label (`main`, or `"moodle-prod"` for the deployment).
    pub label: Option<Label>,
    /// The entries between the braces.
    pub entries: Vec<Entry>,
    /// The whole block, kind to closing brace.
    pub span: Span,
}

impl Block {
    /// The span a diagnostic about the block as a whole should point at: its
    /// kind and label.
    pub fn head_span(&self) -> Span {
        match &self.label {
            Some(label) => self.kind.span.to(label.span),
            None => self.kind.span,
        }
    }

    /// The attributes of the block, in order.
    pub fn attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.entries.iter().filter_map(|entry| match entry {
            Entry::Attribute(attribute) => Some(attribute),
            _ => None,
        })
    }

    /// The first attribute named `key`.
    pub fn attribute(&self, key: &str) -> Option<&Attribute> {
        self.attributes().find(|attribute| attribute.key.text == key)
    }
}

/// A block label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The label's text (unquoted).
    pub text: String,
    /// Where it is (quotes included).
    pub span: Span,
    /// Whether it was written as a string.
    pub quoted: bool,
}

/// One entry of a block body.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    /// `key = value`.
    Attribute(Attribute),
    /// A nested block.
    Block(Block),
    /// `allow ... from ...`.
    Allow(AllowRule),
    /// `alarm metric > n for duration`.
    Alarm(AlarmRule),
}

impl Entry {
    /// The entry's span.
    pub fn span(&self) -> Span {
        match self {
            Entry::Attribute(attribute) => attribute.span,
            Entry::Block(block) => block.span,
            Entry::Allow(rule) => rule.span,
            Entry::Alarm(rule) => rule.span,
        }
    }
}

/// `key = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: Expr,
    /// Key to end of value.
    pub span: Span,
}

/// `allow https, http from internet`.
#[derive(Clone, Debug, PartialEq)]
pub struct AllowRule {
    /// What traffic.
    pub ports: Vec<PortSpec>,
    /// From where.
    pub sources: Vec<SourceSpec>,
    /// The whole rule.
    pub span: Span,
}

/// The traffic an allow rule admits.
#[derive(Clone, Debug, PartialEq)]
pub enum PortSpec {
    /// A named service: `https`, `mysql`, `nfs`.
    Service(Ident),
    /// `tcp 8080` or `udp 500-501`.
    Range {
        /// `tcp` or `udp`.
        protocol: Ident,
        /// The range as written.
        range: String,
        /// The range's span.
        range_span: Span,
        /// Protocol to range.
        span: Span,
    },
}

impl PortSpec {
    /// The span of the whole port specification.
    pub fn span(&self) -> Span {
        match self {
            PortSpec::Service(ident) => ident.span,
            PortSpec::Range { span, .. } => *span,
        }
    }
}

/// Where traffic comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum SourceSpec {
    /// A security group, `internet`, or a VPN.
    Name(Ident),
    /// A CIDR block, as written.
    Cidr {
        /// The text.
        text: String,
        /// Where.
        span: Span,
    },
}

impl SourceSpec {
    /// The source's span.
    pub fn span(&self) -> Span {
        match self {
            SourceSpec::Name(ident) => ident.span,
            SourceSpec::Cidr { span, .. } => *span,
        }
    }
}

/// A comparison operator in an alarm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparator {
    /// `>`
    Greater,
    /// `>=`
    GreaterOrEqual,
    /// `<`
    Less,
    /// `<=`
    LessOrEqual,
}

impl Comparator {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Greater => ">",
            Comparator::GreaterOrEqual => ">=",
            Comparator::Less => "<",
            Comparator::LessOrEqual => "<=",
        }
    }
}

/// `alarm front.target_5xx > 10 for 5m`.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmRule {
    /// `front.target_5xx`: component, then metric.
    pub target: Vec<Ident>,
    /// The target's span.
    pub target_span: Span,
    /// The comparison.
    pub comparator: Comparator,
    /// The comparison's span.
    pub comparator_span: Span,
    /// The threshold.
    pub threshold: f64,
    /// The threshold's span.
    pub threshold_span: Span,
    /// How long the condition must hold, in seconds.
    pub duration_seconds: u64,
    /// The duration's span.
    pub duration_span: Span,
    /// The whole rule.
    pub span: Span,
}

/// A value with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What kind of value.
    pub kind: ExprKind,
    /// Where.
    pub span: Span,
}

/// The kinds of value.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A string, escapes resolved.
    String(String),
    /// A number as written, and its value.
    Number(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `10.0.0.0/16` as written; validated by the checker.
    Cidr(String),
    /// `203.0.113.10` as written; validated by the checker.
    Ip(String),
    /// `5m`, in seconds.
    Duration(u64),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `{ Key = value }`.
    Map(Vec<MapEntry>),
    /// `mysql("8.0")`.
    Call {
        /// The function name.
        name: Ident,
        /// The arguments.
        args: Vec<Expr>,
    },
    /// `main.app`, `prod`, `param.certificate_arn`.
    Reference(Vec<Ident>),
}

impl ExprKind {
    /// The kind of value in words, for type errors.
    pub fn describe(&self) -> &'static str {
        match self {
            ExprKind::String(_) => "a string",
            ExprKind::Number(_) => "a number",
            ExprKind::Bool(_) => "a boolean",
            ExprKind::Cidr(_) => "a CIDR block",
            ExprKind::Ip(_) => "an IP address",
            ExprKind::Duration(_) => "a duration",
            ExprKind::List(_) => "a list",
            ExprKind::Map(_) => "a map",
            ExprKind::Call { .. } => "a function call",
            ExprKind::Reference(path) if path.len() == 1 => "a name",
            ExprKind::Reference(_) => "a reference",
        }
    }
}

/// `Key = value` in a map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapEntry {
    /// The key (a name or a string).
    pub key: Ident,
    /// The value.
    pub value: Expr,
}
