//! The operations behind `mhac plan`, `apply`, `destroy` and `status`.

use crate::aws::{
    self, Aws, Backoff, ChangeSetKind, ChangeSetOutcome, Error, Event, ServiceChange, StackInfo, TemplateSource,
};
use crate::console::Console;
use crate::diff::Action;
use crate::failure;
use crate::plan::{Deployed, Desired, DriftReport, Origin, Plan};
use crate::staging;
use aws_sdk_cloudformation::Client;
use mhac_backends::cloudformation::nested::{self, Nested};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The stack reached `*_COMPLETE` (or was deleted).
    Done,
    /// Nothing to change.
    NoChanges,
    /// mhac refused before changing anything.
    Refused,
    /// The stack operation failed or rolled back.
    Failed,
    /// The user stopped watching; the operation goes on.
    Interrupted,
}

/// A plan and what it was made against.
pub struct Planned {
    /// The stack, if it exists.
    pub info: Option<StackInfo>,
    /// What is deployed, if anything.
    pub deployed: Option<Deployed>,
    /// The plan.
    pub plan: Plan,
    /// The split into nested stacks, when the deployment is (or already
    /// was) past CloudFormation's limits.
    pub nested: Option<Nested>,
}

/// How long drift detection may take per stack.
const DRIFT_PATIENCE: Duration = Duration::from_secs(120);

/// Make a plan: read what is deployed (the nested stacks of a split
/// deployment joined into one template), compare, split the new template
/// when it must be (a resource a split would move to another stack is
/// replaced: listed so), and detect drift.
pub async fn plan(aws: &Aws, desired: &Desired) -> Result<Planned, Error> {
    let client = &aws.cloudformation;
    let (info, deployed) = aws::deployed(client, &desired.stack).await?;
    let mut plan = Plan::new(desired, deployed.as_ref());
    let nested = layout(&desired.template, deployed.as_ref())?;
    if let Some(deployed) = &deployed {
        let new: BTreeMap<String, String> = nested.as_ref().map(Nested::assignment).unwrap_or_default();
        let moved: Vec<(String, String, String)> = desired
            .template
            .get("Resources")
            .and_then(serde_json::Value::as_object)
            .into_iter()
            .flat_map(|r| r.keys())
            .filter(|id| deployed.template.pointer(&format!("/Resources/{id}")).is_some())
            .filter_map(|id| {
                let stack = |child: Option<&String>| child.cloned().unwrap_or_else(|| "the root stack".to_string());
                let (before, after) = (stack(deployed.assignment.get(id)), stack(new.get(id)));
                (before != after).then(|| (id.clone(), before, after))
            })
            .collect();
        plan.mark_moved(&moved);
    }
    if let Some(info) = info.as_ref().filter(|i| !i.is_review()) {
        let stacks: Vec<String> = match &deployed {
            Some(d) if d.is_nested() => d.children.iter().map(|(_, id)| id.clone()).collect(),
            _ => vec![info.id.clone()],
        };
        plan.drift = Some(drift(aws, &stacks).await);
    }
    Ok(Planned { info, deployed, plan, nested })
}

/// Whether a template is deployed as nested stacks, and how: when it is
/// past CloudFormation's limits, or when the deployed stack is split
/// already (a split deployment stays split, so nothing moves back).
pub fn layout(template: &serde_json::Value, deployed: Option<&Deployed>) -> Result<Option<Nested>, Error> {
    let was_nested = deployed.is_some_and(Deployed::is_nested);
    if !was_nested && !nested::needs_split(template) {
        return Ok(None);
    }
    let previous = deployed.map(|d| d.assignment.clone()).unwrap_or_default();
    nested::split(template, &previous)
        .map(Some)
        .map_err(|e| Error::msg(format!("cannot split the deployment into nested stacks: {e}")))
}

/// Drift of the stacks (in parallel), as one report.
async fn drift(aws: &Aws, stacks: &[String]) -> DriftReport {
    let client = aws.cloudformation_quick();
    let mut tasks = tokio::task::JoinSet::new();
    for stack in stacks {
        let (client, stack) = (client.clone(), stack.clone());
        tasks.spawn(async move { aws::detect_drift(&client, &stack, DRIFT_PATIENCE).await });
    }
    let mut report = DriftReport::default();
    while let Some(result) = tasks.join_next().await {
        match result {
            Ok(Ok(Some(drifted))) => report.drifted.extend(drifted),
            Ok(Ok(None)) => {
                report.note.get_or_insert_with(|| {
                    format!(
                        "drift detection did not finish within {} s; plan again to see it",
                        DRIFT_PATIENCE.as_secs()
                    )
                });
            }
            Ok(Err(error)) => {
                report.note.get_or_insert_with(|| format!("not checked: {error}"));
            }
            Err(error) => {
                report.note.get_or_insert_with(|| format!("not checked: {error}"));
            }
        }
    }
    report.drifted.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    report
}

/// Where the templates go, and what the staging bucket is for.
#[derive(Clone, Debug, Default)]
pub struct Staging {
    /// The account the credentials are for (the staging bucket's name).
    pub account: Option<String>,
    /// `--staging-bucket NAME`.
    pub bucket: Option<String>,
}

/// Whether the template must go through the staging bucket: it is split,
/// or too large to send in the request.
pub fn needs_staging(plan: &Plan, nested: Option<&Nested>) -> bool {
    nested.is_some() || aws::compact(&plan.template).is_ok_and(|b| b.len() > aws::MAX_TEMPLATE_BODY)
}

/// The template for a change set, and its capabilities: the body itself, or
/// the staging bucket's URL of it (and of its nested stacks).
async fn template_source(
    aws: &Aws,
    plan: &Plan,
    nested: Option<&Nested>,
    staging: Option<&staging::Staging>,
) -> Result<(TemplateSource, Vec<String>), Error> {
    let mut capabilities = plan.capabilities.clone();
    let body = match nested {
        None => aws::compact(&plan.template)?,
        Some(split) => {
            let staging = staging.ok_or_else(|| Error::msg("nested stacks need the staging bucket"))?;
            let mut split = split.clone();
            let mut urls = BTreeMap::new();
            for child in &split.children {
                let url =
                    staging::upload(aws, staging, &plan.stack, &child.logical_id, &aws::compact(&child.template)?)
                        .await?;
                urls.insert(child.logical_id.clone(), url);
            }
            split.set_template_urls(|child| urls.get(&child.logical_id).cloned().unwrap_or_default());
            if !capabilities.iter().any(|c| c == "CAPABILITY_AUTO_EXPAND") {
                capabilities.push("CAPABILITY_AUTO_EXPAND".to_string());
            }
            aws::compact(&split.parent)?
        }
    };
    if body.len() <= aws::MAX_TEMPLATE_BODY {
        return Ok((TemplateSource::Body(body), capabilities));
    }
    let staging = staging.ok_or_else(|| {
        Error::msg(format!(
            "the template is {} bytes, over the {} bytes a request may carry, and there is no staging bucket",
            body.len(),
            aws::MAX_TEMPLATE_BODY
        ))
    })?;
    let name = if nested.is_some() { "parent" } else { "template" };
    Ok((TemplateSource::Url(staging::upload(aws, staging, &plan.stack, name, &body).await?), capabilities))
}

/// The account's id, from the staging options or STS.
async fn account(aws: &Aws, staging: &Staging) -> Result<String, Error> {
    match &staging.account {
        Some(account) => Ok(account.clone()),
        None => Ok(crate::preflight::identity(aws).await?.account),
    }
}

/// Confirm a plan for an existing stack with the service: create a change
/// set, compare its changes with the prediction, and delete it. Records the
/// service's verdict in the plan (`service_check`). New stacks and empty
/// plans are not checked: a change set for a new stack would create it (in
/// review), and an empty plan has nothing to confirm. A template that needs
/// the staging bucket is checked only when the bucket exists: `plan`
/// creates nothing.
pub async fn confirm_with_service(aws: &Aws, planned: &mut Planned, options: &Staging) -> Result<(), Error> {
    let plan = &mut planned.plan;
    if plan.deployed_template_sha256.is_none() || plan.is_empty() {
        return Ok(());
    }
    let staging = if needs_staging(plan, planned.nested.as_ref()) {
        let account = account(aws, options).await?;
        match staging::prepare(aws, &account, options.bucket.as_deref(), false).await? {
            Some(staging) => Some(staging),
            None => {
                plan.service_check = Some(vec![format!(
                    "not asked: the template goes through the staging bucket {}, which `mhac apply` creates",
                    staging::default_name(&account, &aws.region())
                )]);
                return Ok(());
            }
        }
    } else {
        None
    };
    let (source, capabilities) = template_source(aws, plan, planned.nested.as_ref(), staging.as_ref()).await?;
    let client = &aws.cloudformation;
    let name = format!("mhac-plan-{}", millis());
    let id = aws::create_change_set(
        client,
        &plan.stack,
        &name,
        ChangeSetKind::Update,
        &source,
        &plan.parameters,
        &capabilities,
    )
    .await?;
    let outcome = aws::wait_change_set(client, &id).await;
    aws::delete_change_set(client, &id).await;
    plan.service_check = Some(match outcome? {
        ChangeSetOutcome::Ready(changes) => compare_with_service(plan, &changes).notes,
        ChangeSetOutcome::NoChanges => vec!["the service's change set lists no change".to_string()],
        ChangeSetOutcome::Failed(reason) => vec![format!("the service refused a change set: {reason}")],
    });
    Ok(())
}

fn millis() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}

/// How `apply` gets the user's go-ahead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Approval {
    /// `--auto-approve`, or a saved plan (reviewed when it was made).
    #[default]
    Given,
    /// Ask on the terminal.
    Ask,
    /// No terminal to ask on and no `--auto-approve`: refuse.
    Refuse,
}

/// Options of `apply`.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Source component names (or logical IDs) whose replacement or removal
    /// is allowed.
    pub allow_replace: Vec<String>,
    /// How to get the go-ahead.
    pub approval: Approval,
    /// The staging bucket and account.
    pub staging: Staging,
    /// What preflight did, to show with the plan.
    pub preflight: Option<crate::plan::PreflightRecord>,
}

/// `mhac status --stack NAME --region R --watch`, for messages.
pub fn status_command(stack: &str, region: &str) -> String {
    format!("mhac status --stack {stack} --region {region} --watch")
}

/// Ask on the terminal whether to apply; only `yes` says yes.
fn ask(stack: &str) -> bool {
    use std::io::{BufRead, Write};
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "\nApply these changes to stack {stack}? Only 'yes' applies them: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    answer.trim() == "yes"
}

/// Deploy. `saved` is the plan file being applied, if any: then the
/// deployed template must still be the one that plan was made against.
pub async fn apply(
    aws: &Aws,
    desired: &Desired,
    saved: Option<&Plan>,
    options: &ApplyOptions,
    console: &mut Console,
) -> Result<Outcome, Error> {
    let client = &aws.cloudformation;
    let Planned { info, deployed: _, mut plan, nested } = plan(aws, desired).await?;
    if let Some(info) = &info {
        if info.is_busy() {
            return Err(Error::msg(format!(
                "stack {} is busy ({}); follow it with `{}` and apply when it is done",
                info.name,
                info.status,
                status_command(&info.name, &desired.region)
            )));
        }
        if info.status == "ROLLBACK_COMPLETE" || info.status == "ROLLBACK_FAILED" {
            return Err(Error::msg(format!(
                "stack {} is in {} after a failed creation and cannot be updated; delete it with `mhac destroy --stack {} --region {}` and apply again",
                info.name, info.status, info.name, desired.region
            )));
        }
    }
    if let Some(saved_plan) = saved.filter(|p| p.deployed_template_sha256 != plan.deployed_template_sha256) {
        let describe = |hash: &Option<String>| match hash {
            Some(hash) => format!("template sha256:{hash}"),
            None => "no stack".to_string(),
        };
        console.line(&format!(
            "error: the deployed stack {} changed since the plan was made: the plan was made against {}, the stack now has {}",
            desired.stack,
            describe(&saved_plan.deployed_template_sha256),
            describe(&plan.deployed_template_sha256)
        ));
        console.line("Make a new plan (`mhac plan FILE -o plan.json`), review it, and apply that.");
        return Ok(Outcome::Refused);
    }
    plan.account = options.staging.account.clone();
    plan.preflight = options.preflight.clone().or_else(|| saved.and_then(|s| s.preflight.clone()));
    console.text(&plan.render());
    // Replaced or removed for sure: refused before anything is asked.
    let refused: Vec<&crate::plan::PlannedChange> =
        plan.refused(&options.allow_replace).into_iter().filter(|c| !c.may_be_replaced()).collect();
    if !refused.is_empty() {
        refuse(console, &refused.iter().map(|c| (c.allow_name().to_string(), describe_change(c))).collect::<Vec<_>>());
        return Ok(Outcome::Refused);
    }
    let deployed_params = info.as_ref().map(|i| i.parameters.clone()).unwrap_or_default();
    let secrets = crate::plan::secret_parameters(&plan.template);
    let params_unchanged = plan.parameters.iter().all(|(k, v)| {
        deployed_params.get(k).is_some_and(|old| old == v) || (secrets.contains(k) && deployed_params.contains_key(k))
    }) && deployed_params
        .keys()
        .all(|k| plan.parameters.contains_key(k) || plan_default(&plan, k).is_some());
    if plan.is_empty() && plan.deployed_template_sha256.is_some() && params_unchanged {
        return Ok(Outcome::NoChanges);
    }
    match options.approval {
        Approval::Given => {}
        Approval::Ask => {
            if !ask(&plan.stack) {
                console.line("Nothing was changed: the changes were not approved.");
                return Ok(Outcome::Refused);
            }
        }
        Approval::Refuse => {
            console.line("");
            console.line(&format!(
                "error: refusing to change stack {} without approval: standard input is not a terminal, so mhac cannot ask.",
                plan.stack
            ));
            console.line(
                "Nothing was changed. Review the plan above and run apply again with --auto-approve, or save it with `mhac plan FILE -o plan.json` and apply that file.",
            );
            return Ok(Outcome::Refused);
        }
    }

    let staging = if needs_staging(&plan, nested.as_ref()) {
        let account = account(aws, &options.staging).await?;
        let staging = staging::prepare(aws, &account, options.staging.bucket.as_deref(), true)
            .await?
            .ok_or_else(|| Error::msg("the staging bucket could not be prepared"))?;
        if staging.created {
            console.line(&format!(
                "Created the staging bucket {} (encrypted, versioned, {}public access blocked; templates expire after {} days).",
                staging.bucket,
                if staging.without_tls_policy { "" } else { "TLS only, " },
                staging::EXPIRE_DAYS
            ));
            if staging.without_tls_policy {
                console.line("  (The endpoint is plain HTTP, so the bucket has no TLS-only policy: it would refuse every request made through it.)");
            }
        }
        Some(staging)
    } else {
        None
    };
    let (source, capabilities) = template_source(aws, &plan, nested.as_ref(), staging.as_ref()).await?;
    if let Some(staging) = &staging {
        let what = match (&nested, &source) {
            (Some(split), TemplateSource::Url(_)) => {
                format!("the parent's and its {} nested stacks' templates", split.children.len())
            }
            (Some(split), TemplateSource::Body(_)) => {
                format!("the templates of {} nested stacks", split.children.len())
            }
            (None, _) => "the template".to_string(),
        };
        console.line(&format!("Uploaded {what} to s3://{}/mhac/{}/.", staging.bucket, plan.stack));
    }
    let kind = if plan.deployed_template_sha256.is_some() { ChangeSetKind::Update } else { ChangeSetKind::Create };
    let name = format!("mhac-{}", millis());
    let started = Instant::now();
    let change_set =
        aws::create_change_set(client, &plan.stack, &name, kind, &source, &plan.parameters, &capabilities).await?;
    let service_changes = match aws::wait_change_set(client, &change_set).await? {
        ChangeSetOutcome::Ready(changes) => changes,
        ChangeSetOutcome::NoChanges => {
            aws::delete_change_set(client, &change_set).await;
            console.line("The service found nothing to change.");
            return Ok(Outcome::NoChanges);
        }
        ChangeSetOutcome::Failed(reason) => {
            aws::delete_change_set(client, &change_set).await;
            return Err(Error::msg(format!("the service refused the change set: {reason}")));
        }
    };
    let comparison = compare_with_service(&plan, &service_changes);
    if !comparison.notes.is_empty() {
        console.line("");
        console.line("The service's change set differs from mhac's prediction:");
        for note in &comparison.notes {
            console.line(&format!("  {note}"));
        }
    } else if kind == ChangeSetKind::Update {
        console.line("");
        console.line("The service's change set agrees with the plan.");
    }
    let mut service_refused: Vec<(String, String)> = comparison
        .replaced_by_service
        .iter()
        .filter_map(|id| plan.changes.iter().find(|c| &c.diff.logical_id == id))
        .filter(|c| c.stateful && !c.allowed_by(&options.allow_replace))
        .map(|c| (c.allow_name().to_string(), format!("{} (the service says it will be replaced)", describe_change(c))))
        .collect();
    // May be replaced: only the service's word that it is not clears it.
    for change in plan.changes.iter().filter(|c| c.needs_permission() && c.may_be_replaced()) {
        if change.allowed_by(&options.allow_replace) || comparison.replaced_by_service.contains(&change.diff.logical_id)
        {
            continue;
        }
        let said = service_changes
            .iter()
            .find(|s| s.logical_id == change.diff.logical_id)
            .and_then(|s| s.replacement.as_deref());
        let why = match said {
            Some("False") => continue,
            Some(word) => format!("the service's change set says Replacement: {word}"),
            None => "the service's change set does not say whether it replaces it".to_string(),
        };
        service_refused.push((
            change.allow_name().to_string(),
            format!(
                "{} may be replaced: {} changes ({why})",
                describe_change(change),
                change.diff.may_replace_because.join(", ")
            ),
        ));
    }
    if !service_refused.is_empty() {
        aws::delete_change_set(client, &change_set).await;
        refuse(console, &service_refused);
        return Ok(Outcome::Refused);
    }

    let stack_id = aws::describe_stack(client, &plan.stack).await?.map_or(plan.stack.clone(), |i| i.id);
    let since = aws::latest_event_id(client, &stack_id).await?;
    console.line("");
    if let Err(error) = aws::execute_change_set(client, &change_set).await {
        report_execute_error(console, &plan, &error);
        return Ok(Outcome::Failed);
    }
    if plan.prod && !info.as_ref().is_some_and(|i| i.termination_protection) {
        match aws::set_termination_protection(client, &stack_id, true).await {
            Ok(()) => console.line(&format!("Termination protection is on for {} (a prod stack).", plan.stack)),
            Err(error) => console.line(&format!(
                "warning: could not turn on termination protection for prod stack {}: {error}",
                plan.stack
            )),
        }
    }
    let (total, unit) = match &nested {
        Some(split) => (split.children.len(), "nested stack"),
        None => (plan.summary.total(), "resource change"),
    };
    let verb = if kind == ChangeSetKind::Create { "Creating" } else { "Updating" };
    let outcome = watch_interruptible(
        client,
        &stack_id,
        &plan.stack,
        &plan.region,
        since,
        total,
        &plan.origins,
        console,
        &format!("{verb} stack {} ({total} {unit}{})", plan.stack, if total == 1 { "" } else { "s" }),
    )
    .await?;
    if outcome == Outcome::Done {
        console.line(&format!("Done in {:.1}s.", started.elapsed().as_secs_f64()));
    }
    Ok(outcome)
}

/// Print what the deployed stack outputs, as `terraform apply` does: one
/// `Key = value` line each. An output of several lines (the DNS records a
/// person must add, `SiteDnsRecords`) is printed under its description, one
/// line each, so it can be copied into a zone file or a ticket.
pub async fn print_outputs(client: &Client, stack: &str, console: &Console) -> Result<(), Error> {
    let Some(info) = aws::describe_stack(client, stack).await? else { return Ok(()) };
    if info.outputs.is_empty() {
        return Ok(());
    }
    console.line("");
    console.line("Outputs:");
    let mut blocks = Vec::new();
    for (key, (value, description)) in &info.outputs {
        if value.contains('\n') {
            blocks.push((key, value, description));
        } else {
            console.line(&format!("  {key} = {value}"));
        }
    }
    for (key, value, description) in blocks {
        console.line("");
        console.line(&format!("{} ({key}):", description.as_deref().unwrap_or(key)));
        for line in value.lines() {
            console.line(&format!("  {line}"));
        }
    }
    Ok(())
}

fn plan_default<'p>(plan: &'p Plan, key: &str) -> Option<&'p serde_json::Value> {
    plan.template.get("Parameters").and_then(|p| p.get(key)).and_then(|p| p.get("Default"))
}

fn describe_change(change: &crate::plan::PlannedChange) -> String {
    let what = match change.diff.action {
        Action::Replace => format!("replace {} ({})", change.diff.logical_id, change.diff.resource_type),
        Action::Remove => format!("remove {} ({})", change.diff.logical_id, change.diff.resource_type),
        _ => format!("{} {}", change.diff.action.as_str(), change.diff.logical_id),
    };
    match &change.component {
        Some(origin) => format!("{what} of {}", origin.describe()),
        None => what,
    }
}

fn refuse(console: &Console, refused: &[(String, String)]) {
    console.line("");
    console.line("error: refusing to replace or remove stateful resources: their data would be lost");
    for (_, what) in refused {
        console.line(&format!("  {what}"));
    }
    let names: BTreeSet<&str> = refused.iter().map(|(n, _)| n.as_str()).collect();
    console.line(&format!(
        "Nothing was changed. Back up the data, then run apply again with {} to allow it.",
        names.iter().map(|n| format!("--allow-replace {n}")).collect::<Vec<_>>().join(" ")
    ));
}

/// Where the service's change set and mhac's prediction differ.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// One line per difference.
    pub notes: Vec<String>,
    /// Resources the service will replace (`Replacement: True`).
    pub replaced_by_service: Vec<String>,
}

/// Compare the service's change set with the plan.
pub fn compare_with_service(plan: &Plan, service: &[ServiceChange]) -> Comparison {
    let mut comparison = Comparison::default();
    // Nested stacks the service lists as a whole, without the change sets
    // of their own resources (a local emulator): nothing to compare there.
    let whole: Vec<&str> = service
        .iter()
        .filter(|c| c.resource_type == "AWS::CloudFormation::Stack")
        .map(|c| c.logical_id.as_str())
        .collect();
    let service: Vec<ServiceChange> =
        service.iter().filter(|c| c.resource_type != "AWS::CloudFormation::Stack").cloned().collect();
    let service = service.as_slice();
    let predicted: BTreeMap<&str, &crate::plan::PlannedChange> =
        plan.changes.iter().map(|c| (c.diff.logical_id.as_str(), c)).collect();
    let deployed: BTreeSet<&str> = plan
        .changes
        .iter()
        .filter(|c| c.diff.action != Action::Add)
        .map(|c| c.diff.logical_id.as_str())
        .chain(
            // Unchanged resources are deployed too.
            plan.template
                .get("Resources")
                .and_then(|r| r.as_object())
                .into_iter()
                .flat_map(|r| r.keys().map(String::as_str))
                .filter(|id| !predicted.contains_key(id)),
        )
        .collect();
    let mut spurious_adds = 0;
    let mut seen = BTreeSet::new();
    for change in service {
        let id = change.logical_id.as_str();
        seen.insert(id);
        let mine = predicted.get(id).map(|c| c.diff.action);
        match (change.action.as_str(), mine) {
            ("Add", Some(Action::Add)) | ("Remove", Some(Action::Remove)) => {}
            ("Add", _) if plan.deployed_template_sha256.is_some() && deployed.contains(id) => spurious_adds += 1,
            ("Modify", Some(action @ (Action::Modify | Action::Replace))) => {
                // Without a Replacement field (a local emulator omits it) the
                // service makes no claim to compare.
                let Some(replacement) = change.replacement.as_deref() else { continue };
                let causes: Vec<String> =
                    change.recreation.iter().map(|(name, how)| format!("{name} ({how})")).collect();
                let causes =
                    if causes.is_empty() { String::new() } else { format!("; recreation: {}", causes.join(", ")) };
                match (replacement, action) {
                    ("True", Action::Replace) | ("False", Action::Modify) => {}
                    ("True", _) => {
                        comparison.replaced_by_service.push(id.to_string());
                        comparison.notes.push(format!(
                            "{id}: the service will REPLACE it; mhac predicted an in-place modify{causes}"
                        ));
                    }
                    ("Conditional", _) => comparison.notes.push(format!(
                        "{id}: the service says it may be replaced (Conditional); mhac predicted {}{causes}",
                        action.as_str()
                    )),
                    (_, _) => comparison.notes.push(format!(
                        "{id}: the service will update it in place; mhac predicted a replacement{causes}"
                    )),
                }
            }
            (action, mine) => comparison.notes.push(format!(
                "{id}: the service says {action}; mhac predicted {}",
                mine.map_or("no change", Action::as_str)
            )),
        }
    }
    if spurious_adds > 0 {
        comparison.notes.push(format!(
            "the service lists {spurious_adds} resources that are already deployed as Add (a local emulator does this); mhac's own diff above stands"
        ));
    }
    let unlisted: Vec<&crate::plan::PlannedChange> =
        plan.changes.iter().filter(|c| !seen.contains(c.diff.logical_id.as_str())).collect();
    if !whole.is_empty() && !unlisted.is_empty() {
        let stacks = match whole.as_slice() {
            [one] => format!("nested stack {one}"),
            many => format!("{} nested stacks", many.len()),
        };
        comparison.notes.push(format!(
            "the service lists the {stacks} as a whole, not their {} resource changes; mhac's own diff above stands",
            unlisted.len()
        ));
        return comparison;
    }
    for change in unlisted {
        let id = change.diff.logical_id.as_str();
        comparison
            .notes
            .push(format!("{id}: mhac predicted {}; the service lists no change", change.diff.action.as_str()));
    }
    comparison
}

fn report_execute_error(console: &Console, plan: &Plan, error: &Error) {
    console.line(&format!("error: the deployment of stack {} failed: {error}", plan.stack));
    let suspects = failure::suspects(&plan.template, &plan.parameters, error);
    let describe = |id: &str| {
        let ty = plan.template.pointer(&format!("/Resources/{id}/Type")).and_then(|t| t.as_str()).unwrap_or("?");
        match plan.origins.get(id) {
            Some(origin) => format!("{id} ({ty}) from {}", origin.describe()),
            None => format!("{id} ({ty})"),
        }
    };
    match suspects.as_slice() {
        [] => console.line("The service did not say which resource failed."),
        [one] => console.line(&format!("Failed resource: {}", describe(one))),
        many => {
            console.line("The service did not name the resource; the error points at one of:");
            for id in many {
                console.line(&format!("  {}", describe(id)));
            }
        }
    }
}

fn is_terminal(status: &str) -> bool {
    !status.ends_with("_IN_PROGRESS")
}

fn is_success(status: &str) -> bool {
    matches!(status, "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "IMPORT_COMPLETE" | "DELETE_COMPLETE")
}

/// The DNS record a certificate waits for, from its event: CloudFormation
/// reports it as `Content of DNS Record is: {Name: N,Type: CNAME,Value: V}`
/// while ACM waits for DNS validation (external DNS). (name, type, value).
pub fn validation_record(event: &Event) -> Option<(String, String, String)> {
    if event.resource_type != "AWS::CertificateManager::Certificate" {
        return None;
    }
    let content = event.reason.as_deref()?.split("Content of DNS Record is:").nth(1)?.trim();
    let content = content.strip_prefix('{')?.split('}').next()?;
    let (mut name, mut kind, mut value) = (None, None, None);
    for field in content.split(',') {
        let (key, text) = field.split_once(':')?;
        let text = Some(text.trim().to_string()).filter(|t| !t.is_empty());
        match key.trim() {
            "Name" => name = text,
            "Type" => kind = text,
            "Value" => value = text,
            _ => {}
        }
    }
    Some((name?, kind?, value?))
}

fn event_line(event: &Event, origins: &BTreeMap<String, Origin>) -> String {
    let mut line = format!("{:<24} {:<28} {}", event.time, event.status, event.logical_id);
    if !event.is_stack() {
        line.push_str(&format!(" ({})", event.resource_type));
    }
    if let Some(origin) = origins.get(&event.logical_id) {
        line.push_str(&format!(" [{}]", origin.location()));
    }
    if let Some(reason) = &event.reason {
        line.push_str(&format!(": {reason}"));
    }
    line
}

/// Follow a stack operation until it ends, with Ctrl-C stopping the watch
/// (not the operation).
#[allow(clippy::too_many_arguments)]
pub async fn watch_interruptible(
    client: &Client,
    stack_id: &str,
    stack_name: &str,
    region: &str,
    since: Option<String>,
    total: usize,
    origins: &BTreeMap<String, Origin>,
    console: &mut Console,
    message: &str,
) -> Result<Outcome, Error> {
    console.start(total, message);
    let outcome = tokio::select! {
        outcome = watch(client, stack_id, since, total, origins, console) => outcome,
        _ = tokio::signal::ctrl_c() => {
            console.finish();
            console.line(&format!(
                "Stopped watching. The stack operation goes on in AWS; follow it with `{}`.",
                status_command(stack_name, region)
            ));
            return Ok(Outcome::Interrupted);
        }
    };
    console.finish();
    let (status, reason, events) = outcome?;
    if is_success(&status) {
        console.line(&format!("Stack {stack_name}: {status}"));
        return Ok(Outcome::Done);
    }
    console.line(&format!(
        "error: stack {stack_name} ended in {status}{}",
        reason.map(|r| format!(": {r}")).unwrap_or_default()
    ));
    // A nested stack that failed: its own events say which resource did.
    let mut cause = failure::root_cause(&events).cloned();
    let mut within = String::new();
    for _ in 0..3 {
        let Some(event) = cause.clone().filter(Event::is_nested_stack) else { break };
        let Some(child) = event.physical_id.clone() else { break };
        let child_events = aws::events_since(client, &child, None, 1000).await.unwrap_or_default();
        match failure::root_cause(&child_events) {
            Some(inner) => {
                within = format!(" in nested stack {}", event.logical_id);
                cause = Some(inner.clone());
            }
            None => break,
        }
    }
    match cause {
        Some(event) => {
            let place = origins.get(&event.logical_id).map(|o| format!(" from {}", o.describe())).unwrap_or_default();
            console.line(&format!(
                "Failed resource: {} ({}){within}{place}: {} {}",
                event.logical_id,
                event.resource_type,
                event.status,
                event.reason.as_deref().unwrap_or("(no reason given)")
            ));
        }
        None => console.line("No resource event says which resource failed."),
    }
    Ok(Outcome::Failed)
}

/// Follow a stack until it reaches a final state; returns the state, its
/// reason and the events seen.
async fn watch(
    client: &Client,
    stack_id: &str,
    mut since: Option<String>,
    total: usize,
    origins: &BTreeMap<String, Origin>,
    console: &Console,
) -> Result<(String, Option<String>, Vec<Event>), Error> {
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(10));
    let mut seen: Vec<Event> = Vec::new();
    let mut finished: BTreeSet<String> = BTreeSet::new();
    let mut awaiting: BTreeSet<String> = BTreeSet::new();
    loop {
        let events = aws::events_since(client, stack_id, since.as_deref(), 1000).await?;
        if !events.is_empty() {
            backoff.reset();
        }
        for event in events {
            since = Some(event.id.clone());
            if !event.is_stack() && (event.status.ends_with("_COMPLETE") || event.status.ends_with("_FAILED")) {
                finished.insert(event.logical_id.clone());
            }
            let failed = event.status.ends_with("_FAILED");
            console.event(finished.len().min(total), &event_line(&event, origins), failed);
            if let Some((name, kind, value)) = validation_record(&event)
                && awaiting.insert(event.logical_id.clone())
            {
                // Printed even under the live display: a person must act.
                console.event(
                    finished.len().min(total),
                    &format!(
                        "The certificate {} waits for its DNS validation record. Add it to the domain's DNS; ACM checks every few minutes, and the stack goes on once it is issued:\n  {name} {kind} {value}",
                        event.logical_id
                    ),
                    true,
                );
            }
            seen.push(event);
        }
        let info = aws::describe_stack(client, stack_id).await?;
        match info {
            None => return Ok(("DELETE_COMPLETE".to_string(), None, seen)),
            Some(info) if is_terminal(&info.status) && !info.is_review() => {
                console
                    .progress(if is_success(&info.status) { total } else { finished.len().min(total) }, &info.status);
                return Ok((info.status, info.reason, seen));
            }
            Some(_) => backoff.wait().await,
        }
    }
}

/// Delete a stack the caller has confirmed: turn termination protection
/// off if needed, delete, and wait for `DELETE_COMPLETE`.
pub async fn destroy(client: &Client, info: &StackInfo, region: &str, console: &mut Console) -> Result<Outcome, Error> {
    if info.termination_protection {
        aws::set_termination_protection(client, &info.id, false).await?;
        console.line(&format!("Termination protection is off for {}.", info.name));
    }
    let since = aws::latest_event_id(client, &info.id).await?;
    aws::delete_stack(client, &info.id).await?;
    watch_interruptible(
        client,
        &info.id,
        &info.name,
        region,
        since,
        0,
        &BTreeMap::new(),
        console,
        &format!("Deleting stack {}", info.name),
    )
    .await
}

/// Print a stack's state and its recent events; with `follow`, keep
/// watching until the stack reaches a final state.
pub async fn status(
    client: &Client,
    stack: &str,
    region: &str,
    follow: bool,
    console: &mut Console,
) -> Result<Outcome, Error> {
    let Some(info) = aws::describe_stack(client, stack).await? else {
        console.line(&format!("Stack {stack} does not exist in {region}."));
        return Ok(Outcome::Failed);
    };
    console.line(&format!(
        "Stack {} in {region}: {}{}",
        info.name,
        info.status,
        info.reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default()
    ));
    console.line(&format!("Termination protection: {}", if info.termination_protection { "on" } else { "off" }));
    let events = aws::events_since(client, &info.id, None, 15).await?;
    if !events.is_empty() {
        console.line("Recent events:");
        for event in &events {
            console.line(&format!("  {}", event_line(event, &BTreeMap::new())));
        }
    }
    if follow && info.is_busy() {
        let since = events.last().map(|e| e.id.clone());
        return watch_interruptible(
            client,
            &info.id,
            &info.name,
            region,
            since,
            0,
            &BTreeMap::new(),
            console,
            &format!("Watching stack {}", info.name),
        )
        .await;
    }
    let ok = is_success(&info.status) || info.is_busy() || info.is_review();
    Ok(if ok { Outcome::Done } else { Outcome::Failed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Desired;
    use serde_json::json;

    #[test]
    fn a_certificate_event_names_the_record_to_add() {
        let event = |ty: &str, reason: &str| Event {
            id: "e".into(),
            logical_id: "SiteCertificate".into(),
            resource_type: ty.into(),
            physical_id: None,
            stack_name: "s".into(),
            status: "CREATE_IN_PROGRESS".into(),
            reason: Some(reason.into()),
            time: String::new(),
        };
        let reason =
            "Content of DNS Record is: {Name: _3f.moodle.example.edu.,Type: CNAME,Value: _9a.xyz.acm-validations.aws.}";
        assert_eq!(
            validation_record(&event("AWS::CertificateManager::Certificate", reason)),
            Some(("_3f.moodle.example.edu.".into(), "CNAME".into(), "_9a.xyz.acm-validations.aws.".into()))
        );
        assert_eq!(validation_record(&event("AWS::EC2::VPC", reason)), None);
        assert_eq!(
            validation_record(&event("AWS::CertificateManager::Certificate", "Resource creation Initiated")),
            None
        );
        assert_eq!(
            validation_record(&event(
                "AWS::CertificateManager::Certificate",
                "Content of DNS Record is: {Name: ,Type: CNAME}"
            )),
            None
        );
    }

    fn plan(old: Option<&serde_json::Value>, new: serde_json::Value) -> Plan {
        let desired = Desired {
            source: None,
            stack: "s".into(),
            region: "us-east-1".into(),
            prod: false,
            template: new,
            origins: BTreeMap::new(),
            parameters: BTreeMap::new(),
        };
        let deployed = old.map(|t| crate::plan::Deployed {
            body: t.to_string(),
            template: t.clone(),
            ..crate::plan::Deployed::default()
        });
        Plan::new(&desired, deployed.as_ref())
    }

    fn service(id: &str, action: &str, replacement: Option<&str>) -> ServiceChange {
        ServiceChange {
            logical_id: id.into(),
            resource_type: "AWS::S3::Bucket".into(),
            action: action.into(),
            replacement: replacement.map(str::to_string),
            recreation: vec![("BucketName".into(), "Always".into())],
        }
    }

    #[test]
    fn comparison_with_the_service() {
        let old = json!({ "Resources": {
            "B": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "a" } },
            "C": { "Type": "AWS::S3::Bucket", "Properties": { "Tags": [] } } } });
        let new = json!({ "Resources": {
            "B": { "Type": "AWS::S3::Bucket", "Properties": { "BucketName": "b" } },
            "C": { "Type": "AWS::S3::Bucket", "Properties": { "Tags": [{ "Key": "k", "Value": "v" }] } } } });
        let p = plan(Some(&old), new);
        // Agreement.
        let c =
            compare_with_service(&p, &[service("B", "Modify", Some("True")), service("C", "Modify", Some("False"))]);
        assert_eq!(c, Comparison::default());
        // The service replaces what mhac thought was a modify.
        let c = compare_with_service(&p, &[service("B", "Modify", Some("True")), service("C", "Modify", Some("True"))]);
        assert_eq!(c.replaced_by_service, vec!["C"]);
        assert!(c.notes[0].contains("C: the service will REPLACE it"), "{:?}", c.notes);
        // An emulator that lists everything as Add.
        let c = compare_with_service(&p, &[service("B", "Add", None), service("C", "Add", None)]);
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert!(c.notes[0].contains("lists 2 resources that are already deployed as Add"));
        // A change the service does not list.
        let c = compare_with_service(&p, &[service("B", "Modify", Some("True"))]);
        assert_eq!(c.notes, vec!["C: mhac predicted modify; the service lists no change"]);
    }

    #[test]
    fn nested_stacks_listed_as_a_whole_are_not_compared_resource_by_resource() {
        let old = json!({ "Resources": { "B": { "Type": "AWS::S3::Bucket", "Properties": {} } } });
        let new = json!({ "Resources": {
            "B": { "Type": "AWS::S3::Bucket", "Properties": {} },
            "T": { "Type": "AWS::SNS::Topic", "Properties": {} } } });
        let p = plan(Some(&old), new);
        let mut stack = service("MonitoringStack", "Modify", None);
        stack.resource_type = "AWS::CloudFormation::Stack".into();
        let c = compare_with_service(&p, &[stack]);
        assert_eq!(
            c.notes,
            vec![
                "the service lists the nested stack MonitoringStack as a whole, not their 1 resource changes; mhac's own diff above stands"
            ]
        );
    }

    #[test]
    fn terminal_states() {
        assert!(is_terminal("CREATE_COMPLETE") && is_success("CREATE_COMPLETE"));
        assert!(is_terminal("ROLLBACK_COMPLETE") && !is_success("ROLLBACK_COMPLETE"));
        assert!(is_terminal("UPDATE_ROLLBACK_FAILED"));
        assert!(!is_terminal("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
    }
}
