// Compiles the contracts of tests/contracts (Token.sol, Relay.sol of the tracing tests, CrossVm.sol of the cross-VM tests, and
// Counter.sol and Pool.sol of the parallel execution benchmark) with solc-js (the npm `solc` package, whose compiler ships
// inside the package: nothing is downloaded) and writes, for each,
// tests/contracts/out/<Name>.json = {abi, bytecode, deployedBytecode, solcVersion}.
//
// Run from anywhere; it resolves `solc` from tests/js/node_modules:
//   (cd tests/js && npm ci) && node tests/contracts/build.mjs
// `--check` compiles and fails if any out/<Name>.json differs from the result (for CI).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "js", "package.json"));
const solc = require("solc");

// Each source is compiled on its own, so adding a contract never changes another's artifact.
const CONTRACTS = [
  ["Token.sol", "Token"],
  ["Counter.sol", "Counter"],
  ["Pool.sol", "Pool"],
  ["Relay.sol", "Relay"],
  ["CrossVm.sol", "CrossVm"],
];

function compile(SOURCE, CONTRACT) {
  const input = {
    language: "Solidity",
    sources: { [SOURCE]: { content: readFileSync(join(here, SOURCE), "utf8") } },
    settings: {
      evmVersion: "cancun",
      optimizer: { enabled: true, runs: 200 },
      // Keep the output byte-for-byte reproducible regardless of the file's location.
      metadata: { bytecodeHash: "none" },
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };

  // No import callback: the contracts are self-contained, and any import would be an error.
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  for (const e of output.errors ?? []) console.error(e.formattedMessage);
  if (errors.length > 0) {
    console.error(`solc: ${errors.length} error(s) compiling ${SOURCE}`);
    process.exit(1);
  }

  const c = output.contracts[SOURCE][CONTRACT];
  return {
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    deployedBytecode: "0x" + c.evm.deployedBytecode.object,
    solcVersion: solc.version(),
  };
}

const outDir = join(here, "out");
let stale = false;
for (const [SOURCE, CONTRACT] of CONTRACTS) {
  const artifact = compile(SOURCE, CONTRACT);
  const text = JSON.stringify(artifact, null, 2) + "\n";
  const outFile = join(outDir, `${CONTRACT}.json`);
  if (process.argv.includes("--check")) {
    const current = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
    if (current !== text) {
      console.error(`${outFile} is stale: run node tests/contracts/build.mjs`);
      stale = true;
    } else {
      console.log(`${outFile} is up to date (solc ${artifact.solcVersion})`);
    }
  } else {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(outFile, text);
    console.log(`wrote ${outFile} (solc ${artifact.solcVersion}, ${(artifact.bytecode.length - 2) / 2} bytes of init code)`);
  }
}
if (stale) process.exit(1);
