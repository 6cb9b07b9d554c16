//! Tests of `trace`: a block of a dev-state transaction and EVM transactions, executed by the
//! block executor and then traced — every EVM transaction's traced gas is its receipt's, the
//! state a transaction is traced on holds the earlier transactions' effects (the dev-state
//! one's included), one transaction traced alone is traced as in the whole block — and calls
//! traced with a deadline and with a tracer that does not exist.

use std::{collections::BTreeMap, time::Duration};

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_rpc_types_trace::geth::{
    GethDebugBuiltInTracerType, GethDebugTracerType, GethDebugTracingOptions, GethTrace,
    PreStateFrame,
};
use alloy_signer_local::PrivateKeySigner;
use node_config::{GenesisAccount, GenesisConfig};

use super::{
    CallRequest, EvmConfig, EvmTx, TraceError, TraceSettings, TraceTarget, trace_block, trace_call,
};
use crate::{
    BlockEnv, ChainSpec, Engines, InvalidTxPolicy, Store, Transaction,
    dev_state::{DevStateOp, DevStateTx},
    execute_block,
    scheduler::ParallelExecutor,
};

const COUNTER: Address = Address::repeat_byte(0xc0);
const CALLER: Address = Address::repeat_byte(0xca);
const LOOP: Address = Address::repeat_byte(0x1f);
/// `slot 0 += 1`.
const COUNTER_CODE: &[u8] = &[0x60, 0x00, 0x54, 0x60, 0x01, 0x01, 0x60, 0x00, 0x55, 0x00];
/// `JUMPDEST PUSH1 0 JUMP`: loops until out of gas.
const LOOP_CODE: &[u8] = &[0x5b, 0x60, 0x00, 0x56];

/// `CALL(gas, COUNTER, 0, 0, 0, 0, 0); STOP`.
fn caller_code() -> Bytes {
    let mut code = vec![0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x60, 0x00, 0x73];
    code.extend_from_slice(COUNTER.as_slice());
    code.extend_from_slice(&[0x5a, 0xf1, 0x00]);
    Bytes::from(code)
}

fn spec() -> ChainSpec {
    ChainSpec {
        chain_id: 7,
        evm_spec: Default::default(),
        block_gas_limit: 30_000_000,
        fee_vault: Address::repeat_byte(0x42),
    }
}

fn signer(i: u64) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256((i + 11).to_be_bytes())).unwrap()
}

fn contract(code: &[u8]) -> GenesisAccount {
    GenesisAccount {
        balance: U256::ZERO,
        nonce: 1,
        code: Some(Bytes::copy_from_slice(code)),
        storage: BTreeMap::new(),
    }
}

/// A store at genesis: signer 0 funded, signer 1 empty, the counter, its caller, the loop.
fn genesis() -> (tempfile::TempDir, Store, B256) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("db")).unwrap();
    let funded = GenesisAccount {
        balance: U256::from(10u128.pow(21)),
        nonce: 0,
        code: None,
        storage: BTreeMap::new(),
    };
    let alloc = BTreeMap::from([
        (signer(0).address(), funded),
        (COUNTER, contract(COUNTER_CODE)),
        (CALLER, contract(&caller_code())),
        (LOOP, contract(LOOP_CODE)),
    ]);
    let genesis = GenesisConfig {
        timestamp: 1,
        base_fee_per_gas: 1_000_000_000,
        fee_vault: Address::repeat_byte(0x42),
        alloc,
        extra_data: Bytes::new(),
        accounts: Default::default(),
    };
    let block = store.init_genesis(&spec(), &genesis, 1).unwrap();
    (dir, store, block.hash)
}

fn evm(signer: &PrivateKeySigner, nonce: u64, to: Address, value: u64, gas: u64) -> Transaction {
    let mut tx = TxEip1559 {
        chain_id: 7,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: 5_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::from(value),
        ..Default::default()
    };
    let sig = signer.sign_transaction_sync(&mut tx).unwrap();
    let envelope: TxEnvelope = tx.into_signed(sig).into();
    Transaction::Evm(EvmTx::decode(&envelope.encoded_2718()).unwrap())
}

fn settings(
    tracer: Option<GethDebugBuiltInTracerType>,
    config: serde_json::Value,
) -> TraceSettings {
    let options = GethDebugTracingOptions {
        tracer: tracer.map(GethDebugTracerType::BuiltInTracer),
        tracer_config: serde_json::from_value(config).unwrap(),
        ..Default::default()
    };
    TraceSettings { options, timeout: Duration::from_secs(30) }
}

#[test]
fn a_block_traced_matches_its_receipts_and_replays_other_engines() {
    let (_dir, store, genesis_hash) = genesis();
    let engines = Engines::new(&spec()).with_dev_state();
    let reader = store.reader().unwrap();
    let env = spec().next_block_env(&reader.header(0).unwrap().unwrap(), 2);
    let (a, b) = (signer(0), signer(1));
    let funded = U256::from(10u128.pow(18));
    let txs = vec![
        // Signer 1 has nothing in genesis: a dev-state write funds it first.
        Transaction::DevState(DevStateTx::new(
            genesis_hash,
            0,
            vec![DevStateOp::Balance(b.address(), funded)],
        )),
        evm(&b, 0, CALLER, 0, 100_000),
        evm(&a, 0, b.address(), 5, 21_000),
        evm(&a, 1, COUNTER, 0, 60_000),
    ];
    let executed = execute_block(
        &engines,
        &env,
        &reader,
        txs.clone(),
        InvalidTxPolicy::Fail,
        &mut ParallelExecutor::sequential(),
    )
    .unwrap();
    let used: Vec<u64> =
        executed.outcome.transactions.iter().map(|included| included.result.used).collect();
    assert_eq!(used.len(), 4);

    let calls = settings(Some(GethDebugBuiltInTracerType::CallTracer), serde_json::json!({}));
    let traces =
        trace_block(&engines, &env, &reader, B256::ZERO, &txs, TraceTarget::All, &calls).unwrap();
    assert_eq!(traces.len(), 4);
    assert!(traces[0].trace.is_none(), "the dev-state transaction is replayed, not traced");
    for (i, trace) in traces.iter().enumerate().skip(1) {
        let Some(GethTrace::CallTracer(frame)) = &trace.trace else { panic!("{trace:?}") };
        assert_eq!(frame.gas_used, U256::from(used[i]), "transaction {i}");
        assert_eq!(trace.hash, txs[i].hash());
    }
    let Some(GethTrace::CallTracer(nested)) = &traces[1].trace else { unreachable!() };
    assert_eq!(nested.calls.len(), 1);
    assert_eq!((nested.calls[0].from, nested.calls[0].to), (CALLER, Some(COUNTER)));

    // Alone, a transaction is traced on the state the earlier ones left: signer 1's balance
    // is the dev-state write's, less nothing yet (its own transaction comes next).
    let prestate =
        settings(Some(GethDebugBuiltInTracerType::PreStateTracer), serde_json::json!({}));
    let alone =
        trace_block(&engines, &env, &reader, B256::ZERO, &txs, TraceTarget::One(1), &prestate)
            .unwrap();
    assert_eq!(alone.len(), 1);
    let Some(GethTrace::PreStateTracer(PreStateFrame::Default(pre))) = &alone[0].trace else {
        panic!("{alone:?}")
    };
    assert_eq!(pre.0[&b.address()].balance, Some(funded));
    // And traced alone as in the whole block.
    let last = trace_block(&engines, &env, &reader, B256::ZERO, &txs, TraceTarget::One(3), &calls)
        .unwrap();
    assert_eq!(format!("{:?}", last[0].trace), format!("{:?}", traces[3].trace));

    // The struct logger's gas is the receipt's, and it saw the SSTORE.
    let logger = settings(None, serde_json::Value::Null);
    let logged =
        trace_block(&engines, &env, &reader, B256::ZERO, &txs, TraceTarget::One(3), &logger)
            .unwrap();
    let Some(GethTrace::Default(frame)) = &logged[0].trace else { panic!("{logged:?}") };
    assert_eq!(frame.gas, used[3]);
    assert!(frame.struct_logs.iter().any(|step| step.op == "SSTORE"));
}

fn env() -> BlockEnv {
    BlockEnv {
        number: 1,
        timestamp: 2,
        parent_hash: B256::ZERO,
        gas_limit: 30_000_000,
        base_fee_per_gas: 0,
        beneficiary: Address::ZERO,
        prevrandao: B256::ZERO,
    }
}

#[test]
fn a_call_past_its_deadline_is_refused_and_unknown_tracers_are_named() {
    let (_dir, store, _) = genesis();
    let reader = store.reader().unwrap();
    let config = crate::evm::EvmEngine::new(EvmConfig::new(7), 30_000_000);
    let endless = CallRequest { to: Some(LOOP), ..Default::default() };
    let mut zero = settings(None, serde_json::Value::Null);
    zero.timeout = Duration::ZERO;
    let err = trace_call(&reader, &config, &env(), &endless, 30_000_000, &zero).unwrap_err();
    assert!(matches!(err, TraceError::Timeout), "{err:?}");
    assert_eq!(err.to_string(), "execution timeout");

    // With time, it runs out of gas instead, and the trace says so.
    let calls = settings(Some(GethDebugBuiltInTracerType::CallTracer), serde_json::json!({}));
    let trace = trace_call(&reader, &config, &env(), &endless, 1_000_000, &calls).unwrap();
    let GethTrace::CallTracer(frame) = trace else { panic!("{trace:?}") };
    assert_eq!(frame.error.as_deref(), Some("out of gas"));

    let mut js = settings(None, serde_json::Value::Null);
    js.options.tracer = Some(GethDebugTracerType::JsTracer("myTracer".into()));
    let err = trace_call(&reader, &config, &env(), &endless, 100_000, &js).unwrap_err();
    assert!(matches!(err, TraceError::Tracer(_)), "{err:?}");
    assert!(err.to_string().contains("\"myTracer\" not found"), "{err}");
}
