//! `StateDb`: revm's `Database` over a [`StateView`], read-only, with contract code analysed
//! once per `StateDb` (`CodeCache`). What a simulated call (`eth_call`, `eth_estimateGas`)
//! runs against: its writes stay in revm's journal and are dropped.
//!
//! Given the block's Solana VM ([`with_solana`](StateDb::with_solana), a [`BlockSolana`]),
//! calls reach Solana programs through the Solana precompile. A `BlockSolana` made from the
//! chain's engine builds the VM on the first such call, so calls that make none do not pay for
//! it, and the runs of one RPC call (`eth_estimateGas`'s search) share it.

use std::cell::OnceCell;

use alloy_primitives::{Address, B256, U256};
use revm::{Database, bytecode::Bytecode, database_interface::DBErrorMarker, state::AccountInfo};

use super::code_cache::CodeCache;
use crate::{
    AccountId, AccountState, BlockEnv, ExecutionError, StateView,
    cross_vm::{SolanaDb, SolanaVersions},
    state::AccountData,
    svm::{SvmBlockVm, SvmEngine},
};

impl DBErrorMarker for ExecutionError {}

/// revm's database over a state view.
pub struct StateDb<'s, V> {
    state: V,
    code: CodeCache,
    solana: Option<&'s dyn BlockSolanaVm>,
    versions: SolanaVersions,
}

/// What a [`StateDb`] asks of a [`BlockSolana`] (an object, so that the block's lifetime need
/// not be the database's).
trait BlockSolanaVm {
    fn vm(&self) -> &SvmBlockVm<'_>;
}

impl BlockSolanaVm for BlockSolana<'_> {
    fn vm(&self) -> &SvmBlockVm<'_> {
        match self {
            Self::Lazy { engine, env, vm } => vm.get_or_init(|| SvmBlockVm::new(engine, env)),
            Self::Built(vm) => vm,
        }
    }
}

/// The Solana VM of one block, for the Solana precompile of calls run over a [`StateDb`].
pub enum BlockSolana<'s> {
    /// Built from the chain's engine when first needed.
    Lazy {
        /// The chain's Solana VM.
        engine: &'s SvmEngine,
        /// The block.
        env: &'s BlockEnv,
        /// The block's VM, once built.
        vm: OnceCell<SvmBlockVm<'s>>,
    },
    /// A block's VM already built (a block being traced).
    Built(&'s SvmBlockVm<'s>),
}

impl std::fmt::Debug for BlockSolana<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlockSolana").finish_non_exhaustive()
    }
}

impl<'s> BlockSolana<'s> {
    /// The Solana VM of block `env` of a chain whose Solana VM is `engine`, if it runs one.
    pub fn lazy(engine: Option<&'s SvmEngine>, env: &'s BlockEnv) -> Option<Self> {
        engine.map(|engine| Self::Lazy { engine, env, vm: OnceCell::new() })
    }
}

impl<V> std::fmt::Debug for StateDb<'_, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateDb").field("solana", &self.solana.is_some()).finish_non_exhaustive()
    }
}

impl<'s, V: StateView> StateDb<'s, V> {
    /// A database reading `state`, without the Solana VM.
    pub fn new(state: V) -> Self {
        Self {
            state,
            code: CodeCache::default(),
            solana: None,
            versions: SolanaVersions::default(),
        }
    }

    /// This database, with the block's Solana VM (`None`: the chain runs none).
    pub fn with_solana(mut self, solana: Option<&'s BlockSolana<'_>>) -> Self {
        self.solana = solana.map(|solana| solana as &dyn BlockSolanaVm);
        self
    }

    /// The Solana accounts the last transaction changed.
    pub fn into_solana_versions(self) -> SolanaVersions {
        self.versions
    }
}

impl<V: StateView> SolanaDb for StateDb<'_, V> {
    fn solana(&mut self) -> Option<(&SvmBlockVm<'_>, &mut SolanaVersions)> {
        Some((self.solana?.vm(), &mut self.versions))
    }

    fn solana_account(
        &mut self,
        id: AccountId,
    ) -> Result<(Option<AccountState>, Option<AccountData>), ExecutionError> {
        Ok((self.state.account(id)?, self.state.account_data(id)?))
    }
}

impl<V: StateView> Database for StateDb<'_, V> {
    type Error = ExecutionError;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        Ok(self.state.account(AccountId::from(address))?.map(account_info))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        self.code.get(code_hash, &self.state)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        self.state.storage(address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        Ok(self.state.block_hash(number)?.unwrap_or_default())
    }
}

/// What revm is told of an account: its balance, nonce and code hash (the code is loaded
/// by hash, once, through the code cache).
pub(super) fn account_info(account: AccountState) -> AccountInfo {
    AccountInfo {
        balance: account.balance,
        nonce: account.nonce,
        code_hash: account.code_hash,
        code: None,
        ..Default::default()
    }
}
