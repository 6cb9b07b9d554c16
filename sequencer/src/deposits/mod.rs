//! L1 deposits on the L2 (`[bridge] enabled`): the sequencer reads the portal's confirmed
//! deposits into an [`DepositInbox`] (`feed`), and its block builder puts the inbox's due
//! deposits first in every block, in nonce order. A follower reads the same deposits from the
//! L1 itself and checks every block against them (`check`): each deposit of a batch must be
//! the L1's, field for field, and no deposit may stay out past the sequencing window (forced
//! inclusion). The sequencer holds itself to that window (`sequencing_bound`): it seals no
//! block whose timestamp could make a deposit it has not read yet overdue, and stalls instead
//! while its feed cannot read the L1.
//!
//! Both resume from the chain's own state: the deposit counter's nonce is how many deposits
//! the chain applied, and its slot 0 the L1 block of the last one ([`resume_cursor`]).

mod check;
mod feed;
mod inbox;
mod sequencing_bound;

use alloy_primitives::U256;
use bridge::l1::{Deposit, DepositCursor, DepositRecipient};
use execution::{
    AccountId, ExecutionError, StateView,
    deposit::{DEPOSIT_COUNTER, DepositRecipient as L2Recipient, DepositTx},
};

pub use check::{DepositCheck, DepositVerdict};
pub use feed::start_deposit_feed;
pub use inbox::DepositInbox;
pub use sequencing_bound::{
    FIRST_READ_WARN_AFTER, L1Stall, MAX_MARGIN_SECS, SequencingBound, StallWatch,
};

/// How many L1 blocks one read of the portal's logs covers at most.
pub const MAX_L1_RANGE: u64 = 1_000;

/// The L2 transaction of an L1 deposit.
pub fn deposit_tx(deposit: &Deposit) -> DepositTx {
    let to = match deposit.to {
        DepositRecipient::Evm(address) => L2Recipient::Evm(address),
        DepositRecipient::Svm(pubkey) => L2Recipient::Svm(pubkey),
    };
    DepositTx::new(
        deposit.nonce,
        deposit.from,
        to,
        deposit.value,
        deposit.gas_limit,
        deposit.data.clone(),
        deposit.l1_block,
        deposit.l1_block_hash,
        deposit.log_index,
    )
}

/// How many deposits the chain at `state` applied.
pub fn deposits_applied(state: &impl StateView) -> Result<u64, ExecutionError> {
    Ok(state.account(AccountId::from(DEPOSIT_COUNTER))?.map_or(0, |a| a.nonce))
}

/// Where a deposit reader resumes for the chain at `state`, whose portal was deployed in L1
/// block `deployed_at`.
pub fn resume_cursor(
    state: &impl StateView,
    deployed_at: u64,
) -> Result<DepositCursor, ExecutionError> {
    let applied = deposits_applied(state)?;
    if applied == 0 {
        return Ok(DepositCursor::start_at(deployed_at));
    }
    let last_block = state.storage(DEPOSIT_COUNTER, U256::ZERO)?;
    Ok(DepositCursor::resume(applied, u64::try_from(last_block).unwrap_or(u64::MAX)))
}
