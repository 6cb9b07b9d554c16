//! The scheduler driven by a synthetic VM (no EVM): transactions that read and
//! read-modify-write storage keys, with synthetic declared access. Declared-access scheduling
//! and Block-STM must both give the sequential result, at every thread count; declarations
//! that do not hold must stop a declared run rather than give a wrong result.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256};
use proptest::prelude::*;

use super::{
    DeclaredAccess, StateKey, StateValue, TxState, TxWrites,
    block_run::Stop,
    dependency_graph::{DependencyGraph, run_declared},
    optimistic::run_optimistic,
    overlay_view::merge_overlays,
    partition::{Partition, run_partitioned},
    vm::{BlockVm, VmWorker},
};
use crate::{AccountId, AccountState, ExecutionError, StateView, state::AccountData};

const OWNER: Address = Address::repeat_byte(0xab);

fn key(slot: u8) -> StateKey {
    StateKey::Storage(OWNER, U256::from(slot))
}

/// Reads `reads`, then adds their sum plus `add` to each of `writes`; outputs the sum.
#[derive(Debug, Clone)]
struct KvTx {
    reads: Vec<u8>,
    writes: Vec<u8>,
    add: u64,
    declared: Option<DeclaredAccess>,
}

struct KvVm;

struct KvWorker<'w> {
    state: &'w dyn TxState,
}

impl BlockVm for KvVm {
    type Tx = KvTx;
    type Output = u64;
    type Worker<'w> = KvWorker<'w>;

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> KvWorker<'w> {
        KvWorker { state }
    }

    fn declared_access(&self, tx: &KvTx, _base: &dyn StateView) -> Option<DeclaredAccess> {
        tx.declared.clone()
    }
}

impl VmWorker for KvWorker<'_> {
    type Tx = KvTx;
    type Output = u64;

    fn execute(&mut self, tx: &KvTx, writes: &mut TxWrites) -> Result<u64, ExecutionError> {
        let mut sum = U256::from(tx.add);
        for slot in &tx.reads {
            sum += self.state.storage(OWNER, U256::from(*slot))?;
        }
        for slot in &tx.writes {
            let value = self.state.storage(OWNER, U256::from(*slot))? + sum;
            writes.values.push((key(*slot), StateValue::Storage(value)));
        }
        Ok(sum.to::<u64>())
    }
}

/// The base state: slot `i` holds `i + 1`.
#[derive(Debug)]
struct Base;

impl StateView for Base {
    fn account(&self, id: AccountId) -> Result<Option<AccountState>, ExecutionError> {
        Ok((id == AccountId::from(OWNER)).then(|| AccountState { nonce: 1, ..Default::default() }))
    }
    fn account_data(&self, _: AccountId) -> Result<Option<AccountData>, ExecutionError> {
        Ok(None)
    }
    fn storage(&self, _: Address, slot: U256) -> Result<U256, ExecutionError> {
        Ok(slot + U256::from(1))
    }
    fn code(&self, _: B256) -> Result<Option<Bytes>, ExecutionError> {
        Ok(None)
    }
    fn block_hash(&self, _: u64) -> Result<Option<B256>, ExecutionError> {
        Ok(None)
    }
}

/// Outputs and final storage of running `txs` one by one.
fn sequential(txs: &[KvTx]) -> (Vec<u64>, BTreeMap<U256, U256>) {
    let mut state: BTreeMap<U256, U256> = BTreeMap::new();
    let read = |state: &BTreeMap<U256, U256>, slot: u8| {
        let slot = U256::from(slot);
        state.get(&slot).copied().unwrap_or(slot + U256::from(1))
    };
    let mut outputs = Vec::new();
    for tx in txs {
        let sum = tx.reads.iter().fold(U256::from(tx.add), |s, r| s + read(&state, *r));
        for slot in &tx.writes {
            let value = read(&state, *slot) + sum;
            state.insert(U256::from(*slot), value);
        }
        outputs.push(sum.to::<u64>());
    }
    (outputs, state)
}

fn tx() -> impl Strategy<Value = KvTx> {
    let slots = || proptest::collection::vec(0u8..8, 0..3);
    (slots(), slots(), 0u64..100, any::<bool>()).prop_map(|(reads, mut writes, add, declare)| {
        writes.sort_unstable();
        writes.dedup();
        let declared = declare.then(|| {
            DeclaredAccess::new(reads.iter().map(|s| key(*s)), writes.iter().map(|s| key(*s)))
        });
        KvTx { reads, writes, add, declared }
    })
}

fn declare_all(txs: &mut [KvTx]) {
    for tx in txs {
        tx.declared = Some(DeclaredAccess::new(
            tx.reads.iter().map(|s| key(*s)),
            tx.writes.iter().map(|s| key(*s)),
        ));
    }
}

fn storage_of(changes: &crate::StateChanges) -> BTreeMap<U256, U256> {
    changes
        .accounts
        .get(&AccountId::from(OWNER))
        .map(|c| c.storage.clone().into_iter().collect())
        .unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn declared_and_optimistic_runs_equal_sequential(
        mut txs in proptest::collection::vec(tx(), 1..40),
        threads in 1usize..5,
    ) {
        let (outputs, state) = sequential(&txs);

        let mut run = run_optimistic(&KvVm, &Base, &txs, threads, None).unwrap();
        prop_assert_eq!(&run.outputs, &outputs);
        let changes = run.changes.take().unwrap().map_err(|e| format!("{e:?}")).unwrap();
        prop_assert_eq!(storage_of(&changes), state.clone());

        declare_all(&mut txs);
        let access: Vec<_> = txs.iter().map(|t| t.declared.as_ref().unwrap()).collect();
        let graph = DependencyGraph::new(&access);
        let mut run = run_declared(&KvVm, &Base, &txs, &access, graph, threads).unwrap();
        prop_assert_eq!(run.stop, None);
        prop_assert_eq!(run.stats.executions, txs.len(), "no re-execution");
        prop_assert_eq!(&run.outputs, &outputs);
        let changes = run.changes.take().unwrap().map_err(|e| format!("{e:?}")).unwrap();
        prop_assert_eq!(storage_of(&changes), state.clone());

        let partition = Partition::new(&access, threads);
        let mut run = run_partitioned(&KvVm, &Base, &txs, &access, &partition).unwrap();
        prop_assert_eq!(run.stop, None);
        prop_assert_eq!(&run.outputs, &outputs);
        let changes = merge_overlays(&Base, run.overlays.take().unwrap())
            .map_err(|e| format!("{e:?}"))
            .unwrap();
        prop_assert_eq!(storage_of(&changes), state);
    }
}

#[test]
fn undeclared_reads_and_writes_stop_a_declared_run() {
    let tx = |reads: Vec<u8>, writes: Vec<u8>, declared: DeclaredAccess| KvTx {
        reads,
        writes,
        add: 1,
        declared: Some(declared),
    };
    // Reads slot 2 without declaring it.
    let reads = vec![tx(vec![2], vec![], DeclaredAccess::new([key(1)], []))];
    // Writes slot 3, declared as read only.
    let writes = vec![tx(vec![], vec![3], DeclaredAccess::new([key(3)], []))];
    for txs in [reads, writes] {
        let access: Vec<_> = txs.iter().map(|t| t.declared.as_ref().unwrap()).collect();
        let run =
            run_declared(&KvVm, &Base, &txs, &access, DependencyGraph::new(&access), 2).unwrap();
        assert_eq!(run.stop, Some(Stop::Undeclared));
        let partition = Partition::new(&access, 2);
        let run = run_partitioned(&KvVm, &Base, &txs, &access, &partition).unwrap();
        assert_eq!(run.stop, Some(Stop::Undeclared));
    }
}

#[test]
fn independent_declared_transactions_run_side_by_side() {
    // Four chains of eight read-modify-writes, interleaved: four times more parallel than
    // long, and every chain's result is the sequential one.
    let mut txs: Vec<KvTx> = (0..32)
        .map(|i| KvTx { reads: vec![], writes: vec![(i % 4) as u8], add: i, declared: None })
        .collect();
    declare_all(&mut txs);
    let access: Vec<_> = txs.iter().map(|t| t.declared.as_ref().unwrap()).collect();
    let graph = DependencyGraph::new(&access);
    assert_eq!(graph.critical_path, 8);
    let mut run = run_declared(&KvVm, &Base, &txs, &access, graph, 4).unwrap();
    let changes = run.changes.take().unwrap().map_err(|e| format!("{e:?}")).unwrap();
    assert_eq!(storage_of(&changes), sequential(&txs).1);
}
