//! One account as stored: nonce, balance, code hash and storage root.

use alloy_primitives::{B256, KECCAK256_EMPTY, U256};
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};

use crate::ExecutionError;

/// An account of the unified state, as stored in the flat account table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountState {
    /// Transaction count (EVM nonce).
    pub nonce: u64,
    /// Native-token balance in wei.
    pub balance: U256,
    /// keccak256 of the account's code (`KECCAK256_EMPTY` when it has none).
    pub code_hash: B256,
    /// Root of the account's storage trie.
    pub storage_root: B256,
}

impl Default for AccountState {
    fn default() -> Self {
        Self {
            nonce: 0,
            balance: U256::ZERO,
            code_hash: KECCAK256_EMPTY,
            storage_root: EMPTY_ROOT_HASH,
        }
    }
}

/// Size of the fixed stored encoding.
const ENCODED_LEN: usize = 8 + 32 + 32 + 32;

impl AccountState {
    /// Fixed-size encoding for the flat account table.
    pub fn encode(&self) -> [u8; ENCODED_LEN] {
        let mut out = [0u8; ENCODED_LEN];
        out[..8].copy_from_slice(&self.nonce.to_be_bytes());
        out[8..40].copy_from_slice(&self.balance.to_be_bytes::<32>());
        out[40..72].copy_from_slice(self.code_hash.as_slice());
        out[72..].copy_from_slice(self.storage_root.as_slice());
        out
    }

    /// Decodes the flat-table encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, ExecutionError> {
        if bytes.len() != ENCODED_LEN {
            return Err(ExecutionError::Corrupt {
                what: "account",
                reason: format!("{} bytes, expected {ENCODED_LEN}", bytes.len()),
            });
        }
        let mut nonce = [0u8; 8];
        nonce.copy_from_slice(&bytes[..8]);
        Ok(Self {
            nonce: u64::from_be_bytes(nonce),
            balance: U256::from_be_slice(&bytes[8..40]),
            code_hash: B256::from_slice(&bytes[40..72]),
            storage_root: B256::from_slice(&bytes[72..]),
        })
    }

    /// The RLP leaf value of this account in the state trie.
    pub fn trie_leaf(&self) -> Vec<u8> {
        alloy_rlp::encode(TrieAccount {
            nonce: self.nonce,
            balance: self.balance,
            storage_root: self.storage_root,
            code_hash: self.code_hash,
        })
    }

    /// Whether the account is empty in the EIP-161 sense (no nonce, balance or code).
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == KECCAK256_EMPTY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips() {
        let a = AccountState {
            nonce: 7,
            balance: U256::from(123456789u64),
            code_hash: B256::repeat_byte(3),
            storage_root: B256::repeat_byte(9),
        };
        assert_eq!(AccountState::decode(&a.encode()).unwrap(), a);
        assert!(AccountState::decode(&[1, 2, 3]).is_err());
        assert!(AccountState::default().is_empty());
        assert!(!a.is_empty());
    }
}
