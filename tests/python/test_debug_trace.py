"""End-to-end with web3.py: geth's `debug_` namespace. Sealed transactions re-executed and
traced with geth's tracers — a `callTracer` trace of a contract calling a contract (the nested
call's fields, the logs with `withLog`), the struct logger's REVERT of a failing call, the
`prestateTracer` diff of a transfer, a whole block's traces — and the raw bytes of headers and
transactions, which hash to what `eth_getBlockByNumber` and `eth_getTransactionByHash` show;
unknown transactions and blocks get geth's errors."""

from __future__ import annotations

import json

import pytest
from eth_utils import keccak
from web3 import Web3

from devnet_process import REPO_ROOT
from wallet import DEV0_ADDRESS, DEV1_ADDRESS, eip1559_fees, sign_and_send

OUT = REPO_ROOT / "tests" / "contracts" / "out"


def artifact(name: str) -> dict:
    with (OUT / f"{name}.json").open() as f:
        return json.load(f)


def rpc(w3: Web3, method: str, *params):
    """The raw JSON-RPC answer (result or error) of `method`."""
    return w3.provider.make_request(method, list(params))


def result(w3: Web3, method: str, *params):
    answer = rpc(w3, method, *params)
    assert "result" in answer, answer
    return answer["result"]


def send(w3: Web3, expect_status: int = 1, **fields) -> dict:
    tx = {
        "type": 2,
        "chainId": w3.eth.chain_id,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "gas": 300_000,
        **eip1559_fees(w3),
        **fields,
    }
    receipt = sign_and_send(w3, tx)
    assert receipt["status"] == expect_status, receipt
    return receipt


def deploy(w3: Web3, name: str) -> str:
    return send(w3, data=artifact(name)["bytecode"], gas=1_000_000)["contractAddress"]


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


@pytest.fixture(scope="module")
def contracts(w3):
    """A Counter and a Relay in front of it."""
    counter = deploy(w3, "Counter")
    relay = w3.eth.contract(address=deploy(w3, "Relay"), abi=artifact("Relay")["abi"])
    return counter, relay


def relay_data(relay, target: str, data: bytes) -> str:
    return relay.encode_abi("relay", args=[target, data])


def test_call_tracer_shows_the_nested_call_and_the_logs(w3, contracts):
    counter, relay = contracts
    send(w3, to=relay.address, data=relay_data(relay, counter, selector("increment()")))
    receipt = send(w3, to=relay.address, data=relay_data(relay, counter, selector("count()")))
    tx_hash = receipt["transactionHash"].to_0x_hex()

    trace = result(
        w3,
        "debug_traceTransaction",
        tx_hash,
        {"tracer": "callTracer", "tracerConfig": {"withLog": True}},
    )
    assert trace["type"] == "CALL"
    assert Web3.to_checksum_address(trace["from"]) == DEV0_ADDRESS
    assert Web3.to_checksum_address(trace["to"]) == relay.address
    # The top call's gas is the receipt's.
    assert int(trace["gasUsed"], 16) == receipt["gasUsed"]
    (inner,) = trace["calls"]
    assert inner["type"] == "CALL"
    assert Web3.to_checksum_address(inner["from"]) == relay.address
    assert Web3.to_checksum_address(inner["to"]) == counter
    assert inner["input"] == "0x" + selector("count()").hex()
    # One increment was relayed before: count() returned 1.
    assert int(inner["output"], 16) == 1
    assert 0 < int(inner["gasUsed"], 16) < int(trace["gasUsed"], 16)
    # withLog: the Relayed event, on the frame that emitted it.
    (log,) = trace["logs"]
    assert Web3.to_checksum_address(log["address"]) == relay.address
    assert log["topics"][0] == "0x" + keccak(text="Relayed(address,uint256)").hex()
    assert int(log["topics"][1], 16) == int(counter, 16)
    assert receipt["logs"][0]["data"].to_0x_hex() == log["data"]

    # onlyTopCall leaves the nested call out; without withLog there are no logs.
    top = result(
        w3,
        "debug_traceTransaction",
        tx_hash,
        {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": True}},
    )
    assert "calls" not in top and "logs" not in top
    assert top["gasUsed"] == trace["gasUsed"]


def test_struct_logger_shows_the_revert_of_a_failing_call(w3, contracts):
    counter, relay = contracts
    # Counter has no such function: it reverts, and Relay bubbles the revert up.
    receipt = send(
        w3, expect_status=0, to=relay.address, data=relay_data(relay, counter, b"\xde\xad\xbe\xef")
    )
    trace = result(w3, "debug_traceTransaction", receipt["transactionHash"].to_0x_hex(), {})
    assert trace["failed"] is True
    assert trace["gas"] == receipt["gasUsed"]
    ops = [step["op"] for step in trace["structLogs"]]
    assert "CALL" in ops
    assert ops.count("REVERT") == 2, "the callee's revert and the relay's"
    assert ops[-1] == "REVERT"
    # Depths: the callee's steps run one level deeper.
    assert {step["depth"] for step in trace["structLogs"]} == {1, 2}
    # disableStack leaves stacks out; enableMemory adds memory.
    lean = result(
        w3,
        "debug_traceTransaction",
        receipt["transactionHash"].to_0x_hex(),
        {"disableStack": True, "enableMemory": True},
    )
    assert all("stack" not in step for step in lean["structLogs"])
    assert any(step.get("memory") for step in lean["structLogs"])


def test_prestate_diff_mode_shows_the_balance_change(w3):
    value = 12345
    receipt = send(w3, to=DEV1_ADDRESS, value=value, gas=21_000)
    diff = result(
        w3,
        "debug_traceTransaction",
        receipt["transactionHash"].to_0x_hex(),
        {"tracer": "prestateTracer", "tracerConfig": {"diffMode": True}},
    )
    pre = {k.lower(): v for k, v in diff["pre"].items()}
    post = {k.lower(): v for k, v in diff["post"].items()}
    receiver = DEV1_ADDRESS.lower()
    assert int(post[receiver]["balance"], 16) - int(pre[receiver]["balance"], 16) == value
    sender = DEV0_ADDRESS.lower()
    assert post[sender]["nonce"] == pre[sender]["nonce"] + 1
    # The balance before is what eth_getBalance gave at the parent block.
    parent = receipt["blockNumber"] - 1
    assert int(pre[receiver]["balance"], 16) == w3.eth.get_balance(DEV1_ADDRESS, parent)


def test_block_traces_have_one_entry_per_transaction(w3, contracts):
    receipt = send(w3, to=DEV1_ADDRESS, value=1, gas=21_000)
    block = w3.eth.get_block(receipt["blockNumber"])
    traces = result(w3, "debug_traceBlockByNumber", hex(block["number"]), {"tracer": "callTracer"})
    assert len(traces) == len(block["transactions"]) >= 1
    assert [t["txHash"] for t in traces] == [h.to_0x_hex() for h in block["transactions"]]
    by_hash = result(w3, "debug_traceBlockByHash", block["hash"].to_0x_hex(), {"tracer": "callTracer"})
    assert by_hash == traces
    noop = result(w3, "debug_traceBlockByNumber", hex(block["number"]), {"tracer": "noopTracer"})
    assert [t["result"] for t in noop] == [{}] * len(traces)


def test_trace_call_runs_like_eth_call(w3, contracts):
    counter, relay = contracts
    call = {"from": DEV0_ADDRESS, "to": relay.address, "data": relay_data(relay, counter, selector("count()"))}
    trace = result(w3, "debug_traceCall", call, "latest", {"tracer": "callTracer"})
    assert trace["calls"][0]["output"] == "0x" + w3.eth.call({"to": counter, "data": "0x" + selector("count()").hex()}).hex()
    four = result(w3, "debug_traceCall", call, "latest", {"tracer": "4byteTracer"})
    outer_args = len(bytes.fromhex(call["data"][2:])) - 4
    assert four == {
        "0x" + selector("relay(address,bytes)").hex() + f"-{outer_args}": 1,
        "0x" + selector("count()").hex() + "-0": 1,
    }
    pending = rpc(w3, "debug_traceCall", call, "pending", {})
    assert pending["error"] == {"code": -32000, "message": "tracing on top of pending is not supported"}


def test_raw_bytes_hash_to_the_hashes_clients_see(w3):
    receipt = send(w3, to=DEV1_ADDRESS, value=2, gas=21_000)
    tx_hash = receipt["transactionHash"]
    raw_tx = result(w3, "debug_getRawTransaction", tx_hash.to_0x_hex())
    assert keccak(hexstr=raw_tx) == tx_hash
    block = w3.eth.get_block(receipt["blockNumber"])
    for id_ in [hex(block["number"]), block["hash"].to_0x_hex()]:
        raw_header = result(w3, "debug_getRawHeader", id_)
        assert keccak(hexstr=raw_header) == block["hash"]
        raw_block = result(w3, "debug_getRawBlock", id_)
        # The block's RLP list starts with the header's RLP.
        assert raw_header[2:] in raw_block
        assert raw_tx[2:] in raw_block
    receipts = result(w3, "debug_getRawReceipts", hex(block["number"]))
    assert len(receipts) == len(block["transactions"])


def test_unknown_transactions_and_blocks_get_geths_errors(w3):
    missing = "0x" + "ab" * 32
    answer = rpc(w3, "debug_traceTransaction", missing, {})
    assert answer["error"] == {"code": -32000, "message": "transaction not found"}
    future = w3.eth.block_number + 1000
    answer = rpc(w3, "debug_traceBlockByNumber", hex(future), {})
    assert answer["error"] == {"code": -32000, "message": f"block #{future} not found"}
    answer = rpc(w3, "debug_traceBlockByHash", missing, {})
    assert answer["error"] == {"code": -32000, "message": f"block {missing} not found"}
    answer = rpc(w3, "debug_traceBlockByNumber", "0x0", {})
    assert answer["error"] == {"code": -32000, "message": "genesis is not traceable"}
    assert result(w3, "debug_getRawTransaction", missing) == "0x"
    assert result(w3, "debug_getRawHeader", hex(future)) == "0x"
    answer = rpc(w3, "debug_traceTransaction", missing, {"tracer": "callTracer"})
    assert answer["error"] == {"code": -32000, "message": "transaction not found"}
    # A JavaScript tracer is refused with a clear message (no JS engine here).
    receipt = send(w3, to=DEV1_ADDRESS, value=3, gas=21_000)
    answer = rpc(w3, "debug_traceTransaction", receipt["transactionHash"].to_0x_hex(), {"tracer": "{result: function() {}}"})
    assert answer["error"]["code"] == -32000
    assert "JavaScript tracers are not supported" in answer["error"]["message"], answer
