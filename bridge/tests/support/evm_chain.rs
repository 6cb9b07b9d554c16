//! A minimal EVM chain on revm for the contract tests: accounts in revm's in-memory database,
//! one committed transaction at a time, a clock, block number and base fee the test moves. The
//! contracts run on the same EVM (revm 43, Cancun) as Manifold's L2 and dev L1.

use alloy_primitives::{Address, Bytes, Log, TxKind, U256};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use revm::{
    Context, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, TxEnv, result::ExecutionResult},
    database::InMemoryDB,
    primitives::hardfork::SpecId,
    state::{AccountInfo, Bytecode},
};

/// The gas limit of the transactions the chain sends unless told otherwise: within
/// EIP-7825's cap of 2^24 per transaction.
pub(crate) const TX_GAS_LIMIT: u64 = 16_000_000;

/// What a transaction did.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Succeeded with this output and these logs, using this much gas.
    Success { output: Bytes, logs: Vec<Log>, gas_used: u64 },
    /// Reverted with this reason (the `Error(string)` text, or the raw data in hex).
    Revert(String),
}

impl Outcome {
    /// The logs of a successful transaction; panics with the reason otherwise.
    pub(crate) fn logs(&self) -> &[Log] {
        match self {
            Self::Success { logs, .. } => logs,
            Self::Revert(reason) => panic!("transaction reverted: {reason}"),
        }
    }

    /// The revert reason; panics if the transaction succeeded.
    pub(crate) fn revert_reason(&self) -> &str {
        match self {
            Self::Revert(reason) => reason,
            Self::Success { .. } => panic!("transaction succeeded, a revert was expected"),
        }
    }

    /// The gas a successful transaction used (intrinsic gas included, refunds deducted);
    /// panics with the reason otherwise.
    pub(crate) fn gas_used(&self) -> u64 {
        match self {
            Self::Success { gas_used, .. } => *gas_used,
            Self::Revert(reason) => panic!("transaction reverted: {reason}"),
        }
    }

    /// The events of type `E` among the logs.
    pub(crate) fn events<E: SolEvent>(&self) -> Vec<E> {
        self.logs().iter().filter_map(|log| E::decode_log(log).ok().map(|l| l.data)).collect()
    }
}

/// The chain: state, clock, block number and base fee.
pub(crate) struct EvmChain {
    db: InMemoryDB,
    /// Unix time of the next transaction's block.
    pub(crate) timestamp: u64,
    number: u64,
    /// Base fee of the next transaction's block, in wei; transactions bid exactly this.
    /// Default 0.
    pub(crate) basefee: u64,
    /// The fork whose rules the EVM follows: revm's latest unless made with
    /// [`with_spec`](Self::with_spec).
    spec: SpecId,
}

impl EvmChain {
    /// An empty chain at time 1,700,000,000.
    pub(crate) fn new() -> Self {
        Self::with_spec(SpecId::default())
    }

    /// An empty chain at time 1,700,000,000 that follows the rules of fork `spec`.
    pub(crate) fn with_spec(spec: SpecId) -> Self {
        Self { db: InMemoryDB::default(), timestamp: 1_700_000_000, number: 1, basefee: 0, spec }
    }

    /// Gives `address` `wei`.
    pub(crate) fn fund(&mut self, address: Address, wei: U256) {
        let info = AccountInfo { balance: wei, ..Default::default() };
        self.db.insert_account_info(address, info);
    }

    /// Gives `address` the runtime code `code`, keeping its balance.
    pub(crate) fn set_code(&mut self, address: Address, code: Bytes) {
        let info = AccountInfo { balance: self.balance(address), ..Default::default() }
            .with_code(Bytecode::new_raw(code));
        self.db.insert_account_info(address, info);
    }

    /// The balance of `address`.
    pub(crate) fn balance(&self, address: Address) -> U256 {
        self.db.cache.accounts.get(&address).map(|a| a.info.balance).unwrap_or_default()
    }

    /// Moves the clock forward by `seconds`.
    pub(crate) fn advance(&mut self, seconds: u64) {
        self.timestamp += seconds;
    }

    /// The number of the next transaction's block.
    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    /// Leaves `blocks` empty blocks: the next transaction is that many blocks later.
    pub(crate) fn skip_blocks(&mut self, blocks: u64) {
        self.number += blocks;
    }

    fn tx(&self, from: Address, kind: TxKind, value: U256, data: Bytes) -> TxEnv {
        self.tx_with_gas(from, kind, value, data, TX_GAS_LIMIT)
    }

    fn tx_with_gas(
        &self,
        from: Address,
        kind: TxKind,
        value: U256,
        data: Bytes,
        gas_limit: u64,
    ) -> TxEnv {
        TxEnv::builder()
            .caller(from)
            .gas_price(u128::from(self.basefee))
            .kind(kind)
            .value(value)
            .data(data)
            .gas_limit(gas_limit)
            .build_fill()
    }

    fn block(&self) -> BlockEnv {
        BlockEnv {
            number: U256::from(self.number),
            timestamp: U256::from(self.timestamp),
            gas_limit: 60_000_000,
            basefee: self.basefee,
            ..Default::default()
        }
    }

    fn run(&mut self, tx: TxEnv, commit: bool) -> ExecutionResult {
        self.try_run(tx, commit).expect("a valid transaction")
    }

    /// Runs `tx`; an error if it is invalid (a gas limit below its intrinsic gas, say).
    fn try_run(&mut self, tx: TxEnv, commit: bool) -> Result<ExecutionResult, String> {
        let (block, spec) = (self.block(), self.spec);
        let mut evm = Context::mainnet()
            .with_db(&mut self.db)
            .with_block(block)
            .modify_cfg_chained(|cfg| {
                cfg.set_spec_and_mainnet_gas_params(spec);
                cfg.disable_nonce_check = true;
                // A view bids nothing, whatever the block's base fee.
                cfg.disable_base_fee = !commit;
            })
            .build_mainnet();
        if commit {
            evm.transact_commit(tx).map_err(|e| e.to_string())
        } else {
            evm.transact(tx).map(|r| r.result).map_err(|e| e.to_string())
        }
    }

    /// Deploys `init_code` (with constructor arguments appended) from `from`.
    pub(crate) fn deploy(&mut self, from: Address, init_code: Bytes) -> Address {
        let tx = self.tx(from, TxKind::Create, U256::ZERO, init_code);
        match self.run(tx, true) {
            ExecutionResult::Success { output, .. } => *output.address().expect("a create"),
            other => panic!("deployment failed: {other:?}"),
        }
    }

    /// Sends `call` to `to` with `value` from `from`, committed; the next block follows.
    pub(crate) fn send<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: C,
    ) -> Outcome {
        self.send_raw(from, to, value, call.abi_encode().into())
    }

    /// Sends `call` like [`send`](Self::send), but the next transaction is in the same block.
    pub(crate) fn send_in_block<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: C,
    ) -> Outcome {
        let tx = self.tx(from, TxKind::Call(to), value, call.abi_encode().into());
        outcome(self.run(tx, true))
    }

    /// Sends raw `data` to `to` with `value` from `from`, committed; the next block follows.
    pub(crate) fn send_raw(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        data: Bytes,
    ) -> Outcome {
        let tx = self.tx(from, TxKind::Call(to), value, data);
        self.run_in_own_block(tx)
    }

    /// Sends `call` like [`send`](Self::send), with a transaction gas limit of `gas_limit`.
    pub(crate) fn send_with_gas<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: C,
        gas_limit: u64,
    ) -> Outcome {
        let tx =
            self.tx_with_gas(from, TxKind::Call(to), value, call.abi_encode().into(), gas_limit);
        self.run_in_own_block(tx)
    }

    /// Runs `tx` committed; the next transaction goes in the next block.
    fn run_in_own_block(&mut self, tx: TxEnv) -> Outcome {
        let result = self.run(tx, true);
        self.number += 1;
        outcome(result)
    }

    /// What [`send`](Self::send) would do with a transaction gas limit of `gas_limit`, nothing
    /// committed. A transaction that is invalid (a gas limit below its intrinsic gas) is a
    /// revert whose reason starts with "invalid: ".
    pub(crate) fn simulate_with_gas<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        call: &C,
        gas_limit: u64,
    ) -> Outcome {
        let tx =
            self.tx_with_gas(from, TxKind::Call(to), value, call.abi_encode().into(), gas_limit);
        match self.try_run(tx, false) {
            Ok(result) => outcome(result),
            Err(e) => Outcome::Revert(format!("invalid: {e}")),
        }
    }

    /// Calls view `call` on `to`, nothing committed; panics if it reverts.
    pub(crate) fn view<C: SolCall>(&mut self, to: Address, call: C) -> C::Return {
        let mut tx = self.tx(Address::ZERO, TxKind::Call(to), U256::ZERO, call.abi_encode().into());
        tx.gas_price = 0;
        let result = self.run(tx, false);
        match outcome(result) {
            Outcome::Success { output, .. } => {
                C::abi_decode_returns(&output).expect("the ABI's return")
            }
            Outcome::Revert(reason) => panic!("view reverted: {reason}"),
        }
    }
}

fn outcome(result: ExecutionResult) -> Outcome {
    match result {
        ExecutionResult::Success { output, logs, gas, .. } => {
            Outcome::Success { output: output.into_data(), logs, gas_used: gas.tx_gas_used() }
        }
        ExecutionResult::Revert { output, .. } => Outcome::Revert(
            alloy_sol_types::Revert::abi_decode(&output)
                .map(|r| r.reason)
                .unwrap_or_else(|_| format!("0x{}", alloy_primitives::hex::encode(&output))),
        ),
        ExecutionResult::Halt { reason, .. } => Outcome::Revert(format!("halt: {reason:?}")),
    }
}
