//! A plan: what `apply` will deploy (stack, region, template, parameters,
//! capabilities) and the changes against what is deployed, with the SHA-256
//! of the deployed template it was made against. Saved as JSON by
//! `mhac plan -o plan.json` and `mhac build --target plan`.

use crate::diff::{Action, ResourceDiff};
use crate::stateful;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The `format` field of a plan file.
pub const PLAN_FORMAT: &str = "mhac-plan";
/// The version of the plan format; bumped on any incompatible change.
pub const PLAN_VERSION: u32 = 1;

/// Where a resource comes from in the source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Origin {
    /// The component's kind (`database`).
    pub kind: String,
    /// The component's name (`moodle_db`).
    pub name: String,
    /// The source file.
    pub file: String,
    /// 1-based line of the component.
    pub line: usize,
}

impl Origin {
    /// `database moodle_db (examples/moodle.mha:58)`.
    pub fn describe(&self) -> String {
        format!("{} {} ({}:{})", self.kind, self.name, self.file, self.line)
    }

    /// `examples/moodle.mha:58`.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// One resource's change in a plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedChange {
    /// The change.
    #[serde(flatten)]
    pub diff: ResourceDiff,
    /// The source component that produces the resource (none for a
    /// resource that is no longer in the source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<Origin>,
    /// Whether the resource holds data.
    pub stateful: bool,
}

impl PlannedChange {
    /// Whether `apply` needs `--allow-replace` for this change: a stateful
    /// resource replaced or removed, or changed in a property that may
    /// replace it (then the service's change set may still clear it).
    pub fn needs_permission(&self) -> bool {
        self.stateful && (self.diff.action.is_destructive() || self.may_be_replaced())
    }

    /// Whether the change may replace the resource, depending on the
    /// service (a conditional create-only property changes).
    pub fn may_be_replaced(&self) -> bool {
        self.diff.action == Action::Modify && !self.diff.may_replace_because.is_empty()
    }

    /// The names `--allow-replace` accepts for this change: the source
    /// component's name and the logical ID.
    pub fn allow_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.component.iter().map(|c| c.name.as_str()).collect();
        names.push(&self.diff.logical_id);
        names
    }

    /// Whether `--allow-replace` names this change: its component's name
    /// or its logical ID; for a resource no longer in the source, also a
    /// name whose CloudFormation form (`moodle_data` → `MoodleData`) starts
    /// its logical ID, since logical IDs are built from source names.
    pub fn allowed_by(&self, allow: &[String]) -> bool {
        let names = self.allow_names();
        allow.iter().any(|a| {
            names.contains(&a.as_str())
                || (self.component.is_none() && {
                    let prefix = mhac_compiler::model::pascal_case(a);
                    self.diff.logical_id.strip_prefix(&prefix).is_some_and(|rest| {
                        !prefix.is_empty() && rest.chars().next().is_none_or(|c| c.is_ascii_uppercase())
                    })
                })
        })
    }

    /// The name to suggest for `--allow-replace`.
    pub fn allow_name(&self) -> &str {
        self.component.as_ref().map_or(&self.diff.logical_id, |c| &c.name)
    }
}

/// Counts per action.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Resources created.
    pub add: usize,
    /// Resources updated in place.
    pub modify: usize,
    /// Resources replaced.
    pub replace: usize,
    /// Resources deleted.
    pub remove: usize,
}

impl Summary {
    /// Count the changes.
    pub fn of(changes: &[PlannedChange]) -> Summary {
        let mut summary = Summary::default();
        for change in changes {
            match change.diff.action {
                Action::Add => summary.add += 1,
                Action::Modify => summary.modify += 1,
                Action::Replace => summary.replace += 1,
                Action::Remove => summary.remove += 1,
            }
        }
        summary
    }

    /// Total number of changed resources.
    pub fn total(&self) -> usize {
        self.add + self.modify + self.replace + self.remove
    }
}

/// What is deployed now.
#[derive(Clone, Debug, Default)]
pub struct Deployed {
    /// The template body as the service returns it (for a split
    /// deployment: the parent's, then each child's, in logical ID order).
    pub body: String,
    /// The parsed template (for a split deployment: the parent and its
    /// children joined into one, as `build` printed it before splitting).
    pub template: Value,
    /// Parameter values (`****` for NoEcho parameters).
    pub parameters: BTreeMap<String, String>,
    /// The nested stacks of a split deployment: logical ID → stack ID.
    pub children: Vec<(String, String)>,
    /// Where a split deployment holds each resource: logical ID → child.
    pub assignment: BTreeMap<String, String>,
}

impl Deployed {
    /// Whether the deployment is split into nested stacks.
    pub fn is_nested(&self) -> bool {
        !self.children.is_empty()
    }
}

impl Deployed {
    /// SHA-256 of the template body, hex.
    pub fn sha256(&self) -> String {
        sha256_hex(self.body.as_bytes())
    }
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// What the user asks to deploy.
#[derive(Clone, Debug)]
pub struct Desired {
    /// The source file, for messages.
    pub source: Option<String>,
    /// Stack name.
    pub stack: String,
    /// Region.
    pub region: String,
    /// Whether the deployment is `profile = prod`.
    pub prod: bool,
    /// The template.
    pub template: Value,
    /// Logical ID → source component.
    pub origins: BTreeMap<String, Origin>,
    /// Template parameter values.
    pub parameters: BTreeMap<String, String>,
}

/// What preflight did, as a plan records it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PreflightRecord {
    /// Whether `--skip-preflight` skipped it.
    pub skipped: bool,
    /// How many questions it asked the account.
    pub checks: usize,
    /// What it found, one line each (`MHA807 error: ...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// How long it took (shown, not saved: plan files do not change with
    /// the clock).
    #[serde(skip)]
    pub seconds: Option<f64>,
}

/// A resource changed outside mhac since the last apply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftedResource {
    /// The logical ID.
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// `MODIFIED` or `DELETED`.
    pub status: String,
    /// What differs: `Tags: expected [...], actual [...]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<String>,
}

/// What drift detection found on the deployed stack (and its nested stacks).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The resources that drifted.
    pub drifted: Vec<DriftedResource>,
    /// Why detection could not run (or ran only in part), if it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A plan, as saved to a file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// [`PLAN_VERSION`].
    pub version: u32,
    /// The source file the plan was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Stack name.
    pub stack: String,
    /// Region.
    pub region: String,
    /// Whether the deployment is `profile = prod` (termination protection,
    /// confirmation before destroy).
    pub prod: bool,
    /// The AWS account the plan was made in (STS GetCallerIdentity); `apply`
    /// refuses the plan with credentials of another account (MHA813).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// What preflight did; `None` for a plan made without AWS access.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preflight: Option<PreflightRecord>,
    /// SHA-256 of the deployed template the plan was made against; `None`
    /// when there was no stack.
    pub deployed_template_sha256: Option<String>,
    /// Capabilities the template needs.
    pub capabilities: Vec<String>,
    /// Template parameter values. Secret parameters are stored too: keep
    /// plan files as private as the values they hold.
    pub parameters: BTreeMap<String, String>,
    /// Counts per action.
    pub summary: Summary,
    /// The changes: destructive first, grouped by source component.
    pub changes: Vec<PlannedChange>,
    /// Changes that widen access (security-group sources, IAM
    /// permissions), one line each: listed apart for review.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub broadening: Vec<String>,
    /// Resources changed outside mhac since the last apply; `None` when
    /// there is no stack to check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<DriftReport>,
    /// How a change set from the service compares with the prediction: no
    /// entry when there was none to ask for (a new stack, no changes), no
    /// notes when it agrees, else one note per difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_check: Option<Vec<String>>,
    /// Logical ID → source component, for mapping failures to source lines.
    pub origins: BTreeMap<String, Origin>,
    /// The template to deploy.
    pub template: Value,
}

/// Capabilities a template needs: `CAPABILITY_NAMED_IAM` when an IAM
/// resource has an explicit name, `CAPABILITY_IAM` for other IAM resources,
/// `CAPABILITY_AUTO_EXPAND` for macros and nested stacks.
pub fn capabilities(template: &Value) -> Vec<String> {
    const NAME_PROPERTIES: &[(&str, &str)] = &[
        ("AWS::IAM::Role", "RoleName"),
        ("AWS::IAM::User", "UserName"),
        ("AWS::IAM::Group", "GroupName"),
        ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
    ];
    let mut iam = false;
    let mut named = false;
    let mut expand = template.get("Transform").is_some();
    for resource in template.get("Resources").and_then(Value::as_object).into_iter().flat_map(|r| r.values()) {
        let ty = resource.get("Type").and_then(Value::as_str).unwrap_or("");
        if ty.starts_with("AWS::IAM::") {
            iam = true;
            if NAME_PROPERTIES.iter().any(|(t, p)| *t == ty && resource.pointer(&format!("/Properties/{p}")).is_some())
            {
                named = true;
            }
        }
        if ty == "AWS::CloudFormation::Stack" || ty == "AWS::Serverless::Application" {
            expand = true;
        }
    }
    let mut out = Vec::new();
    if named {
        out.push("CAPABILITY_NAMED_IAM".to_string());
    } else if iam {
        out.push("CAPABILITY_IAM".to_string());
    }
    if expand {
        out.push("CAPABILITY_AUTO_EXPAND".to_string());
    }
    out
}

/// Template parameters whose NoEcho value cannot be compared with the
/// deployed one.
pub fn secret_parameters(template: &Value) -> BTreeSet<String> {
    template_parameters(template)
        .filter(|(_, p)| {
            matches!(p.get("NoEcho"), Some(Value::Bool(true))) || p.get("NoEcho") == Some(&Value::from("true"))
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// A template's `Parameters`, by key (none when it has no such object).
fn template_parameters(template: &Value) -> impl Iterator<Item = (&String, &Value)> {
    template.get("Parameters").and_then(Value::as_object).into_iter().flatten()
}

/// Parameters whose value differs from the deployed one. A parameter not
/// given takes its template default. Secret parameters are compared only
/// when the service shows their value (it does not). An SSM-typed
/// parameter's deployed value is compared only when it is an SSM path: a
/// local emulator reports the resolved value (an AMI ID) in its place,
/// which says nothing about the path.
pub fn changed_parameters(desired: &Desired, deployed: &Deployed) -> BTreeSet<String> {
    let ssm_typed: BTreeSet<&String> = template_parameters(&desired.template)
        .filter(|(_, p)| {
            p.get("Type").and_then(Value::as_str).is_some_and(|t| t.starts_with("AWS::SSM::Parameter::Value<"))
        })
        .map(|(k, _)| k)
        .collect();
    let defaults: BTreeMap<String, String> = template_parameters(&desired.template)
        .filter_map(|(k, p)| p.get("Default").map(|d| (k.clone(), scalar_text(d))))
        .collect();
    let mut keys: BTreeSet<&String> = defaults.keys().collect();
    keys.extend(desired.parameters.keys());
    keys.extend(deployed.parameters.keys());
    keys.into_iter()
        .filter(|key| {
            let new = desired.parameters.get(*key).or(defaults.get(*key));
            let old = deployed.parameters.get(*key);
            let resolved = ssm_typed.contains(*key) && old.is_some_and(|old| !old.starts_with('/'));
            old.is_none_or(|old| old != "****") && !resolved && new != old
        })
        .cloned()
        .collect()
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Plan {
    /// Plan `desired` against `deployed` (`None`: no stack).
    pub fn new(desired: &Desired, deployed: Option<&Deployed>) -> Plan {
        let changed_params = deployed.map(|d| changed_parameters(desired, d)).unwrap_or_default();
        let diffs = crate::diff::diff(deployed.map(|d| &d.template), &desired.template, &changed_params);
        let mut changes: Vec<PlannedChange> = diffs
            .into_iter()
            .map(|diff| PlannedChange {
                component: desired.origins.get(&diff.logical_id).cloned(),
                stateful: stateful::is_stateful(&diff.resource_type),
                diff,
            })
            .collect();
        sort_changes(&mut changes);
        Plan {
            format: PLAN_FORMAT.to_string(),
            version: PLAN_VERSION,
            source: desired.source.clone(),
            stack: desired.stack.clone(),
            region: desired.region.clone(),
            prod: desired.prod,
            account: None,
            preflight: None,
            deployed_template_sha256: deployed.map(Deployed::sha256),
            capabilities: capabilities(&desired.template),
            parameters: desired.parameters.clone(),
            summary: Summary::of(&changes),
            changes,
            broadening: crate::broadening::broadening(deployed.map(|d| &d.template), &desired.template),
            drift: None,
            service_check: None,
            origins: desired.origins.clone(),
            template: desired.template.clone(),
        }
    }

    /// Resources that move to another stack (into, out of or between nested
    /// stacks): each is deleted in one stack and created in the other, so
    /// the plan lists it as replaced, whatever else changes.
    pub fn mark_moved(&mut self, moved: &[(String, String, String)]) {
        if moved.is_empty() {
            return;
        }
        for (id, from, to) in moved {
            let because = format!("its stack ({from} → {to})");
            match self.changes.iter_mut().find(|c| &c.diff.logical_id == id) {
                Some(change) => {
                    change.diff.action = Action::Replace;
                    change.diff.replaced_because.push(because);
                }
                None => {
                    let resource_type = self
                        .template
                        .pointer(&format!("/Resources/{id}/Type"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    self.changes.push(PlannedChange {
                        component: self.origins.get(id).cloned(),
                        stateful: stateful::is_stateful(&resource_type),
                        diff: ResourceDiff {
                            logical_id: id.clone(),
                            resource_type,
                            action: Action::Replace,
                            changed: Vec::new(),
                            replaced_because: vec![because],
                            may_replace_because: Vec::new(),
                            caused_by: Vec::new(),
                        },
                    });
                }
            }
        }
        sort_changes(&mut self.changes);
        self.summary = Summary::of(&self.changes);
    }

    /// The deployment the plan describes.
    pub fn desired(&self) -> Desired {
        Desired {
            source: self.source.clone(),
            stack: self.stack.clone(),
            region: self.region.clone(),
            prod: self.prod,
            template: self.template.clone(),
            origins: self.origins.clone(),
            parameters: self.parameters.clone(),
        }
    }

    /// Read a plan file's JSON.
    pub fn from_json(text: &str) -> Result<Plan, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if value.get("format").and_then(Value::as_str) != Some(PLAN_FORMAT) {
            return Err(format!("not an mhac plan (no \"format\": \"{PLAN_FORMAT}\")"));
        }
        let version = value.get("version").and_then(Value::as_u64);
        if version != Some(u64::from(PLAN_VERSION)) {
            return Err(format!(
                "plan format version {} is not supported (this mhac reads version {PLAN_VERSION})",
                version.map_or("?".to_string(), |v| v.to_string())
            ));
        }
        serde_json::from_value(value).map_err(|e| format!("malformed plan: {e}"))
    }

    /// The plan as pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).unwrap_or_default();
        out.push('\n');
        out
    }

    /// The plan without its template, origins and parameter values: what
    /// `--message-format json` prints for CI.
    pub fn report_json(&self) -> Value {
        serde_json::json!({
            "format": "mhac-plan-report",
            "version": PLAN_VERSION,
            "source": self.source,
            "stack": self.stack,
            "region": self.region,
            "prod": self.prod,
            "account": self.account,
            "preflight": self.preflight,
            "deployed_template_sha256": self.deployed_template_sha256,
            "capabilities": self.capabilities,
            "parameters": self.parameters.keys().collect::<Vec<_>>(),
            "summary": self.summary,
            "changes": self.changes,
            "broadening": self.broadening,
            "drift": self.drift,
            "service_check": self.service_check,
        })
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Destructive changes to stateful resources that `allow` does not name.
    pub fn refused<'p>(&'p self, allow: &[String]) -> Vec<&'p PlannedChange> {
        self.changes.iter().filter(|c| c.needs_permission()).filter(|c| !c.allowed_by(allow)).collect()
    }

    /// The plan for people: summary first, then destructive changes, then
    /// the others, grouped by source component.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let against = match &self.deployed_template_sha256 {
            Some(hash) => format!("deployed template sha256:{}", &hash[..hash.len().min(12)]),
            None => "no stack yet: it will be created".to_string(),
        };
        let account = self.account.as_ref().map(|a| format!(" of account {a}")).unwrap_or_default();
        let _ = writeln!(out, "Plan for stack {} in {}{account} ({against})", self.stack, self.region);
        let s = &self.summary;
        let _ = writeln!(
            out,
            "  {} to add, {} to modify, {} to replace, {} to remove",
            s.add, s.modify, s.replace, s.remove
        );
        match &self.preflight {
            Some(PreflightRecord { skipped: true, .. }) => {
                let _ =
                    writeln!(out, "  Preflight skipped (--skip-preflight): nothing was checked against the account.");
            }
            Some(record) => {
                let found = match record.findings.len() {
                    0 => "nothing to report".to_string(),
                    1 => "1 finding (above)".to_string(),
                    n => format!("{n} findings (above)"),
                };
                let took = record.seconds.map(|s| format!(" in {s:.2} s")).unwrap_or_default();
                let _ = writeln!(out, "  Preflight: {} checks against the account{took}, {found}.", record.checks);
            }
            None => {}
        }
        if let Some(drift) = &self.drift {
            render_drift(&mut out, drift);
        }
        if self.changes.is_empty() {
            let _ = match self.deployed_template_sha256 {
                Some(_) => writeln!(out, "\nNo changes: the deployed stack matches the source."),
                None => writeln!(out, "\nNo changes: the template has no resources to create."),
            };
            return out;
        }
        let (destructive, other): (Vec<&PlannedChange>, Vec<&PlannedChange>) =
            self.changes.iter().partition(|c| c.diff.action.is_destructive());
        if !destructive.is_empty() {
            let _ = writeln!(out, "\nDestructive changes:");
            render_groups(&mut out, &destructive);
        }
        if !other.is_empty() {
            let _ = writeln!(out, "\n{}:", if destructive.is_empty() { "Changes" } else { "Other changes" });
            render_groups(&mut out, &other);
        }
        if !self.broadening.is_empty() {
            let _ = writeln!(out, "\nChanges that widen access (review them before approving):");
            const SHOWN: usize = 25;
            for line in self.broadening.iter().take(SHOWN) {
                let _ = writeln!(out, "  > {line}");
            }
            if self.broadening.len() > SHOWN {
                let _ =
                    writeln!(out, "  > ... and {} more (the plan file lists them all)", self.broadening.len() - SHOWN);
            }
        }
        match &self.service_check {
            Some(notes) if notes.is_empty() => {
                let _ = writeln!(out, "\nThe service's change set agrees with this plan.");
            }
            Some(notes) => {
                let _ = writeln!(out, "\nThe service's change set differs from mhac's prediction:");
                for note in notes {
                    let _ = writeln!(out, "  {note}");
                }
            }
            None => {}
        }
        let needs: Vec<&PlannedChange> =
            self.changes.iter().filter(|c| c.needs_permission() && !c.may_be_replaced()).collect();
        let maybe: Vec<&PlannedChange> =
            self.changes.iter().filter(|c| c.needs_permission() && c.may_be_replaced()).collect();
        if !maybe.is_empty() {
            let names: BTreeSet<&str> = maybe.iter().map(|c| c.allow_name()).collect();
            let _ = writeln!(
                out,
                "\n{} stateful resource{} may be replaced (a property that replaces it in some cases changes): `mhac apply` goes ahead only if the service's change set says {} not replaced, or with {}.",
                maybe.len(),
                if maybe.len() == 1 { "" } else { "s" },
                if maybe.len() == 1 { "it is" } else { "they are" },
                names.iter().map(|n| format!("--allow-replace {n}")).collect::<Vec<_>>().join(" ")
            );
        }
        if !needs.is_empty() {
            let names: BTreeSet<&str> = needs.iter().map(|c| c.allow_name()).collect();
            let flags: Vec<String> = names.iter().map(|n| format!("--allow-replace {n}")).collect();
            let _ = writeln!(
                out,
                "\n{} stateful resource{} would be replaced or removed, losing {} data: `mhac apply` refuses unless given {}.",
                needs.len(),
                if needs.len() == 1 { "" } else { "s" },
                if needs.len() == 1 { "its" } else { "their" },
                flags.join(" ")
            );
        }
        out
    }
}

fn render_drift(out: &mut String, drift: &DriftReport) {
    if !drift.drifted.is_empty() {
        let _ = writeln!(
            out,
            "\nChanged outside mhac since the last apply (drift): apply sets {} back to what the source says",
            if drift.drifted.len() == 1 { "it" } else { "them" }
        );
        for resource in &drift.drifted {
            let _ = writeln!(
                out,
                "  * {} ({}): {}",
                resource.logical_id,
                resource.resource_type,
                resource.status.to_ascii_lowercase()
            );
            for difference in &resource.differences {
                let _ = writeln!(out, "      {difference}");
            }
        }
    }
    if let Some(note) = &drift.note {
        let _ = writeln!(out, "  Drift: {note}");
    } else if drift.drifted.is_empty() {
        let _ = writeln!(out, "  Drift: none (nothing changed outside mhac since the last apply).");
    }
}

fn sort_changes(changes: &mut [PlannedChange]) {
    // Destructive first; then by component (source order), then logical ID.
    changes.sort_by(|a, b| {
        let key = |c: &PlannedChange| {
            (
                !c.diff.action.is_destructive(),
                c.component.as_ref().map_or(usize::MAX, |o| o.line),
                c.component.as_ref().map(|o| o.name.clone()),
                c.diff.logical_id.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
}

fn render_groups(out: &mut String, changes: &[&PlannedChange]) {
    let mut groups: Vec<(Option<&Origin>, Vec<&PlannedChange>)> = Vec::new();
    for change in changes {
        match groups.last_mut() {
            Some((origin, items)) if *origin == change.component.as_ref() => items.push(change),
            _ => groups.push((change.component.as_ref(), vec![change])),
        }
    }
    for (origin, items) in groups {
        let heading = match origin {
            Some(origin) => origin.describe(),
            None if items.iter().all(|c| c.diff.action == Action::Remove) => "no longer in the source".to_string(),
            None => "not from a source component".to_string(),
        };
        let _ = writeln!(out, "  {heading}");
        let adds: Vec<&str> =
            items.iter().filter(|c| c.diff.action == Action::Add).map(|c| c.diff.logical_id.as_str()).collect();
        if !adds.is_empty() {
            let _ = writeln!(out, "    + add {}", adds.join(", "));
        }
        for change in items.iter().filter(|c| c.diff.action != Action::Add) {
            let d = &change.diff;
            let (mark, detail) = match d.action {
                Action::Replace => {
                    ("!", format!("replace, because {} cannot change in place", d.replaced_because.join(", ")))
                }
                Action::Remove => ("-", "remove".to_string()),
                Action::Modify => ("~", format!("modify {}", d.changed.join(", "))),
                Action::Add => ("+", "add".to_string()),
            };
            let _ = write!(out, "    {mark} {} ({}): {detail}", d.logical_id, d.resource_type);
            if change.needs_permission() && change.may_be_replaced() {
                let _ = write!(
                    out,
                    " [stateful: may be replaced; needs the service's word or --allow-replace {}]",
                    change.allow_name()
                );
            } else if change.needs_permission() {
                let _ = write!(out, " [stateful: needs --allow-replace {}]", change.allow_name());
            }
            let _ = writeln!(out);
            if !d.caused_by.is_empty() {
                let _ = writeln!(out, "        via {}", d.caused_by.join("; "));
            }
            if !d.may_replace_because.is_empty() {
                let _ = writeln!(
                    out,
                    "        may require replacement: {} (replaced in some cases only)",
                    d.may_replace_because.join(", ")
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn desired(template: Value) -> Desired {
        let origin =
            |kind: &str, name: &str, line| Origin { kind: kind.into(), name: name.into(), file: "t.mha".into(), line };
        Desired {
            source: Some("t.mha".into()),
            stack: "t".into(),
            region: "us-east-1".into(),
            prod: false,
            template,
            origins: BTreeMap::from([
                ("Vpc".to_string(), origin("network", "main", 3)),
                ("FilesBucket".to_string(), origin("object_storage", "files", 9)),
            ]),
            parameters: BTreeMap::new(),
        }
    }

    fn template(cidr: &str, bucket_name: &str) -> Value {
        json!({ "Resources": {
            "Vpc": { "Type": "AWS::EC2::VPC", "Properties": { "CidrBlock": cidr } },
            "FilesBucket": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": bucket_name } },
            "Role": { "Type": "AWS::IAM::Role", "Properties": { "AssumeRolePolicyDocument": {} } }
        } })
    }

    fn deployed(template: &Value) -> Deployed {
        Deployed { body: template.to_string(), template: template.clone(), ..Deployed::default() }
    }

    #[test]
    fn new_stack_plan() {
        let plan = Plan::new(&desired(template("10.0.0.0/16", "b")), None);
        assert_eq!(plan.summary, Summary { add: 3, modify: 0, replace: 0, remove: 0 });
        assert_eq!(plan.capabilities, vec!["CAPABILITY_IAM"]);
        assert_eq!(plan.deployed_template_sha256, None);
        assert!(plan.refused(&[]).is_empty());
        let text = plan.render();
        assert!(text.contains("0 to remove"), "{text}");
        assert!(text.contains("network main (t.mha:3)\n    + add Vpc"), "{text}");
    }

    #[test]
    fn destructive_first_and_refusal() {
        let old = template("10.0.0.0/16", "b");
        let plan = Plan::new(&desired(template("10.1.0.0/16", "c")), Some(&deployed(&old)));
        assert_eq!(plan.summary.replace, 2);
        assert_eq!(plan.changes[0].diff.logical_id, "Vpc");
        assert_eq!(plan.changes[1].diff.logical_id, "FilesBucket");
        assert_eq!(plan.refused(&[]).len(), 1);
        assert!(plan.refused(&["files".to_string()]).is_empty());
        assert!(plan.refused(&["FilesBucket".to_string()]).is_empty());
        let text = plan.render();
        let destructive = text.find("Destructive changes").expect("section");
        assert!(text[destructive..].contains("! FilesBucket (AWS::S3::Bucket): replace, because BucketName cannot change in place [stateful: needs --allow-replace files]"), "{text}");
        assert!(text.contains("--allow-replace files."), "{text}");
        // A removed resource: its old component's name, by its logical ID.
        let mut removed = template("10.0.0.0/16", "b");
        removed["Resources"].as_object_mut().expect("object").remove("FilesBucket");
        let mut d = desired(removed);
        d.origins.remove("FilesBucket");
        let plan = Plan::new(&d, Some(&deployed(&old)));
        assert_eq!(plan.refused(&[]).len(), 1);
        assert!(plan.refused(&["files".to_string()]).is_empty());
        assert_eq!(plan.refused(&["file".to_string()]).len(), 1);
    }

    #[test]
    fn a_resource_that_moves_to_another_stack_is_replaced() {
        let t = template("10.0.0.0/16", "b");
        let mut plan = Plan::new(&desired(t.clone()), Some(&deployed(&t)));
        assert!(plan.is_empty());
        plan.mark_moved(&[("FilesBucket".into(), "the root stack".into(), "DataStack".into())]);
        assert_eq!(plan.summary.replace, 1);
        assert_eq!(plan.changes[0].diff.replaced_because, vec!["its stack (the root stack → DataStack)"]);
        assert_eq!(plan.refused(&[]).len(), 1, "a stateful resource that moves needs --allow-replace");
    }

    #[test]
    fn a_stateful_change_that_may_replace_needs_permission() {
        let db = |multi_az: bool| json!({ "Resources": { "Db": { "Type": "AWS::RDS::DBInstance", "Properties": { "MultiAZ": multi_az } } } });
        let plan = Plan::new(&desired(db(true)), Some(&deployed(&db(false))));
        assert_eq!(plan.summary.modify, 1);
        assert!(plan.changes[0].may_be_replaced() && plan.changes[0].needs_permission());
        assert_eq!(plan.refused(&[]).len(), 1);
        let text = plan.render();
        assert!(text.contains("[stateful: may be replaced; needs the service's word or --allow-replace Db]"), "{text}");
        assert!(text.contains("goes ahead only if the service's change set says it is not replaced"), "{text}");
    }

    #[test]
    fn round_trip_and_version_check() {
        let plan = Plan::new(&desired(template("10.0.0.0/16", "b")), None);
        let back = Plan::from_json(&plan.to_json()).expect("reads back");
        assert_eq!(back, plan);
        assert!(Plan::from_json("{}").is_err());
        let mut value: Value = serde_json::from_str(&plan.to_json()).expect("json");
        value["version"] = json!(99);
        assert!(Plan::from_json(&value.to_string()).expect_err("refused").contains("version 99"));
    }

    #[test]
    fn named_iam_and_params() {
        let t = json!({ "Parameters": { "A": { "Type": "String", "Default": "x" }, "S": { "Type": "String", "NoEcho": true } },
            "Resources": { "R": { "Type": "AWS::IAM::Role", "Properties": { "RoleName": "r" } } } });
        assert_eq!(capabilities(&t), vec!["CAPABILITY_NAMED_IAM"]);
        assert_eq!(secret_parameters(&t), BTreeSet::from(["S".to_string()]));
        let mut d = desired(t.clone());
        let mut dep = deployed(&t);
        dep.parameters = BTreeMap::from([("A".into(), "x".into()), ("S".into(), "****".into())]);
        d.parameters.insert("S".into(), "secret".into());
        assert!(changed_parameters(&d, &dep).is_empty());
        d.parameters.insert("A".into(), "y".into());
        assert_eq!(changed_parameters(&d, &dep), BTreeSet::from(["A".to_string()]));
        let ssm = json!({ "Parameters": { "Image": { "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
            "Default": "/aws/service/ami" } }, "Resources": {} });
        let d = desired(ssm.clone());
        let mut dep = deployed(&ssm);
        dep.parameters = BTreeMap::from([("Image".into(), "ami-123".into())]);
        assert!(changed_parameters(&d, &dep).is_empty());
        dep.parameters = BTreeMap::from([("Image".into(), "/aws/service/other".into())]);
        assert_eq!(changed_parameters(&d, &dep), BTreeSet::from(["Image".to_string()]));
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
