"""Shared fixtures for the web3.py client tests: a throw-away Manifold devnet per test module
(started by ``devnet_process``), stopped when the module ends.
"""

from __future__ import annotations

import json
import shutil

import pytest
from web3 import Web3

from devnet_process import REPO_ROOT, Devnet, start_devnet, stop  # noqa: F401

TOKEN_ARTIFACT = REPO_ROOT / "tests" / "contracts" / "out" / "Token.json"

@pytest.fixture(scope="module")
def devnet():
    """A devnet for the whole test module, stopped (and its data dir removed) afterwards."""
    node, tmp = start_devnet()
    try:
        yield node
    finally:
        stop(node.process)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def w3(devnet) -> Web3:
    """web3.py over HTTP to the module's devnet."""
    web3 = Web3(Web3.HTTPProvider(devnet.rpc_url, request_kwargs={"timeout": 30}))
    assert web3.is_connected(), f"cannot reach {devnet.rpc_url}\n{devnet.stderr}"
    return web3


@pytest.fixture(scope="session")
def token_artifact() -> dict:
    with TOKEN_ARTIFACT.open() as f:
        return json.load(f)
