// End-to-end with ethers v6 and @solana/web3.js: one transaction across Manifold's three VMs.
// tests/contracts/CrossVm.sol moves tokens of the WebAssembly ERC-20 (tests/wasm/out/erc20.wasm),
// pays lamports from its own Solana address to a Solana account through the Solana precompile
// (0x…0500, the System program's Transfer) and calls back into the EVM. When the last step fails,
// the WASM tokens, the Solana account and the EVM state are as before and the sender still pays
// the gas; when it succeeds, all three changed. The Solana side is read with @solana/web3.js.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { JsonRpcProvider, Wallet, Contract, ContractFactory, concat, getBytes, isError } from "ethers";
import { Connection, PublicKey } from "@solana/web3.js";
import { startDevnet, REPO_ROOT, TOKEN_ARTIFACT, DEV0 } from "./devnet.mjs";

const GWEI = 10n ** 9n;
const SOL = 1_000_000_000n; // lamports: a new system account must be rent-exempt
const SOLANA_RECIPIENT = new Uint8Array(32).fill(0x3c);
const RECIPIENT = "0x" + "77".repeat(20);

const tokenAbi = [
  ...JSON.parse(readFileSync(TOKEN_ARTIFACT, "utf8")).abi,
  "function initialize(string name_, string symbol_, uint256 initialSupply)",
];
const crossVm = JSON.parse(readFileSync(join(REPO_ROOT, "tests", "contracts", "out", "CrossVm.json"), "utf8"));
const wasm = readFileSync(join(REPO_ROOT, "tests", "wasm", "out", "erc20.wasm"));

/** Init code returning the Stylus deployed form (0xEFF000, dictionary 0, brotli(wasm)). */
function stylusInitcode(module) {
  const code = concat([new Uint8Array([0xef, 0xf0, 0x00, 0x00]), brotliCompressSync(module)]);
  const n = getBytes(code).length;
  const size = [0x61, n >> 8, n & 0xff];
  return concat([new Uint8Array([...size, 0x61, 0x00, 15, 0x60, 0x00, 0x39, ...size, 0x60, 0x00, 0xf3]), code]);
}

let devnet, provider, wallet, solana, token, cross;

before(async () => {
  devnet = await startDevnet();
  provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { pollingInterval: 100, cacheTimeout: -1 });
  wallet = new Wallet(DEV0.privateKey, provider);
  solana = new Connection(devnet.solanaRpcUrl, "confirmed");
  const deployed = await (await wallet.sendTransaction({ data: stylusInitcode(wasm) })).wait(1, 30_000);
  token = new Contract(deployed.contractAddress, tokenAbi, wallet);
  await (await token.initialize("Wasm", "WSM", 10n ** 24n)).wait(1, 30_000);
  const factory = new ContractFactory(crossVm.abi, crossVm.bytecode, wallet);
  cross = await factory.deploy();
  await cross.waitForDeployment();
  await (await token.transfer(await cross.getAddress(), 1_000n)).wait(1, 30_000);
});

after(async () => {
  provider?.destroy();
  await devnet?.stop();
});

const run = (failLast, overrides = {}) =>
  cross.run(token.target, RECIPIENT, 100n, SOLANA_RECIPIENT, SOL, failLast, { value: 2n * SOL * GWEI, ...overrides });

test("a failed last step rolls back the WASM tokens, the Solana account and the EVM state; gas is charged", async () => {
  await assert.rejects(
    cross.run.staticCall(token.target, RECIPIENT, 100n, SOLANA_RECIPIENT, SOL, true, { value: 2n * SOL * GWEI }),
    (e) => isError(e, "CALL_EXCEPTION") && e.reason === "last step failed",
  );
  const before = await provider.getBalance(wallet.address);
  const tx = await run(true, { gasLimit: 500_000n });
  // ethers' wait() throws CALL_EXCEPTION for a reverted transaction, with its receipt.
  const receipt = await tx.wait(1, 30_000).catch((e) => e.receipt);
  assert.equal(receipt.status, 0);
  assert.ok(receipt.gasUsed > 60_000n, `gas used ${receipt.gasUsed}`);
  assert.equal(await provider.getBalance(wallet.address), before - receipt.gasUsed * receipt.gasPrice);
  assert.equal(await token.balanceOf(RECIPIENT), 0n);
  assert.equal(await token.balanceOf(cross.target), 1_000n);
  assert.equal(await solana.getBalance(new PublicKey(SOLANA_RECIPIENT)), 0);
  assert.equal(await cross.completed(), 0n);
  assert.equal(await provider.getBalance(cross.target), 0n);
});

test("a successful run changes all three VMs, and the contract's Solana address is its account id", async () => {
  const receipt = await (await run(false)).wait(1, 30_000);
  assert.equal(receipt.status, 1);
  assert.equal(await token.balanceOf(RECIPIENT), 100n);
  assert.equal(await token.balanceOf(cross.target), 900n);
  assert.equal(BigInt(await solana.getBalance(new PublicKey(SOLANA_RECIPIENT))), SOL);
  assert.equal(await cross.completed(), 1n);
  const own = getBytes(await cross.solanaAddress());
  assert.deepEqual(own, getBytes(concat([new Uint8Array(12), cross.target])));
  assert.equal(await provider.getBalance(cross.target), SOL * GWEI);
  assert.equal(BigInt(await solana.getBalance(new PublicKey(own))), SOL);
});
