//! `EvmOutput`: what the EVM's execution of one transaction produced — status, gas, logs, the
//! created contract and the return data — and the Ethereum receipt it becomes when the block
//! is sealed.

use alloy_consensus::{Eip658Value, ReceiptEnvelope, ReceiptWithBloom, TxType};
use alloy_primitives::{Address, Bytes, Log};

/// One EVM transaction's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmOutput {
    /// The transaction's EIP-2718 type (the receipt has the same).
    pub tx_type: TxType,
    /// Whether it succeeded (status 1).
    pub success: bool,
    /// Gas it used.
    pub gas_used: u64,
    /// Logs it emitted (empty when it failed).
    pub logs: Vec<Log>,
    /// Address of the contract it created, if any.
    pub contract_address: Option<Address>,
    /// Return data, or revert data.
    pub output: Bytes,
}

impl EvmOutput {
    /// The Ethereum receipt, with `cumulative_gas_used` (gas of the block's EVM transactions
    /// up to and including this one) and the logs bloom.
    pub fn receipt(&self, cumulative_gas_used: u64) -> ReceiptEnvelope {
        let logs_bloom = super::logs_bloom::logs_bloom(&self.logs);
        let receipt = alloy_consensus::Receipt {
            status: Eip658Value::Eip658(self.success),
            cumulative_gas_used,
            logs: self.logs.clone(),
        };
        ReceiptEnvelope::from_typed(self.tx_type, ReceiptWithBloom { receipt, logs_bloom })
    }
}
