//! The dev-state engine: a devnet's `anvil_setBalance`, `anvil_setNonce`, `anvil_setCode` and
//! `anvil_setStorageAt` as transactions of their own kind, so that they reach the state the way
//! every change does — admitted to the pool and journaled, ordered in a block, posted to DA and
//! re-executed by a follower to the same state root — instead of writing the state behind the
//! chain's back.
//!
//! A chain runs it only when its config says so (`chain.dev_state_writes`, which only
//! `manifold devnet` sets): anyone who can reach such a node's RPC can set any account, which is
//! what a devnet is for and what no other chain may allow. Its transactions carry no signature
//! and pay no fee; a salt makes each one unique, and a recent block bounds how long it may wait.
//!
//! The same chains take impersonated EVM transactions (`impersonation`): EVM transactions
//! whose signature names their sender instead of proving it.

mod dev_state_engine;
mod dev_state_tx;
mod impersonation;

pub use dev_state_engine::{DevStateBlockVm, DevStateEngine, DevStateWorker};
pub use dev_state_tx::{
    DEV_STATE_AUTHORITY, DEV_STATE_MAX_AGE, DEV_STATE_MAX_OPS, DevStateOp, DevStateReceipt,
    DevStateTx,
};
pub use impersonation::{decode_impersonated, impersonated_sender, impersonation_signature};
