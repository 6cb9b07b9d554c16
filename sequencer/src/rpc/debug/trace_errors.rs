//! A failed trace as geth reports it: every failure of the tracer or of the traced
//! transaction is a `-32000` error with geth's text (`tracing failed: ...`,
//! `execution timeout`, a tracer that cannot be made); a failure of the node is internal.

use execution::evm::TraceError;
use jsonrpsee::types::ErrorObjectOwned;

use super::errors::{internal, server_error};

/// geth's error for `err`.
pub(super) fn trace_error(err: TraceError) -> ErrorObjectOwned {
    match err {
        TraceError::Execution(e) => internal(e),
        other => server_error(other.to_string()),
    }
}

/// geth's error for a block it cannot find by number (`block #<n> not found`).
pub(super) fn block_number_not_found(number: u64) -> ErrorObjectOwned {
    server_error(format!("block #{number} not found"))
}

/// geth's error for a block it cannot find by hash (`block <0x-hash> not found`).
pub(super) fn block_hash_not_found(hash: alloy_primitives::B256) -> ErrorObjectOwned {
    server_error(format!("block {hash} not found"))
}

/// geth's error for a trace of the genesis block (or of a transaction in it).
pub(super) fn genesis_not_traceable() -> ErrorObjectOwned {
    server_error("genesis is not traceable")
}

/// geth's error for a transaction that is not in the chain (pooled ones are not traced).
pub(super) fn transaction_not_found() -> ErrorObjectOwned {
    server_error("transaction not found")
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;

    use super::*;

    #[test]
    fn texts_are_geths() {
        let cases = [
            (trace_error(TraceError::Timeout), "execution timeout"),
            (
                trace_error(TraceError::Failed("nonce too low".into())),
                "tracing failed: nonce too low",
            ),
            (block_number_not_found(9), "block #9 not found"),
            (genesis_not_traceable(), "genesis is not traceable"),
            (transaction_not_found(), "transaction not found"),
        ];
        for (err, message) in cases {
            assert_eq!((err.code(), err.message()), (-32000, message));
        }
        let err = block_hash_not_found(B256::repeat_byte(0xab));
        assert_eq!(err.message(), format!("block 0x{} not found", "ab".repeat(32)));
        let err =
            trace_error(TraceError::Execution(execution::ExecutionError::Invariant("x".into())));
        assert_eq!(err.code(), -32603);
    }
}
