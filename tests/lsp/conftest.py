"""Fixtures for the end-to-end tests of `mhac lsp`.

The server under test is the debug build, target/debug/mhac (scripts/test
builds it before running pytest); set MHAC_BIN to test another binary.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
MHAC = pathlib.Path(os.environ.get("MHAC_BIN", ROOT / "target" / "debug" / "mhac"))

if not MHAC.is_file():
    pytest.exit(f"{MHAC} is missing: build it with `cargo build` (scripts/test does)", returncode=1)


def example(name: str = "moodle.mha") -> str:
    return (ROOT / "examples" / name).read_text()


def broken_moodle() -> str:
    """examples/moodle.mha with an overlap, a misspelt group, an unknown
    metric and a syntax error in the network block."""
    text = example()
    for old, new in [
        ("10.0.11.0/24", "10.0.10.128/25"),
        ("security_group = web", "security_group = wbe"),
        ("alarm moodle_db.cpu > 80", "alarm moodle_db.cpux > 80"),
        ("customer_gateway = 203.0.113.10", "customer_gateway = = 203.0.113.10"),
    ]:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def check_json(text: str, tmp_path: pathlib.Path) -> list[dict]:
    """The diagnostics `mhac check --message-format json` reports for `text`."""
    path = tmp_path / "check.mha"
    path.write_text(text)
    output = subprocess.run(
        [str(MHAC), "check", "--message-format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert output.returncode in (0, 1), output.stderr
    return json.loads(output.stdout)["diagnostics"]


def position_of(text: str, needle: str, into: int = 0, nth: int = 0) -> types.Position:
    """The position `into` characters into the `nth` occurrence of `needle`
    (ASCII text: UTF-16 columns are character columns)."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(needle, at + 1)
    at += into
    line = text.count("\n", 0, at)
    column = at - (text.rfind("\n", 0, at) + 1)
    return types.Position(line=line, character=column)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply non-overlapping edits (positions in UTF-16 = characters for the
    ASCII examples)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: types.Position) -> int:
        return starts[p.line] + p.character

    for edit in sorted(edits, key=lambda e: offset(e.range.start), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


class Session:
    """A client with helpers to open and change documents and wait for
    their diagnostics."""

    def __init__(self, client: LanguageClient):
        self.client = client
        self.versions: dict[str, int] = {}

    async def open(self, uri: str, text: str) -> types.PublishDiagnosticsParams:
        waiting = self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="mha", version=1, text=text)
            )
        )
        return await waiting

    async def change(self, uri: str, text: str) -> types.PublishDiagnosticsParams:
        version = self.versions[uri] + 1
        self.versions[uri] = version
        waiting = self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )
        params = await waiting
        assert params.uri == uri
        assert params.version == version, f"diagnostics of version {params.version}, expected {version}"
        return params


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[str(MHAC), "lsp"]))
async def client(lsp_client: LanguageClient):
    """`mhac lsp`, initialized with the capabilities of VS Code."""
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"))
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[str(MHAC), "lsp"]))
async def utf32_client(lsp_client: LanguageClient):
    """`mhac lsp` with a client that prefers UTF-32 positions."""
    capabilities = client_capabilities("visual-studio-code")
    capabilities.general = types.GeneralClientCapabilities(
        position_encodings=[types.PositionEncodingKind.Utf32, types.PositionEncodingKind.Utf16]
    )
    result = await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf32
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def session(client: LanguageClient) -> Session:
    return Session(client)
