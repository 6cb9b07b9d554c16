//! Engines: what a VM implements to run on the chain, the VM-neutral transaction, result and
//! receipt types built from them, and the router that dispatches by kind.
//!
//! A new VM goes into a folder of its own (`evm/` today, `svm/` next) and implements:
//! - [`EngineTx`] for its transaction: hash, payer, replay guard, resource limit, fee
//!   ordering key;
//! - [`Engine`]: decoding its wire format with its stateless checks (signature, chain id),
//!   admission against the payer's account, its block budget, and a [`BlockVm`] — a worker
//!   for the scheduler and the declared access of a transaction — whose output is a
//!   [`TxResult`] carrying its own receipt type.
//!
//! Then it gets a variant in [`EngineKind`], [`Transaction`], [`EngineOutput`], [`Receipt`] and
//! [`Rejection`], and a field in [`Engines`] (the router). Nothing outside this crate changes
//! but the VM's RPC module.

mod engine_output;
mod kind;
mod receipt;
mod replay_guard;
mod router;
mod transaction;
mod tx_error;
mod tx_result;

use alloy_primitives::{B256, Bytes, U256};

pub use engine_output::EngineOutput;
pub use kind::EngineKind;
pub use receipt::Receipt;
pub use replay_guard::ReplayGuard;
pub use router::{Engines, RouterVm, RouterWorker};
pub use transaction::Transaction;
pub use tx_error::TxError;
pub use tx_result::{Executed, Rejection, TxResult};

use crate::{AccountId, BlockEnv, ExecutionError, StateView, scheduler::BlockVm};

/// What every engine's transaction type tells the VM-neutral layers (mempool, block builder,
/// store, DA), without them knowing the engine.
pub trait EngineTx: Clone + std::fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The kind of every transaction of this type.
    const KIND: EngineKind;

    /// The transaction's unique id (EVM: keccak256 of its EIP-2718 bytes).
    fn hash(&self) -> B256;
    /// Its bytes on the wire, as signed (without the kind tag).
    fn payload(&self) -> &Bytes;
    /// What was verified at admission and is stored beside the payload, so that reading it
    /// back needs no signature work (EVM: the recovered sender). May be empty, at most 255
    /// bytes.
    fn verified(&self) -> Vec<u8>;
    /// Decodes bytes the node stored itself, with what was verified at admission: no
    /// signature work.
    fn decode_verified(payload: &[u8], verified: &[u8]) -> Result<Self, TxError>;
    /// The account that pays its fees (EVM: the sender).
    fn payer(&self) -> AccountId;
    /// How it is protected against replay.
    fn replay_guard(&self) -> ReplayGuard;
    /// Most of the engine's block resource it may use (EVM: the gas limit).
    fn resource_limit(&self) -> u64;
    /// Its fee ordering key at `base_fee`: what it pays the fee vault per unit of resource
    /// beyond the base fee, in wei (EVM: the effective tip). `None` when it cannot pay the
    /// base fee.
    fn priority(&self, base_fee: u64) -> Option<u128>;
    /// Most it can take from its payer, in wei (EVM: gas limit × fee cap + value).
    fn max_cost(&self) -> U256;
    /// Whether it may replace `old`, a pooled transaction with the same payer and replay
    /// guard, given the pool's required fee bump in percent.
    fn may_replace(&self, old: &Self, bump_percent: u64) -> bool;
}

/// What the pool knows when it admits a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionContext {
    /// Base fee of the head block.
    pub head_base_fee: u64,
    /// How far beyond the payer's nonce a nonce may be.
    pub max_nonce_ahead: u64,
}

/// A VM of the chain.
pub trait Engine: Send + Sync + std::fmt::Debug {
    /// Its transaction.
    type Tx: EngineTx;
    /// Its VM for the scheduler, for one block.
    type Vm<'a>: BlockVm<Tx = Self::Tx, Output = TxResult>
    where
        Self: 'a;

    /// Decodes wire bytes and verifies the signature. Rejects anything else than exactly one
    /// well-formed transaction.
    fn decode(&self, payload: &[u8]) -> Result<Self::Tx, TxError>;
    /// Admission checks that need no state (signature aside, done by `decode`): the
    /// engine's own rules, cheap, before any state is read.
    fn check(&self, tx: &Self::Tx) -> Result<(), TxError>;
    /// Admission against the latest state: exactly the checks block execution applies to
    /// the transaction on its own (through the same code), except where the pool holds what
    /// a block would refuse now but may take later (a nonce ahead, a fee cap under the base
    /// fee), which `context` bounds. `Ok(Err(_))` refuses the transaction; `Err(_)` is a
    /// state that could not be read.
    fn check_with_state<V: StateView>(
        &self,
        tx: &Self::Tx,
        state: &V,
        context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError>;
    /// How much of the engine's resource one block may use.
    fn block_limit(&self, env: &BlockEnv) -> u64;
    /// The engine's VM for block `env`.
    fn block_vm<'a>(&'a self, env: &'a BlockEnv) -> Self::Vm<'a>;
}
