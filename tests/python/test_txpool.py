"""End-to-end: the pool as web3.py sees it — ``txpool_*`` with transactions the node holds, and
``eth_subscribe("newPendingTransactions")`` over WebSocket.

The devnet of this module mines only when asked (``anvil_setIntervalMining(0)``, a dev method), so
a transaction sent while the module runs stays in the pool, *pending* when its nonce is the
sender's next, *queued* behind a gap.
"""

from __future__ import annotations

import asyncio
import shutil

import pytest
from eth_account import Account
from web3 import AsyncWeb3, Web3
from web3.providers.persistent import WebSocketProvider

from devnet_process import start_devnet, stop
from wallet import DEV0_ADDRESS, DEV0_KEY, DEV1_ADDRESS, eip1559_fees

NOTIFICATION_TIMEOUT_S = 30
DEV2_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
DEV3_KEY = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6"


@pytest.fixture(scope="module")
def devnet():
    """A devnet (mining switched to manual by `held`)."""
    node, tmp = start_devnet([])
    try:
        yield node
    finally:
        stop(node.process)
        shutil.rmtree(tmp, ignore_errors=True)


def send(w3: Web3, key: str, nonce: int, **fields) -> str:
    """Signs and sends a transfer with `nonce` from `key`; returns its hash (0x hex)."""
    tx = {"type": 2, "chainId": w3.eth.chain_id, "nonce": nonce, "to": DEV1_ADDRESS, "value": 1, "gas": 21_000}
    tx.update(eip1559_fees(w3))
    tx.update(fields)
    signed = w3.eth.account.sign_transaction(tx, key)
    return w3.eth.send_raw_transaction(signed.raw_transaction).to_0x_hex()


@pytest.fixture(scope="module")
def held(w3):
    """DEV0's nonces 0 and 1 (pending) and 3 (queued behind the missing 2), held in the pool."""
    # Manual mining from now on; the evm_mine (under the node's sealing lock) lets a block of
    # interval mining already under way land first, so no block follows `head` unasked.
    assert w3.provider.make_request("anvil_setIntervalMining", [0])["result"] is None
    w3.provider.make_request("evm_mine", [])
    head = w3.eth.block_number
    assert w3.eth.get_transaction_count(DEV0_ADDRESS) == 0
    hashes = {nonce: send(w3, DEV0_KEY, nonce, value=nonce + 1) for nonce in (0, 1, 3)}
    assert w3.eth.block_number == head, "a block was sealed: the pool no longer holds the transactions"
    return hashes


def test_status_counts_pending_and_queued(w3, held):
    status = w3.provider.make_request("txpool_status", [])["result"]
    assert status == {"pending": "0x2", "queued": "0x1"}


def test_content_keys_senders_and_nonces_as_geth(w3, held):
    content = w3.provider.make_request("txpool_content", [])["result"]
    # Checksummed sender, decimal nonces.
    assert list(content["pending"]) == [DEV0_ADDRESS]
    assert sorted(content["pending"][DEV0_ADDRESS]) == ["0", "1"]
    assert list(content["queued"][DEV0_ADDRESS]) == ["3"]
    for side, nonce in (("pending", 0), ("pending", 1), ("queued", 3)):
        tx = content[side][DEV0_ADDRESS][str(nonce)]
        assert tx["hash"] == held[nonce]
        assert tx["nonce"] == hex(nonce)
        assert tx["value"] == hex(nonce + 1)
        assert tx["from"].lower() == DEV0_ADDRESS.lower()
        assert tx["blockHash"] is None and tx["blockNumber"] is None
    # web3.py's own reading of it.
    assert w3.geth.txpool.content()["queued"][DEV0_ADDRESS]["3"]["hash"] == held[3]


def test_content_from_one_sender(w3, held):
    mine = w3.provider.make_request("txpool_contentFrom", [DEV0_ADDRESS])["result"]
    assert {n: tx["hash"] for n, tx in mine["pending"].items()} == {"0": held[0], "1": held[1]}
    assert {n: tx["hash"] for n, tx in mine["queued"].items()} == {"3": held[3]}
    assert w3.provider.make_request("txpool_contentFrom", [DEV1_ADDRESS])["result"] == {"pending": {}, "queued": {}}
    bad = w3.provider.make_request("txpool_contentFrom", ["0x1234"])
    assert bad["error"]["code"] == -32602, bad


def test_inspect_summarises_as_geth(w3, held):
    inspect = w3.provider.make_request("txpool_inspect", [])["result"]
    fee_cap = w3.eth.get_transaction(held[3])["maxFeePerGas"]
    assert inspect["queued"][DEV0_ADDRESS] == {"3": f"{DEV1_ADDRESS}: 4 wei + 21000 gas × {fee_cap} wei"}
    assert set(inspect["pending"][DEV0_ADDRESS]) == {"0", "1"}


async def first_pending(ws_url: str, full: bool, send_one) -> tuple[object, str]:
    """Subscribes to newPendingTransactions, sends a transaction once subscribed, and returns the
    first notification with the hash of what was sent."""
    async with AsyncWeb3(WebSocketProvider(ws_url)) as w3ws:
        params = ("newPendingTransactions", True) if full else ("newPendingTransactions",)
        await w3ws.eth.subscribe(*params)
        sent = await asyncio.to_thread(send_one)

        async def first():
            async for message in w3ws.socket.process_subscriptions():
                return message["result"]

        return await asyncio.wait_for(first(), NOTIFICATION_TIMEOUT_S), sent


def test_new_pending_transactions_sends_the_hash(w3, devnet, held):
    sender = Account.from_key(DEV2_KEY).address
    result, sent = asyncio.run(first_pending(devnet.ws_url, False, lambda: send(w3, DEV2_KEY, 0)))
    assert result.to_0x_hex() == sent
    assert w3.eth.get_transaction(sent)["from"] == sender


def test_new_pending_transactions_with_true_sends_the_transaction(w3, devnet, held):
    result, sent = asyncio.run(first_pending(devnet.ws_url, True, lambda: send(w3, DEV3_KEY, 0, value=7)))
    assert result["hash"].to_0x_hex() == sent
    assert result["value"] == 7
    assert result["nonce"] == 0
    assert result["blockHash"] is None
