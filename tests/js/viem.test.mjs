// End-to-end: the Manifold devnet driven by viem v2, with its default behaviour
// (EIP-1559 fee estimation, nonce from "pending", its own revert decoding).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  parseUnits,
  getAddress,
  getAbiItem,
  toEventSelector,
  decodeEventLog,
  BaseError,
  ContractFunctionRevertedError,
  ContractFunctionExecutionError,
} from "viem";
import { privateKeyToAccount, mnemonicToAccount, generatePrivateKey } from "viem/accounts";
import { startDevnet, TOKEN_ARTIFACT, DEV0, DEV1, DEV_BALANCE_WEI } from "./devnet.mjs";

const MNEMONIC = "test test test test test test test test test test test junk";
const REVERT_REASON = "ERC20: transfer amount exceeds balance";
const SUPPLY = parseUnits("1000000", 18);
const artifact = JSON.parse(readFileSync(TOKEN_ARTIFACT, "utf8"));
const abi = artifact.abi;

let devnet;
let chain;
let publicClient;
let walletClient; // dev account 0
const account0 = privateKeyToAccount(DEV0.privateKey);
const account1 = privateKeyToAccount(DEV1.privateKey);
const randomAddress = () => privateKeyToAccount(generatePrivateKey()).address;

before(async () => {
  devnet = await startDevnet();
  chain = defineChain({
    id: devnet.chainId,
    name: "Manifold devnet",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [devnet.rpcUrl], webSocket: [devnet.wsUrl] } },
  });
  const transport = http(devnet.rpcUrl, { timeout: 30_000 });
  publicClient = createPublicClient({ chain, transport, pollingInterval: 100 });
  walletClient = createWalletClient({ chain, transport, account: account0, pollingInterval: 100 });
});

after(async () => {
  await devnet?.stop();
});

const waitReceipt = (hash) => publicClient.waitForTransactionReceipt({ hash, timeout: 30_000 });

let tokenPromise;
function deployedToken() {
  tokenPromise ??= (async () => {
    const hash = await walletClient.deployContract({
      abi,
      bytecode: artifact.bytecode,
      args: ["Manifold Token", "MFT", SUPPLY],
    });
    const receipt = await waitReceipt(hash);
    assert.equal(receipt.status, "success", "deployment succeeded");
    assert.ok(receipt.contractAddress, "receipt.contractAddress is set");
    return { address: receipt.contractAddress, receipt };
  })();
  return tokenPromise;
}

test("ready line lists the 10 dev accounts of the test mnemonic", () => {
  assert.equal(devnet.accounts.length, 10);
  devnet.accounts.forEach((acct, i) => {
    const derived = mnemonicToAccount(MNEMONIC, { addressIndex: i });
    assert.equal(getAddress(acct.address), derived.address, `account ${i}`);
    assert.equal(privateKeyToAccount(acct.privateKey).address, derived.address, `account ${i} key`);
  });
});

test("getChainId is 31337", async () => {
  assert.equal(await publicClient.getChainId(), 31337);
  assert.equal(devnet.chainId, 31337);
});

test("dev accounts are funded with 10,000 ETH", async () => {
  assert.equal(await publicClient.getBalance({ address: account1.address }), DEV_BALANCE_WEI);
  assert.equal(await publicClient.getBalance({ address: getAddress(devnet.accounts[9].address) }), DEV_BALANCE_WEI);
  assert.equal(await publicClient.getBalance({ address: randomAddress() }), 0n);
});

test("signed ETH transfer with default EIP-1559 fees is mined and moves exactly value + fee", async () => {
  const to = randomAddress();
  const value = parseEther("2.25");
  const before0 = await publicClient.getBalance({ address: account0.address });

  const hash = await walletClient.sendTransaction({ to, value });
  const receipt = await waitReceipt(hash);
  assert.equal(receipt.status, "success");
  assert.equal(receipt.type, "eip1559");
  assert.equal(receipt.transactionHash, hash);
  assert.equal(getAddress(receipt.from), account0.address);
  assert.equal(getAddress(receipt.to), to);
  assert.equal(receipt.gasUsed, 21000n);
  assert.ok(receipt.effectiveGasPrice > 0n);

  assert.equal(await publicClient.getBalance({ address: to }), value);
  const fee = receipt.gasUsed * receipt.effectiveGasPrice;
  assert.equal(await publicClient.getBalance({ address: account0.address }), before0 - value - fee);

  const tx = await publicClient.getTransaction({ hash });
  assert.equal(tx.type, "eip1559");
  assert.equal(tx.chainId, 31337);
  assert.equal(tx.blockNumber, receipt.blockNumber);
  assert.equal(tx.value, value);
  assert.ok(tx.maxFeePerGas >= receipt.effectiveGasPrice);
});

test("deploys Token.json and the runtime code matches the artifact", async () => {
  const { address } = await deployedToken();
  assert.equal(await publicClient.getCode({ address }), artifact.deployedBytecode);
});

test("reads name / symbol / decimals / totalSupply / balanceOf", async () => {
  const { address } = await deployedToken();
  const read = (functionName, args = []) => publicClient.readContract({ address, abi, functionName, args });
  assert.equal(await read("name"), "Manifold Token");
  assert.equal(await read("symbol"), "MFT");
  assert.equal(await read("decimals"), 18);
  assert.equal(await read("totalSupply"), SUPPLY);
  assert.equal(await read("balanceOf", [account0.address]), SUPPLY);
  assert.equal(await read("balanceOf", [account1.address]), 0n);
});

test("token transfer is mined, updates balances and its Transfer event is found by eth_getLogs", async () => {
  const { address } = await deployedToken();
  const amount = parseUnits("42.5", 18);
  const balanceOf = (who) => publicClient.readContract({ address, abi, functionName: "balanceOf", args: [who] });
  const before0 = await balanceOf(account0.address);
  const before1 = await balanceOf(account1.address);

  const hash = await walletClient.writeContract({ address, abi, functionName: "transfer", args: [account1.address, amount] });
  const receipt = await waitReceipt(hash);
  assert.equal(receipt.status, "success");
  assert.equal(await balanceOf(account0.address), before0 - amount);
  assert.equal(await balanceOf(account1.address), before1 + amount);
  assert.equal(receipt.logs.length, 1);

  // Raw eth_getLogs filtered by address and the Transfer topic, decoded by viem.
  const transferEvent = getAbiItem({ abi, name: "Transfer" });
  const topic0 = toEventSelector(transferEvent);
  const raw = await publicClient.request({
    method: "eth_getLogs",
    params: [{ address, topics: [topic0], fromBlock: `0x${receipt.blockNumber.toString(16)}`, toBlock: `0x${receipt.blockNumber.toString(16)}` }],
  });
  assert.equal(raw.length, 1, `expected 1 Transfer log in block ${receipt.blockNumber}`);
  assert.equal(raw[0].transactionHash, hash);
  assert.equal(raw[0].blockHash, receipt.blockHash);
  const decoded = decodeEventLog({ abi, data: raw[0].data, topics: raw[0].topics });
  assert.equal(decoded.eventName, "Transfer");
  assert.equal(decoded.args.from, account0.address);
  assert.equal(decoded.args.to, account1.address);
  assert.equal(decoded.args.value, amount);

  // viem's typed getLogs with indexed-argument filters over the whole chain.
  const logs = await publicClient.getLogs({
    address,
    event: transferEvent,
    args: { from: account0.address, to: account1.address },
    fromBlock: 0n,
    toBlock: "latest",
  });
  assert.equal(logs.length, 1);
  assert.equal(logs[0].transactionHash, hash);
  assert.equal(logs[0].blockNumber, receipt.blockNumber);
  assert.equal(logs[0].args.value, amount);

  // getContractEvents tells the mint (from 0x0) apart by topic.
  const mints = await publicClient.getContractEvents({
    address,
    abi,
    eventName: "Transfer",
    args: { from: "0x0000000000000000000000000000000000000000" },
    fromBlock: 0n,
  });
  assert.equal(mints.length, 1);
  assert.equal(mints[0].args.to, account0.address);
  assert.equal(mints[0].args.value, SUPPLY);
});

function assertReverted(err, what) {
  assert.ok(err instanceof BaseError, `${what}: expected a viem BaseError, got ${err}`);
  assert.ok(err instanceof ContractFunctionExecutionError, `${what}: expected ContractFunctionExecutionError, got ${err.name}: ${err.message}`);
  const reverted = err.walk((e) => e instanceof ContractFunctionRevertedError);
  assert.ok(reverted, `${what}: no ContractFunctionRevertedError in the cause chain of: ${err.message}`);
  assert.equal(reverted.reason, REVERT_REASON, `${what}: reason`);
  assert.equal(reverted.data?.errorName, "Error", `${what}: decoded revert data`);
  assert.deepEqual(reverted.data?.args, [REVERT_REASON]);
}

test("a reverting eth_call surfaces ContractFunctionRevertedError with the reason", async () => {
  const { address } = await deployedToken();
  const balance = await publicClient.readContract({ address, abi, functionName: "balanceOf", args: [account0.address] });
  await assert.rejects(
    publicClient.simulateContract({ account: account0, address, abi, functionName: "transfer", args: [account1.address, balance + 1n] }),
    (err) => {
      assertReverted(err, "simulateContract (eth_call)");
      return true;
    },
  );
});

test("a reverting eth_estimateGas surfaces ContractFunctionRevertedError with the reason", async () => {
  const { address } = await deployedToken();
  const balance = await publicClient.readContract({ address, abi, functionName: "balanceOf", args: [account0.address] });
  await assert.rejects(
    publicClient.estimateContractGas({ account: account0, address, abi, functionName: "transfer", args: [account1.address, balance + 1n] }),
    (err) => {
      assertReverted(err, "estimateContractGas");
      return true;
    },
  );
});

test("getBlock('latest') with transactions, and the block that holds a transfer", async () => {
  const hash = await walletClient.sendTransaction({ to: account1.address, value: 1n });
  const receipt = await waitReceipt(hash);

  const latest = await publicClient.getBlock({ blockTag: "latest", includeTransactions: true });
  assert.ok(latest.number >= receipt.blockNumber);
  assert.match(latest.hash, /^0x[0-9a-f]{64}$/);
  assert.equal(typeof latest.baseFeePerGas, "bigint", "EIP-1559 block has baseFeePerGas");
  assert.ok(Array.isArray(latest.transactions));
  for (const t of latest.transactions) assert.equal(typeof t, "object", "full transaction objects");

  const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
  assert.equal(block.hash, receipt.blockHash);
  const full = block.transactions.find((t) => t.hash === hash);
  assert.ok(full, "block contains the transaction");
  assert.equal(getAddress(full.from), account0.address);
  assert.equal(getAddress(full.to), account1.address);
  assert.equal(full.value, 1n);
  assert.equal(full.type, "eip1559");
  assert.equal(full.blockHash, block.hash);
  assert.equal(full.blockNumber, block.number);

  const parent = await publicClient.getBlock({ blockNumber: block.number - 1n });
  assert.equal(block.parentHash, parent.hash);
  const byHash = await publicClient.getBlock({ blockHash: block.hash });
  assert.equal(byHash.number, block.number);
  assert.equal(await publicClient.getBlockTransactionCount({ blockHash: block.hash }), block.transactions.length);
});

test("pending nonce counts mempool transactions, so back-to-back sends get consecutive nonces", async () => {
  const latestBefore = await publicClient.getTransactionCount({ address: account0.address, blockTag: "latest" });
  const pendingBefore = await publicClient.getTransactionCount({ address: account0.address, blockTag: "pending" });
  assert.equal(pendingBefore, latestBefore, "nothing in flight");
  assert.ok(latestBefore > 0);

  // viem reads the "pending" nonce for each send when no nonce manager is configured.
  const a = await walletClient.sendTransaction({ to: account1.address, value: 1n });
  const b = await walletClient.sendTransaction({ to: account1.address, value: 2n });
  assert.equal(await publicClient.getTransactionCount({ address: account0.address, blockTag: "pending" }), pendingBefore + 2);
  const [ra, rb] = await Promise.all([waitReceipt(a), waitReceipt(b)]);
  assert.equal(ra.status, "success");
  assert.equal(rb.status, "success");
  const [ta, tb] = await Promise.all([publicClient.getTransaction({ hash: a }), publicClient.getTransaction({ hash: b })]);
  assert.equal(ta.nonce, pendingBefore);
  assert.equal(tb.nonce, pendingBefore + 1);
  assert.equal(await publicClient.getTransactionCount({ address: account0.address, blockTag: "latest" }), pendingBefore + 2);
});
