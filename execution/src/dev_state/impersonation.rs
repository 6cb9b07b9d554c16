//! Impersonated EVM transactions of a devnet (`anvil_impersonateAccount`, then an unsigned
//! `eth_sendTransaction`): an ordinary EIP-2718 transaction whose "signature" names its sender —
//! `r` = the sender's address, `s` = 1 — instead of proving it. Such a signature recovers no
//! one's key, so it means nothing to a chain without the dev-state engine; on a chain with it
//! (devnets), decoding takes the sender from `r`, on the sequencer and on every follower alike,
//! so the transaction travels through the pool, the journal, blocks and DA as any other.

use alloy_consensus::TxEnvelope;
use alloy_eips::eip2718::Decodable2718;
use alloy_primitives::{Address, B256, Signature, U256};

use crate::evm::EvmTx;

/// The signature that names `sender` as an impersonated transaction's sender.
pub fn impersonation_signature(sender: Address) -> Signature {
    Signature::new(U256::from_be_slice(sender.as_slice()), U256::from(1), false)
}

/// The sender an impersonated transaction's signature names, if it is one.
pub fn impersonated_sender(signature: &Signature) -> Option<Address> {
    let r = signature.r();
    (signature.s() == U256::from(1) && !signature.v() && r.bit_len() <= 160)
        .then(|| Address::from_word(B256::from(r)))
}

/// Decodes `raw` as an impersonated transaction; `None` if it is not one (a signed
/// transaction, or bytes that do not decode).
pub fn decode_impersonated(raw: &[u8]) -> Option<EvmTx> {
    let envelope = TxEnvelope::decode_2718(&mut &raw[..]).ok()?;
    let sender = impersonated_sender(envelope.signature())?;
    EvmTx::decode_with_sender(raw, sender).ok()
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{SignableTransaction, TxEip1559};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_primitives::TxKind;

    use super::*;

    #[test]
    fn the_signature_names_the_sender_and_nothing_else_passes_for_it() {
        let sender = Address::repeat_byte(0xab);
        let tx = TxEip1559 {
            chain_id: 31337,
            gas_limit: 21_000,
            to: TxKind::Call(Address::repeat_byte(1)),
            ..Default::default()
        };
        let envelope: TxEnvelope = tx.into_signed(impersonation_signature(sender)).into();
        let raw = envelope.encoded_2718();
        let decoded = decode_impersonated(&raw).expect("impersonated");
        assert_eq!(decoded.sender, sender);
        // The chain's own decoding (signature recovery) does not yield the sender.
        assert!(EvmTx::decode(&raw).map_or(true, |tx| tx.sender != sender));
        let other = Signature::new(U256::from(5), U256::from(2), false);
        assert_eq!(impersonated_sender(&other), None);
    }
}
