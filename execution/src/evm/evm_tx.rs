//! `EvmTx`: a decoded Ethereum transaction with its recovered sender — the EVM engine's
//! transaction.
//!
//! Signature recovery dominates the cost of a simple transaction, so it happens once, at
//! admission (in parallel across cores for batches), and the sender travels with the
//! transaction into the mempool, the block and storage. Recovery uses libsecp256k1 through
//! alloy-consensus' `secp256k1` feature.

use alloy_consensus::{Transaction as _, TxEnvelope, transaction::SignerRecoverable};
use alloy_eips::eip2718::{Decodable2718, Encodable2718};
use alloy_primitives::{Address, B256, Bytes, U256};
use rayon::prelude::*;

use crate::{AccountId, EngineKind, EngineTx, ReplayGuard, TxError};

/// A signed Ethereum transaction with its recovered sender, hash and canonical encoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvmTx {
    /// The decoded transaction.
    pub envelope: TxEnvelope,
    /// The address recovered from its signature.
    pub sender: Address,
    /// Its hash (keccak256 of the EIP-2718 encoding).
    pub hash: B256,
    /// The EIP-2718 encoding, as received and as stored in blocks.
    pub encoded: Bytes,
}

impl EvmTx {
    /// Decodes EIP-2718 bytes (legacy RLP or typed) and recovers the sender.
    ///
    /// Rejects trailing bytes, signatures with a high `s` (EIP-2) and unrecoverable signatures.
    pub fn decode(raw: &[u8]) -> Result<Self, TxError> {
        // geth's text for input too short to hold a transaction type and payload.
        if raw.len() < 2 {
            return Err(TxError::Malformed("typed transaction too short".to_string()));
        }
        let mut buf = raw;
        let envelope = TxEnvelope::decode_2718(&mut buf)
            .map_err(|e| TxError::Malformed(format!("rlp: {e}")))?;
        if !buf.is_empty() {
            return Err(TxError::Malformed(format!(
                "rlp: {} trailing bytes after the transaction",
                buf.len()
            )));
        }
        if envelope.is_eip4844() {
            return Err(TxError::TxTypeNotSupported);
        }
        let sender = envelope.recover_signer().map_err(|_| TxError::InvalidSender)?;
        let hash = *envelope.tx_hash();
        Ok(Self { envelope, sender, hash, encoded: Bytes::copy_from_slice(raw) })
    }

    /// Builds from an already-recovered envelope (e.g. one read back from storage with its
    /// stored sender); no signature work is done.
    pub fn from_parts(envelope: TxEnvelope, sender: Address) -> Self {
        let hash = *envelope.tx_hash();
        let encoded = Bytes::from(envelope.encoded_2718());
        Self { envelope, sender, hash, encoded }
    }

    /// Decodes bytes whose sender was recovered before (read back from the node's own
    /// storage), without recovering the signature again.
    pub fn decode_with_sender(raw: &[u8], sender: Address) -> Result<Self, TxError> {
        let envelope = TxEnvelope::decode_2718(&mut &raw[..])
            .map_err(|e| TxError::Malformed(format!("rlp: {e}")))?;
        let hash = *envelope.tx_hash();
        Ok(Self { envelope, sender, hash, encoded: Bytes::copy_from_slice(raw) })
    }

    /// Decodes and recovers many transactions in parallel on the rayon pool, keeping order.
    pub fn decode_batch(raws: &[Bytes]) -> Vec<Result<Self, TxError>> {
        raws.par_iter().map(|raw| Self::decode(raw)).collect()
    }

    /// The transaction's nonce.
    pub fn nonce(&self) -> u64 {
        self.envelope.nonce()
    }

    /// The transaction's gas limit.
    pub fn gas_limit(&self) -> u64 {
        self.envelope.gas_limit()
    }

    /// Size of the encoded transaction in bytes.
    pub fn size(&self) -> usize {
        self.encoded.len()
    }

    /// Tip per gas this transaction pays at `base_fee`, or `None` if it cannot pay the base fee.
    pub fn effective_tip(&self, base_fee: u64) -> Option<u128> {
        self.envelope.effective_tip_per_gas(base_fee)
    }
}

impl EngineTx for EvmTx {
    const KIND: EngineKind = EngineKind::Evm;

    fn hash(&self) -> B256 {
        self.hash
    }

    fn payload(&self) -> &Bytes {
        &self.encoded
    }

    fn verified(&self) -> Vec<u8> {
        self.sender.to_vec()
    }

    fn decode_verified(payload: &[u8], verified: &[u8]) -> Result<Self, TxError> {
        let sender = <[u8; 20]>::try_from(verified).map_err(|_| {
            TxError::Malformed(format!("stored sender of {} bytes", verified.len()))
        })?;
        Self::decode_with_sender(payload, Address::from(sender))
    }

    fn payer(&self) -> AccountId {
        AccountId::from(self.sender)
    }

    fn replay_guard(&self) -> ReplayGuard {
        ReplayGuard::Nonce(self.nonce())
    }

    fn resource_limit(&self) -> u64 {
        self.gas_limit()
    }

    fn priority(&self, base_fee: u64) -> Option<u128> {
        self.effective_tip(base_fee)
    }

    /// Gas limit × fee cap + value.
    fn max_cost(&self) -> U256 {
        U256::from(self.gas_limit())
            .saturating_mul(U256::from(self.envelope.max_fee_per_gas()))
            .saturating_add(self.envelope.value())
    }

    /// geth's rule (`legacypool` `list.Add`): the fee cap and the tip (both the gas price, for
    /// a legacy transaction) each strictly above the old one's and at least the old one's ×
    /// (100 + `bump_percent`) / 100, rounded down.
    fn may_replace(&self, old: &Self, bump_percent: u64) -> bool {
        let outbids = |new: u128, old: u128| {
            let threshold = U256::from(old) * U256::from(100 + bump_percent) / U256::from(100);
            new > old && U256::from(new) >= threshold
        };
        outbids(self.envelope.max_fee_per_gas(), old.envelope.max_fee_per_gas())
            && outbids(self.envelope.priority_fee_or_price(), old.envelope.priority_fee_or_price())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_consensus::{SignableTransaction, TxEip1559};
    use alloy_network::TxSignerSync;
    use alloy_primitives::{TxKind, U256};
    use alloy_signer_local::PrivateKeySigner;

    fn signed(nonce: u64) -> (PrivateKeySigner, Bytes) {
        let signer = PrivateKeySigner::random();
        let mut tx = TxEip1559 {
            chain_id: 1,
            nonce,
            gas_limit: 21_000,
            max_fee_per_gas: 2,
            max_priority_fee_per_gas: 1,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(5),
            ..Default::default()
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        (signer, env.encoded_2718().into())
    }

    #[test]
    fn decodes_and_recovers_sender() {
        let (signer, raw) = signed(3);
        let tx = EvmTx::decode(&raw).unwrap();
        assert_eq!(tx.sender, signer.address());
        assert_eq!(EvmTx::decode_verified(&raw, &tx.verified()).unwrap(), tx);
        assert_eq!(tx.nonce(), 3);
        assert_eq!(tx.encoded, raw);
        assert_eq!(EvmTx::from_parts(tx.envelope.clone(), tx.sender), tx);
    }

    /// An EIP-1559 transfer at nonce 0 with fee cap `cap` and tip `tip`.
    fn priced(cap: u128, tip: u128) -> EvmTx {
        let signer = PrivateKeySigner::from_bytes(&B256::repeat_byte(7)).unwrap();
        let mut tx = TxEip1559 {
            chain_id: 1,
            gas_limit: 21_000,
            max_fee_per_gas: cap,
            max_priority_fee_per_gas: tip,
            to: TxKind::Call(Address::repeat_byte(1)),
            ..Default::default()
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        EvmTx::decode(&env.encoded_2718()).unwrap()
    }

    #[test]
    fn a_replacement_follows_geths_price_bump_rule() {
        let old = priced(15, 10);
        // At least old × 110 / 100 rounded down (16 and 11), on both.
        assert!(priced(16, 11).may_replace(&old, 10));
        assert!(!priced(16, 10).may_replace(&old, 10), "the tip not raised");
        assert!(!priced(15, 11).may_replace(&old, 10), "the fee cap not raised");
        // Strictly higher too: with zero fees, 10 % of nothing is no bump.
        assert!(!priced(0, 0).may_replace(&priced(0, 0), 10));
        assert!(priced(1, 1).may_replace(&priced(0, 0), 10));
        // Exact with fees near u128::MAX.
        let rich = priced(u128::MAX - 1, u128::MAX - 1);
        assert!(!priced(u128::MAX, u128::MAX).may_replace(&rich, 10));
        assert!(priced(u128::MAX, u128::MAX).may_replace(&rich, 0));
    }

    #[test]
    fn rejects_garbage_and_trailing_bytes() {
        assert!(EvmTx::decode(&[0xde, 0xad]).is_err());
        assert_eq!(EvmTx::decode(&[1]).unwrap_err().to_string(), "typed transaction too short");
        let (_, raw) = signed(0);
        let mut long = raw.to_vec();
        long.push(0);
        let err = EvmTx::decode(&long).unwrap_err().to_string();
        assert!(err.contains("trailing"), "{err}");
    }

    proptest::proptest! {
        /// Untrusted bytes never panic the decoder (the same body as the fuzz target), and
        /// whatever decodes is exactly the bytes it came from.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            if let Ok(tx) = EvmTx::decode(&data) {
                proptest::prop_assert_eq!(tx.encoded.as_ref(), data.as_slice());
            }
        }

        /// Mutating one byte of a valid transaction gives an error or another valid
        /// transaction, never a panic.
        #[test]
        fn mutated_transactions_never_panic(index in 0usize..200, byte in proptest::num::u8::ANY) {
            let (_, raw) = signed(1);
            let mut data = raw.to_vec();
            let i = index % data.len();
            data[i] = byte;
            let _ = EvmTx::decode(&data);
        }
    }

    #[test]
    fn batch_keeps_order() {
        let raws: Vec<Bytes> = (0..8).map(|n| signed(n).1).collect();
        let txs = EvmTx::decode_batch(&raws);
        for (n, tx) in txs.into_iter().enumerate() {
            assert_eq!(tx.unwrap().nonce(), n as u64);
        }
    }
}
