//! `AccountData`: the Solana-style part of an account — the program that owns it, whether it
//! is an executable program, its rent epoch and its data bytes.
//!
//! Its lamports are not here: an account's native-token balance is one amount, kept in its
//! [`AccountState`](crate::AccountState) (see [`native_token`](super::native_token)), whatever
//! VM reads or moves it. An account without `AccountData` is, in Solana's terms, a wallet:
//! owned by the System program, no data, not executable.

use alloy_primitives::{B256, Bytes, keccak256};

use crate::{AccountId, ExecutionError};

/// The owner, data and flags of a Solana-style account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountData {
    /// The program that owns the account (only it may change the data or debit lamports).
    pub owner: AccountId,
    /// Whether the account holds an executable program.
    pub executable: bool,
    /// The epoch at which rent is next due (Solana keeps it for compatibility).
    pub rent_epoch: u64,
    /// The account's data.
    pub data: Bytes,
}

/// Bytes of the encoding before the data: owner, executable flag, rent epoch.
const HEADER_LEN: usize = 32 + 1 + 8;

impl AccountData {
    /// The stored encoding: `owner ‖ executable (0/1) ‖ rent_epoch (u64 BE) ‖ data`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.data.len());
        out.extend_from_slice(self.owner.as_bytes());
        out.push(u8::from(self.executable));
        out.extend_from_slice(&self.rent_epoch.to_be_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// Decodes the stored encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, ExecutionError> {
        let corrupt = |reason: String| ExecutionError::Corrupt { what: "account data", reason };
        if bytes.len() < HEADER_LEN {
            return Err(corrupt(format!("{} bytes, expected at least {HEADER_LEN}", bytes.len())));
        }
        let executable = match bytes[32] {
            0 => false,
            1 => true,
            other => return Err(corrupt(format!("executable flag {other}"))),
        };
        let mut epoch = [0u8; 8];
        epoch.copy_from_slice(&bytes[33..HEADER_LEN]);
        Ok(Self {
            owner: AccountId(B256::from_slice(&bytes[..32])),
            executable,
            rent_epoch: u64::from_be_bytes(epoch),
            data: Bytes::copy_from_slice(&bytes[HEADER_LEN..]),
        })
    }

    /// keccak256 of the data, as the state trie commits to it.
    pub fn data_hash(&self) -> B256 {
        keccak256(&self.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let data = AccountData {
            owner: AccountId::new([3u8; 32]),
            executable: true,
            rent_epoch: u64::MAX,
            data: Bytes::from_static(b"hello"),
        };
        assert_eq!(AccountData::decode(&data.encode()).unwrap(), data);
        assert_eq!(
            AccountData::decode(&AccountData::default().encode()).unwrap(),
            AccountData::default()
        );
        assert!(AccountData::decode(&[0u8; 40]).is_err());
        let mut bad = data.encode();
        bad[32] = 2;
        assert!(AccountData::decode(&bad).is_err());
    }
}
