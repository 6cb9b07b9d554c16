//! The collaborative Block-STM scheduler: hands out execution and validation tasks in
//! transaction order, tracks incarnations and dependencies, and detects completion.
//!
//! Follows Gelashvili et al., "Block-STM" (PPoPP '23), Algorithms 4–5; each handed-out task
//! holds one count of `active_tasks` until the worker finishes it or it turns into a
//! follow-up task. Each transaction's status and dependents share one lock, alone on its
//! cache lines (workers run neighbouring transactions), as does each shared counter.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};

use parking_lot::Mutex;

use super::{mv_memory::Version, padded::Padded};

/// Work for a worker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Task {
    /// Execute this incarnation.
    Execute(Version),
    /// Validate the reads of this incarnation.
    Validate(Version),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    ReadyToExecute,
    Executing,
    Executed,
    Aborting,
}

#[derive(Debug)]
struct TxStatus {
    incarnation: u32,
    status: Status,
    /// Transactions waiting for this one to finish executing.
    dependents: Vec<u32>,
}

impl Default for TxStatus {
    fn default() -> Self {
        Self { incarnation: 0, status: Status::ReadyToExecute, dependents: Vec::new() }
    }
}

/// Shared scheduling state of one block.
#[derive(Debug)]
pub(super) struct TaskScheduler {
    txs: u32,
    execution_idx: Padded<AtomicU32>,
    validation_idx: Padded<AtomicU32>,
    decrease_cnt: Padded<AtomicUsize>,
    active_tasks: Padded<AtomicUsize>,
    done: Padded<AtomicBool>,
    status: Vec<Padded<Mutex<TxStatus>>>,
}

impl TaskScheduler {
    /// A scheduler for `txs` transactions, all ready for their first incarnation.
    pub(super) fn new(txs: usize) -> Self {
        let txs = u32::try_from(txs).expect("fewer than 2^32 transactions in a block");
        Self {
            txs,
            execution_idx: Padded(AtomicU32::new(0)),
            validation_idx: Padded(AtomicU32::new(0)),
            decrease_cnt: Padded(AtomicUsize::new(0)),
            active_tasks: Padded(AtomicUsize::new(0)),
            done: Padded(AtomicBool::new(txs == 0)),
            status: (0..txs).map(|_| Padded(Mutex::new(TxStatus::default()))).collect(),
        }
    }

    /// Makes it a scheduler for `txs` new transactions, reusing its allocations.
    pub(super) fn reset(&mut self, txs: usize) {
        self.txs = u32::try_from(txs).expect("fewer than 2^32 transactions in a block");
        *self.execution_idx.0.get_mut() = 0;
        *self.validation_idx.0.get_mut() = 0;
        *self.decrease_cnt.0.get_mut() = 0;
        *self.active_tasks.0.get_mut() = 0;
        *self.done.0.get_mut() = txs == 0;
        let status = &mut self.status;
        for entry in status.iter_mut().take(txs) {
            let entry = entry.0.get_mut();
            entry.incarnation = 0;
            entry.status = Status::ReadyToExecute;
            entry.dependents.clear();
        }
        if status.len() < txs {
            status.resize_with(txs, || Padded(Mutex::new(TxStatus::default())));
        }
    }

    /// Whether every transaction is executed and validated (or the block was halted).
    pub(super) fn done(&self) -> bool {
        self.done.load(SeqCst)
    }

    /// Stops every worker (after a fatal error, or to finish the block another way).
    pub(super) fn halt(&self) {
        self.done.store(true, SeqCst);
    }

    /// The status and incarnation of `txn` (for the caller once all workers stopped).
    pub(super) fn status(&self, txn: u32) -> (Status, u32) {
        let status = self.status[txn as usize].lock();
        (status.status, status.incarnation)
    }

    fn decrease_execution_idx(&self, target: u32) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn decrease_validation_idx(&self, target: u32) {
        self.validation_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn check_done(&self) {
        let observed = self.decrease_cnt.load(SeqCst);
        if self.execution_idx.load(SeqCst).min(self.validation_idx.load(SeqCst)) >= self.txs
            && self.active_tasks.load(SeqCst) == 0
            && observed == self.decrease_cnt.load(SeqCst)
        {
            self.done.store(true, SeqCst);
        }
    }

    /// Starts the next incarnation of `txn` if it is ready (no `active_tasks` accounting).
    fn try_incarnate(&self, txn: u32) -> Option<Version> {
        if txn < self.txs {
            let mut status = self.status[txn as usize].lock();
            if status.status == Status::ReadyToExecute {
                status.status = Status::Executing;
                return Some(Version { txn, incarnation: status.incarnation });
            }
        }
        None
    }

    fn next_to_execute(&self) -> Option<Task> {
        if self.execution_idx.load(SeqCst) >= self.txs {
            self.check_done();
            return None;
        }
        self.active_tasks.fetch_add(1, SeqCst);
        let txn = self.execution_idx.fetch_add(1, SeqCst);
        match self.try_incarnate(txn) {
            Some(version) => Some(Task::Execute(version)),
            None => {
                self.active_tasks.fetch_sub(1, SeqCst);
                None
            }
        }
    }

    fn next_to_validate(&self) -> Option<Task> {
        if self.validation_idx.load(SeqCst) >= self.txs {
            self.check_done();
            return None;
        }
        self.active_tasks.fetch_add(1, SeqCst);
        let txn = self.validation_idx.fetch_add(1, SeqCst);
        if txn < self.txs {
            let status = self.status[txn as usize].lock();
            if status.status == Status::Executed {
                return Some(Task::Validate(Version { txn, incarnation: status.incarnation }));
            }
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// The next task, validation first when it is behind execution.
    pub(super) fn next_task(&self) -> Option<Task> {
        if self.done() {
            return None;
        }
        if self.validation_idx.load(SeqCst) < self.execution_idx.load(SeqCst) {
            self.next_to_validate()
        } else {
            self.next_to_execute()
        }
    }

    /// `txn` read an ESTIMATE of `blocking`: park it until `blocking` re-executes. Returns
    /// false when `blocking` already finished (the caller re-executes `txn` at once).
    pub(super) fn add_dependency(&self, txn: u32, blocking: u32) -> bool {
        // Lock order: always the lower transaction first (`blocking < txn`).
        let mut blocker = self.status[blocking as usize].lock();
        if blocker.status == Status::Executed {
            return false;
        }
        self.status[txn as usize].lock().status = Status::Aborting;
        blocker.dependents.push(txn);
        drop(blocker);
        self.active_tasks.fetch_sub(1, SeqCst);
        true
    }

    fn set_ready(&self, txn: u32) {
        let mut status = self.status[txn as usize].lock();
        status.incarnation += 1;
        status.status = Status::ReadyToExecute;
    }

    /// An incarnation finished executing; `wrote_new_key` when it wrote a key its previous
    /// incarnation did not. May hand back its own validation as the next task.
    pub(super) fn finish_execution(&self, version: Version, wrote_new_key: bool) -> Option<Task> {
        let Version { txn, incarnation } = version;
        let dependents = {
            let mut status = self.status[txn as usize].lock();
            status.status = Status::Executed;
            std::mem::take(&mut status.dependents)
        };
        if let Some(min) = dependents.iter().min().copied() {
            for dependent in dependents {
                self.set_ready(dependent);
            }
            self.decrease_execution_idx(min);
        }
        if self.validation_idx.load(SeqCst) > txn {
            if !wrote_new_key {
                return Some(Task::Validate(Version { txn, incarnation }));
            }
            self.decrease_validation_idx(txn);
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Claims the abort of a failed validation (only one validator of an incarnation wins).
    pub(super) fn try_validation_abort(&self, version: Version) -> bool {
        let mut status = self.status[version.txn as usize].lock();
        if status.incarnation == version.incarnation && status.status == Status::Executed {
            status.status = Status::Aborting;
            return true;
        }
        false
    }

    /// A validation finished; after an abort, may hand back the re-execution.
    pub(super) fn finish_validation(&self, txn: u32, aborted: bool) -> Option<Task> {
        if aborted {
            self.set_ready(txn);
            self.decrease_validation_idx(txn + 1);
            if self.execution_idx.load(SeqCst) > txn
                && let Some(version) = self.try_incarnate(txn)
            {
                return Some(Task::Execute(version));
            }
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }
}
