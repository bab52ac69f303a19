//! The operations behind `mhac plan`, `apply`, `destroy` and `status`.

use crate::aws::{self, Backoff, ChangeSetKind, ChangeSetOutcome, Error, Event, ServiceChange, StackInfo};
use crate::console::Console;
use crate::diff::Action;
use crate::failure;
use crate::plan::{Desired, Origin, Plan};
use aws_sdk_cloudformation::Client;
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

/// Make a plan: read what is deployed and compare.
pub async fn plan(client: &Client, desired: &Desired) -> Result<(Option<StackInfo>, Plan), Error> {
    let (info, deployed) = aws::deployed(client, &desired.stack).await?;
    Ok((info, Plan::new(desired, deployed.as_ref())))
}

/// Confirm a plan for an existing stack with the service: create a change
/// set, compare its changes with the prediction, and delete it. Records the
/// service's verdict in the plan (`service_check`). New stacks and empty
/// plans are not checked: a change set for a new stack would create it (in
/// review), and an empty plan has nothing to confirm.
pub async fn confirm_with_service(client: &Client, plan: &mut Plan) -> Result<(), Error> {
    if plan.deployed_template_sha256.is_none() || plan.is_empty() {
        return Ok(());
    }
    let body = aws::template_body(&plan.template)?;
    let name = format!("mhac-plan-{}", millis());
    let id = aws::create_change_set(
        client,
        &plan.stack,
        &name,
        ChangeSetKind::Update,
        &body,
        &plan.parameters,
        &plan.capabilities,
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

/// Options of `apply`.
#[derive(Clone, Debug, Default)]
pub struct ApplyOptions {
    /// Source component names (or logical IDs) whose replacement or removal
    /// is allowed.
    pub allow_replace: Vec<String>,
}

/// `mhac status --stack NAME --region R --watch`, for messages.
pub fn status_command(stack: &str, region: &str) -> String {
    format!("mhac status --stack {stack} --region {region} --watch")
}

/// Deploy. `saved` is the plan file being applied, if any: then the
/// deployed template must still be the one that plan was made against.
pub async fn apply(
    client: &Client,
    desired: &Desired,
    saved: Option<&Plan>,
    options: &ApplyOptions,
    console: &mut Console,
) -> Result<Outcome, Error> {
    let (info, plan) = plan(client, desired).await?;
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
    console.text(&plan.render());
    let refused = plan.refused(&options.allow_replace);
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

    let body = aws::template_body(&plan.template)?;
    let kind = if plan.deployed_template_sha256.is_some() { ChangeSetKind::Update } else { ChangeSetKind::Create };
    let name = format!("mhac-{}", millis());
    let started = Instant::now();
    let change_set =
        aws::create_change_set(client, &plan.stack, &name, kind, &body, &plan.parameters, &plan.capabilities).await?;
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
    let service_refused: Vec<(String, String)> = comparison
        .replaced_by_service
        .iter()
        .filter_map(|id| plan.changes.iter().find(|c| &c.diff.logical_id == id))
        .filter(|c| c.stateful && !c.allowed_by(&options.allow_replace))
        .map(|c| (c.allow_name().to_string(), format!("{} (the service says it will be replaced)", describe_change(c))))
        .collect();
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
    let total = plan.summary.total();
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
        &format!("{verb} stack {} ({total} resource change{})", plan.stack, if total == 1 { "" } else { "s" }),
    )
    .await?;
    if outcome == Outcome::Done {
        console.line(&format!("Done in {:.1}s.", started.elapsed().as_secs_f64()));
    }
    Ok(outcome)
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
    for change in &plan.changes {
        let id = change.diff.logical_id.as_str();
        if !seen.contains(id) {
            comparison
                .notes
                .push(format!("{id}: mhac predicted {}; the service lists no change", change.diff.action.as_str()));
        }
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
    match failure::root_cause(&events) {
        Some(event) => {
            let place = origins.get(&event.logical_id).map(|o| format!(" from {}", o.describe())).unwrap_or_default();
            console.line(&format!(
                "Failed resource: {} ({}){place}: {} {}",
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
            parameters: BTreeMap::new(),
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
    fn terminal_states() {
        assert!(is_terminal("CREATE_COMPLETE") && is_success("CREATE_COMPLETE"));
        assert!(is_terminal("ROLLBACK_COMPLETE") && !is_success("ROLLBACK_COMPLETE"));
        assert!(is_terminal("UPDATE_ROLLBACK_FAILED"));
        assert!(!is_terminal("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"));
    }
}
