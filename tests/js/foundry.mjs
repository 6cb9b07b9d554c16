// Foundry's `cast` and `anvil` for the end-to-end tests: the Linux x64 binaries that the npm
// packages @foundry-rs/cast-linux-amd64 and @foundry-rs/anvil-linux-amd64 ship (devDependencies
// of tests/js, installed by `npm ci`, which scripts/test.sh runs).
//
//   await cast(["call", token, "balanceOf(address)(uint256)", holder, "--rpc-url", url]);
//   const fork = await startAnvil(["--fork-url", devnet.rpcUrl]);   // fork.rpcUrl
//   await fork.stop();
//
// Both run in a fresh temporary directory (no foundry.toml of the checkout is picked up) with
// FOUNDRY_OFFLINE=true: nothing here may reach the network beyond the RPC URLs it is given
// (cast would otherwise look unknown selectors up in online signature databases).
import { spawn, execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const here = dirname(fileURLToPath(import.meta.url));
export const ANVIL_READY_TIMEOUT_MS = 30_000;
export const CAST_TIMEOUT_MS = 60_000;

/** Path of Foundry tool `name` (`cast`, `anvil`) as its npm package installs it. */
export function foundryBin(name) {
  const pkg = `@foundry-rs/${name}-linux-amd64`;
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(`${pkg} ships a Linux x64 binary; this is ${process.platform}/${process.arch}`);
  }
  const bin = join(here, "node_modules", pkg, "bin", name);
  if (!existsSync(bin)) {
    throw new Error(`${name} not found at ${bin}: run \`npm ci\` in tests/js (scripts/test.sh does)`);
  }
  return bin;
}

// One scratch directory per process, the working directory and HOME of every Foundry run.
let scratch;
function foundryEnv() {
  if (!scratch) {
    scratch = mkdtempSync(join(tmpdir(), "manifold-foundry-"));
    process.once("exit", () => rmSync(scratch, { recursive: true, force: true }));
  }
  return {
    cwd: scratch,
    env: { ...process.env, HOME: scratch, FOUNDRY_OFFLINE: "true", NO_COLOR: "1" },
  };
}

/** Runs `cast ARGS`; resolves to its stdout (trimmed), rejects with stdout and stderr. */
export function cast(args, { timeoutMs = CAST_TIMEOUT_MS } = {}) {
  const bin = foundryBin("cast");
  return new Promise((resolve, reject) => {
    execFile(bin, args, { ...foundryEnv(), timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) {
        reject(
          new Error(
            `cast ${args.join(" ")} failed (${error.code ?? error.signal}):\n` +
              `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
          ),
        );
      } else {
        resolve(stdout.trim());
      }
    });
  });
}

/**
 * Starts `anvil --port 0 ARGS` and resolves once it prints "Listening on HOST:PORT" (30 s at
 * most). Returns `{rpcUrl, output(), stop()}`; `output()` is everything anvil printed so far.
 */
export async function startAnvil(args, { timeoutMs = ANVIL_READY_TIMEOUT_MS } = {}) {
  const bin = foundryBin("anvil");
  const fullArgs = ["--port", "0", ...args];
  const child = spawn(bin, fullArgs, { ...foundryEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise((res) => child.once("exit", (code, signal) => res({ code, signal })));
  const fail = (why) => {
    child.kill("SIGKILL");
    return new Error(`anvil did not start: ${why}\ncommand: ${bin} ${fullArgs.join(" ")}\n${output}`);
  };

  let timer;
  const rpcUrl = await new Promise((res, rej) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      output += line + "\n";
      const listening = /^Listening on (\S+:\d+)$/.exec(line.trim());
      if (listening) res(`http://${listening[1]}`);
    });
    child.once("error", (e) => rej(fail(`spawn failed: ${e.message}`)));
    exited.then(({ code, signal }) => rej(fail(`exited early (code ${code}, signal ${signal})`)));
    timer = setTimeout(() => rej(fail(`no "Listening on" line within ${timeoutMs} ms`)), timeoutMs);
  }).finally(() => clearTimeout(timer));

  return {
    rpcUrl,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killTimer);
      }
    },
  };
}
