//! The key-value test engine's receipt (`success ‖ units (u64 BE) ‖ fee (32 bytes BE)`) and
//! its reasons for refusing a transaction.

use alloy_primitives::U256;

use crate::{AccountId, TxError};

/// What a key-value transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvReceipt {
    /// Whether its operations applied (a transfer it could not fund fails it).
    pub success: bool,
    /// Units it used.
    pub units: u64,
    /// Fee it paid, in wei.
    pub fee: U256,
}

const LEN: usize = 1 + 8 + 32;

impl KvReceipt {
    /// The receipt's encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN);
        out.push(u8::from(self.success));
        out.extend_from_slice(&self.units.to_be_bytes());
        out.extend_from_slice(&self.fee.to_be_bytes::<32>());
        out
    }

    /// Decodes [`encode`](Self::encode)'s output.
    pub fn decode(bytes: &[u8]) -> Result<Self, TxError> {
        if bytes.len() != LEN || bytes[0] > 1 {
            return Err(TxError::Malformed("kv receipt".into()));
        }
        Ok(Self {
            success: bytes[0] == 1,
            units: u64::from_be_bytes(bytes[1..9].try_into().expect("8 bytes")),
            fee: U256::from_be_slice(&bytes[9..]),
        })
    }
}

/// Why the key-value engine refused a transaction at its position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KvRejection {
    /// The payer cannot pay the fee.
    #[error("insufficient funds for fee: account {payer} has {have} wei, needs {want} wei")]
    CannotPayFee {
        /// The payer.
        payer: AccountId,
        /// Its balance.
        have: U256,
        /// The fee.
        want: U256,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_round_trip() {
        let receipt = KvReceipt { success: true, units: 3000, fee: U256::from(9) };
        assert_eq!(KvReceipt::decode(&receipt.encode()).unwrap(), receipt);
        assert!(KvReceipt::decode(&[2; LEN]).is_err());
        assert!(KvReceipt::decode(&[]).is_err());
    }
}
