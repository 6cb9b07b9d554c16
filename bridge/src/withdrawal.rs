//! A withdrawal as the portal takes it (`Types.Withdrawal`) and its hash — the leaf of the
//! withdrawal tree and the key of the portal's proven and finalized maps:
//! keccak256(abi.encode(nonce, sender, target, value, gasLimit, data)), as OP Stack hashes its
//! withdrawal transactions.

use alloy_primitives::{B256, keccak256};
use alloy_sol_types::SolValue;

use crate::contracts::Types::Withdrawal;

/// The hash of `w`.
pub fn withdrawal_hash(w: &Withdrawal) -> B256 {
    let fields = (w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data.clone());
    keccak256(fields.abi_encode_params())
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, Bytes, U256, hex};

    use super::*;

    #[test]
    fn the_hash_covers_every_field_in_abi_encode_layout() {
        let w = Withdrawal {
            nonce: U256::from(1),
            sender: Address::repeat_byte(2),
            target: Address::repeat_byte(3),
            value: U256::from(4),
            gasLimit: U256::from(5),
            data: Bytes::from(vec![6]),
        };
        // abi.encode: six head words (the bytes as an offset 0xc0), then length 1 and the byte.
        let mut encoded = Vec::new();
        for word in [1u8, 0, 0, 4, 5, 0xc0] {
            encoded.extend_from_slice(&U256::from(word).to_be_bytes::<32>());
        }
        encoded[32 + 12..64].copy_from_slice(&[2; 20]);
        encoded[64 + 12..96].copy_from_slice(&[3; 20]);
        encoded.extend_from_slice(&U256::from(1).to_be_bytes::<32>());
        encoded.extend_from_slice(&hex!("06").repeat(1));
        encoded.extend_from_slice(&[0; 31]);
        assert_eq!(withdrawal_hash(&w), keccak256(&encoded));
        let other = Withdrawal { value: U256::from(5), ..w.clone() };
        assert_ne!(withdrawal_hash(&w), withdrawal_hash(&other));
    }
}
