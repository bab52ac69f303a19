//! Deployment-time checks of parameter values: a `param` that something uses
//! and that has no default needs a value before `plan` or `apply` can call
//! AWS (MHA801). The caller says which parameters were given values; this
//! module decides which are missing and reports them.

use crate::diagnostics::{Code, Diagnostic};
use crate::model::{Model, Param};

/// Whether a parameter needs a value from the user: something uses it (so
/// the template declares it) and it has no default.
pub fn is_required(param: &Param) -> bool {
    param.used && param.default.is_none()
}

/// MHA801 for every required parameter `given` says has no value.
pub fn missing_values(model: &Model, given: impl Fn(&Param) -> bool) -> Vec<Diagnostic> {
    model.params.iter().filter(|param| is_required(param) && !given(param)).map(missing_value).collect()
}

/// MHA801 for one parameter.
fn missing_value(param: &Param) -> Diagnostic {
    Diagnostic::new(Code::MissingParamValue, format!("parameter `{}` needs a value", param.name.text))
        .primary(param.name.span, "declared here without a default")
        .help(format!(
            "pass `--param {}=VALUE` (or a `--params FILE` holding it), or give the parameter a default",
            param.name.text
        ))
}
