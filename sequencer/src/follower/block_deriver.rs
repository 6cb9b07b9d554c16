//! Re-executes one block read from DA and seals it only if it is exactly the block the
//! sequencer sealed: same parent, the chain's gas limit, base fee by the EIP-1559 rule, every
//! transaction of every engine valid, and the same state root and block hash.

use std::sync::Arc;

use alloy_primitives::{B256, Bytes};
use da::BatchBlock;
use execution::{
    Engines, ExecutionError, SealOptions, SealedBlock, Transaction, TxError,
    block::InvalidTxPolicy, execute_block,
};
use rayon::prelude::*;

use crate::{Divergence, NodeContext, SequencerError};

/// What deriving one block did.
#[derive(Debug)]
pub enum Derived {
    /// The block was re-executed, matched, and sealed.
    Sealed(Arc<SealedBlock>),
    /// This node already has the block (the batch was posted again): skipped.
    AlreadyHave,
}

/// Why a block could not be derived.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError {
    /// The block on DA is not the block this node computes: the follower must stop.
    #[error("diverged at block {}: {}", .0.number, .0.reason)]
    Diverged(Box<Divergence>),
    /// The block does not follow this node's head: blocks in between were never read
    /// (`follower.da_start_height` is past the chain's first batch).
    #[error(
        "block {got} on DA does not follow the local head {head}: blocks {} to {} were not \
         found on DA (is follower.da_start_height after the chain's first batch?)",
        head + 1, got - 1
    )]
    Gap {
        /// Local head.
        head: u64,
        /// The block read.
        got: u64,
    },
    /// The node itself failed (database); retry later.
    #[error(transparent)]
    Node(#[from] SequencerError),
}

impl From<ExecutionError> for DeriveError {
    fn from(e: ExecutionError) -> Self {
        Self::Node(e.into())
    }
}

/// A block's transactions decoded with their signatures verified, or the first that is
/// invalid (its index and why). Verification is the costliest part of deriving, and
/// independent of state, so the follower runs it ahead of execution. Blocking (uses every
/// core).
pub type RecoveredBlock = Result<Vec<Transaction>, (usize, Box<TxError>)>;

/// Decodes `block`'s tagged transactions with `engines`, verifying their signatures on all
/// cores; see [`RecoveredBlock`].
pub fn recover_block(engines: &Engines, block: &BatchBlock) -> RecoveredBlock {
    block
        .transactions
        .par_iter()
        .map(|tagged| engines.decode_tagged(tagged))
        .collect::<Vec<_>>()
        .into_iter()
        .enumerate()
        .map(|(i, tx)| tx.map_err(|e| (i, Box::new(e))))
        .collect()
}

/// Derives `block`, read at `da_height`, with its transactions `recovered` by
/// [`recover_block`]; when sealed, the follower's cursor becomes `next_da_height` in the same
/// database transaction. Blocking: call from a blocking thread.
pub fn derive_block(
    ctx: &NodeContext,
    block: &BatchBlock,
    recovered: RecoveredBlock,
    da_height: u64,
    next_da_height: u64,
) -> Result<Derived, DeriveError> {
    let diverged = |reason: String, computed: Option<(B256, B256)>| {
        DeriveError::Diverged(Box::new(Divergence {
            number: block.number,
            da_height,
            expected_hash: block.block_hash,
            computed_hash: computed.map(|c| c.0),
            expected_state_root: block.state_root,
            computed_state_root: computed.map(|c| c.1),
            reason,
        }))
    };
    let reader = ctx.store.reader()?;
    let head = reader.head_header()?;
    if block.number <= head.number {
        let ours = reader.header(block.number)?.map(|h| (h.hash_slow(), h.state_root));
        return match ours {
            Some((hash, _)) if hash == block.block_hash => Ok(Derived::AlreadyHave),
            other => Err(diverged(
                format!("this node already has block {} with another hash", block.number),
                other,
            )),
        };
    }
    if block.number > head.number + 1 {
        return Err(DeriveError::Gap { head: head.number, got: block.number });
    }
    let head_hash = head.hash_slow();
    if block.parent_hash != head_hash {
        return Err(diverged(
            format!("parent hash {} is not this node's head {head_hash}", block.parent_hash),
            None,
        ));
    }
    if block.timestamp < head.timestamp {
        return Err(diverged(
            format!("timestamp {} is before the parent's {}", block.timestamp, head.timestamp),
            None,
        ));
    }
    let env = ctx.chain.next_block_env(&head, block.timestamp);
    if block.base_fee_per_gas != env.base_fee_per_gas {
        return Err(diverged(
            format!(
                "base fee {} is not the EIP-1559 value {}",
                block.base_fee_per_gas, env.base_fee_per_gas
            ),
            None,
        ));
    }
    if block.gas_limit != env.gas_limit {
        return Err(diverged(
            format!(
                "gas limit {} is not the chain's {} (chain.block_gas_limit must be the \
                 sequencer's)",
                block.gas_limit, env.gas_limit
            ),
            None,
        ));
    }
    let txs = match recovered {
        Ok(txs) => txs,
        Err((i, e)) => return Err(diverged(format!("transaction {i} is invalid: {e}"), None)),
    };
    let executed = {
        let mut scheduler = ctx.executor.lock();
        execute_block(&ctx.engines, &env, &reader, txs, InvalidTxPolicy::Fail, &mut scheduler)
    };
    let outcome = match executed {
        Ok(executed) => executed.outcome,
        Err(e @ ExecutionError::TransactionRejected { .. }) => {
            return Err(diverged(e.to_string(), None));
        }
        Err(e) => return Err(e.into()),
    };
    drop(reader);
    let mut computed = None;
    // Not flushed to disk: a crash loses at most blocks DA still holds; the derivation loop
    // makes them durable with its cursor when it catches up, every few seconds, and at stop.
    let options = SealOptions::default().non_durable().follower_cursor(next_da_height);
    let sealed = ctx.store.seal_block_with(&outcome, Bytes::new(), options, |sealed| {
        computed = Some((sealed.hash, sealed.header.state_root));
        if sealed.hash != block.block_hash || sealed.header.state_root != block.state_root {
            return Err(ExecutionError::SealRejected {
                number: block.number,
                reason: "re-executed block differs from the block on DA".into(),
            });
        }
        Ok(())
    });
    match sealed {
        Ok(sealed) => Ok(Derived::Sealed(Arc::new(sealed))),
        Err(ExecutionError::SealRejected { .. }) => {
            let (hash, root) = computed.unwrap_or_default();
            let reason = if root != block.state_root {
                format!("state root {root} differs from {} on DA", block.state_root)
            } else {
                format!("block hash {hash} differs from {} on DA", block.block_hash)
            };
            Err(diverged(reason, computed))
        }
        Err(e) => Err(e.into()),
    }
}
