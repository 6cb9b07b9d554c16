//! Genesis: the state and block 0 of a chain, built from the configuration.

use alloy_primitives::{B256, KECCAK256_EMPTY, U256, keccak256};
use node_config::GenesisConfig;

use crate::{
    AccountState, BlockEnv, BlockOutcome, ExecutionError, SealedBlock, StateChanges, Store,
    state::AccountChange,
};

/// The genesis write set: every alloc account with its balance, nonce, code and storage.
pub fn genesis_changes(genesis: &GenesisConfig) -> StateChanges {
    let mut changes = StateChanges::default();
    for (address, alloc) in &genesis.alloc {
        let code_hash = match &alloc.code {
            Some(code) if !code.is_empty() => {
                let hash = keccak256(code);
                changes.code.insert(hash, code.clone());
                hash
            }
            _ => KECCAK256_EMPTY,
        };
        let storage = alloc
            .storage
            .iter()
            .map(|(slot, value)| (U256::from_be_bytes(slot.0), U256::from_be_bytes(value.0)))
            .filter(|(_, value)| !value.is_zero())
            .collect();
        changes.accounts.insert(
            *address,
            AccountChange {
                account: Some(AccountState {
                    nonce: alloc.nonce,
                    balance: alloc.balance,
                    code_hash,
                    ..Default::default()
                }),
                storage_cleared: true,
                storage,
            },
        );
    }
    changes
}

impl Store {
    /// Writes the genesis block if the database is empty; otherwise checks that it belongs
    /// to `chain_id` and returns its stored genesis. `timestamp` is used only when writing.
    pub fn init_genesis(
        &self,
        chain_id: u64,
        genesis: &GenesisConfig,
        gas_limit: u64,
        timestamp: u64,
    ) -> Result<SealedBlock, ExecutionError> {
        let reader = self.reader()?;
        if reader.head_number()?.is_some() {
            let stored = reader.chain_id()?.unwrap_or_default();
            let block = reader
                .block(0)?
                .ok_or_else(|| ExecutionError::Invariant("head without genesis".into()))?;
            if stored != chain_id {
                return Err(ExecutionError::ChainMismatch {
                    stored,
                    stored_genesis: block.hash,
                    configured: chain_id,
                });
            }
            return Ok(block);
        }
        drop(reader);
        let outcome = BlockOutcome {
            env: BlockEnv {
                number: 0,
                timestamp,
                parent_hash: B256::ZERO,
                gas_limit,
                base_fee_per_gas: genesis.base_fee_per_gas,
                beneficiary: genesis.fee_vault,
                prevrandao: B256::ZERO,
            },
            transactions: Vec::new(),
            receipts: Vec::new(),
            changes: genesis_changes(genesis),
            gas_used: 0,
            rejected: Vec::new(),
        };
        self.seal_block(&outcome, genesis.extra_data.clone(), |txn, _| {
            crate::store::write_chain_id(txn, chain_id)
        })
    }
}
