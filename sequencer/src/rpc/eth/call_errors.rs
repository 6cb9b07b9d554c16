//! The errors of EVM calls as geth returns them: reverts (code 3 with the revert data and
//! its decoded reason), halts (geth's VM error texts), invalid calls, and `eth_estimateGas`'s
//! "gas required exceeds allowance".

use alloy_primitives::{U256, hex};
use alloy_sol_types::{Panic, Revert, SolError};
use execution::evm::CallResult;
use jsonrpsee::types::ErrorObjectOwned;

use super::errors::{EXECUTION_REVERTED, internal, server_error};

/// geth's reason for a panic code (`Panic(uint256)`), as `abi.UnpackRevert` gives it.
fn panic_reason(code: U256) -> String {
    let known = match u64::try_from(code) {
        Ok(0x00) => "generic panic",
        Ok(0x01) => "assert(false)",
        Ok(0x11) => "arithmetic underflow or overflow",
        Ok(0x12) => "division or modulo by zero",
        Ok(0x21) => "enum overflow",
        Ok(0x22) => "invalid encoded storage byte array accessed",
        Ok(0x31) => "out-of-bounds array access; popping on an empty array",
        Ok(0x32) => "out-of-bounds access of an array or bytesN",
        Ok(0x41) => "out of memory",
        Ok(0x51) => "uninitialized function",
        _ => return format!("unknown panic code: {code:#x}"),
    };
    known.to_string()
}

/// The human reason in revert data, as geth's `abi.UnpackRevert` finds it: the string of an
/// `Error(string)`, or the meaning of a `Panic(uint256)`. `None` for anything else.
pub(crate) fn revert_reason(output: &[u8]) -> Option<String> {
    if let Ok(revert) = Revert::abi_decode(output) {
        return Some(revert.reason);
    }
    if let Ok(panic) = Panic::abi_decode(output) {
        return Some(panic_reason(panic.code));
    }
    None
}

/// geth's error for a reverted call: code 3 with the raw data when there is data, a plain
/// `-32000 execution reverted` when there is none.
pub(crate) fn revert_error(output: &[u8]) -> ErrorObjectOwned {
    if output.is_empty() {
        return server_error("execution reverted");
    }
    let message = match revert_reason(output) {
        Some(reason) => format!("execution reverted: {reason}"),
        None => "execution reverted".to_string(),
    };
    ErrorObjectOwned::owned(EXECUTION_REVERTED, message, Some(hex::encode_prefixed(output)))
}

/// Whether a halt reason (revm's `Debug` text of its `HaltReason`) is running out of gas.
pub(crate) fn is_out_of_gas(reason: &str) -> bool {
    reason.starts_with("OutOfGas")
}

/// geth's VM error text for a revm halt reason (`Debug` text of revm's `HaltReason`).
pub(crate) fn halt_message(reason: &str) -> String {
    let name = reason.split('(').next().unwrap_or(reason);
    let text = match name {
        "OutOfGas" => "out of gas",
        "OpcodeNotFound" | "NotActivated" => "invalid opcode: opcode not defined",
        "InvalidFEOpcode" => "invalid opcode: INVALID",
        "InvalidJump" => "invalid jump destination",
        "StackUnderflow" => "stack underflow",
        "StackOverflow" => "stack limit reached 1024",
        "OutOfOffset" => "return data out of bounds",
        "CreateCollision" => "contract address collision",
        "PrecompileError" | "PrecompileErrorWithContext" => "precompiled contract failed",
        "NonceOverflow" => "nonce uint64 overflow",
        "CreateContractSizeLimit" => "max code size exceeded",
        "CreateContractStartingWithEF" => "invalid code: must not begin with 0xef",
        "CreateInitCodeSizeLimit" => "max initcode size exceeded",
        "OverflowPayment" => "gas uint64 overflow",
        "StateChangeDuringStaticCall" | "CallNotAllowedInsideStatic" => "write protection",
        "OutOfFunds" => "insufficient balance for transfer",
        "CallTooDeep" => "max call depth exceeded",
        _ => return reason.to_ascii_lowercase(),
    };
    text.to_string()
}

/// The error `eth_call` returns for a call that did not succeed (`None` for a success).
pub(crate) fn call_error(result: &CallResult) -> Option<ErrorObjectOwned> {
    match result {
        CallResult::Success { .. } => None,
        CallResult::Revert { output, .. } => Some(revert_error(output)),
        CallResult::Halt { reason, .. } => Some(server_error(halt_message(reason))),
        CallResult::Invalid(message) => Some(server_error(message.clone())),
    }
}

/// The error `eth_estimateGas` returns when the call fails even with `cap` gas: reverts and
/// invalid calls as `eth_call`, running out of gas as geth's
/// `gas required exceeds allowance (cap)`, other halts with their VM error.
pub(crate) fn estimate_error(result: &CallResult, cap: u64) -> ErrorObjectOwned {
    match result {
        CallResult::Halt { reason, .. } if is_out_of_gas(reason) => {
            server_error(format!("gas required exceeds allowance ({cap})"))
        }
        CallResult::Success { .. } => internal("estimate failed on a successful call"),
        other => call_error(other).unwrap_or_else(|| internal("unreachable call result")),
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::Bytes;
    use serde_json::json;

    use super::*;

    fn to_json(e: &ErrorObjectOwned) -> serde_json::Value {
        serde_json::to_value(e).unwrap()
    }

    #[test]
    fn revert_with_error_string_has_reason_and_data() {
        let data = Revert::from("not enough tokens").abi_encode();
        let err = revert_error(&data);
        assert_eq!(
            to_json(&err),
            json!({
                "code": 3,
                "message": "execution reverted: not enough tokens",
                "data": hex::encode_prefixed(&data),
            })
        );
    }

    #[test]
    fn revert_with_panic_uses_geth_reason() {
        let data = Panic::from(0x11u64).abi_encode();
        let err = revert_error(&data);
        assert_eq!(err.code(), 3);
        assert_eq!(err.message(), "execution reverted: arithmetic underflow or overflow");
        let data = Panic::from(0x99u64).abi_encode();
        assert_eq!(revert_error(&data).message(), "execution reverted: unknown panic code: 0x99");
    }

    #[test]
    fn revert_with_custom_error_keeps_data_only() {
        let data = Bytes::from(vec![0xde, 0xad, 0xbe, 0xef, 1, 2]);
        let err = revert_error(&data);
        assert_eq!(
            to_json(&err),
            json!({"code": 3, "message": "execution reverted", "data": "0xdeadbeef0102"})
        );
    }

    #[test]
    fn empty_revert_is_plain_server_error() {
        let err = revert_error(&[]);
        assert_eq!(to_json(&err), json!({"code": -32000, "message": "execution reverted"}));
    }

    #[test]
    fn halts_use_geth_texts() {
        assert_eq!(halt_message("OutOfGas(Basic)"), "out of gas");
        assert_eq!(halt_message("InvalidFEOpcode"), "invalid opcode: INVALID");
        assert_eq!(halt_message("StackUnderflow"), "stack underflow");
        assert_eq!(halt_message("SomethingNew"), "somethingnew");
        let halt = CallResult::Halt { reason: "OutOfGas(Memory)".into(), gas_used: 5 };
        assert_eq!(call_error(&halt).unwrap().message(), "out of gas");
        let est = estimate_error(&halt, 30_000_000);
        assert_eq!(est.code(), -32000);
        assert_eq!(est.message(), "gas required exceeds allowance (30000000)");
        let bad = CallResult::Halt { reason: "InvalidJump".into(), gas_used: 5 };
        assert_eq!(estimate_error(&bad, 1).message(), "invalid jump destination");
    }

    #[test]
    fn invalid_calls_are_server_errors() {
        let invalid = CallResult::Invalid("insufficient funds for gas * price + value".into());
        let err = call_error(&invalid).unwrap();
        assert_eq!(err.code(), -32000);
        assert_eq!(err.message(), "insufficient funds for gas * price + value");
        assert!(call_error(&CallResult::Success { output: Bytes::new(), gas_used: 1 }).is_none());
    }
}
