"""Fixtures for the solana.py client tests: one devnet per test module (started by
``tests/python/devnet_process.py``), its funded Solana keypairs, and an ``AsyncClient`` with
solana.py's default settings (commitment ``finalized``) on its Solana RPC.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from solana.rpc.async_api import AsyncClient
from solders.keypair import Keypair

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from devnet_process import Devnet, start_devnet, stop  # noqa: E402


@pytest.fixture(scope="module")
def devnet():
    node, tmp = start_devnet()
    try:
        assert node.solana_rpc_url, f"the devnet serves no Solana RPC\n{node.stderr}"
        yield node
    finally:
        stop(node.process)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def keypairs(devnet: Devnet) -> list[Keypair]:
    """The devnet's funded Solana keypairs, read as `Keypair.from_base58_string` reads them."""
    return [Keypair.from_base58_string(secret) for secret in devnet.solana_keypairs]


@pytest.fixture(scope="module")
async def client(devnet: Devnet):
    """solana.py's AsyncClient with its default settings."""
    async with AsyncClient(devnet.solana_rpc_url) as client:
        assert await client.is_connected(), devnet.stderr
        yield client
