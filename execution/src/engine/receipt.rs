//! `Receipt`: a sealed transaction's receipt, by engine, as the store keeps it and the RPC
//! serves it; stored as `kind ‖ engine encoding` (EVM: the EIP-2718 receipt).

use alloy_consensus::ReceiptEnvelope;
use alloy_eips::eip2718::{Decodable2718, Encodable2718};

#[cfg(any(test, feature = "test-utils"))]
use crate::kv::KvReceipt;
use crate::{
    EngineKind, TxError, deposit::DepositReceipt, dev_state::DevStateReceipt, svm::SvmReceipt,
};

/// The receipt of one sealed transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "EVM receipts are the common case: boxing them would allocate per receipt"
)]
pub enum Receipt {
    /// An Ethereum receipt (status, cumulative gas, bloom, logs).
    Evm(ReceiptEnvelope),
    /// A Solana transaction's receipt.
    Svm(SvmReceipt),
    /// A deposit's receipt.
    Deposit(DepositReceipt),
    /// A dev-state transaction's receipt.
    DevState(DevStateReceipt),
    /// The key-value test engine's receipt.
    #[cfg(any(test, feature = "test-utils"))]
    Kv(KvReceipt),
}

impl Receipt {
    /// The engine of the transaction.
    pub fn kind(&self) -> EngineKind {
        match self {
            Receipt::Evm(_) => EngineKind::Evm,
            Receipt::Svm(_) => EngineKind::Svm,
            Receipt::Deposit(_) => EngineKind::Deposit,
            Receipt::DevState(_) => EngineKind::DevState,
            #[cfg(any(test, feature = "test-utils"))]
            Receipt::Kv(_) => EngineKind::Kv,
        }
    }

    /// Whether the transaction succeeded.
    pub fn success(&self) -> bool {
        match self {
            Receipt::Evm(receipt) => receipt.status(),
            Receipt::Svm(receipt) => receipt.success(),
            Receipt::Deposit(receipt) => receipt.success,
            Receipt::DevState(_) => true,
            #[cfg(any(test, feature = "test-utils"))]
            Receipt::Kv(receipt) => receipt.success,
        }
    }

    /// The Ethereum receipt, if it is one.
    pub fn as_evm(&self) -> Option<&ReceiptEnvelope> {
        match self {
            Receipt::Evm(receipt) => Some(receipt),
            _ => None,
        }
    }

    /// The engine's encoding of the receipt (EVM: EIP-2718), without the kind tag.
    pub fn encode_payload(&self) -> Vec<u8> {
        match self {
            Receipt::Evm(receipt) => receipt.encoded_2718(),
            Receipt::Svm(receipt) => receipt.encode(),
            Receipt::Deposit(receipt) => receipt.encode(),
            Receipt::DevState(receipt) => receipt.encode(),
            #[cfg(any(test, feature = "test-utils"))]
            Receipt::Kv(receipt) => receipt.encode(),
        }
    }

    /// Appends `kind ‖ engine encoding`.
    pub fn encode_record(&self, out: &mut Vec<u8>) {
        out.push(self.kind().tag());
        match self {
            Receipt::Evm(receipt) => receipt.encode_2718(out),
            Receipt::Svm(receipt) => out.extend_from_slice(&receipt.encode()),
            Receipt::Deposit(receipt) => out.extend_from_slice(&receipt.encode()),
            Receipt::DevState(receipt) => out.extend_from_slice(&receipt.encode()),
            #[cfg(any(test, feature = "test-utils"))]
            Receipt::Kv(receipt) => out.extend_from_slice(&receipt.encode()),
        }
    }

    /// Decodes a record written by [`encode_record`](Self::encode_record).
    pub fn decode_record(record: &[u8]) -> Result<Self, TxError> {
        let Some((tag, mut payload)) = record.split_first() else {
            return Err(TxError::Malformed("empty receipt record".into()));
        };
        let kind = EngineKind::from_tag(*tag)?;
        Ok(match kind {
            EngineKind::Evm => Receipt::Evm(
                ReceiptEnvelope::decode_2718(&mut payload)
                    .map_err(|e| TxError::Malformed(format!("receipt: {e}")))?,
            ),
            #[cfg(any(test, feature = "test-utils"))]
            EngineKind::Kv => Receipt::Kv(KvReceipt::decode(payload)?),
            EngineKind::Svm => Receipt::Svm(SvmReceipt::decode(payload)?),
            EngineKind::Deposit => Receipt::Deposit(DepositReceipt::decode(payload)?),
            EngineKind::DevState => Receipt::DevState(DevStateReceipt::decode(payload)?),
        })
    }
}
