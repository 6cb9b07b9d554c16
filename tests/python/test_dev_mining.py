"""End-to-end with web3.py: the devnet seals a block every block time, empty or not, so a
script waiting for confirmations returns; its dev methods (anvil's and Hardhat's names) seal
blocks, move the block clock, set balances, nonces, code and storage, and send unsigned
transactions from impersonated accounts; ``manifold sequencer`` does not serve them.

The tests run in file order on one devnet: the ones that switch to manual mining come last.
"""

from __future__ import annotations

import shutil
import time

import pytest
from web3 import Web3

from devnet_process import start_sequencer, stop
from wallet import DEV0_ADDRESS, DEV0_KEY, DEV1_ADDRESS, RECEIPT_TIMEOUT, eip1559_fees, sign_and_send

WAIT_S = 30.0
POLL_S = 0.05


def wait_for(what: str, check, timeout: float = WAIT_S):
    """Polls `check` until it returns something truthy; fails naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(POLL_S)


def wait_for_confirmations(w3: Web3, tx_hash, confirmations: int, timeout: float = WAIT_S):
    """What a deployment script does: the receipt, then blocks until `confirmations` blocks
    (the including one counts) are on top of the chain."""
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.1)
    wait_for(
        f"{confirmations} confirmations of block {receipt['blockNumber']}",
        lambda: w3.eth.block_number - receipt["blockNumber"] + 1 >= confirmations,
        timeout,
    )
    return receipt


def rpc(w3: Web3, method: str, params: list):
    """A raw call; fails on a JSON-RPC error."""
    response = w3.provider.make_request(method, params)
    assert "error" not in response, f"{method}{params}: {response}"
    return response["result"]


def transfer_tx(w3: Web3, value: int = 1) -> dict:
    """An EIP-1559 transfer from dev account 0 to dev account 1 at the next pending nonce."""
    return {
        "type": 2,
        "chainId": 31337,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "to": DEV1_ADDRESS,
        "value": value,
        "gas": 21_000,
        **eip1559_fees(w3),
    }


def transfer(w3: Web3, value: int = 1):
    """Sends `transfer_tx`; returns its hash without waiting."""
    signed = w3.eth.account.sign_transaction(transfer_tx(w3, value), DEV0_KEY)
    return w3.eth.send_raw_transaction(signed.raw_transaction)


def test_the_chain_advances_while_idle(w3):
    start = w3.eth.get_block("latest")
    later = wait_for("three more blocks with nothing sent", lambda: w3.eth.block_number >= start["number"] + 3)
    assert later
    newer = w3.eth.get_block(start["number"] + 3)
    assert newer["transactions"] == [], "idle blocks are empty"
    assert newer["gasUsed"] == 0
    assert newer["timestamp"] >= start["timestamp"]
    assert newer["parentHash"] == w3.eth.get_block(start["number"] + 2)["hash"]


def test_a_script_waiting_for_three_confirmations_returns(w3):
    tx_hash = transfer(w3)
    receipt = wait_for_confirmations(w3, tx_hash, 3)
    assert receipt["status"] == 1
    assert w3.eth.block_number >= receipt["blockNumber"] + 2


def test_evm_increase_time_moves_the_next_blocks_timestamp(w3):
    before = w3.eth.get_block("latest")["timestamp"]
    offset = rpc(w3, "evm_increaseTime", [7200])
    assert offset >= 7200
    rpc(w3, "evm_mine", [])
    after = w3.eth.get_block("latest")["timestamp"]
    assert after >= before + 7200, (before, after)
    assert after < before + 7200 + 120, (before, after)


def test_anvil_node_info_describes_the_head(w3):
    info = rpc(w3, "anvil_nodeInfo", [])
    assert info["environment"]["chainId"] == 31337
    assert info["miningMode"] == "interval"
    assert int(info["currentBlockNumber"], 16) <= w3.eth.block_number
    assert info["forkConfig"]["forkUrl"] is None


def test_anvil_state_setters_are_visible_through_the_standard_queries(w3):
    who = Web3.to_checksum_address("0x" + "ab" * 20)
    assert rpc(w3, "anvil_setBalance", [who, hex(123 * 10**18)]) is None
    assert w3.eth.get_balance(who) == 123 * 10**18
    assert rpc(w3, "anvil_setNonce", [who, hex(42)]) is None
    assert w3.eth.get_transaction_count(who) == 42
    # Runtime code returning the byte 0x42: PUSH1 0x42 PUSH1 0 MSTORE PUSH1 1 PUSH1 31 RETURN.
    code = "0x60426000526001601ff3"
    assert rpc(w3, "anvil_setCode", [who, code]) is None
    assert w3.eth.get_code(who).hex().removeprefix("0x") == code.removeprefix("0x")
    assert w3.eth.call({"to": who}) == b"\x42"
    value = "0x" + "00" * 31 + "2a"
    assert rpc(w3, "anvil_setStorageAt", [who, "0x3", value]) is True
    assert w3.eth.get_storage_at(who, 3) == bytes.fromhex(value[2:])
    # Each write is a transaction in a sealed block: the balance survives more blocks.
    head = w3.eth.block_number
    wait_for("another block", lambda: w3.eth.block_number > head)
    assert w3.eth.get_balance(who) == 123 * 10**18


def test_impersonation_lets_an_unsigned_send_from_any_address_succeed(w3):
    stranger = Web3.to_checksum_address("0x" + "5e" * 20)  # nobody has its key
    rpc(w3, "anvil_setBalance", [stranger, hex(10**18)])
    tx = {"from": stranger, "to": DEV1_ADDRESS, "value": 12345}
    refused = w3.provider.make_request("eth_sendTransaction", [{**tx, "value": hex(12345)}])
    assert "impersonate" in refused["error"]["message"], refused
    assert rpc(w3, "anvil_impersonateAccount", [stranger]) is None
    # A tip near 2**128 and no fee cap: the fee cap the node derives saturates, and the send
    # is refused with an error (it overflowed: a panic in a debug build, a bogus cap in release).
    huge_tip = {**tx, "value": hex(1), "gas": hex(21000), "maxPriorityFeePerGas": hex(2**128 - 1)}
    refused = w3.provider.make_request("eth_sendTransaction", [huge_tip])
    assert refused["error"]["message"], refused
    before = w3.eth.get_balance(DEV1_ADDRESS)
    tx_hash = w3.eth.send_transaction(tx)  # web3.py's own eth_sendTransaction, unsigned
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.1)
    assert receipt["status"] == 1
    assert receipt["from"] == stranger
    assert w3.eth.get_transaction(tx_hash)["from"] == stranger
    assert w3.eth.get_balance(DEV1_ADDRESS) == before + 12345
    assert w3.eth.get_transaction_count(stranger) == 1
    # Hardhat's names work too; after stopping, sends are refused again.
    assert rpc(w3, "hardhat_stopImpersonatingAccount", [stranger]) is None
    refused = w3.provider.make_request("eth_sendTransaction", [{**tx, "value": hex(1)}])
    assert "error" in refused, refused
    assert rpc(w3, "hardhat_impersonateAccount", [stranger]) is None
    assert w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({**tx, "value": 1}), timeout=RECEIPT_TIMEOUT, poll_latency=0.1)["status"] == 1
    rpc(w3, "anvil_stopImpersonatingAccount", [stranger])


def test_evm_mine_and_anvil_mine_produce_the_blocks(w3):
    # Manual mining, so that every block below is ours; one evm_mine first lets a tick of
    # interval mining already under way land before the counted blocks.
    assert rpc(w3, "anvil_setIntervalMining", [0]) is None
    rpc(w3, "evm_mine", [])
    start = w3.eth.get_block("latest")
    assert rpc(w3, "evm_mine", []) == "0x0"
    assert w3.eth.block_number == start["number"] + 1
    pinned = start["timestamp"] + 1_000
    rpc(w3, "evm_mine", [pinned])
    assert w3.eth.get_block("latest")["timestamp"] == pinned
    assert rpc(w3, "anvil_mine", [hex(4), hex(12)]) is None
    blocks = [w3.eth.get_block(start["number"] + 2 + i) for i in range(1, 5)]
    assert w3.eth.block_number == start["number"] + 6
    times = [b["timestamp"] for b in blocks]
    assert all(b - a == 12 for a, b in zip(times, times[1:])), times
    # Idle under manual mining: no block of its own.
    head = w3.eth.block_number
    time.sleep(0.75)  # three block times: an absence needs a window
    assert w3.eth.block_number == head
    # A pending transaction goes into the next evm_mine's block.
    tx_hash = transfer(w3)
    rpc(w3, "evm_mine", [])
    receipt = w3.eth.get_transaction_receipt(tx_hash)
    assert receipt["blockNumber"] == head + 1


def test_automine_seals_each_transaction_at_a_pinned_timestamp(w3):
    head = w3.eth.get_block("latest")
    rpc(w3, "evm_setNextBlockTimestamp", [head["timestamp"] + 500])
    rpc(w3, "evm_setAutomine", [True])
    receipt = sign_and_send(w3, transfer_tx(w3))
    assert receipt["blockNumber"] == head["number"] + 1
    assert w3.eth.get_block(receipt["blockNumber"])["timestamp"] == head["timestamp"] + 500
    # Back to interval mining (1 s): the chain advances by itself again.
    rpc(w3, "anvil_setIntervalMining", [1])
    wait_for("interval mining to resume", lambda: w3.eth.block_number > receipt["blockNumber"])


def test_evm_snapshot_and_evm_revert_round_trip_state_exactly(w3):
    rpc(w3, "anvil_setIntervalMining", [0])
    rpc(w3, "evm_mine", [])
    who = Web3.to_checksum_address("0x" + "c0" * 20)
    rpc(w3, "anvil_setCode", [who, "0x60426000526001601ff3"])
    rpc(w3, "anvil_setStorageAt", [who, "0x5", "0x" + "00" * 31 + "11"])

    def observe():
        head = w3.eth.get_block("latest")
        return {
            "head": (head["number"], head["hash"], head["stateRoot"]),
            "balances": [w3.eth.get_balance(a) for a in (DEV0_ADDRESS, DEV1_ADDRESS, who)],
            "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS),
            "code": w3.eth.get_code(who),
            "slot": w3.eth.get_storage_at(who, 5),
        }

    before = observe()
    snapshot = rpc(w3, "evm_snapshot", [])
    assert snapshot.startswith("0x"), snapshot
    tx_hash = transfer(w3, 10**15)
    rpc(w3, "evm_mine", [])
    assert w3.eth.get_transaction_receipt(tx_hash)["status"] == 1
    rpc(w3, "anvil_setStorageAt", [who, "0x5", "0x" + "00" * 31 + "22"])
    rpc(w3, "anvil_setBalance", [who, hex(7)])
    rpc(w3, "evm_increaseTime", [3_600])
    rpc(w3, "anvil_mine", [hex(3)])
    later = rpc(w3, "evm_snapshot", [])
    assert int(later, 16) == int(snapshot, 16) + 1
    after = observe()
    assert after != before
    ahead = w3.eth.get_block("latest")["timestamp"]

    assert rpc(w3, "evm_revert", [snapshot]) is True
    assert observe() == before
    response = w3.provider.make_request("eth_getBlockByNumber", [hex(before["head"][0] + 1), False])
    assert response["result"] is None, response
    response = w3.provider.make_request("eth_getTransactionReceipt", [Web3.to_hex(tx_hash)])
    assert response["result"] is None, response
    # The snapshot and every later one are used up.
    assert rpc(w3, "evm_revert", [snapshot]) is False
    assert rpc(w3, "evm_revert", [later]) is False
    # The clock is the snapshot's: the next block is not an hour ahead.
    rpc(w3, "evm_mine", [])
    assert w3.eth.get_block("latest")["timestamp"] < ahead - 3_000
    rpc(w3, "anvil_setIntervalMining", [1])


def test_a_timestamp_before_the_head_is_refused(w3):
    response = w3.provider.make_request("evm_setNextBlockTimestamp", [1])
    assert response["error"]["code"] == -32602, response


@pytest.fixture(scope="module")
def sequencer_w3():
    node, tmp = start_sequencer()
    try:
        yield Web3(Web3.HTTPProvider(node.rpc_url, request_kwargs={"timeout": 30}))
    finally:
        stop(node.process)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("evm_mine", []),
        ("anvil_mine", [1]),
        ("evm_increaseTime", [60]),
        ("evm_setNextBlockTimestamp", [4_000_000_000]),
        ("evm_setAutomine", [True]),
        ("evm_snapshot", []),
        ("evm_revert", ["0x0"]),
        ("anvil_snapshot", []),
        ("anvil_revert", ["0x0"]),
        ("anvil_setIntervalMining", [1]),
        ("anvil_nodeInfo", []),
        ("anvil_setBalance", ["0x" + "ab" * 20, "0x1"]),
        ("anvil_setCode", ["0x" + "ab" * 20, "0x00"]),
        ("anvil_setNonce", ["0x" + "ab" * 20, "0x1"]),
        ("anvil_setStorageAt", ["0x" + "ab" * 20, "0x0", "0x1"]),
        ("anvil_impersonateAccount", ["0x" + "ab" * 20]),
        ("hardhat_impersonateAccount", ["0x" + "ab" * 20]),
        ("eth_sendTransaction", [{"from": "0x" + "ab" * 20, "to": "0x" + "ab" * 20}]),
    ],
)
def test_manifold_sequencer_refuses_dev_methods(sequencer_w3, method, params):
    response = sequencer_w3.provider.make_request(method, params)
    assert response.get("error", {}).get("code") == -32601, response
    assert sequencer_w3.eth.chain_id == 31337
