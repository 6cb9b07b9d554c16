//! The key-value test engine (feature `test-utils`): a second engine, small on purpose, that
//! proves the engine seam end to end — its own wire format with ed25519 signatures, a
//! Solana-style replay guard (a recent block, deduplication by hash), Solana-style accounts
//! (owner, data) in the one state, lamports of the one native token, declared access for the
//! scheduler, and its own receipt type. Production builds do not have it.
//!
//! A transaction, signed by an ed25519 key whose public key is the payer's account id, pays
//! `units × priority` wei and applies up to 16 operations in order: `Put` writes a value into
//! the signer's key-value account for a 32-byte key (an account owned by [`KV_PROGRAM`]);
//! `Transfer` moves lamports to any account id (an EVM address too). A transfer the payer
//! cannot fund fails the transaction — nothing of it applies but its fee.

mod kv_engine;
mod kv_receipt;
mod kv_tx;
mod kv_vm;

pub use kv_engine::{KV_BLOCK_UNITS, KvEngine};
pub use kv_receipt::{KvReceipt, KvRejection};
pub use kv_tx::{KV_MAX_AGE, KV_PROGRAM, KvOp, KvTx, UNITS_PER_OP, kv_account, signer_id};
pub use kv_vm::{KvBlockVm, KvWorker};
