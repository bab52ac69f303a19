//! Typed reads of attribute values. Each reader reports a type mismatch
//! (MHA106) or an invalid value with the value's span, and returns `None`
//! so the caller falls back to a neutral value and carries on.

use super::Ctx;
use crate::ast::{self, Expr, ExprKind};
use crate::diagnostics::{Code, Diagnostic, did_you_mean};
use crate::span::Span;
use ipnet::Ipv4Net;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// Whether an attribute key suggests a secret value.
pub(super) fn looks_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "private_key", "access_key"].iter().any(|word| key.contains(word))
}

/// MHA601 for a literal secret written as an attribute. `kind` is the block
/// it is written in; `known` whether the block's schema has the attribute
/// (the database's `password`, which exists only to be refused).
pub(super) fn literal_secret(attribute: &ast::Attribute, kind: &str, known: bool) -> Diagnostic {
    let help = if known {
        format!(
            "remove `{}`: RDS generates the master password and keeps it in Secrets Manager, where Moodle's configuration reads it",
            attribute.key.text
        )
    } else {
        format!("remove it: `{kind}` has no `{}` attribute, and no secret belongs in the source", attribute.key.text)
    };
    Diagnostic::new(Code::LiteralSecret, format!("`{}` holds a secret written in the source", attribute.key.text))
        .primary(attribute.value.span, "this value would end up in templates, plans and version control")
        .secondary(attribute.key.span, "a secret")
        .help(help)
}

impl Ctx<'_> {
    pub(super) fn type_error(&mut self, expr: &Expr, expected: &str) {
        self.report(
            Diagnostic::new(Code::TypeMismatch, format!("expected {expected}, found {}", expr.kind.describe()))
                .primary(expr.span, format!("this is {}", expr.kind.describe()))
                .help(format!("write {expected} here")),
        );
    }

    /// A string.
    pub(super) fn string(&mut self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::String(text) => Some(text.clone()),
            _ => {
                self.type_error(expr, "a string (\"...\")");
                None
            }
        }
    }

    /// A boolean.
    pub(super) fn boolean(&mut self, expr: &Expr) -> Option<bool> {
        match &expr.kind {
            ExprKind::Bool(value) => Some(*value),
            _ => {
                self.type_error(expr, "`true` or `false`");
                None
            }
        }
    }

    /// A whole number in `min..=max`.
    pub(super) fn integer(&mut self, expr: &Expr, min: u64, max: u64, what: &str) -> Option<u64> {
        let ExprKind::Number(value) = expr.kind else {
            self.type_error(expr, "a number");
            return None;
        };
        if value.fract() != 0.0 || value < min as f64 || value > max as f64 {
            self.report(
                Diagnostic::new(Code::OutOfRange, format!("{what} must be a whole number from {min} to {max}"))
                    .primary(expr.span, format!("{value} is out of range"))
                    .help(format!("use a value between {min} and {max}")),
            );
            return None;
        }
        Some(value as u64)
    }

    /// A number (fractions allowed) in `min..=max`.
    pub(super) fn number(&mut self, expr: &Expr, min: f64, max: f64, what: &str) -> Option<f64> {
        let ExprKind::Number(value) = expr.kind else {
            self.type_error(expr, "a number");
            return None;
        };
        if !(min..=max).contains(&value) {
            self.report(
                Diagnostic::new(Code::OutOfRange, format!("{what} must be from {min} to {max}"))
                    .primary(expr.span, format!("{value} is out of range"))
                    .help(format!("use a value between {min} and {max}")),
            );
            return None;
        }
        Some(value)
    }

    /// One of `choices`, written as a bare name.
    pub(super) fn choice<T: Copy>(&mut self, expr: &Expr, choices: &[(&str, T)], what: &str) -> Option<T> {
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let (text, span) = match &expr.kind {
            ExprKind::Reference(path) if path.len() == 1 => (path[0].text.as_str(), path[0].span),
            ExprKind::String(text) => (text.as_str(), expr.span),
            _ => {
                self.type_error(expr, &format!("one of {listed}"));
                return None;
            }
        };
        if let Some((_, value)) = choices.iter().find(|(name, _)| *name == text) {
            if matches!(expr.kind, ExprKind::String(_)) {
                self.report(
                    Diagnostic::new(Code::TypeMismatch, format!("{what} is a name, not a string"))
                        .primary(expr.span, "remove the quotes")
                        .help(format!("write `{text}`")),
                );
            }
            return Some(*value);
        }
        let help = match did_you_mean(text, names.iter().copied()) {
            Some(best) => format!("did you mean `{best}`? The choices are {listed}"),
            None => format!("the choices are {listed}"),
        };
        self.report(
            Diagnostic::new(Code::InvalidValue, format!("`{text}` is not a valid {what}"))
                .primary(span, format!("not one of {listed}"))
                .help(help),
        );
        None
    }

    /// The elements of a list.
    pub(super) fn list<'e>(&mut self, expr: &'e Expr, expected: &str) -> Option<&'e [Expr]> {
        match &expr.kind {
            ExprKind::List(items) => Some(items),
            _ => {
                self.type_error(expr, &format!("a list of {expected} ([...])"));
                None
            }
        }
    }

    /// A CIDR block, validated: octets, prefix, host bits. `prefix_range`
    /// is the allowed prefix lengths for this use, if limited.
    pub(super) fn cidr(&mut self, expr: &Expr, prefix_range: Option<(u8, u8)>) -> Option<Ipv4Net> {
        let text = match &expr.kind {
            ExprKind::Cidr(text) => text.as_str(),
            ExprKind::String(text) if text.contains('/') => {
                self.report(
                    Diagnostic::new(Code::TypeMismatch, "a CIDR block is written without quotes")
                        .primary(expr.span, "remove the quotes")
                        .help(format!("write `{text}`")),
                );
                return None;
            }
            _ => {
                self.type_error(expr, "a CIDR block (10.0.0.0/16)");
                return None;
            }
        };
        let cidr = parse_cidr(text, expr.span).map_err(|d| self.report(d)).ok()?;
        if cidr.network() != cidr.addr() {
            self.report(
                Diagnostic::new(Code::HostBitsSet, format!("`{text}` has host bits set"))
                    .primary(expr.span, format!("the network of this block is {}", cidr.trunc()))
                    .help(format!(
                        "write `{}`: a /{} block starts at {}",
                        cidr.trunc(),
                        cidr.prefix_len(),
                        cidr.network()
                    )),
            );
            return None;
        }
        if let Some((min, max)) = prefix_range
            && !(min..=max).contains(&cidr.prefix_len())
        {
            self.report(
                Diagnostic::new(Code::PrefixOutOfRange, format!("prefix /{} is outside /{min} to /{max}", cidr.prefix_len()))
                    .primary(expr.span, format!("a /{} block", cidr.prefix_len()))
                    .help(format!(
                        "AWS accepts VPC and subnet blocks from /{min} (65,536 addresses) to /{max} (16 addresses); use a prefix in that range"
                    )),
            );
            return None;
        }
        Some(cidr)
    }

    /// An IPv4 address.
    pub(super) fn ip(&mut self, expr: &Expr) -> Option<Ipv4Addr> {
        let text = match &expr.kind {
            ExprKind::Ip(text) => text.as_str(),
            ExprKind::String(text) if text.parse::<Ipv4Addr>().is_ok() => {
                self.report(
                    Diagnostic::new(Code::TypeMismatch, "an IP address is written without quotes")
                        .primary(expr.span, "remove the quotes")
                        .help(format!("write `{text}`")),
                );
                return None;
            }
            _ => {
                self.type_error(expr, "an IPv4 address (203.0.113.10)");
                return None;
            }
        };
        match Ipv4Addr::from_str(text) {
            Ok(address) => Some(address),
            Err(_) => {
                self.report(
                    Diagnostic::new(Code::InvalidIp, format!("`{text}` is not a valid IPv4 address"))
                        .primary(expr.span, "each of the four numbers must be 0 to 255, without leading zeros")
                        .help("write the address as four numbers from 0 to 255: 203.0.113.10"),
                );
                None
            }
        }
    }

    /// A duration in seconds (a duration literal, or a number of seconds).
    pub(super) fn duration(&mut self, expr: &Expr, min: u64, max: u64, what: &str) -> Option<u64> {
        let seconds = match expr.kind {
            ExprKind::Duration(seconds) => seconds,
            ExprKind::Number(value) if value.fract() == 0.0 && value >= 0.0 => value as u64,
            _ => {
                self.type_error(expr, "a duration (30s, 5m, 1h)");
                return None;
            }
        };
        if !(min..=max).contains(&seconds) {
            self.report(
                Diagnostic::new(Code::OutOfRange, format!("{what} must be from {min}s to {max}s"))
                    .primary(expr.span, format!("{seconds}s is out of range"))
                    .help(format!("use a duration between {min}s and {max}s")),
            );
            return None;
        }
        Some(seconds)
    }

    /// A string literal or `param.NAME` of a string type.
    pub(super) fn string_or_param(&mut self, expr: &Expr, description: &str) -> Option<crate::model::StringValue> {
        match &expr.kind {
            ExprKind::String(text) => Some(crate::model::StringValue::Literal(text.clone())),
            ExprKind::Reference(path) if path.len() == 2 && path[0].text == "param" => {
                let index = self.resolve_string_param(expr.span, &path[1])?;
                self.describe_param_use(index, description);
                Some(crate::model::StringValue::Param(index))
            }
            _ => {
                self.type_error(expr, "a string or `param.NAME`");
                None
            }
        }
    }
}

/// Parse and validate `a.b.c.d/n`.
pub(crate) fn parse_cidr(text: &str, span: Span) -> Result<Ipv4Net, Diagnostic> {
    let invalid = |why: &str| {
        Diagnostic::new(Code::InvalidCidr, format!("`{text}` is not a valid CIDR block"))
            .primary(span, why.to_string())
            .help("a CIDR block is an IPv4 address and a prefix length from 0 to 32: 10.0.0.0/16")
    };
    let (address, prefix) = text.split_once('/').ok_or_else(|| invalid("no `/prefix`"))?;
    let address: Ipv4Addr =
        address.parse().map_err(|_| invalid("each of the four numbers must be 0 to 255, without leading zeros"))?;
    let prefix: u8 =
        prefix.parse().ok().filter(|p| *p <= 32).ok_or_else(|| invalid("the prefix length must be 0 to 32"))?;
    Ipv4Net::new(address, prefix).map_err(|_| invalid("the prefix length must be 0 to 32"))
}
