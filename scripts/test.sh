#!/usr/bin/env bash
# The test command of Manifold: Rust unit/integration tests, then the real-client
# end-to-end tests (web3.py, solana.py, ethers, viem, @solana/web3.js, Foundry's cast and anvil) against a freshly built
# `manifold` binary, then
# bounded fuzzing of every decoder of untrusted bytes (scripts/fuzz.sh).
#
#   scripts/test.sh
#
# Needs: Rust + cargo-nextest, Python 3.11 (with venv), Node 20 + npm. Idempotent: it
# creates .venv, .venv-solana (solana.py needs websockets >= 16, web3.py < 16), tests/js/node_modules, tests/l1-hardhat/node_modules and bridge/contracts/node_modules only when missing or
# stale. Every phase runs even if an earlier one failed; the exit status is non-zero if any
# phase failed.
# Environment:
#   PYTHON            interpreter used to create .venv (default: python3)
#   MANIFOLD_BIN      binary the client tests start (default: <target>/debug/manifold)
#   NEXTEST_PROFILE   nextest profile from .config/nextest.toml (default: `ci` when CI is set and
#                     that profile exists, else `default`)
#   MANIFOLD_LOG=1    echo the node's stderr while the client tests run
#   FUZZ_SECONDS      seconds each fuzz target runs (default 30)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$ROOT/$TARGET_DIR" ;; esac
export MANIFOLD_BIN="${MANIFOLD_BIN:-$TARGET_DIR/debug/manifold}"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
SOLANA_VENV="$ROOT/.venv-solana"

FAILED=()
PASSED=()

section() {
  printf '\n======================================================================\n'
  printf '== %s\n' "$*"
  printf '======================================================================\n'
}

# run_phase NAME FUNCTION: runs FUNCTION in a subshell with errexit in force, records the result.
run_phase() {
  local name="$1" fn="$2" rc start
  section "$name"
  start=$SECONDS
  set +e
  ( set -euo pipefail; "$fn" )
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then
    PASSED+=("$name")
    printf -- '-- %s: ok (%ss)\n' "$name" "$((SECONDS - start))"
  else
    FAILED+=("$name (exit $rc)")
    printf -- '-- %s: FAILED with exit %s (%ss)\n' "$name" "$rc" "$((SECONDS - start))"
  fi
}

# make_venv DIR REQUIREMENTS: creates (or repairs) the venv DIR and installs REQUIREMENTS.
make_venv() {
  local venv="$1" requirements="$2"
  if [ -x "$venv/bin/python" ] && ! "$venv/bin/python" -c 'import sys' 2>/dev/null; then
    echo "$venv is broken; recreating it"
    rm -rf "$venv"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $("$PYTHON" --version 2>&1)"
    "$PYTHON" -m venv "$venv" || {
      echo "error: '$PYTHON -m venv' failed (on Debian: apt-get install python3-venv)" >&2
      exit 1
    }
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
}

python_deps() {
  make_venv "$VENV" tests/python/requirements.txt
  "$VENV/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(web3|pytest) ' || true
  make_venv "$SOLANA_VENV" tests/solana_py/requirements.txt
  "$SOLANA_VENV/bin/python" -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(solana|solders|pytest) ' || true
}

js_deps() {
  node --version
  # npm ci records what it installed in node_modules/.package-lock.json.
  if [ ! -f tests/js/node_modules/.package-lock.json ] || [ tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; then
    (cd tests/js && npm ci --no-audit --no-fund)
  else
    echo "tests/js/node_modules is up to date"
  fi
  # Hardhat 2's node: the third-party L1 of the Ethereum DA tests (tests/tests/ethereum_da.rs).
  if [ ! -f tests/l1-hardhat/node_modules/.package-lock.json ] || [ tests/l1-hardhat/package-lock.json -nt tests/l1-hardhat/node_modules/.package-lock.json ]; then
    (cd tests/l1-hardhat && npm ci --no-audit --no-fund)
  else
    echo "tests/l1-hardhat/node_modules is up to date"
  fi
  # The bridge contracts' pinned solc (bridge/contracts/package.json).
  if [ ! -f bridge/contracts/node_modules/.package-lock.json ] || [ bridge/contracts/package-lock.json -nt bridge/contracts/node_modules/.package-lock.json ]; then
    (cd bridge/contracts && npm ci --no-audit --no-fund)
  else
    echo "bridge/contracts/node_modules is up to date"
  fi
  # The compiled contracts are committed (Rust tests and crates embed them); fail if stale.
  node tests/contracts/build.mjs --check
  node bridge/contracts/build.mjs --check
  # The WebAssembly contracts (C, built with Debian's clang and lld, which the script installs
  # when missing) are committed too; fail if stale.
  bash scripts/build-wasm.sh --check
}

cargo_build() {
  cargo build --workspace --all-targets
  test -x "$MANIFOLD_BIN" || { echo "error: $MANIFOLD_BIN was not built" >&2; exit 1; }
}

cargo_tests() {
  # Under CI, use the `ci` profile of .config/nextest.toml when there is one (NEXTEST_PROFILE wins).
  if [ -z "${NEXTEST_PROFILE:-}" ] && [ -n "${CI:-}" ] && grep -q '^\[profile\.ci\]' .config/nextest.toml 2>/dev/null; then
    export NEXTEST_PROFILE=ci
  fi
  echo "nextest profile: ${NEXTEST_PROFILE:-default}"
  cargo nextest run --workspace --no-fail-fast
}

python_tests() {
  "$VENV/bin/python" -m pytest -q tests/python
}

solana_py_tests() {
  "$SOLANA_VENV/bin/python" -m pytest -q tests/solana_py
}

js_tests() {
  cd tests/js
  shopt -s nullglob
  local files=(*.test.mjs)
  [ "${#files[@]}" -gt 0 ] || { echo "error: no tests/js/*.test.mjs files" >&2; exit 1; }
  node --test --test-timeout=300000 "${files[@]}"
}

run_phase "setup: Python venvs (.venv, .venv-solana) + tests/*/requirements.txt" python_deps
run_phase "setup: npm ci (tests/js, tests/l1-hardhat, bridge/contracts) + contract artifact checks (solc, clang wasm32)" js_deps
run_phase "cargo build --workspace --all-targets" cargo_build
run_phase "cargo nextest run --workspace" cargo_tests
run_phase "pytest tests/python (web3.py)" python_tests
run_phase "pytest tests/solana_py (solana.py)" solana_py_tests
fuzz_runs() {
  # Bounded libFuzzer runs of every decoder of untrusted bytes (see scripts/fuzz.sh); their
  # corpora accumulate in target/fuzz from run to run on one machine.
  FUZZ_SECONDS="${FUZZ_SECONDS:-30}" bash scripts/fuzz.sh
}

run_phase "node --test tests/js (ethers, viem, @solana/web3.js, Foundry cast + anvil)" js_tests
run_phase "fuzz: scripts/fuzz.sh, ${FUZZ_SECONDS:-30}s per target" fuzz_runs

section "summary"
for p in "${PASSED[@]+"${PASSED[@]}"}"; do printf '  ok      %s\n' "$p"; done
for f in "${FAILED[@]+"${FAILED[@]}"}"; do printf '  FAILED  %s\n' "$f"; done
if [ "${#FAILED[@]}" -gt 0 ]; then
  printf '%d of %d phases failed\n' "${#FAILED[@]}" "$((${#FAILED[@]} + ${#PASSED[@]}))"
  exit 1
fi
printf 'all %d phases passed\n' "${#PASSED[@]}"
