//! `EvmEngine`: the EVM as an engine of the chain — decoding EIP-2718 transactions with their
//! sender recovered, admission by revm's own validation (see `admission`), the block gas limit, and revm as the scheduler's
//! VM.

use std::sync::Arc;

use crate::{
    AdmissionContext, BlockEnv, Engine, ExecutionError, StateView, TxError,
    evm::{EvmBlockVm, EvmConfig, EvmTx, admission},
    svm::SvmEngine,
};

/// The EVM engine of a chain.
#[derive(Debug, Clone)]
pub struct EvmEngine {
    config: EvmConfig,
    block_gas_limit: u64,
    /// The chain's Solana VM, which calls (`eth_call`, tracing) reach through the Solana
    /// precompile; blocks reach the block's own (see `Engines::block_vm`).
    svm: Option<Arc<SvmEngine>>,
}

impl EvmEngine {
    /// The engine of a chain with `config` and blocks of `block_gas_limit` gas.
    pub fn new(config: EvmConfig, block_gas_limit: u64) -> Self {
        Self { config, block_gas_limit, svm: None }
    }

    /// This engine, with the chain's Solana VM for the Solana precompile.
    pub fn with_svm(mut self, svm: Arc<SvmEngine>) -> Self {
        self.svm = Some(svm);
        self
    }

    /// Its revm configuration.
    pub fn config(&self) -> &EvmConfig {
        &self.config
    }

    /// The chain's Solana VM, when it runs one.
    pub fn svm(&self) -> Option<&SvmEngine> {
        self.svm.as_deref()
    }
}

impl Engine for EvmEngine {
    type Tx = EvmTx;
    type Vm<'a> = EvmBlockVm<'a>;

    fn decode(&self, payload: &[u8]) -> Result<EvmTx, TxError> {
        EvmTx::decode(payload)
    }

    fn check(&self, tx: &EvmTx) -> Result<(), TxError> {
        admission::check_stateless(tx)
    }

    fn check_with_state<V: StateView>(
        &self,
        tx: &EvmTx,
        state: &V,
        context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError> {
        admission::check_with_state(tx, &self.config, self.block_gas_limit, state, context)
    }

    fn block_limit(&self, env: &BlockEnv) -> u64 {
        env.gas_limit
    }

    fn block_vm<'a>(&'a self, env: &'a BlockEnv) -> EvmBlockVm<'a> {
        EvmBlockVm::new(&self.config, env)
    }
}
