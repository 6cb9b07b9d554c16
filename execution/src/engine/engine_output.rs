//! `EngineOutput`: the receipt data an engine's execution of one transaction produced, before
//! the block is sealed (when it becomes a [`Receipt`]).

#[cfg(any(test, feature = "test-utils"))]
use crate::kv::KvReceipt;
use crate::{
    Receipt, deposit::DepositReceipt, dev_state::DevStateReceipt, evm::EvmOutput, svm::SvmReceipt,
};

/// One transaction's output, by engine.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EngineOutput {
    /// The EVM's: status, gas, logs.
    Evm(EvmOutput),
    /// The Solana VM's receipt.
    Svm(SvmReceipt),
    /// A deposit's receipt.
    Deposit(DepositReceipt),
    /// A dev-state transaction's receipt.
    DevState(DevStateReceipt),
    /// The key-value test engine's receipt.
    #[cfg(any(test, feature = "test-utils"))]
    Kv(KvReceipt),
}

impl EngineOutput {
    /// The sealed receipt; `cumulative_evm_gas`: gas used by the block's EVM transactions and
    /// deposits up to and including this one (Ethereum and deposit receipts carry it).
    pub fn receipt(&self, cumulative_evm_gas: u64) -> Receipt {
        match self {
            EngineOutput::Evm(output) => Receipt::Evm(output.receipt(cumulative_evm_gas)),
            EngineOutput::Svm(receipt) => Receipt::Svm(receipt.clone()),
            EngineOutput::Deposit(receipt) => Receipt::Deposit(DepositReceipt {
                cumulative_gas_used: cumulative_evm_gas,
                ..receipt.clone()
            }),
            EngineOutput::DevState(receipt) => Receipt::DevState(*receipt),
            #[cfg(any(test, feature = "test-utils"))]
            EngineOutput::Kv(receipt) => Receipt::Kv(receipt.clone()),
        }
    }

    /// The EVM output, if it is one.
    pub fn as_evm(&self) -> Option<&EvmOutput> {
        match self {
            EngineOutput::Evm(output) => Some(output),
            _ => None,
        }
    }
}
