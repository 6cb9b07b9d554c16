//! Helpers of the tests of a chain that runs a second engine, the key-value test engine:
//! its funded payer, the engines and genesis of such a node, and its transactions.

use alloy::primitives::{B256, Bytes, U256};
use ed25519_dalek::SigningKey;
use execution::{
    AccountId, ChainSpec, Engines, Transaction,
    kv::{KvEngine, KvOp, KvTx, signer_id},
};
use node_config::{GenesisIdAccount, NodeConfig};

/// The key of the key-value payer funded at genesis.
pub fn kv_key() -> SigningKey {
    SigningKey::from_bytes(&[0x6b; 32])
}

/// Its account id.
pub fn kv_payer() -> AccountId {
    signer_id(&kv_key())
}

/// Funds the key-value payer in `config`'s genesis with 1000 tokens (10^12 lamports).
pub fn fund_kv_payer(config: &mut NodeConfig) {
    let balance = U256::from(10u128.pow(21));
    config
        .genesis
        .accounts
        .insert(kv_payer().0, GenesisIdAccount { balance, ..Default::default() });
}

/// The engines of `config`'s chain with the key-value engine added.
pub fn two_engines(config: &NodeConfig) -> Engines {
    Engines::new(&ChainSpec::from_config(config)).with_kv(KvEngine)
}

/// A key-value transaction of the funded payer naming `recent` as its recent block: its
/// tagged encoding (what `manifold_sendTransaction` takes) and its hash.
pub fn kv_transaction(recent: B256, ops: Vec<KvOp>) -> (Bytes, B256) {
    let tx = Transaction::Kv(KvTx::sign(&kv_key(), recent, 1_000_000_000, ops));
    (tx.encode_tagged(), tx.hash())
}
