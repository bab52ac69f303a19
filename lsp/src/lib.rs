//! `mhac lsp`: the language server for `.mha` files.
//!
//! A synchronous server on [`lsp_server`]: one thread reads messages in
//! order and answers each before the next, so every change is compiled and
//! its diagnostics published before the following message is read (each
//! document version gets exactly one `publishDiagnostics`). Documents are
//! synchronised in full; each change recompiles the whole text with
//! [`mhac_compiler::compile_bytes`] and [`mhac_backends::printable`], as
//! `mhac check` does, so the editor shows exactly what `check` prints.
//!
//! What it offers: diagnostics, hover (resolved meaning of names, schema
//! docs of keys and blocks), go to definition, references, rename (with
//! clash checks), completion of names and keys, formatting (`mhac fmt`), and
//! the document outline. No handler may bring the server down: a panic in
//! one is caught, logged to standard error and answered with an error.

mod completion;
mod diagnostics;
mod document;
mod hover;
mod navigation;
mod outline;

pub use document::{Document, Encoding};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, PrepareRenameRequest, References,
    Rename, Request as _,
};
use lsp_types::{
    CompletionOptions, InitializeParams, OneOf, PublishDiagnosticsParams, RenameOptions, ServerCapabilities,
    ServerInfo, TextDocumentSyncCapability, TextDocumentSyncKind, TextEdit, Uri,
};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Run the server on standard input and output until the client exits.
pub fn run_stdio() -> Result<(), String> {
    let (connection, io_threads) = Connection::stdio();
    run(&connection)?;
    drop(connection);
    io_threads.join().map_err(|error| error.to_string())
}

/// Run the server on a connection: the handshake, then messages until
/// `shutdown` and `exit` (or the client disconnects).
pub fn run(connection: &Connection) -> Result<(), String> {
    let (id, params) = connection.initialize_start().map_err(|e| e.to_string())?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let offered = params.capabilities.general.as_ref().and_then(|g| g.position_encodings.as_deref());
    let encoding = Encoding::negotiate(offered);
    let result = serde_json::json!({
        "capabilities": capabilities(encoding),
        "serverInfo": ServerInfo { name: "mhac".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    connection.initialize_finish(id, result).map_err(|e| e.to_string())?;

    let mut server = Server::new(encoding);
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                server.request(request);
            }
            Message::Notification(notification) if notification.method == Exit::METHOD => return Ok(()),
            Message::Notification(notification) => server.notification(notification),
            Message::Response(_) => {}
        }
        for message in server.outbox.drain(..) {
            // The client is gone when this fails; the loop then ends with the channel.
            let _ = connection.sender.send(message);
        }
    }
    Ok(())
}

/// What the server can do.
fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into()]),
            ..Default::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..Default::default()
    }
}

/// The server's state: the open documents, and the messages to send.
pub struct Server {
    encoding: Encoding,
    documents: HashMap<Uri, Document>,
    /// Responses and notifications produced by the last message handled.
    pub outbox: Vec<Message>,
}

/// A failed request: an LSP error code and a message for the user.
type Failure = (ErrorCode, String);

fn invalid_params(error: serde_json::Error) -> Failure {
    (ErrorCode::InvalidParams, format!("invalid parameters: {error}"))
}

impl Server {
    /// A server with no open document, using `encoding` for positions.
    pub fn new(encoding: Encoding) -> Server {
        Server { encoding, documents: HashMap::new(), outbox: Vec::new() }
    }

    fn send(&mut self, message: Message) {
        self.outbox.push(message);
    }

    /// Answer a request (into [`Server::outbox`]).
    pub fn request(&mut self, request: Request) {
        let Request { id, method, params } = request;
        let outcome = catch_unwind(AssertUnwindSafe(|| self.answer(&method, params)));
        let response = match outcome {
            Ok(Ok(result)) => Response::new_ok(id, result),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => internal_error(id, &method),
        };
        self.send(response.into());
    }

    fn answer(&mut self, method: &str, params: serde_json::Value) -> Result<serde_json::Value, Failure> {
        let encoding = self.encoding;
        let json = |value: Result<serde_json::Value, serde_json::Error>| {
            value.map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        match method {
            HoverRequest::METHOD => {
                let params: lsp_types::HoverParams = serde_json::from_value(params).map_err(invalid_params)?;
                let position = params.text_document_position_params;
                let doc = self.document(&position.text_document.uri)?;
                json(serde_json::to_value(hover::hover(doc, position.position, encoding)))
            }
            GotoDefinition::METHOD => {
                let params: lsp_types::GotoDefinitionParams = serde_json::from_value(params).map_err(invalid_params)?;
                let position = params.text_document_position_params;
                let uri = position.text_document.uri;
                let doc = self.document(&uri)?;
                json(serde_json::to_value(navigation::definition(doc, &uri, position.position, encoding)))
            }
            References::METHOD => {
                let params: lsp_types::ReferenceParams = serde_json::from_value(params).map_err(invalid_params)?;
                let position = params.text_document_position;
                let uri = position.text_document.uri;
                let doc = self.document(&uri)?;
                let include = params.context.include_declaration;
                json(serde_json::to_value(navigation::references(doc, &uri, position.position, include, encoding)))
            }
            PrepareRenameRequest::METHOD => {
                let params: lsp_types::TextDocumentPositionParams =
                    serde_json::from_value(params).map_err(invalid_params)?;
                let doc = self.document(&params.text_document.uri)?;
                let prepared = navigation::prepare_rename(doc, params.position, encoding)
                    .map_err(|message| (ErrorCode::RequestFailed, message))?;
                json(serde_json::to_value(prepared))
            }
            Rename::METHOD => {
                let params: lsp_types::RenameParams = serde_json::from_value(params).map_err(invalid_params)?;
                let position = params.text_document_position;
                let uri = position.text_document.uri;
                let doc = self.document(&uri)?;
                let edit = navigation::rename(doc, &uri, position.position, &params.new_name, encoding)
                    .map_err(|message| (ErrorCode::RequestFailed, message))?;
                json(serde_json::to_value(edit))
            }
            Completion::METHOD => {
                let params: lsp_types::CompletionParams = serde_json::from_value(params).map_err(invalid_params)?;
                let position = params.text_document_position;
                let doc = self.document(&position.text_document.uri)?;
                let offset = doc.offset(position.position, encoding);
                json(serde_json::to_value(lsp_types::CompletionResponse::Array(completion::complete(doc, offset))))
            }
            Formatting::METHOD => {
                let params: lsp_types::DocumentFormattingParams =
                    serde_json::from_value(params).map_err(invalid_params)?;
                let doc = self.document(&params.text_document.uri)?;
                json(serde_json::to_value(format(doc, encoding)?))
            }
            DocumentSymbolRequest::METHOD => {
                let params: lsp_types::DocumentSymbolParams = serde_json::from_value(params).map_err(invalid_params)?;
                let doc = self.document(&params.text_document.uri)?;
                json(serde_json::to_value(lsp_types::DocumentSymbolResponse::Nested(outline::symbols(doc, encoding))))
            }
            _ => Err((ErrorCode::MethodNotFound, format!("mhac lsp does not implement `{method}`"))),
        }
    }

    fn document(&self, uri: &Uri) -> Result<&Document, Failure> {
        self.documents.get(uri).ok_or_else(|| (ErrorCode::InvalidParams, format!("{} is not open", uri.as_str())))
    }

    /// Handle a notification (replies, if any, go to [`Server::outbox`]).
    pub fn notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.notified(notification)));
        if outcome.is_err() {
            log(&format!("internal error while handling `{method}`; the server carries on"));
        }
    }

    fn notified(&mut self, notification: Notification) {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(notification.params)
                {
                    let item = params.text_document;
                    self.update(item.uri, item.version, item.text);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(notification.params)
                {
                    // Full synchronisation: the last change holds the whole text.
                    if let Some(change) = params.content_changes.into_iter().last() {
                        let document = params.text_document;
                        self.update(document.uri, document.version, change.text);
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(notification.params)
                {
                    let uri = params.text_document.uri;
                    self.documents.remove(&uri);
                    self.publish(uri, Vec::new(), None);
                }
            }
            _ => {}
        }
    }

    /// Take a new text for a document, compile it and publish its diagnostics.
    fn update(&mut self, uri: Uri, version: i32, text: String) {
        let document = Document::new(version, text);
        let published = diagnostics::to_lsp(&document, &uri, self.encoding);
        self.documents.insert(uri.clone(), document);
        self.publish(uri, published, Some(version));
    }

    fn publish(&mut self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams { uri, diagnostics, version };
        self.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into());
    }
}

/// The edits that format a document: none when it is formatted already.
fn format(doc: &Document, encoding: Encoding) -> Result<Vec<TextEdit>, Failure> {
    match mhac_compiler::format::format(&doc.text) {
        Ok(formatted) if formatted == doc.text => Ok(Vec::new()),
        Ok(formatted) => Ok(vec![TextEdit { range: doc.full_range(encoding), new_text: formatted }]),
        Err(mhac_compiler::format::FormatError::Syntax(diagnostics)) => {
            let first = diagnostics.first().map_or(String::new(), |d| {
                let at = doc.position(d.span().start, encoding);
                format!(" (line {}: {})", at.line + 1, d.message)
            });
            Err((ErrorCode::RequestFailed, format!("mhac fmt: the file has syntax errors{first}; fix them first")))
        }
        Err(mhac_compiler::format::FormatError::Internal(why)) => {
            Err((ErrorCode::InternalError, format!("mhac fmt: {why}; the file is left as it is")))
        }
    }
}

fn internal_error(id: RequestId, method: &str) -> Response {
    log(&format!("internal error while answering `{method}`; the server carries on"));
    Response::new_err(id, ErrorCode::InternalError as i32, format!("mhac lsp: internal error in `{method}`"))
}

/// Write a line to standard error (the client's log); standard output is
/// the protocol.
fn log(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "mhac lsp: {message}");
}
