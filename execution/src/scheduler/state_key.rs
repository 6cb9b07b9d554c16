//! The unified state keys the scheduler tracks, and the values written under them.

use alloy_primitives::{Address, B256, Bytes, U256};

use crate::{AccountId, AccountState, state::AccountData};

/// One independently versioned piece of state. VM-agnostic: engines read and write state
/// only through these keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKey {
    /// An account's nonce, balance (the one native token) and code hash.
    Account(AccountId),
    /// One storage slot of an EVM account.
    Storage(Address, U256),
    /// Contract code by hash (content-addressed: never conflicts, but must be visible).
    Code(B256),
    /// An account's Solana-style owner, flags and data.
    Data(AccountId),
}

/// Folds 20 address bytes into 64 bits (they are hash output already: folding is enough).
fn fold_address(b: &[u8]) -> u64 {
    let lo = u64::from_le_bytes(b[0..8].try_into().expect("8 bytes"));
    let mid = u64::from_le_bytes(b[8..16].try_into().expect("8 bytes"));
    let hi = u32::from_le_bytes(b[16..20].try_into().expect("4 bytes"));
    lo ^ mid.rotate_left(23) ^ u64::from(hi).rotate_left(41)
}

/// A digest of an account id. The id of an EVM account digests exactly as its address, so
/// every key of one account lands in one shard.
fn fold_id(id: &AccountId) -> u64 {
    let b = id.as_bytes();
    let head = u64::from_le_bytes(b[0..8].try_into().expect("8 bytes"))
        ^ u64::from(u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"))).rotate_left(31);
    fold_address(&b[12..]) ^ head.rotate_left(11)
}

impl StateKey {
    /// A cheap 64-bit digest of the key, for picking a shard and hashing: ids, addresses,
    /// code hashes and most slots (mapping entries) are hashes already, so folding their
    /// words together is enough; the hasher mixes the result.
    pub(crate) fn digest(&self) -> u64 {
        match self {
            StateKey::Account(id) => fold_id(id),
            StateKey::Storage(a, slot) => {
                let [l0, l1, l2, l3] = *slot.as_limbs();
                fold_address(a.as_slice()).rotate_left(7)
                    ^ l0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    ^ l1.rotate_left(13)
                    ^ l2.rotate_left(29)
                    ^ l3.rotate_left(47)
                    ^ 0x5bd1_e995
            }
            StateKey::Code(h) => {
                u64::from_le_bytes(h.as_slice()[0..8].try_into().expect("8 bytes")) ^ 0xc0de
            }
            StateKey::Data(id) => fold_id(id).rotate_left(17) ^ 0xda7a,
        }
    }

    /// A digest of the account the key belongs to (of the code hash for code): all keys of
    /// one account land in the same shard of the multi-version memory.
    pub(crate) fn owner_digest(&self) -> u64 {
        match self {
            StateKey::Account(id) | StateKey::Data(id) => fold_id(id),
            StateKey::Storage(a, _) => fold_address(a.as_slice()),
            StateKey::Code(_) => self.digest(),
        }
    }

    /// The account the key belongs to (`None` for code).
    pub fn account(&self) -> Option<AccountId> {
        match self {
            StateKey::Account(id) | StateKey::Data(id) => Some(*id),
            StateKey::Storage(address, _) => Some(AccountId::from(*address)),
            StateKey::Code(_) => None,
        }
    }
}

impl std::hash::Hash for StateKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.digest());
    }
}

/// A value written under a `StateKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateValue {
    /// An account (`None`: deleted).
    Account(Option<AccountState>),
    /// A storage value.
    Storage(U256),
    /// Contract code.
    Code(Bytes),
    /// An account's Solana-style data (`None`: removed).
    Data(Option<AccountData>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_account_share_an_owner_digest() {
        let address = Address::repeat_byte(0x3c);
        let id = AccountId::from(address);
        let owner = StateKey::Account(id).owner_digest();
        assert_eq!(StateKey::Storage(address, U256::from(9)).owner_digest(), owner);
        assert_eq!(StateKey::Data(id).owner_digest(), owner);
        assert_ne!(StateKey::Account(id).digest(), StateKey::Data(id).digest());
    }
}
