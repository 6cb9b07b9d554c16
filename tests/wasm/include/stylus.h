/*
 * stylus.h — the Stylus host interface ("hostios") for WebAssembly contracts written in C.
 *
 * The ABI (that of Arbitrum Stylus, as declared by stylus-sdk-rs's hostio.rs):
 *   - A contract is a wasm32 module (MVP instruction set: no floats, no bulk memory, no SIMD,
 *     no reference types, no start function) whose only imports are the functions below, from
 *     the module "vm_hooks", and whose exports are `memory` and
 *         int32_t user_entrypoint(int32_t args_len);
 *   - Each call runs user_entrypoint once. args_len is the calldata's length; read_args copies
 *     the calldata into the contract's memory. It returns 0 for success, 1 for revert; the
 *     call's output (return data, or revert data) is whatever write_result last wrote (empty if
 *     it was never called).
 *   - Storage writes through storage_cache_bytes32 persist only once storage_flush_cache has
 *     been called; a contract flushes before returning success (a revert discards everything).
 *   - Pointers and sizes are 32-bit; uint64_t is an i64; bool/uint8_t/uint16_t are passed as
 *     i32. Addresses are 20 bytes; words (values, keys, hashes) are 32 bytes, big-endian.
 *   - Deployed code is 0xEF 0xF0 0x00, a dictionary byte (0x00: none), then the
 *     brotli-compressed module; it is deployed by an ordinary EVM initcode that returns it.
 */
#ifndef STYLUS_H
#define STYLUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VM_HOOK(name) __attribute__((import_module("vm_hooks"), import_name(#name)))

/* ---- calldata, output, exit ---- */

/* Copies the whole calldata (args_len bytes) to dest. */
VM_HOOK(read_args) void read_args(uint8_t *dest);
/* Sets the call's output (return data on success, revert data on revert) to data[0..len]. */
VM_HOOK(write_result) void write_result(const uint8_t *data, size_t len);
/* Ends the call at once, as if user_entrypoint returned status (0 success, 1 revert). */
VM_HOOK(exit_early) __attribute__((noreturn)) void exit_early(uint32_t status);

/* ---- storage ---- */

/* Reads the 32-byte storage word at key into dest (SLOAD; sees writes still in the cache). */
VM_HOOK(storage_load_bytes32) void storage_load_bytes32(const uint8_t *key, uint8_t *dest);
/* Writes value at key into the storage cache (SSTORE, pending until storage_flush_cache). */
VM_HOOK(storage_cache_bytes32) void storage_cache_bytes32(const uint8_t *key, const uint8_t *value);
/* Persists the cached storage writes; with clear, also forgets the cached values. */
VM_HOOK(storage_flush_cache) void storage_flush_cache(bool clear);
/* Reads the transient storage word at key into dest (TLOAD). */
VM_HOOK(transient_load_bytes32) void transient_load_bytes32(const uint8_t *key, uint8_t *dest);
/* Writes value at key in transient storage (TSTORE). */
VM_HOOK(transient_store_bytes32) void transient_store_bytes32(const uint8_t *key, const uint8_t *value);

/* ---- calls and creation ---- */

/* CALL with value (32 bytes) and a gas limit; 0 on success; *return_data_len = output size. */
VM_HOOK(call_contract)
uint8_t call_contract(const uint8_t *contract, const uint8_t *calldata, size_t calldata_len,
                      const uint8_t *value, uint64_t gas, size_t *return_data_len);
/* DELEGATECALL with a gas limit; 0 on success; *return_data_len = output size. */
VM_HOOK(delegate_call_contract)
uint8_t delegate_call_contract(const uint8_t *contract, const uint8_t *calldata, size_t calldata_len,
                               uint64_t gas, size_t *return_data_len);
/* STATICCALL with a gas limit; 0 on success; *return_data_len = output size. */
VM_HOOK(static_call_contract)
uint8_t static_call_contract(const uint8_t *contract, const uint8_t *calldata, size_t calldata_len,
                             uint64_t gas, size_t *return_data_len);
/* CREATE with initcode and endowment (32 bytes); writes the new address (zero on failure). */
VM_HOOK(create1)
void create1(const uint8_t *code, size_t code_len, const uint8_t *endowment, uint8_t *contract,
             size_t *revert_data_len);
/* CREATE2 with initcode, endowment and salt (32 bytes each); writes the new address (zero on failure). */
VM_HOOK(create2)
void create2(const uint8_t *code, size_t code_len, const uint8_t *endowment, const uint8_t *salt,
             uint8_t *contract, size_t *revert_data_len);
/* Copies up to size bytes of the last call's output from offset to dest; returns the bytes copied. */
VM_HOOK(read_return_data) size_t read_return_data(uint8_t *dest, size_t offset, size_t size);
/* Size of the last call's or creation's output (RETURNDATASIZE). */
VM_HOOK(return_data_size) size_t return_data_size(void);

/* ---- logs ---- */

/* Emits a log with `topics` (0-4) topics: data = topics * 32 bytes of topics, then the log data. */
VM_HOOK(emit_log) void emit_log(const uint8_t *data, size_t len, size_t topics);

/* ---- accounts ---- */

/* Balance in wei of address (BALANCE), as a 32-byte word. */
VM_HOOK(account_balance) void account_balance(const uint8_t *address, uint8_t *dest);
/* Copies up to size bytes of address's code from offset to dest; returns the bytes copied. */
VM_HOOK(account_code)
size_t account_code(const uint8_t *address, size_t offset, size_t size, uint8_t *dest);
/* Size of address's code (EXTCODESIZE). */
VM_HOOK(account_code_size) size_t account_code_size(const uint8_t *address);
/* Code hash of address (EXTCODEHASH). */
VM_HOOK(account_codehash) void account_codehash(const uint8_t *address, uint8_t *dest);

/* ---- block and chain ---- */

/* Base fee of the block (BASEFEE), as a 32-byte word. */
VM_HOOK(block_basefee) void block_basefee(uint8_t *dest);
/* Chain id (CHAINID). */
VM_HOOK(chainid) uint64_t chainid(void);
/* Block coinbase (COINBASE), 20 bytes. */
VM_HOOK(block_coinbase) void block_coinbase(uint8_t *dest);
/* Block gas limit (GASLIMIT). */
VM_HOOK(block_gas_limit) uint64_t block_gas_limit(void);
/* Block number (NUMBER). */
VM_HOOK(block_number) uint64_t block_number(void);
/* Block timestamp in seconds (TIMESTAMP). */
VM_HOOK(block_timestamp) uint64_t block_timestamp(void);
/* This contract's address (ADDRESS), 20 bytes. */
VM_HOOK(contract_address) void contract_address(uint8_t *dest);

/* ---- gas ---- */

/* Gas left (GAS). */
VM_HOOK(evm_gas_left) uint64_t evm_gas_left(void);
/* Ink left (gas in Stylus's finer compute unit). */
VM_HOOK(evm_ink_left) uint64_t evm_ink_left(void);
/* Pays for growing memory by `pages` 64 KiB pages (called before memory.grow). */
VM_HOOK(pay_for_memory_grow) void pay_for_memory_grow(uint16_t pages);

/* ---- 256-bit arithmetic: 32-byte big-endian words, the result overwrites value ---- */

/* value = value / divisor (0 if divisor is 0; DIV). */
VM_HOOK(math_div) void math_div(uint8_t *value, const uint8_t *divisor);
/* value = value % modulus (0 if modulus is 0; MOD). */
VM_HOOK(math_mod) void math_mod(uint8_t *value, const uint8_t *modulus);
/* value = value ** exponent mod 2^256 (EXP). */
VM_HOOK(math_pow) void math_pow(uint8_t *value, const uint8_t *exponent);
/* value = (value + addend) % modulus, without overflow (ADDMOD). */
VM_HOOK(math_add_mod) void math_add_mod(uint8_t *value, const uint8_t *addend, const uint8_t *modulus);
/* value = (value * multiplier) % modulus, without overflow (MULMOD). */
VM_HOOK(math_mul_mod) void math_mul_mod(uint8_t *value, const uint8_t *multiplier, const uint8_t *modulus);

/* ---- message, hashing, transaction ---- */

/* Whether this call re-enters a contract already on the call stack. */
VM_HOOK(msg_reentrant) bool msg_reentrant(void);
/* Caller's address (CALLER), 20 bytes. */
VM_HOOK(msg_sender) void msg_sender(uint8_t *dest);
/* Wei sent with the call (CALLVALUE), as a 32-byte word. */
VM_HOOK(msg_value) void msg_value(uint8_t *dest);
/* output = keccak256(bytes[0..len]), 32 bytes. */
VM_HOOK(native_keccak256) void native_keccak256(const uint8_t *bytes, size_t len, uint8_t *output);
/* Transaction's effective gas price (GASPRICE), as a 32-byte word. */
VM_HOOK(tx_gas_price) void tx_gas_price(uint8_t *dest);
/* Price of ink, in ink per gas. */
VM_HOOK(tx_ink_price) uint32_t tx_ink_price(void);
/* Transaction's sender (ORIGIN), 20 bytes. */
VM_HOOK(tx_origin) void tx_origin(uint8_t *dest);

#undef VM_HOOK

#endif /* STYLUS_H */
