//! The load generator's workload: senders with keys derived from a seed, funded from one
//! account, and their transfers signed ahead of time (EIP-1559, round-robin by nonce so every
//! block holds one nonce of many senders).

use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy_eips::eip2718::Encodable2718;
use alloy_network::TxSignerSync;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use rayon::prelude::*;

/// Fee cap of every transaction: far above any base fee a run reaches, so none waits.
pub(super) const MAX_FEE_PER_GAS: u128 = 200_000_000_000;
/// Tip of every transaction.
pub(super) const PRIORITY_FEE: u128 = 1_000_000_000;
/// Gas of a transfer.
pub(super) const TRANSFER_GAS: u64 = 21_000;

/// A signed transaction ready to send: its raw bytes (0x-hex) and hash.
#[derive(Debug, Clone)]
pub(super) struct Signed {
    /// `0x…` EIP-2718 bytes.
    pub(super) raw: String,
    /// Its hash.
    pub(super) hash: B256,
}

/// Sender `i` of a run with `seed`.
pub(super) fn sender(seed: u64, i: usize) -> PrivateKeySigner {
    let mut key = keccak256([seed.to_be_bytes(), (i as u64).to_be_bytes()].concat());
    key.0[0] &= 0x7f; // below the curve order
    PrivateKeySigner::from_bytes(&key).expect("a valid key")
}

/// Signs a transfer of `value` wei from `signer` to `to`.
pub(super) fn transfer(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    value: U256,
) -> Signed {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: TRANSFER_GAS,
        max_fee_per_gas: MAX_FEE_PER_GAS,
        max_priority_fee_per_gas: PRIORITY_FEE,
        to: TxKind::Call(to),
        value,
        ..Default::default()
    };
    let signature = signer.sign_transaction_sync(&mut tx).expect("signing");
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    let raw = Bytes::from(envelope.encoded_2718());
    Signed { raw: raw.to_string(), hash: *envelope.tx_hash() }
}

/// `txs` transfers from `senders` (whose next nonces are `nonces`), one nonce of each sender
/// after another, signed on all cores.
pub(super) fn transfers(
    senders: &[PrivateKeySigner],
    nonces: &[u64],
    txs: usize,
    chain_id: u64,
) -> Vec<Signed> {
    let per_sender = txs.div_ceil(senders.len().max(1)) as u64;
    let jobs: Vec<(usize, u64)> = (0..per_sender)
        .flat_map(|round| (0..senders.len()).map(move |s| (s, round)))
        .take(txs)
        .collect();
    jobs.par_iter()
        .map(|&(s, round)| {
            let to = Address::from_word(keccak256((s as u64 * 7919 + round).to_be_bytes()));
            transfer(&senders[s], chain_id, nonces[s] + round, to, U256::from(1_000u64))
        })
        .collect()
}

/// Wei each sender needs for `per_sender` transfers, at the fee cap.
pub(super) fn funding(per_sender: u64) -> U256 {
    let per_tx = U256::from(TRANSFER_GAS) * U256::from(MAX_FEE_PER_GAS) + U256::from(1_000u64);
    per_tx * U256::from(per_sender.max(1))
}
