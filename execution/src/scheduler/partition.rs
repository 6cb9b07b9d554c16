//! Declared access, partitioned (Sealevel-style): a block whose transactions all declare
//! their access is split into independent parts — transactions that share no key, except
//! for credits, which commute — and each worker runs its parts in block order over its own
//! overlay of the base state. Nothing is shared between workers while they run; their writes
//! are disjoint and are merged at the end, credits summed.
//!
//! The parts are the connected components of the block's conflict graph: two transactions
//! conflict when they access a key and one of them writes it, or when one reads an account
//! another credited before it (it must see the credit). Components go to the least loaded
//! worker, largest first. When one component holds most of the block, partitioning cannot
//! pay and the scheduler uses the dependency graph instead.

use alloy_primitives::map::HashMap;
use parking_lot::Mutex;

use super::{
    block_run::{BlockRun, RunStats, Stop, outputs},
    declared_access::{Access, DeclaredAccess},
    dependency_graph::allows,
    overlay_view::{OverlayShare, OverlayView},
    state_key::StateKey,
    thread_pool::run_workers,
    vm::{BlockVm, TxWrites, VmWorker},
    write_fold::FoldError,
};
use crate::{ExecutionError, StateView};

/// Union-find over transaction indices.
struct Components(Vec<u32>);

impl Components {
    fn root(&mut self, mut i: u32) -> u32 {
        while self.0[i as usize] != i {
            let parent = self.0[i as usize];
            self.0[i as usize] = self.0[parent as usize];
            i = parent;
        }
        i
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.root(a), self.root(b));
        if a != b {
            // The lower index is the root: roots stay in block order.
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            self.0[high as usize] = low;
        }
    }
}

/// A block split among workers.
#[derive(Debug)]
pub(super) struct Partition {
    /// Per worker, the transactions it runs, in block order.
    pub(super) parts: Vec<Vec<u32>>,
    /// Accounts credited by more than one worker, or credited by one and read or written by
    /// another: their credits are summed across workers at the end. Every other credit is
    /// settled by the worker that makes it.
    pub(super) shared_credits: std::collections::HashSet<crate::AccountId>,
}

/// Per key, while partitioning (`NONE`: no such transaction).
#[derive(Clone, Copy)]
struct KeyUse {
    /// A transaction that read or wrote the key.
    user: u32,
    /// Head of the list (in `Partition::new`'s `links`) of the transactions that credited
    /// the key since it was last read or written.
    crediters: u32,
    /// The first transaction that credited the key, and how many did.
    first_crediter: u32,
    credits: u32,
}

const NONE: u32 = u32::MAX;

impl Default for KeyUse {
    fn default() -> Self {
        Self { user: NONE, crediters: NONE, first_crediter: NONE, credits: 0 }
    }
}

impl Partition {
    /// Splits transactions declaring `access` (in block order) among `workers`.
    pub(super) fn new(access: &[&DeclaredAccess], workers: usize) -> Self {
        let n = access.len();
        let workers = workers.max(1);
        let mut components = Components((0..n as u32).collect());
        let mut keys: HashMap<StateKey, KeyUse> = HashMap::default();
        keys.reserve(n * 2);
        // Linked lists of crediters: (transaction, next).
        let mut links: Vec<(u32, u32)> = Vec::with_capacity(n);
        for (txn, declared) in access.iter().enumerate() {
            let txn = txn as u32;
            for (key, kind) in declared.keys() {
                let entry = keys.entry(*key).or_default();
                match kind {
                    Access::Read | Access::Write => {
                        if entry.user != NONE {
                            components.union(txn, entry.user);
                        }
                        let mut next = std::mem::replace(&mut entry.crediters, NONE);
                        while next != NONE {
                            let (crediter, following) = links[next as usize];
                            components.union(txn, crediter);
                            next = following;
                        }
                        entry.user = txn;
                    }
                    // A credit after a read or write needs no order: the earlier reader must
                    // not see it, and the account's final value adds it.
                    Access::Credit => {
                        links.push((txn, entry.crediters));
                        entry.crediters = links.len() as u32 - 1;
                        if entry.credits == 0 {
                            entry.first_crediter = txn;
                        }
                        entry.credits += 1;
                    }
                }
            }
        }
        // Component sizes, then components to the least loaded worker, largest first.
        let roots: Vec<u32> = (0..n as u32).map(|t| components.root(t)).collect();
        let mut sizes = vec![0u32; n];
        for root in &roots {
            sizes[*root as usize] += 1;
        }
        let mut order: Vec<u32> = (0..n as u32).filter(|r| sizes[*r as usize] > 0).collect();
        order.sort_unstable_by(|a, b| sizes[*b as usize].cmp(&sizes[*a as usize]).then(a.cmp(b)));
        // A worker takes components until it has its share, so that small components in
        // block order go to one worker in runs (neighbouring transactions on one core).
        let share = (n as u32).div_ceil(workers as u32);
        let mut loads = vec![0u32; workers];
        let mut worker_of = vec![0u32; n];
        for root in order {
            let size = sizes[root as usize];
            let chosen = (0..workers)
                .find(|w| loads[*w] + size <= share)
                .unwrap_or_else(|| (0..workers).min_by_key(|w| loads[*w]).expect("a worker"));
            loads[chosen] += size;
            worker_of[root as usize] = chosen as u32;
        }
        let mut parts: Vec<Vec<u32>> =
            loads.iter().map(|load| Vec::with_capacity(*load as usize)).collect();
        for (txn, root) in roots.iter().enumerate() {
            parts[worker_of[*root as usize] as usize].push(txn as u32);
        }
        // Credits summed across workers: an account credited more than once (conservatively),
        // or credited by one worker and read or written by another.
        let worker = |txn: u32| worker_of[roots[txn as usize] as usize];
        let shared_credits = keys
            .iter()
            .filter(|(_, using)| {
                using.credits > 1
                    || (using.credits == 1
                        && using.user != NONE
                        && worker(using.user) != worker(using.first_crediter))
            })
            .filter_map(|(key, _)| match key {
                StateKey::Account(address) => Some(*address),
                _ => None,
            })
            .collect();
        Self { parts, shared_credits }
    }

    /// Transactions over the heaviest part: the speed-up the split allows.
    pub(super) fn parallelism(&self) -> f64 {
        let total: usize = self.parts.iter().map(Vec::len).sum();
        let heaviest = self.parts.iter().map(Vec::len).max().unwrap_or(0).max(1);
        total as f64 / heaviest as f64
    }
}

/// Runs `txs`, all declaring their access, split by `partition`: one worker per part.
/// Stops with `Stop::Undeclared` (and no results) when a transaction strays outside its
/// declaration or wipes storage.
pub(super) fn run_partitioned<Vm: BlockVm, V: StateView + Sync>(
    vm: &Vm,
    base: &V,
    txs: &[Vm::Tx],
    access: &[&DeclaredAccess],
    partition: &Partition,
) -> Result<BlockRun<Vm::Output>, ExecutionError> {
    let n = txs.len();
    let outputs = outputs::<Vm::Output>(n);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let shares: Mutex<Vec<Result<OverlayShare, FoldError>>> = Mutex::new(Vec::new());
    let stats = Mutex::new(RunStats::default());
    run_workers(partition.parts.len(), |worker| {
        let view = OverlayView::new(base, &partition.shared_credits, n * 2);
        let mut executor = vm.worker(&view);
        let mut writes = TxWrites::default();
        let mut executions = 0;
        for &txn in &partition.parts[worker] {
            if stop.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            let declared = access[txn as usize];
            view.begin(declared);
            writes.clear();
            let result = executor.execute(&txs[txn as usize], &mut writes);
            executions += 1;
            let applied = !view.read_undeclared()
                && allows(declared, &writes)
                && !matches!(result, Err(ExecutionError::ReadEstimate { .. }))
                && view.apply(&writes).unwrap_or(false);
            if !applied {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
                break;
            }
            *outputs[txn as usize].lock() = Some(result);
        }
        drop(executor);
        stats.lock().executions += executions;
        if !stop.load(std::sync::atomic::Ordering::Relaxed) {
            shares.lock().push(view.into_changes());
        }
    });
    let stats = stats.into_inner();
    if stop.into_inner() {
        return BlockRun::without_memory(outputs, 0, None, stats, Some(Stop::Undeclared));
    }
    match shares.into_inner().into_iter().collect::<Result<Vec<_>, _>>() {
        Ok(shares) => BlockRun::without_memory(outputs, n, Some(shares), stats, None),
        Err(FoldError::Execution(e)) => Err(e),
        Err(FoldError::NotExact(why)) => Err(ExecutionError::Invariant(why.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use alloy_primitives::Address;

    use crate::AccountId;

    fn id(i: u8) -> AccountId {
        AccountId::from(Address::repeat_byte(i))
    }

    fn account(i: u8) -> StateKey {
        StateKey::Account(id(i))
    }

    #[test]
    fn components_split_and_balance() {
        // 0 and 2 share key 1; 1 and 3 share key 2; 4 only credits what 0 writes.
        let a = DeclaredAccess::new([], [account(1)]);
        let b = DeclaredAccess::new([], [account(2)]);
        let c = DeclaredAccess::new([account(1)], []);
        let d = DeclaredAccess::new([account(2)], [account(3)]);
        let e = DeclaredAccess::default().credit(id(1));
        let partition = Partition::new(&[&a, &b, &c, &d, &e], 2);
        let mut parts = partition.parts.clone();
        parts.sort();
        assert_eq!(parts, vec![vec![0, 2, 4], vec![1, 3]]);
        // Singletons in block order fill one worker, then the next.
        let lone: Vec<DeclaredAccess> =
            (0..6).map(|i| DeclaredAccess::new([], [account(10 + i)])).collect();
        let lone: Vec<&DeclaredAccess> = lone.iter().collect();
        assert_eq!(Partition::new(&lone, 2).parts, vec![vec![0, 1, 2], vec![3, 4, 5]]);
        assert_eq!(partition.parallelism(), 5.0 / 3.0);
    }

    #[test]
    fn a_reader_joins_the_creditors_before_it() {
        let credit = DeclaredAccess::default().credit(id(1));
        let read = DeclaredAccess::new([account(1)], []);
        let other = DeclaredAccess::new([], [account(9)]);
        let partition = Partition::new(&[&credit, &credit, &read, &credit, &other], 2);
        assert!(partition.parts.contains(&vec![0, 1, 2]), "{:?}", partition.parts);
    }
}
