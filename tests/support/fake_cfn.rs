//! A scripted CloudFormation endpoint on 127.0.0.1 for what moto cannot
//! show: a stack creation that goes on for a while and reports resource
//! events, then rolls back (or never ends). It answers the query-protocol
//! calls `mhac apply` makes for a new stack with fixed XML.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the scripted creation goes.
#[derive(Clone, Debug)]
pub struct Script {
    /// The stack's name.
    pub stack: String,
    /// Resources the change set adds: (logical ID, type).
    pub resources: Vec<(String, String)>,
    /// The resource that fails, and why; `None`: nothing fails.
    pub failure: Option<(String, String, String)>,
    /// Events in progress with a reason (logical ID, type, reason): what
    /// the service reports while a resource waits (a certificate's DNS
    /// record).
    pub notes: Vec<(String, String, String)>,
    /// The final status, reached on the third DescribeStacks after the
    /// change set is executed; `None`: the creation never ends.
    pub final_status: Option<String>,
    /// The stack exists from the start (CREATE_COMPLETE, termination
    /// protection on) and DeleteStack deletes it.
    pub existing: bool,
}

#[derive(Default)]
struct State {
    change_set: bool,
    executed: bool,
    polls: usize,
    protected: bool,
    deleted: bool,
    calls: Vec<String>,
}

/// The running endpoint.
pub struct FakeCfn {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

const NS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
const TIME: &str = "2026-01-01T00:00:00.000Z";

impl FakeCfn {
    /// Start serving `script` on a free port.
    pub fn start(script: Script) -> FakeCfn {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let state = Arc::new(Mutex::new(State { protected: script.existing, ..State::default() }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &script, &shared);
            }
        });
        FakeCfn { endpoint, state }
    }

    /// The actions called so far, in order.
    pub fn calls(&self) -> Vec<String> {
        self.state.lock().map(|s| s.calls.clone()).unwrap_or_default()
    }
}

fn form_value<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    body.split('&').find_map(|pair| pair.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')))
}

fn serve(stream: TcpStream, script: &Script, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();
    let action = form_value(&body, "Action").unwrap_or("").to_string();
    let (status, xml) = respond(&action, &body, script, state);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
        xml.len()
    )?;
    stream.flush()
}

fn ok(action: &str, result: &str) -> (&'static str, String) {
    (
        "200 OK",
        format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

fn event(script: &Script, n: usize, logical: &str, ty: &str, status: &str, reason: Option<&str>) -> String {
    format!(
        "<member><StackId>arn:aws:cloudformation:us-east-1:123456789012:stack/{stack}/1</StackId><EventId>e{n}</EventId><StackName>{stack}</StackName><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId></PhysicalResourceId><ResourceType>{ty}</ResourceType><Timestamp>{TIME}</Timestamp><ResourceStatus>{status}</ResourceStatus>{}</member>",
        reason.map(|r| format!("<ResourceStatusReason>{r}</ResourceStatusReason>")).unwrap_or_default(),
        stack = script.stack
    )
}

fn respond(action: &str, body: &str, script: &Script, state: &Mutex<State>) -> (&'static str, String) {
    let Ok(mut state) = state.lock() else { return ("500 Internal Server Error", String::new()) };
    state.calls.push(action.to_string());
    let stack_id = format!("arn:aws:cloudformation:us-east-1:123456789012:stack/{}/1", script.stack);
    let stack = "AWS::CloudFormation::Stack";
    match action {
        "DescribeStacks" => {
            let status = if script.existing {
                if state.deleted { "DELETE_COMPLETE" } else { "CREATE_COMPLETE" }.to_string()
            } else if state.executed {
                state.polls += 1;
                match &script.final_status {
                    Some(status) if state.polls >= 3 => status.clone(),
                    _ => "CREATE_IN_PROGRESS".to_string(),
                }
            } else if state.change_set {
                "REVIEW_IN_PROGRESS".to_string()
            } else {
                return (
                    "400 Bad Request",
                    format!(
                        "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id {} does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>",
                        script.stack
                    ),
                );
            };
            ok(
                action,
                &format!(
                    "<Stacks><member><StackName>{}</StackName><StackId>{stack_id}</StackId><CreationTime>{TIME}</CreationTime><StackStatus>{status}</StackStatus><EnableTerminationProtection>{}</EnableTerminationProtection></member></Stacks>",
                    script.stack, state.protected
                ),
            )
        }
        "CreateChangeSet" => {
            state.change_set = true;
            ok(
                action,
                &format!(
                    "<Id>arn:aws:cloudformation:us-east-1:123456789012:changeSet/c/1</Id><StackId>{stack_id}</StackId>"
                ),
            )
        }
        "DescribeChangeSet" => {
            let changes: String = script
                .resources
                .iter()
                .map(|(id, ty)| {
                    format!("<member><Type>Resource</Type><ResourceChange><Action>Add</Action><LogicalResourceId>{id}</LogicalResourceId><ResourceType>{ty}</ResourceType></ResourceChange></member>")
                })
                .collect();
            ok(
                action,
                &format!(
                    "<ChangeSetName>c</ChangeSetName><ChangeSetId>arn:c</ChangeSetId><StackId>{stack_id}</StackId><StackName>{}</StackName><Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes>{changes}</Changes>",
                    script.stack
                ),
            )
        }
        "ExecuteChangeSet" => {
            state.executed = true;
            ok(action, "")
        }
        "UpdateTerminationProtection" => {
            state.protected = form_value(body, "EnableTerminationProtection") == Some("true");
            ok(action, &format!("<StackId>{stack_id}</StackId>"))
        }
        "DeleteStack" => {
            if state.protected {
                return (
                    "400 Bad Request",
                    format!(
                        "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack [{}] cannot be deleted while TerminationProtection is enabled</Message></Error><RequestId>r</RequestId></ErrorResponse>",
                        script.stack
                    ),
                );
            }
            state.deleted = true;
            ok(action, "")
        }
        "DeleteChangeSet" => ok(action, ""),
        "DescribeStackEvents" => {
            // Newest first, as the service lists them.
            let mut events = vec![event(script, 0, &script.stack, stack, "REVIEW_IN_PROGRESS", Some("User Initiated"))];
            if state.executed {
                events.push(event(script, 1, &script.stack, stack, "CREATE_IN_PROGRESS", Some("User Initiated")));
                for (i, (id, ty)) in script.resources.iter().enumerate() {
                    events.push(event(script, 10 + i, id, ty, "CREATE_IN_PROGRESS", None));
                }
                for (i, (id, ty, reason)) in script.notes.iter().enumerate() {
                    events.push(event(script, 50 + i, id, ty, "CREATE_IN_PROGRESS", Some(reason)));
                }
                if let Some((id, ty, reason)) = &script.failure {
                    for (i, (other, other_ty)) in script.resources.iter().enumerate() {
                        if other != id {
                            let cancelled = Some("Resource creation cancelled");
                            events.push(event(script, 20 + i, other, other_ty, "CREATE_FAILED", cancelled));
                        }
                    }
                    events.push(event(script, 30, id, ty, "CREATE_FAILED", Some(reason)));
                }
                if state.polls >= 3
                    && let Some(status) = &script.final_status
                {
                    events.push(event(script, 40, &script.stack, stack, status, None));
                }
            }
            events.reverse();
            ok(action, &format!("<StackEvents>{}</StackEvents>", events.concat()))
        }
        _ => (
            "400 Bad Request",
            format!(
                "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>{action} is not scripted</Message></Error><RequestId>r</RequestId></ErrorResponse>"
            ),
        ),
    }
}
