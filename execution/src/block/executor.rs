//! `BlockExecutor`: the one lifecycle every block goes through, on every path (building,
//! deriving, benchmarks), in alloy-evm's shape:
//!
//! 1. [`apply_pre_execution_changes`](BlockExecutor::apply_pre_execution_changes): changes
//!    before the first transaction (where L1 deposits will go; none yet);
//! 2. [`execute_transactions`](BlockExecutor::execute_transactions): the block's
//!    transactions, in order — checked against their replay guard and the engines' block
//!    budgets, run by the scheduler (in parallel where that pays, the rest one after another
//!    on one worker of the same VM), their results collected in block order;
//! 3. [`apply_post_execution_changes`](BlockExecutor::apply_post_execution_changes): every
//!    fee of the block credited to the fee vault, in one step after the last transaction;
//! 4. [`finish`](BlockExecutor::finish): the outcome, for `Store::seal_block`.
//!
//! The result is exactly that of running the transactions one by one in block order: the
//! parallel scheduler is property-tested against its one-worker case.

use std::time::Instant;

use alloy_primitives::map::B256Set;

use crate::{
    AccountId, BlockEnv, ChainView, Engines, ExecutionError, Rejection, ReplayGuard, StateChanges,
    StateView, Transaction,
    block::{BlockAssembly, BlockOutcome, InvalidTxPolicy},
    scheduler::{BlockVm, ExecutionReport, ParallelExecutor, SequentialView, TxWrites, VmWorker},
};

/// A block being executed.
#[derive(Debug)]
pub struct BlockExecutor<'a, V> {
    engines: &'a Engines,
    env: &'a BlockEnv,
    base: V,
    assembly: BlockAssembly,
    changes: StateChanges,
}

/// A block executed, with how the scheduler ran it.
#[derive(Debug, Clone)]
pub struct ExecutedBlock {
    /// The outcome, ready to seal.
    pub outcome: BlockOutcome,
    /// Strategy, threads, aborts, time.
    pub report: ExecutionReport,
}

impl<'a, V: StateView + ChainView + Sync> BlockExecutor<'a, V> {
    /// A block of `env` on top of `base`, run by `engines`; `policy` says what an invalid
    /// transaction does to it.
    pub fn new(engines: &'a Engines, env: &'a BlockEnv, base: V, policy: InvalidTxPolicy) -> Self {
        Self {
            engines,
            env,
            base,
            assembly: BlockAssembly::new(engines, env, 0, policy),
            changes: StateChanges::default(),
        }
    }

    /// Changes applied before the block's first transaction. None yet: L1 deposits will be
    /// minted here.
    pub fn apply_pre_execution_changes(&mut self) -> Result<(), ExecutionError> {
        Ok(())
    }

    /// Executes `txs` in order after the block's transactions so far, through `scheduler`.
    pub fn execute_transactions(
        &mut self,
        txs: Vec<Transaction>,
        scheduler: &mut ParallelExecutor,
    ) -> Result<ExecutionReport, ExecutionError> {
        let started = Instant::now();
        let txs = self.check_replay_guards(txs)?;
        self.assembly.included.reserve(txs.len());
        let vm = self.engines.block_vm(self.env);
        // The scheduler runs on the block's base state: only transactions before which the
        // block changed nothing can run in parallel.
        if !self.changes.is_empty() {
            let report = ExecutionReport::sequential("after earlier changes", txs.len());
            self.execute_sequentially(&vm, txs.into_iter())?;
            return Ok(self.report(report, started, scheduler));
        }
        let fits = self.assembly.all_fit(&txs);
        let scheduled = scheduler.run(&vm, &self.base, &txs, fits)?;
        let mut rest = txs.into_iter();
        self.changes = scheduled.changes;
        for output in scheduled.outputs {
            let tx = rest.next().ok_or_else(|| {
                ExecutionError::Invariant("more parallel outputs than transactions".into())
            })?;
            self.assembly.push(tx, output)?;
        }
        self.execute_sequentially(&vm, rest)?;
        Ok(self.report(scheduled.report, started, scheduler))
    }

    /// `report` completed with the block's time and gas so far, recorded by `scheduler`.
    fn report(
        &self,
        mut report: ExecutionReport,
        started: Instant,
        scheduler: &mut ParallelExecutor,
    ) -> ExecutionReport {
        report.elapsed = started.elapsed();
        report.gas_used = self.assembly.used(crate::EngineKind::Evm);
        scheduler.record(&report);
        report
    }

    /// Runs `txs` one after another on one worker of `vm`, on the block's state so far.
    fn execute_sequentially(
        &mut self,
        vm: &crate::RouterVm<'_>,
        txs: impl Iterator<Item = Transaction>,
    ) -> Result<(), ExecutionError> {
        let mut txs = txs.peekable();
        if txs.peek().is_none() {
            return Ok(());
        }
        // Most transactions change their payer and one other account.
        let accounts = txs.size_hint().0.saturating_mul(2).min(1 << 20);
        let view = SequentialView::new(&self.base, std::mem::take(&mut self.changes), accounts);
        let mut worker = vm.worker(&view);
        let mut writes = TxWrites::default();
        for tx in txs {
            if let Some(rejection) = self.assembly.over_budget(&tx) {
                self.assembly.reject(tx, rejection)?;
                continue;
            }
            writes.clear();
            let result = worker.execute(&tx, &mut writes)?;
            if self.assembly.push(tx, result)? {
                view.apply(&writes)?;
            }
        }
        drop(worker);
        self.changes = view.into_changes();
        Ok(())
    }

    /// Leaves out the transactions whose recent block is unknown or too old, or that are in
    /// the chain already or earlier in the block (replay guard [`ReplayGuard::RecentBlock`]);
    /// returns the others, in order.
    fn check_replay_guards(
        &mut self,
        txs: Vec<Transaction>,
    ) -> Result<Vec<Transaction>, ExecutionError> {
        if txs.iter().all(|tx| matches!(tx.replay_guard(), ReplayGuard::Nonce(_))) {
            return Ok(txs);
        }
        let mut seen: B256Set = B256Set::default();
        let mut kept = Vec::with_capacity(txs.len());
        for tx in txs {
            let ReplayGuard::RecentBlock { hash, .. } = tx.replay_guard() else {
                kept.push(tx);
                continue;
            };
            let named = self.base.block_number(hash)?;
            let id = tx.hash();
            let rejection = if !tx.replay_guard().is_fresh(named, self.env.number) {
                Some(Rejection::Expired)
            } else if seen.contains(&id) || self.base.transaction_block(id)?.is_some() {
                Some(Rejection::Duplicate)
            } else {
                None
            };
            match rejection {
                Some(rejection) => self.assembly.reject(tx, rejection)?,
                None => {
                    seen.insert(id);
                    kept.push(tx);
                }
            }
        }
        Ok(kept)
    }

    /// Credits every fee of the block (base and priority fees of every engine) to the fee
    /// vault, the block's beneficiary, in one step after its last transaction: the vault is
    /// then not a write every transaction shares, which would serialise the scheduler.
    pub fn apply_post_execution_changes(&mut self) -> Result<(), ExecutionError> {
        let fees = std::mem::take(&mut self.assembly.fees);
        if fees.is_zero() {
            return Ok(());
        }
        let vault = AccountId::from(self.env.beneficiary);
        let view = SequentialView::new(&self.base, std::mem::take(&mut self.changes), 1);
        let writes = TxWrites { credits: vec![(vault, fees)], ..TxWrites::default() };
        view.apply(&writes)?;
        self.changes = view.into_changes();
        Ok(())
    }

    /// The block's outcome.
    pub fn finish(self) -> BlockOutcome {
        BlockOutcome {
            env: *self.env,
            gas_used: self.assembly.used(crate::EngineKind::Evm),
            transactions: self.assembly.included,
            changes: self.changes,
            rejected: self.assembly.rejected,
        }
    }
}

/// Executes a block of `txs` in `env` on top of `base` through the whole lifecycle.
pub fn execute_block<V: StateView + ChainView + Sync>(
    engines: &Engines,
    env: &BlockEnv,
    base: V,
    txs: Vec<Transaction>,
    policy: InvalidTxPolicy,
    scheduler: &mut ParallelExecutor,
) -> Result<ExecutedBlock, ExecutionError> {
    let mut block = BlockExecutor::new(engines, env, base, policy);
    block.apply_pre_execution_changes()?;
    let report = block.execute_transactions(txs, scheduler)?;
    block.apply_post_execution_changes()?;
    Ok(ExecutedBlock { outcome: block.finish(), report })
}
