//! The deposit engine: value that enters the chain from the L1 portal, as transactions of their
//! own kind (tag `0x02`), in the shape of OP Stack's deposit transactions.
//!
//! - **Where they come from.** Only from the L1: the sequencer reads the portal's
//!   `DepositInitiated` logs once confirmed and puts them first in its next block, in nonce
//!   order; a follower reads the same logs and checks every deposit of a batch against them.
//!   The pool never admits one ([`TxError::NotFromL1`](crate::TxError::NotFromL1)): no RPC
//!   method can mint.
//! - **Exactly once, in order** — a rule every re-executor applies on its own: the account
//!   [`DEPOSIT_COUNTER`]'s nonce is the number of deposits applied. A deposit is executable
//!   only when its portal nonce equals it, and it increments it. The counter's storage slot 0
//!   holds the L1 block of the last deposit applied, where a restarted reader resumes.
//! - **An EVM recipient** (`depositTransaction`): the value is minted to the (aliased) sender,
//!   then a call from the sender to the recipient carries it, with the deposit's data and gas
//!   limit, at gas price 0 — an ordinary EVM call through the same revm as every
//!   transaction (so it increments the sender's nonce, as OP Stack's deposits do). When the
//!   call fails or the EVM refuses it, the mint stays with the sender.
//! - **An SVM recipient** (`depositToSolana`): the value is credited to the pubkey, whose
//!   lamports it is (1 lamport = 1 gwei).
//! - **A deposit's call may not start a withdrawal** (for now): a call that emits a log of the
//!   withdrawal contract at [`WITHDRAWAL_CONTRACT`] counts as failed — the mint stays, nothing
//!   else. Deposits are not in the chain's Ethereum views yet (`eth_getLogs` serves EVM
//!   transactions' logs only), so a withdrawal started there would be invisible to the clients
//!   that rebuild the withdrawal tree from `MessagePassed` logs, and every later withdrawal
//!   would become unprovable through them.
//! - Deposits pay no fee; their calls' gas counts against the block's gas limit with the EVM
//!   transactions' (the header's `gasUsed` includes it).

mod deposit_engine;
mod deposit_receipt;
#[cfg(test)]
mod deposit_tests;
mod deposit_tx;

use alloy_primitives::{Address, address};

pub use deposit_engine::{DepositBlockVm, DepositEngine, DepositWorker};
pub use deposit_receipt::DepositReceipt;
pub use deposit_tx::{DepositRecipient, DepositTx, MAX_DEPOSIT_DATA, MAX_DEPOSIT_GAS};

/// The bridge's L2 withdrawal contract (`bridge::contracts::L2_WITHDRAWALS_ADDRESS`), which a
/// deposit's call may not reach (see the module documentation).
pub const WITHDRAWAL_CONTRACT: Address = address!("0x4200000000000000000000000000000000000016");

/// The system account that counts the deposits applied (its nonce) and remembers the L1
/// block of the last one (its storage slot 0). No key controls it.
pub const DEPOSIT_COUNTER: Address = address!("0x4200000000000000000000000000000000000015");
