// End-to-end: an ERC-20 written in C for the Stylus WebAssembly ABI (tests/wasm/src/erc20.c, built
// by scripts/build-wasm.sh into tests/wasm/out/erc20.wasm), deployed by ethers v6 with a raw
// contract-creation transaction (no ContractFactory) and driven through the ABI of the Solidity
// Token (tests/contracts/Token.sol) plus its `initialize`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { JsonRpcProvider, Wallet, Contract, Interface, parseUnits, concat, hexlify, toBeHex, zeroPadValue, isError } from "ethers";
import { startDevnet, REPO_ROOT, TOKEN_ARTIFACT, DEV0, DEV1 } from "./devnet.mjs";

const WASM_ARTIFACT = join(REPO_ROOT, "tests", "wasm", "out", "erc20.wasm");
const NAME = "Manifold Wasm Token";
const SYMBOL = "MWT";
const SUPPLY = parseUnits("1000000", 18);
const REVERT_REASON = "ERC20: transfer amount exceeds balance";
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

// Token.sol's ABI, plus the initialize a Stylus contract has instead of a constructor.
const artifact = JSON.parse(readFileSync(TOKEN_ARTIFACT, "utf8"));
const abi = [...artifact.abi, "function initialize(string name_, string symbol_, uint256 initialSupply)"];
const tokenInterface = new Interface(abi);
const wasm = readFileSync(WASM_ARTIFACT);

/** The code a Stylus program is deployed as: magic 0xEFF000, dictionary byte 0 (none), brotli(wasm). */
function stylusCode(module) {
  return concat([new Uint8Array([0xef, 0xf0, 0x00, 0x00]), brotliCompressSync(module)]);
}

/** EVM initcode that returns `code`, appended to it:
 *  PUSH2 len PUSH2 15 PUSH1 0 CODECOPY PUSH2 len PUSH1 0 RETURN (15 bytes), then the code. */
function stylusInitcode(code) {
  const n = (code.length - 2) / 2; // hex string "0x..."
  assert.ok(n <= 0xffff);
  const size = [0x61, n >> 8, n & 0xff]; // PUSH2 len
  const prefix = new Uint8Array([...size, 0x61, 0x00, 15, 0x60, 0x00, 0x39, ...size, 0x60, 0x00, 0xf3]);
  assert.equal(prefix.length, 15);
  return concat([prefix, code]);
}

const pad = (address) => zeroPadValue(address, 32).toLowerCase();

let devnet;
let provider;
let wallet0; // dev account 0: deploys, initializes (so holds the supply) and sends
let wallet1; // dev account 1: receives
let wallet2; // dev account 2: the spender of transferFrom

before(async () => {
  devnet = await startDevnet();
  // As in ethers.test.mjs: fast polling, and no cache of identical requests (stale "pending" nonces).
  provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  wallet0 = new Wallet(DEV0.privateKey, provider);
  wallet1 = new Wallet(DEV1.privateKey, provider);
  wallet2 = new Wallet(devnet.accounts[2].privateKey, provider);
});

after(async () => {
  provider?.destroy();
  await devnet?.stop();
});

// Deployed and initialized once, by the first test that needs it.
let tokenPromise;
function deployedToken() {
  tokenPromise ??= (async () => {
    const code = stylusCode(wasm);
    // A raw creation transaction: ethers fills in the nonce, the EIP-1559 fees and the gas
    // (eth_estimateGas of the deployment).
    const tx = await wallet0.sendTransaction({ data: stylusInitcode(code) });
    assert.equal(tx.to, null, "a contract creation");
    const deployed = await tx.wait(1, 30_000);
    assert.equal(deployed.status, 1);
    assert.ok(deployed.contractAddress, "receipt.contractAddress");
    assert.ok(deployed.gasUsed <= tx.gasLimit);
    const token = new Contract(deployed.contractAddress, abi, wallet0);
    const initialized = await (await token.initialize(NAME, SYMBOL, SUPPLY)).wait(1, 30_000);
    assert.equal(initialized.status, 1);
    return { token, address: deployed.contractAddress, code, tx, deployed, initialized };
  })();
  return tokenPromise;
}

test("deploys the Stylus program with a raw creation transaction; eth_getCode starts with 0xeff000", async () => {
  const { address, code, tx } = await deployedToken();
  assert.ok(tx.gasLimit > 21000n, "ethers estimated the deployment's gas");
  const onChain = await provider.getCode(address);
  assert.ok(onChain.startsWith("0xeff000"), onChain.slice(0, 10));
  assert.equal(onChain, hexlify(code), "eth_getCode returns what the initcode returned");
});

test("initialize mints the supply to its caller, and only once", async () => {
  const { token, address, initialized } = await deployedToken();
  assert.equal(initialized.logs.length, 1);
  const minted = tokenInterface.parseLog(initialized.logs[0]);
  assert.equal(initialized.logs[0].address, address);
  assert.equal(minted.name, "Transfer");
  assert.equal(minted.args.from, ZERO_ADDRESS);
  assert.equal(minted.args.to, wallet0.address);
  assert.equal(minted.args.value, SUPPLY);
  await assert.rejects(token.initialize.staticCall("again", "X", 1n), (err) => {
    assert.ok(isError(err, "CALL_EXCEPTION"), `expected CALL_EXCEPTION, got ${err?.code}`);
    assert.equal(err.reason, "already initialized");
    return true;
  });
});

test("calls name / symbol / decimals / totalSupply / balanceOf / allowance", async () => {
  const { token } = await deployedToken();
  assert.equal(await token.name(), NAME);
  assert.equal(await token.symbol(), SYMBOL);
  assert.equal(await token.decimals(), 18n);
  assert.equal(await token.totalSupply(), SUPPLY);
  assert.equal(await token.balanceOf(wallet0.address), SUPPLY);
  assert.equal(await token.balanceOf(wallet1.address), 0n);
  assert.equal(await token.allowance(wallet0.address, wallet1.address), 0n);
});

test("transfer is mined, updates balances, and its Transfer event is in the receipt and found by getLogs and queryFilter", async () => {
  const { token, address } = await deployedToken();
  const amount = parseUnits("123.45", 18);
  const before0 = await token.balanceOf(wallet0.address);
  const before1 = await token.balanceOf(wallet1.address);

  const tx = await token.transfer(wallet1.address, amount);
  const receipt = await tx.wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(await token.balanceOf(wallet0.address), before0 - amount);
  assert.equal(await token.balanceOf(wallet1.address), before1 + amount);
  assert.equal(await token.totalSupply(), SUPPLY);

  // The receipt's log, parsed with the Token ABI.
  assert.equal(receipt.logs.length, 1);
  const [raw] = receipt.logs;
  assert.equal(raw.address, address);
  const transferTopic = tokenInterface.getEvent("Transfer").topicHash;
  assert.deepEqual([...raw.topics], [transferTopic, pad(wallet0.address), pad(wallet1.address)]);
  assert.equal(raw.data, toBeHex(amount, 32));
  const parsed = tokenInterface.parseLog(raw);
  assert.equal(parsed.name, "Transfer");
  assert.equal(parsed.args.from, wallet0.address);
  assert.equal(parsed.args.to, wallet1.address);
  assert.equal(parsed.args.value, amount);

  // eth_getLogs filtered by address and the event topic.
  const logs = await provider.getLogs({
    address,
    topics: [transferTopic],
    fromBlock: receipt.blockNumber,
    toBlock: receipt.blockNumber,
  });
  assert.equal(logs.length, 1, `expected 1 Transfer log in block ${receipt.blockNumber}`);
  assert.equal(logs[0].transactionHash, receipt.hash);
  assert.equal(logs[0].blockHash, receipt.blockHash);
  assert.equal(logs[0].index, raw.index);
  assert.deepEqual(tokenInterface.parseLog(logs[0]).args.toArray(), [wallet0.address, wallet1.address, amount]);

  // queryFilter over the whole chain: the mint (from 0x0) and this transfer, told apart by topic.
  const toWallet1 = await token.queryFilter(token.filters.Transfer(wallet0.address, wallet1.address), 0, "latest");
  assert.deepEqual(
    toWallet1.map((e) => [e.transactionHash, e.args.value]),
    [[receipt.hash, amount]],
  );
  const mints = await token.queryFilter(token.filters.Transfer(ZERO_ADDRESS), 0, "latest");
  assert.equal(mints.length, 1);
  assert.equal(mints[0].args.to, wallet0.address);
  assert.equal(mints[0].args.value, SUPPLY);
  const all = await token.queryFilter("Transfer", 0, "latest");
  assert.deepEqual(
    all.map((e) => e.args.from),
    [ZERO_ADDRESS, wallet0.address],
  );
});

test("estimateGas of a transfer is enough for it to succeed", async () => {
  const { token } = await deployedToken();
  const amount = parseUnits("3", 18);
  const gas = await token.transfer.estimateGas(wallet1.address, amount);
  assert.ok(gas > 21000n && gas < 30_000_000n, `estimate ${gas}`);
  const before1 = await token.balanceOf(wallet1.address);
  const receipt = await (await token.transfer(wallet1.address, amount, { gasLimit: gas })).wait(1, 30_000);
  assert.equal(receipt.status, 1, `a transfer with estimateGas's ${gas} gas failed`);
  assert.ok(receipt.gasUsed <= gas);
  assert.equal(await token.balanceOf(wallet1.address), before1 + amount);
});

function assertRevertReason(err, what, reason = REVERT_REASON) {
  assert.ok(isError(err, "CALL_EXCEPTION"), `${what}: expected CALL_EXCEPTION, got ${err?.code}: ${err?.message}`);
  assert.equal(err.reason, reason, `${what}: error.reason`);
  assert.ok(err.revert, `${what}: error.revert is set`);
  assert.equal(err.revert.signature, "Error(string)");
  assert.deepEqual([...err.revert.args], [reason]);
  assert.ok(typeof err.data === "string" && err.data.startsWith("0x08c379a0"), `${what}: error.data is the revert data`);
}

test("a transfer beyond the balance: eth_call and estimateGas revert with the reason; sent, it is mined with status 0", async () => {
  const { token } = await deployedToken();
  const balance = await token.balanceOf(wallet0.address);
  await assert.rejects(token.transfer.staticCall(wallet1.address, balance + 1n), (err) => {
    assertRevertReason(err, "eth_call");
    return true;
  });
  await assert.rejects(token.transfer.estimateGas(wallet1.address, balance + 1n), (err) => {
    assertRevertReason(err, "eth_estimateGas");
    return true;
  });

  const gasLimit = 500_000n;
  const tx = await token.transfer(wallet1.address, balance + 1n, { gasLimit });
  await assert.rejects(tx.wait(1, 30_000), (err) => {
    assert.ok(isError(err, "CALL_EXCEPTION"), `expected CALL_EXCEPTION, got ${err?.code}`);
    assert.equal(err.receipt.status, 0);
    assert.equal(err.receipt.hash, tx.hash);
    assert.ok(err.receipt.gasUsed < gasLimit, "a revert returns the unused gas");
    assert.equal(err.receipt.logs.length, 0);
    return true;
  });
  assert.equal(await token.balanceOf(wallet0.address), balance, "a reverted transfer changes no balance");
});

test("approve, then transferFrom by the spender", async () => {
  const { token } = await deployedToken();
  const allowance = parseUnits("1000", 18);
  const amount = parseUnits("400", 18);
  const approved = await (await token.approve(wallet2.address, allowance)).wait(1, 30_000);
  assert.equal(approved.status, 1);
  const approval = tokenInterface.parseLog(approved.logs[0]);
  assert.equal(approval.name, "Approval");
  assert.deepEqual(approval.args.toArray(), [wallet0.address, wallet2.address, allowance]);
  assert.equal(await token.allowance(wallet0.address, wallet2.address), allowance);

  const asSpender = token.connect(wallet2);
  await assert.rejects(asSpender.transferFrom.staticCall(wallet0.address, wallet1.address, allowance + 1n), (err) => {
    assertRevertReason(err, "transferFrom beyond the allowance", "ERC20: insufficient allowance");
    return true;
  });

  const before0 = await token.balanceOf(wallet0.address);
  const before1 = await token.balanceOf(wallet1.address);
  const receipt = await (await asSpender.transferFrom(wallet0.address, wallet1.address, amount)).wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(await token.allowance(wallet0.address, wallet2.address), allowance - amount);
  assert.equal(await token.balanceOf(wallet0.address), before0 - amount);
  assert.equal(await token.balanceOf(wallet1.address), before1 + amount);
  assert.equal(await token.balanceOf(wallet2.address), 0n);
  // Approval (the allowance left), then Transfer, as Token.sol emits them.
  const events = receipt.logs.map((log) => tokenInterface.parseLog(log));
  assert.deepEqual(
    events.map((e) => [e.name, ...e.args.toArray()]),
    [
      ["Approval", wallet0.address, wallet2.address, allowance - amount],
      ["Transfer", wallet0.address, wallet1.address, amount],
    ],
  );
});
