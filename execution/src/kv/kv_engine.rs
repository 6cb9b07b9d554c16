//! `KvEngine`: the key-value test engine as an engine of the chain — decoding with ed25519
//! verification, admission (a priority of at least 1 wei per unit, a payer able to pay the
//! most the transaction can cost), its block budget of units.

use crate::{
    AdmissionContext, BlockEnv, Engine, EngineTx, ExecutionError, StateView, TxError,
    kv::{KvBlockVm, KvTx},
};

/// Units of the key-value engine one block may use.
pub const KV_BLOCK_UNITS: u64 = 10_000_000;

/// The key-value test engine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvEngine;

impl Engine for KvEngine {
    type Tx = KvTx;
    type Vm<'a> = KvBlockVm<'a>;

    fn decode(&self, payload: &[u8]) -> Result<KvTx, TxError> {
        KvTx::decode(payload)
    }

    fn check(&self, tx: &KvTx) -> Result<(), TxError> {
        if tx.priority == 0 {
            return Err(TxError::Malformed("kv transaction: priority must be at least 1".into()));
        }
        if tx.units() > KV_BLOCK_UNITS {
            return Err(TxError::ExceedsBlockGasLimit);
        }
        Ok(())
    }

    fn check_with_state<V: StateView>(
        &self,
        tx: &KvTx,
        state: &V,
        _context: &AdmissionContext,
    ) -> Result<Result<(), TxError>, ExecutionError> {
        let have = state.account(tx.payer())?.map(|a| a.balance).unwrap_or_default();
        let want = tx.max_cost();
        if have < want {
            return Ok(Err(TxError::PayerCannotPay { payer: tx.payer(), have, want }));
        }
        Ok(Ok(()))
    }

    fn block_limit(&self, _env: &BlockEnv) -> u64 {
        KV_BLOCK_UNITS
    }

    fn block_vm<'a>(&'a self, env: &'a BlockEnv) -> KvBlockVm<'a> {
        KvBlockVm { _env: env }
    }
}
