//! The bridge's L1 client: everything it does on the L1 goes through JSON-RPC (an alloy
//! provider), so it works the same against Manifold's dev L1, Hardhat, anvil or a third-party
//! Ethereum node.
//!
//! - [`deployment`]: deploys the oracle and the portal;
//! - [`deposit`]: a deposit as the L2 takes it, decoded from the portal's event;
//! - [`deposit_reader`]: reads deposits once they have enough confirmations, in nonce order;
//! - [`proposer`]: posts the node's output roots to the oracle and follows their finality;
//! - [`output_verifier`]: a follower's check of every posted output against its own state;
//! - [`withdrawal_status`]: where a withdrawal stands on the L1.

pub mod deployment;
pub mod deposit;
pub mod deposit_reader;
pub mod output_verifier;
pub mod proposer;
pub mod withdrawal_status;

pub use deployment::{BridgeAddresses, BridgeParams, deploy_bridge};
pub use deposit::{Deposit, DepositRecipient};
pub use deposit_reader::{DepositCursor, DepositReader, ReadUntil};
pub use output_verifier::{OutputMismatch, OutputVerifier, Verified};
pub use proposer::{OutputSource, Proposer, ProposerConfig};
pub use withdrawal_status::{WithdrawalStatus, withdrawal_status};
