//! Stylus' host ABI, import module `vm_hooks`: each function with the signature of
//! stylus-sdk's `hostio.rs`, its Stylus ink cost, and the EVM gas of the state it touches.
//!
//! A host function that cannot go on (out of gas, a state change in a static call, memory the
//! program does not have, a database failure) records why in [`Halt`] and traps; `run`
//! turns that into the frame's result.

use alloy_primitives::{Address, B256, Bytes, Log, LogData, U256, keccak256};
use revm::context_interface::Host;
use wasmparser::ValType;
use wasmtime::{Caller, Linker};

use super::{
    evm_api::{CallKind, NestedCall, NestedCreate},
    host_state::{CachedSlot, Halt, HostState},
    pricing::{
        EVM_API_INK, HOSTIO_INK, INK_PER_GAS, PTR_INK, fuel_to_gas, gas_to_fuel, ink_to_fuel,
        keccak_price_ink, read_price_ink, write_price_ink,
    },
};

const I32: ValType = ValType::I32;
const I64: ValType = ValType::I64;

/// The host functions: (name, parameters, results).
const VM_HOOKS: &[(&str, &[ValType], &[ValType])] = &[
    ("read_args", &[I32], &[]),
    ("write_result", &[I32, I32], &[]),
    ("exit_early", &[I32], &[]),
    ("storage_load_bytes32", &[I32, I32], &[]),
    ("storage_cache_bytes32", &[I32, I32], &[]),
    ("storage_flush_cache", &[I32], &[]),
    ("transient_load_bytes32", &[I32, I32], &[]),
    ("transient_store_bytes32", &[I32, I32], &[]),
    ("call_contract", &[I32, I32, I32, I32, I64, I32], &[I32]),
    ("delegate_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    ("static_call_contract", &[I32, I32, I32, I64, I32], &[I32]),
    ("create1", &[I32, I32, I32, I32, I32], &[]),
    ("create2", &[I32, I32, I32, I32, I32, I32], &[]),
    ("read_return_data", &[I32, I32, I32], &[I32]),
    ("return_data_size", &[], &[I32]),
    ("emit_log", &[I32, I32, I32], &[]),
    ("account_balance", &[I32, I32], &[]),
    ("account_code", &[I32, I32, I32, I32], &[I32]),
    ("account_code_size", &[I32], &[I32]),
    ("account_codehash", &[I32, I32], &[]),
    ("block_basefee", &[I32], &[]),
    ("block_coinbase", &[I32], &[]),
    ("block_gas_limit", &[], &[I64]),
    ("block_number", &[], &[I64]),
    ("block_timestamp", &[], &[I64]),
    ("chainid", &[], &[I64]),
    ("contract_address", &[I32], &[]),
    ("evm_gas_left", &[], &[I64]),
    ("evm_ink_left", &[], &[I64]),
    ("math_div", &[I32, I32], &[]),
    ("math_mod", &[I32, I32], &[]),
    ("math_pow", &[I32, I32], &[]),
    ("math_add_mod", &[I32, I32, I32], &[]),
    ("math_mul_mod", &[I32, I32, I32], &[]),
    ("msg_reentrant", &[], &[I32]),
    ("msg_sender", &[I32], &[]),
    ("msg_value", &[I32], &[]),
    ("native_keccak256", &[I32, I32, I32], &[]),
    ("tx_gas_price", &[I32], &[]),
    ("tx_ink_price", &[], &[I32]),
    ("tx_origin", &[I32], &[]),
    ("pay_for_memory_grow", &[I32], &[]),
];

/// The signature of host function `module.name`, if Manifold provides it.
pub fn import_signature(
    module: &str,
    name: &str,
) -> Option<(&'static [ValType], &'static [ValType])> {
    if module != "vm_hooks" {
        return None;
    }
    VM_HOOKS.iter().find(|(n, _, _)| *n == name).map(|(_, p, r)| (*p, *r))
}

/// EVM gas of state access (EIP-2929), as Stylus charges it.
const COLD_SLOAD_GAS: u64 = 2_100;
const WARM_READ_GAS: u64 = 100;
const COLD_ACCOUNT_GAS: u64 = 2_600;
const SSTORE_SENTRY_GAS: u64 = 2_300;
const LOG_GAS: u64 = 375;
const LOG_TOPIC_GAS: u64 = 375;
const LOG_DATA_GAS: u64 = 8;
const COPY_WORD_GAS: u64 = 3;
const CALL_VALUE_GAS: u64 = 9_000;
const NEW_ACCOUNT_GAS: u64 = 25_000;
const CALL_STIPEND: u64 = 2_300;
const CREATE_GAS: u64 = 32_000;
const INITCODE_WORD_GAS: u64 = 2;
const KECCAK_WORD_GAS: u64 = 6;

type Ctx<'a> = Caller<'a, HostState>;
/// A block or chain field read from revm's host.
type HostField = fn(&mut dyn Host) -> U256;
type HostResult<T> = wasmtime::Result<T>;

fn halt<T>(caller: &mut Ctx<'_>, why: Halt) -> HostResult<T> {
    caller.data_mut().halt = Some(why.clone());
    Err(wasmtime::Error::msg(format!("{why:?}")))
}

/// Charges `fuel`, and the gas owed for memory growth.
fn charge_fuel(caller: &mut Ctx<'_>, fuel: u64) -> HostResult<()> {
    let debt = gas_to_fuel(std::mem::take(&mut caller.data_mut().gas_debt));
    let total = fuel.saturating_add(debt);
    let left = caller.get_fuel()?;
    if left < total {
        caller.set_fuel(0)?;
        return halt(caller, Halt::OutOfGas);
    }
    caller.set_fuel(left - total)?;
    Ok(())
}

fn charge(caller: &mut Ctx<'_>, ink: u64, gas: u64) -> HostResult<()> {
    charge_fuel(caller, ink_to_fuel(ink).saturating_add(gas_to_fuel(gas)))
}

/// EIP-2929's price of reaching an account: cold the first time in the transaction.
fn charge_account_access(caller: &mut Ctx<'_>, is_cold: bool) -> HostResult<()> {
    charge(caller, 0, if is_cold { COLD_ACCOUNT_GAS } else { WARM_READ_GAS })
}

fn gas_left(caller: &Ctx<'_>) -> u64 {
    fuel_to_gas(caller.get_fuel().unwrap_or(0))
}

fn read(caller: &mut Ctx<'_>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
    let memory = caller.data().memory.expect("memory is set before the entry point runs");
    let (start, end) = (ptr as usize, ptr as usize + len as usize);
    match memory.data(&*caller).get(start..end) {
        Some(bytes) => Ok(bytes.to_vec()),
        None => halt(caller, Halt::BadArgument("read past the end of memory")),
    }
}

fn write(caller: &mut Ctx<'_>, ptr: u32, bytes: &[u8]) -> HostResult<()> {
    let memory = caller.data().memory.expect("memory is set before the entry point runs");
    let start = ptr as usize;
    match memory.data_mut(&mut *caller).get_mut(start..start + bytes.len()) {
        Some(dest) => {
            dest.copy_from_slice(bytes);
            caller.data_mut().wrote(start, bytes.len());
            Ok(())
        }
        None => halt(caller, Halt::BadArgument("write past the end of memory")),
    }
}

fn read_word(caller: &mut Ctx<'_>, ptr: u32) -> HostResult<B256> {
    Ok(B256::from_slice(&read(caller, ptr, 32)?))
}

fn read_address(caller: &mut Ctx<'_>, ptr: u32) -> HostResult<Address> {
    Ok(Address::from_slice(&read(caller, ptr, 20)?))
}

fn write_u32(caller: &mut Ctx<'_>, ptr: u32, value: usize) -> HostResult<()> {
    write(caller, ptr, &u32::try_from(value).unwrap_or(u32::MAX).to_le_bytes())
}

fn write_word(caller: &mut Ctx<'_>, ptr: u32, value: U256) -> HostResult<()> {
    write(caller, ptr, &value.to_be_bytes::<32>())
}

fn require_non_static(caller: &mut Ctx<'_>) -> HostResult<()> {
    if caller.data().frame.is_static {
        return halt(caller, Halt::StaticViolation);
    }
    Ok(())
}

/// Writes the dirty slots of the cache to the journal, each charged as the EVM's SSTORE.
fn flush_cache(caller: &mut Ctx<'_>, clear: bool) -> HostResult<()> {
    let dirty: Vec<(B256, B256)> = caller
        .data()
        .cache
        .iter()
        .filter(|(_, slot)| slot.dirty)
        .map(|(key, slot)| (*key, slot.value))
        .collect();
    if !dirty.is_empty() {
        require_non_static(caller)?;
    }
    let address = caller.data().frame.address;
    for (key, value) in dirty {
        // EIP-2200: no SSTORE with the stipend or less left.
        if gas_left(caller) <= SSTORE_SENTRY_GAS {
            caller.set_fuel(0)?;
            return halt(caller, Halt::OutOfGas);
        }
        let host = caller.data_mut().api().host();
        let Some(load) = host.sstore(address, key.into(), value.into()) else {
            return halt(caller, Halt::Fatal);
        };
        let params = host.gas_params();
        let gas =
            params.sstore_static_gas() + params.sstore_dynamic_gas(true, &load.data, load.is_cold);
        let refund = params.sstore_refund(true, &load.data);
        charge(caller, 0, gas)?;
        caller.data_mut().refund += refund;
        if let Some(slot) = caller.data_mut().cache.get_mut(&key) {
            slot.dirty = false;
        }
    }
    if clear {
        caller.data_mut().cache.clear();
    }
    Ok(())
}

/// Makes a nested call or creation and keeps its return data; returns its outcome.
fn nested_call(
    caller: &mut Ctx<'_>,
    kind: CallKind,
    to: Address,
    input: Bytes,
    value: U256,
    gas: u64,
) -> HostResult<super::evm_api::NestedOutcome> {
    // Cached writes reach the journal before anyone else can read the slots.
    flush_cache(caller, true)?;
    if kind == CallKind::Call && !value.is_zero() {
        require_non_static(caller)?;
    }
    let (access, is_empty) = {
        let host = caller.data_mut().api().host();
        match host.load_account_info_skip_cold_load(to, false, false) {
            Ok(load) => {
                (if load.is_cold { COLD_ACCOUNT_GAS } else { WARM_READ_GAS }, load.is_empty)
            }
            Err(_) => return halt(caller, Halt::Fatal),
        }
    };
    let mut cost = access;
    if !value.is_zero() {
        cost += CALL_VALUE_GAS;
        if is_empty {
            cost += NEW_ACCOUNT_GAS;
        }
    }
    charge(caller, 0, cost)?;
    // EIP-150: the callee gets at most all but one 64th of what is left.
    let available = gas_left(caller);
    let mut gas = gas.min(available - available / 64);
    charge(caller, 0, gas)?;
    if !value.is_zero() {
        gas += CALL_STIPEND;
    }
    let frame = caller.data().frame.clone();
    let outcome = caller.data_mut().api().call(&frame, NestedCall { kind, to, input, value, gas });
    finish_nested(caller, outcome)
}

fn finish_nested(
    caller: &mut Ctx<'_>,
    outcome: super::evm_api::NestedOutcome,
) -> HostResult<super::evm_api::NestedOutcome> {
    if outcome.fatal {
        return halt(caller, Halt::Fatal);
    }
    let left = caller.get_fuel()?;
    caller.set_fuel(left.saturating_add(gas_to_fuel(outcome.gas_left)))?;
    let state = caller.data_mut();
    state.return_data = outcome.output.clone();
    if outcome.success {
        state.refund += outcome.refund;
    }
    Ok(outcome)
}

/// The pointer arguments of `call_contract` and its kin.
struct CallArgs {
    contract: u32,
    calldata: u32,
    calldata_len: u32,
    /// `None` for delegate and static calls.
    value: Option<u32>,
    gas: u64,
    return_data_len: u32,
}

fn call_with(caller: &mut Ctx<'_>, kind: CallKind, args: CallArgs) -> HostResult<u32> {
    let CallArgs { contract, calldata, calldata_len, value, gas, return_data_len } = args;
    let ptrs = if value.is_some() { 3 } else { 2 };
    charge(
        caller,
        HOSTIO_INK + PTR_INK * ptrs + EVM_API_INK + read_price_ink(calldata_len.into()),
        0,
    )?;
    let to = read_address(caller, contract)?;
    let input = Bytes::from(read(caller, calldata, calldata_len)?);
    let value = match value {
        Some(ptr) => read_word(caller, ptr)?.into(),
        None => U256::ZERO,
    };
    let outcome = nested_call(caller, kind, to, input, value, gas)?;
    write_u32(caller, return_data_len, outcome.output.len())?;
    Ok(u32::from(!outcome.success))
}

fn create_with(
    caller: &mut Ctx<'_>,
    code: u32,
    code_len: u32,
    endowment: u32,
    salt: Option<u32>,
    contract: u32,
    revert_data_len: u32,
) -> HostResult<()> {
    require_non_static(caller)?;
    charge(caller, HOSTIO_INK + PTR_INK * 3 + EVM_API_INK + read_price_ink(code_len.into()), 0)?;
    // EIP-3860, as the EVM's CREATE applies it.
    if code_len as usize > caller.data_mut().api().host().max_initcode_size() {
        return halt(caller, Halt::BadArgument("init code larger than EIP-3860 allows"));
    }
    let code = Bytes::from(read(caller, code, code_len)?);
    let endowment: U256 = read_word(caller, endowment)?.into();
    let salt = match salt {
        Some(ptr) => Some(read_word(caller, ptr)?),
        None => None,
    };
    flush_cache(caller, true)?;
    let words = (code.len() as u64).div_ceil(32);
    let mut cost = CREATE_GAS + INITCODE_WORD_GAS * words;
    if salt.is_some() {
        cost += KECCAK_WORD_GAS * words;
    }
    charge(caller, 0, cost)?;
    let available = gas_left(caller);
    let gas = available - available / 64;
    charge(caller, 0, gas)?;
    let frame = caller.data().frame.clone();
    let outcome =
        caller.data_mut().api().create(&frame, NestedCreate { code, endowment, salt, gas });
    let outcome = finish_nested(caller, outcome)?;
    let created = outcome.created.filter(|_| outcome.success).unwrap_or_default();
    write(caller, contract, created.as_slice())?;
    let revert_len = if outcome.success { 0 } else { outcome.output.len() };
    if outcome.success {
        caller.data_mut().return_data = Bytes::new();
    }
    write_u32(caller, revert_data_len, revert_len)
}

/// Applies `op` to the words at `value` (written back) and the other pointers.
fn math(
    caller: &mut Ctx<'_>,
    ink: u64,
    value: u32,
    others: &[u32],
    op: impl FnOnce(U256, &[U256]) -> U256,
) -> HostResult<()> {
    charge(caller, ink, 0)?;
    let a: U256 = read_word(caller, value)?.into();
    let mut args = Vec::with_capacity(others.len());
    for ptr in others {
        args.push(read_word(caller, *ptr)?.into());
    }
    let result = op(a, &args);
    write_word(caller, value, result)
}

/// Adds every `vm_hooks` function to `linker`.
pub(super) fn link(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    const M: &str = "vm_hooks";
    linker.func_wrap(M, "read_args", |mut c: Ctx<'_>, dest: u32| {
        let args = c.data().args.clone();
        charge(&mut c, HOSTIO_INK + write_price_ink(args.len() as u64), 0)?;
        write(&mut c, dest, &args)
    })?;
    linker.func_wrap(M, "write_result", |mut c: Ctx<'_>, data: u32, len: u32| {
        charge(&mut c, HOSTIO_INK + read_price_ink(len.into()), 0)?;
        let result = read(&mut c, data, len)?;
        c.data_mut().result = result;
        Ok(())
    })?;
    linker.func_wrap(M, "exit_early", |mut c: Ctx<'_>, status: u32| -> HostResult<()> {
        charge(&mut c, HOSTIO_INK, 0)?;
        halt(&mut c, Halt::Exit(status))
    })?;
    linker.func_wrap(M, "storage_load_bytes32", |mut c: Ctx<'_>, key: u32, dest: u32| {
        charge(&mut c, HOSTIO_INK + 2 * PTR_INK, 0)?;
        let key = read_word(&mut c, key)?;
        let cached = c.data().cache.get(&key).map(|slot| slot.value);
        let value = match cached {
            Some(value) => {
                charge(&mut c, 0, WARM_READ_GAS)?;
                value
            }
            None => {
                let address = c.data().frame.address;
                let Some(load) = c.data_mut().api().host().sload(address, key.into()) else {
                    return halt(&mut c, Halt::Fatal);
                };
                charge(&mut c, 0, if load.is_cold { COLD_SLOAD_GAS } else { WARM_READ_GAS })?;
                let value = B256::from(load.data);
                c.data_mut().cache.insert(key, CachedSlot { value, dirty: false });
                value
            }
        };
        write(&mut c, dest, value.as_slice())
    })?;
    linker.func_wrap(M, "storage_cache_bytes32", |mut c: Ctx<'_>, key: u32, value: u32| {
        charge(&mut c, HOSTIO_INK + 2 * PTR_INK, 0)?;
        // What the EVM's SSTORE would need at least; the rest is paid at the flush.
        if gas_left(&c) <= SSTORE_SENTRY_GAS {
            c.set_fuel(0)?;
            return halt(&mut c, Halt::OutOfGas);
        }
        let key = read_word(&mut c, key)?;
        let value = read_word(&mut c, value)?;
        c.data_mut().cache.insert(key, CachedSlot { value, dirty: true });
        Ok(())
    })?;
    linker.func_wrap(M, "storage_flush_cache", |mut c: Ctx<'_>, clear: u32| {
        charge(&mut c, HOSTIO_INK + EVM_API_INK, 0)?;
        flush_cache(&mut c, clear != 0)
    })?;
    linker.func_wrap(M, "transient_load_bytes32", |mut c: Ctx<'_>, key: u32, dest: u32| {
        charge(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK, WARM_READ_GAS)?;
        let key = read_word(&mut c, key)?;
        let address = c.data().frame.address;
        let value = c.data_mut().api().host().tload(address, key.into());
        write_word(&mut c, dest, value)
    })?;
    linker.func_wrap(M, "transient_store_bytes32", |mut c: Ctx<'_>, key: u32, value: u32| {
        charge(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK, WARM_READ_GAS)?;
        require_non_static(&mut c)?;
        let key = read_word(&mut c, key)?;
        let value = read_word(&mut c, value)?;
        let address = c.data().frame.address;
        c.data_mut().api().host().tstore(address, key.into(), value.into());
        Ok(())
    })?;
    linker.func_wrap(
        M,
        "call_contract",
        |mut c: Ctx<'_>,
         contract: u32,
         calldata: u32,
         calldata_len: u32,
         value: u32,
         gas: u64,
         return_data_len: u32| {
            let value = Some(value);
            let args = CallArgs { contract, calldata, calldata_len, value, gas, return_data_len };
            call_with(&mut c, CallKind::Call, args)
        },
    )?;
    for (name, kind) in
        [("delegate_call_contract", CallKind::Delegate), ("static_call_contract", CallKind::Static)]
    {
        linker.func_wrap(
            M,
            name,
            move |mut c: Ctx<'_>,
                  contract: u32,
                  calldata: u32,
                  calldata_len: u32,
                  gas: u64,
                  return_data_len: u32| {
                let value = None;
                let args =
                    CallArgs { contract, calldata, calldata_len, value, gas, return_data_len };
                call_with(&mut c, kind, args)
            },
        )?;
    }
    linker.func_wrap(
        M,
        "create1",
        |mut c: Ctx<'_>, code: u32, len: u32, endowment: u32, contract: u32, revert: u32| {
            create_with(&mut c, code, len, endowment, None, contract, revert)
        },
    )?;
    linker.func_wrap(
        M,
        "create2",
        |mut c: Ctx<'_>,
         code: u32,
         len: u32,
         endowment: u32,
         salt: u32,
         contract: u32,
         revert: u32| {
            create_with(&mut c, code, len, endowment, Some(salt), contract, revert)
        },
    )?;
    linker.func_wrap(
        M,
        "read_return_data",
        |mut c: Ctx<'_>, dest: u32, offset: u32, size: u32| -> HostResult<u32> {
            charge(&mut c, HOSTIO_INK + EVM_API_INK + write_price_ink(size.into()), 0)?;
            let data = c.data().return_data.clone();
            let start = (offset as usize).min(data.len());
            let end = start.saturating_add(size as usize).min(data.len());
            write(&mut c, dest, &data[start..end])?;
            Ok((end - start) as u32)
        },
    )?;
    linker.func_wrap(M, "return_data_size", |mut c: Ctx<'_>| -> HostResult<u32> {
        charge(&mut c, HOSTIO_INK, 0)?;
        Ok(c.data().return_data.len() as u32)
    })?;
    linker.func_wrap(M, "emit_log", |mut c: Ctx<'_>, data: u32, len: u32, topics: u32| {
        if topics > 4 || u64::from(len) < u64::from(topics) * 32 {
            return halt(&mut c, Halt::BadArgument("emit_log: bad topic count"));
        }
        let payload = u64::from(len) - u64::from(topics) * 32;
        charge(
            &mut c,
            HOSTIO_INK + EVM_API_INK + read_price_ink(len.into()),
            LOG_GAS + LOG_TOPIC_GAS * u64::from(topics) + LOG_DATA_GAS * payload,
        )?;
        require_non_static(&mut c)?;
        let bytes = read(&mut c, data, len)?;
        let (topic_bytes, body) = bytes.split_at(topics as usize * 32);
        let topics = topic_bytes.chunks(32).map(B256::from_slice).collect();
        let address = c.data().frame.address;
        let log =
            Log { address, data: LogData::new_unchecked(topics, Bytes::copy_from_slice(body)) };
        c.data_mut().api().host().log(log);
        Ok(())
    })?;
    linker.func_wrap(M, "account_balance", |mut c: Ctx<'_>, address: u32, dest: u32| {
        charge(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK, 0)?;
        let address = read_address(&mut c, address)?;
        let Some(load) = c.data_mut().api().host().balance(address) else {
            return halt(&mut c, Halt::Fatal);
        };
        charge_account_access(&mut c, load.is_cold)?;
        write_word(&mut c, dest, load.data)
    })?;
    linker.func_wrap(
        M,
        "account_code",
        |mut c: Ctx<'_>, address: u32, offset: u32, size: u32, dest: u32| -> HostResult<u32> {
            charge(&mut c, HOSTIO_INK + EVM_API_INK + write_price_ink(size.into()), 0)?;
            let address = read_address(&mut c, address)?;
            let Some(load) = c.data_mut().api().host().load_account_code(address) else {
                return halt(&mut c, Halt::Fatal);
            };
            let words = u64::from(size).div_ceil(32);
            let access = if load.is_cold { COLD_ACCOUNT_GAS } else { WARM_READ_GAS };
            charge(&mut c, 0, access + COPY_WORD_GAS * words)?;
            let code = load.data;
            let start = (offset as usize).min(code.len());
            let end = start.saturating_add(size as usize).min(code.len());
            write(&mut c, dest, &code[start..end])?;
            Ok((end - start) as u32)
        },
    )?;
    linker.func_wrap(
        M,
        "account_code_size",
        |mut c: Ctx<'_>, address: u32| -> HostResult<u32> {
            charge(&mut c, HOSTIO_INK + EVM_API_INK, 0)?;
            let address = read_address(&mut c, address)?;
            let Some(load) = c.data_mut().api().host().load_account_code(address) else {
                return halt(&mut c, Halt::Fatal);
            };
            charge_account_access(&mut c, load.is_cold)?;
            Ok(load.data.len() as u32)
        },
    )?;
    linker.func_wrap(M, "account_codehash", |mut c: Ctx<'_>, address: u32, dest: u32| {
        charge(&mut c, HOSTIO_INK + 2 * PTR_INK + EVM_API_INK, 0)?;
        let address = read_address(&mut c, address)?;
        let Some(load) = c.data_mut().api().host().load_account_code_hash(address) else {
            return halt(&mut c, Halt::Fatal);
        };
        charge_account_access(&mut c, load.is_cold)?;
        write(&mut c, dest, load.data.as_slice())
    })?;
    linker.func_wrap(M, "block_basefee", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let value = c.data_mut().api().host().basefee();
        write_word(&mut c, dest, value)
    })?;
    linker.func_wrap(M, "block_coinbase", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let value = c.data_mut().api().host().beneficiary();
        write(&mut c, dest, value.as_slice())
    })?;
    let fields: [(&str, HostField); 4] = [
        ("block_gas_limit", |host| host.gas_limit()),
        ("block_number", |host| host.block_number()),
        ("block_timestamp", |host| host.timestamp()),
        ("chainid", |host| host.chain_id()),
    ];
    for (name, field) in fields {
        linker.func_wrap(M, name, move |mut c: Ctx<'_>| -> HostResult<u64> {
            charge(&mut c, HOSTIO_INK, 0)?;
            Ok(field(c.data_mut().api().host()).saturating_to())
        })?;
    }
    linker.func_wrap(M, "contract_address", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let address = c.data().frame.address;
        write(&mut c, dest, address.as_slice())
    })?;
    linker.func_wrap(M, "evm_gas_left", |mut c: Ctx<'_>| -> HostResult<u64> {
        charge(&mut c, HOSTIO_INK, 0)?;
        Ok(gas_left(&c))
    })?;
    linker.func_wrap(M, "evm_ink_left", |mut c: Ctx<'_>| -> HostResult<u64> {
        charge(&mut c, HOSTIO_INK, 0)?;
        Ok(c.get_fuel()?.saturating_mul(super::pricing::INK_PER_FUEL))
    })?;
    linker.func_wrap(M, "math_div", |mut c: Ctx<'_>, value: u32, divisor: u32| {
        math(&mut c, HOSTIO_INK + 3 * PTR_INK + 20_000, value, &[divisor], |a, b| {
            a.checked_div(b[0]).unwrap_or_default()
        })
    })?;
    linker.func_wrap(M, "math_mod", |mut c: Ctx<'_>, value: u32, modulus: u32| {
        math(&mut c, HOSTIO_INK + 3 * PTR_INK + 20_000, value, &[modulus], |a, b| {
            a.checked_rem(b[0]).unwrap_or_default()
        })
    })?;
    linker.func_wrap(M, "math_pow", |mut c: Ctx<'_>, value: u32, exponent: u32| {
        let exp = read_word(&mut c, exponent)?;
        let significant = 32 - exp.iter().take_while(|b| **b == 0).count() as u64;
        math(
            &mut c,
            HOSTIO_INK + 3 * PTR_INK + 3_000 + (significant + 1) * 17_500,
            value,
            &[exponent],
            |a, b| a.pow(b[0]),
        )
    })?;
    linker.func_wrap(
        M,
        "math_add_mod",
        |mut c: Ctx<'_>, value: u32, addend: u32, modulus: u32| {
            math(&mut c, HOSTIO_INK + 4 * PTR_INK + 21_000, value, &[addend, modulus], |a, b| {
                a.add_mod(b[0], b[1])
            })
        },
    )?;
    linker.func_wrap(
        M,
        "math_mul_mod",
        |mut c: Ctx<'_>, value: u32, multiplier: u32, modulus: u32| {
            math(
                &mut c,
                HOSTIO_INK + 4 * PTR_INK + 24_100,
                value,
                &[multiplier, modulus],
                |a, b| a.mul_mod(b[0], b[1]),
            )
        },
    )?;
    linker.func_wrap(M, "msg_reentrant", |mut c: Ctx<'_>| -> HostResult<u32> {
        charge(&mut c, HOSTIO_INK, 0)?;
        Ok(u32::from(c.data().frame.reentrant))
    })?;
    linker.func_wrap(M, "msg_sender", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let sender = c.data().frame.caller;
        write(&mut c, dest, sender.as_slice())
    })?;
    linker.func_wrap(M, "msg_value", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let value = c.data().frame.value;
        write_word(&mut c, dest, value)
    })?;
    linker.func_wrap(M, "native_keccak256", |mut c: Ctx<'_>, bytes: u32, len: u32, out: u32| {
        charge(&mut c, HOSTIO_INK + keccak_price_ink(len.into()), 0)?;
        let data = read(&mut c, bytes, len)?;
        write(&mut c, out, keccak256(&data).as_slice())
    })?;
    linker.func_wrap(M, "tx_gas_price", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let price = c.data_mut().api().host().effective_gas_price();
        write_word(&mut c, dest, price)
    })?;
    linker.func_wrap(M, "tx_ink_price", |mut c: Ctx<'_>| -> HostResult<u32> {
        charge(&mut c, HOSTIO_INK, 0)?;
        Ok(INK_PER_GAS as u32)
    })?;
    linker.func_wrap(M, "tx_origin", |mut c: Ctx<'_>, dest: u32| {
        charge(&mut c, HOSTIO_INK + PTR_INK, 0)?;
        let origin = c.data_mut().api().host().caller();
        write(&mut c, dest, origin.as_slice())
    })?;
    // Growth is paid when memory grows (`HostState::memory_growing`), whatever grows it; this
    // is the hook Stylus' SDK imports (and calls with 0) so that its modules may grow memory.
    linker.func_wrap(M, "pay_for_memory_grow", |mut c: Ctx<'_>, _pages: u32| {
        charge(&mut c, HOSTIO_INK, 0)
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_function_has_one_signature() {
        let mut names: Vec<_> = VM_HOOKS.iter().map(|(name, _, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VM_HOOKS.len());
        assert_eq!(import_signature("vm_hooks", "read_args"), Some((&[I32][..], &[][..])));
        assert_eq!(import_signature("env", "read_args"), None);
        assert_eq!(import_signature("vm_hooks", "console_log"), None);
    }
}
