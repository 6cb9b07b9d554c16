//! `DepositReceipt`: what a deposit did — its nonce, whether its L2 call succeeded, the gas it
//! used and the call's logs — stored as RLP.

use alloy_primitives::Log;
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};

use crate::TxError;

/// A deposit's receipt. The mint always happened; `success` is the call's (always true for an
/// SVM recipient).
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub struct DepositReceipt {
    /// The portal's nonce of the deposit.
    pub nonce: u64,
    /// Whether its L2 call succeeded.
    pub success: bool,
    /// Gas its call used.
    pub gas_used: u64,
    /// Gas used by the block's EVM transactions and deposits up to and including this one
    /// (set when the block is sealed).
    pub cumulative_gas_used: u64,
    /// Logs its call emitted (empty when it failed).
    pub logs: Vec<Log>,
}

impl DepositReceipt {
    /// Its stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.length());
        Encodable::encode(self, &mut out);
        out
    }

    /// Decodes exactly [`encode`](Self::encode)'s bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self, TxError> {
        let mut buf = bytes;
        let receipt = <Self as Decodable>::decode(&mut buf)
            .map_err(|e| TxError::Malformed(format!("deposit receipt: {e}")))?;
        if !buf.is_empty() {
            return Err(TxError::Malformed("deposit receipt: trailing bytes".into()));
        }
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, B256, Bytes, LogData};

    use super::*;

    #[test]
    fn round_trips() {
        let log = Log {
            address: Address::repeat_byte(1),
            data: LogData::new_unchecked(vec![B256::repeat_byte(2)], Bytes::from_static(&[3])),
        };
        let receipt = DepositReceipt {
            nonce: 4,
            success: true,
            gas_used: 50_000,
            cumulative_gas_used: 71_000,
            logs: vec![log],
        };
        assert_eq!(DepositReceipt::decode(&receipt.encode()).unwrap(), receipt);
        assert!(DepositReceipt::decode(&[0xc0, 0]).is_err());
    }
}
