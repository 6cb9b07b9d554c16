//! One account as stored: nonce, balance, code hash and storage root — the record every
//! account id has, whatever VM uses it — and its leaf in the state trie.

use alloy_primitives::{B256, KECCAK256_EMPTY, U256};
use alloy_rlp::RlpEncodable;
use alloy_trie::{EMPTY_ROOT_HASH, TrieAccount};

use crate::{ExecutionError, state::AccountData};

/// An account of the unified state, as stored in the flat account table. Its balance is the
/// one native token, in wei (see [`native_token`](crate::state::native_token)).
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

    /// The RLP leaf value of this account in the state trie. An account without
    /// [`AccountData`] has Ethereum's leaf, `[nonce, balance, storageRoot, codeHash]`, so EVM
    /// accounts commit, and prove (`eth_getProof`), exactly as on Ethereum. An account with
    /// data has that list extended by `[owner, executable, rentEpoch, keccak256(data)]`.
    pub fn trie_leaf(&self, data: Option<&AccountData>) -> Vec<u8> {
        match data {
            None => alloy_rlp::encode(TrieAccount {
                nonce: self.nonce,
                balance: self.balance,
                storage_root: self.storage_root,
                code_hash: self.code_hash,
            }),
            Some(data) => alloy_rlp::encode(DataAccountLeaf {
                nonce: self.nonce,
                balance: self.balance,
                storage_root: self.storage_root,
                code_hash: self.code_hash,
                owner: data.owner.0,
                executable: u8::from(data.executable),
                rent_epoch: data.rent_epoch,
                data_hash: data.data_hash(),
            }),
        }
    }

    /// Whether the account is empty in the EIP-161 sense (no nonce, balance or code).
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == KECCAK256_EMPTY
    }
}

/// The state-trie leaf of an account that has [`AccountData`].
#[derive(RlpEncodable)]
struct DataAccountLeaf {
    nonce: u64,
    balance: U256,
    storage_root: B256,
    code_hash: B256,
    owner: B256,
    executable: u8,
    rent_epoch: u64,
    data_hash: B256,
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

    #[test]
    fn leaves_with_and_without_data_differ() {
        let a = AccountState { balance: U256::from(5), ..Default::default() };
        let plain = a.trie_leaf(None);
        assert_eq!(
            plain,
            alloy_rlp::encode(TrieAccount {
                nonce: 0,
                balance: U256::from(5),
                storage_root: EMPTY_ROOT_HASH,
                code_hash: KECCAK256_EMPTY,
            })
        );
        let with_data = a.trie_leaf(Some(&AccountData::default()));
        assert_ne!(plain, with_data);
        let other = AccountData { data: vec![1].into(), ..Default::default() };
        assert_ne!(with_data, a.trie_leaf(Some(&other)));
    }
}
