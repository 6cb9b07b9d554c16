//! Arbitrum's `ArbWasm` precompile at `0x…71`, as far as Stylus tooling uses it.
//!
//! Manifold has no activation step: a program is validated and compiled when it is deployed
//! and never expires. Tools that activate after deploying still work: `activateProgram` on a
//! deployed program answers what Arbitrum answers for an active, up-to-date one (the
//! `ProgramUpToDate()` error), and on code that is not a program `ProgramNotWasm()`. The
//! read-only queries tools make before activating answer with Manifold's constants.

use alloy_primitives::{Address, Bytes, U256, address, keccak256};
use revm::{
    context_interface::Host,
    interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult},
};

use super::{
    pricing::{FREE_PAGES, INK_PER_GAS, MAX_PAGES, PAGE_GAS},
    program_code::is_stylus_code,
    runtime::WasmRuntime,
};

/// `ArbWasm`'s address.
pub const ARB_WASM: Address = address!("0x0000000000000000000000000000000000000071");

/// The Stylus version Manifold's programs run at (Arbitrum's current one).
pub const STYLUS_VERSION: u16 = 2;

/// Gas of a query.
const QUERY_GAS: u64 = 2_600;

fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature)[..4].try_into().expect("four bytes")
}

fn word(value: u64) -> Bytes {
    Bytes::from(U256::from(value).to_be_bytes::<32>().to_vec())
}

/// Answers a call to `ArbWasm`.
pub fn run<H: Host + ?Sized>(host: &mut H, inputs: &CallInputs, input: &[u8]) -> InterpreterResult {
    let mut gas = Gas::new(inputs.gas_limit);
    let result = |result, output: Bytes, gas: Gas| InterpreterResult { result, output, gas };
    if !gas.record_regular_cost(QUERY_GAS) {
        return result(InstructionResult::OutOfGas, Bytes::new(), gas);
    }
    let Some(sel) = input.get(..4) else {
        return result(InstructionResult::Revert, Bytes::new(), gas);
    };
    let error = |name: &str, gas: Gas| {
        result(InstructionResult::Revert, Bytes::from(selector(name).to_vec()), gas)
    };
    let program_of = |host: &mut H| -> Option<bool> {
        let arg = input.get(4..36)?;
        let address = Address::from_slice(&arg[12..]);
        let code = host.load_account_code(address)?.data;
        Some(
            is_stylus_code(&code) && WasmRuntime::global().program(keccak256(&code), &code).is_ok(),
        )
    };
    if sel == selector("activateProgram(address)") {
        return match program_of(host) {
            Some(true) => error("ProgramUpToDate()", gas),
            Some(false) => error("ProgramNotWasm()", gas),
            None => result(InstructionResult::Revert, Bytes::new(), gas),
        };
    }
    if sel == selector("programVersion(address)") {
        return match program_of(host) {
            Some(true) => result(InstructionResult::Return, word(STYLUS_VERSION.into()), gas),
            Some(false) => error("ProgramNotActivated()", gas),
            None => result(InstructionResult::Revert, Bytes::new(), gas),
        };
    }
    let constant = if sel == selector("stylusVersion()") {
        Some(u64::from(STYLUS_VERSION))
    } else if sel == selector("inkPrice()") {
        Some(INK_PER_GAS)
    } else if sel == selector("freePages()") {
        Some(FREE_PAGES)
    } else if sel == selector("pageGas()") {
        Some(PAGE_GAS)
    } else if sel == selector("pageLimit()") {
        Some(MAX_PAGES)
    } else if sel == selector("expiryDays()") {
        // Programs never expire: the largest value the ABI's uint16 holds.
        Some(u64::from(u16::MAX))
    } else {
        None
    };
    match constant {
        Some(value) if !inputs.transfers_value() => {
            result(InstructionResult::Return, word(value), gas)
        }
        _ => result(InstructionResult::Revert, Bytes::new(), gas),
    }
}
