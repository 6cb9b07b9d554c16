//! [`WithdrawalLogTree`]: the withdrawal tree of a chain rebuilt from its own blocks — every
//! `MessagePassed` log of the `L2Withdrawals` contract in the EVM receipts, in block order —
//! for a block whose state the store no longer keeps (`[history] keep_blocks`), where the
//! contract's own root cannot be read. It is the tree clients rebuild from `eth_getLogs`
//! (`bridge::l2::withdrawals_until`): the same logs, and the same root the contract held, since
//! the contract emits one log per withdrawal it adds (and a deposit's call may not start one:
//! see `execution::deposit`).
//!
//! Built forwards and kept between calls, so an output verifier going through the outputs in
//! order reads each block once; a block's logs bloom skips blocks without the contract's logs.

use alloy::{
    primitives::{B256, BloomInput},
    sol_types::SolEvent,
};
use bridge::{
    WithdrawalTree,
    contracts::{L2_WITHDRAWALS_ADDRESS, L2Withdrawals::MessagePassed},
};
use execution::{ExecutionError, StoreReader};

/// The withdrawal tree of blocks `0..next_block`.
#[derive(Debug, Clone, Default)]
pub struct WithdrawalLogTree {
    next_block: u64,
    tree: WithdrawalTree,
}

impl WithdrawalLogTree {
    /// The withdrawal root after block `number`, from `reader`'s blocks (built on from the
    /// blocks already read, or again from genesis for a block before them).
    pub fn root_after(
        &mut self,
        reader: &StoreReader,
        number: u64,
    ) -> Result<B256, ExecutionError> {
        if number.saturating_add(1) < self.next_block {
            *self = Self::default();
        }
        while self.next_block <= number {
            let block = self.next_block;
            let header = reader
                .header(block)?
                .ok_or_else(|| ExecutionError::Invariant(format!("block {block} has no header")))?;
            if header.logs_bloom.contains_input(BloomInput::Raw(L2_WITHDRAWALS_ADDRESS.as_slice()))
            {
                for receipt in reader.receipts(block)?.unwrap_or_default() {
                    let Some(receipt) = receipt.as_evm() else { continue };
                    for log in receipt.logs() {
                        if log.address == L2_WITHDRAWALS_ADDRESS
                            && log.topics().first() == Some(&MessagePassed::SIGNATURE_HASH)
                        {
                            let event = MessagePassed::decode_log_data(&log.data).map_err(|e| {
                                ExecutionError::Invariant(format!(
                                    "block {block}: a MessagePassed log that does not decode: {e}"
                                ))
                            })?;
                            self.tree.push(event.withdrawalHash);
                        }
                    }
                }
            }
            self.next_block += 1;
        }
        Ok(self.tree.root())
    }
}
