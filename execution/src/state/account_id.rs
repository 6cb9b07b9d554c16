//! `AccountId`: the 32-byte identifier of an account of any VM.
//!
//! One id space for every VM: a Solana pubkey is an id as it is, and an EVM address is the id
//! `0x000000000000000000000000 ‖ address` (12 zero bytes, then the 20 address bytes). The same
//! EVM account is therefore reachable from every engine, and value moves between VMs by
//! crediting ids, without a bridge.

use std::fmt;

use alloy_primitives::{Address, B256, keccak256, map::FbBuildHasher};

/// Bytes of an id before the address in an EVM account's id.
const EVM_PREFIX_LEN: usize = 12;

/// The 32-byte id of an account.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub B256);

/// A hash map keyed by account id (hashed as the fixed 32 bytes they are).
pub type AccountMap<V> = std::collections::HashMap<AccountId, V, FbBuildHasher<32>>;

impl AccountId {
    /// The id with these bytes.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(B256::new(bytes))
    }

    /// The id of the EVM account at `address`: 12 zero bytes, then the address.
    #[inline]
    pub fn from_address(address: Address) -> Self {
        let mut bytes = [0u8; 32];
        bytes[EVM_PREFIX_LEN..].copy_from_slice(address.as_slice());
        Self::new(bytes)
    }

    /// The EVM address this id is, when its first 12 bytes are zero.
    #[inline]
    pub fn evm_address(&self) -> Option<Address> {
        let (prefix, address) = self.0.0.split_at(EVM_PREFIX_LEN);
        let (head, tail) = prefix.split_at(8);
        let zero = u64::from_ne_bytes(head.try_into().expect("8 bytes")) == 0
            && u32::from_ne_bytes(tail.try_into().expect("4 bytes")) == 0;
        zero.then(|| Address::from_slice(address))
    }

    /// The id's bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0.0
    }

    /// The key of the account's leaf in the state trie: keccak256 of the 20 address bytes for
    /// an EVM account (exactly Ethereum's secure trie key), keccak256 of the 32 id bytes for
    /// any other id.
    pub fn trie_key(&self) -> B256 {
        match self.evm_address() {
            Some(address) => keccak256(address),
            None => keccak256(self.0),
        }
    }
}

impl From<Address> for AccountId {
    fn from(address: Address) -> Self {
        Self::from_address(address)
    }
}

impl From<[u8; 32]> for AccountId {
    fn from(bytes: [u8; 32]) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.evm_address() {
            Some(address) => write!(f, "AccountId({address})"),
            None => write!(f, "AccountId({})", self.0),
        }
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evm_addresses_round_trip_and_other_ids_are_not_addresses() {
        let address = Address::repeat_byte(0xab);
        let id = AccountId::from(address);
        assert_eq!(&id.as_bytes()[..12], &[0u8; 12]);
        assert_eq!(&id.as_bytes()[12..], address.as_slice());
        assert_eq!(id.evm_address(), Some(address));
        assert_eq!(id.trie_key(), keccak256(address));
        let pubkey = AccountId::new([7u8; 32]);
        assert_eq!(pubkey.evm_address(), None);
        assert_eq!(pubkey.trie_key(), keccak256([7u8; 32]));
    }

    #[test]
    fn hashes_in_an_account_map() {
        let mut map = AccountMap::default();
        map.insert(AccountId::from(Address::repeat_byte(1)), 1);
        map.insert(AccountId::new([1u8; 32]), 2);
        assert_eq!(map[&AccountId::from(Address::repeat_byte(1))], 1);
        assert_eq!(map[&AccountId::new([1u8; 32])], 2);
    }
}
