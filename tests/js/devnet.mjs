// Starts a throw-away Manifold devnet for one test file and stops it afterwards.
//
//   const devnet = await startDevnet();   // waits for the node's JSON "ready" line
//   devnet.rpcUrl, devnet.chainId, devnet.accounts[i].{address, privateKey}
//   devnet.solanaRpcUrl, devnet.solanaWsUrl, devnet.solanaKeypairs[i] (base58 secret keys)
//   await devnet.stop();                  // SIGTERM, then SIGKILL; removes the data dir
//
// The binary is $MANIFOLD_BIN, default <repo>/target/debug/manifold. The node is run as
//   manifold devnet --data-dir <tmp> --rpc-port 0 --json
// and prints exactly one line of JSON on stdout once it is serving; nothing here sleeps:
// we wait for that line (60 s at most) and fail with the node's stderr otherwise.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, "..", "..");
export const TOKEN_ARTIFACT = join(REPO_ROOT, "tests", "contracts", "out", "Token.json");

/** The first dev account of the mnemonic "test test ... junk" (index 0). */
export const DEV0 = {
  address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  privateKey: "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
};
/** The second dev account (index 1) of the same mnemonic. */
export const DEV1 = {
  address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  privateKey: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
};
export const DEV_BALANCE_WEI = 10_000n * 10n ** 18n;
export const READY_TIMEOUT_MS = 60_000;

export function manifoldBin() {
  const bin = process.env.MANIFOLD_BIN
    ? resolve(REPO_ROOT, process.env.MANIFOLD_BIN)
    : join(REPO_ROOT, "target", "debug", "manifold");
  if (!existsSync(bin)) {
    throw new Error(`manifold binary not found at ${bin}: run \`cargo build -p devnet\` or set MANIFOLD_BIN`);
  }
  return bin;
}

export async function startDevnet({ extraArgs = [], timeoutMs = READY_TIMEOUT_MS } = {}) {
  const bin = manifoldBin();
  const dataDir = mkdtempSync(join(tmpdir(), "manifold-js-"));
  const args = ["devnet", "--data-dir", dataDir, "--rpc-port", "0", "--json", ...extraArgs];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (process.env.MANIFOLD_LOG) process.stderr.write(chunk);
  });
  const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
  const stdoutLines = [];

  const cleanup = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  };
  const fail = (why) => {
    cleanup();
    return new Error(
      `manifold devnet did not become ready: ${why}\n` +
        `command: ${bin} ${args.join(" ")}\n` +
        `--- stdout ---\n${stdoutLines.join("\n")}\n--- stderr ---\n${stderr}`,
    );
  };

  let timer;
  const info = await new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      stdoutLines.push(line);
      const trimmed = line.trim();
      if (!trimmed.startsWith("{")) return;
      let parsed;
      try {
        parsed = JSON.parse(trimmed);
      } catch {
        return;
      }
      if (parsed && typeof parsed.rpc_url === "string") res(parsed);
    });
    child.once("error", (e) => rej(fail(`spawn failed: ${e.message}`)));
    exited.then(({ code, signal }) => rej(fail(`exited early (code ${code}, signal ${signal})`)));
    timer = setTimeout(() => rej(fail(`no JSON ready line on stdout within ${timeoutMs} ms`)), timeoutMs);
  }).finally(() => clearTimeout(timer));

  let stopped = false;
  return {
    rpcUrl: info.rpc_url,
    wsUrl: info.ws_url,
    chainId: info.chain_id,
    dataDir: info.data_dir,
    accounts: (info.accounts ?? []).map((a) => ({ address: a.address, privateKey: a.private_key })),
    solanaRpcUrl: info.solana_rpc_url,
    solanaWsUrl: info.solana_ws_url,
    solanaKeypairs: info.solana_keypairs ?? [],
    info,
    process: child,
    stderr: () => stderr,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killTimer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
