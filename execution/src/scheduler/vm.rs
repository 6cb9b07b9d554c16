//! The interface between the scheduler and the virtual machines it runs: a VM executes one
//! transaction against a [`TxState`] (reads by unified key) and reports its effects as
//! [`TxWrites`]. The scheduler knows nothing else of the VM — which is what lets the EVM, and
//! later the SVM and WASM engines, share it.

use alloy_primitives::{Address, B256, U256};

use crate::AccountId;

use super::{
    declared_access::DeclaredAccess,
    state_key::{StateKey, StateValue},
};
use crate::{ExecutionError, StateView};

/// The state one execution of a transaction reads: under the scheduler, the block's base state
/// overlaid with the writes of the transactions before it (the multi-version memory).
pub trait TxState: StateView {
    /// The code hash of account `id` (`KECCAK256_EMPTY` when absent) for a transaction whose only
    /// use of the account is to credit it native tokens (a plain value transfer). Such a
    /// transaction depends on whether the account has code, not on its balance: reporting the
    /// credit as [`TxWrites::credits`] lets credits from many senders to one recipient commute.
    fn credit_target_code_hash(&self, id: AccountId) -> Result<B256, ExecutionError>;

    /// Whether a VM should report plain value transfers as commutative credits. They let
    /// transactions crediting one account run in parallel; a state that applies each
    /// transaction's writes before the next runs (the one-worker case) has no use for them,
    /// and a VM may then write the recipient's balance as it sees it.
    fn commutative_credits(&self) -> bool {
        true
    }
}

/// The effects of one transaction, by unified key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxWrites {
    /// Keys written, with their new values (an account `None`: deleted). At most one value
    /// per key.
    pub values: Vec<(StateKey, StateValue)>,
    /// Native tokens added to accounts' balances without reading them (commutative).
    pub credits: Vec<(AccountId, U256)>,
    /// EVM accounts whose previous storage the transaction wiped, before its own storage
    /// writes.
    pub cleared: Vec<Address>,
}

impl TxWrites {
    /// Empties it, keeping its allocations.
    pub fn clear(&mut self) {
        self.values.clear();
        self.credits.clear();
        self.cleared.clear();
    }

    /// Whether it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty() && self.credits.is_empty() && self.cleared.is_empty()
    }
}

/// A VM whose transactions the scheduler can run in parallel.
pub trait BlockVm: Sync {
    /// A transaction of this VM.
    type Tx: Sync;
    /// What executing one transaction yields besides its writes (receipt data).
    type Output: Send + 'static;
    /// One thread's executor for one block.
    type Worker<'w>: VmWorker<Tx = Self::Tx, Output = Self::Output>
    where
        Self: 'w;

    /// A worker reading through `state` (which the scheduler points at one transaction after
    /// another).
    fn worker<'w>(&'w self, state: &'w dyn TxState) -> Self::Worker<'w>;

    /// The keys `tx` reads, writes and credits, when its format lists them up front (as
    /// Solana transactions list their accounts) or the VM can tell them exactly before
    /// running it (a plain value transfer), given the block's base state. `None`: unknown.
    fn declared_access(&self, _tx: &Self::Tx, _base: &dyn StateView) -> Option<DeclaredAccess> {
        None
    }
}

/// One thread's executor: runs transactions one at a time.
pub trait VmWorker {
    /// The VM's transaction.
    type Tx;
    /// The VM's per-transaction output.
    type Output;

    /// Executes `tx` against the worker's state, appending its effects to `writes` (empty on
    /// entry). A read the scheduler cannot answer yet surfaces as
    /// `ExecutionError::ReadEstimate` and must be returned as is.
    fn execute(
        &mut self,
        tx: &Self::Tx,
        writes: &mut TxWrites,
    ) -> Result<Self::Output, ExecutionError>;
}
