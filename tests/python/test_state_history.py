"""End-to-end with web3.py: the state at an older block. A devnet keeps every block's state,
so balance, nonce, code, storage, calls and proofs at a block give what they gave then, after
later blocks changed them (by number, by EIP-1898 block hash, or by tag) — a proof verified
here against that block's state root with a Merkle-Patricia verifier of its own; a node that
keeps only a few blocks refuses an older one with geth's "historical state ... is not
available"."""

from __future__ import annotations

import shutil

import pytest
import rlp
from eth_hash.auto import keccak
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


def nibbles(data: bytes) -> list[int]:
    return [n for byte in data for n in (byte >> 4, byte & 0x0F)]


def compact_path(encoded: bytes) -> tuple[list[int], bool]:
    """Decodes a hex-prefix path: its nibbles and whether it is a leaf's."""
    flag = encoded[0] >> 4
    path = nibbles(encoded)[1 if flag & 1 else 2 :]
    return path, bool(flag & 2)


def mpt_lookup(root: bytes, key: bytes, proof: list[bytes]) -> bytes | None:
    """Walks `proof` from `root` along keccak(`key`), checking each node's hash against the
    reference in its parent; returns the value stored at the key, None for a proof of
    absence. Raises AssertionError for a proof that does not verify."""
    if root == keccak(rlp.encode(b"")):  # the empty trie: its proof is empty
        assert proof == [], "nodes in the proof of an empty trie"
        return None
    path = nibbles(keccak(key))
    want: bytes | list = root
    used = 0
    while True:
        if isinstance(want, bytes):  # a hash reference: the next node of the proof
            assert used < len(proof), "proof ends before the path does"
            assert keccak(proof[used]) == want, f"node {used} does not match its reference"
            node = rlp.decode(proof[used])
            used += 1
        else:  # a node inlined in its parent
            node = want
        if len(node) == 17:
            if not path:
                return node[16] or None
            want, path = node[path[0]], path[1:]
            if want == b"":
                assert used == len(proof), "nodes after a proof of absence"
                return None
            continue
        assert len(node) == 2, f"not a trie node: {node!r}"
        segment, is_leaf = compact_path(node[0])
        if is_leaf or path[: len(segment)] != segment:
            assert used == len(proof), "nodes after the last one"
            return node[1] if is_leaf and path == segment else None
        want, path = node[1], path[len(segment) :]


def as_number(value) -> int:
    """A proof's slot value as web3.py hands it (bytes or int)."""
    return int.from_bytes(value, "big") if isinstance(value, bytes) else int(value)


def verified_proof(w3: Web3, address: str, slots: list[int], block: int) -> dict:
    """eth_getProof of `address` and `slots` at `block`, verified: the account against the
    block's stateRoot, each slot against the account's storageHash. Returns the response."""
    root = w3.eth.get_block(block)["stateRoot"]
    proof = w3.eth.get_proof(address, slots, block)
    leaf = mpt_lookup(root, bytes.fromhex(address[2:]), [bytes(n) for n in proof["accountProof"]])
    fields = [
        proof["nonce"],
        proof["balance"],
        bytes(proof["storageHash"]),
        bytes(proof["codeHash"]),
    ]
    if leaf is None:
        empty_root = keccak(rlp.encode(b""))
        assert fields == [0, 0, empty_root, keccak(b"")], "absent account with values"
    else:
        nonce, balance, storage_hash, code_hash = rlp.decode(leaf)
        as_int = lambda raw: int.from_bytes(raw, "big")  # noqa: E731
        assert [as_int(nonce), as_int(balance), storage_hash, code_hash] == fields
    for entry in proof["storageProof"]:
        slot = int.from_bytes(bytes(entry["key"]).rjust(32, b"\0"), "big")
        value = mpt_lookup(
            bytes(proof["storageHash"]),
            slot.to_bytes(32, "big"),
            [bytes(n) for n in entry["proof"]],
        )
        stored = 0 if value is None else int.from_bytes(rlp.decode(value), "big")
        assert stored == as_number(entry["value"]), f"slot {slot} at {block}"
    return proof


def test_proofs_at_older_blocks_verify_against_their_state_roots(w3):
    deployed = send(w3, data=COUNTER_INITCODE)
    counter = deployed["contractAddress"]
    at_deploy = deployed["blockNumber"]
    first = send(w3, to=counter, data=word(7))["blockNumber"]
    cleared = send(w3, to=counter, data=word(0))["blockNumber"]
    paid = send(w3, to=DEV1_ADDRESS, value=10**18, gas=21_000)["blockNumber"]

    # The counter's slot 0 as each block left it, proven against that block's root.
    for block, value in [(at_deploy, 0), (first, 7), (cleared, 0), (paid, 0)]:
        proof = verified_proof(w3, counter, [0, 1], block)
        assert as_number(proof["storageProof"][0]["value"]) == value, block
        assert proof["codeHash"] == keccak(bytes.fromhex(COUNTER_RUNTIME))
    # Before its deployment the counter is absent: a verified proof of absence.
    absent = verified_proof(w3, counter, [0], at_deploy - 1)
    assert absent["nonce"] == 0 and as_number(absent["storageProof"][0]["value"]) == 0
    # Balances then and now, proven.
    before = verified_proof(w3, DEV1_ADDRESS, [], cleared)["balance"]
    after = verified_proof(w3, DEV1_ADDRESS, [], paid)["balance"]
    assert after - before == 10**18
    # The older proof is not the head's: the trie changed since.
    head_proof = w3.eth.get_proof(counter, [0], "latest")
    assert w3.eth.get_proof(counter, [0], first)["accountProof"] != head_proof["accountProof"]


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
    # Proofs are served over the same range, verified against each block's root.
    verified_proof(w3, DEV1_ADDRESS, [], head["number"])
    verified_proof(w3, DEV1_ADDRESS, [], head["number"] - 1)
    with pytest.raises(Web3RPCError) as refused:
        w3.eth.get_proof(DEV1_ADDRESS, [], old["number"])
    assert "is not available" in str(refused.value)
