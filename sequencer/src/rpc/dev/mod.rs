//! The devnet's dev methods, named as anvil and Hardhat name them, served only by a node
//! started with [`crate::Node::start_devnet`] (never by `manifold sequencer`, which answers
//! them `-32601 method not found`).
//!
//! One file per concept: `api` declares the methods; `mining` implements the ones that seal
//! blocks and move the block clock (`evm_mine`, `anvil_mine`, `evm_increaseTime`,
//! `evm_setNextBlockTimestamp`, `evm_setAutomine`, `anvil_setIntervalMining`); `node_info`
//! implements `anvil_nodeInfo`; `snapshots` implements `evm_snapshot`/`evm_revert` (and
//! their `anvil_` names); `state` implements `anvil_setBalance`, `anvil_setNonce`,
//! `anvil_setCode` and `anvil_setStorageAt`; `impersonation` implements
//! `anvil_impersonateAccount`, `anvil_stopImpersonatingAccount`, their `hardhat_` names and
//! the devnet's unsigned `eth_sendTransaction`.
//!
//! None of them writes state outside a block (except a revert, which deletes blocks): the mining methods decide when blocks are sealed
//! and which timestamps they carry, and the state setters are transactions of the dev-state
//! engine (`execution::dev_state`), sealed in a block before they return. All of it travels to
//! DA with the blocks, so a follower derives the same chain and state roots.

pub(crate) mod api;
mod impersonation;
mod mining;
mod node_info;
pub(crate) mod snapshots;
mod state;
