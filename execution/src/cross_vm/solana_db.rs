//! `SolanaDb`: what the EVM's database gives the Solana precompile. The block's Solana VM
//! (runtime, sysvars, builtins) and the transaction's account versions live with the database
//! because the database is what each transaction's EVM is built over; state reads go through
//! it so that the parallel scheduler records them (and its errors, such as a read of a value
//! being re-computed, reach the scheduler unchanged).

use revm::Database;

use crate::{
    AccountId, AccountState, cross_vm::SolanaVersions, state::AccountData, svm::SvmBlockVm,
};

/// A database the Solana precompile can run over.
pub trait SolanaDb: Database {
    /// The block's Solana VM and the transaction's account versions; `None` when the chain
    /// does not run the Solana VM (the precompile then refuses every call).
    fn solana(&mut self) -> Option<(&SvmBlockVm<'_>, &mut SolanaVersions)>;

    /// Account `id` (record and Solana data) as the state beneath the transaction holds it.
    fn solana_account(
        &mut self,
        id: AccountId,
    ) -> Result<(Option<AccountState>, Option<AccountData>), Self::Error>;
}

impl<T: SolanaDb + ?Sized> SolanaDb for &mut T {
    fn solana(&mut self) -> Option<(&SvmBlockVm<'_>, &mut SolanaVersions)> {
        (**self).solana()
    }

    fn solana_account(
        &mut self,
        id: AccountId,
    ) -> Result<(Option<AccountState>, Option<AccountData>), Self::Error> {
        (**self).solana_account(id)
    }
}

/// revm's in-memory database (tests and benchmarks of the EVM alone) runs no Solana VM.
impl<ExtDB: revm::DatabaseRef> SolanaDb for revm::database::CacheDB<ExtDB> {
    fn solana(&mut self) -> Option<(&SvmBlockVm<'_>, &mut SolanaVersions)> {
        None
    }

    fn solana_account(
        &mut self,
        _id: AccountId,
    ) -> Result<(Option<AccountState>, Option<AccountData>), Self::Error> {
        Ok((None, None))
    }
}
