//! The Solana accounts one EVM transaction changed through the Solana precompile, journaled
//! with the rest of the transaction.
//!
//! Each time a call changes a Solana account (one that is not an EVM address: those are EVM
//! balances, journaled by revm itself), the account's new state is appended here as a
//! version, and the version's number is stored in revm's journal as storage slot
//! `keccak256(pubkey)` of [`SOLANA_ACCOUNTS`]. revm reverts that slot with the frame that
//! wrote it, so revm's journal alone decides which version of each account is current, during
//! the transaction and at its end. Versions are never removed during the transaction: one no
//! slot points to any more is dropped with it.

use alloy_primitives::{Address, U256, address, keccak256};
use revm::state::EvmState;

use crate::{
    AccountId, AccountState,
    scheduler::{StateKey, StateValue, TxWrites},
    state::AccountData,
};

/// The EVM address whose journaled storage holds, for each Solana account the transaction
/// changed, the number of its current version. It holds no code and its storage never reaches
/// the state: at the end of the transaction the versions it points to are written instead.
pub const SOLANA_ACCOUNTS: Address = address!("0x0000000000000000000000000000000000000501");

/// One version of a Solana account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    /// The account.
    pub(crate) id: AccountId,
    /// Its record (balance), `None` when it is gone.
    pub(crate) record: Option<AccountState>,
    /// Its owner, data and flags; `None` for a system account.
    pub(crate) data: Option<AccountData>,
    /// Whether it had data before the transaction (its data is then written even if now none).
    pub(crate) had_data: bool,
}

/// The versions of the Solana accounts one transaction changed.
#[derive(Debug, Default)]
pub struct SolanaVersions {
    versions: Vec<Version>,
}

impl SolanaVersions {
    /// Forgets every version: a new transaction starts.
    pub fn clear(&mut self) {
        self.versions.clear();
    }

    /// The journal slot of account `id` in [`SOLANA_ACCOUNTS`].
    pub(crate) fn slot(id: &AccountId) -> U256 {
        U256::from_be_bytes(keccak256(id.as_bytes()).0)
    }

    /// Version `number` (as stored in the journal: 1 is the first), if there is one.
    pub(crate) fn get(&self, number: U256) -> Option<&Version> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        self.versions.get(index)
    }

    /// Appends `version`; its number, to store in the journal.
    pub(crate) fn push(&mut self, version: Version) -> U256 {
        self.versions.push(version);
        U256::from(self.versions.len())
    }

    /// Appends to `writes` the current version (as the transaction's final state `state` says)
    /// of every Solana account the transaction changed.
    pub fn push_writes(&self, state: &EvmState, writes: &mut TxWrites) {
        let Some(journal) = state.get(&SOLANA_ACCOUNTS) else { return };
        for slot in journal.storage.values().filter(|slot| slot.is_changed()) {
            let Some(version) = self.get(slot.present_value) else { continue };
            let empty = version.data.is_none()
                && version.record.is_none_or(|r| {
                    r.balance.is_zero()
                        && r.nonce == 0
                        && r.code_hash == alloy_primitives::KECCAK256_EMPTY
                });
            let record = if empty { None } else { version.record };
            writes.values.push((StateKey::Account(version.id), StateValue::Account(record)));
            if version.data.is_some() || version.had_data {
                writes
                    .values
                    .push((StateKey::Data(version.id), StateValue::Data(version.data.clone())));
            }
        }
    }
}
