//! A local AWS API for the deployment tests: `moto_server` on 127.0.0.1 on
//! a free port, started per test and killed when dropped. `mhac` commands
//! run against it with dummy credentials and no other AWS configuration, so
//! nothing reaches the network. Include it with `mod support;` and
//! `#[path = "support/moto.rs"] mod moto;`.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A running moto server.
pub struct Moto {
    child: Child,
    /// The port.
    pub port: u16,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
    listener.local_addr().expect("bound").port()
}

impl Moto {
    /// Start a server and wait until it answers. Certificates it issues
    /// are ISSUED at once (moto's default keeps them pending validation for
    /// a minute, and preflight checks the status).
    pub fn start() -> Moto {
        Moto::start_with(&[("MOTO_ACM_VALIDATION_WAIT", "0")])
    }

    /// Start a server with moto settings in its environment.
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let program = crate::support::require_tool("moto_server");
        Moto::spawn(Command::new(program), env)
    }

    /// Start moto with the gaps of its CloudFormation filled
    /// (tests/support/moto_gaps.py: `Fn::GetAtt [Child, Outputs.X]` of a
    /// nested stack; ACM certificates, SES identities and configuration sets
    /// created through moto's own backends), with the Python that runs
    /// `moto_server`.
    pub fn start_filled() -> Moto {
        let server = crate::support::require_tool("moto_server");
        let shebang = std::fs::read_to_string(&server).ok().and_then(|text| {
            let line = text.lines().next()?.strip_prefix("#!")?.trim().to_string();
            line.contains("python").then_some(line)
        });
        let python = shebang.unwrap_or_else(|| "python3".to_string());
        let mut parts = python.split_whitespace();
        let mut command = Command::new(parts.next().unwrap_or("python3"));
        command.args(parts).arg(crate::support::root().join("tests/support/moto_gaps.py"));
        Moto::spawn(command, &[("MOTO_ACM_VALIDATION_WAIT", "0")])
    }

    fn spawn(mut command: Command, env: &[(&str, &str)]) -> Moto {
        let port = free_port();
        let child = command
            .envs(env.iter().copied())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts");
        let moto = Moto { child, port, endpoint: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        while moto.request("GET", "/moto-api/").is_none() {
            assert!(Instant::now() < deadline, "moto_server did not answer on port {port} within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    /// A plain HTTP/1.0 request; the response body, or `None` when the
    /// server does not answer.
    pub fn request(&self, method: &str, path: &str) -> Option<String> {
        self.send(method, path, "", "")
    }

    fn send(&self, method: &str, path: &str, headers: &str, body: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(60))).ok()?;
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        );
        stream.write_all(request.as_bytes()).ok()?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).ok()?;
        let response = String::from_utf8_lossy(&response).into_owned();
        let (head, body) = response.split_once("\r\n\r\n")?;
        head.starts_with("HTTP/1.").then(|| body.to_string())
    }

    /// An unsigned `Authorization` header whose credential scope routes a
    /// request to `service` (moto does not check signatures).
    fn auth(service: &str) -> String {
        Moto::auth_in(service, "us-east-1")
    }

    /// The same, for a call to `service` in `region`.
    fn auth_in(service: &str, region: &str) -> String {
        format!(
            "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, SignedHeaders=host, Signature=0\r\n"
        )
    }

    /// An AWS JSON-protocol call (`X-Amz-Target`); the response body.
    pub fn json_call(&self, service: &str, target: &str, body: &str) -> String {
        let headers =
            format!("{}Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\n", Moto::auth(service));
        self.send("POST", "/", &headers, body).expect("moto answers")
    }

    /// A REST call to `service` (Route 53, SES v2); the body of the answer.
    pub fn rest(&self, service: &str, method: &str, path: &str, body: &str) -> String {
        let headers = format!("{}Content-Type: application/xml\r\n", Moto::auth(service));
        self.send(method, path, &headers, body).expect("moto answers")
    }

    /// Create a Route 53 hosted zone; its id (without `/hostedzone/`).
    pub fn hosted_zone(&self, name: &str, private: bool) -> String {
        let body = format!(
            "<CreateHostedZoneRequest xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>{name}</Name><CallerReference>{name}-{private}</CallerReference><HostedZoneConfig><PrivateZone>{private}</PrivateZone></HostedZoneConfig></CreateHostedZoneRequest>"
        );
        let answer = self.rest("route53", "POST", "/2013-04-01/hostedzone", &body);
        let id = xml_values(&answer, "Id").into_iter().find(|id| id.starts_with("/hostedzone/"));
        id.expect("moto created the zone").trim_start_matches("/hostedzone/").to_string()
    }

    /// The records of a hosted zone as `NAME TYPE VALUE` lines (an alias
    /// record's value is its target's DNS name).
    pub fn zone_records(&self, id: &str) -> Vec<String> {
        let answer = self.rest("route53", "GET", &format!("/2013-04-01/hostedzone/{id}/rrset"), "");
        answer
            .split("<ResourceRecordSet>")
            .skip(1)
            .map(|set| {
                let name = xml_values(set, "Name").first().cloned().unwrap_or_default();
                let kind = xml_values(set, "Type").first().cloned().unwrap_or_default();
                let value =
                    xml_values(set, "Value").first().cloned().or_else(|| xml_values(set, "DNSName").first().cloned());
                format!("{name} {kind} {}", value.unwrap_or_default())
            })
            .collect()
    }

    /// An AWS query-protocol call (`Action=...&Version=...`); the XML answer.
    pub fn query(&self, service: &str, form: &str) -> String {
        let headers = format!("{}Content-Type: application/x-www-form-urlencoded\r\n", Moto::auth(service));
        self.send("POST", "/", &headers, form).expect("moto answers")
    }

    /// An S3 GET (`/bucket?versioning`); the XML answer.
    pub fn s3_get(&self, path: &str) -> String {
        self.send("GET", path, &Moto::auth("s3"), "").expect("moto answers")
    }

    /// S3 bucket names (ListBuckets).
    pub fn buckets(&self) -> Vec<String> {
        let xml = self.send("GET", "/", &Moto::auth("s3"), "").expect("moto answers");
        let mut names = xml_values(&xml, "Name");
        names.sort();
        names
    }

    /// Request an ACM certificate (the HTTPS listener needs one that exists)
    /// and return its ARN.
    pub fn certificate(&self) -> String {
        self.certificate_in("us-east-1")
    }

    /// An ACM certificate for moodle.example.edu in `region`; its ARN.
    pub fn certificate_in(&self, region: &str) -> String {
        let headers = format!(
            "{}Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: CertificateManager.RequestCertificate\r\n",
            Moto::auth_in("acm", region)
        );
        let body = self.send("POST", "/", &headers, r#"{"DomainName":"moodle.example.edu"}"#).expect("moto answers");
        let value: serde_json::Value = serde_json::from_str(&body).expect("a JSON answer");
        value["CertificateArn"].as_str().expect("a certificate ARN").to_string()
    }

    /// Subscribe the account to Shield Advanced (examples/moodle.mha asks
    /// for it, and preflight checks the subscription).
    pub fn shield_subscription(&self) {
        self.json_call("shield", "AWSShield_20160616.CreateSubscription", "{}");
    }

    /// Empty the server.
    pub fn reset(&self) {
        self.request("POST", "/moto-api/reset").expect("moto resets");
    }

    /// `mhac` pointed at this server through `AWS_ENDPOINT_URL`.
    pub fn mhac(&self) -> Command {
        let mut command = crate::support::mhac();
        command
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_SESSION_TOKEN", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent/mhac-test-aws-config")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/mhac-test-aws-credentials")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_PROFILE")
            .stdin(Stdio::null());
        command
    }

    /// Run `mhac` with arguments against this server.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.mhac().args(args).output().expect("mhac runs"))
    }

    /// The status of the live stack called `name`, if there is one
    /// (DescribeStacks).
    pub fn stack_status(&self, name: &str) -> Option<String> {
        let xml = self.query("cloudformation", &format!("Action=DescribeStacks&Version=2010-05-15&StackName={name}"));
        xml_values(&xml, "StackStatus").into_iter().find(|status| status != "DELETE_COMPLETE")
    }

    /// How many change sets the stack has (ListChangeSets).
    pub fn change_sets(&self, stack: &str) -> usize {
        let xml = self.query("cloudformation", &format!("Action=ListChangeSets&Version=2010-05-15&StackName={stack}"));
        xml_values(&xml, "ChangeSetId").len()
    }
}

/// The text of every `<tag>...</tag>` in an XML answer (leaf elements).
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        rest = &rest[start + open.len()..];
        let Some(end) = rest.find(&close) else { break };
        out.push(rest[..end].to_string());
        rest = &rest[end + close.len()..];
    }
    out
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The output of one `mhac` run.
pub struct Run(pub Output);

impl Run {
    /// Standard output.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    /// Standard error.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Both, for assertion messages.
    pub fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout(), self.stderr())
    }

    /// The exit code.
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    /// Assert the exit code.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code(), code, "unexpected exit code\n{}", self.all());
        self
    }
}

/// Write `text` to `dir/name` and return the path as a string.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write a test file");
    path.to_string_lossy().into_owned()
}
