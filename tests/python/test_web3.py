"""End-to-end: the Manifold devnet driven by web3.py v7 with locally signed transactions."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from wallet import DEV0_ADDRESS, DEV0_KEY, DEV1_ADDRESS, RECEIPT_TIMEOUT, eip1559_fees, sign_and_send

DEV_BALANCE_WEI = 10_000 * 10**18
MNEMONIC = "test test test test test test test test test test test junk"
REVERT_REASON = "ERC20: transfer amount exceeds balance"
SUPPLY = 1_000_000 * 10**18

Account.enable_unaudited_hdwallet_features()


def transact(w3: Web3, fn, key: str = DEV0_KEY, **overrides):
    sender = Account.from_key(key).address
    tx = fn.build_transaction({"from": sender, "nonce": w3.eth.get_transaction_count(sender, "pending"), **overrides})
    return sign_and_send(w3, tx, key)


@pytest.fixture(scope="module")
def token(w3, token_artifact):
    factory = w3.eth.contract(abi=token_artifact["abi"], bytecode=token_artifact["bytecode"])
    tx = factory.constructor("Manifold Token", "MFT", SUPPLY).build_transaction(
        {"from": DEV0_ADDRESS, "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending")}
    )
    assert "maxFeePerGas" in tx and "gasPrice" not in tx, f"web3.py should build an EIP-1559 deployment: {tx}"
    receipt = sign_and_send(w3, tx)
    assert receipt["status"] == 1, f"deployment failed: {receipt}"
    assert receipt["contractAddress"], "receipt has contractAddress"
    return w3.eth.contract(address=receipt["contractAddress"], abi=token_artifact["abi"])


def test_ready_line_lists_the_dev_accounts(devnet):
    assert devnet.chain_id == 31337
    assert len(devnet.accounts) == 10
    for i, acct in enumerate(devnet.accounts):
        derived = Account.from_mnemonic(MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}")
        assert Web3.to_checksum_address(acct["address"]) == derived.address
        assert Account.from_key(acct["private_key"]).address == derived.address
    assert Web3.to_checksum_address(devnet.accounts[0]["address"]) == DEV0_ADDRESS


def test_chain_id(w3):
    assert w3.eth.chain_id == 31337


def test_dev_accounts_are_funded(w3, devnet):
    assert w3.eth.get_balance(DEV1_ADDRESS) == DEV_BALANCE_WEI
    assert w3.eth.get_balance(Web3.to_checksum_address(devnet.accounts[9]["address"])) == DEV_BALANCE_WEI
    assert w3.eth.get_balance(Account.create().address) == 0


def test_signed_eth_transfer(w3):
    to = Account.create().address
    value = Web3.to_wei(3, "ether")
    before = w3.eth.get_balance(DEV0_ADDRESS)
    tx = {
        "type": 2,
        "chainId": w3.eth.chain_id,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "to": to,
        "value": value,
        "gas": 21_000,
        **eip1559_fees(w3),
    }
    receipt = sign_and_send(w3, tx)
    assert receipt["status"] == 1
    assert receipt["type"] == 2
    assert receipt["from"] == DEV0_ADDRESS
    assert receipt["to"] == to
    assert receipt["gasUsed"] == 21_000
    assert 0 < receipt["effectiveGasPrice"] <= tx["maxFeePerGas"]
    assert w3.eth.get_balance(to) == value
    fee = receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert w3.eth.get_balance(DEV0_ADDRESS) == before - value - fee

    mined = w3.eth.get_transaction(receipt["transactionHash"])
    assert mined["blockNumber"] == receipt["blockNumber"]
    assert mined["nonce"] == tx["nonce"]
    assert mined["maxFeePerGas"] == tx["maxFeePerGas"]


def test_deployed_code_matches_artifact(w3, token, token_artifact):
    assert w3.eth.get_code(token.address) == bytes.fromhex(token_artifact["deployedBytecode"][2:])


def test_calls(token):
    assert token.functions.name().call() == "Manifold Token"
    assert token.functions.symbol().call() == "MFT"
    assert token.functions.decimals().call() == 18
    assert token.functions.totalSupply().call() == SUPPLY
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == SUPPLY
    assert token.functions.balanceOf(DEV1_ADDRESS).call() == 0


def test_transfer_and_logs(w3, token):
    amount = 777 * 10**18
    before0 = token.functions.balanceOf(DEV0_ADDRESS).call()
    before1 = token.functions.balanceOf(DEV1_ADDRESS).call()

    receipt = transact(w3, token.functions.transfer(DEV1_ADDRESS, amount))
    assert receipt["status"] == 1
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == before0 - amount
    assert token.functions.balanceOf(DEV1_ADDRESS).call() == before1 + amount

    # Decoded from the receipt...
    (from_receipt,) = token.events.Transfer().process_receipt(receipt)
    assert from_receipt["args"]["value"] == amount

    # ...and through eth_getLogs (address + Transfer topic), from the transfer's block on.
    logs = token.events.Transfer.get_logs(from_block=receipt["blockNumber"])
    assert len(logs) == 1, logs
    (log,) = logs
    assert log["event"] == "Transfer"
    assert log["address"] == token.address
    assert log["transactionHash"] == receipt["transactionHash"]
    assert log["blockNumber"] == receipt["blockNumber"]
    assert log["args"]["from"] == DEV0_ADDRESS
    assert log["args"]["to"] == DEV1_ADDRESS
    assert log["args"]["value"] == amount

    # Over the whole chain, the mint and the transfer; filtered on an indexed arg, only the transfer.
    all_logs = token.events.Transfer.get_logs(from_block=0)
    assert [entry["args"]["from"] for entry in all_logs] == ["0x0000000000000000000000000000000000000000", DEV0_ADDRESS]
    to_dev1 = token.events.Transfer.get_logs(from_block=0, argument_filters={"to": DEV1_ADDRESS})
    assert [entry["transactionHash"] for entry in to_dev1] == [receipt["transactionHash"]]


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
    receipt = transact(w3, token.functions.transfer(DEV1_ADDRESS, balance + 1), gas=100_000)
    assert receipt["status"] == 0
    assert token.functions.balanceOf(DEV0_ADDRESS).call() == balance


def test_latest_block_with_transactions(w3):
    tx = {
        "type": 2,
        "chainId": 31337,
        "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending"),
        "to": DEV1_ADDRESS,
        "value": 1,
        "gas": 21_000,
        **eip1559_fees(w3),
    }
    receipt = sign_and_send(w3, tx)
    latest = w3.eth.get_block("latest", full_transactions=True)
    assert latest["number"] >= receipt["blockNumber"]
    assert latest["baseFeePerGas"] is not None
    assert all(isinstance(t, Mapping) and "hash" in t for t in latest["transactions"]), "full transaction objects"

    block = w3.eth.get_block(receipt["blockNumber"], full_transactions=True)
    assert block["hash"] == receipt["blockHash"]
    (mine,) = [t for t in block["transactions"] if t["hash"] == receipt["transactionHash"]]
    assert mine["from"] == DEV0_ADDRESS
    assert mine["to"] == DEV1_ADDRESS
    assert mine["value"] == 1
    assert w3.eth.get_block(block["number"] - 1)["hash"] == block["parentHash"]


def test_pending_nonce_counts_mempool(w3):
    latest = w3.eth.get_transaction_count(DEV0_ADDRESS, "latest")
    assert w3.eth.get_transaction_count(DEV0_ADDRESS, "pending") == latest
    fees = eip1559_fees(w3)
    hashes = []
    for i in range(2):
        tx = {"type": 2, "chainId": 31337, "nonce": latest + i, "to": DEV1_ADDRESS, "value": 1, "gas": 21_000, **fees}
        hashes.append(w3.eth.send_raw_transaction(w3.eth.account.sign_transaction(tx, DEV0_KEY).raw_transaction))
    # Both acknowledged: the pending count includes them whether or not they are mined yet.
    assert w3.eth.get_transaction_count(DEV0_ADDRESS, "pending") == latest + 2
    for h in hashes:
        assert w3.eth.wait_for_transaction_receipt(h, timeout=RECEIPT_TIMEOUT, poll_latency=0.1)["status"] == 1
    assert w3.eth.get_transaction_count(DEV0_ADDRESS, "latest") == latest + 2


def balance_slot(holder: str) -> bytes:
    """The storage slot of `balanceOf[holder]`: Token's mapping is its fourth variable (slot 3)."""
    return Web3.keccak(bytes(12) + bytes.fromhex(holder[2:]) + (3).to_bytes(32, "big"))


def test_create_access_list_lists_what_a_transfer_touches(w3, token):
    amount = 5 * 10**18
    call = token.functions.transfer(DEV1_ADDRESS, amount).build_transaction(
        {"from": DEV0_ADDRESS, "nonce": w3.eth.get_transaction_count(DEV0_ADDRESS, "pending")}
    )
    result = w3.eth.create_access_list({k: call[k] for k in ("from", "to", "data")}, "latest")
    assert "error" not in result, result
    # The token and exactly the two balances the transfer reads and writes; not the sender.
    assert [entry["address"] for entry in result["accessList"]] == [token.address]
    listed = {Web3.to_bytes(hexstr=key) for key in result["accessList"][0]["storageKeys"]}
    assert listed == {balance_slot(DEV0_ADDRESS), balance_slot(DEV1_ADDRESS)}
    # Those slots hold the balances the contract reports.
    for holder in (DEV0_ADDRESS, DEV1_ADDRESS):
        stored = w3.eth.get_storage_at(token.address, balance_slot(holder))
        assert int.from_bytes(stored, "big") == token.functions.balanceOf(holder).call()

    # Sent with that list, the transfer uses exactly the gas the node reported, and changes
    # exactly the listed slots.
    before = {slot: w3.eth.get_storage_at(token.address, slot) for slot in listed}
    receipt = transact(w3, token.functions.transfer(DEV1_ADDRESS, amount), accessList=result["accessList"])
    assert receipt["status"] == 1
    assert receipt["gasUsed"] == result["gasUsed"]
    assert all(w3.eth.get_storage_at(token.address, slot) != value for slot, value in before.items())


def test_create_access_list_of_a_reverting_call_reports_the_error(w3, token):
    balance = token.functions.balanceOf(DEV0_ADDRESS).call()
    call = token.functions.transfer(DEV1_ADDRESS, balance + 1).build_transaction({"from": DEV0_ADDRESS, "gas": 100_000})
    result = w3.eth.create_access_list({k: call[k] for k in ("from", "to", "data")})
    assert result["error"] == "execution reverted"
    # The require read the sender's balance before it failed.
    keys = result["accessList"][0]["storageKeys"]
    assert {Web3.to_bytes(hexstr=k) for k in keys} == {balance_slot(DEV0_ADDRESS)}
    assert result["gasUsed"] > 21_000


def test_create_access_list_refuses_bad_params_as_geth(w3):
    response = w3.provider.make_request(
        "eth_createAccessList", [{"from": DEV0_ADDRESS, "to": DEV1_ADDRESS, "data": "0x01", "input": "0x02"}]
    )
    assert response["error"]["code"] == -32602, response
