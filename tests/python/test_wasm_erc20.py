"""End-to-end: an ERC-20 written in C for the Stylus WebAssembly ABI (tests/wasm/src/erc20.c, built by
scripts/build-wasm.sh into tests/wasm/out/erc20.wasm), deployed with an ordinary signed
contract-creation transaction and driven by web3.py through the ABI of the Solidity Token
(tests/contracts/Token.sol) plus its `initialize`; and, through the same client code, the
Solidity Token itself, which must end up with the same balances and the same events.
"""

from __future__ import annotations

import brotli
import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from devnet_process import REPO_ROOT
from wallet import DEV0_ADDRESS, DEV0_KEY, DEV1_ADDRESS, eip1559_fees, sign_and_send

WASM_ARTIFACT = REPO_ROOT / "tests" / "wasm" / "out" / "erc20.wasm"
# Deployed Stylus code: the EOF-like magic 0xEFF000, a dictionary byte (0: none), the brotli-compressed module.
STYLUS_MAGIC = bytes([0xEF, 0xF0, 0x00])
NO_DICTIONARY = b"\x00"
# Stylus contracts have no constructor: initialize(name, symbol, initialSupply) mints to its caller, once.
INITIALIZE_ABI = {
    "type": "function",
    "name": "initialize",
    "stateMutability": "nonpayable",
    "inputs": [
        {"name": "name_", "type": "string"},
        {"name": "symbol_", "type": "string"},
        {"name": "initialSupply", "type": "uint256"},
    ],
    "outputs": [],
}
NAME, SYMBOL = "Manifold Wasm Token", "MWT"
SUPPLY = 1_000_000 * 10**18
REVERT_REASON = "ERC20: transfer amount exceeds balance"
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
TRANSFER_TOPIC = Web3.keccak(text="Transfer(address,address,uint256)")
APPROVAL_TOPIC = Web3.keccak(text="Approval(address,address,uint256)")


def stylus_code(wasm: bytes) -> bytes:
    """The code a Stylus program is deployed as."""
    return STYLUS_MAGIC + NO_DICTIONARY + brotli.compress(wasm)


def stylus_initcode(code: bytes) -> bytes:
    """EVM initcode that returns `code`, appended to it:
    PUSH2 len PUSH2 15 PUSH1 0 CODECOPY PUSH2 len PUSH1 0 RETURN (15 bytes), then the code."""
    n = len(code)
    assert n <= 0xFFFF
    size = bytes([0x61]) + n.to_bytes(2, "big")  # PUSH2 len
    prefix = size + bytes([0x61, 0x00, 15, 0x60, 0x00, 0x39]) + size + bytes([0x60, 0x00, 0xF3])
    assert len(prefix) == 15
    return prefix + code


def transact(w3: Web3, fn, key: str = DEV0_KEY, **overrides):
    """Builds (web3.py estimates the gas and sets EIP-1559 fees), signs and sends a contract call."""
    sender = Account.from_key(key).address
    tx = fn.build_transaction({"from": sender, "nonce": w3.eth.get_transaction_count(sender, "pending"), **overrides})
    return sign_and_send(w3, tx, key)


def deploy_wasm_token(w3: Web3, abi: list, wasm: bytes):
    """Deploys the Stylus program with a signed creation transaction whose gas is eth_estimateGas's
    answer, then initializes it; returns the contract and the two receipts."""
    initcode = stylus_initcode(stylus_code(wasm))
    gas = w3.eth.estimate_gas({"from": DEV0_ADDRESS, "data": Web3.to_hex(initcode)})
    tx = {
        "type": 2,
        "chainId": w3.eth.chain_id,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "data": initcode,
        "value": 0,
        "gas": gas,
        **eip1559_fees(w3),
    }
    deployed = sign_and_send(w3, tx)
    assert deployed["status"] == 1, f"deployment failed: {deployed}"
    assert deployed["contractAddress"], "receipt has contractAddress"
    assert deployed["gasUsed"] <= gas
    token = w3.eth.contract(address=deployed["contractAddress"], abi=abi)
    initialized = transact(w3, token.functions.initialize(NAME, SYMBOL, SUPPLY))
    assert initialized["status"] == 1, f"initialize failed: {initialized}"
    return token, deployed, initialized


def deploy_solidity_token(w3: Web3, artifact: dict):
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = transact(w3, factory.constructor(NAME, SYMBOL, SUPPLY))
    assert receipt["status"] == 1, f"deployment failed: {receipt}"
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


@pytest.fixture(scope="module")
def wasm() -> bytes:
    assert WASM_ARTIFACT.exists(), f"{WASM_ARTIFACT} is missing: run scripts/build-wasm.sh"
    return WASM_ARTIFACT.read_bytes()


@pytest.fixture(scope="module")
def token_abi(token_artifact) -> list:
    """Token.sol's ABI, plus initialize."""
    return [*token_artifact["abi"], INITIALIZE_ABI]


@pytest.fixture(scope="module")
def deployment(w3, token_abi, wasm):
    return deploy_wasm_token(w3, token_abi, wasm)


@pytest.fixture(scope="module")
def token(deployment):
    return deployment[0]


@pytest.fixture(scope="module")
def dev2(devnet) -> tuple[str, str]:
    """A third dev account (address, key): the spender of transferFrom."""
    account = devnet.accounts[2]
    return Web3.to_checksum_address(account["address"]), account["private_key"]


def test_deployed_code_is_the_stylus_program(w3, token, wasm):
    code = w3.eth.get_code(token.address)
    assert code[:3] == STYLUS_MAGIC, code[:8].hex()
    assert code.hex().startswith("eff000")
    assert code == stylus_code(wasm), "eth_getCode returns what the initcode returned"


def test_initialize_mints_to_the_caller_once(w3, token, deployment):
    _, _, initialized = deployment
    (minted,) = token.events.Transfer().process_receipt(initialized)
    assert minted["args"]["from"] == ZERO_ADDRESS
    assert minted["args"]["to"] == DEV0_ADDRESS
    assert minted["args"]["value"] == SUPPLY
    assert minted["address"] == token.address
    with pytest.raises(ContractLogicError) as excinfo:
        token.functions.initialize("again", "X", 1).call({"from": DEV0_ADDRESS})
    assert excinfo.value.message == "execution reverted: already initialized"
    assert token.functions.totalSupply().call() == SUPPLY


def test_calls(token):
    assert token.functions.name().call() == NAME
    assert token.functions.symbol().call() == SYMBOL
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == SUPPLY
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == SUPPLY
    assert token.functions.balanceOf(DEV1_ADDRESS).call() == 0
    assert token.functions.allowance(DEV0_ADDRESS, DEV1_ADDRESS).call() == 0


def test_transfer_and_logs(w3, token):
    amount = 777 * 10**18
    before0 = token.functions.balanceOf(DEV0_ADDRESS).call()
    before1 = token.functions.balanceOf(DEV1_ADDRESS).call()

    receipt = transact(w3, token.functions.transfer(DEV1_ADDRESS, amount))
    assert receipt["status"] == 1
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == before0 - amount
    assert token.functions.balanceOf(DEV1_ADDRESS).call() == before1 + amount
    assert token.functions.totalSupply().call() == SUPPLY

    # Decoded from the receipt...
    (from_receipt,) = token.events.Transfer().process_receipt(receipt)
    assert from_receipt["address"] == token.address
    assert from_receipt["args"]["from"] == DEV0_ADDRESS
    assert from_receipt["args"]["to"] == DEV1_ADDRESS
    assert from_receipt["args"]["value"] == amount

    # ...and again through eth_getLogs, filtered by address and the Transfer topic.
    logs = w3.eth.get_logs(
        {
            "address": token.address,
            "topics": [TRANSFER_TOPIC],
            "fromBlock": receipt["blockNumber"],
            "toBlock": receipt["blockNumber"],
        }
    )
    assert len(logs) == 1, logs
    (log,) = logs
    assert log["address"] == token.address
    assert log["transactionHash"] == receipt["transactionHash"]
    assert log["blockHash"] == receipt["blockHash"]
    assert log["logIndex"] == from_receipt["logIndex"]
    assert log["topics"] == [
        TRANSFER_TOPIC,
        Web3.to_bytes(hexstr=DEV0_ADDRESS).rjust(32, b"\0"),
        Web3.to_bytes(hexstr=DEV1_ADDRESS).rjust(32, b"\0"),
    ]
    assert log["data"] == amount.to_bytes(32, "big")
    assert token.events.Transfer().process_log(log)["args"] == from_receipt["args"]

    # Over the whole chain, the mint and the transfer; filtered on an indexed arg, only the transfer.
    all_logs = token.events.Transfer.get_logs(from_block=0)
    assert [entry["args"]["from"] for entry in all_logs] == [ZERO_ADDRESS, DEV0_ADDRESS]
    to_dev1 = token.events.Transfer.get_logs(from_block=0, argument_filters={"to": DEV1_ADDRESS})
    assert [entry["transactionHash"] for entry in to_dev1] == [receipt["transactionHash"]]


def test_storage_is_laid_out_as_solc_lays_out_token(w3, token):
    """Same slots as Token.sol: name 0, symbol 1 (short strings inline, length * 2 in the last
    byte), totalSupply 2, balanceOf at keccak(pad(holder) . 3)."""

    def word(slot) -> bytes:
        return bytes(w3.eth.get_storage_at(token.address, slot))

    assert word(0) == NAME.encode().ljust(31, b"\0") + bytes([2 * len(NAME)])
    assert word(1) == SYMBOL.encode().ljust(31, b"\0") + bytes([2 * len(SYMBOL)])
    assert int.from_bytes(word(2), "big") == token.functions.totalSupply().call()
    for holder in (DEV0_ADDRESS, DEV1_ADDRESS):
        slot = Web3.keccak(bytes(12) + bytes.fromhex(holder[2:]) + (3).to_bytes(32, "big"))
        assert int.from_bytes(word(slot), "big") == token.functions.balanceOf(holder).call()


def test_revert_reason_on_call(token):
    balance = token.functions.balanceOf(DEV0_ADDRESS).call()
    with pytest.raises(ContractLogicError) as excinfo:
        token.functions.transfer(DEV1_ADDRESS, balance + 1).call({"from": DEV0_ADDRESS})
    assert REVERT_REASON in str(excinfo.value)
    assert excinfo.value.message == f"execution reverted: {REVERT_REASON}"
    assert isinstance(excinfo.value.data, str) and excinfo.value.data.startswith("0x08c379a0")


def test_revert_reason_on_estimate_gas(token):
    balance = token.functions.balanceOf(DEV0_ADDRESS).call()
    with pytest.raises(ContractLogicError) as excinfo:
        token.functions.transfer(DEV1_ADDRESS, balance + 1).estimate_gas({"from": DEV0_ADDRESS})
    assert REVERT_REASON in str(excinfo.value)
    assert excinfo.value.message == f"execution reverted: {REVERT_REASON}"


def test_reverting_transaction_is_mined_with_status_0(w3, token):
    balance = token.functions.balanceOf(DEV0_ADDRESS).call()
    gas = 500_000
    receipt = transact(w3, token.functions.transfer(DEV1_ADDRESS, balance + 1), gas=gas)
    assert receipt["status"] == 0
    # A revert, not running out of gas: the unused gas is returned.
    assert receipt["gasUsed"] < gas
    assert receipt["logs"] == []
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == balance


def test_approve_and_transfer_from(w3, token, dev2):
    spender, spender_key = dev2
    allowance, amount = 1_000 * 10**18, 400 * 10**18
    receipt = transact(w3, token.functions.approve(spender, allowance))
    assert receipt["status"] == 1
    (approval,) = token.events.Approval().process_receipt(receipt)
    assert dict(approval["args"]) == {"owner": DEV0_ADDRESS, "spender": spender, "value": allowance}
    assert token.functions.allowance(DEV0_ADDRESS, spender).call() == allowance

    # More than allowed: the reason, from eth_call.
    with pytest.raises(ContractLogicError) as excinfo:
        token.functions.transferFrom(DEV0_ADDRESS, DEV1_ADDRESS, allowance + 1).call({"from": spender})
    assert excinfo.value.message == "execution reverted: ERC20: insufficient allowance"

    before0 = token.functions.balanceOf(DEV0_ADDRESS).call()
    before1 = token.functions.balanceOf(DEV1_ADDRESS).call()
    receipt = transact(w3, token.functions.transferFrom(DEV0_ADDRESS, DEV1_ADDRESS, amount), key=spender_key)
    assert receipt["status"] == 1
    assert token.functions.allowance(DEV0_ADDRESS, spender).call() == allowance - amount
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == before0 - amount
    assert token.functions.balanceOf(DEV1_ADDRESS).call() == before1 + amount
    assert token.functions.balanceOf(spender).call() == 0
    # Approval (the allowance left), then Transfer, as Token.sol emits them.
    (approval,) = token.events.Approval().process_receipt(receipt, errors=DISCARD)
    (transfer,) = token.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert approval["logIndex"] < transfer["logIndex"]
    assert dict(approval["args"]) == {"owner": DEV0_ADDRESS, "spender": spender, "value": allowance - amount}
    assert dict(transfer["args"]) == {"from": DEV0_ADDRESS, "to": DEV1_ADDRESS, "value": amount}


def test_estimate_gas_is_enough_for_the_transfer(w3, token):
    amount = 3 * 10**18
    fn = token.functions.transfer(DEV1_ADDRESS, amount)
    gas = fn.estimate_gas({"from": DEV0_ADDRESS})
    assert 21_000 < gas < 30_000_000
    before1 = token.functions.balanceOf(DEV1_ADDRESS).call()
    receipt = transact(w3, fn, gas=gas)
    assert receipt["status"] == 1, f"a transfer with eth_estimateGas's {gas} gas failed: {receipt}"
    assert receipt["gasUsed"] <= gas
    assert token.functions.balanceOf(DEV1_ADDRESS).call() == before1 + amount


def drive(w3: Web3, token, spender: str, spender_key: str) -> dict:
    """The same client code path for any Token-ABI contract: a transfer, an approval and a
    transferFrom, a refused transfer, a call with value; returns what a client observes."""
    events = []

    def record(receipt):
        assert receipt["status"] == 1, receipt
        for log in receipt["logs"]:
            assert log["address"] == token.address
            event = token.events.Approval if log["topics"][0] == APPROVAL_TOPIC else token.events.Transfer
            decoded = event().process_log(log)
            events.append((decoded["event"], dict(decoded["args"]), log["topics"], log["data"]))

    record(transact(w3, token.functions.transfer(DEV1_ADDRESS, 777 * 10**18)))
    record(transact(w3, token.functions.approve(spender, 1_000 * 10**18)))
    record(transact(w3, token.functions.transferFrom(DEV0_ADDRESS, DEV1_ADDRESS, 400 * 10**18), key=spender_key))
    record(transact(w3, token.functions.transfer(spender, 5 * 10**18)))

    balance = token.functions.balanceOf(DEV0_ADDRESS).call()
    with pytest.raises(ContractLogicError) as refused:
        token.functions.transfer(DEV1_ADDRESS, balance + 1).call({"from": DEV0_ADDRESS})
    with pytest.raises(ContractLogicError) as refused_estimate:
        token.functions.transfer(DEV1_ADDRESS, balance + 1).estimate_gas({"from": DEV0_ADDRESS})
    # Nothing in Token is payable: a call with value reverts, without a reason.
    data = token.encode_abi("transfer", args=[DEV1_ADDRESS, 1])
    with pytest.raises(ContractLogicError) as with_value:
        w3.eth.call({"from": DEV0_ADDRESS, "to": token.address, "data": data, "value": 1})

    return {
        "name": token.functions.name().call(),
        "symbol": token.functions.symbol().call(),
        "decimals": token.functions.decimals().call(),
        "totalSupply": token.functions.totalSupply().call(),
        "balances": [token.functions.balanceOf(a).call() for a in (DEV0_ADDRESS, DEV1_ADDRESS, spender)],
        "allowance": token.functions.allowance(DEV0_ADDRESS, spender).call(),
        "events": events,
        "revert": (refused.value.message, refused.value.data),
        "revert_on_estimate": refused_estimate.value.message,
        "revert_with_value": (with_value.value.message, with_value.value.data),
    }


def test_same_client_code_same_results_as_the_solidity_token(w3, token_abi, token_artifact, wasm, dev2):
    spender, spender_key = dev2
    wasm_token, _, _ = deploy_wasm_token(w3, token_abi, wasm)
    solidity_token = deploy_solidity_token(w3, token_artifact)

    from_wasm = drive(w3, wasm_token, spender, spender_key)
    from_solidity = drive(w3, solidity_token, spender, spender_key)

    assert from_wasm == from_solidity
    # And they are what Token.sol specifies.
    assert from_solidity["balances"] == [SUPPLY - 1_182 * 10**18, 1_177 * 10**18, 5 * 10**18]
    assert from_solidity["allowance"] == 600 * 10**18
    assert [(name, args) for name, args, _, _ in from_solidity["events"]] == [
        ("Transfer", {"from": DEV0_ADDRESS, "to": DEV1_ADDRESS, "value": 777 * 10**18}),
        ("Approval", {"owner": DEV0_ADDRESS, "spender": spender, "value": 1_000 * 10**18}),
        ("Approval", {"owner": DEV0_ADDRESS, "spender": spender, "value": 600 * 10**18}),
        ("Transfer", {"from": DEV0_ADDRESS, "to": DEV1_ADDRESS, "value": 400 * 10**18}),
        ("Transfer", {"from": DEV0_ADDRESS, "to": spender, "value": 5 * 10**18}),
    ]
    assert from_solidity["revert"][0] == f"execution reverted: {REVERT_REASON}"
    assert from_solidity["revert_on_estimate"] == f"execution reverted: {REVERT_REASON}"
