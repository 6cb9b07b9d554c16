//! WebAssembly against the EVM on the same job, measured in one process: ERC-20 transfers of
//! the C Stylus ERC-20 (`tests/wasm/out/erc20.wasm`) and of the Solidity `Token`
//! (`tests/contracts/out/Token.json`, the same ABI and events), each as a transaction through
//! Manifold's EVM (revm with the WASM engine) over revm's in-memory database; the Solidity
//! token also through the plain revm mainnet EVM, to show what the WASM engine costs EVM
//! contracts (nothing, it should be). Plus the fixed costs of a program: a call to an empty
//! program against a call to an empty EVM contract — with the program's instance reused
//! (reset between calls) and with a fresh instance per call (an empty program that uses
//! `data.drop`, which rules reuse out: a cached module's instantiation) — and compiling the
//! ERC-20 cold (decode, validate, instrument, Cranelift).
//!
//! Rounds are interleaved (a slow moment of a shared machine hits every executor alike); the
//! table shows medians. Before measuring, each token's transfers are checked: every one
//! succeeds and emits one Transfer log.
//!
//! ```sh
//! cargo bench -p execution --bench wasm_erc20 [-- --txs 2000 --rounds 5]
//! ```

#[path = "support/table_format.rs"]
mod table_format;

use std::time::Instant;

use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use execution::{
    evm::EvmConfig,
    wasm::{WasmRuntime, deploy_initcode, encode_program, evm_bridge::manifold_evm},
};
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    context::{TxEnv, result::ExecutionResult},
    database::InMemoryDB,
    state::AccountInfo,
};

const ERC20_WASM: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/wasm/out/erc20.wasm"));
const TOKEN_JSON: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/contracts/out/Token.json"));

const SENDER: Address = Address::repeat_byte(0x5E);
const SUPPLY: u64 = 1_000_000_000_000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Which EVM runs the transactions.
#[derive(Clone, Copy, PartialEq)]
enum Evm {
    Manifold,
    PlainRevm,
}

struct Chain {
    db: InMemoryDB,
    nonce: u64,
}

impl Chain {
    fn new() -> Self {
        let mut db = InMemoryDB::default();
        let info = AccountInfo { balance: U256::from(10u128.pow(24)), ..Default::default() };
        db.insert_account_info(SENDER, info);
        Self { db, nonce: 0 }
    }

    fn transact(&mut self, evm: Evm, kind: TxKind, data: Vec<u8>) -> ExecutionResult {
        let tx = TxEnv::builder()
            .caller(SENDER)
            .kind(kind)
            .data(Bytes::from(data))
            .gas_limit(5_000_000)
            .gas_price(0)
            .nonce(self.nonce)
            .chain_id(Some(1))
            .build()
            .unwrap();
        self.nonce += 1;
        let mut cfg = EvmConfig::new(1).cfg_env();
        cfg.disable_base_fee = true;
        let ctx = Context::mainnet().with_db(&mut self.db).with_cfg(cfg);
        match evm {
            Evm::Manifold => manifold_evm(ctx, (), Default::default()).transact_commit(tx),
            Evm::PlainRevm => ctx.build_mainnet().transact_commit(tx),
        }
        .unwrap()
    }

    fn create(&mut self, initcode: Vec<u8>) -> Address {
        match self.transact(Evm::Manifold, TxKind::Create, initcode) {
            ExecutionResult::Success { output, .. } => *output.address().unwrap(),
            other => panic!("deployment failed: {other:?}"),
        }
    }
}

fn word(value: U256) -> [u8; 32] {
    value.to_be_bytes()
}

/// ABI encoding of `(string, string, uint256)`.
fn name_symbol_supply() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(word(U256::from(0x60)));
    out.extend(word(U256::from(0xa0)));
    out.extend(word(U256::from(SUPPLY)));
    for s in ["Bench", "BNC"] {
        out.extend(word(U256::from(s.len())));
        let mut padded = s.as_bytes().to_vec();
        padded.resize(32, 0);
        out.extend(padded);
    }
    out
}

fn selector(signature: &str) -> Vec<u8> {
    keccak256(signature)[..4].to_vec()
}

fn transfer(to: Address, amount: u64) -> Vec<u8> {
    let mut data = selector("transfer(address,uint256)");
    data.extend([0u8; 12]);
    data.extend(to.as_slice());
    data.extend(word(U256::from(amount)));
    data
}

/// Deploys the token on a fresh chain (through Manifold's EVM) and mints the supply to the
/// sender.
fn token_chain(wasm: bool) -> (Chain, Address) {
    let mut chain = Chain::new();
    let token = if wasm {
        let token = chain.create(deploy_initcode(&encode_program(ERC20_WASM)));
        let mut init = selector("initialize(string,string,uint256)");
        init.extend(name_symbol_supply());
        assert!(chain.transact(Evm::Manifold, TxKind::Call(token), init).is_success());
        token
    } else {
        let json: serde_json::Value = serde_json::from_str(TOKEN_JSON).unwrap();
        let hex = json["bytecode"].as_str().unwrap().trim_start_matches("0x");
        let mut initcode = alloy_primitives::hex::decode(hex).unwrap();
        initcode.extend(name_symbol_supply());
        chain.create(initcode)
    };
    (chain, token)
}

/// `txs` transfers to fresh recipients; returns tx/s and the gas of one transfer.
fn measure(chain: &mut Chain, evm: Evm, token: Address, txs: usize, round: usize) -> (f64, u64) {
    let calls: Vec<Vec<u8>> = (0..txs)
        .map(|i| transfer(Address::from_word(keccak256((round * txs + i).to_be_bytes())), 3))
        .collect();
    let start = Instant::now();
    let mut gas = 0;
    for call in calls {
        let result = chain.transact(evm, TxKind::Call(token), call);
        debug_assert!(result.is_success());
        gas = result.tx_gas_used();
    }
    (txs as f64 / start.elapsed().as_secs_f64(), gas)
}

fn median(values: Vec<f64>) -> f64 {
    table_format::median(&values)
}

fn main() {
    let txs = arg("--txs", 2_000);
    let rounds = arg("--rounds", 5);

    // Check both tokens before measuring.
    for wasm in [true, false] {
        let (mut chain, token) = token_chain(wasm);
        let result = chain.transact(Evm::Manifold, TxKind::Call(token), transfer(SENDER, 1));
        assert!(result.is_success(), "{result:?}");
        assert_eq!(result.logs().len(), 1);
    }

    let (mut wasm_chain, wasm_token) = token_chain(true);
    let (mut sol_chain, sol_token) = token_chain(false);
    let (mut plain_chain, plain_token) = token_chain(false);
    let (mut empty_chain, _) = token_chain(true);
    let empty_program = empty_chain.create(deploy_initcode(&encode_program(
        &wat::parse_str(
            r#"(module (memory (export "memory") 1)
              (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
        )
        .unwrap(),
    )));
    let fresh_program = empty_chain.create(deploy_initcode(&encode_program(
        &wat::parse_str(
            r#"(module (memory (export "memory") 1) (data "x")
              (func (export "user_entrypoint") (param i32) (result i32) (data.drop 0) (i32.const 0)))"#,
        )
        .unwrap(),
    )));
    let empty_evm = empty_chain.create(deploy_initcode(&[0x00]));

    let mut wasm_tps = Vec::new();
    let mut sol_tps = Vec::new();
    let mut plain_tps = Vec::new();
    let mut empty_wasm = Vec::new();
    let mut fresh_wasm = Vec::new();
    let mut empty_evm_us = Vec::new();
    let mut compile_ms = Vec::new();
    let (mut wasm_gas, mut sol_gas) = (0, 0);
    for round in 0..rounds {
        let (tps, gas) = measure(&mut wasm_chain, Evm::Manifold, wasm_token, txs, round);
        wasm_tps.push(tps);
        wasm_gas = gas;
        let (tps, gas) = measure(&mut sol_chain, Evm::Manifold, sol_token, txs, round);
        sol_tps.push(tps);
        sol_gas = gas;
        plain_tps.push(measure(&mut plain_chain, Evm::PlainRevm, plain_token, txs, round).0);
        for (target, out) in [
            (empty_program, &mut empty_wasm),
            (fresh_program, &mut fresh_wasm),
            (empty_evm, &mut empty_evm_us),
        ] {
            let start = Instant::now();
            for _ in 0..txs {
                empty_chain.transact(Evm::Manifold, TxKind::Call(target), vec![]);
            }
            out.push(start.elapsed().as_secs_f64() * 1e6 / txs as f64);
        }
        let code = encode_program(ERC20_WASM);
        let runtime = WasmRuntime::global();
        runtime.clear_memory_cache();
        let start = Instant::now();
        runtime.program(keccak256(&code), &code).unwrap();
        compile_ms.push(start.elapsed().as_secs_f64() * 1e3);
        eprint!(".");
    }
    eprintln!();
    let (wasm, sol, plain) = (median(wasm_tps), median(sol_tps), median(plain_tps));
    println!("ERC-20 transfers to fresh recipients, {txs} per round, {rounds} rounds, medians:\n");
    println!("| token | EVM | transfers/s | gas per transfer | ÷ Solidity on Manifold |");
    println!("| --- | --- | ---: | ---: | ---: |");
    println!(
        "| C Stylus ERC-20 (WASM) | Manifold | {} | {wasm_gas} | {:.2}× |",
        table_format::thousands(wasm),
        wasm / sol
    );
    println!(
        "| Solidity Token | Manifold | {} | {sol_gas} | 1.00× |",
        table_format::thousands(sol)
    );
    println!(
        "| Solidity Token | plain revm | {} | {sol_gas} | {:.2}× |",
        table_format::thousands(plain),
        plain / sol
    );
    let (empty_wasm, fresh_wasm, empty_evm) =
        (median(empty_wasm), median(fresh_wasm), median(empty_evm_us));
    println!("\n| fixed cost | median |");
    println!("| --- | ---: |");
    println!("| transaction calling an empty EVM contract | {empty_evm:.1} µs |");
    println!("| transaction calling an empty program, its instance reused | {empty_wasm:.1} µs |");
    println!(
        "| transaction calling an empty program, a fresh instance per call | {fresh_wasm:.1} µs |"
    );
    println!(
        "| a program call's own cost, reused instance (the difference) | {:.1} µs |",
        empty_wasm - empty_evm
    );
    println!(
        "| instantiating a cached program (the difference) | {:.1} µs |",
        fresh_wasm - empty_evm
    );
    println!(
        "| cold compile of the ERC-20 ({} bytes: decode, validate, instrument, Cranelift) | {:.1} ms |",
        ERC20_WASM.len(),
        median(compile_ms)
    );
}
