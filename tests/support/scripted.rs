//! A scripted AWS endpoint on 127.0.0.1 for what moto cannot show: it
//! answers the calls its rules match with fixed responses (an
//! `AccessDenied`, a drifted resource, a change set that says a database is
//! not replaced, a Shield subscription, a quota in use) and forwards every
//! other call to a moto server, so that the rest of a test runs against
//! moto as usual. Every call is recorded. Include it with `mod support;`
//! and `#[path = "support/scripted.rs"] mod scripted;`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One call as the endpoint saw it.
#[derive(Clone, Debug)]
pub struct Request {
    /// The signing name of the service (`ec2`, `cloudformation`, `acm`).
    pub service: String,
    /// The operation (`DescribeImages`), or `METHOD /path` for REST calls.
    pub action: String,
    /// The body (form or JSON).
    pub body: String,
}

impl Request {
    /// A form field of a query-protocol call.
    pub fn form(&self, key: &str) -> Option<String> {
        self.body.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == key).then(|| percent_decode(v))
        })
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Extra headers, `Name: value` each.
    pub headers: Vec<String>,
    /// The body.
    pub body: String,
}

const NS_CFN: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

impl Response {
    /// A query-protocol success (`<ActionResponse><ActionResult>inner`).
    pub fn query(action: &str, namespace: &str, inner: &str) -> Response {
        Response {
            status: 200,
            content_type: "text/xml",
            headers: vec!["x-amzn-RequestId: scripted-1".into()],
            body: format!(
                "<{action}Response xmlns=\"{namespace}\"><{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>scripted-1</RequestId></ResponseMetadata></{action}Response>"
            ),
        }
    }

    /// A CloudFormation success.
    pub fn cloudformation(action: &str, inner: &str) -> Response {
        Response::query(action, NS_CFN, inner)
    }

    /// A query-protocol error (CloudFormation, RDS, ElastiCache, STS).
    pub fn query_error(status: u16, code: &str, message: &str) -> Response {
        Response {
            status,
            content_type: "text/xml",
            headers: vec!["x-amzn-RequestId: scripted-err".into()],
            body: format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>scripted-err</RequestId></ErrorResponse>"
            ),
        }
    }

    /// An EC2 error.
    pub fn ec2_error(status: u16, code: &str, message: &str) -> Response {
        Response {
            status,
            content_type: "text/xml",
            headers: Vec::new(),
            body: format!(
                "<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>scripted-ec2</RequestID></Response>"
            ),
        }
    }

    /// A JSON-protocol answer (ACM, Shield, SSM, Service Quotas).
    pub fn json(body: &str) -> Response {
        Response {
            status: 200,
            content_type: "application/x-amz-json-1.1",
            headers: vec!["x-amzn-RequestId: scripted-json".into()],
            body: body.to_string(),
        }
    }

    /// A JSON-protocol error.
    pub fn json_error(status: u16, code: &str, message: &str) -> Response {
        Response {
            status,
            content_type: "application/x-amz-json-1.1",
            headers: vec!["x-amzn-RequestId: scripted-json-err".into(), format!("x-amzn-ErrorType: {code}")],
            body: format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
        }
    }
}

/// A rule: a response for the calls it matches.
pub type Rule = Box<dyn Fn(&Request) -> Option<Response> + Send + Sync>;

/// A rule answering every call of `service` to `action`.
pub fn on(service: &'static str, action: &'static str, response: Response) -> Rule {
    Box::new(move |request| (request.service == service && request.action == action).then(|| response.clone()))
}

/// The running endpoint.
pub struct Scripted {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    calls: Arc<Mutex<Vec<Request>>>,
}

impl Scripted {
    /// Serve `rules` on a free port; forward the rest to `upstream` (a moto
    /// endpoint), or answer it with a 400 `NotScripted` error.
    pub fn start(upstream: Option<&str>, rules: Vec<Rule>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free local port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::clone(&calls);
        let rules = Arc::new(rules);
        let upstream = upstream.map(|u| u.trim_start_matches("http://").to_string());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (rules, calls, upstream) = (Arc::clone(&rules), Arc::clone(&shared), upstream.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &rules, &calls, upstream.as_deref());
                });
            }
        });
        Scripted { endpoint, calls }
    }

    /// The calls so far: (service, action).
    pub fn calls(&self) -> Vec<(String, String)> {
        self.calls.lock().map(|c| c.iter().map(|r| (r.service.clone(), r.action.clone())).collect()).unwrap_or_default()
    }

    /// Whether `service` was called with `action`.
    pub fn called(&self, service: &str, action: &str) -> bool {
        self.calls().iter().any(|(s, a)| s == service && a == action)
    }
}

/// Read one HTTP request: its head lines and its body (chunked bodies
/// decoded).
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<(Vec<String>, Vec<u8>)>> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if line == "\r\n" {
            break;
        }
        head.push(line.trim_end_matches("\r\n").to_string());
    }
    let header = |name: &str| {
        head.iter().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
        })
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if size == 0 {
                let mut end = String::new();
                reader.read_line(&mut end)?;
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            body.extend(chunk);
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body = vec![0; length];
        reader.read_exact(&mut body)?;
    }
    Ok(Some((head, body)))
}

fn serve(
    stream: TcpStream,
    rules: &[Rule],
    calls: &Mutex<Vec<Request>>,
    upstream: Option<&str>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut stream = stream;
    while let Some((head, body)) = read_request(&mut reader)? {
        let header = |name: &str| {
            head.iter().skip(1).find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.eq_ignore_ascii_case(name).then(|| value.trim().to_string())
            })
        };
        let service = header("authorization")
            .and_then(|auth| {
                let scope = auth.split("Credential=").nth(1)?.split([',', ' ']).next()?.to_string();
                scope.split('/').nth(3).map(str::to_string)
            })
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body).into_owned();
        let action = match header("x-amz-target") {
            Some(target) => target.rsplit('.').next().unwrap_or("").to_string(),
            None => {
                let form = Request { service: String::new(), action: String::new(), body: text.clone() };
                form.form("Action").unwrap_or_else(|| {
                    let mut parts = head[0].split(' ');
                    format!("{} {}", parts.next().unwrap_or(""), parts.next().unwrap_or(""))
                })
            }
        };
        let request = Request { service, action, body: text };
        if let Ok(mut calls) = calls.lock() {
            calls.push(request.clone());
        }
        let scripted = rules.iter().find_map(|rule| rule(&request));
        let raw = match (scripted, upstream) {
            (Some(response), _) => render(&response),
            (None, Some(upstream)) => forward(upstream, &head, &body)?,
            (None, None) => render(&Response::query_error(
                400,
                "NotScripted",
                &format!("{} {} is not scripted", request.service, request.action),
            )),
        };
        stream.write_all(&raw)?;
        stream.flush()?;
    }
    Ok(())
}

fn render(response: &Response) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        response.status,
        if response.status < 300 { "OK" } else { "Error" },
        response.content_type,
        response.body.len()
    );
    for header in &response.headers {
        out.push_str(header);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.push_str(&response.body);
    out.into_bytes()
}

/// Send the request to `upstream` (closing the connection after it) and
/// return its response, with a length the client can rely on.
fn forward(upstream: &str, head: &[String], body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut connection = TcpStream::connect(upstream)?;
    connection.set_read_timeout(Some(Duration::from_secs(600)))?;
    let mut request = format!("{}\r\n", head[0]);
    for line in head.iter().skip(1) {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if !matches!(name.as_str(), "connection" | "content-length" | "transfer-encoding") {
            request.push_str(line);
            request.push_str("\r\n");
        }
    }
    request.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()));
    connection.write_all(request.as_bytes())?;
    connection.write_all(body)?;
    let mut reader = BufReader::new(connection);
    let mut status = String::new();
    reader.read_line(&mut status)?;
    let mut headers = Vec::new();
    let mut chunked = false;
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        let trimmed = line.trim_end_matches("\r\n").to_string();
        let name = trimmed.split(':').next().unwrap_or("").to_ascii_lowercase();
        let value = trimmed.split_once(':').map(|(_, v)| v.trim().to_string()).unwrap_or_default();
        match name.as_str() {
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "content-length" => length = value.parse::<usize>().ok(),
            "connection" => {}
            _ => headers.push(trimmed),
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            body.extend(chunk);
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
        }
    } else if let Some(length) = length {
        body = vec![0; length];
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    let mut out = format!("{}\r\n", status.trim_end_matches("\r\n"));
    for header in headers {
        out.push_str(&header);
        out.push_str("\r\n");
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend(body);
    Ok(out)
}
