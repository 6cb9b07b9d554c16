/*
 * erc20.c — an ERC-20 as a Stylus WebAssembly contract, ABI-compatible with
 * tests/contracts/Token.sol: the same selectors, return values, events, revert reasons
 * (Error(string)) and storage layout, so one client code path drives either.
 *
 * A Stylus contract has no constructor: `initialize(string name, string symbol, uint256
 * initialSupply)` does the constructor's work, once (again: revert "already initialized").
 *
 * Storage, as solc lays out Token.sol (plus one slot of our own):
 *   slot 0 name, slot 1 symbol (Solidity's string encoding: short strings inline, long ones at
 *   keccak(slot)), slot 2 totalSupply, slot 3 balanceOf (keccak(pad(holder) . 3)), slot 4
 *   allowance (keccak(pad(spender) . keccak(pad(owner) . 4))), slot 5 "initialized" flag.
 *
 * Like solc's output: every function is non-payable (value != 0 reverts with empty data), as
 * are unknown selectors, calldata shorter than the arguments, and address arguments with dirty
 * upper bytes. Calldata longer than ARGS_MAX bytes also reverts with empty data.
 *
 * No allocator: static buffers only. Writes go through storage_cache_bytes32 and are flushed
 * just before a state-changing call returns success; a revert returns without flushing.
 *
 * Build: scripts/build-wasm.sh (→ tests/wasm/out/erc20.wasm).
 */
#include "stylus.h"

#define ARGS_MAX 8192                /* longest calldata accepted */
#define STR_MAX (ARGS_MAX - 4 - 160) /* longest name/symbol initialize can store */
#define OUT_MAX (64 + ARGS_MAX)      /* a string's ABI encoding, or revert data */

#define ALIGNED __attribute__((aligned(8)))

static uint8_t args[ARGS_MAX] ALIGNED; /* calldata */
static uint8_t out[OUT_MAX] ALIGNED;   /* return data or revert data */
static uint8_t sender[20] ALIGNED;     /* msg.sender */
static uint8_t pre[64] ALIGNED;        /* keccak preimage of a mapping slot */
static uint8_t logbuf[128] ALIGNED;    /* 3 topics + one word of data */
static uint8_t w1[32] ALIGNED, w2[32] ALIGNED, w3[32] ALIGNED; /* scratch words */
static uint8_t k1[32] ALIGNED, k2[32] ALIGNED;                 /* scratch storage keys */

/* keccak256("Transfer(address,address,uint256)") and keccak256("Approval(address,address,uint256)"). */
static const uint8_t TRANSFER_TOPIC[32] = {
    0xdd, 0xf2, 0x52, 0xad, 0x1b, 0xe2, 0xc8, 0x9b, 0x69, 0xc2, 0xb0, 0x68, 0xfc, 0x37, 0x8d, 0xaa,
    0x95, 0x2b, 0xa7, 0xf1, 0x63, 0xc4, 0xa1, 0x16, 0x28, 0xf5, 0x5a, 0x4d, 0xf5, 0x23, 0xb3, 0xef};
static const uint8_t APPROVAL_TOPIC[32] = {
    0x8c, 0x5b, 0xe1, 0xe5, 0xeb, 0xec, 0x7d, 0x5b, 0xd1, 0x4f, 0x71, 0x42, 0x7d, 0x1e, 0x84, 0xf3,
    0xdd, 0x03, 0x14, 0xc0, 0xf7, 0xb2, 0x29, 0x1e, 0x5b, 0x20, 0x0a, 0xc8, 0xc7, 0xc3, 0xb9, 0x25};

/* Function selectors. */
#define SEL_NAME 0x06fdde03u
#define SEL_SYMBOL 0x95d89b41u
#define SEL_DECIMALS 0x313ce567u
#define SEL_TOTAL_SUPPLY 0x18160dddu
#define SEL_BALANCE_OF 0x70a08231u
#define SEL_ALLOWANCE 0xdd62ed3eu
#define SEL_TRANSFER 0xa9059cbbu
#define SEL_APPROVE 0x095ea7b3u
#define SEL_TRANSFER_FROM 0x23b872ddu
#define SEL_INITIALIZE 0xb119490eu /* initialize(string,string,uint256) */

#define SELECTOR_ERROR 0x08c379a0u /* Error(string) */
#define SELECTOR_PANIC 0x4e487b71u /* Panic(uint256) */

enum { SLOT_NAME, SLOT_SYMBOL, SLOT_TOTAL_SUPPLY, SLOT_BALANCES, SLOT_ALLOWANCES, SLOT_INITIALIZED };

#define OK 0
#define REVERT 1

/* clang may turn struct copies or long loops into calls to these; there is no libc. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

/* ---- words: 32-byte big-endian, handled as eight 32-bit limbs ---- */

static inline uint32_t ld32(const uint8_t *p) { /* raw (little-endian) load */
    uint32_t x;
    __builtin_memcpy(&x, p, 4);
    return x;
}

static inline uint32_t ld_be32(const uint8_t *p) { return __builtin_bswap32(ld32(p)); }

static inline void st_be32(uint8_t *p, uint32_t v) {
    v = __builtin_bswap32(v);
    __builtin_memcpy(p, &v, 4);
}

static inline void copy32(uint8_t *d, const uint8_t *s) { __builtin_memcpy(d, s, 32); }
static inline void copy20(uint8_t *d, const uint8_t *s) { __builtin_memcpy(d, s, 20); }
static inline void zero32(uint8_t *d) { __builtin_memset(d, 0, 32); }

static inline void word_small(uint8_t *d, uint32_t v) { /* d = v as a word */
    __builtin_memset(d, 0, 28);
    st_be32(d + 28, v);
}

static int is_zero(const uint8_t *p, size_t n) { /* n a multiple of 4 */
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i += 4) acc |= ld32(p + i);
    return acc == 0;
}

static int eq20(const uint8_t *a, const uint8_t *b) {
    uint32_t acc = 0;
    for (int i = 0; i < 20; i += 4) acc |= ld32(a + i) ^ ld32(b + i);
    return acc == 0;
}

static int is_max(const uint8_t *p) { /* p == 2^256 - 1 */
    uint32_t acc = 0xffffffffu;
    for (int i = 0; i < 32; i += 4) acc &= ld32(p + i);
    return acc == 0xffffffffu;
}

static int ge(const uint8_t *a, const uint8_t *b) { /* a >= b */
    for (int i = 0; i < 32; i += 4) {
        uint32_t x = ld32(a + i), y = ld32(b + i);
        if (x != y) return __builtin_bswap32(x) > __builtin_bswap32(y);
    }
    return 1;
}

/* Offset of the most significant nonzero limb of b (28 when b < 2^32). */
static int top_limb(const uint8_t *b) {
    int i = 0;
    while (i < 28 && ld32(b + i) == 0) i += 4;
    return i;
}

/* a -= b (mod 2^256), in place. Only the limbs up to b's highest and a borrow's run change. */
static void sub(uint8_t *a, const uint8_t *b) {
    int top = top_limb(b), i = 28;
    uint64_t borrow = 0;
    for (; i >= top; i -= 4) {
        uint64_t t = (uint64_t)ld_be32(a + i) - ld_be32(b + i) - borrow;
        st_be32(a + i, (uint32_t)t);
        borrow = t >> 63;
    }
    for (; borrow && i >= 0; i -= 4) {
        uint32_t x = ld_be32(a + i);
        st_be32(a + i, x - 1);
        borrow = x == 0;
    }
}

/* a += b, in place; returns the carry out of 2^256 (overflow). */
static int add(uint8_t *a, const uint8_t *b) {
    int top = top_limb(b), i = 28;
    uint64_t carry = 0;
    for (; i >= top; i -= 4) {
        uint64_t t = (uint64_t)ld_be32(a + i) + ld_be32(b + i) + carry;
        st_be32(a + i, (uint32_t)t);
        carry = t >> 32;
    }
    for (; carry && i >= 0; i -= 4) {
        uint32_t x = ld_be32(a + i) + 1;
        st_be32(a + i, x);
        carry = x == 0;
    }
    return (int)carry;
}

static void increment(uint8_t *p) { /* p += 1 (storage key arithmetic) */
    for (int i = 31; i >= 0; i--)
        if (++p[i] != 0) break;
}

/* ---- storage keys ---- */

/* dst = keccak256(pad32(addr) . key): the slot of mapping[addr] for the mapping at `key`. */
__attribute__((noinline)) static void map_slot(uint8_t *dst, const uint8_t *addr, const uint8_t *key) {
    __builtin_memset(pre, 0, 12);
    copy20(pre + 12, addr);
    copy32(pre + 32, key);
    native_keccak256(pre, 64, dst);
}

static void balance_slot(uint8_t *dst, const uint8_t *holder) {
    word_small(w3, SLOT_BALANCES);
    map_slot(dst, holder, w3);
}

static void allowance_slot(uint8_t *dst, const uint8_t *owner, const uint8_t *spender) {
    word_small(w3, SLOT_ALLOWANCES);
    map_slot(w3, owner, w3);
    map_slot(dst, spender, w3);
}

/* ---- output ---- */

static int32_t revert_empty(void) { return REVERT; }

/* Revert reasons, zero-padded to 64 bytes so that each is copied as two whole words. */
#define REASON(name, text) static const uint8_t name[64] = text; enum { name##_LEN = sizeof(text) - 1 };
REASON(E_TO_ZERO, "ERC20: transfer to the zero address")
REASON(E_BALANCE, "ERC20: transfer amount exceeds balance")
REASON(E_ALLOWANCE, "ERC20: insufficient allowance")
REASON(E_APPROVE_ZERO, "ERC20: approve to the zero address")
REASON(E_INITIALIZED, "already initialized")
#undef REASON

/* Reverts with Error(reason): 0x08c379a0 . word(0x20) . word(len) . reason padded to 32 bytes. */
__attribute__((noinline)) static int32_t revert_with(const uint8_t *reason, uint32_t len) {
    st_be32(out, SELECTOR_ERROR);
    word_small(out + 4, 0x20);
    word_small(out + 36, len);
    __builtin_memcpy(out + 68, reason, 64);
    write_result(out, 68 + ((len + 31) & ~31u));
    return REVERT;
}
#define REVERT_WITH(reason) revert_with(reason, reason##_LEN)

/* Reverts with Panic(0x11), as checked arithmetic in Solidity >= 0.8 does on overflow. */
static int32_t revert_overflow(void) {
    st_be32(out, SELECTOR_PANIC);
    word_small(out + 4, 0x11);
    write_result(out, 36);
    return REVERT;
}

static int32_t return_word(const uint8_t *word) {
    write_result(word, 32);
    return OK;
}

static int32_t return_true(void) {
    word_small(out, 1);
    write_result(out, 32);
    return OK;
}

/* Emits Transfer or Approval: topics (sig, pad(a), pad(b)), data (value). */
__attribute__((noinline)) static void emit3(const uint8_t *topic, const uint8_t *a, const uint8_t *b, const uint8_t *value) {
    copy32(logbuf, topic);
    __builtin_memset(logbuf + 32, 0, 12);
    copy20(logbuf + 44, a);
    __builtin_memset(logbuf + 64, 0, 12);
    copy20(logbuf + 76, b);
    copy32(logbuf + 96, value);
    emit_log(logbuf, 128, 3);
}

/* ---- strings in storage (Solidity's layout) ---- */

/* Stores data[0..len] as the string at slot `slot`. */
static void store_string(uint32_t slot, const uint8_t *data, uint32_t len) {
    word_small(k1, slot);
    if (len < 32) {
        zero32(w1);
        for (uint32_t i = 0; i < len; i++) w1[i] = data[i];
        w1[31] = (uint8_t)(len * 2);
        storage_cache_bytes32(k1, w1);
        return;
    }
    word_small(w1, len * 2 + 1);
    storage_cache_bytes32(k1, w1);
    native_keccak256(k1, 32, k2);
    for (uint32_t off = 0; off < len; off += 32) {
        zero32(w1);
        for (uint32_t i = 0; i < 32 && off + i < len; i++) w1[i] = data[off + i];
        storage_cache_bytes32(k2, w1);
        increment(k2);
    }
}

/* Returns the string at slot `slot`, ABI-encoded. */
static int32_t return_string(uint32_t slot) {
    word_small(k1, slot);
    storage_load_bytes32(k1, w1);
    uint8_t *data = out + 64;
    uint32_t len;
    if ((w1[31] & 1) == 0) { /* short: inline, length * 2 in the lowest byte */
        len = w1[31] >> 1;
        copy32(data, w1);
        data[31] = 0;
    } else { /* long: length * 2 + 1 here, the bytes from keccak(slot) on */
        if (!is_zero(w1, 28)) return revert_empty();
        len = ld_be32(w1 + 28) >> 1;
        if (len > STR_MAX) return revert_empty();
        native_keccak256(k1, 32, k2);
        for (uint32_t off = 0; off < len; off += 32) {
            storage_load_bytes32(k2, data + off);
            increment(k2);
        }
        for (uint32_t i = len; i & 31; i++) data[i] = 0;
    }
    word_small(out, 0x20);
    word_small(out + 32, len);
    write_result(out, 64 + ((len + 31) & ~31u));
    return OK;
}

/* ---- calldata ---- */

static inline const uint8_t *arg(uint32_t i) { return args + 4 + 32 * i; }

/* An ABI `address` argument: its upper 12 bytes must be zero. Returns its 20 bytes, or 0. */
static const uint8_t *arg_address(uint32_t i) {
    const uint8_t *p = arg(i);
    return is_zero(p, 12) ? p + 12 : 0;
}

/* Decodes the dynamic `string` argument whose head is argument i; 0 if malformed. */
static const uint8_t *arg_string(uint32_t i, uint32_t body_len, uint32_t *len) {
    const uint8_t *head = arg(i);
    if (!is_zero(head, 28)) return 0;
    uint32_t off = ld_be32(head + 28);
    if (off > body_len || body_len - off < 32) return 0;
    const uint8_t *p = args + 4 + off;
    if (!is_zero(p, 28)) return 0;
    uint32_t n = ld_be32(p + 28);
    if (n > body_len - off - 32) return 0;
    *len = n;
    return p + 32;
}

/* ---- the ERC-20 ---- */

/* Token._transfer: moves amount from `from` to `to`, emits Transfer. Does not flush. */
static int32_t do_transfer(const uint8_t *from, const uint8_t *to, const uint8_t *amount) {
    if (is_zero(to, 20)) return REVERT_WITH(E_TO_ZERO);
    balance_slot(k1, from);
    storage_load_bytes32(k1, w1);
    if (!ge(w1, amount)) return REVERT_WITH(E_BALANCE);
    if (!eq20(from, to)) { /* to self, the balance is unchanged */
        sub(w1, amount);
        storage_cache_bytes32(k1, w1);
        balance_slot(k2, to);
        storage_load_bytes32(k2, w2);
        if (add(w2, amount)) return revert_overflow();
        storage_cache_bytes32(k2, w2);
    }
    emit3(TRANSFER_TOPIC, from, to, amount);
    return OK;
}

static int32_t transfer(void) {
    const uint8_t *to = arg_address(0);
    if (!to) return revert_empty();
    msg_sender(sender);
    if (do_transfer(sender, to, arg(1))) return REVERT;
    storage_flush_cache(false);
    return return_true();
}

static int32_t approve(void) {
    const uint8_t *spender = arg_address(0);
    if (!spender) return revert_empty();
    if (is_zero(spender, 20)) return REVERT_WITH(E_APPROVE_ZERO);
    msg_sender(sender);
    allowance_slot(k1, sender, spender);
    storage_cache_bytes32(k1, arg(1));
    emit3(APPROVAL_TOPIC, sender, spender, arg(1));
    storage_flush_cache(false);
    return return_true();
}

static int32_t transfer_from(void) {
    const uint8_t *from = arg_address(0), *to = arg_address(1), *amount = arg(2);
    if (!from || !to) return revert_empty();
    msg_sender(sender);
    allowance_slot(k1, from, sender);
    storage_load_bytes32(k1, w1);
    if (!is_max(w1)) { /* an infinite allowance is never spent */
        if (!ge(w1, amount)) return REVERT_WITH(E_ALLOWANCE);
        sub(w1, amount);
        storage_cache_bytes32(k1, w1);
        emit3(APPROVAL_TOPIC, from, sender, w1);
    }
    if (do_transfer(from, to, amount)) return REVERT;
    storage_flush_cache(false);
    return return_true();
}

static int32_t initialize(uint32_t body_len) {
    uint32_t name_len, symbol_len;
    const uint8_t *name = arg_string(0, body_len, &name_len);
    const uint8_t *symbol = arg_string(1, body_len, &symbol_len);
    if (!name || !symbol) return revert_empty();
    word_small(k1, SLOT_INITIALIZED);
    storage_load_bytes32(k1, w1);
    if (!is_zero(w1, 32)) return REVERT_WITH(E_INITIALIZED);
    word_small(w1, 1);
    storage_cache_bytes32(k1, w1);

    store_string(SLOT_NAME, name, name_len);
    store_string(SLOT_SYMBOL, symbol, symbol_len);
    const uint8_t *supply = arg(2);
    word_small(k1, SLOT_TOTAL_SUPPLY);
    storage_cache_bytes32(k1, supply);
    msg_sender(sender);
    balance_slot(k1, sender);
    storage_cache_bytes32(k1, supply);
    zero32(w2);
    emit3(TRANSFER_TOPIC, w2, sender, supply);
    storage_flush_cache(false);
    return OK;
}

int32_t user_entrypoint(int32_t args_len) {
    uint32_t len = (uint32_t)args_len;
    if (len < 4 || len > ARGS_MAX) return revert_empty();
    read_args(args);
    msg_value(w1);
    if (!is_zero(w1, 32)) return revert_empty(); /* nothing here is payable */

    uint32_t body = len - 4; /* bytes of arguments */
    switch (ld_be32(args)) {
    case SEL_NAME:
        return return_string(SLOT_NAME);
    case SEL_SYMBOL:
        return return_string(SLOT_SYMBOL);
    case SEL_DECIMALS:
        word_small(out, 18);
        return return_word(out);
    case SEL_TOTAL_SUPPLY:
        word_small(k1, SLOT_TOTAL_SUPPLY);
        storage_load_bytes32(k1, out);
        return return_word(out);
    case SEL_BALANCE_OF: {
        const uint8_t *holder = body >= 32 ? arg_address(0) : 0;
        if (!holder) return revert_empty();
        balance_slot(k1, holder);
        storage_load_bytes32(k1, out);
        return return_word(out);
    }
    case SEL_ALLOWANCE: {
        const uint8_t *owner = body >= 64 ? arg_address(0) : 0, *spender = body >= 64 ? arg_address(1) : 0;
        if (!owner || !spender) return revert_empty();
        allowance_slot(k1, owner, spender);
        storage_load_bytes32(k1, out);
        return return_word(out);
    }
    case SEL_TRANSFER:
        return body >= 64 ? transfer() : revert_empty();
    case SEL_APPROVE:
        return body >= 64 ? approve() : revert_empty();
    case SEL_TRANSFER_FROM:
        return body >= 96 ? transfer_from() : revert_empty();
    case SEL_INITIALIZE:
        return body >= 96 ? initialize(body) : revert_empty();
    default:
        return revert_empty();
    }
}
