"""End-to-end tests of `mhac lsp` with a real LSP client (pytest-lsp, on
pygls), on examples/moodle.mha and on a broken copy of it."""

from __future__ import annotations

import pathlib
import subprocess
import time

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from conftest import (
    MHAC,
    ROOT,
    Session,
    apply_edits,
    broken_moodle,
    check_json,
    example,
    position_of,
)

URI = "file:///work/moodle.mha"


def doc(uri: str = URI) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def same_as_check(published: list[types.Diagnostic], expected: list[dict]) -> None:
    """The published diagnostics are exactly `mhac check`'s: code, severity,
    message and range (JSON lines and columns are 1-based characters)."""
    severity = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning}
    assert len(published) == len(expected), (published, expected)
    for got, want in zip(published, expected):
        assert got.code == want["code"]
        assert got.severity == severity[want["severity"]]
        assert got.message == want["message"]
        assert got.source == "mhac"
        assert (got.range.start.line + 1, got.range.start.character + 1) == (
            want["start"]["line"],
            want["start"]["column"],
        )
        assert (got.range.end.line + 1, got.range.end.character + 1) == (want["end"]["line"], want["end"]["column"])
        if want["help"]:
            assert any(info.message == f"help: {want['help']}" for info in got.related_information or [])


async def test_diagnostics_are_those_of_check_and_clear_when_fixed(session: Session, tmp_path: pathlib.Path):
    text = example()
    opened = await session.open(URI, text)
    assert list(opened.diagnostics) == []

    broken = broken_moodle()
    changed = await session.change(URI, broken)
    expected = check_json(broken, tmp_path)
    codes = {d["code"] for d in expected}
    assert {"MHA001", "MHA211", "MHA107", "MHA702"} <= codes, codes
    same_as_check(changed.diagnostics, expected)

    fixed = await session.change(URI, text)
    assert list(fixed.diagnostics) == []


async def test_warnings_of_the_seed_example(session: Session, tmp_path: pathlib.Path):
    text = example("seed.mha")
    opened = await session.open("file:///work/seed.mha", text)
    same_as_check(opened.diagnostics, check_json(text, tmp_path))
    assert [d.severity for d in opened.diagnostics] == [types.DiagnosticSeverity.Warning] * 2


def markdown(hover: types.Hover | None) -> str:
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    return hover.contents.value


async def hover_at(client: LanguageClient, text: str, needle: str, into: int, nth: int = 0) -> str:
    result = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(), position=position_of(text, needle, into, nth))
    )
    return markdown(result)


async def test_hover(session: Session):
    client, text = session.client, example()
    await session.open(URI, text)
    tier = await hover_at(client, text, "main.app", 6)
    assert "| us-east-1a | 10.0.10.0/24 | 251 |" in tier and "| us-east-1b | 10.0.11.0/24 | 251 |" in tier
    group = await hover_at(client, text, "security_group = web", 18)
    assert "tcp 80 (http) from security group `alb`" in group
    alb = await hover_at(client, text, "security_group alb", 16)
    assert "tcp 443 (https) from the internet (0.0.0.0/0)" in alb
    param = await hover_at(client, text, "param.moodle_sha256", 10)
    assert "parameter `moodle_sha256`** : `string`" in param
    front = await hover_at(client, text, "alarm front", 7)
    assert "Outputs: DNS name" in front and "`unhealthy_hosts`" in front
    db = await hover_at(client, text, "database moodle_db", 10)
    assert "RDS mysql 8.0" in db and "Outputs: endpoint address, port" in db
    key = await hover_at(client, text, "flow_logs", 2)
    assert "**flow_logs** in `network`: bool" in key
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=doc(), position=types.Position(line=0, character=3))
    )
    assert nothing is None


async def test_definition_and_references(session: Session):
    client, text = session.client, example()
    await session.open(URI, text)
    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(), position=position_of(text, "main.app", 6))
    )
    assert isinstance(definition, types.Location)
    assert definition.range.start == position_of(text, "tier app", 5)

    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(), position=position_of(text, "alarm moodle_db", 8))
    )
    assert isinstance(definition, types.Location)
    assert definition.range.start == position_of(text, "database moodle_db", 9)

    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(),
            position=position_of(text, "security_group web", 16),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    assert references is not None
    lines = sorted(r.range.start.line for r in references)
    # The group, `from web` in db, fs and kv, and the app servers' group.
    assert len(lines) == 5
    assert all(text.split("\n")[r.range.start.line][r.range.start.character :].startswith("web") for r in references)


async def test_rename_updates_every_reference_and_refuses_clashes(session: Session):
    client, text = session.client, example()
    await session.open(URI, text)
    position = position_of(text, "load_balancer front", 15)
    prepared = await client.text_document_prepare_rename_async(
        types.PrepareRenameParams(text_document=doc(), position=position)
    )
    assert prepared is not None

    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(), position=position, new_name="edge")
    )
    assert edit is not None and edit.changes is not None
    edits = edit.changes[URI]
    # The definition, `behind front` and two alarms.
    assert len(edits) == 4
    renamed = apply_edits(text, edits)
    assert "front" not in renamed and renamed.count("edge") == 4
    after = await session.change(URI, renamed)
    assert list(after.diagnostics) == [], "the renamed file still checks cleanly"

    tier = position_of(renamed, "tier data", 5)
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc(), position=tier, new_name="db_tier")
    )
    assert edit is not None and edit.changes is not None
    assert len(edit.changes[URI]) == 4  # the tier, two `main.data` and `reach = [app, data]`
    assert list((await session.change(URI, apply_edits(renamed, edit.changes[URI]))).diagnostics) == []

    for clash in ["web", "moodle_db", "moodleDb", "for"]:
        with pytest.raises(JsonRpcException):
            await client.text_document_rename_async(
                types.RenameParams(text_document=doc(), position=position_of(renamed, "load_balancer edge", 15), new_name=clash)
            )


async def test_completion(session: Session):
    client, text = session.client, example()
    await session.open(URI, text)

    async def labels(position: types.Position) -> dict[str, types.CompletionItem]:
        result = await client.text_document_completion_async(
            types.CompletionParams(text_document=doc(), position=position)
        )
        items = result.items if isinstance(result, types.CompletionList) else result
        return {item.label: item for item in items or []}

    groups = await labels(position_of(text, "security_group = web", 17))
    assert set(groups) == {"alb", "web", "db", "fs", "kv"}
    tiers = await labels(position_of(text, "subnets        = main.app", 17))
    assert {"main.public", "main.app", "main.data"} <= set(tiers)
    members = await labels(position_of(text, "main.app", 5))
    assert set(members) == {"public", "app", "data"}
    metrics = await labels(position_of(text, "alarm front.target_5xx", 12))
    assert {"target_5xx", "unhealthy_hosts", "latency"} <= set(metrics)

    # Attribute keys with their types, in a block being typed.
    typing = text.replace("  flow_logs = true\n", "  flow_logs = true\n  end\n")
    await session.change(URI, typing)
    keys = await labels(position_of(typing, "  end\n", 5))
    assert keys["endpoints"].detail.startswith("list of s3 | ssm")
    assert "cidr" not in keys and "nat" not in keys, "keys the block sets already are not offered"
    assert "tier" in keys

    # No `password` (MHA601), and engines with the versions `check` accepts.
    database = await labels(position_of(typing, "  engine         = ", 2))
    assert "password" not in database and "storage_gb" not in database and "performance_insights" in database
    engines = await labels(position_of(typing, "mysql(\"8.0\")", 0))
    assert 'mysql("8.4")' in engines and 'postgres("16")' in engines and "mysql" not in engines


async def test_formatting(session: Session, tmp_path: pathlib.Path):
    client, text = session.client, example()
    await session.open(URI, text)
    options = types.FormattingOptions(tab_size=2, insert_spaces=True)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc(), options=options)
    )
    assert list(edits or []) == [], "the example is formatted already"

    # The same file with CRLF line endings is canonical too, as for `mhac fmt --check`.
    await session.change(URI, text.replace("\n", "\r\n"))
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc(), options=options)
    )
    assert list(edits or []) == [], "formatting keeps the file's CRLF line endings"

    messy = text.replace("  cidr      = 10.0.0.0/16", "cidr=10.0.0.0/16").replace(
        "security_group web { allow http from alb }", "security_group   web {allow http from alb}  # the app"
    )
    await session.change(URI, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc(), options=options)
    )
    assert edits is not None and len(edits) == 1
    formatted = apply_edits(messy, edits)
    path = tmp_path / "messy.mha"
    path.write_text(messy)
    subprocess.run([str(MHAC), "fmt", str(path)], check=True)
    assert formatted == path.read_text(), "formatting is the same as `mhac fmt`"
    assert "security_group web { allow http from alb }  # the app" in formatted

    await session.change(URI, broken_moodle())
    with pytest.raises(JsonRpcException, match="syntax errors"):
        await client.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=doc(), options=options)
        )


async def test_document_symbols(session: Session):
    client, text = session.client, example()
    await session.open(URI, text)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc()))
    assert symbols is not None
    names = [s.name for s in symbols]
    assert names[:4] == ["moodle-prod", "moodle_sha256", "main", "corporate"]
    network = symbols[2]
    assert isinstance(network, types.DocumentSymbol)
    assert [c.name for c in network.children or []] == ["public", "app", "data"]


async def test_the_broken_copy_still_answers(session: Session):
    """Hover, definition, references and completion work on the parts of a
    broken file that parse; rename is refused while it has syntax errors."""
    client, text = session.client, broken_moodle()
    published = await session.open(URI, text)
    assert published.diagnostics

    tier = await hover_at(client, text, "main.app", 6)
    assert "10.0.10.0/24" in tier
    definition = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc(), position=position_of(text, "from alb", 6))
    )
    assert isinstance(definition, types.Location)
    assert definition.range.start == position_of(text, "security_group alb", 15)
    references = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc(),
            position=position_of(text, "security_group alb", 16),
            context=types.ReferenceContext(include_declaration=False),
        )
    )
    assert references is not None and len(references) == 2
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc(), position=position_of(text, "security_group = wbe", 17))
    )
    items = result.items if isinstance(result, types.CompletionList) else result
    assert "web" in {item.label for item in items or []}
    with pytest.raises(JsonRpcException, match="syntax errors"):
        await client.text_document_rename_async(
            types.RenameParams(text_document=doc(), position=position_of(text, "security_group alb", 16), new_name="lb")
        )
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc()))
    assert symbols is not None and "monitoring" in [s.name for s in symbols]


async def test_positions_in_the_negotiated_encoding(utf32_client: LanguageClient):
    session = Session(utf32_client)
    # `é` and `𝄞` are one code point each, but `𝄞` is two UTF-16 units.
    text = 'deployment "é𝄞" {}\n'
    published = await session.open(URI, text)
    label = next(d for d in published.diagnostics if d.code == "MHA109")
    assert (label.range.start.character, label.range.end.character) == (11, 15)


async def test_closing_a_document_clears_its_diagnostics(session: Session):
    await session.open(URI, broken_moodle())
    waiting = session.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    session.client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=doc()))
    cleared = await waiting
    assert list(cleared.diagnostics) == []


async def test_typing_the_example_character_by_character(session: Session):
    """Type examples/moodle.mha into the server one character at a time (a
    full-text change per character): every version gets its own
    publishDiagnostics, and the server is alive and answering at the end."""
    client, text = session.client, example()
    await session.open(URI, "")
    started = time.monotonic()
    for end in range(1, len(text) + 1):
        await session.change(URI, text[:end])
    elapsed = time.monotonic() - started
    assert session.versions[URI] == len(text) + 1
    final = await session.change(URI, text)
    assert list(final.diagnostics) == []
    assert client._server is not None and client._server.returncode is None, "the server exited"
    tier = await hover_at(client, text, "main.app", 6)
    assert "251" in tier
    print(f"typed {len(text)} characters, one change each, in {elapsed:.1f} s")


async def test_junk_never_brings_the_server_down(session: Session):
    """Binary-ish and deeply nested input, requests at every position of a
    broken file, and an unknown method: errors are answered, the server lives."""
    client = session.client
    await session.open(URI, "\x00\x01{{{{\n" + "[" * 5000 + "\n\"unterminated\n#")
    text = broken_moodle()
    await session.change(URI, text)
    lines = text.split("\n")
    for line_number in range(0, len(lines), 7):
        for character in (0, 3, 11, 40, 200):
            position = types.Position(line=line_number, character=character)
            await client.text_document_hover_async(types.HoverParams(text_document=doc(), position=position))
            await client.text_document_completion_async(
                types.CompletionParams(text_document=doc(), position=position)
            )
            await client.text_document_definition_async(types.DefinitionParams(text_document=doc(), position=position))
    with pytest.raises(JsonRpcException):
        await client.protocol.send_request_async("mhac/noSuchMethod", {})
    assert client._server is not None and client._server.returncode is None
