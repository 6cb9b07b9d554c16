#!/usr/bin/env bash
# Builds Manifold's libFuzzer targets on stable Rust (no nightly, no cargo-fuzz) and runs each
# for a bounded time:
#
#   decode_transaction  execution/fuzz  tagged transactions and stored receipts
#   decode_program      execution/fuzz  WebAssembly programs (Stylus code, modules, instrumentation)
#   solana_call         execution/fuzz  calls of the Solana precompile (ABI calldata, and System,
#                                       SPL Token and Memo instructions built from the bytes)
#   decode_frame        da/fuzz         DA frames and batch assembly
#   rpc_request         sequencer/fuzz  JSON-RPC bodies (request ids) and the params of every
#                                       method, against a real devnet node in-process
#
#   scripts/fuzz.sh
#
# Each fuzz crate is built with `cargo build --release` (plus debug assertions and overflow
# checks, so that an overflow or a failed debug_assert is a crash too) for the host target into
# target/fuzz, with the sanitizer-coverage flags libFuzzer needs given through RUSTFLAGS;
# `--target <host>` keeps those flags off build scripts and proc macros. libfuzzer-sys compiles
# libFuzzer itself with the system C++ compiler: when there is none the script installs g++
# with apt-get (as root, or with sudo), once.
#
# The corpus of each target is kept in target/fuzz/corpus/<target>, so coverage accumulates
# from run to run on one machine; the seeds in <crate>/fuzz/seeds/<target> (if any) are read
# too, and <crate>/fuzz/<target>.dict is used as a libFuzzer dictionary when it exists. A
# crash, timeout or out-of-memory input is written to target/fuzz/artifacts/<target>/ and its
# path printed; the script still runs the remaining targets, then exits non-zero.
#
# Environment:
#   FUZZ_SECONDS   seconds each target runs (default 60)
#   FUZZ_TARGETS   targets to run, space-separated (default: all five)
#   FUZZ_TIMEOUT   seconds one input may take before it counts as a hang (default 60)
#   FUZZ_RSS_MB    memory limit of a fuzzing process, in MB (default 2048)
#   FUZZ_MAX_LEN   longest input libFuzzer generates, in bytes (default 4096)
#   FUZZ_ARGS      extra libFuzzer arguments, e.g. "-seed=1 -only_ascii=1" (default none)
#   FUZZ_BUILD_ONLY=1  build the targets, do not run them
#   FUZZ_TARGET_DIR  where to build (default target/fuzz)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
FUZZ_DIR="${FUZZ_TARGET_DIR:-$ROOT/target/fuzz}"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
TIMEOUT="${FUZZ_TIMEOUT:-60}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
MAX_LEN="${FUZZ_MAX_LEN:-4096}"
read -r -a EXTRA_ARGS <<<"${FUZZ_ARGS:-}"
read -r -a TARGETS <<<"${FUZZ_TARGETS:-decode_transaction decode_program solana_call decode_frame rpc_request}"

# The crate directory of each target.
crate_of() {
  case "$1" in
    decode_transaction) echo execution/fuzz ;;
    decode_program) echo execution/fuzz ;;
    solana_call) echo execution/fuzz ;;
    decode_frame) echo da/fuzz ;;
    rpc_request) echo sequencer/fuzz ;;
    *) echo "error: unknown fuzz target '$1' (known: decode_transaction decode_program decode_frame rpc_request)" >&2; return 1 ;;
  esac
}
for target in "${TARGETS[@]}"; do crate_of "$target" >/dev/null; done

# libfuzzer-sys builds libFuzzer's C++ sources with the `cc` crate.
ensure_cxx() {
  if command -v c++ >/dev/null || command -v g++ >/dev/null || command -v clang++ >/dev/null; then
    return
  fi
  echo "no C++ compiler found; installing g++ (libfuzzer-sys compiles libFuzzer with it)"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "error: need root or sudo to apt-get install g++" >&2; exit 1; }
    sudo=(sudo)
  fi
  command -v apt-get >/dev/null || { echo "error: no C++ compiler and no apt-get; install g++ or clang++" >&2; exit 1; }
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends g++
}
ensure_cxx

HOST="$(rustc -vV | sed -n 's/^host: //p')"
# What cargo-fuzz passes, minus nightly-only -Zsanitizer: edge coverage with 8-bit counters and
# a PC table (libFuzzer's feedback), comparison tracing (how it gets past magic values), and
# `cfg(fuzzing)` for crates that adapt to fuzzing.
RUSTFLAGS_FUZZ="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"

# Optimization: Manifold's own crates as a release build (what is fuzzed runs fast); every
# dependency (the agave runtime crates above all) at opt-level 1, which compiles in a fraction
# of the time and still runs at a useful speed.
OPT_LEVELS=(--config 'profile.release.package."*".opt-level=1')
for own in execution sequencer da node-config svm execution-fuzz da-fuzz sequencer-fuzz; do
  OPT_LEVELS+=(--config "profile.release.package.$own.opt-level=3")
done

build() {
  local target="$1" crate
  crate="$(crate_of "$target")"
  # The fuzz crates are workspaces of their own with their lockfile ignored by git: start it
  # from the main lockfile so they build the dependency versions the node is tested with.
  if [ ! -f "$crate/Cargo.lock" ] || [ Cargo.lock -nt "$crate/Cargo.lock" ]; then
    cp Cargo.lock "$crate/Cargo.lock"
  fi
  echo "== build $target ($crate, $HOST, release + debug assertions)"
  (
    cd "$crate"
    unset CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
    RUSTFLAGS="$RUSTFLAGS_FUZZ" cargo build --release --bin "$target" \
      --target "$HOST" --target-dir "$FUZZ_DIR" \
      --config profile.release.debug-assertions=true --config profile.release.overflow-checks=true \
      "${OPT_LEVELS[@]}"
  )
}

# fuzz_stat NAME LOG: a value of libFuzzer's -print_final_stats output.
fuzz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

declare -a SUMMARY=()
FAILED=0

run() {
  local target="$1" crate bin corpus seeds artifacts log dict rc start elapsed
  crate="$(crate_of "$target")"
  bin="$FUZZ_DIR/$HOST/release/$target"
  corpus="$FUZZ_DIR/corpus/$target"
  artifacts="$FUZZ_DIR/artifacts/$target"
  log="$FUZZ_DIR/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  local args=(
    "-max_total_time=$SECONDS_PER_TARGET" "-rss_limit_mb=$RSS_MB" "-timeout=$TIMEOUT"
    "-max_len=$MAX_LEN" "-print_final_stats=1" "-artifact_prefix=$artifacts/"
  )
  dict="$crate/$target.dict"
  [ -f "$dict" ] && args+=("-dict=$dict")
  # libFuzzer writes new inputs to the first corpus directory only: the seeds stay read-only.
  local dirs=("$corpus")
  seeds="$crate/seeds/$target"
  [ -d "$seeds" ] && dirs+=("$seeds")
  echo "== run $target for ${SECONDS_PER_TARGET}s (corpus $corpus: $(find "$corpus" -type f | wc -l) inputs)"
  start="$(date +%s.%N)"
  set +e
  RUST_BACKTRACE=1 "$bin" "${args[@]}" "${EXTRA_ARGS[@]+"${EXTRA_ARGS[@]}"}" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  elapsed="$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  local execs rate units rss
  execs="$(fuzz_stat number_of_executed_units "$log")"
  rate="$(fuzz_stat average_exec_per_sec "$log")"
  units="$(fuzz_stat new_units_added "$log")"
  rss="$(fuzz_stat peak_rss_mb "$log")"
  if [ "$rc" -eq 0 ]; then
    tail -n 3 "$log" | sed -e 's/^/  /'
    SUMMARY+=("$(printf '%-20s %8.1f s %12s execs %8s/s %6s new units %6s MB peak  ok' \
      "$target" "$elapsed" "${execs:-?}" "${rate:-?}" "${units:-?}" "${rss:-?}")")
  else
    FAILED=1
    echo "  libFuzzer exited with status $rc; the end of its output ($log):"
    tail -n 60 "$log" | sed -e 's/^/  | /'
    local input
    input="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)"
    if [ -n "$input" ]; then
      echo "  FAILING INPUT: $input"
      echo "  reproduce:     $bin $input"
      echo "  minimise:      $bin -minimize_crash=1 -runs=10000 -artifact_prefix=$artifacts/ $input"
    fi
    SUMMARY+=("$(printf '%-20s %8.1f s %12s execs %8s/s  FAILED (exit %s) %s' \
      "$target" "$elapsed" "${execs:-?}" "${rate:-?}" "$rc" "${input:-}")")
  fi
}

build_start=$SECONDS
for target in "${TARGETS[@]}"; do build "$target"; done
echo "== built ${TARGETS[*]} in $((SECONDS - build_start))s"
[ "${FUZZ_BUILD_ONLY:-}" = 1 ] && exit 0

for target in "${TARGETS[@]}"; do run "$target"; done

echo "== fuzzing summary (corpora in $FUZZ_DIR/corpus, logs in $FUZZ_DIR/logs)"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
exit "$FAILED"
