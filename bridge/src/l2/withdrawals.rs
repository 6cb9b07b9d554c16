//! Withdrawals as a client reads them from an L2 node: every `MessagePassed` log of
//! `L2Withdrawals` up to a block, checked (nonces in order from 0, each hash recomputed from its
//! fields), and a withdrawal's proof at a block — the tree rebuilt from those logs, its root
//! checked against the contract's own `withdrawalRoot()` at that block, and the block's output
//! root. Logs are read in windows of [`LOG_WINDOW`] blocks, within any node's range limit.

use alloy::{primitives::B256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};

use crate::{
    BridgeError, OutputRoot, WithdrawalProof, WithdrawalTree,
    contracts::{L2_WITHDRAWALS_ADDRESS, L2Withdrawals::MessagePassed, Types::Withdrawal},
    l2::{header_at, output_at},
    withdrawal_hash,
};

/// Blocks per `eth_getLogs` call.
const LOG_WINDOW: u64 = 5_000;

/// A withdrawal started on L2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedWithdrawal {
    /// What the portal takes.
    pub withdrawal: Withdrawal,
    /// Its hash: its leaf in the tree.
    pub hash: B256,
    /// The L2 block it was started in.
    pub l2_block: u64,
    /// The L2 transaction that started it.
    pub l2_transaction: B256,
}

/// What `Portal.proveWithdrawal` takes for one withdrawal at one output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenWithdrawal {
    /// The withdrawal.
    pub started: StartedWithdrawal,
    /// The L2 block of the output.
    pub l2_block: u64,
    /// The output root's preimage at that block.
    pub output: OutputRoot,
    /// The withdrawal's path to the output's withdrawal root.
    pub proof: WithdrawalProof,
}

/// Every withdrawal started on L2 up to block `to`, in nonce order.
pub async fn withdrawals_until(
    l2: &impl Provider,
    to: u64,
) -> Result<Vec<StartedWithdrawal>, BridgeError> {
    let mut started = Vec::new();
    let mut from = 0;
    while from <= to {
        let last = to.min(from.saturating_add(LOG_WINDOW - 1));
        let filter = Filter::new()
            .address(L2_WITHDRAWALS_ADDRESS)
            .event_signature(MessagePassed::SIGNATURE_HASH)
            .from_block(from)
            .to_block(last);
        for log in l2.get_logs(&filter).await.map_err(BridgeError::l2)? {
            let withdrawal = started_by(&log)?;
            let expected = started.len() as u64;
            if withdrawal.withdrawal.nonce != alloy::primitives::U256::from(expected) {
                return Err(BridgeError::BadWithdrawalLog(format!(
                    "nonce {} where {expected} was due",
                    withdrawal.withdrawal.nonce
                )));
            }
            started.push(withdrawal);
        }
        from = last + 1;
    }
    Ok(started)
}

/// The withdrawal L2 transaction `tx` started (its first `MessagePassed` log).
pub async fn withdrawal_in_transaction(
    l2: &impl Provider,
    tx: B256,
) -> Result<StartedWithdrawal, BridgeError> {
    let receipt =
        l2.get_transaction_receipt(tx).await.map_err(BridgeError::l2)?.ok_or_else(|| {
            BridgeError::BadWithdrawalLog(format!("L2 transaction {tx} is not in a block"))
        })?;
    let log = receipt
        .inner
        .logs()
        .iter()
        .find(|log| {
            log.address() == L2_WITHDRAWALS_ADDRESS
                && log.topic0() == Some(&MessagePassed::SIGNATURE_HASH)
        })
        .ok_or_else(|| {
            BridgeError::BadWithdrawalLog(format!("L2 transaction {tx} started no withdrawal"))
        })?;
    started_by(log)
}

/// Whether an L2 node's error says it does not keep a block's state: geth's path-scheme text
/// (which Manifold answers too), or a hash-scheme node's missing trie node.
fn state_not_kept(error: &str) -> bool {
    (error.contains("historical state") && error.contains("not available"))
        || error.contains("missing trie node")
}

/// The withdrawal a `MessagePassed` log records, its hash recomputed from its fields.
fn started_by(log: &alloy::rpc::types::Log) -> Result<StartedWithdrawal, BridgeError> {
    let bad = |what: String| BridgeError::BadWithdrawalLog(what);
    let event = log.log_decode::<MessagePassed>().map_err(|e| bad(e.to_string()))?.inner.data;
    let withdrawal = Withdrawal {
        nonce: event.nonce,
        sender: event.sender,
        target: event.target,
        value: event.value,
        gasLimit: event.gasLimit,
        data: event.data,
    };
    let hash = withdrawal_hash(&withdrawal);
    if hash != event.withdrawalHash {
        return Err(bad(format!(
            "withdrawal {} hashes to {hash}, the log says {}",
            withdrawal.nonce, event.withdrawalHash
        )));
    }
    let l2_block = log.block_number.ok_or_else(|| bad("no block number".into()))?;
    let l2_transaction = log.transaction_hash.ok_or_else(|| bad("no transaction hash".into()))?;
    Ok(StartedWithdrawal { withdrawal, hash, l2_block, l2_transaction })
}

/// The proof of withdrawal `hash` against the output root of L2 block `block`: the tree of
/// every withdrawal up to `block`, checked against the contract's root at `block`.
///
/// A node that no longer keeps the state of `block` (`[history] keep_blocks`, geth's "historical
/// state … is not available") cannot answer for the contract's root: the output is then built
/// from the block's header and the logs' tree alone, and the caller must check it against the
/// root posted on L1 (as `manifold bridge prove` does) — which is the check that counts.
pub async fn prove_withdrawal(
    l2: &impl Provider,
    hash: B256,
    block: u64,
) -> Result<ProvenWithdrawal, BridgeError> {
    let started = withdrawals_until(l2, block).await?;
    let mut tree = WithdrawalTree::new();
    for withdrawal in &started {
        tree.push(withdrawal.hash);
    }
    let output = match output_at(l2, block).await {
        Ok(output) if output.withdrawal_root != tree.root() => {
            return Err(BridgeError::WithdrawalRootMismatch {
                block,
                contract: output.withdrawal_root,
                from_logs: tree.root(),
            });
        }
        Ok(output) => output,
        Err(BridgeError::L2Rpc(error)) if state_not_kept(&error) => {
            let header = header_at(l2, block).await?;
            OutputRoot::v0(header.state_root, tree.root(), header.hash)
        }
        Err(e) => return Err(e),
    };
    let started = started
        .into_iter()
        .find(|w| w.hash == hash)
        .ok_or(BridgeError::UnknownWithdrawal { hash, block })?;
    let index = started.withdrawal.nonce.to::<u64>();
    let proof = tree.proof(index, tree.len()).map_err(|e| {
        BridgeError::BadWithdrawalLog(format!("withdrawal {index} has no proof: {e}"))
    })?;
    Ok(ProvenWithdrawal { started, l2_block: block, output, proof })
}
