"""What a wallet knows and does in the web3.py client tests: the dev accounts, the fee fields it
sets, and signing, sending and waiting for a receipt."""

from __future__ import annotations

from web3 import Web3

DEV0_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEV0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
DEV1_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
RECEIPT_TIMEOUT = 30


def eip1559_fees(w3: Web3) -> dict:
    """The fee fields a wallet would set: tip from eth_maxPriorityFeePerGas, cap = 2 * base fee + tip."""
    base_fee = w3.eth.get_block("latest")["baseFeePerGas"]
    tip = w3.eth.max_priority_fee
    return {"maxPriorityFeePerGas": tip, "maxFeePerGas": 2 * base_fee + tip}


def sign_and_send(w3: Web3, tx: dict, key: str = DEV0_KEY):
    """Signs `tx` locally, sends it raw and waits for its receipt."""
    signed = w3.eth.account.sign_transaction(tx, key)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    assert tx_hash == signed.hash
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=RECEIPT_TIMEOUT, poll_latency=0.1)
