//! `BlockAssembly`: a block's results collected in block order — included transactions,
//! rejections, each engine's resource budget, and the fees owed to the fee vault.

use alloy_primitives::U256;

use crate::{
    BlockEnv, EngineKind, Engines, ExecutionError, Rejection, Transaction, TxResult,
    block::{IncludedTx, InvalidTxPolicy},
};

/// Resource used and available of one engine in the block.
#[derive(Debug, Clone, Copy)]
struct Budget {
    kind: EngineKind,
    used: u64,
    limit: u64,
}

/// A block's results so far.
#[derive(Debug)]
pub(crate) struct BlockAssembly {
    pub(crate) included: Vec<IncludedTx>,
    pub(crate) rejected: Vec<(Transaction, Rejection)>,
    budgets: Vec<Budget>,
    pub(crate) fees: U256,
    policy: InvalidTxPolicy,
}

impl BlockAssembly {
    /// An empty block of `env` for about `capacity` transactions.
    pub(crate) fn new(
        engines: &Engines,
        env: &BlockEnv,
        capacity: usize,
        policy: InvalidTxPolicy,
    ) -> Self {
        let budgets = EngineKind::ALL
            .iter()
            .filter(|kind| kind.budget_kind() == **kind)
            .map(|kind| Budget { kind: *kind, used: 0, limit: engines.block_limit(*kind, env) })
            .collect();
        Self {
            included: Vec::with_capacity(capacity),
            rejected: Vec::new(),
            budgets,
            fees: U256::ZERO,
            policy,
        }
    }

    fn budget(&mut self, kind: EngineKind) -> &mut Budget {
        let kind = kind.budget_kind();
        let index = self.budgets.iter().position(|b| b.kind == kind).expect("every kind has one");
        &mut self.budgets[index]
    }

    /// Resource used by the block's transactions of `kind` (and of the kinds sharing its
    /// budget).
    pub(crate) fn used(&self, kind: EngineKind) -> u64 {
        let kind = kind.budget_kind();
        self.budgets.iter().find(|b| b.kind == kind).map_or(0, |b| b.used)
    }

    /// Whether `txs` fit in the block's budgets together, at their full resource limits
    /// (then no transaction can find the block full, whatever the order of execution).
    pub(crate) fn all_fit(&self, txs: &[Transaction]) -> bool {
        self.budgets.iter().all(|budget| {
            let wanted = txs
                .iter()
                .filter(|tx| tx.kind().budget_kind() == budget.kind)
                .map(Transaction::resource_limit)
                .fold(budget.used, u64::saturating_add);
            wanted <= budget.limit
        })
    }

    /// `Some(rejection)` when `tx` no longer fits in its engine's budget.
    pub(crate) fn over_budget(&mut self, tx: &Transaction) -> Option<Rejection> {
        let kind = tx.kind().budget_kind();
        let budget = self.budget(kind);
        (budget.used.saturating_add(tx.resource_limit()) > budget.limit)
            .then_some(Rejection::BlockFull { kind })
    }

    /// Adds the next transaction's result; returns whether it is part of the block (its
    /// writes count). A rejection fails the block under `InvalidTxPolicy::Fail`.
    pub(crate) fn push(
        &mut self,
        tx: Transaction,
        result: TxResult,
    ) -> Result<bool, ExecutionError> {
        match result {
            TxResult::Executed(executed) => {
                let budget = self.budget(tx.kind());
                budget.used = budget.used.saturating_add(executed.used);
                self.fees = self.fees.saturating_add(executed.fee);
                self.included.push(IncludedTx { tx, result: executed });
                Ok(true)
            }
            TxResult::Rejected(reason) => self.reject(tx, reason).map(|()| false),
        }
    }

    /// Records `tx` as left out for `reason` (an error under `InvalidTxPolicy::Fail`).
    pub(crate) fn reject(
        &mut self,
        tx: Transaction,
        reason: Rejection,
    ) -> Result<(), ExecutionError> {
        match self.policy {
            InvalidTxPolicy::Skip => {
                self.rejected.push((tx, reason));
                Ok(())
            }
            InvalidTxPolicy::Fail => Err(ExecutionError::TransactionRejected {
                hash: tx.hash(),
                payer: tx.payer(),
                reason: Box::new(reason),
            }),
        }
    }
}
