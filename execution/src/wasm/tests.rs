//! Programs run through revm as Manifold builds it: deployment by an ordinary creation,
//! calls from transactions, from EVM contracts and from programs, Stylus' storage cache,
//! metering, and the hostile modules each failing only their own transaction.

use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use revm::{
    Context, ExecuteCommitEvm, MainContext,
    context::{TxEnv, result::ExecutionResult},
    database::InMemoryDB,
    state::AccountInfo,
};

use super::{
    deploy_initcode, encode_program, evm_bridge::manifold_evm, pricing::MAX_PAGES,
    program_code::MAX_MODULE_BYTES,
};
use crate::evm::EvmConfig;

const SENDER: Address = Address::repeat_byte(0x5E);

/// An in-memory chain with one funded sender.
struct Chain {
    db: InMemoryDB,
    nonce: u64,
}

impl Chain {
    fn new() -> Self {
        let mut db = InMemoryDB::default();
        db.insert_account_info(
            SENDER,
            AccountInfo { balance: U256::from(10u128.pow(24)), ..Default::default() },
        );
        Self { db, nonce: 0 }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>, value: U256, gas: u64) -> ExecutionResult {
        let tx = TxEnv::builder()
            .caller(SENDER)
            .kind(kind)
            .data(Bytes::from(data))
            .value(value)
            .gas_limit(gas)
            .gas_price(0)
            .nonce(self.nonce)
            .chain_id(Some(1))
            .build()
            .unwrap();
        self.nonce += 1;
        let mut cfg = EvmConfig::new(1).cfg_env();
        cfg.disable_base_fee = true;
        let ctx = Context::mainnet().with_db(&mut self.db).with_cfg(cfg);
        let mut evm = manifold_evm(ctx, (), Default::default());
        evm.transact_commit(tx).expect("no database errors")
    }

    fn deploy_code(&mut self, code: &[u8]) -> ExecutionResult {
        self.transact(TxKind::Create, deploy_initcode(code), U256::ZERO, 10_000_000)
    }

    fn deploy(&mut self, wat: &str) -> Address {
        let module = wat::parse_str(wat).unwrap();
        match self.deploy_code(&encode_program(&module)) {
            ExecutionResult::Success { output, .. } => output.address().copied().unwrap(),
            other => panic!("deployment failed: {other:?}"),
        }
    }

    fn call(&mut self, to: Address, data: &[u8], gas: u64) -> ExecutionResult {
        self.transact(TxKind::Call(to), data.to_vec(), U256::ZERO, gas)
    }

    fn storage(&self, address: Address, slot: u64) -> U256 {
        self.db
            .cache
            .accounts
            .get(&address)
            .and_then(|account| account.storage.get(&U256::from(slot)).copied())
            .unwrap_or_default()
    }

    fn code(&self, address: Address) -> Bytes {
        let account = &self.db.cache.accounts[&address];
        account.info.code.as_ref().map(|code| code.original_bytes()).unwrap_or_default()
    }
}

fn output(result: &ExecutionResult) -> Bytes {
    match result {
        ExecutionResult::Success { output, .. } => output.data().clone(),
        ExecutionResult::Revert { output, .. } => output.clone(),
        ExecutionResult::Halt { .. } => Bytes::new(),
    }
}

/// A counter: slot 0 += 1 through the storage cache, flushed unless calldata is `0x00`
/// (then the write is only cached); emits `Bumped(new)` with topic keccak("Bumped"); returns
/// the new value. Calldata `0x01` reverts after the write with data "no".
pub(crate) const COUNTER: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "storage_cache_bytes32" (func $cache (param i32 i32)))
  (import "vm_hooks" "storage_flush_cache" (func $flush (param i32)))
  (import "vm_hooks" "emit_log" (func $emit_log (param i32 i32 i32)))
  (memory (export "memory") 1)
  ;; 0..32 key (zero), 32..64 value, 64..96 topic, 96..128 log data, 200.. args
  (data (i32.const 64) "\a7\72\e1\e9\1e\fe\34\ec\a8\20\95\1e\57\09\9b\2b\34\79\cd\ba\40\f7\e4\e1\f8\c3\52\f5\fd\22\c7\7e")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 200))
    (call $load (i32.const 0) (i32.const 32))
    ;; the value is big-endian: bump the last byte (the tests stay below 255)
    (i32.store8 (i32.const 63) (i32.add (i32.load8_u (i32.const 63)) (i32.const 1)))
    (call $cache (i32.const 0) (i32.const 32))
    (if (i32.and (i32.eq (local.get $len) (i32.const 1)) (i32.eq (i32.load8_u (i32.const 200)) (i32.const 1)))
      (then
        (call $flush (i32.const 0))
        (i32.store16 (i32.const 300) (i32.const 0x6f6e))
        (call $write_result (i32.const 300) (i32.const 2))
        (return (i32.const 1))))
    (if (i32.eqz (i32.and (i32.eq (local.get $len) (i32.const 1)) (i32.eqz (i32.load8_u (i32.const 200)))))
      (then (call $flush (i32.const 0))))
    (memory.copy (i32.const 96) (i32.const 32) (i32.const 32))
    (call $emit_log (i32.const 64) (i32.const 64) (i32.const 1))
    (call $write_result (i32.const 32) (i32.const 32))
    (i32.const 0)))"#;

fn counter_topic() -> alloy_primitives::B256 {
    keccak256("Bumped")
}

#[test]
fn counter_topic_in_the_module_is_keccak_of_the_event_name() {
    // The data segment of COUNTER holds this hash.
    assert_eq!(
        counter_topic().to_string(),
        "0xa772e1e91efe34eca820951e57099b2b3479cdba40f7e4e1f8c352f5fd22c77e"
    );
}

#[test]
fn a_program_deploys_with_an_ordinary_creation_and_keeps_its_state() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    assert!(chain.code(counter).starts_with(&[0xEF, 0xF0, 0x00, 0x00]));

    let first = chain.call(counter, &[], 1_000_000);
    assert!(first.is_success(), "{first:?}");
    assert_eq!(U256::from_be_slice(&output(&first)), U256::from(1));
    assert_eq!(first.logs().len(), 1);
    assert_eq!(first.logs()[0].address, counter);
    assert_eq!(first.logs()[0].topics(), [counter_topic()]);
    assert_eq!(U256::from_be_slice(&first.logs()[0].data.data), U256::from(1));
    // A cold SLOAD (2,100) and an SSTORE from zero (22,100 with the cold surcharge) at least.
    assert!(first.tx_gas_used() > 21_000 + 2_100 + 20_000, "{}", first.tx_gas_used());
    assert!(first.tx_gas_used() < 21_000 + 2_100 + 22_100 + 5_000, "{}", first.tx_gas_used());

    let second = chain.call(counter, &[], 1_000_000);
    assert_eq!(U256::from_be_slice(&output(&second)), U256::from(2));
    assert_eq!(chain.storage(counter, 0), U256::from(2));
}

#[test]
fn cached_writes_persist_only_when_flushed_and_a_revert_undoes_them() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    assert!(chain.call(counter, &[], 1_000_000).is_success());
    // Calldata 0x00: cached, never flushed.
    let unflushed = chain.call(counter, &[0x00], 1_000_000);
    assert!(unflushed.is_success());
    assert_eq!(U256::from_be_slice(&output(&unflushed)), U256::from(2));
    assert_eq!(chain.storage(counter, 0), U256::from(1));
    // Calldata 0x01: flushed, then the program reverts: the write is undone.
    let reverted = chain.call(counter, &[0x01], 1_000_000);
    assert!(matches!(reverted, ExecutionResult::Revert { .. }), "{reverted:?}");
    assert_eq!(output(&reverted), Bytes::from_static(b"no"));
    assert_eq!(chain.storage(counter, 0), U256::from(1));
}

/// EVM code that CALLs `target` with empty calldata and all gas, then `SSTORE(0, 7)`, then
/// REVERTs if its own calldata is non-empty, else STOPs.
pub(crate) fn evm_caller(target: Address) -> Vec<u8> {
    let mut code = vec![0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x73];
    code.extend_from_slice(target.as_slice());
    code.extend_from_slice(&[0x5A, 0xF1, 0x50]); // GAS CALL POP
    code.extend_from_slice(&[0x60, 7, 0x60, 0, 0x55]); // SSTORE(0, 7)
    // CALLDATASIZE ISZERO PUSH1 end JUMPI PUSH1 0 DUP1 REVERT JUMPDEST STOP
    let end = code.len() as u8 + 9;
    code.extend_from_slice(&[0x36, 0x15, 0x60, end, 0x57, 0x60, 0, 0x80, 0xFD, 0x5B, 0x00]);
    code
}

/// Init code deploying `runtime` as it is.
fn evm_deploy(chain: &mut Chain, runtime: &[u8]) -> Address {
    match chain.transact(TxKind::Create, deploy_initcode(runtime), U256::ZERO, 1_000_000) {
        ExecutionResult::Success { output, .. } => output.address().copied().unwrap(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_evm_call_runs_the_program_and_a_revert_in_the_evm_reverts_it() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    let caller = evm_deploy(&mut chain, &evm_caller(counter));
    let ok = chain.call(caller, &[], 1_000_000);
    assert!(ok.is_success(), "{ok:?}");
    assert_eq!(chain.storage(counter, 0), U256::from(1));
    assert_eq!(chain.storage(caller, 0), U256::from(7));
    assert_eq!(ok.logs().len(), 1, "the program's log is in the transaction's receipt");
    // The EVM frame reverts after the program ran: both VMs' changes are undone.
    let reverted = chain.call(caller, &[1], 1_000_000);
    assert!(matches!(reverted, ExecutionResult::Revert { .. }), "{reverted:?}");
    assert_eq!(chain.storage(counter, 0), U256::from(1));
    assert!(reverted.logs().is_empty());
}

/// A program that `call_contract`s the address in its calldata (20 bytes) with no data and no
/// value, then returns status 0 and the callee's success byte.
const PROXY: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (param i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    ;; value (zero) at 100..132, return length at 200
    (i32.store8 (i32.const 300)
      (call $call (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 100) (i64.const 500000) (i32.const 200)))
    (call $write_result (i32.const 300) (i32.const 1))
    (i32.const 0)))"#;

#[test]
fn a_program_calls_the_evm_and_other_programs_in_the_same_journal() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    let proxy = chain.deploy(PROXY);
    // WASM → WASM.
    let result = chain.call(proxy, counter.as_slice(), 2_000_000);
    assert!(result.is_success(), "{result:?}");
    assert_eq!(output(&result), Bytes::from_static(&[0]), "the callee succeeded");
    assert_eq!(chain.storage(counter, 0), U256::from(1));
    assert_eq!(result.logs().len(), 1);
    // WASM → EVM: an EVM contract that calls the counter back (EVM → WASM inside).
    let evm = evm_deploy(&mut chain, &evm_caller(counter));
    let result = chain.call(proxy, evm.as_slice(), 2_000_000);
    assert!(result.is_success(), "{result:?}");
    assert_eq!(chain.storage(evm, 0), U256::from(7));
    assert_eq!(chain.storage(counter, 0), U256::from(2));
}

#[test]
fn hostile_modules_fail_only_their_own_transaction() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);

    let infinite_loop = chain.deploy(
        r#"(module (memory (export "memory") 1)
          (func (export "user_entrypoint") (param i32) (result i32) (loop (br 0)) (i32.const 0)))"#,
    );
    let result = chain.call(infinite_loop, &[], 3_000_000);
    assert!(matches!(result, ExecutionResult::Halt { .. }), "{result:?}");
    assert_eq!(result.tx_gas_used(), 3_000_000, "an infinite loop burns all its gas");

    let memory_bomb = chain.deploy(
        r#"(module (memory (export "memory") 1)
          (func (export "user_entrypoint") (param i32) (result i32)
            (loop (br_if 0 (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
            (i32.const 0)))"#,
    );
    // Growth stops at the page cap: with gas to pay for it, the program ends normally.
    let result = chain.call(memory_bomb, &[], 10_000_000);
    assert!(result.is_success(), "{result:?}");
    let growth = (MAX_PAGES - 2) * super::pricing::PAGE_GAS;
    assert!(result.tx_gas_used() > 21_000 + growth, "{}", result.tx_gas_used());
    // Without, it runs out of gas.
    let result = chain.call(memory_bomb, &[], 100_000);
    assert!(matches!(result, ExecutionResult::Halt { .. }), "{result:?}");
    assert_eq!(result.tx_gas_used(), 100_000);

    // Recursion as deep as the first calldata byte × 1,000 (plus one).
    let recursion = chain.deploy(
        r#"(module
          (import "vm_hooks" "read_args" (func $read_args (param i32)))
          (memory (export "memory") 1)
          (func $f (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0))
              (then (i32.const 0))
              (else (call $f (i32.sub (local.get 0) (i32.const 1))))))
          (func (export "user_entrypoint") (param i32) (result i32)
            (call $read_args (i32.const 0))
            (call $f (i32.mul (i32.load8_u (i32.const 0)) (i32.const 100)))))"#,
    );
    // 100 frames of 17 words each fit under the counter's limit...
    let shallow = chain.call(recursion, &[1], 10_000_000);
    assert!(shallow.is_success(), "{shallow:?}");
    // ...25,500 do not: the counter stops it, the same way every time.
    let first = chain.call(recursion, &[255], 10_000_000);
    assert!(
        matches!(
            first,
            ExecutionResult::Halt { reason: revm::context::result::HaltReason::StackOverflow, .. }
        ),
        "{first:?}"
    );
    let second = chain.call(recursion, &[255], 10_000_000);
    assert_eq!(format!("{first:?}"), format!("{second:?}"), "recursion stops the same way");
    assert_eq!(first.tx_gas_used(), 10_000_000);

    // The node goes on: the counter still works after all of them.
    assert!(chain.call(counter, &[], 1_000_000).is_success());
    assert_eq!(chain.storage(counter, 0), U256::from(1));
}

fn deploy_fails(chain: &mut Chain, code: &[u8]) {
    let result = chain.deploy_code(code);
    assert!(matches!(result, ExecutionResult::Halt { .. }), "{result:?}");
}

#[test]
fn invalid_programs_are_not_deployed() {
    let mut chain = Chain::new();
    // Not WebAssembly.
    deploy_fails(&mut chain, &encode_program(b"\0asm\x01\0\0\0garbage"));
    // A start function.
    let start = wat::parse_str(
        r#"(module (memory (export "memory") 1) (func $s) (start $s)
          (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    )
    .unwrap();
    deploy_fails(&mut chain, &encode_program(&start));
    // An import that does not exist.
    let import = wat::parse_str(
        r#"(module (import "vm_hooks" "self_destruct" (func (param i32)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
    )
    .unwrap();
    deploy_fails(&mut chain, &encode_program(&import));
    // Oversized: a data segment makes the module larger than the bound uncompressed.
    let oversized = wat::parse_str(format!(
        r#"(module (memory (export "memory") 4) (data (i32.const 0) "{}")
          (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
        "\\01".repeat(MAX_MODULE_BYTES)
    ))
    .unwrap();
    deploy_fails(&mut chain, &encode_program(&oversized));
    // Other code starting with 0xEF is refused as EIP-3541 refuses it.
    deploy_fails(&mut chain, &[0xEF, 0x00, 0x01]);
    // The sender's nonce moved for each, and nothing else broke.
    let counter = chain.deploy(COUNTER);
    assert!(chain.call(counter, &[], 1_000_000).is_success());
}

#[test]
fn float_nan_results_are_canonical_and_the_same_on_every_run() {
    let mut chain = Chain::new();
    let nan = chain.deploy(
        r#"(module
          (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
          (memory (export "memory") 1)
          (func (export "user_entrypoint") (param i32) (result i32)
            ;; 0/0 and sqrt(-1) are NaNs whose bits differ by CPU unless canonicalised
            (i64.store (i32.const 0)
              (i64.reinterpret_f64 (f64.div (f64.const 0) (f64.convert_i32_s (local.get 0)))))
            (i64.store (i32.const 8)
              (i64.reinterpret_f64 (f64.sqrt (f64.const -1))))
            (call $write_result (i32.const 0) (i32.const 16))
            (i32.const 0)))"#,
    );
    let first = output(&chain.call(nan, &[], 1_000_000));
    let second = output(&chain.call(nan, &[], 1_000_000));
    assert_eq!(first, second);
    let canonical = 0x7FF8_0000_0000_0000u64.to_le_bytes();
    assert_eq!(&first[..8], canonical);
    assert_eq!(&first[8..], canonical);
}

#[test]
fn arb_wasm_answers_activation_as_arbitrum_does_for_an_active_program() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    let evm = evm_deploy(&mut chain, &[0x00]);
    let call = |chain: &mut Chain, signature: &str, arg: Option<Address>| {
        let mut data = keccak256(signature)[..4].to_vec();
        if let Some(arg) = arg {
            data.extend_from_slice(&[0; 12]);
            data.extend_from_slice(arg.as_slice());
        }
        chain.call(super::arb_wasm::ARB_WASM, &data, 100_000)
    };
    let selector = |name: &str| Bytes::from(keccak256(name)[..4].to_vec());
    let active = call(&mut chain, "activateProgram(address)", Some(counter));
    assert!(matches!(active, ExecutionResult::Revert { .. }), "{active:?}");
    assert_eq!(output(&active), selector("ProgramUpToDate()"));
    let not_wasm = call(&mut chain, "activateProgram(address)", Some(evm));
    assert_eq!(output(&not_wasm), selector("ProgramNotWasm()"));
    let version = call(&mut chain, "programVersion(address)", Some(counter));
    assert!(version.is_success());
    assert_eq!(U256::from_be_slice(&output(&version)), U256::from(2));
    let ink = call(&mut chain, "inkPrice()", None);
    assert_eq!(U256::from_be_slice(&output(&ink)), U256::from(10_000));
}

#[test]
fn compiled_programs_survive_a_restart_through_the_disk_cache() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = super::WasmRuntime::global();
    runtime.set_cache_dir(dir.path());
    let code = encode_program(&wat::parse_str(COUNTER).unwrap());
    let hash = keccak256(&code);
    runtime.program(hash, &code).unwrap();
    let compiled = runtime.compilations();
    let artifacts: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(artifacts.len(), 1, "{artifacts:?}");
    // As after a restart: nothing in memory; the program is loaded, not compiled.
    runtime.clear_memory_cache();
    assert!(!runtime.is_cached(&hash));
    runtime.program(hash, &code).unwrap();
    assert_eq!(runtime.compilations(), compiled);
    // A damaged artifact is compiled again, not trusted.
    runtime.clear_memory_cache();
    std::fs::write(&artifacts[0], b"damaged").unwrap();
    runtime.program(hash, &code).unwrap();
    assert_eq!(runtime.compilations(), compiled + 1);
    // And the program still runs.
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    assert!(chain.call(counter, &[], 1_000_000).is_success());
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
