//! Programs run through revm as Manifold builds it: deployment by an ordinary creation,
//! calls from transactions, from EVM contracts and from programs, Stylus' storage cache,
//! metering, and the hostile modules each failing only their own transaction.

use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
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

/// A program that answers one host function per call: calldata byte 0 picks it, bytes 1..21
/// are an address argument, bytes 21.. further data. Its answer is its result.
const PROBE: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "exit_early" (func $exit_early (param i32)))
  (import "vm_hooks" "block_number" (func $block_number (result i64)))
  (import "vm_hooks" "chainid" (func $chainid (result i64)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (param i32)))
  (import "vm_hooks" "msg_value" (func $msg_value (param i32)))
  (import "vm_hooks" "tx_origin" (func $tx_origin (param i32)))
  (import "vm_hooks" "contract_address" (func $contract_address (param i32)))
  (import "vm_hooks" "account_balance" (func $account_balance (param i32 i32)))
  (import "vm_hooks" "account_code_size" (func $account_code_size (param i32) (result i32)))
  (import "vm_hooks" "account_codehash" (func $account_codehash (param i32 i32)))
  (import "vm_hooks" "account_code" (func $account_code (param i32 i32 i32 i32) (result i32)))
  (import "vm_hooks" "math_mul_mod" (func $math_mul_mod (param i32 i32 i32)))
  (import "vm_hooks" "math_pow" (func $math_pow (param i32 i32)))
  (import "vm_hooks" "transient_store_bytes32" (func $tstore (param i32 i32)))
  (import "vm_hooks" "transient_load_bytes32" (func $tload (param i32 i32)))
  (import "vm_hooks" "static_call_contract" (func $static_call (param i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "delegate_call_contract" (func $delegate_call (param i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "call_contract" (func $call (param i32 i32 i32 i32 i64 i32) (result i32)))
  (import "vm_hooks" "read_return_data" (func $read_return_data (param i32 i32 i32) (result i32)))
  (import "vm_hooks" "return_data_size" (func $return_data_size (result i32)))
  (import "vm_hooks" "create1" (func $create1 (param i32 i32 i32 i32 i32)))
  (import "vm_hooks" "create2" (func $create2 (param i32 i32 i32 i32 i32 i32)))
  (import "vm_hooks" "storage_load_bytes32" (func $load (param i32 i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (memory (export "memory") 1)
  ;; args at 0, out at 1024, scratch at 2048 (zeros), return length at 3000
  (func $out (param i32) (result i32) (call $write_result (i32.const 1024) (local.get 0)) (i32.const 0))
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $op i32)
    (call $read_args (i32.const 0))
    (local.set $op (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $op) (i32.const 0)) (then
      (i64.store (i32.const 1024) (call $block_number))
      (i64.store (i32.const 1032) (call $chainid))
      (return (call $out (i32.const 16)))))
    (if (i32.eq (local.get $op) (i32.const 1)) (then
      (call $msg_sender (i32.const 1024)) (call $tx_origin (i32.const 1044))
      (call $contract_address (i32.const 1064)) (call $msg_value (i32.const 1084))
      (return (call $out (i32.const 92)))))
    (if (i32.eq (local.get $op) (i32.const 2)) (then
      (call $account_balance (i32.const 1) (i32.const 1024))
      (i32.store (i32.const 1056) (call $account_code_size (i32.const 1)))
      (call $account_codehash (i32.const 1) (i32.const 1060))
      (i32.store (i32.const 1092) (call $account_code (i32.const 1) (i32.const 0) (i32.const 8) (i32.const 1096)))
      (return (call $out (i32.const 80)))))
    (if (i32.eq (local.get $op) (i32.const 3)) (then
      ;; (2^255 * 3) mod 7 via mul_mod, then 3^5 via pow: words at 21, 53, 85
      (call $math_mul_mod (i32.const 21) (i32.const 53) (i32.const 85))
      (memory.copy (i32.const 1024) (i32.const 21) (i32.const 32))
      (call $math_pow (i32.const 117) (i32.const 149))
      (memory.copy (i32.const 1056) (i32.const 117) (i32.const 32))
      (return (call $out (i32.const 64)))))
    (if (i32.eq (local.get $op) (i32.const 4)) (then
      (call $tstore (i32.const 2048) (i32.const 21))
      (call $tload (i32.const 2048) (i32.const 1024))
      (return (call $out (i32.const 32)))))
    (if (i32.eq (local.get $op) (i32.const 5)) (then
      ;; a static call to the address: 0 if it succeeded
      (i32.store8 (i32.const 1024)
        (call $static_call (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i64.const 1000000) (i32.const 3000)))
      (return (call $out (i32.const 1)))))
    (if (i32.eq (local.get $op) (i32.const 6)) (then
      (i32.store8 (i32.const 1024)
        (call $delegate_call (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i64.const 1000000) (i32.const 3000)))
      (return (call $out (i32.const 1)))))
    (if (i32.eq (local.get $op) (i32.const 7)) (then
      ;; call, then hand back the callee's return data as ours
      (drop (call $call (i32.const 1) (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i32.const 2048) (i64.const 1000000) (i32.const 3000)))
      (i32.store (i32.const 1024) (call $return_data_size))
      (drop (call $read_return_data (i32.const 1028) (i32.const 0) (i32.load (i32.const 3000))))
      (return (call $out (i32.add (i32.const 4) (i32.load (i32.const 3000)))))))
    (if (i32.eq (local.get $op) (i32.const 8)) (then
      ;; create1 (then create2 with salt 0) of the init code in bytes 21..
      (call $create1 (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i32.const 2048) (i32.const 1024) (i32.const 3000))
      (call $create2 (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i32.const 2048) (i32.const 2048) (i32.const 1044) (i32.const 3000))
      (return (call $out (i32.const 40)))))
    (if (i32.eq (local.get $op) (i32.const 9)) (then
      (i32.store (i32.const 1024) (i32.const 0x796c7261)) ;; "arly"
      (call $write_result (i32.const 1024) (i32.const 4))
      (call $exit_early (i32.const 1))
      (unreachable)))
    (if (i32.eq (local.get $op) (i32.const 10)) (then
      (call $load (i32.const 2048) (i32.const 1024))
      (call $keccak (i32.const 21) (i32.sub (local.get $len) (i32.const 21)) (i32.const 1056))
      (return (call $out (i32.const 64)))))
    (i32.const 1)))"#;

fn probe(
    chain: &mut Chain,
    probe: Address,
    op: u8,
    address: Address,
    rest: &[u8],
) -> ExecutionResult {
    let mut data = vec![op];
    data.extend_from_slice(address.as_slice());
    data.extend_from_slice(rest);
    chain.call(probe, &data, 3_000_000)
}

#[test]
fn host_functions_answer_as_the_evm_does() {
    let mut chain = Chain::new();
    let counter = chain.deploy(COUNTER);
    let p = chain.deploy(PROBE);
    let evm = evm_deploy(&mut chain, &evm_caller(counter));

    let out = output(&probe(&mut chain, p, 0, Address::ZERO, &[]));
    assert_eq!(u64::from_le_bytes(out[8..16].try_into().unwrap()), 1, "chain id");

    let out = output(&probe(&mut chain, p, 1, Address::ZERO, &[]));
    assert_eq!(&out[..20], SENDER.as_slice(), "msg_sender");
    assert_eq!(&out[20..40], SENDER.as_slice(), "tx_origin");
    assert_eq!(&out[40..60], p.as_slice(), "contract_address");
    assert_eq!(U256::from_be_slice(&out[60..92]), U256::ZERO, "msg_value");

    let out = output(&probe(&mut chain, p, 2, SENDER, &[]));
    assert_eq!(U256::from_be_slice(&out[..32]), U256::from(10u128.pow(24)), "balance");
    assert_eq!(&out[32..36], 0u32.to_le_bytes(), "an EOA has no code");
    assert_eq!(&out[36..68], revm::primitives::KECCAK_EMPTY.as_slice(), "EXTCODEHASH of an EOA");
    let out = output(&probe(&mut chain, p, 2, evm, &[]));
    let code = chain.code(evm);
    assert_eq!(u32::from_le_bytes(out[32..36].try_into().unwrap()) as usize, code.len());
    assert_eq!(&out[36..68], keccak256(&code).as_slice());
    assert_eq!(&out[68..72], 8u32.to_le_bytes());
    assert_eq!(&out[72..80], &code[..8]);

    let mut words: Vec<u8> = Vec::new();
    words.extend((U256::from(1) << 255usize).to_be_bytes::<32>());
    words.extend(U256::from(3).to_be_bytes::<32>());
    words.extend(U256::from(7).to_be_bytes::<32>());
    words.extend(U256::from(3).to_be_bytes::<32>());
    words.extend(U256::from(5).to_be_bytes::<32>());
    let out = output(&probe(&mut chain, p, 3, Address::ZERO, &words));
    let expected = (U256::from(1) << 255usize).mul_mod(U256::from(3), U256::from(7));
    assert_eq!(U256::from_be_slice(&out[..32]), expected);
    assert_eq!(U256::from_be_slice(&out[32..64]), U256::from(243));

    let value = U256::from(0xabcdef).to_be_bytes::<32>();
    let out = output(&probe(&mut chain, p, 4, Address::ZERO, &value));
    assert_eq!(&out[..], &value[..], "transient storage reads back in the same call");

    // A static call to the counter fails (it writes storage), a static call to the probe's own
    // chain-id answer succeeds; neither changes the counter.
    let out = output(&probe(&mut chain, p, 5, counter, &[]));
    assert_eq!(out[..], [1]);
    let out = output(&probe(&mut chain, p, 5, p, &[0]));
    assert_eq!(out[..], [0]);
    assert_eq!(chain.storage(counter, 0), U256::ZERO);

    // A delegate call runs the counter's code on the probe's storage.
    let out = output(&probe(&mut chain, p, 6, counter, &[]));
    assert_eq!(out[..], [0]);
    assert_eq!(chain.storage(p, 0), U256::from(1));
    assert_eq!(chain.storage(counter, 0), U256::ZERO);

    // A call's return data reaches the caller.
    let out = output(&probe(&mut chain, p, 7, counter, &[]));
    assert_eq!(&out[..4], 32u32.to_le_bytes());
    assert_eq!(U256::from_be_slice(&out[4..36]), U256::from(1));

    // create1 and create2 deploy EVM code from a program, at the EVM's addresses.
    let runtime = [0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3]; // return 42
    let initcode = deploy_initcode(&runtime);
    let result = probe(&mut chain, p, 8, Address::ZERO, &initcode);
    assert!(result.is_success(), "{result:?}");
    let out = output(&result);
    let nonce = chain.db.cache.accounts[&p].info.nonce;
    assert_eq!(Address::from_slice(&out[..20]), p.create(nonce - 2));
    assert_eq!(Address::from_slice(&out[20..40]), p.create2(B256::ZERO, keccak256(&initcode)));
    assert_eq!(chain.code(Address::from_slice(&out[..20])), Bytes::copy_from_slice(&runtime));

    // Init code past EIP-3860's limit halts the program, as it halts an EVM CREATE.
    let result = probe(&mut chain, p, 8, Address::ZERO, &vec![0u8; 49_153]);
    assert!(matches!(result, ExecutionResult::Halt { .. }), "{result:?}");

    // exit_early with status 1 reverts with what was written.
    let result = probe(&mut chain, p, 9, Address::ZERO, &[]);
    assert!(matches!(result, ExecutionResult::Revert { .. }), "{result:?}");
    assert_eq!(output(&result), Bytes::from_static(b"arly"));

    // storage_load sees the delegate call's write; keccak matches.
    let out = output(&probe(&mut chain, p, 10, Address::ZERO, b"hello"));
    assert_eq!(U256::from_be_slice(&out[..32]), U256::from(1));
    assert_eq!(&out[32..64], keccak256(b"hello").as_slice());
}

/// A program that returns what it finds — a byte of its data segment, its mutable global,
/// bytes of zeroed memory where the last call wrote (with a store, a store straddling two
/// granules of the dirty map, `memory.fill`, a host function), and its memory size — then
/// overwrites all of them; with one byte of calldata it grows memory, with two it fills bytes
/// with `memory.fill`: every call must find what a fresh instance has.
const LEFTOVERS: &str = r#"(module
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "msg_sender" (func $msg_sender (param i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 5))
  (data (i32.const 100) "\07")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (i32.store8 (i32.const 0) (i32.load8_u (i32.const 100)))
    (i32.store8 (i32.const 1) (global.get $g))
    (i32.store8 (i32.const 2) (i32.load8_u (i32.const 200)))
    (i32.store8 (i32.const 3) (memory.size))
    (i32.store8 (i32.const 4) (i32.load8_u (i32.const 1027)))
    (i32.store8 (i32.const 5) (i32.load8_u (i32.const 40000)))
    (i32.store8 (i32.const 6) (i32.load8_u (i32.const 60001)))
    (i32.store8 (i32.const 7) (i32.load8_u (i32.const 5019)))
    (i32.store8 (i32.const 100) (i32.const 9))
    (i32.store8 (i32.const 200) (i32.const 9))
    (i64.store (i32.const 1020) (i64.const -1))
    (i32.store8 offset=39000 (i32.const 1000) (i32.const 9))
    (call $msg_sender (i32.const 5000))
    (global.set $g (i32.const 9))
    (if (i32.eq (local.get $len) (i32.const 1)) (then (drop (memory.grow (i32.const 1)))))
    (if (i32.eq (local.get $len) (i32.const 2))
      (then (memory.fill (i32.const 60000) (i32.const 7) (i32.const 4))))
    (call $write_result (i32.const 0) (i32.const 8))
    (i32.const 0)))"#;

/// What every call of `LEFTOVERS` must return.
const FRESH: [u8; 8] = [7, 5, 0, 1, 0, 0, 0, 0];

#[test]
fn a_reused_instance_is_what_a_fresh_one_is() {
    let mut chain = Chain::new();
    let program = chain.deploy(LEFTOVERS);
    let code = chain.code(program);
    let compiled = super::WasmRuntime::global().program(keccak256(&code), &code).unwrap();
    assert!(compiled.reusable());
    let made = compiled.instantiations();
    for _ in 0..3 {
        let result = chain.call(program, &[], 1_000_000);
        assert_eq!(output(&result), Bytes::from_static(&FRESH), "{result:?}");
    }
    assert!(compiled.instantiations() - made <= 1, "the instance was reused");
    let result = chain.call(program, &[2, 2], 1_000_000);
    assert_eq!(output(&result), Bytes::from_static(&FRESH), "{result:?}");
    let result = chain.call(program, &[], 1_000_000);
    assert_eq!(output(&result), Bytes::from_static(&FRESH), "after memory.fill: {result:?}");
    // A call that grows memory leaves an instance that cannot be reset: the next call gets a
    // fresh one, with one page again.
    let result = chain.call(program, &[1], 1_000_000);
    assert_eq!(output(&result), Bytes::from_static(&FRESH), "{result:?}");
    let made = compiled.instantiations();
    let result = chain.call(program, &[], 1_000_000);
    assert_eq!(output(&result), Bytes::from_static(&FRESH), "{result:?}");
    assert_eq!(compiled.instantiations(), made + 1, "a grown instance is not reused");
    // A trap leaves nothing behind either.
    let result = chain.call(program, &[], 21_000);
    assert!(!result.is_success());
    let result = chain.call(program, &[], 1_000_000);
    assert_eq!(output(&result), Bytes::from_static(&FRESH), "{result:?}");
}

/// A program that answers with the keccak256 of its whole memory as the call found it and its
/// mutable global, then scribbles: for each 4-byte record of calldata (address, kind, value)
/// an `i32.store8`, `i32.store`, `i64.store`, `f64.store` or a 3-byte `memory.fill` below
/// 60,000, and sets the global.
const SCRIBBLER: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (import "vm_hooks" "native_keccak256" (func $keccak (param i32 i32 i32)))
  (memory (export "memory") 1)
  (global $g (mut i64) (i64.const 11))
  (data (i32.const 3000) "seed")
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (local $p i32) (local $end i32) (local $addr i32) (local $kind i32) (local $v i64)
    (call $keccak (i32.const 0) (i32.const 65536) (i32.const 65000))
    (i64.store (i32.const 65032) (global.get $g))
    (call $write_result (i32.const 65000) (i32.const 40))
    (call $read_args (i32.const 60000))
    (local.set $p (i32.const 60000))
    (local.set $end (i32.add (i32.const 60000) (local.get $len)))
    (block $done (loop $next
      (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
      (local.set $addr (i32.rem_u (i32.load16_u (local.get $p)) (i32.const 59990)))
      (local.set $kind (i32.rem_u (i32.load8_u offset=2 (local.get $p)) (i32.const 5)))
      (local.set $v (i64.extend_i32_u (i32.load8_u offset=3 (local.get $p))))
      (if (i32.eq (local.get $kind) (i32.const 0))
        (then (i64.store8 (local.get $addr) (local.get $v))))
      (if (i32.eq (local.get $kind) (i32.const 1))
        (then (i32.store (local.get $addr) (i32.mul (i32.wrap_i64 (local.get $v)) (i32.const 0x01010101)))))
      (if (i32.eq (local.get $kind) (i32.const 2))
        (then (i64.store (local.get $addr) (i64.mul (local.get $v) (i64.const 0x0101010101010101)))))
      (if (i32.eq (local.get $kind) (i32.const 3))
        (then (f64.store (local.get $addr) (f64.convert_i64_u (local.get $v)))))
      (if (i32.eq (local.get $kind) (i32.const 4))
        (then (memory.fill (local.get $addr) (i32.wrap_i64 (local.get $v)) (i32.const 3))))
      (global.set $g (local.get $v))
      (local.set $p (i32.add (local.get $p) (i32.const 4)))
      (br $next)))
    (i32.const 0)))"#;

/// One record of `SCRIBBLER`'s calldata; half of them write at the end of a 1 KiB granule of
/// the dirty map, where an 8-byte store reaches into the next one.
fn scribble() -> impl proptest::strategy::Strategy<Value = (u16, u8, u8)> {
    use proptest::prelude::*;
    let address =
        prop_oneof![any::<u16>(), (0u16..58, 1017u16..1024).prop_map(|(g, o)| g * 1024 + o)];
    (address, any::<u8>(), 1u8..=255)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 96, ..Default::default() })]

    /// Whatever earlier calls wrote, a call of a reused instance finds the memory and the
    /// global a fresh instance has.
    #[test]
    fn every_call_of_a_reused_instance_finds_fresh_memory(
        calls in proptest::collection::vec(proptest::collection::vec(scribble(), 0..8), 1..5)
    ) {
        let mut fresh_memory = vec![0u8; 65_536];
        fresh_memory[3000..3004].copy_from_slice(b"seed");
        let mut fresh = keccak256(&fresh_memory).to_vec();
        fresh.extend(11u64.to_le_bytes());
        let mut chain = Chain::new();
        let program = chain.deploy(SCRIBBLER);
        let code = chain.code(program);
        let compiled = super::WasmRuntime::global().program(keccak256(&code), &code).unwrap();
        proptest::prop_assert!(compiled.reusable());
        let made = compiled.instantiations();
        for records in &calls {
            let data: Vec<u8> = records
                .iter()
                .flat_map(|(address, kind, value)| {
                    let [lo, hi] = address.to_le_bytes();
                    [lo, hi, *kind, *value]
                })
                .collect();
            let result = chain.call(program, &data, 16_000_000);
            proptest::prop_assert!(result.is_success(), "{:?}", result);
            proptest::prop_assert_eq!(output(&result).to_vec(), fresh.clone());
        }
        proptest::prop_assert!(compiled.instantiations() - made <= 1, "instances are reused");
    }
}
