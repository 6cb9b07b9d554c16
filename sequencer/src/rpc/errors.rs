//! JSON-RPC errors with geth's codes and texts, shared by every namespace (the EVM call
//! errors are `eth::call_errors`).
//!
//! web3.py, ethers v6 and viem recognise failures by code and message, so every error a
//! handler returns goes through one of these constructors:
//!
//! | situation                              | code     | message                                        |
//! |----------------------------------------|----------|------------------------------------------------|
//! | call reverted with data                | `3`      | `execution reverted[: <reason>]`, `data` = hex |
//! | call reverted without data             | `-32000` | `execution reverted`                           |
//! | call halted (out of gas, bad opcode)   | `-32000` | geth's VM error text                           |
//! | call not a valid transaction           | `-32000` | geth's validation text                         |
//! | transaction refused by the pool        | `-32000` | `PoolError`'s text                             |
//! | unknown block for a state query        | `-32000` | `header not found`                             |
//! | state of a block older than the kept   | `-32000` | `historical state <root> is not available: ...`|
//! | `eth_getProof` below the head          | `-32000` | `historical state <root> is not available: ...`|
//! | a param geth's decoder refuses           | `-32602` | geth's text (see below)                        |
//! | semantically invalid parameter         | `-32602` | what is wrong                                  |
//! | `eth_getLogs`/`eth_newFilter` range reversed | `-32602` | `invalid block range params`             |
//! | `eth_getLogs` range past the head      | `-32602` | `block range extends beyond current head block`|
//! | `pending` in a log range               | `-32602` | `pending logs are not supported`               |
//! | a query over a limit                   | `-32005` | the limit                                      |
//! | storage failure                        | `-32603` | `internal error: ...`                          |
//!
//! No error carries `data` but a revert's. Params are checked before a method runs, as geth
//! decodes them: `non-array args`, `too many arguments, want at most N`, `missing value for
//! required argument N` and `invalid argument N: <geth's decoding text>` (the texts are
//! `geth_params`', the per-method table `strict_calls::METHODS`'). A blockHash filter with a
//! range is such a decoding error: `invalid argument 0: cannot specify both BlockHash and
//! FromBlock/ToBlock, choose one or the other`.

use std::fmt::Display;

use alloy_primitives::{B256, hex};
use jsonrpsee::types::ErrorObjectOwned;

use crate::PoolError;

/// geth's default code for every server-side error.
pub(crate) const SERVER_ERROR: i32 = -32000;
/// Invalid method parameters (JSON-RPC 2.0).
pub(crate) const INVALID_PARAMS: i32 = -32602;
/// Internal error (JSON-RPC 2.0).
pub(crate) const INTERNAL_ERROR: i32 = -32603;
/// geth's code for a revert that carries data.
pub(crate) const EXECUTION_REVERTED: i32 = 3;
/// EIP-1474 "limit exceeded".
pub(crate) const LIMIT_EXCEEDED: i32 = -32005;

/// Result of an RPC handler.
pub(crate) type RpcResult<T> = Result<T, ErrorObjectOwned>;

/// A `-32000` error with `message`.
pub(crate) fn server_error(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(SERVER_ERROR, message.into(), None::<()>)
}

/// A `-32602` error with `message`.
pub(crate) fn invalid_params(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(INVALID_PARAMS, message.into(), None::<()>)
}

/// geth's `errInvalidBlockRange`: a log range whose end is below its start.
pub(crate) fn invalid_block_range() -> ErrorObjectOwned {
    invalid_params("invalid block range params")
}

/// geth's `errBlockRangeIntoFuture`: an `eth_getLogs` range ending above the head.
pub(crate) fn block_range_beyond_head() -> ErrorObjectOwned {
    invalid_params("block range extends beyond current head block")
}

/// geth's `errPendingLogsUnsupported`: `pending` as a log range's end.
pub(crate) fn pending_logs_unsupported() -> ErrorObjectOwned {
    invalid_params("pending logs are not supported")
}

/// A `-32005` error with `message`.
pub(crate) fn limit_exceeded(message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(LIMIT_EXCEEDED, message.into(), None::<()>)
}

/// A `-32603` error for a failure of the node itself (storage, a panicked task). Logged.
pub(crate) fn internal(error: impl Display) -> ErrorObjectOwned {
    tracing::warn!(%error, "rpc internal error");
    ErrorObjectOwned::owned(INTERNAL_ERROR, format!("internal error: {error}"), None::<()>)
}

/// geth's error for a block that does not exist (state queries).
pub(crate) fn header_not_found() -> ErrorObjectOwned {
    server_error("header not found")
}

/// geth's error for a state query at a block whose state is no longer kept (geth:
/// `historical state <root> is not available`), saying which blocks are.
pub(crate) fn historical_state(
    requested: u64,
    root: B256,
    oldest: u64,
    head: u64,
) -> ErrorObjectOwned {
    server_error(format!(
        "historical state {} is not available: this node keeps the states of blocks {oldest} \
         to {head} ([history] keep_blocks; block {requested} requested)",
        hex::encode(root)
    ))
}

/// geth's `historical state <root> is not available` for an `eth_getProof` at a block whose
/// state is kept but whose state trie is not: the database was upgraded from a layout without
/// trie history at block `oldest`, and proofs are served from there on.
pub(crate) fn historical_proof(
    requested: u64,
    root: B256,
    oldest: u64,
    head: u64,
) -> ErrorObjectOwned {
    server_error(format!(
        "historical state {} is not available: this node serves eth_getProof for blocks \
         {oldest} to {head} (its database was upgraded to keep the state trie's history at \
         block {oldest}; block {requested} requested)",
        hex::encode(root)
    ))
}

/// The error for a transaction the pool refused: geth's text.
pub(crate) fn pool_error(error: &PoolError) -> ErrorObjectOwned {
    server_error(error.to_string())
}

#[cfg(test)]
mod tests {
    use execution::TxError;
    use serde_json::json;

    use super::*;

    #[test]
    fn pool_errors_are_server_errors_with_the_engines_texts() {
        let err = pool_error(&PoolError::Invalid(TxError::NonceTooLow { next: 3, nonce: 1 }));
        assert_eq!(
            serde_json::to_value(&err).unwrap(),
            json!({"code": -32000, "message": "nonce too low: next nonce 3, tx nonce 1"})
        );
        assert_eq!(pool_error(&PoolError::AlreadyKnown).message(), "already known");
    }

    #[test]
    fn historical_state_is_geths_text_with_the_kept_range() {
        let err = historical_state(4, B256::repeat_byte(0xab), 6, 10);
        assert_eq!(err.code(), -32000);
        let message = err.message();
        assert!(message.starts_with(&format!("historical state {} is not", "ab".repeat(32))));
        assert!(message.contains("blocks 6 to 10"), "{message}");
        assert!(message.contains("block 4 requested"), "{message}");
        let err = historical_proof(4, B256::repeat_byte(0xab), 6, 10);
        assert_eq!(err.code(), -32000);
        assert!(err.message().contains("eth_getProof for blocks 6 to 10"), "{}", err.message());
        assert!(err.message().contains("upgraded"), "{}", err.message());
    }
}
