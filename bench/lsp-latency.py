#!/usr/bin/env python3
"""Latency of `mhac lsp`: time from sending a didChange to receiving the
publishDiagnostics for that version, on examples/moodle.mha and on a
generated source of 1,000 components (bench/gen.py 500: 500 load balancers,
each in front of its own group of app servers).

    cargo build --release
    bench/lsp-latency.py                       # target/release/mhac
    bench/lsp-latency.py --mhac target/debug/mhac --changes 100

A plain JSON-RPC client over the server's stdin and stdout (no library in
the way): each change sends the whole text (the server uses full sync) with
a different trailing comment, then waits for that version's diagnostics.
The clock starts once the message is encoded, just before it is written.
Target (DESIGN 7): under 10 ms for the example.
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


class Server:
    def __init__(self, command):
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def encode(self, message):
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def write(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("the server closed its output")
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.write(self.encode({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}))
        while True:
            message = self.read()
            if message.get("id") == self.next_id:
                return message

    def notify(self, method, params):
        self.write(self.encode({"jsonrpc": "2.0", "method": method, "params": params}))

    def diagnostics_for(self, version):
        while True:
            message = self.read()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"].get("version") == version:
                return message["params"]["diagnostics"]

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=10)


def measure(server, uri, text, changes, warmup):
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "mha", "version": 1, "text": text}},
    )
    diagnostics = server.diagnostics_for(1)
    samples = []
    for i in range(warmup + changes):
        version = i + 2
        edited = f"{text}# edit {i}\n"
        message = server.encode(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/didChange",
                "params": {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"text": edited}],
                },
            }
        )
        started = time.perf_counter()
        server.write(message)
        server.diagnostics_for(version)
        elapsed = time.perf_counter() - started
        if i >= warmup:
            samples.append(elapsed * 1000)
    return samples, len(diagnostics)


def generated(components):
    """A valid source with `components` components, from bench/gen.py."""
    groups = str(max(1, components // 2))
    return subprocess.run(
        [sys.executable, str(ROOT / "bench" / "gen.py"), groups], capture_output=True, text=True, check=True
    ).stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mhac", default=str(ROOT / "target" / "release" / "mhac"))
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--components", type=int, default=1000)
    args = parser.parse_args()

    sources = [
        ("examples/moodle.mha", (ROOT / "examples" / "moodle.mha").read_text()),
        (f"generated, {args.components} components", generated(args.components)),
    ]
    server = Server([args.mhac, "lsp"])
    server.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
    server.notify("initialized", {})
    print(f"mhac lsp ({args.mhac}): didChange -> publishDiagnostics, {args.changes} changes after {args.warmup} warm-up")
    print(f"{'source':<32} {'bytes':>8} {'diags':>5} {'median':>8} {'p90':>8} {'p99':>8} {'max':>8}  (ms)")
    for n, (name, text) in enumerate(sources):
        samples, diagnostics = measure(server, f"file:///bench/{n}.mha", text, args.changes, args.warmup)
        samples.sort()
        pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
        print(
            f"{name:<32} {len(text.encode()):>8} {diagnostics:>5} {statistics.median(samples):>8.2f} "
            f"{pick(0.90):>8.2f} {pick(0.99):>8.2f} {samples[-1]:>8.2f}"
        )
    server.close()


if __name__ == "__main__":
    main()
