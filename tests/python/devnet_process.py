"""Starting a throw-away Manifold devnet for client tests (web3.py here, solana.py in
``tests/solana_py``): ``manifold devnet --data-dir <tmp> --rpc-port 0 --json`` prints one line of
JSON on stdout once it is serving; we wait for that line (60 s at most) instead of sleeping, and
on failure report the node's stderr. The binary is ``$MANIFOLD_BIN`` (relative paths are taken
from the repository root), default ``<repo>/target/debug/manifold``.

Imports nothing but the standard library and pytest, so every client's test environment can
use it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 60.0


def manifold_bin() -> Path:
    env = os.environ.get("MANIFOLD_BIN")
    path = (REPO_ROOT / env) if env else REPO_ROOT / "target" / "debug" / "manifold"
    if not path.exists():
        pytest.fail(f"manifold binary not found at {path}: run `cargo build -p devnet` or set MANIFOLD_BIN")
    return path


@dataclass
class Devnet:
    """A running devnet, as described by its JSON ready line."""

    rpc_url: str
    ws_url: str
    chain_id: int
    data_dir: str
    accounts: list[dict[str, str]]
    process: subprocess.Popen
    solana_rpc_url: str = ""
    solana_ws_url: str = ""
    solana_keypairs: list[str] = field(default_factory=list)
    _stderr: list[str] = field(default_factory=list, repr=False)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)


def _pump(stream, sink) -> None:
    for line in iter(stream.readline, ""):
        sink(line)
    stream.close()


def start_devnet(extra_args: list[str] | None = None, timeout: float = READY_TIMEOUT_S) -> tuple[Devnet, str]:
    binary = manifold_bin()
    tmp = tempfile.mkdtemp(prefix="manifold-py-")
    args = [str(binary), "devnet", "--data-dir", tmp, "--rpc-port", "0", "--json", *(extra_args or [])]
    return _start(args, tmp, timeout)


def start_sequencer(timeout: float = READY_TIMEOUT_S) -> tuple[Devnet, str]:
    """``manifold sequencer`` (not a devnet) on a fresh directory: the example config with local
    DA, RPC on a free port. Its ready line has ``rpc_url`` (the accounts list is empty)."""
    binary = manifold_bin()
    tmp = tempfile.mkdtemp(prefix="manifold-py-seq-")
    example = subprocess.run([str(binary), "config", "example"], capture_output=True, text=True, check=True).stdout
    config = Path(tmp) / "manifold.toml"
    config.write_text(example)
    args = [
        str(binary), "sequencer", "--config", str(config), "--data-dir", str(Path(tmp) / "data"),
        "--set", "rpc.listen=127.0.0.1:0", "--set", "solana_rpc.enabled=false", "--json",
    ]
    return _start(args, tmp, timeout)


def _start(args: list[str], tmp: str, timeout: float) -> tuple[Devnet, str]:
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    stderr: list[str] = []
    stdout_lines: "queue.Queue[str | None]" = queue.Queue()
    seen_stdout: list[str] = []

    def on_stderr(line: str) -> None:
        stderr.append(line)
        if os.environ.get("MANIFOLD_LOG"):
            print(line, end="", flush=True)

    threading.Thread(target=_pump, args=(proc.stderr, on_stderr), daemon=True).start()

    def pump_stdout() -> None:
        _pump(proc.stdout, stdout_lines.put)
        stdout_lines.put(None)  # EOF

    threading.Thread(target=pump_stdout, daemon=True).start()

    def fail(why: str):
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
        pytest.fail(
            f"manifold {args[1]} did not become ready: {why}\ncommand: {' '.join(args)}\n"
            f"--- stdout ---\n{''.join(seen_stdout)}\n--- stderr ---\n{''.join(stderr)}",
            pytrace=False,
        )

    deadline = time.monotonic() + timeout
    info = None
    while info is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            fail(f"no JSON ready line on stdout within {timeout:.0f} s")
        try:
            line = stdout_lines.get(timeout=remaining)
        except queue.Empty:
            continue
        if line is None:
            proc.wait(timeout=5)
            fail(f"exited early with code {proc.returncode}")
        seen_stdout.append(line)
        text = line.strip()
        if text.startswith("{"):
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError:
                continue
            if isinstance(parsed, dict) and isinstance(parsed.get("rpc_url"), str):
                info = parsed

    devnet = Devnet(
        rpc_url=info["rpc_url"],
        ws_url=info.get("ws_url", ""),
        chain_id=info.get("chain_id"),
        data_dir=info.get("data_dir", tmp),
        accounts=info.get("accounts", []),
        process=proc,
        solana_rpc_url=info.get("solana_rpc_url") or "",
        solana_ws_url=info.get("solana_ws_url") or "",
        solana_keypairs=info.get("solana_keypairs", []),
        _stderr=stderr,
    )
    return devnet, tmp


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
