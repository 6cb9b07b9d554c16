// Compiles Manifold's bridge contracts (src/*.sol) with solc-js — the npm `solc` package pinned
// in package.json, whose compiler ships inside the package, so nothing is downloaded — and
// writes out/<Name>.json = {abi, bytecode, deployedBytecode, solcVersion} for each deployable
// contract. The bridge crate embeds these artifacts; they are committed.
//
//   (cd bridge/contracts && npm ci) && node bridge/contracts/build.mjs
//
// `--check` compiles and fails if any artifact differs from the committed one (CI runs it).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync, mkdirSync, existsSync, readdirSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "package.json"));
const solc = require("solc");
const PINNED = JSON.parse(readFileSync(join(here, "package.json"), "utf8")).devDependencies.solc;

// The contracts that are deployed (the others are libraries they inline).
const CONTRACTS = ["Portal", "OutputOracle", "L2Withdrawals"];

const srcDir = join(here, "src");
const sources = {};
for (const file of readdirSync(srcDir).filter((f) => f.endsWith(".sol")).sort()) {
  sources[file] = { content: readFileSync(join(srcDir, file), "utf8") };
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    // Byte-for-byte reproducible wherever the checkout is.
    metadata: { bytecodeHash: "none" },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};

// Imports resolve inside src/ only ("./X.sol"); anything else is an error.
function findImport(path) {
  const file = normalize(path);
  if (sources[file]) return { contents: sources[file].content };
  return { error: `import ${path} is not in bridge/contracts/src` };
}

if (!solc.version().startsWith(PINNED + "+")) {
  console.error(`solc ${solc.version()} is installed, package.json pins ${PINNED}: run npm ci in bridge/contracts`);
  process.exit(1);
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
for (const e of output.errors ?? []) console.error(e.formattedMessage);
if ((output.errors ?? []).some((e) => e.severity === "error")) process.exit(1);

const outDir = join(here, "out");
let stale = false;
for (const name of CONTRACTS) {
  const c = output.contracts[`${name}.sol`][name];
  const artifact = {
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    deployedBytecode: "0x" + c.evm.deployedBytecode.object,
    solcVersion: solc.version(),
  };
  const text = JSON.stringify(artifact, null, 2) + "\n";
  const outFile = join(outDir, `${name}.json`);
  if (process.argv.includes("--check")) {
    const current = existsSync(outFile) ? readFileSync(outFile, "utf8") : "";
    if (current !== text) {
      console.error(`${outFile} is stale: run node bridge/contracts/build.mjs`);
      stale = true;
    } else {
      console.log(`${outFile} is up to date (solc ${artifact.solcVersion})`);
    }
  } else {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(outFile, text);
    console.log(`wrote ${outFile} (${(artifact.deployedBytecode.length - 2) / 2} bytes of runtime code)`);
  }
}
if (stale) process.exit(1);
