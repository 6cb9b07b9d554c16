//! The EVM executor: revm configured for Manifold, one EVM per block and worker, executing
//! one transaction at a time against a revm database and turning revm's result into a
//! VM-neutral [`TxResult`].

use alloy_primitives::{Bytes, U256};
use revm::{
    Context, Database, ExecuteEvm, MainContext,
    context::{
        BlockEnv as RevmBlockEnv, CfgEnv,
        result::{ExecutionResult, InvalidTransaction},
    },
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
        // EIP-3541 is applied by Manifold's `RETURN` instead, which also admits a valid
        // Stylus program (see `wasm::evm_bridge`).
        cfg.disable_eip3541 = true;
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
type RevmEvm<DB> = crate::wasm::evm_bridge::ManifoldEvm<
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

impl<DB: Database<Error = ExecutionError> + crate::cross_vm::SolanaDb> EvmExecutor<DB> {
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
        let frames = frames.map_or_else(
            || revm::context_interface::local::FrameStack::new_prealloc(8),
            |frames| frames.0,
        );
        Self::build(config, config.cfg_env(), env, db, frames)
    }

    /// An executor that only validates ([`validate`](Self::validate)), for admission to the
    /// pool: no call frames, and the two checks the pool applies rules of its own for
    /// switched off — the nonce (the pool holds nonces ahead of the account's) and the fee
    /// cap against the base fee (the pool holds a transaction until the base fee falls to its
    /// cap).
    pub fn for_admission(config: &EvmConfig, env: &BlockEnv, db: DB) -> Self {
        let mut cfg = config.cfg_env();
        cfg.disable_nonce_check = true;
        cfg.disable_base_fee = true;
        Self::build(config, cfg, env, db, revm::context_interface::local::FrameStack::new())
    }

    fn build(
        config: &EvmConfig,
        cfg: CfgEnv,
        env: &BlockEnv,
        db: DB,
        frame_stack: revm::context_interface::local::FrameStack<
            revm::handler::EthFrame<revm::interpreter::interpreter::EthInterpreter>,
        >,
    ) -> Self {
        let ctx = Context::mainnet().with_db(db).with_cfg(cfg).with_block(revm_block_env(env));
        // What `build_mainnet` assembles (with Manifold's precompiles and instructions), with
        // the frame stack given (allocating eight fresh interpreters is most of the cost of a
        // new EVM).
        let _ = config;
        let evm = crate::wasm::evm_bridge::manifold_evm(ctx, (), frame_stack);
        Self { evm }
    }

    /// revm's validation of `tx` — the very steps [`transact`](Self::transact) runs before it
    /// executes anything, by the same handler — without executing it: first the transaction on
    /// its own against the block (chain id, fee fields, the EIP-7825 gas cap, the block gas
    /// limit, initcode size, an empty authorization list, intrinsic gas with the EIP-7623
    /// floor), then `between` (the caller's own checks), then the sender's account (EIP-3607
    /// code, nonce, funds for gas limit × fee cap + value). Nothing is committed.
    pub fn validate<E>(
        &mut self,
        tx: &EvmTx,
        between: impl FnOnce() -> Result<(), E>,
    ) -> Result<Result<(), Validation<E>>, ExecutionError> {
        use revm::{context::ContextSetters, handler::Handler};
        self.evm.ctx.set_tx(tx_env(tx));
        let handler = DeferredFees::default();
        let result = (|| {
            handler.validate_env(&mut self.evm)?;
            let mut gas = handler.validate_initial_tx_gas(&mut self.evm)?;
            if let Err(e) = between() {
                return Ok(Err(Validation::Caller(e)));
            }
            handler.validate_against_state_and_deduct_caller(&mut self.evm, &mut gas)?;
            Ok(Ok(()))
        })();
        // The journal holds the caller's account loaded (and charged): drop it.
        let _ = self.evm.finalize();
        match result {
            Ok(outcome) => Ok(outcome),
            Err(revm::context::result::EVMError::Transaction(invalid)) => {
                Ok(Err(Validation::Invalid(invalid)))
            }
            Err(revm::context::result::EVMError::Database(e)) => Err(e),
            Err(other) => Err(ExecutionError::Invariant(other.to_string())),
        }
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

/// Why [`EvmExecutor::validate`] refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation<E> {
    /// revm refused it, as it would refuse it in a block.
    Invalid(InvalidTransaction),
    /// The caller's own check between the two stages refused it.
    Caller(E),
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
