//! Reading Solana RPC parameters as agave does: base58 pubkeys and signatures, the wire
//! transaction in base58 or base64 within the packet size, and the block a commitment names.

use base64::{Engine as _, prelude::BASE64_STANDARD};
use jsonrpsee::types::ErrorObjectOwned;
use solana_commitment_config::CommitmentConfig;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_transaction_status::UiTransactionEncoding;

use super::errors::min_context_slot_not_reached;
use crate::rpc::errors::{RpcResult, invalid_params};

/// Largest serialized transaction (Solana's `PACKET_DATA_SIZE`: an IPv6 MTU less headers).
pub(crate) const PACKET_DATA_SIZE: usize = 1280 - 40 - 8;
/// Longest base58 text of a transaction.
const MAX_BASE58_SIZE: usize = 1683;
/// Longest base64 text of a transaction.
const MAX_BASE64_SIZE: usize = 1644;

/// A base58 pubkey parameter.
pub(crate) fn pubkey(text: &str) -> RpcResult<Pubkey> {
    text.parse().map_err(|e| invalid_params(format!("Invalid param: {e:?}")))
}

/// A base58 signature parameter.
pub(crate) fn signature(text: &str) -> RpcResult<Signature> {
    text.parse().map_err(|e| invalid_params(format!("Invalid param: {e:?}")))
}

/// The bytes of a wire transaction sent as `encoding` (base58 when unset), within Solana's
/// size limits, with agave's error texts.
pub(crate) fn wire_transaction(
    data: &str,
    encoding: Option<UiTransactionEncoding>,
) -> RpcResult<Vec<u8>> {
    const TYPE: &str = "solana_transaction::versioned::VersionedTransaction";
    let encoding = encoding.unwrap_or(UiTransactionEncoding::Base58);
    let too_large = |name: &str, len: usize, max: usize| {
        invalid_params(format!(
            "{name} encoded {TYPE} too large: {len} bytes (max: encoded/raw {max}/{PACKET_DATA_SIZE})"
        ))
    };
    let wire = match encoding {
        UiTransactionEncoding::Base58 => {
            if data.len() > MAX_BASE58_SIZE {
                return Err(too_large("base58", data.len(), MAX_BASE58_SIZE));
            }
            bs58::decode(data)
                .into_vec()
                .map_err(|e| invalid_params(format!("invalid base58 encoding: {e:?}")))?
        }
        UiTransactionEncoding::Base64 => {
            if data.len() > MAX_BASE64_SIZE {
                return Err(too_large("base64", data.len(), MAX_BASE64_SIZE));
            }
            BASE64_STANDARD
                .decode(data)
                .map_err(|e| invalid_params(format!("invalid base64 encoding: {e:?}")))?
        }
        other => {
            return Err(invalid_params(format!(
                "unsupported encoding: {other}. Supported encodings: base58, base64"
            )));
        }
    };
    if wire.len() > PACKET_DATA_SIZE {
        return Err(invalid_params(format!(
            "decoded {TYPE} too large: {} bytes (max: {PACKET_DATA_SIZE} bytes)",
            wire.len()
        )));
    }
    Ok(wire)
}

/// The chain's heads as Solana's commitment levels see them: `processed` and `confirmed` are
/// the sealed head (a block is final for its sequencer once sealed), `finalized` is the
/// finalized head.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Heads {
    /// The newest sealed block.
    pub(crate) sealed: u64,
    /// The newest finalized block.
    pub(crate) finalized: u64,
}

impl Heads {
    /// The slot a request at `commitment` sees (finalized when unset, as agave's default).
    pub(crate) fn slot(&self, commitment: Option<CommitmentConfig>) -> u64 {
        if commitment.unwrap_or_default().is_finalized() {
            self.finalized.min(self.sealed)
        } else {
            self.sealed
        }
    }

    /// The slot at `commitment`, refusing a `min_context_slot` the node has not reached.
    pub(crate) fn context_slot(
        &self,
        commitment: Option<CommitmentConfig>,
        min_context_slot: Option<u64>,
    ) -> Result<u64, ErrorObjectOwned> {
        let slot = self.slot(commitment);
        match min_context_slot {
            Some(min) if min > slot => Err(min_context_slot_not_reached(slot)),
            _ => Ok(slot),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_transactions_decode_within_limits() {
        let raw = vec![7u8; 100];
        let b58 = bs58::encode(&raw).into_string();
        let b64 = BASE64_STANDARD.encode(&raw);
        assert_eq!(wire_transaction(&b58, None).unwrap(), raw);
        assert_eq!(wire_transaction(&b64, Some(UiTransactionEncoding::Base64)).unwrap(), raw);
        let err = wire_transaction("0OIl", None).unwrap_err();
        assert!(err.message().starts_with("invalid base58 encoding"), "{}", err.message());
        let big = BASE64_STANDARD.encode(vec![0u8; 1233]);
        assert!(wire_transaction(&big, Some(UiTransactionEncoding::Base64)).is_err());
        let json = wire_transaction(&b58, Some(UiTransactionEncoding::Json)).unwrap_err();
        assert_eq!(
            json.message(),
            "unsupported encoding: json. Supported encodings: base58, base64"
        );
    }

    #[test]
    fn commitments_name_heads() {
        let heads = Heads { sealed: 10, finalized: 7 };
        assert_eq!(heads.slot(None), 7);
        assert_eq!(heads.slot(Some(CommitmentConfig::confirmed())), 10);
        assert_eq!(heads.slot(Some(CommitmentConfig::processed())), 10);
        assert!(heads.context_slot(Some(CommitmentConfig::confirmed()), Some(11)).is_err());
        assert_eq!(heads.context_slot(None, Some(7)).unwrap(), 7);
    }

    #[test]
    fn bad_keys_are_invalid_params() {
        assert_eq!(pubkey("xyz").unwrap_err().code(), -32602);
        assert!(signature("1111").is_err());
        assert!(pubkey("11111111111111111111111111111111").is_ok());
    }
}
