//! `SvmReceipt`: what a Solana transaction did — its result in agave's words, the fee it paid,
//! the compute units it consumed, its program logs, the lamports of its accounts before and
//! after — stored as bincode.

use serde::{Deserialize, Serialize};
use svm::types::TransactionError;

use crate::TxError;

/// The receipt of a Solana transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SvmReceipt {
    /// `None` on success, the error otherwise (agave's `TransactionError`).
    pub error: Option<TransactionError>,
    /// Fee paid, in lamports.
    pub fee: u64,
    /// Compute units consumed.
    pub compute_units: u64,
    /// Program logs.
    pub logs: Vec<String>,
    /// Lamports of each account of the message (in its order) before the transaction.
    pub pre_balances: Vec<u64>,
    /// Lamports of each account of the message after it (the fee taken).
    pub post_balances: Vec<u64>,
}

impl SvmReceipt {
    /// Whether it succeeded.
    pub fn success(&self) -> bool {
        self.error.is_none()
    }

    /// Its stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        bincode::serialize(self).unwrap_or_default()
    }

    /// Decodes [`encode`](Self::encode)'s output.
    pub fn decode(bytes: &[u8]) -> Result<Self, TxError> {
        bincode::deserialize(bytes).map_err(|e| TxError::Malformed(format!("svm receipt: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_round_trip() {
        let receipt = SvmReceipt {
            error: Some(TransactionError::InstructionError(
                0,
                svm::types::InstructionError::Custom(1),
            )),
            fee: 5000,
            compute_units: 150,
            logs: vec!["Program log: hi".into()],
            pre_balances: vec![10_000, 0, 1],
            post_balances: vec![5_000, 0, 1],
        };
        assert_eq!(SvmReceipt::decode(&receipt.encode()).unwrap(), receipt);
        assert!(SvmReceipt::decode(&[0xff; 3]).is_err());
    }
}
