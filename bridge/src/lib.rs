//! Manifold's bridge to an L1 (DESIGN.md, "Settlement"): native-token deposits from L1, output
//! roots posted to L1, and withdrawals proven against them.
//!
//! This crate owns the parts both sides agree on:
//! - [`contracts`]: the Solidity contracts of `bridge/contracts/` (L1 `Portal` and
//!   `OutputOracle`, the L2 `L2Withdrawals` system contract), as compiled artifacts and typed
//!   bindings;
//! - [`withdrawal`]: a withdrawal's hash, the leaf of the tree;
//! - [`withdrawal_tree`]: the withdrawal Merkle tree, the same as the contracts', with proofs;
//! - [`output_root`]: the output root, OP Stack's version 0 shape;
//! - [`l1`]: the L1 client — deployment and the deposit reader;
//! - [`l2`]: the L2 side — the predeploys a chain starts with, and withdrawals, their proofs
//!   and output roots read through an L2 node's JSON-RPC.

pub mod contracts;
mod error;
pub mod l1;
pub mod l2;
pub mod output_root;
pub mod withdrawal;
pub mod withdrawal_tree;

pub use error::BridgeError;
pub use output_root::OutputRoot;
pub use withdrawal::withdrawal_hash;
pub use withdrawal_tree::{WithdrawalProof, WithdrawalTree, WithdrawalTreeError, frontier_root};
