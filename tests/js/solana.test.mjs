// @solana/web3.js v1 and @solana/spl-token against the devnet's Solana RPC, as a dApp uses
// them: `sendAndConfirmTransaction` (which waits through `signatureSubscribe` on the WebSocket
// port) for a SOL transfer in a v0 message, a memo and an SPL Token mint and transfer, with the
// Connection's default commitment; then getParsedTransaction, getSignaturesForAddress,
// getProgramAccounts with filters, and accountSubscribe / slotSubscribe notifications.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";

import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";
import {
  TOKEN_PROGRAM_ID,
  createMint,
  getOrCreateAssociatedTokenAccount,
  getAccount,
  mintTo,
  transfer as transferTokens,
} from "@solana/spl-token";
import bs58 from "bs58";

import { startDevnet } from "./devnet.mjs";

const MEMO_PROGRAM_ID = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");

let devnet;
let connection;
let keypairs;

before(async () => {
  devnet = await startDevnet();
  assert.ok(devnet.solanaRpcUrl, "the devnet serves no Solana RPC");
  connection = new Connection(devnet.solanaRpcUrl, { wsEndpoint: devnet.solanaWsUrl });
  keypairs = devnet.solanaKeypairs.map((secret) => Keypair.fromSecretKey(bs58.decode(secret)));
});

after(async () => {
  // web3.js keeps its WebSocket (and reconnects it) while the Connection lives.
  connection?._rpcWebSocket?.close();
  await devnet?.stop();
});

test("a SOL transfer in a v0 message confirms through signatureSubscribe", async () => {
  const payer = keypairs[0];
  const recipient = Keypair.generate().publicKey;
  const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash();
  const message = new TransactionMessage({
    payerKey: payer.publicKey,
    recentBlockhash: blockhash,
    instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: recipient, lamports: LAMPORTS_PER_SOL })],
  }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  tx.sign([payer]);
  const signature = await connection.sendTransaction(tx);
  const confirmation = await connection.confirmTransaction({ signature, blockhash, lastValidBlockHeight });
  assert.equal(confirmation.value.err, null);
  assert.equal(await connection.getBalance(recipient), LAMPORTS_PER_SOL);
  const parsed = await connection.getParsedTransaction(signature, { maxSupportedTransactionVersion: 0 });
  assert.equal(parsed.version, 0);
  assert.equal(parsed.meta.fee, 5000);
  const transfer = parsed.transaction.message.instructions[0];
  assert.equal(transfer.program, "system");
  assert.equal(transfer.parsed.type, "transfer");
  assert.equal(transfer.parsed.info.lamports, LAMPORTS_PER_SOL);
});

test("sendAndConfirmTransaction with a memo", async () => {
  const payer = keypairs[1];
  const text = "hello from web3.js";
  const tx = new Transaction().add(
    new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [{ pubkey: payer.publicKey, isSigner: true, isWritable: false }], data: Buffer.from(text) }),
  );
  const signature = await sendAndConfirmTransaction(connection, tx, [payer]);
  const history = await connection.getSignaturesForAddress(payer.publicKey);
  assert.equal(history[0].signature, signature);
  assert.equal(history[0].memo, `[${text.length}] ${text}`);
  assert.equal(history[0].confirmationStatus, "finalized");
  const got = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
  assert.ok(got.meta.logMessages.some((line) => line.includes(text)), got.meta.logMessages.join("\n"));
});

test("an SPL Token mint and transfer with @solana/spl-token", async () => {
  const payer = keypairs[2];
  const receiver = Keypair.generate();
  const mint = await createMint(connection, payer, payer.publicKey, null, 9);
  const source = await getOrCreateAssociatedTokenAccount(connection, payer, mint, payer.publicKey);
  const dest = await getOrCreateAssociatedTokenAccount(connection, payer, mint, receiver.publicKey);
  await mintTo(connection, payer, mint, source.address, payer, 10n ** 12n);
  await transferTokens(connection, payer, source.address, dest.address, payer, 4n * 10n ** 11n);
  assert.equal((await getAccount(connection, source.address)).amount, 6n * 10n ** 11n);
  assert.equal((await getAccount(connection, dest.address)).amount, 4n * 10n ** 11n);
  const balance = await connection.getTokenAccountBalance(dest.address);
  assert.equal(balance.value.uiAmountString, "400");
  // The token program's accounts of this mint, found with memcmp on the mint and dataSize.
  const accounts = await connection.getProgramAccounts(TOKEN_PROGRAM_ID, {
    filters: [{ dataSize: 165 }, { memcmp: { offset: 0, bytes: mint.toBase58() } }],
  });
  assert.deepEqual(accounts.map((a) => a.pubkey.toBase58()).sort(), [source.address.toBase58(), dest.address.toBase58()].sort());
  const byOwner = await connection.getParsedTokenAccountsByOwner(receiver.publicKey, { mint });
  assert.equal(byOwner.value.length, 1);
  assert.equal(byOwner.value[0].account.data.parsed.info.tokenAmount.amount, "400000000000");
});

test("accountSubscribe and slotSubscribe notify", async () => {
  const payer = keypairs[3];
  const watched = Keypair.generate().publicKey;
  const notified = new Promise((resolve) => {
    const id = connection.onAccountChange(watched, (account, context) => {
      connection.removeAccountChangeListener(id);
      resolve({ account, context });
    }, { commitment: "confirmed" });
  });
  const slot = new Promise((resolve) => {
    const id = connection.onSlotChange((info) => {
      connection.removeSlotChangeListener(id);
      resolve(info);
    });
  });
  // Subscriptions are registered asynchronously: send once both are live.
  await new Promise((resolve) => setImmediate(resolve));
  const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: watched, lamports: LAMPORTS_PER_SOL }));
  await sendAndConfirmTransaction(connection, tx, [payer], { commitment: "confirmed" });
  const { account } = await notified;
  assert.equal(account.lamports, LAMPORTS_PER_SOL);
  const info = await slot;
  assert.ok(info.slot >= 1 && info.parent === info.slot - 1, JSON.stringify(info));
});

test("lamports below the rent-exempt minimum for a new account are refused as Solana refuses them", async () => {
  const payer = keypairs[5];
  const tx = new Transaction().add(SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: Keypair.generate().publicKey, lamports: 12_345 }));
  await assert.rejects(sendAndConfirmTransaction(connection, tx, [payer]), (e) => {
    assert.match(String(e.message), /insufficient funds for rent/);
    return true;
  });
});

test("a stale blockhash is refused with Solana's preflight error", async () => {
  const payer = keypairs[4];
  const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: Keypair.generate().publicKey.toBase58() }).add(
    SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: payer.publicKey, lamports: 1 }),
  );
  tx.sign(payer);
  await assert.rejects(connection.sendRawTransaction(tx.serialize()), (e) => {
    assert.match(String(e.message), /Blockhash not found/);
    return true;
  });
});
