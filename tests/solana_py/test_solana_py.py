"""solana.py (AsyncClient, default settings: commitment ``finalized``) against the devnet's
Solana RPC: a SOL transfer in a v0 message, a memo, an SPL Token mint and transfer through
associated token accounts, an airdrop, lamports sent to an EVM user's account id (seen as wei
on ``eth_getBalance``), Solana's errors for a bad blockhash and a bad signature, and a program
deployed through the upgradeable loader (buffer, chunked writes, deploy) and then invoked.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import urllib.request

import pytest
from solana.exceptions import SolanaRpcException
from solana.rpc.core import RPCException
from solana.rpc.models import TokenAccountOpts
from solders.hash import Hash
from solders.instruction import AccountMeta, Instruction
from solders.keypair import Keypair
from solders.message import Message, MessageV0
from solders.pubkey import Pubkey
from solders.system_program import CreateAccountParams, TransferParams, create_account, transfer
from solders.transaction import VersionedTransaction
from spl.memo.constants import MEMO_PROGRAM_ID
from spl.memo.instructions import create_memo
from spl.memo.models import MemoParams
from spl.token.constants import MINT_LEN, TOKEN_PROGRAM_ID
from spl.token.instructions import (
    create_associated_token_account,
    get_associated_token_address,
    initialize_mint2,
    mint_to_checked,
    transfer_checked,
)
from spl.token.models import InitializeMint2Params, MintToCheckedParams, TransferCheckedParams

from devnet_process import REPO_ROOT

SOL = 1_000_000_000


async def send(client, payer: Keypair, instructions, signers=(), v0: bool = True):
    """Signs `instructions` with `payer` (and `signers`), sends them and waits for finality."""
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    if v0:
        message = MessageV0.try_compile(payer.pubkey(), instructions, [], blockhash)
    else:
        message = Message.new_with_blockhash(instructions, payer.pubkey(), blockhash)
    tx = VersionedTransaction(message, [payer, *signers])
    signature = (await client.send_transaction(tx)).value
    status = (await client.confirm_transaction(signature)).value[0]
    assert status is not None and status.err is None, status
    return signature


async def raw_call(client, request: dict) -> dict:
    """A JSON-RPC call solana.py has no method for, over the client's own HTTP session."""
    response = await client._provider.session.post(client._provider.endpoint_uri, json=request)
    return response.json()


def eth_rpc(url: str, method: str, params: list):
    request = urllib.request.Request(
        url,
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["result"]


async def test_sol_transfer_in_a_v0_message(client, keypairs):
    payer = keypairs[0]
    recipient = Keypair().pubkey()
    before = (await client.get_balance(payer.pubkey())).value
    signature = await send(client, payer, [transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=recipient, lamports=2 * SOL))])
    assert (await client.get_balance(recipient)).value == 2 * SOL
    tx = (await client.get_transaction(signature, max_supported_transaction_version=0)).value
    assert tx is not None and tx.transaction.meta.err is None
    fee = tx.transaction.meta.fee
    assert fee == 5000
    assert (await client.get_balance(payer.pubkey())).value == before - 2 * SOL - fee
    assert tx.transaction.meta.pre_balances[0] == before
    assert tx.transaction.meta.post_balances[1] == 2 * SOL
    # A v0 transaction is refused to a client that does not say it reads them.
    with pytest.raises((RPCException, SolanaRpcException)):
        await client.get_transaction(signature)


async def test_memo(client, keypairs):
    payer = keypairs[1]
    text = "hello from solana.py"
    memo = create_memo(MemoParams(program_id=MEMO_PROGRAM_ID, signer=payer.pubkey(), message=text.encode()))
    signature = await send(client, payer, [memo], v0=False)
    tx = (await client.get_transaction(signature)).value
    logs = tx.transaction.meta.log_messages
    assert any(text in line for line in logs), logs
    history = (await client.get_signatures_for_address(payer.pubkey())).value
    assert history[0].signature == signature
    assert history[0].memo == f"[{len(text)}] {text}"


async def test_spl_token_mint_and_transfer(client, keypairs):
    payer, receiver = keypairs[2], keypairs[3]
    mint = Keypair()
    rent = (await client.get_minimum_balance_for_rent_exemption(MINT_LEN)).value
    await send(
        client,
        payer,
        [
            create_account(CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=mint.pubkey(), lamports=rent, space=MINT_LEN, owner=TOKEN_PROGRAM_ID)),
            initialize_mint2(InitializeMint2Params(decimals=6, program_id=TOKEN_PROGRAM_ID, mint=mint.pubkey(), mint_authority=payer.pubkey())),
        ],
        signers=[mint],
    )
    source = get_associated_token_address(payer.pubkey(), mint.pubkey())
    dest = get_associated_token_address(receiver.pubkey(), mint.pubkey())
    await send(
        client,
        payer,
        [
            create_associated_token_account(payer.pubkey(), payer.pubkey(), mint.pubkey()),
            create_associated_token_account(payer.pubkey(), receiver.pubkey(), mint.pubkey()),
            mint_to_checked(MintToCheckedParams(program_id=TOKEN_PROGRAM_ID, mint=mint.pubkey(), dest=source, mint_authority=payer.pubkey(), amount=5_000_000, decimals=6)),
        ],
    )
    await send(
        client,
        payer,
        [transfer_checked(TransferCheckedParams(program_id=TOKEN_PROGRAM_ID, source=source, mint=mint.pubkey(), dest=dest, owner=payer.pubkey(), amount=1_250_000, decimals=6))],
    )
    assert (await client.get_token_account_balance(source)).value.amount == "3750000"
    balance = (await client.get_token_account_balance(dest)).value
    assert (balance.amount, balance.decimals, balance.ui_amount_string) == ("1250000", 6, "1.25")
    owned = (await client.get_token_accounts_by_owner_json_parsed(receiver.pubkey(), TokenAccountOpts(mint=mint.pubkey()))).value
    assert [str(a.pubkey) for a in owned] == [str(dest)]
    info = owned[0].account.data.parsed["info"]
    assert info["mint"] == str(mint.pubkey()) and info["owner"] == str(receiver.pubkey())
    assert info["tokenAmount"]["uiAmountString"] == "1.25"
    # Overdrawing fails preflight with the token program's error and its logs.
    with pytest.raises(RPCException) as failed:
        blockhash = (await client.get_latest_blockhash()).value.blockhash
        ix = transfer_checked(TransferCheckedParams(program_id=TOKEN_PROGRAM_ID, source=dest, mint=mint.pubkey(), dest=source, owner=receiver.pubkey(), amount=9_000_000, decimals=6))
        await client.send_transaction(VersionedTransaction(MessageV0.try_compile(receiver.pubkey(), [ix], [], blockhash), [receiver]))
    error = failed.value.args[0]
    assert "Transaction simulation failed" in str(error), error


async def test_airdrop(client):
    wallet = Keypair().pubkey()
    signature = (await client.request_airdrop(wallet, 3 * SOL)).value
    status = (await client.confirm_transaction(signature)).value[0]
    assert status.err is None
    assert (await client.get_balance(wallet)).value == 3 * SOL


async def test_lamports_to_an_evm_account_id_show_up_as_wei(client, keypairs, devnet):
    evm_address = "0x" + "ab" * 20
    evm_id = Pubkey(bytes(12) + bytes.fromhex(evm_address[2:]))
    await send(client, keypairs[4], [transfer(TransferParams(from_pubkey=keypairs[4].pubkey(), to_pubkey=evm_id, lamports=7 * SOL))])
    wei = int(eth_rpc(devnet.rpc_url, "eth_getBalance", [evm_address, "latest"]), 16)
    assert wei == 7 * SOL * 10**9
    assert (await client.get_balance(evm_id)).value == 7 * SOL


async def test_stale_blockhash_and_bad_signature_get_solanas_errors(client, keypairs):
    payer = keypairs[5]
    ix = transfer(TransferParams(from_pubkey=payer.pubkey(), to_pubkey=Keypair().pubkey(), lamports=1))
    unknown = Hash.new_unique()
    tx = VersionedTransaction(MessageV0.try_compile(payer.pubkey(), [ix], [], unknown), [payer])
    with pytest.raises(RPCException) as failed:
        await client.send_transaction(tx)
    assert "Blockhash not found" in str(failed.value.args[0]), failed.value.args
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    signed = VersionedTransaction(MessageV0.try_compile(payer.pubkey(), [ix], [], blockhash), [payer])
    raw = bytearray(bytes(signed))
    raw[10] ^= 0xFF  # inside the signature
    request = {"jsonrpc": "2.0", "id": 1, "method": "sendTransaction", "params": [base64.b64encode(bytes(raw)).decode(), {"encoding": "base64"}]}
    answer = await raw_call(client, request)
    assert answer["error"]["code"] == -32003, answer
    assert answer["error"]["message"] == "Transaction signature verification failure"
    for hash_, valid in ((unknown, False), (blockhash, True)):
        request = {"jsonrpc": "2.0", "id": 2, "method": "isBlockhashValid", "params": [str(hash_)]}
        assert (await raw_call(client, request))["result"]["value"] is valid


LOADER = Pubkey.from_string("BPFLoaderUpgradeab1e11111111111111111111111")
SYSVAR_RENT = Pubkey.from_string("SysvarRent111111111111111111111111111111111")
SYSVAR_CLOCK = Pubkey.from_string("SysvarC1ock11111111111111111111111111111111")
SYSTEM_PROGRAM = Pubkey.from_string("11111111111111111111111111111111")
# The upgradeable loader's account layouts: a buffer's and a program's metadata sizes.
BUFFER_METADATA = 37
PROGRAM_ACCOUNT = 36
MEMO_ELF = REPO_ROOT / "svm" / "programs" / "spl_memo-4.0.0.so"


def loader_instruction(index: int, payload: bytes, accounts: list[AccountMeta]) -> Instruction:
    """An upgradeable-loader instruction: bincode's u32 variant index, then its fields."""
    return Instruction(LOADER, struct.pack("<I", index) + payload, accounts)


async def test_a_program_deployed_through_the_upgradeable_loader_runs(client, keypairs):
    """The Solana CLI's deploy, step by step: a buffer written in chunks, then
    DeployWithMaxDataLen; the program runs from the next block."""
    payer, buffer, program = keypairs[6], Keypair(), Keypair()
    elf = MEMO_ELF.read_bytes()
    size = BUFFER_METADATA + len(elf)
    rent = (await client.get_minimum_balance_for_rent_exemption(size)).value
    await send(
        client,
        payer,
        [
            create_account(CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=buffer.pubkey(), lamports=rent, space=size, owner=LOADER)),
            loader_instruction(0, b"", [AccountMeta(buffer.pubkey(), False, True), AccountMeta(payer.pubkey(), False, False)]),
        ],
        signers=[buffer],
    )
    chunk = 900
    blockhash = (await client.get_latest_blockhash()).value.blockhash
    writes = []
    for offset in range(0, len(elf), chunk):
        data = elf[offset : offset + chunk]
        ix = loader_instruction(1, struct.pack("<IQ", offset, len(data)) + data, [AccountMeta(buffer.pubkey(), False, True), AccountMeta(payer.pubkey(), True, False)])
        tx = VersionedTransaction(Message.new_with_blockhash([ix], payer.pubkey(), blockhash), [payer])
        writes.append((await client.send_transaction(tx)).value)
    for status in await asyncio.gather(*(client.confirm_transaction(sig) for sig in writes)):
        assert status.value[0].err is None
    programdata, _ = Pubkey.find_program_address([bytes(program.pubkey())], LOADER)
    program_rent = (await client.get_minimum_balance_for_rent_exemption(PROGRAM_ACCOUNT)).value
    deployed = await send(
        client,
        payer,
        [
            create_account(CreateAccountParams(from_pubkey=payer.pubkey(), to_pubkey=program.pubkey(), lamports=program_rent, space=PROGRAM_ACCOUNT, owner=LOADER)),
            loader_instruction(
                2,
                struct.pack("<Q", 2 * len(elf)),
                [
                    AccountMeta(payer.pubkey(), True, True),
                    AccountMeta(programdata, False, True),
                    AccountMeta(program.pubkey(), False, True),
                    AccountMeta(buffer.pubkey(), False, True),
                    AccountMeta(SYSVAR_RENT, False, False),
                    AccountMeta(SYSVAR_CLOCK, False, False),
                    AccountMeta(SYSTEM_PROGRAM, False, False),
                    AccountMeta(payer.pubkey(), True, False),
                ],
            ),
        ],
        signers=[program],
    )
    account = (await client.get_account_info(program.pubkey())).value
    assert account.executable and account.owner == LOADER
    deployed_slot = (await client.get_transaction(deployed, max_supported_transaction_version=0)).value.slot
    # Invoked in a later block, the deployed copy of SPL Memo logs the memo.
    text = "from a program deployed by solana.py"
    ix = Instruction(program.pubkey(), text.encode(), [AccountMeta(payer.pubkey(), True, False)])
    signature = await send(client, payer, [ix])
    tx = (await client.get_transaction(signature, max_supported_transaction_version=0)).value
    assert tx.slot > deployed_slot
    logs = tx.transaction.meta.log_messages
    assert f"Program {program.pubkey()} invoke [1]" in logs, logs
    assert any(text in line for line in logs), logs
