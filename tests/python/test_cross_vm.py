"""End-to-end with web3.py: one transaction across Manifold's three VMs. tests/contracts/CrossVm.sol
moves tokens of the WebAssembly ERC-20 (tests/wasm/out/erc20.wasm), pays lamports from its own Solana
address to a Solana account through the Solana precompile (0x…0500, the System program's Transfer),
and calls back into the EVM. When the last step fails, the WASM tokens, the Solana account and the
EVM state are all as before, and the sender still pays the gas; when it succeeds, all three changed.
The Solana side is read through the devnet's Solana JSON-RPC (getBalance), as any Solana client would.
"""

from __future__ import annotations

import json

import pytest
import requests
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from devnet_process import REPO_ROOT
from test_wasm_erc20 import INITIALIZE_ABI, deploy_wasm_token, transact
from wallet import DEV0_ADDRESS

CROSS_VM_ARTIFACT = REPO_ROOT / "tests" / "contracts" / "out" / "CrossVm.json"
WASM_ARTIFACT = REPO_ROOT / "tests" / "wasm" / "out" / "erc20.wasm"
GWEI = 10**9
SOL = 10**9  # lamports; a new system account must hold at least the rent-exempt minimum
SOLANA_RECIPIENT = bytes([0x3C] * 32)


def b58(data: bytes) -> str:
    """Base58 (Bitcoin alphabet), as Solana writes public keys."""
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def lamports(devnet, key: bytes) -> int:
    answer = requests.post(
        devnet.solana_rpc_url,
        json={"jsonrpc": "2.0", "id": 1, "method": "getBalance", "params": [b58(key), {"commitment": "confirmed"}]},
        timeout=30,
    ).json()
    return answer["result"]["value"]


@pytest.fixture(scope="module")
def setup(w3, token_artifact):
    assert WASM_ARTIFACT.exists(), f"{WASM_ARTIFACT} is missing: run scripts/build-wasm.sh"
    token, _, _ = deploy_wasm_token(w3, [*token_artifact["abi"], INITIALIZE_ABI], WASM_ARTIFACT.read_bytes())
    artifact = json.loads(CROSS_VM_ARTIFACT.read_text())
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    deployed = transact(w3, factory.constructor())
    assert deployed["status"] == 1
    cross = w3.eth.contract(address=deployed["contractAddress"], abi=artifact["abi"])
    assert transact(w3, token.functions.transfer(cross.address, 1_000))["status"] == 1
    return token, cross


def run(cross, token, fail_last: bool):
    recipient = Web3.to_checksum_address("0x" + "77" * 20)
    return cross.functions.run(token.address, recipient, 100, SOLANA_RECIPIENT, SOL, fail_last), recipient


def test_a_contract_signs_for_solana_as_its_account_id(setup):
    _, cross = setup
    assert cross.functions.solanaAddress().call() == bytes(12) + bytes.fromhex(cross.address[2:])


def test_a_failed_last_step_rolls_back_all_three_vms_and_gas_is_charged(w3, devnet, setup):
    token, cross = setup
    fn, recipient = run(cross, token, True)
    with pytest.raises(ContractLogicError, match="last step failed"):
        fn.call({"from": DEV0_ADDRESS, "value": 2 * SOL * GWEI})
    with pytest.raises(ContractLogicError, match="last step failed"):
        fn.estimate_gas({"from": DEV0_ADDRESS, "value": 2 * SOL * GWEI})
    before = w3.eth.get_balance(DEV0_ADDRESS)
    receipt = transact(w3, fn, value=2 * SOL * GWEI, gas=500_000)
    assert receipt["status"] == 0
    assert receipt["gasUsed"] > 60_000, "the three steps ran before the revert"
    assert w3.eth.get_balance(DEV0_ADDRESS) == before - receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert token.functions.balanceOf(recipient).call() == 0
    assert token.functions.balanceOf(cross.address).call() == 1_000
    assert lamports(devnet, SOLANA_RECIPIENT) == 0
    assert cross.functions.completed().call() == 0
    assert w3.eth.get_balance(cross.address) == 0


def test_a_successful_run_changes_all_three_vms(w3, devnet, setup):
    token, cross = setup
    fn, recipient = run(cross, token, False)
    receipt = transact(w3, fn, value=2 * SOL * GWEI)  # gas from eth_estimateGas
    assert receipt["status"] == 1
    (ran,) = cross.events.Ran().process_receipt(receipt, errors=DISCARD)
    assert ran["args"]["lamports"] == SOL
    (moved,) = token.events.Transfer().process_receipt(receipt, errors=DISCARD)
    assert moved["args"]["to"] == recipient and moved["args"]["value"] == 100
    assert token.functions.balanceOf(recipient).call() == 100
    assert token.functions.balanceOf(cross.address).call() == 900
    assert lamports(devnet, SOLANA_RECIPIENT) == SOL
    assert cross.functions.completed().call() == 1
    # One balance, two views: what the contract was sent, less what Solana paid out of it.
    assert w3.eth.get_balance(cross.address) == SOL * GWEI
    assert lamports(devnet, bytes(12) + bytes.fromhex(cross.address[2:])) == SOL
