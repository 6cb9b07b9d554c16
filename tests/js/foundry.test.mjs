// End-to-end: Foundry (anvil and cast 1.7.1, the binaries of their npm packages) against the
// Manifold devnet.
//   - `anvil --fork-url <devnet>` pins the devnet's head and reads the state it needs lazily, at
//     that block, while the devnet goes on sealing blocks that change the same accounts and
//     slots: it needs the devnet's state history.
//   - `cast send` (a transfer, a deployment, a contract call), `cast call --block N`, and
//     `cast run`, which forks at the parent block, replays the block's earlier transactions
//     locally and traces the failed ERC-20 transfer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startDevnet, TOKEN_ARTIFACT, DEV0, DEV1 } from "./devnet.mjs";
import { cast, startAnvil } from "./foundry.mjs";

const artifact = JSON.parse(readFileSync(TOKEN_ARTIFACT, "utf8"));
const REVERT_REASON = "ERC20: transfer amount exceeds balance";
/** Token's storage layout: name, symbol, totalSupply, then `balanceOf` at slot 3. */
const BALANCE_OF_SLOT = 3;
const WAIT_TIMEOUT_MS = 60_000;
const POLL_MS = 50;

let devnet;

before(async () => {
  devnet = await startDevnet();
});

after(async () => {
  await devnet?.stop();
});

/** One JSON-RPC call over HTTP; rejects with the error object's code and message. */
async function rpc(url, method, params = []) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method} ${JSON.stringify(params)}: ${body.error.code} ${body.error.message}`);
  return body.result;
}

/** Polls `probe` until it returns a value other than null/undefined/false; `what` names it in the error. */
async function waitFor(what, probe, timeoutMs = WAIT_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const headOf = async (url) => Number(BigInt(await rpc(url, "eth_blockNumber")));
const receiptOf = (hash) =>
  waitFor(`the receipt of ${hash}`, () => rpc(devnet.rpcUrl, "eth_getTransactionReceipt", [hash]));
const pendingNonce = async (address) =>
  Number(BigInt(await rpc(devnet.rpcUrl, "eth_getTransactionCount", [address, "pending"])));

/** `cast send … --async` from `key` with an explicit nonce: resolves to the transaction hash. */
async function sendAsync(key, nonce, args) {
  const hash = await cast([
    "send", "--async", "--rpc-url", devnet.rpcUrl, "--private-key", key, "--nonce", String(nonce),
    "--gas-limit", "200000", ...args,
  ]);
  assert.match(hash, /^0x[0-9a-f]{64}$/, `cast send --async printed ${hash}`);
  return hash;
}

/** Deploys Token(name, symbol, supply) from dev account 0 with `cast send --create`. */
async function deployToken(supply) {
  const out = await cast([
    "send", "--json", "--rpc-url", devnet.rpcUrl, "--private-key", DEV0.privateKey,
    "--create", artifact.bytecode, "constructor(string,string,uint256)", "Foundry Token", "FTK", String(supply),
  ]);
  const receipt = JSON.parse(out);
  assert.equal(receipt.status, "0x1", `deployment failed: ${out}`);
  return receipt.contractAddress;
}

/** The storage slot of `balanceOf[holder]`, as `cast index` computes it. */
const balanceSlot = (holder) => cast(["index", "address", holder, String(BALANCE_OF_SLOT)]);

test("anvil --fork-url keeps serving the fork block's state while the devnet seals 100 more blocks", async (t) => {
  const url = devnet.rpcUrl;
  const token = await deployToken(10n ** 24n);
  // Fresh accounts: neither anvil's nor the devnet's dev accounts (anvil funds its own in the fork).
  const probes = Array.from({ length: 5 }, () => "0x" + randomBytes(20).toString("hex"));
  const wei = (i) => 10n ** 15n + BigInt(i); // what probe i got before the fork
  const tokens = (i) => 1000n + BigInt(i);

  // Before the fork: each probe gets ETH and tokens.
  let nonce = await pendingNonce(DEV0.address);
  const setup = [];
  for (const [i, probe] of probes.entries()) {
    setup.push(await sendAsync(DEV0.privateKey, nonce++, [probe, "--value", String(wei(i))]));
    setup.push(await sendAsync(DEV0.privateKey, nonce++, [token, "transfer(address,uint256)", probe, String(tokens(i))]));
  }
  const setupReceipts = await Promise.all(setup.map(receiptOf));
  for (const r of setupReceipts) assert.equal(r.status, "0x1", `setup transaction ${r.transactionHash} failed`);
  const lastSetupBlock = Math.max(...setupReceipts.map((r) => Number(BigInt(r.blockNumber))));
  await waitFor(`devnet block ${lastSetupBlock}`, async () => (await headOf(url)) >= lastSetupBlock);

  const slots = await Promise.all(probes.map(balanceSlot));
  const fork = await startAnvil(["--fork-url", url, "--no-storage-caching"]);
  t.after(() => fork.stop());
  const forkBlock = await headOf(fork.rpcUrl);
  assert.ok(forkBlock >= lastSetupBlock, `anvil forked at ${forkBlock}, before the setup's block ${lastSetupBlock}`);

  const word = (n) => "0x" + n.toString(16).padStart(64, "0");
  const readThroughFork = async (i) => ({
    balance: BigInt(await rpc(fork.rpcUrl, "eth_getBalance", [probes[i], "latest"])),
    slot: await rpc(fork.rpcUrl, "eth_getStorageAt", [token, slots[i], "latest"]),
  });

  // Five rounds of 20 blocks; every round changes every probe's balance and token slot on the
  // devnet, then reads one probe through the fork for the first time (anvil fetches it now, at
  // the fork block, 20, 40, … 100 blocks behind the devnet's head).
  const ROUNDS = 5;
  const BLOCKS_PER_ROUND = 20;
  for (let round = 0; round < ROUNDS; round++) {
    const sent = [];
    nonce = await pendingNonce(DEV0.address);
    for (const probe of probes) {
      sent.push(await sendAsync(DEV0.privateKey, nonce++, [probe, "--value", "7"]));
      sent.push(await sendAsync(DEV0.privateKey, nonce++, [token, "transfer(address,uint256)", probe, "3"]));
    }
    for (const r of await Promise.all(sent.map(receiptOf))) assert.equal(r.status, "0x1");
    const target = forkBlock + BLOCKS_PER_ROUND * (round + 1);
    const head = await headOf(url);
    if (head < target) await rpc(url, "anvil_mine", [`0x${(target - head).toString(16)}`]);
    await waitFor(`devnet block ${target}`, async () => (await headOf(url)) >= target);

    const got = await readThroughFork(round);
    assert.equal(got.balance, wei(round), `round ${round}: probe balance through the fork`);
    assert.equal(got.slot, word(tokens(round)), `round ${round}: probe's balanceOf slot through the fork`);
    // The devnet itself has moved on: its latest values differ, its values at the fork block agree.
    const latestBalance = BigInt(await rpc(url, "eth_getBalance", [probes[round], "latest"]));
    assert.equal(latestBalance, wei(round) + 7n * BigInt(round + 1), `round ${round}: devnet latest balance`);
    const latestSlot = await rpc(url, "eth_getStorageAt", [token, slots[round], "latest"]);
    assert.equal(latestSlot, word(tokens(round) + 3n * BigInt(round + 1)), `round ${round}: devnet latest slot`);
    const forkHex = `0x${forkBlock.toString(16)}`;
    assert.equal(BigInt(await rpc(url, "eth_getBalance", [probes[round], forkHex])), got.balance);
    assert.equal(await rpc(url, "eth_getStorageAt", [token, slots[round], forkHex]), got.slot);
  }

  assert.ok((await headOf(url)) >= forkBlock + 100, "the devnet sealed 100 blocks after the fork");
  assert.equal(await headOf(fork.rpcUrl), forkBlock, "the fork stays at its block");
  // An eth_call through the fork runs the token's code (fetched now) on the fork block's storage.
  const forkBalanceOf = await cast([
    "call", "--rpc-url", fork.rpcUrl, token, "balanceOf(address)(uint256)", probes[ROUNDS - 1],
  ]);
  assert.equal(forkBalanceOf.split(" ")[0], String(tokens(ROUNDS - 1)));
  // And the fork executes transactions of its own on that state, leaving the devnet alone.
  const before = await rpc(url, "eth_getStorageAt", [token, slots[0], "latest"]);
  const out = await cast([
    "send", "--json", "--rpc-url", fork.rpcUrl, "--private-key", DEV0.privateKey,
    token, "transfer(address,uint256)", probes[0], "1000000",
  ]);
  assert.equal(JSON.parse(out).status, "0x1", `transfer on the fork failed: ${out}`);
  assert.equal((await readThroughFork(0)).slot, word(tokens(0) + 1_000_000n));
  assert.equal(await rpc(url, "eth_getStorageAt", [token, slots[0], "latest"]), before);
});

test("cast send, cast call --block and cast run against the devnet", async () => {
  const url = devnet.rpcUrl;
  // cast send: a plain transfer to a fresh account.
  const recipient = "0x" + randomBytes(20).toString("hex");
  const transfer = JSON.parse(
    await cast(["send", "--json", "--rpc-url", url, "--private-key", DEV0.privateKey, recipient, "--value", "1ether"]),
  );
  assert.equal(transfer.status, "0x1");
  assert.equal(await cast(["balance", "--rpc-url", url, recipient]), String(10n ** 18n));

  // cast send: a deployment and a contract call.
  const token = await deployToken(10n ** 24n);
  const balanceOf = async (holder, block) => {
    const args = ["call", "--rpc-url", url, token, "balanceOf(address)(uint256)", holder];
    if (block !== undefined) args.push("--block", String(block));
    return BigInt((await cast(args)).split(" ")[0]);
  };
  const first = JSON.parse(
    await cast([
      "send", "--json", "--rpc-url", url, "--private-key", DEV0.privateKey,
      token, "transfer(address,uint256)", DEV1.address, "150",
    ]),
  );
  assert.equal(first.status, "0x1");
  assert.equal(first.logs.length, 1, "one Transfer event");
  const firstBlock = Number(BigInt(first.blockNumber));
  assert.equal(await balanceOf(DEV1.address), 150n);

  // cast call --block: the older block's value after a later change.
  const second = JSON.parse(
    await cast([
      "send", "--json", "--rpc-url", url, "--private-key", DEV0.privateKey,
      token, "transfer(address,uint256)", DEV1.address, "50",
    ]),
  );
  assert.equal(second.status, "0x1");
  assert.ok(Number(BigInt(second.blockNumber)) > firstBlock);
  assert.equal(await balanceOf(DEV1.address), 200n);
  assert.equal(await balanceOf(DEV1.address, firstBlock), 150n);
  assert.equal(await balanceOf(DEV1.address, "latest"), 200n);

  // cast run: one block with three transactions — dev account 1 sends 150 of its 200 tokens
  // (succeeds), a dev-state write (anvil_setBalance, a transaction of the devnet's own engine that
  // Ethereum clients do not see), then dev account 1 sends 100 more (fails: 50 left). The failure
  // shows only if cast replays the block's earlier transaction on the parent block's state.
  await rpc(url, "anvil_setIntervalMining", [0]); // blocks only on demand from here on
  try {
    const nonce = await pendingNonce(DEV1.address);
    const ok = await sendAsync(DEV1.privateKey, nonce, [token, "transfer(address,uint256)", DEV0.address, "150"]);
    const failing = await sendAsync(DEV1.privateKey, nonce + 1, [token, "transfer(address,uint256)", DEV0.address, "100"]);
    await rpc(url, "anvil_setBalance", ["0x" + randomBytes(20).toString("hex"), "0x1"]); // seals the block
    const [okReceipt, failedReceipt] = await Promise.all([receiptOf(ok), receiptOf(failing)]);
    assert.equal(okReceipt.status, "0x1");
    assert.equal(failedReceipt.status, "0x0", "the second transfer reverts");
    assert.equal(failedReceipt.blockNumber, okReceipt.blockNumber, "both transfers are in one block");
    const block = await rpc(url, "eth_getBlockByNumber", [failedReceipt.blockNumber, true]);
    assert.deepEqual(block.transactions.map((tx) => tx.hash), [ok, failing]);

    const trace = await cast(["run", "--rpc-url", url, failing]);
    assert.match(trace, /Executing previous transactions from the block/);
    assert.match(trace, /\[Revert\]/);
    assert.ok(trace.includes(REVERT_REASON), `cast run shows the revert reason:\n${trace}`);
    assert.ok(trace.toLowerCase().includes(token.slice(2).toLowerCase()), `the trace names the token:\n${trace}`);
    // The successful transfer of the same block replays and traces without a revert.
    const okTrace = await cast(["run", "--rpc-url", url, ok]);
    assert.doesNotMatch(okTrace, /Revert/);
    assert.match(okTrace, /emit Transfer\(/);
    assert.match(okTrace, /Transaction successfully executed/);
    // The local replays used exactly the gas the devnet's execution used.
    assert.match(trace, new RegExp(`Gas used: ${BigInt(failedReceipt.gasUsed)}\\b`));
    assert.match(okTrace, new RegExp(`Gas used: ${BigInt(okReceipt.gasUsed)}\\b`));
  } finally {
    await rpc(url, "anvil_setIntervalMining", [1]);
  }
});
