//! The collaborative Block-STM scheduler: hands out execution and validation tasks in
//! transaction order, tracks incarnations and dependencies, and detects completion.
//!
//! Follows Gelashvili et al., "Block-STM" (PPoPP '23), Algorithms 4–5; each handed-out task
//! holds one count of `active_tasks` until the worker finishes it or it turns into a
//! follow-up task.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};

use parking_lot::Mutex;

use super::mv_memory::Version;

/// Work for a worker thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Task {
    /// Execute this incarnation.
    Execute(Version),
    /// Validate the reads of this incarnation.
    Validate(Version),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    ReadyToExecute,
    Executing,
    Executed,
    Aborting,
}

/// Shared scheduling state of one block.
#[derive(Debug)]
pub(super) struct TaskScheduler {
    txs: usize,
    execution_idx: AtomicUsize,
    validation_idx: AtomicUsize,
    decrease_cnt: AtomicUsize,
    active_tasks: AtomicUsize,
    done: AtomicBool,
    status: Vec<Mutex<(usize, Status)>>,
    dependents: Vec<Mutex<Vec<usize>>>,
}

impl TaskScheduler {
    /// A scheduler for `txs` transactions, all ready for their first incarnation.
    pub(super) fn new(txs: usize) -> Self {
        Self {
            txs,
            execution_idx: AtomicUsize::new(0),
            validation_idx: AtomicUsize::new(0),
            decrease_cnt: AtomicUsize::new(0),
            active_tasks: AtomicUsize::new(0),
            done: AtomicBool::new(txs == 0),
            status: (0..txs).map(|_| Mutex::new((0, Status::ReadyToExecute))).collect(),
            dependents: (0..txs).map(|_| Mutex::new(Vec::new())).collect(),
        }
    }

    /// Whether every transaction is executed and validated.
    pub(super) fn done(&self) -> bool {
        self.done.load(SeqCst)
    }

    /// Stops every worker (after a fatal error).
    pub(super) fn halt(&self) {
        self.done.store(true, SeqCst);
    }

    fn decrease_execution_idx(&self, target: usize) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn decrease_validation_idx(&self, target: usize) {
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
    fn try_incarnate(&self, txn: usize) -> Option<Version> {
        if txn < self.txs {
            let mut status = self.status[txn].lock();
            if status.1 == Status::ReadyToExecute {
                status.1 = Status::Executing;
                return Some((txn, status.0));
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
            let status = *self.status[txn].lock();
            if status.1 == Status::Executed {
                return Some(Task::Validate((txn, status.0)));
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
    pub(super) fn add_dependency(&self, txn: usize, blocking: usize) -> bool {
        let mut dependents = self.dependents[blocking].lock();
        if self.status[blocking].lock().1 == Status::Executed {
            return false;
        }
        self.status[txn].lock().1 = Status::Aborting;
        dependents.push(txn);
        self.active_tasks.fetch_sub(1, SeqCst);
        true
    }

    fn set_ready(&self, txn: usize) {
        let mut status = self.status[txn].lock();
        *status = (status.0 + 1, Status::ReadyToExecute);
    }

    /// An incarnation finished executing; `wrote_new_key` when it wrote a key its previous
    /// incarnation did not. May hand back its own validation as the next task.
    pub(super) fn finish_execution(&self, version: Version, wrote_new_key: bool) -> Option<Task> {
        let (txn, incarnation) = version;
        self.status[txn].lock().1 = Status::Executed;
        let dependents = std::mem::take(&mut *self.dependents[txn].lock());
        if let Some(min) = dependents.iter().min().copied() {
            for dependent in dependents {
                self.set_ready(dependent);
            }
            self.decrease_execution_idx(min);
        }
        if self.validation_idx.load(SeqCst) > txn {
            if !wrote_new_key {
                return Some(Task::Validate((txn, incarnation)));
            }
            self.decrease_validation_idx(txn);
        }
        self.active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// Claims the abort of a failed validation (only one validator of an incarnation wins).
    pub(super) fn try_validation_abort(&self, version: Version) -> bool {
        let mut status = self.status[version.0].lock();
        if *status == (version.1, Status::Executed) {
            status.1 = Status::Aborting;
            return true;
        }
        false
    }

    /// A validation finished; after an abort, may hand back the re-execution.
    pub(super) fn finish_validation(&self, txn: usize, aborted: bool) -> Option<Task> {
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
