//! The EVM executor: revm configured for Manifold, one EVM per block and worker, executing
//! one transaction at a time against a revm database and turning revm's result into a
//! VM-neutral [`TxResult`].

use alloy_primitives::{Bytes, U256};
use revm::{
    Context, Database, ExecuteEvm, MainContext,
    context::{BlockEnv as RevmBlockEnv, CfgEnv, result::ExecutionResult},
    context_interface::block::BlobExcessGasAndPrice,
    primitives::hardfork::SpecId,
    state::EvmState,
};

use super::{deferred_fees::DeferredFees, output::EvmOutput};
use crate::{
    BlockEnv, EngineOutput, Executed, ExecutionError, Rejection, TxResult,
    evm::{EvmTx, tx_env},
};

/// Static EVM configuration of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvmConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Hard fork rules (revm's default, the latest mainnet fork).
    pub spec: SpecId,
}

impl EvmConfig {
    /// Configuration for `chain_id` under revm's default hard fork.
    pub fn new(chain_id: u64) -> Self {
        Self { chain_id, spec: SpecId::default() }
    }

    /// The revm configuration environment.
    pub fn cfg_env(&self) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(self.spec);
        cfg.chain_id = self.chain_id;
        cfg
    }
}

/// The revm block environment for `env`.
pub fn revm_block_env(env: &BlockEnv) -> RevmBlockEnv {
    RevmBlockEnv {
        number: U256::from(env.number),
        beneficiary: env.beneficiary,
        timestamp: U256::from(env.timestamp),
        gas_limit: env.gas_limit,
        basefee: env.base_fee_per_gas,
        difficulty: U256::ZERO,
        prevrandao: Some(env.prevrandao),
        blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(0, 1)),
        ..Default::default()
    }
}

/// revm's mainnet EVM over the database `DB`.
type RevmEvm<DB> = revm::handler::MainnetEvm<
    Context<RevmBlockEnv, revm::context::TxEnv, CfgEnv, DB, revm::Journal<DB>, ()>,
>;

/// The reusable call frames of an EVM (see `EvmExecutor::with_frames`).
pub struct EvmFrames(
    revm::context_interface::local::FrameStack<
        revm::handler::EthFrame<revm::interpreter::interpreter::EthInterpreter>,
    >,
);

impl std::fmt::Debug for EvmFrames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmFrames").finish_non_exhaustive()
    }
}

/// One EVM for a whole block: built once (instruction table, precompiles), then each
/// transaction executes against its database `DB` — a worker's view of the block's state
/// (see `block_vm`), or a simulation's (`simulate`).
pub struct EvmExecutor<DB: Database> {
    evm: RevmEvm<DB>,
}

impl<DB: Database> std::fmt::Debug for EvmExecutor<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvmExecutor").finish_non_exhaustive()
    }
}

impl<DB: Database<Error = ExecutionError>> EvmExecutor<DB> {
    /// An executor for block `env` over `db`.
    pub fn new(config: &EvmConfig, env: &BlockEnv, db: DB) -> Self {
        Self::with_frames(config, env, db, None)
    }

    /// Like `new`, reusing the call-frame stack (interpreter stacks and memories, the
    /// costly part of building an EVM) of an executor that finished (`into_frames`).
    pub fn with_frames(
        config: &EvmConfig,
        env: &BlockEnv,
        db: DB,
        frames: Option<EvmFrames>,
    ) -> Self {
        let ctx = Context::mainnet()
            .with_db(db)
            .with_cfg(config.cfg_env())
            .with_block(revm_block_env(env));
        // What `build_mainnet` assembles, with the frame stack reused when one is given
        // (allocating eight fresh interpreters is most of the cost of a new EVM).
        let evm = revm::context::Evm {
            ctx,
            inspector: (),
            instruction: revm::handler::instructions::EthInstructions::new_mainnet_with_spec(
                config.spec,
            ),
            precompiles: revm::handler::EthPrecompiles::new(config.spec),
            frame_stack: frames.map_or_else(
                || revm::context_interface::local::FrameStack::new_prealloc(8),
                |frames| frames.0,
            ),
        };
        Self { evm }
    }

    /// Gives back the call-frame stack for the next executor.
    pub fn into_frames(self) -> EvmFrames {
        EvmFrames(self.evm.frame_stack)
    }

    /// The database the executor reads.
    pub fn db_mut(&mut self) -> &mut DB {
        &mut self.evm.ctx.journaled_state.database
    }

    /// Executes `tx` and returns its result with its state diff, without committing it
    /// (a rejected transaction has an empty diff). Its fee — base fee and priority fee — is
    /// reported in the result, not paid: the block credits fees at its end.
    pub fn transact(&mut self, tx: &EvmTx) -> Result<(TxResult, EvmState), ExecutionError> {
        use revm::{context::ContextSetters, handler::Handler};
        self.evm.ctx.set_tx(tx_env(tx));
        let mut handler = DeferredFees::default();
        let result = handler.run(&mut self.evm);
        // As `transact` does: the journal is finalized whether or not the run succeeded.
        let state = self.evm.finalize();
        let result = match result {
            Ok(result) => result,
            Err(revm::context::result::EVMError::Transaction(invalid)) => {
                let rejected = TxResult::Rejected(Rejection::Evm(invalid));
                return Ok((rejected, EvmState::default()));
            }
            Err(revm::context::result::EVMError::Database(e)) => return Err(e),
            Err(other) => return Err(ExecutionError::Invariant(other.to_string())),
        };
        let base_fee = U256::from(self.evm.ctx.block.basefee);
        Ok((included(tx, result, base_fee, handler.priority_fee()), state))
    }
}

/// The result of an executed (included) transaction: its fee is `gas used × base fee` plus
/// its priority fee.
fn included(tx: &EvmTx, result: ExecutionResult, base_fee: U256, priority_fee: U256) -> TxResult {
    let gas_used = result.tx_gas_used();
    let contract_address = result.created_address();
    let (success, logs, contract_address, output) = match result {
        ExecutionResult::Success { logs, output, .. } => {
            (true, logs, contract_address, output.into_data())
        }
        ExecutionResult::Revert { output, .. } => (false, Vec::new(), None, output),
        ExecutionResult::Halt { .. } => (false, Vec::new(), None, Bytes::new()),
    };
    let fee = base_fee.saturating_mul(U256::from(gas_used)).saturating_add(priority_fee);
    TxResult::Executed(Executed {
        used: gas_used,
        fee,
        output: EngineOutput::Evm(EvmOutput {
            tx_type: tx.envelope.tx_type(),
            success,
            gas_used,
            logs,
            contract_address,
            output,
        }),
    })
}

/// Intrinsic gas of `tx` (the minimum gas limit it can have): base cost, calldata, access
/// list, authorizations, and the EIP-7623 calldata floor.
pub fn intrinsic_gas(config: &EvmConfig, tx: &EvmTx) -> u64 {
    let gas = revm::context_interface::cfg::gas::calculate_initial_tx_gas_for_tx(
        tx_env(tx),
        config.spec,
        None,
    );
    (gas.initial_regular_gas + gas.initial_state_gas).max(gas.floor_gas)
}
