"""End-to-end with web3.py: admission refuses what a block would refuse (with geth's texts),
calls run in the environment of the block they name (as geth and anvil run them), and
`eth_config` (EIP-7910) describes the active fork."""

from __future__ import annotations

import pytest
import rlp
from eth_abi import decode
from eth_account import Account
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import TransactionNotFound, Web3RPCError

from wallet import DEV0_ADDRESS, DEV0_KEY, DEV1_ADDRESS, eip1559_fees, sign_and_send

# Runtime code returning abi.encode(block.number, block.timestamp, block.basefee):
# NUMBER PUSH0 MSTORE TIMESTAMP PUSH1 32 MSTORE BASEFEE PUSH1 64 MSTORE PUSH1 96 PUSH0 RETURN
ENV_RUNTIME = "435f52426020524860405260605ff3"
# Init code copying those 15 bytes (from offset 10) to memory and returning them.
ENV_INITCODE = "0x600f600a5f39600f5ff3" + ENV_RUNTIME


@pytest.fixture(scope="module")
def env_reader(w3) -> str:
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "data": ENV_INITCODE,
        "gas": 100_000,
        **eip1559_fees(w3),
    }
    receipt = sign_and_send(w3, tx)
    assert receipt["status"] == 1
    address = receipt["contractAddress"]
    assert w3.eth.get_code(address).hex() == ENV_RUNTIME
    return address


def call_env(w3: Web3, address: str, block, **priced) -> tuple[int, int, int]:
    """(NUMBER, TIMESTAMP, BASEFEE) as a call at `block` sees them."""
    output = w3.eth.call({"to": address, **priced}, block)
    return decode(["uint256", "uint256", "uint256"], output)


def next_base_fee(header) -> int:
    """EIP-1559's base fee of the block after `header`."""
    base, used, target = header["baseFeePerGas"], header["gasUsed"], header["gasLimit"] // 2
    if used == target:
        return base
    if used > target:
        return base + max(1, base * (used - target) // target // 8)
    return base - base * (target - used) // target // 8


def test_a_call_at_latest_runs_in_the_head_blocks_environment(w3, env_reader):
    head = w3.eth.get_block("latest")
    assert head["baseFeePerGas"] > 0
    # A call that names no gas price sees BASEFEE 0, as in geth.
    assert call_env(w3, env_reader, "latest") == (head["number"], head["timestamp"], 0)
    assert call_env(w3, env_reader, head["number"]) == (head["number"], head["timestamp"], 0)
    # A priced call sees the block's base fee.
    priced = {"from": DEV0_ADDRESS, "maxFeePerGas": 10 * head["baseFeePerGas"], "maxPriorityFeePerGas": 0}
    assert call_env(w3, env_reader, "latest", **priced) == (
        head["number"],
        head["timestamp"],
        head["baseFeePerGas"],
    )
    # Estimates run there too: a plain transfer costs 21000 at the head.
    assert w3.eth.estimate_gas({"from": DEV0_ADDRESS, "to": DEV1_ADDRESS, "value": 1}, "latest") == 21_000


def test_a_call_at_pending_runs_in_the_next_blocks_environment(w3, env_reader):
    head = w3.eth.get_block("latest")
    priced = {"from": DEV0_ADDRESS, "gasPrice": 10 * head["baseFeePerGas"]}
    number, timestamp, base_fee = call_env(w3, env_reader, "pending", **priced)
    assert number == head["number"] + 1
    assert timestamp >= head["timestamp"]
    assert base_fee == next_base_fee(head)


def test_a_call_at_an_older_block_runs_in_that_blocks_environment(w3, env_reader):
    # A later block, so the block before the head already holds the contract.
    sign_and_send(w3, {"type": 2, "chainId": 31337, "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
                       "to": DEV1_ADDRESS, "value": 1, "gas": 21_000, **eip1559_fees(w3)})
    older = w3.eth.get_block(w3.eth.get_block("latest")["number"] - 1)
    assert call_env(w3, env_reader, older["number"]) == (older["number"], older["timestamp"], 0)
    assert call_env(w3, env_reader, older["hash"]) == (older["number"], older["timestamp"], 0)


def signed_set_code_without_authorizations(w3: Web3, nonce: int) -> tuple[bytes, bytes]:
    """An EIP-7702 transaction with an empty authorization list, signed by dev account 0:
    (raw bytes, hash). Built by hand: eth-account refuses to sign one, as geth refuses it."""
    fees = eip1559_fees(w3)
    fields = [
        31337,
        nonce,
        fees["maxPriorityFeePerGas"],
        fees["maxFeePerGas"],
        100_000,
        bytes.fromhex(DEV1_ADDRESS[2:]),
        0,
        b"",
        [],  # access list
        [],  # authorization list
    ]
    digest = keccak(b"\x04" + rlp.encode(fields))
    signature = Account.unsafe_sign_hash(digest, DEV0_KEY)
    raw = b"\x04" + rlp.encode([*fields, signature.v % 27, signature.r, signature.s])
    return raw, keccak(raw)


def test_an_empty_authorization_list_is_refused_at_submission(w3):
    nonce = w3.eth.get_transaction_count(DEV0_ADDRESS, "pending")
    raw, tx_hash = signed_set_code_without_authorizations(w3, nonce)
    with pytest.raises(Web3RPCError) as refused:
        w3.eth.send_raw_transaction(raw)
    assert refused.value.rpc_response["error"] == {
        "code": -32000,
        "message": "EIP-7702 transaction with empty auth list",
    }
    assert w3.eth.get_transaction_count(DEV0_ADDRESS, "pending") == nonce
    with pytest.raises(TransactionNotFound):
        w3.eth.get_transaction(tx_hash)


def test_eth_config_describes_the_active_fork(w3):
    response = w3.provider.make_request("eth_config", [])
    assert "error" not in response, response
    config = response["result"]
    current = config["current"]
    assert current["chainId"] == hex(w3.eth.chain_id)
    assert current["activationTime"] == 0
    assert current["blobSchedule"] == {"baseFeeUpdateFraction": 5007716, "max": 0, "target": 0}
    assert current["precompiles"]["ECREC"] == "0x0000000000000000000000000000000000000001"
    assert current["precompiles"]["P256VERIFY"] == "0x0000000000000000000000000000000000000100"
    assert current["systemContracts"] == {}
    assert len(bytes.fromhex(current["forkId"][2:])) == 4
    assert config["next"] is None and config["last"] is None
