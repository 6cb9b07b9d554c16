//! Declared access scheduled as a dependency graph: each transaction waits for the last
//! transaction before it that writes a key it reads or writes (and for the credits made to
//! that key since), and workers run every transaction whose dependencies have finished,
//! lowest index first, over the multi-version memory. A transaction then reads only final
//! values: nothing is validated and nothing re-executed. A chain of overlapping transactions
//! runs in block order; the memory still resolves each read to the right version, so a
//! transaction may run before a *later* one that writes what it reads (write-after-read needs
//! no ordering).
//!
//! Declarations are checked: a read of an undeclared key, or a write outside the declared
//! writes, stops the run, and the block is executed optimistically instead.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
    sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering},
};

use alloy_primitives::Address;
use parking_lot::Mutex;

use super::{
    block_run::{BlockRun, RunStats, Stop, Workspace, merge_shares, outputs},
    declared_access::{Access, DeclaredAccess},
    mv_view::MvView,
    state_key::StateKey,
    thread_pool::run_workers,
    vm::{BlockVm, TxWrites, VmWorker},
    write_fold::{FoldError, apply_clears},
};
use crate::{ExecutionError, StateChanges, StateView};

/// Whether `writes` stay within what `declared` allows.
pub(super) fn allows(declared: &DeclaredAccess, writes: &TxWrites) -> bool {
    writes.values.iter().all(|(key, _)| declared.covers_write(key))
        && writes.credits.iter().all(|(a, _)| declared.covers_credit(*a))
        && writes
            .cleared
            .iter()
            .all(|a| declared.covers_write(&StateKey::Account(crate::AccountId::from(*a))))
}

/// The dependency graph of a block under its declarations.
#[derive(Debug)]
pub(super) struct DependencyGraph {
    /// Unfinished dependencies of each transaction.
    pending: Vec<u32>,
    /// `dependents[offsets[i]..offsets[i + 1]]`: the transactions waiting for `i`.
    offsets: Vec<u32>,
    dependents: Vec<u32>,
    /// Length of the longest chain of dependent transactions.
    pub(super) critical_path: usize,
}

impl DependencyGraph {
    /// The graph of transactions declaring `access` (in block order).
    pub(super) fn new(access: &[&DeclaredAccess]) -> Self {
        let n = access.len();
        // Per key: its last writer, and the transactions that credited it since.
        let mut last: HashMap<StateKey, (Option<u32>, Vec<u32>)> = HashMap::new();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut pending = vec![0u32; n];
        let mut depth = vec![1usize; n];
        let mut deps: Vec<u32> = Vec::new();
        for (txn, declared) in access.iter().enumerate() {
            deps.clear();
            for (key, access) in declared.keys() {
                if let Some((writer, crediters)) = last.get(key) {
                    deps.extend(writer);
                    if *access != Access::Credit {
                        deps.extend(crediters);
                    }
                }
            }
            deps.sort_unstable();
            deps.dedup();
            for &dep in &deps {
                edges.push((dep, txn as u32));
                depth[txn] = depth[txn].max(depth[dep as usize] + 1);
            }
            pending[txn] = deps.len() as u32;
            for (key, access) in declared.keys() {
                let entry = last.entry(*key).or_default();
                match access {
                    Access::Write => *entry = (Some(txn as u32), Vec::new()),
                    Access::Credit => entry.1.push(txn as u32),
                    Access::Read => {}
                }
            }
        }
        let mut offsets = vec![0u32; n + 1];
        for (from, _) in &edges {
            offsets[*from as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut dependents = vec![0u32; edges.len()];
        for (from, to) in edges {
            dependents[fill[from as usize] as usize] = to;
            fill[from as usize] += 1;
        }
        let critical_path = depth.into_iter().max().unwrap_or(0);
        Self { pending, offsets, dependents, critical_path }
    }

    fn dependents(&self, txn: u32) -> &[u32] {
        &self.dependents
            [self.offsets[txn as usize] as usize..self.offsets[txn as usize + 1] as usize]
    }
}

/// Runs `txs`, all of which declare their access (`access[i]` for `txs[i]`), on `threads`
/// workers following the dependency `graph`. Stops with `Stop::Undeclared` (and no results)
/// if a transaction strays outside its declaration.
pub(super) fn run_declared<Vm: BlockVm, V: StateView + Sync>(
    vm: &Vm,
    base: &V,
    txs: &[Vm::Tx],
    access: &[&DeclaredAccess],
    graph: DependencyGraph,
    threads: usize,
) -> Result<BlockRun<Vm::Output>, ExecutionError> {
    let n = txs.len();
    let workspace = Workspace::take(n);
    let mv = &workspace.mv;
    let slots = workspace.slots(n);
    let outputs = outputs::<Vm::Output>(n);
    let pending: Vec<AtomicU32> = graph.pending.iter().map(|p| AtomicU32::new(*p)).collect();
    let ready: Mutex<BinaryHeap<Reverse<u32>>> = Mutex::new(
        (0..n as u32).filter(|i| graph.pending[*i as usize] == 0).map(Reverse).collect(),
    );
    let finished = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let stats = Mutex::new(RunStats::default());
    let clears: Mutex<Vec<(Address, u32)>> = Mutex::new(Vec::new());
    let shares: Mutex<Vec<Result<StateChanges, FoldError>>> = Mutex::new(Vec::new());
    let workers = threads.clamp(1, n.max(1));
    run_workers(workers, |worker| {
        let view = MvView::new(mv, base, false);
        let mut worker_vm = vm.worker(&view);
        let mut writes = TxWrites::default();
        let mut keys = Vec::new();
        let mut mine = RunStats::default();
        while finished.load(Ordering::Acquire) < n && !stop.load(Ordering::Acquire) {
            let Some(Reverse(txn)) = ready.lock().pop() else {
                std::hint::spin_loop();
                continue;
            };
            let declared = access[txn as usize];
            view.begin(txn, Some(declared));
            writes.clear();
            let result = worker_vm.execute(&txs[txn as usize], &mut writes);
            mine.executions += 1;
            if view.read_undeclared() || !allows(declared, &writes) {
                stop.store(true, Ordering::Release);
                break;
            }
            if let Err(ExecutionError::ReadEstimate { .. }) = result {
                // Cannot happen when the declarations hold: everything read is final.
                stop.store(true, Ordering::Release);
                break;
            }
            if !writes.cleared.is_empty() {
                clears.lock().extend(writes.cleared.iter().map(|a| (*a, txn)));
            }
            {
                let mut slot = slots[txn as usize].lock();
                mv.record(txn, 0, &writes, &[], &mut keys);
                std::mem::swap(&mut slot.writes, &mut writes);
                *outputs[txn as usize].lock() = Some(result);
            }
            let mut ready_now = Vec::new();
            for &dependent in graph.dependents(txn) {
                if pending[dependent as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                    ready_now.push(Reverse(dependent));
                }
            }
            if !ready_now.is_empty() {
                ready.lock().extend(ready_now);
            }
            finished.fetch_add(1, Ordering::AcqRel);
        }
        stats.lock().add(mine);
        drop(worker_vm);
        if !stop.load(Ordering::Acquire) {
            let clears = last_clears(&clears.lock());
            let share = workspace.finish_share(n, worker, workers, base, &clears);
            shares.lock().push(share);
        }
    });
    let stats = stats.into_inner();
    if stop.into_inner() {
        return Ok(BlockRun::stopped(workspace, n, stats, Stop::Undeclared));
    }
    let clears = last_clears(&clears.into_inner());
    let changes = merge_shares(shares.into_inner())
        .and_then(|mut changes| apply_clears(base, &clears, &mut changes).map(|()| changes));
    BlockRun::new(workspace, n, outputs, n, Some(changes), stats, None)
}

/// Per account, the last transaction that wiped its storage.
fn last_clears(clears: &[(Address, u32)]) -> Vec<(Address, u32)> {
    let mut last: Vec<(Address, u32)> = Vec::new();
    for (address, txn) in clears {
        match last.iter_mut().find(|(a, _)| a == address) {
            Some((_, t)) => *t = (*t).max(*txn),
            None => last.push((*address, *txn)),
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};

    use super::*;

    fn slot(i: u64) -> StateKey {
        StateKey::Storage(Address::ZERO, U256::from(i))
    }

    #[test]
    fn graph_orders_overlapping_transactions_only() {
        let a = DeclaredAccess::new([], [slot(1)]);
        let b = DeclaredAccess::new([], [slot(2)]);
        let c = DeclaredAccess::new([slot(1)], [slot(3)]);
        let d = DeclaredAccess::new([slot(3), slot(2)], []);
        let graph = DependencyGraph::new(&[&a, &b, &c, &d]);
        assert_eq!(graph.pending, vec![0, 0, 1, 2]);
        assert_eq!(graph.dependents(0), &[2]);
        assert_eq!(graph.dependents(1), &[3]);
        assert_eq!(graph.dependents(2), &[3]);
        assert_eq!(graph.critical_path, 3);
        // Reads alone never order transactions.
        let r = DeclaredAccess::new([slot(9)], []);
        assert_eq!(DependencyGraph::new(&[&r, &r, &r]).critical_path, 1);
    }

    #[test]
    fn credits_commute_but_reads_wait_for_them() {
        let r = crate::AccountId::from(Address::repeat_byte(5));
        let credit = DeclaredAccess::default().credit(r);
        let read = DeclaredAccess::new([StateKey::Account(r)], []);
        let graph = DependencyGraph::new(&[&credit, &credit, &read, &credit]);
        assert_eq!(graph.pending, vec![0, 0, 2, 0]);
        assert_eq!(graph.critical_path, 2);
    }
}
