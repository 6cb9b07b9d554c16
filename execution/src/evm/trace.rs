//! Tracing, as geth's `debug_trace*` methods trace: a sealed EVM transaction re-executed on the
//! state just before it, or a call on a block's state, under revm-inspectors'
//! [`DebugInspector`] (the struct logger, `callTracer`, `prestateTracer`, `4byteTracer`,
//! `noopTracer`, and the other native tracers it knows).
//!
//! The state before transaction `i` of block N is the parent's state (from the state
//! history) with the block's transactions `0..i` replayed on it, whatever their engine,
//! exactly as the block executor applies a block one transaction after another: the same
//! engines' worker (`RouterVm`) over the same overlay (`SequentialView`), fees deferred to
//! the block's end (so the fee vault is not credited between transactions). A traced EVM
//! transaction runs in the block's environment with the same revm configuration and handler
//! ([`DeferredFees`]) as in the block, the inspector attached, so its gas and result are its
//! receipt's; its state diff is then applied like any other transaction's.
//!
//! Every traced transaction runs under a deadline ([`Deadline`]): past it, execution halts
//! and the trace is refused with geth's `execution timeout`.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_trace::geth::{GethDebugTracingOptions, GethTrace};
use revm::{
    Context, DatabaseRef, ExecuteEvm, MainContext,
    bytecode::Bytecode,
    context::{
        BlockEnv as RevmBlockEnv, CfgEnv, ContextSetters, TxEnv,
        result::{EVMError, ResultAndState},
    },
    handler::{EthFrame, EvmTr, EvmTrError, FrameResult, Handler},
    inspector::{InspectorEvmTr, InspectorHandler},
    interpreter::interpreter::EthInterpreter,
    state::{AccountInfo, EvmState},
};
use revm_inspectors::tracing::{DebugInspector, DebugInspectorError, TransactionContext};

use super::{
    block_vm::push_writes,
    deferred_fees::DeferredFees,
    executor::revm_block_env,
    simulate::{call_env, call_gas, call_tx_env, geth_message},
    state_db::account_info,
    trace_deadline::Deadline,
};
use crate::{
    AccountId, BlockEnv, EngineKind, Engines, ExecutionError, StateChanges, StateView, Transaction,
    TxResult,
    cross_vm::SolanaVersions,
    evm::{BlockSolana, CallRequest, EvmEngine, StateDb, tx_env},
    scheduler::{BlockVm, SequentialView, TxWrites, VmWorker},
};

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The tracer's name or configuration was refused (e.g. a JavaScript tracer).
    #[error("{0}")]
    Tracer(String),
    /// The traced transaction is not valid on the state before it (geth: `tracing failed`).
    #[error("tracing failed: {0}")]
    Failed(String),
    /// The deadline passed before the transaction finished (geth's text).
    #[error("execution timeout")]
    Timeout,
    /// Reading the state, or replaying the block, failed.
    #[error(transparent)]
    Execution(#[from] ExecutionError),
}

/// What to trace and how.
#[derive(Debug, Clone)]
pub struct TraceSettings {
    /// geth's tracing options: which tracer, its configuration, the struct logger's options.
    pub options: GethDebugTracingOptions,
    /// The most one transaction's trace may take (geth's `timeout`, 5 s by default).
    pub timeout: Duration,
}

/// The trace of one transaction of a block.
#[derive(Debug, Clone)]
pub struct TxTrace {
    /// The transaction's hash.
    pub hash: B256,
    /// Its engine.
    pub kind: EngineKind,
    /// Its trace: `None` for a transaction of another engine than the EVM (replayed, not
    /// traced).
    pub trace: Option<GethTrace>,
}

/// Which transactions of a block to trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceTarget {
    /// Every transaction, in order (EVM ones traced, others replayed).
    All,
    /// Only the transaction at this position; the block stops there.
    One(usize),
}

/// Traces the transactions `target` names of the block `transactions` executed in `env` on
/// top of `parent` (the state at the end of its parent block), whose hash is `block_hash`.
///
/// For [`TraceTarget::One`], the transaction at that position must be an EVM transaction;
/// the result has exactly its trace. For [`TraceTarget::All`], the result has one entry per
/// transaction of the block, in order.
pub fn trace_block<V: StateView>(
    engines: &Engines,
    env: &BlockEnv,
    parent: &V,
    block_hash: B256,
    transactions: &[Transaction],
    target: TraceTarget,
    settings: &TraceSettings,
) -> Result<Vec<TxTrace>, TraceError> {
    let config = engines.evm().config();
    let view = SequentialView::new(parent, StateChanges::default(), transactions.len() * 2);
    let vm = engines.block_vm(env);
    let mut worker = vm.worker(&view);
    let mut writes = TxWrites::default();
    let mut traces = Vec::new();
    for (index, tx) in transactions.iter().enumerate() {
        let traced = match target {
            TraceTarget::All => true,
            TraceTarget::One(position) => position == index,
        };
        writes.clear();
        match (traced, tx.as_evm()) {
            (true, Some(evm_tx)) => {
                let context = TransactionContext {
                    block_hash: Some(block_hash),
                    tx_index: Some(index),
                    tx_hash: Some(evm_tx.hash),
                };
                let cfg = config.cfg_env();
                let run = Run { cfg, block: revm_block_env(env), tx: tx_env(evm_tx) };
                let solana = vm.svm().map(BlockSolana::Built);
                let (trace, state, versions) =
                    run.trace(&view, solana.as_ref(), Some(context), settings)?;
                push_writes(&state, &mut writes);
                versions.push_writes(&state, &mut writes);
                traces.push(TxTrace { hash: evm_tx.hash, kind: tx.kind(), trace: Some(trace) });
            }
            (true, None) if matches!(target, TraceTarget::One(_)) => {
                return Err(TraceError::Failed("not an EVM transaction".into()));
            }
            (traced, _) => {
                if let TxResult::Rejected(rejection) = worker.execute(tx, &mut writes)? {
                    return Err(ExecutionError::Invariant(format!(
                        "sealed transaction {} rejected on replay: {rejection}",
                        tx.hash()
                    ))
                    .into());
                }
                if traced {
                    traces.push(TxTrace { hash: tx.hash(), kind: tx.kind(), trace: None });
                }
            }
        }
        if target == TraceTarget::One(index) {
            break;
        }
        view.apply(&writes)?;
    }
    Ok(traces)
}

/// Traces `req` as `eth_call` would run it on `state` in block `env` (`debug_traceCall`):
/// the same gas (its own or the RPC gas cap), fee rules and environment.
pub fn trace_call<V: StateView>(
    state: &V,
    evm: &EvmEngine,
    env: &BlockEnv,
    req: &CallRequest,
    gas_cap: u64,
    settings: &TraceSettings,
) -> Result<GethTrace, TraceError> {
    let config = evm.config();
    let gas = call_gas(req, env, gas_cap);
    let (cfg, block) = call_env(config, env, req, gas);
    let run = Run { cfg, block, tx: call_tx_env(req, gas, config.chain_id) };
    let solana = BlockSolana::lazy(evm.svm(), env);
    Ok(run.trace(state, solana.as_ref(), None, settings)?.0)
}

/// One transaction's environment: configuration, block and transaction.
struct Run {
    cfg: CfgEnv,
    block: RevmBlockEnv,
    tx: TxEnv,
}

impl Run {
    /// Runs the transaction on `state` (with the block's Solana VM, if the chain runs one)
    /// under the tracer `settings` ask for; its trace, its state diff and the Solana accounts
    /// it changed (not applied).
    fn trace<V: StateView>(
        self,
        state: &V,
        solana: Option<&BlockSolana<'_>>,
        context: Option<TransactionContext>,
        settings: &TraceSettings,
    ) -> Result<(GethTrace, EvmState, SolanaVersions), TraceError> {
        let name = settings.options.tracer.as_ref().map(|tracer| tracer.as_str());
        let inspector =
            DebugInspector::new(settings.options.clone()).map_err(|e| tracer_error(e, name))?;
        let deadline = Deadline::new(inspector, Instant::now() + settings.timeout);
        let mut db = StateDb::new(state).with_solana(solana);
        let ctx =
            Context::mainnet().with_db(&mut db).with_cfg(self.cfg).with_block(self.block.clone());
        let mut evm = crate::wasm::evm_bridge::manifold_evm(ctx, deadline, Default::default());
        evm.ctx.set_tx(self.tx.clone());
        let mut handler = DeferredFees::default();
        let result = handler.inspect_run(&mut evm);
        let diff = evm.finalize();
        let result = match result {
            Ok(result) => result,
            Err(EVMError::Transaction(invalid)) => {
                return Err(TraceError::Failed(geth_message(&invalid)));
            }
            Err(EVMError::Database(e)) => return Err(e.into()),
            Err(other) => return Err(TraceError::Failed(other.to_string())),
        };
        let deadline = evm.inspector;
        if deadline.expired() {
            return Err(TraceError::Timeout);
        }
        let mut inspector = deadline.into_inner();
        let outcome = ResultAndState { result, state: diff };
        let trace = inspector
            .get_result(context, &self.tx, &self.block, &outcome, &mut RefDb(state))
            .map_err(|err| match err {
                DebugInspectorError::Database(e) => TraceError::Execution(e),
                other => tracer_error(other, name),
            })?;
        Ok((trace, outcome.state, db.into_solana_versions()))
    }
}

/// A tracer that could not be made (`name`: the tracer asked for), in words like geth's.
fn tracer_error<E: std::fmt::Display>(
    err: DebugInspectorError<E>,
    name: Option<&str>,
) -> TraceError {
    TraceError::Tracer(match err {
        DebugInspectorError::JsTracerNotEnabled | DebugInspectorError::UnsupportedTracer => {
            format!(
                "tracer {:?} not found: JavaScript tracers are not supported; the native \
                 tracers are callTracer, prestateTracer, 4byteTracer, noopTracer, muxTracer \
                 and flatCallTracer, and no tracer is the struct logger",
                name.unwrap_or_default()
            )
        }
        DebugInspectorError::InvalidTracerConfig => "invalid tracer config".to_string(),
        other => other.to_string(),
    })
}

/// revm's read-only database over a state view: what the prestate tracer reads of the state
/// before the transaction.
struct RefDb<'a, V>(&'a V);

impl<V: StateView> DatabaseRef for RefDb<'_, V> {
    type Error = ExecutionError;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, ExecutionError> {
        let Some(account) = self.0.account(AccountId::from(address))? else { return Ok(None) };
        let mut info = account_info(account);
        info.code = self.0.code(account.code_hash)?.map(Bytecode::new_raw);
        Ok(Some(info))
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, ExecutionError> {
        Ok(self.0.code(code_hash)?.map(Bytecode::new_raw).unwrap_or_default())
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, ExecutionError> {
        self.0.storage(address, index)
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, ExecutionError> {
        Ok(self.0.block_hash(number)?.unwrap_or_default())
    }
}

// The block's handler, inspected: `inspect_run` is `run` with the inspector's hooks.
impl<EVM> InspectorHandler for DeferredFees<EVM>
where
    EVM: InspectorEvmTr<
            Context: revm::context_interface::ContextTr<
                Journal: revm::context_interface::JournalTr<State = EvmState>,
                Db: revm::Database<Error = ExecutionError>,
            >,
            Frame = EthFrame<EthInterpreter>,
            Inspector: revm::Inspector<<EVM as EvmTr>::Context, EthInterpreter>,
        >,
    EVMError<ExecutionError>: EvmTrError<EVM>,
    DeferredFees<EVM>: Handler<Evm = EVM>,
    EthFrame<EthInterpreter>: revm::handler::FrameTr<FrameResult = FrameResult>,
{
    type IT = EthInterpreter;
}
