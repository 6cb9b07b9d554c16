//! The key-value test engine as a VM of the scheduler: every transaction declares its access
//! up front (its payer and key-value accounts written, its transfer recipients credited), as
//! Solana transactions list their accounts.

use alloy_primitives::U256;

use crate::{
    AccountId, AccountState, BlockEnv, EngineOutput, Executed, ExecutionError, Rejection,
    StateView, TxResult,
    kv::{KV_PROGRAM, KvOp, KvReceipt, KvRejection, KvTx, kv_account},
    scheduler::{BlockVm, DeclaredAccess, StateKey, StateValue, TxState, TxWrites, VmWorker},
    state::{AccountData, native_token},
};

/// The key-value VM of one block.
#[derive(Debug, Clone, Copy)]
pub struct KvBlockVm<'a> {
    pub(crate) _env: &'a BlockEnv,
}

/// One thread's key-value worker.
pub struct KvWorker<'w> {
    state: &'w dyn TxState,
}

impl std::fmt::Debug for KvWorker<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvWorker").finish_non_exhaustive()
    }
}

/// The accounts `tx` writes: its payer, then its key-value accounts.
fn written(tx: &KvTx) -> Vec<AccountId> {
    let mut ids = vec![tx.signer];
    for op in &tx.ops {
        if let KvOp::Put { key, .. } = op {
            let id = kv_account(tx.signer, *key);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

impl BlockVm for KvBlockVm<'_> {
    type Tx = KvTx;
    type Output = TxResult;
    type Worker<'w>
        = KvWorker<'w>
    where
        Self: 'w;

    fn worker<'w>(&'w self, state: &'w dyn TxState) -> KvWorker<'w> {
        KvWorker { state }
    }

    fn declared_access(&self, tx: &KvTx, _base: &dyn StateView) -> Option<DeclaredAccess> {
        let written = written(tx);
        // The payer's record; each key-value account's record and data.
        let keys = written.iter().enumerate().flat_map(|(i, id)| {
            let data = (i > 0).then_some(StateKey::Data(*id));
            std::iter::once(StateKey::Account(*id)).chain(data)
        });
        let mut access = DeclaredAccess::new([], keys);
        for op in &tx.ops {
            if let KvOp::Transfer { to, .. } = op
                && !written.contains(to)
            {
                access = access.credit(*to);
            }
        }
        Some(access)
    }
}

impl VmWorker for KvWorker<'_> {
    type Tx = KvTx;
    type Output = TxResult;

    fn execute(&mut self, tx: &KvTx, writes: &mut TxWrites) -> Result<TxResult, ExecutionError> {
        let payer = self.state.account(tx.signer)?.unwrap_or_default();
        let fee = tx.fee();
        if payer.balance < fee {
            let rejection =
                KvRejection::CannotPayFee { payer: tx.signer, have: payer.balance, want: fee };
            return Ok(TxResult::Rejected(Rejection::Kv(rejection)));
        }
        // The accounts it writes, as it leaves them (the payer first, already charged).
        let mut accounts: Vec<(AccountId, AccountState, Option<AccountData>)> = Vec::new();
        accounts.push((tx.signer, AccountState { balance: payer.balance - fee, ..payer }, None));
        let mut credits: Vec<(AccountId, U256)> = Vec::new();
        let mut success = true;
        for op in &tx.ops {
            match op {
                KvOp::Put { key, value } => {
                    let id = kv_account(tx.signer, *key);
                    let data = AccountData {
                        owner: KV_PROGRAM,
                        executable: false,
                        rent_epoch: 0,
                        data: value.clone(),
                    };
                    match accounts.iter_mut().find(|(a, ..)| *a == id) {
                        Some(entry) => entry.2 = Some(data),
                        None => {
                            let account = self.state.account(id)?.unwrap_or_default();
                            accounts.push((id, account, Some(data)));
                        }
                    }
                }
                KvOp::Transfer { to, lamports } => {
                    let amount = native_token::wei(*lamports);
                    if accounts[0].1.balance < amount {
                        success = false;
                        break;
                    }
                    accounts[0].1.balance -= amount;
                    match accounts.iter_mut().find(|(a, ..)| a == to) {
                        Some(entry) => entry.1.balance += amount,
                        None => credits.push((*to, amount)),
                    }
                }
            }
        }
        if !success {
            // Only the fee applies.
            accounts.truncate(1);
            accounts[0].1 = AccountState { balance: payer.balance - fee, ..payer };
            credits.clear();
        }
        for (id, account, data) in accounts {
            let account = AccountState { storage_root: alloy_trie::EMPTY_ROOT_HASH, ..account };
            writes.values.push((StateKey::Account(id), StateValue::Account(Some(account))));
            if let Some(data) = data {
                writes.values.push((StateKey::Data(id), StateValue::Data(Some(data))));
            }
        }
        writes.credits.extend(credits);
        let receipt = KvReceipt { success, units: tx.units(), fee };
        Ok(TxResult::Executed(Executed {
            used: tx.units(),
            fee,
            output: EngineOutput::Kv(receipt),
        }))
    }
}
