#!/usr/bin/env bash
# Builds the C WebAssembly test contracts (Arbitrum Stylus ABI, header tests/wasm/include/stylus.h):
# every tests/wasm/src/<name>.c becomes tests/wasm/out/<name>.wasm, which is committed (the
# client tests deploy it).
#
#   scripts/build-wasm.sh            build into tests/wasm/out
#   scripts/build-wasm.sh --check    build into a temporary directory and fail if any committed
#                                    tests/wasm/out/*.wasm differs from the fresh build (for CI)
#
# Needs clang and wasm-ld (Debian's clang + lld, LLVM 14 on bookworm): installed with apt-get
# when missing (as root, or through sudo). The build is reproducible: no debug info, no custom
# sections (so no paths, timestamps or compiler versions in the output). Each module is checked
# (its imports and exports are printed): imports only from "vm_hooks", exports exactly `memory`
# and `user_entrypoint`, no start function, only MVP integer instructions.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SRC_DIR=tests/wasm/src
OUT_DIR=tests/wasm/out
INCLUDE_DIR=tests/wasm/include

CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# clang compiles to wasm32 objects; wasm-ld links them. Debian names them clang-14 / clang and
# wasm-ld-14 / wasm-ld (the unversioned names come from the `clang` and `lld` packages); LLVM 14,
# which built the committed modules, is preferred when several are installed.
find_tool() {
  local name
  for name in "$@"; do
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  done
  for name in "$@"; do
    for dir in /usr/lib/llvm-*/bin; do
      if [ -x "$dir/${name%-[0-9]*}" ]; then echo "$dir/${name%-[0-9]*}"; return 0; fi
    done
  done
  return 1
}

find_tools() {
  CLANG="$(find_tool clang-14 clang)" && WASM_LD="$(find_tool wasm-ld-14 wasm-ld)"
}

if ! find_tools; then
  echo "clang or wasm-ld missing: installing Debian's clang and lld"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "error: not root and no sudo: install clang and lld yourself" >&2; exit 1; }
    SUDO=(sudo)
  fi
  ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang lld >/dev/null
  find_tools || { echo "error: clang and wasm-ld still not found after installing clang and lld" >&2; exit 1; }
fi
echo "$("$CLANG" --version | head -n 1) ($CLANG), linker $WASM_LD"

CFLAGS=(
  --target=wasm32 -mcpu=mvp -O2 -std=c11 -Wall -Wextra -Werror
  -nostdlib -ffreestanding -fno-builtin
  -I "$INCLUDE_DIR"
)
# 1 page (64 KiB) of memory, fixed: a 16 KiB stack below the static data (an overflow traps
# instead of overwriting it), no growth.
LDFLAGS=(
  --no-entry --export=user_entrypoint --strip-all
  --stack-first -z stack-size=16384 --initial-memory=65536 --max-memory=65536
)

# Prints a module's imports and exports, and fails unless they are what a Stylus contract may
# have: only function imports from "vm_hooks", exactly the exports memory (a memory) and
# user_entrypoint (a function (i32) -> i32), no start function, no custom sections.
inspect() {
  python3 - "$1" <<'EOF'
import sys

path = sys.argv[1]
data = open(path, "rb").read()
errors = []


def fail(msg):
    errors.append(msg)


class Reader:
    def __init__(self, buf, pos=0):
        self.buf, self.pos = buf, pos

    def byte(self):
        b = self.buf[self.pos]
        self.pos += 1
        return b

    def uleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return result

    def name(self):
        n = self.uleb()
        s = self.buf[self.pos:self.pos + n].decode()
        self.pos += n
        return s

    def limits(self):
        flags = self.byte()
        lo = self.uleb()
        hi = self.uleb() if flags & 1 else None
        return lo, hi


# The MVP's integer instructions (no floats, no sign-extension, saturating, bulk-memory, SIMD
# or reference-types ops), with the kind of immediates each takes.
FLOAT_OPS = {0x2A, 0x2B, 0x38, 0x39, 0x43, 0x44} | set(range(0x5B, 0x67)) | set(range(0x8B, 0xA7)) \
    | (set(range(0xA8, 0xC0)) - {0xAC, 0xAD})
MVP_OPS = (set(range(0x00, 0x12)) - {0x06, 0x07, 0x08, 0x09, 0x0A}) | {0x1A, 0x1B} | set(range(0x20, 0x25)) \
    | set(range(0x28, 0x41)) | set(range(0x41, 0xC0))


def check_code(s):
    """Walks every instruction of the code section: only MVP integer instructions are allowed."""
    for _ in range(s.uleb()):
        size = s.uleb()
        end = s.pos + size
        for _ in range(s.uleb()):  # local declarations
            s.uleb()
            if VALTYPES.get(s.byte()) not in ("i32", "i64"):
                fail("a local that is not i32 or i64")
        while s.pos < end:
            op = s.byte()
            if op in FLOAT_OPS:
                fail(f"float instruction 0x{op:02x}")
                return
            if op not in MVP_OPS:
                fail(f"instruction 0x{op:02x} is not in the MVP")
                return
            if op in (0x02, 0x03, 0x04):  # block, loop, if: a block type
                s.byte()
            elif op in (0x0C, 0x0D, 0x10, 0x20, 0x21, 0x22, 0x23, 0x24):  # branch, call, local/global
                s.uleb()
            elif op == 0x0E:  # br_table
                for _ in range(s.uleb() + 1):
                    s.uleb()
            elif op == 0x11:  # call_indirect
                s.uleb()
                s.byte()
            elif 0x28 <= op <= 0x3E:  # loads and stores: memarg
                s.uleb()
                s.uleb()
            elif op in (0x3F, 0x40):  # memory.size, memory.grow
                s.byte()
            elif op in (0x41, 0x42):  # i32.const, i64.const (signed LEB)
                while s.byte() & 0x80:
                    pass
        if s.pos != end:
            fail("a function body does not end where its size says")
            return


VALTYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}
KINDS = {0: "func", 1: "table", 2: "memory", 3: "global"}

if data[:8] != b"\0asm\x01\0\0\0":
    sys.exit(f"{path}: not a wasm module")
r = Reader(data, 8)
types, imports, exports, func_types, memories = [], [], [], [], []
while r.pos < len(data):
    sid = r.byte()
    size = r.uleb()
    s = Reader(data[r.pos:r.pos + size])
    r.pos += size
    if sid == 0:
        fail(f"custom section {s.name()!r}")
    elif sid == 1:
        for _ in range(s.uleb()):
            assert s.byte() == 0x60
            params = [VALTYPES[s.byte()] for _ in range(s.uleb())]
            results = [VALTYPES[s.byte()] for _ in range(s.uleb())]
            types.append((params, results))
    elif sid == 2:
        for _ in range(s.uleb()):
            module, field, kind = s.name(), s.name(), s.byte()
            if kind == 0:
                imports.append((module, field, types[s.uleb()]))
            else:
                fail(f"non-function import {module}.{field} ({KINDS.get(kind, kind)})")
                break
    elif sid == 3:
        func_types = [s.uleb() for _ in range(s.uleb())]
    elif sid == 5:
        memories = [s.limits() for _ in range(s.uleb())]
    elif sid == 7:
        for _ in range(s.uleb()):
            exports.append((s.name(), KINDS.get(s.byte(), "?"), s.uleb()))
    elif sid == 8:
        fail("start function")
    elif sid == 10:
        check_code(s)

sig = lambda t: f"({', '.join(t[0])}) -> ({', '.join(t[1])})"
for module, field, t in imports:
    print(f"  import {module}.{field} {sig(t)}")
    if module != "vm_hooks":
        fail(f"import {module}.{field} is not from vm_hooks")
for name, kind, index in exports:
    detail = ""
    if kind == "func":
        detail = " " + sig(types[func_types[index - len(imports)]])
    elif kind == "memory":
        lo, hi = memories[index]
        detail = f" {lo}..{hi} pages"
    print(f"  export {name} ({kind}){detail}")
if sorted((n, k) for n, k, _ in exports) != [("memory", "memory"), ("user_entrypoint", "func")]:
    fail("exports must be exactly memory and user_entrypoint")
for name, kind, index in exports:
    if name == "user_entrypoint" and kind == "func":
        if types[func_types[index - len(imports)]] != (["i32"], ["i32"]):
            fail("user_entrypoint must be (i32) -> i32")
if any("f32" in p + q or "f64" in p + q or "v128" in p + q for p, q in types):
    fail("a function type uses floats or SIMD")
if errors:
    sys.exit(f"{path}: " + "; ".join(errors))
EOF
}

build() { # build DEST_DIR: compiles every source into DEST_DIR/<name>.wasm
  local dest="$1" src name obj
  shopt -s nullglob
  local sources=("$SRC_DIR"/*.c)
  [ "${#sources[@]}" -gt 0 ] || { echo "error: no $SRC_DIR/*.c" >&2; exit 1; }
  mkdir -p "$dest"
  for src in "${sources[@]}"; do
    name="$(basename "$src" .c)"
    obj="$WORK/$name.o"
    "$CLANG" "${CFLAGS[@]}" -c "$src" -o "$obj"
    "$WASM_LD" "${LDFLAGS[@]}" "$obj" -o "$dest/$name.wasm"
    echo "$OUT_DIR/$name.wasm: $(wc -c <"$dest/$name.wasm") bytes"
    inspect "$dest/$name.wasm" || { rm -f "$dest/$name.wasm"; exit 1; }
  done
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [ "$CHECK" -eq 0 ]; then
  build "$OUT_DIR"
  exit 0
fi

build "$WORK/out"
stale=()
for fresh in "$WORK"/out/*.wasm; do
  committed="$OUT_DIR/$(basename "$fresh")"
  if [ ! -f "$committed" ]; then
    stale+=("$committed is missing")
  elif ! cmp -s "$fresh" "$committed"; then
    stale+=("$committed differs from a fresh build")
  fi
done
for committed in "$OUT_DIR"/*.wasm; do
  [ -f "$committed" ] || continue
  [ -f "$WORK/out/$(basename "$committed")" ] || stale+=("$committed has no source $SRC_DIR/$(basename "$committed" .wasm).c")
done
if [ "${#stale[@]}" -gt 0 ]; then
  printf 'error: %s\n' "${stale[@]}" >&2
  echo "error: the committed wasm contracts are stale: run scripts/build-wasm.sh and commit $OUT_DIR (built with $("$CLANG" --version | head -n 1); another clang version may compile differently)" >&2
  exit 1
fi
echo "$OUT_DIR is up to date"
