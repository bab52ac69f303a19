//! The CloudFormation API: client set-up and the calls plan, apply, destroy
//! and status make. Credentials, profiles, retries and timeouts are the AWS
//! SDK's (aws-config's default chain).

use crate::plan::Deployed;
use aws_config::BehaviorVersion;
use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::operation::RequestId;
use aws_sdk_cloudformation::types::{Capability, ChangeSetStatus, ChangeSetType, Parameter, TemplateStage};
use mhac_backends::cloudformation::nested;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// CloudFormation accepts a template body of at most this many bytes in a
/// request (larger templates must be uploaded to S3 first).
pub const MAX_TEMPLATE_BODY: usize = 51_200;

/// An error talking to AWS, as one readable sentence: the operation, the
/// service's error code and message, and the request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The service's error code, when it sent one.
    pub code: Option<String>,
    /// What went wrong: one line.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The SDK's error of any service (every AWS SDK crate re-exports the same
/// smithy type).
pub type SdkError<E> = aws_sdk_cloudformation::error::SdkError<E>;

impl Error {
    /// An error with a message only.
    pub fn msg(message: impl Into<String>) -> Error {
        Error { code: None, message: message.into() }
    }

    /// The one formatter of every SDK error: `Operation failed: Code:
    /// message (request id ID)`. A service error without a code or message
    /// says the HTTP status instead; an error that never reached the
    /// service (no connection, a timeout) says why in one line, its causes
    /// joined, never the SDK's debug structure.
    pub fn from_sdk<E>(operation: &str, error: SdkError<E>) -> Error
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
    {
        let request_id = error
            .as_service_error()
            .and_then(|service| service.meta().request_id())
            .or_else(|| error.request_id())
            .map(str::to_string);
        let status = error.raw_response().map(|response| response.status().as_u16());
        let (code, message) = match error.as_service_error() {
            Some(service) => (service.code().map(str::to_string), service.message().map(str::to_string)),
            None => (None, None),
        };
        Error::sentence(operation, code, message, status, request_id, || causes(&error))
    }

    /// Assemble the sentence from its parts; `causes` is asked only when
    /// the service gave neither a code nor a message.
    fn sentence(
        operation: &str,
        code: Option<String>,
        message: Option<String>,
        status: Option<u16>,
        request_id: Option<String>,
        causes: impl FnOnce() -> String,
    ) -> Error {
        let what = match (&code, &message) {
            (Some(code), Some(message)) => format!("{code}: {}", one_line(message)),
            (Some(code), None) => code.clone(),
            (None, Some(message)) => one_line(message),
            (None, None) => match status {
                Some(status) => format!("the service answered HTTP {status} without an error code"),
                None => causes(),
            },
        };
        let id = request_id.map(|id| format!(" (request id {id})")).unwrap_or_default();
        Error { code, message: format!("{operation} failed: {what}{id}") }
    }

    /// Whether the error says the stack does not exist.
    fn is_missing_stack(&self) -> bool {
        self.code.as_deref() == Some("ValidationError") && self.message.contains("does not exist")
    }

    /// Whether the service refused the call for lack of permission
    /// (`AccessDenied`, `AccessDeniedException`, `UnauthorizedOperation`,
    /// `AuthorizationError`).
    pub fn is_access_denied(&self) -> bool {
        self.code.as_deref().is_some_and(|code| {
            code.starts_with("AccessDenied") || code == "UnauthorizedOperation" || code.starts_with("Authorization")
        })
    }
}

/// Text on one line: line breaks and runs of spaces become one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An error and its sources, each said once, joined with `: `.
fn causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = one_line(&error.to_string());
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        current = error.source();
    }
    if parts.is_empty() { "no answer from the service".to_string() } else { parts.join(": ") }
}

/// How to reach AWS.
#[derive(Clone, Debug, Default)]
pub struct AwsOptions {
    /// A named profile from the shared config files.
    pub profile: Option<String>,
    /// The region; overrides the source's.
    pub region: Option<String>,
    /// A different endpoint (a local emulator); `AWS_ENDPOINT_URL` works too.
    pub endpoint_url: Option<String>,
}

/// The SDK configuration from the default credential chain and the given
/// options. `region` is the source's region, used when `--region` is not
/// given; without either, the SDK's own region chain (environment, profile)
/// decides.
pub async fn sdk_config(options: &AwsOptions, region: Option<&str>) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = options.region.clone().or(region.map(str::to_string)) {
        loader = loader.region(aws_config::Region::new(region));
    }
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// A CloudFormation client from the default credential chain and the given
/// options (see [`sdk_config`]).
pub async fn client(options: &AwsOptions, region: Option<&str>) -> Client {
    Client::new(&sdk_config(options, region).await)
}

/// Every client of one run, from one SDK configuration: CloudFormation, and
/// the services preflight and staging ask.
#[derive(Clone, Debug)]
pub struct Aws {
    /// The configuration every client is made from.
    pub config: aws_config::SdkConfig,
    /// The same, with short waits between retries: for the read-only
    /// questions of preflight and drift detection, which must not stall a
    /// plan (a local emulator answers what it does not implement with
    /// errors the SDK would otherwise retry for seconds).
    quick: aws_config::SdkConfig,
    /// CloudFormation.
    pub cloudformation: Client,
}

impl Aws {
    /// Clients for `options`, in the source's `region` unless `--region`
    /// says otherwise.
    pub async fn connect(options: &AwsOptions, region: Option<&str>) -> Aws {
        let config = sdk_config(options, region).await;
        let cloudformation = Client::new(&config);
        let retry = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(2)
            .with_initial_backoff(Duration::from_millis(100));
        let quick = config.to_builder().retry_config(retry).build();
        Aws { config, quick, cloudformation }
    }

    /// CloudFormation with short retries (drift detection).
    pub fn cloudformation_quick(&self) -> Client {
        Client::new(&self.quick)
    }

    /// The region the clients talk to.
    pub fn region(&self) -> String {
        self.config.region().map_or_else(|| "(no region)".to_string(), |r| r.to_string())
    }

    /// Whether the clients talk to another endpoint than AWS's (a local
    /// emulator): S3 is then addressed by path, not by host name.
    pub fn custom_endpoint(&self) -> bool {
        self.config.endpoint_url().is_some()
    }

    /// Whether the endpoint is plain HTTP (a local emulator): no request
    /// can then satisfy a policy that demands TLS.
    pub fn plain_http(&self) -> bool {
        self.config.endpoint_url().is_some_and(|url| url.starts_with("http://"))
    }

    /// EC2.
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.quick)
    }

    /// RDS.
    pub fn rds(&self) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.quick)
    }

    /// ElastiCache.
    pub fn elasticache(&self) -> aws_sdk_elasticache::Client {
        aws_sdk_elasticache::Client::new(&self.quick)
    }

    /// ACM, in `region` (a certificate lives in one region).
    pub fn acm(&self, region: &str) -> aws_sdk_acm::Client {
        let config =
            aws_sdk_acm::config::Builder::from(&self.quick).region(aws_config::Region::new(region.to_string()));
        aws_sdk_acm::Client::from_conf(config.build())
    }

    /// Shield (a global service, answered in us-east-1).
    pub fn shield(&self) -> aws_sdk_shield::Client {
        let config = aws_sdk_shield::config::Builder::from(&self.quick).region(aws_config::Region::new("us-east-1"));
        aws_sdk_shield::Client::from_conf(config.build())
    }

    /// SSM.
    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.quick)
    }

    /// STS.
    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.quick)
    }

    /// Service Quotas.
    pub fn service_quotas(&self) -> aws_sdk_servicequotas::Client {
        aws_sdk_servicequotas::Client::new(&self.quick)
    }

    /// Route 53 (a global service, signed for us-east-1).
    pub fn route53(&self) -> aws_sdk_route53::Client {
        let config = aws_sdk_route53::config::Builder::from(&self.quick).region(aws_config::Region::new("us-east-1"));
        aws_sdk_route53::Client::from_conf(config.build())
    }

    /// SES (v2), in `region` (the account's SES status is per region).
    pub fn sesv2(&self, region: &str) -> aws_sdk_sesv2::Client {
        let config =
            aws_sdk_sesv2::config::Builder::from(&self.quick).region(aws_config::Region::new(region.to_string()));
        aws_sdk_sesv2::Client::from_conf(config.build())
    }

    /// S3; by path (`endpoint/bucket/key`) on a custom endpoint.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.config).force_path_style(self.custom_endpoint());
        aws_sdk_s3::Client::from_conf(config.build())
    }
}

/// The region a client talks to.
pub fn region_of(client: &Client) -> String {
    client.config().region().map_or_else(|| "(no region)".to_string(), |r| r.to_string())
}

/// A stack's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackInfo {
    /// The stack ID (an ARN): stable across deletion, unlike the name.
    pub id: String,
    /// The name.
    pub name: String,
    /// `CREATE_COMPLETE`, ...
    pub status: String,
    /// Why it is in that state.
    pub reason: Option<String>,
    /// Termination protection.
    pub termination_protection: bool,
    /// Parameter values (`****` for NoEcho).
    pub parameters: BTreeMap<String, String>,
    /// Outputs: key → (value, description).
    pub outputs: BTreeMap<String, (String, Option<String>)>,
}

impl StackInfo {
    /// Whether nothing was ever created (a change set for a new stack that
    /// was not executed).
    pub fn is_review(&self) -> bool {
        self.status == "REVIEW_IN_PROGRESS"
    }

    /// Whether an operation is running.
    pub fn is_busy(&self) -> bool {
        self.status.ends_with("_IN_PROGRESS") && !self.is_review()
    }
}

/// Describe a stack by name or ID; `None` when it does not exist (or was
/// deleted).
pub async fn describe_stack(client: &Client, stack: &str) -> Result<Option<StackInfo>, Error> {
    let output = match client.describe_stacks().stack_name(stack).send().await {
        Ok(output) => output,
        Err(error) => {
            let error = Error::from_sdk("DescribeStacks", error);
            return if error.is_missing_stack() { Ok(None) } else { Err(error) };
        }
    };
    let Some(found) = output.stacks().first() else { return Ok(None) };
    let status = found.stack_status().map(|s| s.as_str().to_string()).unwrap_or_default();
    if status == "DELETE_COMPLETE" {
        return Ok(None);
    }
    Ok(Some(StackInfo {
        id: found.stack_id().unwrap_or(stack).to_string(),
        name: found.stack_name().unwrap_or(stack).to_string(),
        status,
        reason: found.stack_status_reason().map(str::to_string),
        termination_protection: found.enable_termination_protection().unwrap_or(false),
        parameters: found
            .parameters()
            .iter()
            .filter_map(|p| Some((p.parameter_key()?.to_string(), p.parameter_value().unwrap_or("").to_string())))
            .collect(),
        outputs: found
            .outputs()
            .iter()
            .filter_map(|o| {
                let value = o.output_value()?.to_string();
                Some((o.output_key()?.to_string(), (value, o.description().map(str::to_string))))
            })
            .collect(),
    }))
}

/// The stack and its deployed template; the template is `None` when there
/// is no stack or nothing was ever deployed in it.
pub async fn deployed(client: &Client, stack: &str) -> Result<(Option<StackInfo>, Option<Deployed>), Error> {
    let Some(info) = describe_stack(client, stack).await? else { return Ok((None, None)) };
    if info.is_review() {
        return Ok((Some(info), None));
    }
    let output = client
        .get_template()
        .stack_name(&info.id)
        .template_stage(TemplateStage::Original)
        .send()
        .await
        .map_err(|e| Error::from_sdk("GetTemplate", e))?;
    let body = output.template_body().unwrap_or("").to_string();
    let template = parse_template(&body)?;
    let parameters = info.parameters.clone();
    if !nested::is_parent(&template) {
        return Ok((Some(info), Some(Deployed { body, template, parameters, ..Deployed::default() })));
    }
    // A split deployment: read every child's template and join them.
    let mut children = nested_stacks(client, &info.id).await?;
    children.sort();
    let mut bodies = body;
    let mut templates = BTreeMap::new();
    let mut assignment = BTreeMap::new();
    for (logical_id, stack_id) in &children {
        let output = client
            .get_template()
            .stack_name(stack_id)
            .template_stage(TemplateStage::Original)
            .send()
            .await
            .map_err(|e| Error::from_sdk("GetTemplate", e))?;
        let child_body = output.template_body().unwrap_or("").to_string();
        let child = parse_template(&child_body)?;
        for id in child.get("Resources").and_then(Value::as_object).into_iter().flat_map(|r| r.keys()) {
            assignment.insert(id.clone(), logical_id.clone());
        }
        bodies.push('\n');
        bodies.push_str(&child_body);
        templates.insert(logical_id.clone(), child);
    }
    let joined = nested::join(&template, &templates)
        .map_err(|e| Error::msg(format!("cannot read the deployed nested stacks of {}: {e}", info.name)))?;
    // Parameters that live in a child (the SSM-typed image parameters):
    // their values are the child's.
    let mut parameters = parameters;
    let flat_parameters = joined.get("Parameters").and_then(Value::as_object);
    for (logical_id, stack_id) in &children {
        let local = templates
            .get(logical_id)
            .and_then(|t| t.pointer(&format!("/Metadata/{}/LocalParameters", nested::METADATA)))
            .and_then(Value::as_array);
        if local.is_none_or(|l| l.is_empty()) {
            continue;
        }
        if let Some(child) = describe_stack(client, stack_id).await? {
            for (key, value) in child.parameters {
                if flat_parameters.is_some_and(|p| p.contains_key(&key)) && !parameters.contains_key(&key) {
                    parameters.insert(key, value);
                }
            }
        }
    }
    Ok((Some(info), Some(Deployed { body: bodies, template: joined, parameters, children, assignment })))
}

/// Parse a deployed template body. mhac deploys JSON; a stack made by other
/// tools may hold YAML, which mhac does not read.
pub fn parse_template(body: &str) -> Result<Value, Error> {
    serde_json::from_str(body).map_err(|e| {
        Error::msg(format!(
            "the deployed template is not JSON ({e}); mhac compares only with templates it can read, such as the ones it deploys"
        ))
    })
}

/// A template as mhac sends it: compact JSON, so more fits under
/// [`MAX_TEMPLATE_BODY`].
pub fn compact(template: &Value) -> Result<String, Error> {
    serde_json::to_string(template).map_err(|e| Error::msg(format!("cannot serialise the template: {e}")))
}

/// Where CloudFormation reads a template from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateSource {
    /// In the request (at most [`MAX_TEMPLATE_BODY`] bytes).
    Body(String),
    /// An S3 URL (the staging bucket).
    Url(String),
}

/// A resource change as the service reports it in a change set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceChange {
    /// Logical ID.
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// `Add`, `Modify`, `Remove`, `Import`, `Dynamic`.
    pub action: String,
    /// `True`, `False`, `Conditional` (modifications only).
    pub replacement: Option<String>,
    /// Properties whose change requires recreation: (name, `Always` or
    /// `Conditionally`).
    pub recreation: Vec<(String, String)>,
}

/// How a change set came out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeSetOutcome {
    /// Ready to execute.
    Ready(Vec<ServiceChange>),
    /// The service found nothing to change.
    NoChanges,
    /// The service refused it.
    Failed(String),
}

/// What a change set is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSetKind {
    /// A new stack.
    Create,
    /// An existing stack.
    Update,
}

/// Create a change set; returns its ID.
pub async fn create_change_set(
    client: &Client,
    stack: &str,
    name: &str,
    kind: ChangeSetKind,
    template: &TemplateSource,
    parameters: &BTreeMap<String, String>,
    capabilities: &[String],
) -> Result<String, Error> {
    let mut request =
        client.create_change_set().stack_name(stack).change_set_name(name).description("mhac apply").change_set_type(
            match kind {
                ChangeSetKind::Create => ChangeSetType::Create,
                ChangeSetKind::Update => ChangeSetType::Update,
            },
        );
    request = match template {
        TemplateSource::Body(body) => request.template_body(body),
        // Nested stacks' own changes are listed in change sets of their own.
        TemplateSource::Url(url) => {
            request.template_url(url).include_nested_stacks(capabilities.iter().any(|c| c == "CAPABILITY_AUTO_EXPAND"))
        }
    };
    for (key, value) in parameters {
        request = request.parameters(Parameter::builder().parameter_key(key).parameter_value(value).build());
    }
    for capability in capabilities {
        request = request.capabilities(Capability::from(capability.as_str()));
    }
    let output = request.send().await.map_err(|e| Error::from_sdk("CreateChangeSet", e))?;
    Ok(output.id().unwrap_or(name).to_string())
}

/// Growing delays between polls: from `start`, times 1.5, up to `max`.
#[derive(Clone, Debug)]
pub struct Backoff {
    next: Duration,
    start: Duration,
    max: Duration,
}

impl Backoff {
    /// A backoff from `start` to `max`.
    pub fn new(start: Duration, max: Duration) -> Backoff {
        Backoff { next: start, start, max }
    }

    /// The next delay.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next.mul_f64(1.5)).min(self.max);
        delay
    }

    /// Start again from the shortest delay (something happened).
    pub fn reset(&mut self) {
        self.next = self.start;
    }

    /// Sleep for the next delay.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

/// Wait until a change set is ready or failed, and read its changes.
pub async fn wait_change_set(client: &Client, id: &str) -> Result<ChangeSetOutcome, Error> {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        let output = client
            .describe_change_set()
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeChangeSet", e))?;
        match output.status() {
            Some(ChangeSetStatus::CreateComplete) => {
                let mut changes = read_changes(output.changes());
                let mut token = output.next_token().map(str::to_string);
                while let Some(next) = token {
                    let page = client
                        .describe_change_set()
                        .change_set_name(id)
                        .next_token(next)
                        .send()
                        .await
                        .map_err(|e| Error::from_sdk("DescribeChangeSet", e))?;
                    changes.extend(read_changes(page.changes()));
                    token = page.next_token().map(str::to_string);
                }
                // The changes inside nested stacks, from their change sets.
                let mut nested_ids: Vec<String> = nested_change_sets(output.changes());
                while let Some(nested) = nested_ids.pop() {
                    let page = client
                        .describe_change_set()
                        .change_set_name(&nested)
                        .send()
                        .await
                        .map_err(|e| Error::from_sdk("DescribeChangeSet", e))?;
                    changes.extend(read_changes(page.changes()));
                    nested_ids.extend(nested_change_sets(page.changes()));
                }
                return Ok(ChangeSetOutcome::Ready(changes));
            }
            Some(ChangeSetStatus::Failed) => {
                let reason = output.status_reason().unwrap_or("(no reason given)").to_string();
                let nothing =
                    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed");
                return Ok(if nothing { ChangeSetOutcome::NoChanges } else { ChangeSetOutcome::Failed(reason) });
            }
            _ => backoff.wait().await,
        }
    }
}

/// The change sets of nested stacks a change set points to.
fn nested_change_sets(changes: &[aws_sdk_cloudformation::types::Change]) -> Vec<String> {
    changes
        .iter()
        .filter_map(|change| change.resource_change())
        .filter(|rc| rc.resource_type() == Some("AWS::CloudFormation::Stack"))
        .filter_map(|rc| rc.change_set_id().map(str::to_string))
        .collect()
}

fn read_changes(changes: &[aws_sdk_cloudformation::types::Change]) -> Vec<ServiceChange> {
    changes
        .iter()
        .filter_map(|change| change.resource_change())
        .filter(|rc| rc.resource_type() != Some("AWS::CloudFormation::Stack") || rc.change_set_id().is_none())
        .map(|rc| ServiceChange {
            logical_id: rc.logical_resource_id().unwrap_or("").to_string(),
            resource_type: rc.resource_type().unwrap_or("").to_string(),
            action: rc.action().map(|a| a.as_str().to_string()).unwrap_or_default(),
            replacement: rc.replacement().map(|r| r.as_str().to_string()),
            recreation: rc
                .details()
                .iter()
                .filter_map(|detail| {
                    let target = detail.target()?;
                    let recreation = target.requires_recreation()?.as_str();
                    (recreation != "Never").then(|| (target.name().unwrap_or("").to_string(), recreation.to_string()))
                })
                .collect(),
        })
        .collect()
}

/// Delete a change set (best effort: a failure here changes nothing).
pub async fn delete_change_set(client: &Client, id: &str) {
    let _ = client.delete_change_set().change_set_name(id).send().await;
}

/// Execute a change set.
pub async fn execute_change_set(client: &Client, id: &str) -> Result<(), Error> {
    client.execute_change_set().change_set_name(id).send().await.map_err(|e| Error::from_sdk("ExecuteChangeSet", e))?;
    Ok(())
}

/// Turn termination protection on or off.
pub async fn set_termination_protection(client: &Client, stack: &str, enabled: bool) -> Result<(), Error> {
    client
        .update_termination_protection()
        .stack_name(stack)
        .enable_termination_protection(enabled)
        .send()
        .await
        .map_err(|e| Error::from_sdk("UpdateTerminationProtection", e))?;
    Ok(())
}

/// Start deleting a stack.
pub async fn delete_stack(client: &Client, stack: &str) -> Result<(), Error> {
    client.delete_stack().stack_name(stack).send().await.map_err(|e| Error::from_sdk("DeleteStack", e))?;
    Ok(())
}

/// One stack event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Event ID.
    pub id: String,
    /// The resource's logical ID (the stack's name for stack events).
    pub logical_id: String,
    /// The resource type.
    pub resource_type: String,
    /// The physical ID (for a nested stack: its stack ID).
    pub physical_id: Option<String>,
    /// The name of the stack the event is from.
    pub stack_name: String,
    /// `CREATE_IN_PROGRESS`, ...
    pub status: String,
    /// Why.
    pub reason: Option<String>,
    /// When, as text.
    pub time: String,
}

impl Event {
    /// Whether this is an event of the stack itself (not of a resource,
    /// nor of a nested stack).
    pub fn is_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
            && (self.stack_name.is_empty() || self.logical_id == self.stack_name)
    }

    /// Whether this is an event of a nested stack of the stack.
    pub fn is_nested_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack" && !self.is_stack()
    }
}

/// The stack's events after the event `since` (all when `None`, at most
/// `limit`), oldest first.
pub async fn events_since(
    client: &Client,
    stack: &str,
    since: Option<&str>,
    limit: usize,
) -> Result<Vec<Event>, Error> {
    let mut newest_first = Vec::new();
    let mut token: Option<String> = None;
    'pages: for _ in 0..20 {
        let output = client
            .describe_stack_events()
            .stack_name(stack)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeStackEvents", e))?;
        for event in output.stack_events() {
            let id = event.event_id().unwrap_or("").to_string();
            if since == Some(id.as_str()) || newest_first.len() >= limit {
                break 'pages;
            }
            newest_first.push(Event {
                id,
                logical_id: event.logical_resource_id().unwrap_or("").to_string(),
                resource_type: event.resource_type().unwrap_or("").to_string(),
                physical_id: event.physical_resource_id().filter(|id| !id.is_empty()).map(str::to_string),
                stack_name: event.stack_name().unwrap_or("").to_string(),
                status: event.resource_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                reason: event.resource_status_reason().map(str::to_string),
                time: event
                    .timestamp()
                    .and_then(|t| t.fmt(aws_sdk_cloudformation::primitives::DateTimeFormat::DateTime).ok())
                    .unwrap_or_default(),
            });
        }
        token = output.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    newest_first.reverse();
    Ok(newest_first)
}

/// A resource of a stack (ListStackResources).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackResource {
    /// The logical ID.
    pub logical_id: String,
    /// The type.
    pub resource_type: String,
    /// The physical ID (for a nested stack: its stack ID).
    pub physical_id: Option<String>,
    /// `CREATE_COMPLETE`, ...
    pub status: String,
}

impl StackResource {
    /// Whether the resource is a nested stack.
    pub fn is_stack(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack"
    }
}

/// Every resource of a stack.
pub async fn stack_resources(client: &Client, stack: &str) -> Result<Vec<StackResource>, Error> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let output = client
            .list_stack_resources()
            .stack_name(stack)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::from_sdk("ListStackResources", e))?;
        for summary in output.stack_resource_summaries() {
            out.push(StackResource {
                logical_id: summary.logical_resource_id().unwrap_or_default().to_string(),
                resource_type: summary.resource_type().unwrap_or_default().to_string(),
                physical_id: summary.physical_resource_id().filter(|id| !id.is_empty()).map(str::to_string),
                status: summary.resource_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            });
        }
        token = output.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// The nested stacks of a stack, by logical ID → stack ID (their own
/// nested stacks are not followed: mhac nests one level).
pub async fn nested_stacks(client: &Client, stack: &str) -> Result<Vec<(String, String)>, Error> {
    Ok(stack_resources(client, stack)
        .await?
        .into_iter()
        .filter(StackResource::is_stack)
        .filter_map(|r| Some((r.logical_id, r.physical_id?)))
        .collect())
}

/// The physical IDs of everything a stack and its nested stacks hold.
pub async fn physical_ids(client: &Client, stack: &str) -> Result<std::collections::BTreeSet<String>, Error> {
    let mut out = std::collections::BTreeSet::new();
    let mut stacks = vec![stack.to_string()];
    while let Some(stack) = stacks.pop() {
        for resource in stack_resources(client, &stack).await? {
            if let Some(id) = resource.physical_id.clone() {
                if resource.is_stack() {
                    stacks.push(id.clone());
                }
                out.insert(id);
            }
        }
    }
    Ok(out)
}

/// Detect drift on one stack and list the resources that drifted. `Ok(None)`
/// when detection did not finish within `patience`.
pub async fn detect_drift(
    client: &Client,
    stack: &str,
    patience: Duration,
) -> Result<Option<Vec<crate::plan::DriftedResource>>, Error> {
    use aws_sdk_cloudformation::types::{StackDriftDetectionStatus, StackResourceDriftStatus};
    let output = client
        .detect_stack_drift()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DetectStackDrift", e))?;
    let id = output.stack_drift_detection_id().unwrap_or_default().to_string();
    let started = std::time::Instant::now();
    let mut backoff = Backoff::new(Duration::from_millis(250), Duration::from_secs(5));
    loop {
        let status = client
            .describe_stack_drift_detection_status()
            .stack_drift_detection_id(&id)
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeStackDriftDetectionStatus", e))?;
        match status.detection_status() {
            Some(StackDriftDetectionStatus::DetectionComplete) => break,
            // A partial detection (some resource types cannot be checked)
            // still lists what it could check.
            Some(StackDriftDetectionStatus::DetectionFailed) => break,
            _ if started.elapsed() > patience => return Ok(None),
            _ => backoff.wait().await,
        }
    }
    let mut drifted = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = client
            .describe_stack_resource_drifts()
            .stack_name(stack)
            .stack_resource_drift_status_filters(StackResourceDriftStatus::Modified)
            .stack_resource_drift_status_filters(StackResourceDriftStatus::Deleted)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| Error::from_sdk("DescribeStackResourceDrifts", e))?;
        for drift in page.stack_resource_drifts() {
            drifted.push(crate::plan::DriftedResource {
                logical_id: drift.logical_resource_id().unwrap_or_default().to_string(),
                resource_type: drift.resource_type().unwrap_or_default().to_string(),
                status: drift.stack_resource_drift_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
                differences: drift
                    .property_differences()
                    .iter()
                    .map(|d| {
                        format!(
                            "{}: expected {}, actual {}",
                            d.property_path().unwrap_or("?"),
                            d.expected_value().unwrap_or("(none)"),
                            d.actual_value().unwrap_or("(none)")
                        )
                    })
                    .collect(),
            });
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    drifted.sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    Ok(Some(drifted))
}

/// The newest event's ID.
pub async fn latest_event_id(client: &Client, stack: &str) -> Result<Option<String>, Error> {
    let output = client
        .describe_stack_events()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| Error::from_sdk("DescribeStackEvents", e))?;
    Ok(output.stack_events().first().and_then(|e| e.event_id()).map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_its_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(300));
        assert_eq!(b.next_delay(), Duration::from_millis(100));
        assert_eq!(b.next_delay(), Duration::from_millis(150));
        assert_eq!(b.next_delay(), Duration::from_millis(225));
        assert_eq!(b.next_delay(), Duration::from_millis(300));
        assert_eq!(b.next_delay(), Duration::from_millis(300));
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn errors_are_one_sentence() {
        let e = Error::sentence(
            "UpdateTerminationProtection",
            Some("ValidationError".into()),
            Some("Stack x\n  does not exist".into()),
            Some(400),
            Some("abc-123".into()),
            || unreachable!(),
        );
        assert_eq!(
            e.message,
            "UpdateTerminationProtection failed: ValidationError: Stack x does not exist (request id abc-123)"
        );
        let e = Error::sentence("GetTemplate", None, None, Some(404), None, || unreachable!());
        assert_eq!(e.message, "GetTemplate failed: the service answered HTTP 404 without an error code");
        let e =
            Error::sentence("DescribeStacks", None, None, None, None, || "dispatch failure: connection refused".into());
        assert_eq!(e.message, "DescribeStacks failed: dispatch failure: connection refused");
        assert!(!e.message.contains('\n'));
        let denied =
            Error::sentence("DescribeImages", Some("UnauthorizedOperation".into()), None, None, None, String::new);
        assert!(denied.is_access_denied());
    }

    #[test]
    fn templates_are_sent_compact() {
        let small = serde_json::json!({ "Resources": {} });
        assert_eq!(compact(&small).expect("serialises"), r#"{"Resources":{}}"#);
    }
}
