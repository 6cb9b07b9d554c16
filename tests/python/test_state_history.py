"""End-to-end with web3.py: the state at an older block. A devnet keeps every block's state,
so balance, nonce, code, storage and calls at a block give what they gave then, after later
blocks changed them (by number, by EIP-1898 block hash, or by tag); a node that keeps only a
few blocks refuses an older one with geth's "historical state ... is not available"."""

from __future__ import annotations

import shutil

import pytest
from web3 import Web3
from web3.exceptions import Web3RPCError

from devnet_process import start_devnet, stop
from wallet import DEV0_ADDRESS, DEV1_ADDRESS, eip1559_fees, sign_and_send

# Runtime code of a counter: any call with calldata stores CALLDATALOAD(0) in slot 0; a call
# without returns slot 0.
#   CALLDATASIZE PUSH1 0x0c JUMPI  PUSH0 SLOAD PUSH0 MSTORE PUSH1 32 PUSH0 RETURN
#   JUMPDEST PUSH0 CALLDATALOAD PUSH0 SSTORE STOP
COUNTER_RUNTIME = "36600c575f545f5260205ff35b5f355f5500"
COUNTER_INITCODE = "0x6012600a5f3960125ff3" + COUNTER_RUNTIME


def send(w3: Web3, **fields) -> dict:
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "gas": 100_000,
        **eip1559_fees(w3),
        **fields,
    }
    receipt = sign_and_send(w3, tx)
    assert receipt["status"] == 1, receipt
    return receipt


def word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def test_state_at_older_blocks_after_later_blocks_changed_it(w3):
    deployed = send(w3, data=COUNTER_INITCODE)
    counter = deployed["contractAddress"]
    at_deploy = deployed["blockNumber"]
    first = send(w3, to=counter, data=word(7))["blockNumber"]
    second = send(w3, to=counter, data=word(9), value=0)["blockNumber"]
    paid = send(w3, to=DEV1_ADDRESS, value=10**18, gas=21_000)["blockNumber"]
    assert at_deploy < first < second < paid

    # Storage and calls: 0 before the first write, 7 after it, 9 after the second.
    for block, value in [(at_deploy, 0), (first, 7), (second, 9), ("latest", 9)]:
        assert w3.eth.get_storage_at(counter, 0, block) == bytes.fromhex(word(value)[2:]), block
        assert w3.eth.call({"to": counter}, block) == bytes.fromhex(word(value)[2:]), block
    # Code: absent before the deployment, there after.
    assert w3.eth.get_code(counter, at_deploy - 1) == b""
    assert w3.eth.get_code(counter, at_deploy).hex() == COUNTER_RUNTIME
    # Nonce and balance of the sender and the receiver.
    nonce_after = w3.eth.get_transaction_count(DEV0_ADDRESS, "latest")
    assert w3.eth.get_transaction_count(DEV0_ADDRESS, second) == nonce_after - 1
    assert w3.eth.get_transaction_count(DEV0_ADDRESS, at_deploy - 1) == nonce_after - 4
    received = w3.eth.get_balance(DEV1_ADDRESS, paid) - w3.eth.get_balance(DEV1_ADDRESS, second)
    assert received == 10**18
    # EIP-1898: the block by hash reads the same state as by number.
    block_hash = w3.eth.get_block(first)["hash"]
    by_hash = w3.provider.make_request(
        "eth_getStorageAt", [counter, "0x0", {"blockHash": block_hash.to_0x_hex()}]
    )
    assert by_hash["result"] == word(7), by_hash
    # Estimates and access lists run there too: storing into slot 0 at the deploy block
    # writes a fresh slot (dearer than rewriting it later).
    fresh = w3.eth.estimate_gas({"from": DEV0_ADDRESS, "to": counter, "data": word(5)}, at_deploy)
    rewrite = w3.eth.estimate_gas({"from": DEV0_ADDRESS, "to": counter, "data": word(5)}, second)
    assert fresh > rewrite
    # (web3.py passes create_access_list's block as given: a hex string, not an int.)
    store = {"from": DEV0_ADDRESS, "to": counter, "data": word(5)}
    fresh_listed = w3.eth.create_access_list(store, hex(at_deploy))
    rewrite_listed = w3.eth.create_access_list(store, hex(first))
    assert int(fresh_listed["gasUsed"]) > int(rewrite_listed["gasUsed"])
    # A block after the head does not exist.
    with pytest.raises(Web3RPCError) as unknown:
        w3.eth.get_balance(DEV1_ADDRESS, paid + 10_000)
    assert "header not found" in str(unknown.value)


@pytest.fixture(scope="module")
def short_history():
    """A devnet that keeps the states of its latest 2 blocks only."""
    node, tmp = start_devnet(["--keep-blocks", "2"])
    try:
        yield Web3(Web3.HTTPProvider(node.rpc_url, request_kwargs={"timeout": 30}))
    finally:
        stop(node.process)
        shutil.rmtree(tmp, ignore_errors=True)


def test_a_block_below_the_kept_range_is_refused(short_history):
    w3 = short_history
    for _ in range(3):
        send(w3, to=DEV1_ADDRESS, value=1, gas=21_000)
    head = w3.eth.get_block("latest")
    # The head and the block before it are kept.
    w3.eth.get_balance(DEV1_ADDRESS, head["number"] - 1)
    old = w3.eth.get_block(head["number"] - 2)
    with pytest.raises(Web3RPCError) as refused:
        w3.eth.get_balance(DEV1_ADDRESS, old["number"])
    message = str(refused.value)
    assert f"historical state {old['stateRoot'].hex().removeprefix('0x')} is not available" in message
    assert f"block {old['number']} requested" in message
    with pytest.raises(Web3RPCError) as refused:
        w3.eth.call({"to": DEV1_ADDRESS}, 0)
    assert "is not available" in str(refused.value)
    # Proofs are served at the head only.
    w3.eth.get_proof(DEV1_ADDRESS, [], "latest")
    with pytest.raises(Web3RPCError) as refused:
        w3.eth.get_proof(DEV1_ADDRESS, [], head["number"] - 1)
    assert "eth_getProof is served at the head only" in str(refused.value)
