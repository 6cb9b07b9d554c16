//! Genesis: the state and block 0 of a chain, built from the configuration.

use alloy_primitives::{KECCAK256_EMPTY, U256, keccak256};
use node_config::GenesisConfig;

use crate::{
    AccountId, AccountState, BlockOutcome, ChainSpec, ExecutionError, SealedBlock, StateChanges,
    Store,
    state::{AccountChange, AccountData},
};

/// The genesis write set: every EVM alloc account with its balance, nonce, code and storage,
/// and every account of another VM with its balance and data.
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
            AccountId::from(*address),
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
    for (id, account) in &genesis.accounts {
        let data = account.owner.map(|owner| AccountData {
            owner: AccountId(owner),
            executable: account.executable,
            rent_epoch: 0,
            data: account.data.clone(),
        });
        changes.accounts.insert(
            AccountId(*id),
            AccountChange {
                account: Some(AccountState { balance: account.balance, ..Default::default() }),
                storage_cleared: false,
                storage: Default::default(),
            },
        );
        changes.data.insert(AccountId(*id), data);
    }
    changes
}

impl Store {
    /// Writes the genesis block if the database is empty; otherwise checks that it belongs
    /// to the chain of `spec` and returns its stored genesis. `timestamp` is used only when
    /// writing.
    pub fn init_genesis(
        &self,
        spec: &ChainSpec,
        genesis: &GenesisConfig,
        timestamp: u64,
    ) -> Result<SealedBlock, ExecutionError> {
        let reader = self.reader()?;
        if reader.head_number()?.is_some() {
            let stored = reader.chain_id()?.unwrap_or_default();
            let block = reader
                .block(0)?
                .ok_or_else(|| ExecutionError::Invariant("head without genesis".into()))?;
            if stored != spec.chain_id {
                return Err(ExecutionError::ChainMismatch {
                    stored,
                    stored_genesis: block.hash,
                    configured: spec.chain_id,
                });
            }
            return Ok(block);
        }
        drop(reader);
        let outcome = BlockOutcome {
            env: spec.genesis_env(timestamp, genesis.base_fee_per_gas),
            transactions: Vec::new(),
            changes: genesis_changes(genesis),
            gas_used: 0,
            rejected: Vec::new(),
        };
        let options = crate::store::SealOptions::default().chain_id(spec.chain_id);
        self.seal_block_with(&outcome, genesis.extra_data.clone(), options, |_| Ok(()))
    }
}
