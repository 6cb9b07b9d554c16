// End-to-end: the Manifold devnet driven by ethers v6, with its default behaviour
// (batched JSON-RPC, EIP-1559 fee logic, its own nonce management and revert decoding).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  JsonRpcProvider,
  WebSocketProvider,
  Wallet,
  HDNodeWallet,
  Mnemonic,
  ContractFactory,
  Contract,
  parseEther,
  parseUnits,
  getAddress,
  isError,
} from "ethers";
import { startDevnet, TOKEN_ARTIFACT, DEV0, DEV1, DEV_BALANCE_WEI } from "./devnet.mjs";

const MNEMONIC = "test test test test test test test test test test test junk";
const REVERT_REASON = "ERC20: transfer amount exceeds balance";
const SUPPLY = parseUnits("1000000", 18);
const artifact = JSON.parse(readFileSync(TOKEN_ARTIFACT, "utf8"));

let devnet;
let provider;
let wallet0; // dev account 0: deploys and sends
let wallet1; // dev account 1: receives, is never spent from before the balance check

before(async () => {
  devnet = await startDevnet();
  // ethers polls for receipts every 4 s by default; the devnet seals every 250 ms. ethers also
  // reuses the answer to an identical request for 250 ms (cacheTimeout), which on a chain this fast
  // hands out a stale "pending" nonce right after a receipt: turn that cache off.
  provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  wallet0 = new Wallet(DEV0.privateKey, provider);
  wallet1 = new Wallet(DEV1.privateKey, provider);
});

after(async () => {
  provider?.destroy();
  await devnet?.stop();
});

// The token is deployed once, by the first test that needs it.
let tokenPromise;
function deployedToken() {
  tokenPromise ??= (async () => {
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, wallet0);
    const token = await factory.deploy("Manifold Token", "MFT", SUPPLY);
    const receipt = await token.deploymentTransaction().wait();
    return { token, address: await token.getAddress(), receipt };
  })();
  return tokenPromise;
}

test("ready line lists the 10 dev accounts of the test mnemonic", () => {
  assert.equal(devnet.chainId, 31337);
  assert.equal(devnet.accounts.length, 10);
  const mnemonic = Mnemonic.fromPhrase(MNEMONIC);
  devnet.accounts.forEach((acct, i) => {
    const derived = HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${i}`);
    assert.equal(getAddress(acct.address), derived.address, `account ${i} address`);
    assert.equal(acct.privateKey.toLowerCase(), derived.privateKey, `account ${i} key`);
  });
  assert.equal(getAddress(devnet.accounts[0].address), DEV0.address);
});

test("eth_chainId is 31337", async () => {
  const network = await provider.getNetwork();
  assert.equal(network.chainId, 31337n);
  assert.equal(await provider.send("eth_chainId", []), "0x7a69");
});

test("dev accounts are funded with 10,000 ETH", async () => {
  assert.equal(await provider.getBalance(DEV1.address), DEV_BALANCE_WEI);
  assert.equal(await provider.getBalance(devnet.accounts[9].address), DEV_BALANCE_WEI);
  // An unknown account has nothing.
  assert.equal(await provider.getBalance(Wallet.createRandom().address), 0n);
});

test("signed ETH transfer with default EIP-1559 fees is mined and moves exactly value + fee", async () => {
  const to = Wallet.createRandom().address;
  const value = parseEther("1.5");
  const before0 = await provider.getBalance(wallet0.address);

  const tx = await wallet0.sendTransaction({ to, value });
  assert.equal(tx.type, 2, "ethers should have built an EIP-1559 transaction");
  assert.equal(tx.chainId, 31337n);
  const receipt = await tx.wait(1, 30_000);

  assert.equal(receipt.status, 1);
  assert.equal(receipt.hash, tx.hash);
  assert.equal(receipt.type, 2);
  assert.equal(receipt.from, wallet0.address);
  assert.equal(receipt.to, to);
  assert.equal(receipt.gasUsed, 21000n);
  assert.ok(receipt.blockNumber > 0, "mined in a block after genesis");
  assert.ok(receipt.gasPrice > 0n, "effectiveGasPrice");
  assert.ok(receipt.gasPrice <= tx.maxFeePerGas, "effectiveGasPrice <= maxFeePerGas");

  assert.equal(await provider.getBalance(to), value);
  const fee = receipt.gasUsed * receipt.gasPrice;
  assert.equal(await provider.getBalance(wallet0.address), before0 - value - fee);

  // The mined transaction is retrievable with its EIP-1559 fields.
  const mined = await provider.getTransaction(tx.hash);
  assert.equal(mined.blockNumber, receipt.blockNumber);
  assert.equal(mined.type, 2);
  assert.equal(mined.maxFeePerGas, tx.maxFeePerGas);
  assert.equal(mined.maxPriorityFeePerGas, tx.maxPriorityFeePerGas);
  assert.equal(mined.value, value);
});

test("deploys Token.json and the runtime code matches the artifact", async () => {
  const { address, receipt } = await deployedToken();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.contractAddress, address);
  assert.equal(await provider.getCode(address), artifact.deployedBytecode);
});

test("calls name / symbol / decimals / totalSupply / balanceOf", async () => {
  const { token } = await deployedToken();
  assert.equal(await token.name(), "Manifold Token");
  assert.equal(await token.symbol(), "MFT");
  assert.equal(await token.decimals(), 18n);
  assert.equal(await token.totalSupply(), SUPPLY);
  assert.equal(await token.balanceOf(wallet0.address), SUPPLY);
  assert.equal(await token.balanceOf(wallet1.address), 0n);
});

test("token transfer is mined, updates balances and its Transfer event is found by eth_getLogs", async () => {
  const { token, address } = await deployedToken();
  const amount = parseUnits("123.45", 18);
  const before0 = await token.balanceOf(wallet0.address);
  const before1 = await token.balanceOf(wallet1.address);

  const tx = await token.transfer(wallet1.address, amount);
  const receipt = await tx.wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(await token.balanceOf(wallet0.address), before0 - amount);
  assert.equal(await token.balanceOf(wallet1.address), before1 + amount);

  // The receipt carries the log.
  assert.equal(receipt.logs.length, 1);
  const fromReceipt = token.interface.parseLog(receipt.logs[0]);
  assert.equal(fromReceipt.name, "Transfer");

  // eth_getLogs filtered by address and the event topic.
  const transferTopic = token.interface.getEvent("Transfer").topicHash;
  const logs = await provider.getLogs({
    address,
    topics: [transferTopic],
    fromBlock: receipt.blockNumber,
    toBlock: receipt.blockNumber,
  });
  assert.equal(logs.length, 1, `expected 1 Transfer log in block ${receipt.blockNumber}`);
  const [log] = logs;
  assert.equal(log.address, address);
  assert.equal(log.transactionHash, receipt.hash);
  assert.equal(log.blockHash, receipt.blockHash);
  assert.equal(log.blockNumber, receipt.blockNumber);
  const parsed = token.interface.parseLog(log);
  assert.equal(parsed.name, "Transfer");
  assert.equal(parsed.args.from, wallet0.address);
  assert.equal(parsed.args.to, wallet1.address);
  assert.equal(parsed.args.value, amount);

  // Filtering on indexed topics, over the whole range from genesis, through ethers' queryFilter:
  // the mint (from 0x0) and this transfer are told apart by the `from` topic.
  const toWallet1 = await token.queryFilter(token.filters.Transfer(wallet0.address, wallet1.address), 0, "latest");
  assert.equal(toWallet1.length, 1);
  assert.equal(toWallet1[0].args.value, amount);
  const mints = await token.queryFilter(token.filters.Transfer("0x0000000000000000000000000000000000000000"), 0, "latest");
  assert.equal(mints.length, 1);
  assert.equal(mints[0].args.to, wallet0.address);
  assert.equal(mints[0].args.value, SUPPLY);
  // A topic that matches nothing returns nothing.
  const none = await provider.getLogs({ address, topics: [transferTopic, null, "0x" + "11".repeat(32)], fromBlock: 0 });
  assert.equal(none.length, 0);
});

function assertRevertReason(err, what) {
  assert.ok(isError(err, "CALL_EXCEPTION"), `${what}: expected CALL_EXCEPTION, got ${err?.code}: ${err?.message}`);
  assert.equal(err.reason, REVERT_REASON, `${what}: error.reason`);
  assert.ok(err.revert, `${what}: error.revert is set`);
  assert.equal(err.revert.name, "Error");
  assert.equal(err.revert.signature, "Error(string)");
  assert.deepEqual([...err.revert.args], [REVERT_REASON]);
  assert.ok(typeof err.data === "string" && err.data.startsWith("0x08c379a0"), `${what}: error.data is the revert data`);
}

test("a reverting eth_call surfaces the revert reason through ethers", async () => {
  const { token } = await deployedToken();
  const balance = await token.balanceOf(wallet0.address);
  await assert.rejects(token.transfer.staticCall(wallet1.address, balance + 1n), (err) => {
    assertRevertReason(err, "eth_call");
    return true;
  });
});

test("a reverting eth_estimateGas surfaces the revert reason through ethers", async () => {
  const { token } = await deployedToken();
  const balance = await token.balanceOf(wallet0.address);
  await assert.rejects(token.transfer.estimateGas(wallet1.address, balance + 1n), (err) => {
    assertRevertReason(err, "eth_estimateGas");
    return true;
  });
  // ...and sending it (which estimates gas first) is refused before anything is signed.
  await assert.rejects(token.transfer(wallet1.address, balance + 1n), (err) => {
    assertRevertReason(err, "send");
    return true;
  });
});

test("a transaction that reverts on chain is mined with status 0", async () => {
  const { token } = await deployedToken();
  const balance = await token.balanceOf(wallet0.address);
  const tx = await token.transfer(wallet1.address, balance + 1n, { gasLimit: 100_000n });
  await assert.rejects(tx.wait(1, 30_000), (err) => {
    assert.ok(isError(err, "CALL_EXCEPTION"), `expected CALL_EXCEPTION, got ${err?.code}`);
    assert.equal(err.receipt.status, 0);
    assert.equal(err.receipt.hash, tx.hash);
    return true;
  });
  assert.equal(await token.balanceOf(wallet0.address), balance, "a reverted transfer changes no balance");
});

test("getBlock('latest') with transactions, and the block that holds a transfer", async () => {
  const tx = await wallet0.sendTransaction({ to: wallet1.address, value: 1n });
  const receipt = await tx.wait(1, 30_000);

  const latest = await provider.getBlock("latest", true);
  assert.ok(latest, "latest block");
  assert.ok(latest.number >= receipt.blockNumber);
  assert.match(latest.hash, /^0x[0-9a-f]{64}$/);
  assert.ok(latest.baseFeePerGas !== null, "EIP-1559 block has baseFeePerGas");
  assert.ok(latest.gasLimit > 0n);
  assert.ok(Array.isArray(latest.prefetchedTransactions));
  assert.equal(latest.prefetchedTransactions.length, latest.transactions.length);

  const block = await provider.getBlock(receipt.blockNumber, true);
  assert.equal(block.hash, receipt.blockHash);
  assert.ok(block.transactions.includes(tx.hash), "block lists the transaction hash");
  const full = block.getPrefetchedTransaction(tx.hash);
  assert.equal(full.from, wallet0.address);
  assert.equal(full.to, wallet1.address);
  assert.equal(full.value, 1n);
  assert.equal(full.type, 2);
  assert.equal(full.blockHash, block.hash);

  // Blocks chain by hash, and by number.
  const parent = await provider.getBlock(block.number - 1);
  assert.equal(block.parentHash, parent.hash);
  assert.ok(block.timestamp >= parent.timestamp);
  const byHash = await provider.getBlock(block.hash);
  assert.equal(byHash.number, block.number);
});

test("pending nonce counts mempool transactions, so back-to-back sends get consecutive nonces", async () => {
  const latestBefore = await provider.getTransactionCount(wallet0.address, "latest");
  const pendingBefore = await provider.getTransactionCount(wallet0.address, "pending");
  assert.equal(pendingBefore, latestBefore, "nothing in flight");
  assert.ok(latestBefore > 0, "earlier tests sent transactions from dev account 0");

  // ethers asks for the "pending" nonce for each send: the second send only gets a fresh
  // nonce if the node counts the first one (acknowledged, maybe not yet mined).
  const a = await wallet0.sendTransaction({ to: wallet1.address, value: 1n });
  const b = await wallet0.sendTransaction({ to: wallet1.address, value: 2n });
  assert.equal(a.nonce, pendingBefore);
  assert.equal(b.nonce, pendingBefore + 1);
  assert.equal(await provider.getTransactionCount(wallet0.address, "pending"), pendingBefore + 2);

  const [ra, rb] = await Promise.all([a.wait(1, 30_000), b.wait(1, 30_000)]);
  assert.equal(ra.status, 1);
  assert.equal(rb.status, 1);
  assert.equal(await provider.getTransactionCount(wallet0.address, "latest"), pendingBefore + 2);
});

test("provider.on('pending') over WebSocket (eth_subscribe newPendingTransactions) hears a sent transaction", async () => {
  const ws = new WebSocketProvider(devnet.wsUrl);
  try {
    // The subscription is live once ethers registers the id the node answered with: wait for
    // that instead of sleeping, so the transaction cannot be sent before anyone listens.
    const registered = new Promise((resolve) => {
      const register = ws._register.bind(ws);
      ws._register = (id, subscriber) => {
        register(id, subscriber);
        resolve(id);
      };
    });
    const heard = [];
    let onSent;
    const sentHeard = new Promise((resolve) => (onSent = resolve));
    let sentHash;
    await ws.on("pending", (hash) => {
      heard.push(hash);
      if (hash === sentHash) onSent(hash);
    });
    await registered;

    const tx = await wallet0.sendTransaction({ to: wallet1.address, value: 3n });
    sentHash = tx.hash;
    // It may have been heard before sendTransaction returned (the node announces it when it
    // returns the hash).
    if (heard.includes(sentHash)) onSent(sentHash);
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no pending notification; heard ${heard}`)), 30_000);
    });
    assert.equal(await Promise.race([sentHeard, timeout]), tx.hash);
    clearTimeout(timer);
    assert.equal((await tx.wait(1, 30_000)).status, 1);
  } finally {
    await ws.destroy();
  }
});

test("an idle chain advances: tx.wait(3) returns once two more blocks are on top", async () => {
  const tx = await wallet0.sendTransaction({ to: wallet1.address, value: 3n });
  // Nothing else is sent: only the empty blocks sealed every block time confirm it.
  const receipt = await tx.wait(3, 30_000);
  assert.equal(receipt.status, 1);
  assert.ok((await provider.getBlockNumber()) >= receipt.blockNumber + 2);
  assert.ok((await receipt.confirmations()) >= 3);
  const next = await provider.getBlock(receipt.blockNumber + 1);
  assert.ok(next.timestamp >= (await provider.getBlock(receipt.blockNumber)).timestamp);
});

test("dev methods through provider.send: evm_increaseTime, evm_mine, anvil_mine", async () => {
  // Manual mining, so that the counted blocks are ours; the first evm_mine lets a tick of
  // interval mining already under way land before them.
  assert.equal(await provider.send("anvil_setIntervalMining", [0]), null);
  await provider.send("evm_mine", []);
  const start = await provider.getBlock("latest");
  const offset = await provider.send("evm_increaseTime", [3600]);
  assert.ok(offset >= 3600, `offset ${offset}`);
  assert.equal(await provider.send("evm_mine", []), "0x0");
  const mined = await provider.getBlock("latest");
  assert.equal(mined.number, start.number + 1);
  assert.ok(mined.timestamp >= start.timestamp + 3600, `${mined.timestamp} vs ${start.timestamp}`);
  assert.equal(await provider.send("anvil_mine", ["0x3", "0x5"]), null);
  const last = await provider.getBlock("latest");
  assert.equal(last.number, start.number + 4);
  const before = await provider.getBlock(last.number - 1);
  assert.equal(last.timestamp - before.timestamp, 5);
  // Back to interval mining for whatever runs next.
  await provider.send("anvil_setIntervalMining", [1]);
});

test("evm_snapshot / evm_revert through provider.send: a token transfer is undone exactly", async () => {
  const { token } = await deployedToken();
  // Manual mining: the head is the snapshot's until the transfer is mined.
  await provider.send("anvil_setIntervalMining", [0]);
  await provider.send("evm_mine", []);
  const state = async () => ({
    head: (await provider.getBlock("latest")).toJSON(),
    tokens: [await token.balanceOf(wallet0.address), await token.balanceOf(wallet1.address)],
    ether: [await provider.getBalance(wallet0.address), await provider.getBalance(wallet1.address)],
    nonce: await provider.getTransactionCount(wallet0.address),
  });
  const before = await state();
  const id = await provider.send("evm_snapshot", []);
  const tx = await token.transfer(wallet1.address, parseUnits("5", 18));
  await provider.send("evm_mine", []);
  assert.equal((await tx.wait()).status, 1);
  const changed = await state();
  assert.notDeepEqual(changed.tokens, before.tokens);
  assert.equal(changed.nonce, before.nonce + 1);

  assert.equal(await provider.send("evm_revert", [id]), true);
  assert.deepEqual(await state(), before);
  assert.equal(await provider.getTransactionReceipt(tx.hash), null);
  assert.equal(await provider.getBlock(before.head.number + 1), null);
  // Used up: a second revert to it answers false.
  assert.equal(await provider.send("evm_revert", [id]), false);
  await provider.send("anvil_setIntervalMining", [1]);
});
