//! Fees credited at block end: a revm handler that, instead of paying each transaction's
//! priority fee to the beneficiary inside the transaction, reports it so the block credits
//! all fees to the fee vault after its last transaction.
//!
//! This is what keeps the fee vault from being written by every transaction (which would
//! make every pair of transactions conflict under the parallel scheduler). `COINBASE` still
//! returns the fee vault; only the moment of the credit moves, for both executors alike.

use std::{cell::Cell, marker::PhantomData};

use alloy_primitives::U256;
use revm::{
    context::result::{EVMError, HaltReason, InvalidTransaction},
    context_interface::{Block, Cfg, ContextTr, Transaction},
    handler::{EvmTr, FrameResult, Handler},
    primitives::hardfork::SpecId,
};

use crate::ExecutionError;

/// A mainnet handler whose `reward_beneficiary` step records the priority fee instead of
/// paying it.
#[derive(Debug)]
pub(crate) struct DeferredFees<EVM> {
    priority_fee: Cell<u128>,
    _evm: PhantomData<EVM>,
}

impl<EVM> Default for DeferredFees<EVM> {
    fn default() -> Self {
        Self { priority_fee: Cell::new(0), _evm: PhantomData }
    }
}

impl<EVM> DeferredFees<EVM> {
    /// The priority fee of the transaction this handler ran.
    pub(crate) fn priority_fee(&self) -> U256 {
        U256::from(self.priority_fee.get())
    }
}

impl<EVM> Handler for DeferredFees<EVM>
where
    EVM: EvmTr<
            Context: ContextTr<
                Journal: revm::context_interface::JournalTr<State = revm::state::EvmState>,
                Db: revm::Database<Error = ExecutionError>,
            >,
            Frame: revm::handler::FrameTr<
                FrameResult = FrameResult,
                FrameInit = revm::interpreter::interpreter_action::FrameInit,
            >,
        >,
{
    type Evm = EVM;
    type Error = EVMError<ExecutionError, InvalidTransaction>;
    type HaltReason = HaltReason;

    fn reward_beneficiary(
        &self,
        evm: &mut Self::Evm,
        exec_result: &mut FrameResult,
    ) -> Result<(), Self::Error> {
        // The amount revm's own `reward_beneficiary` would pay, computed the same way.
        let ctx = evm.ctx();
        if ctx.cfg().is_fee_charge_disabled() {
            return Ok(());
        }
        let basefee = ctx.block().basefee() as u128;
        let effective_gas_price = ctx.tx().effective_gas_price(basefee);
        let coinbase_gas_price = if ctx.cfg().spec().into().is_enabled_in(SpecId::LONDON) {
            effective_gas_price.saturating_sub(basefee)
        } else {
            effective_gas_price
        };
        let gas = exec_result.gas();
        let used = gas.used().saturating_sub(gas.reservoir());
        self.priority_fee.set(coinbase_gas_price.saturating_mul(used as u128));
        Ok(())
    }
}
