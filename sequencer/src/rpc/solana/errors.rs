//! Solana's JSON-RPC errors: the codes and texts agave's RPC returns (its `custom_error`),
//! which Solana clients match on.

use jsonrpsee::types::ErrorObjectOwned;
use solana_rpc_client_types::response::RpcSimulateTransactionResult;

/// `sendTransaction`'s preflight simulation failed.
pub(crate) const PREFLIGHT_FAILURE: i32 = -32002;
/// A signature of the transaction does not verify.
pub(crate) const SIGNATURE_VERIFICATION_FAILURE: i32 = -32003;
/// The block of a slot is not available (not produced yet).
pub(crate) const BLOCK_NOT_AVAILABLE: i32 = -32004;
/// The transaction's version is above the client's `maxSupportedTransactionVersion`.
pub(crate) const UNSUPPORTED_TRANSACTION_VERSION: i32 = -32015;
/// The node's state is behind the request's `minContextSlot`.
pub(crate) const MIN_CONTEXT_SLOT_NOT_REACHED: i32 = -32016;

/// The preflight failure of a transaction, with the simulation's result as data.
pub(crate) fn preflight_failure(
    message: String,
    result: RpcSimulateTransactionResult,
) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(PREFLIGHT_FAILURE, message, Some(result))
}

/// A transaction whose signatures do not verify.
pub(crate) fn signature_verification_failure() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        SIGNATURE_VERIFICATION_FAILURE,
        "Transaction signature verification failure",
        None::<()>,
    )
}

/// A slot with no block yet.
pub(crate) fn block_not_available(slot: u64) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        BLOCK_NOT_AVAILABLE,
        format!("Block not available for slot {slot}"),
        None::<()>,
    )
}

/// A v0 transaction asked for without `maxSupportedTransactionVersion`.
pub(crate) fn unsupported_version(version: u8) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        UNSUPPORTED_TRANSACTION_VERSION,
        format!(
            "Transaction version ({version}) is not supported by the requesting client. Please \
             try the request again with the following configuration parameter: \
             \"maxSupportedTransactionVersion\": {version}"
        ),
        None::<()>,
    )
}

/// `minContextSlot` above the node's slot.
pub(crate) fn min_context_slot_not_reached(context_slot: u64) -> ErrorObjectOwned {
    ErrorObjectOwned::owned(
        MIN_CONTEXT_SLOT_NOT_REACHED,
        "Minimum context slot has not been reached",
        Some(serde_json::json!({ "contextSlot": context_slot })),
    )
}

/// agave's `Error::invalid_request()`: JSON-RPC's -32600 "Invalid request".
pub(crate) fn invalid_request() -> ErrorObjectOwned {
    ErrorObjectOwned::owned(-32600, "Invalid request", None::<()>)
}
