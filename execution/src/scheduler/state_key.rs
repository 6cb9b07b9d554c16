//! The unified state keys the scheduler tracks, and the values written under them.

use alloy_primitives::{Address, B256, Bytes, U256};

use crate::AccountState;

/// One independently versioned piece of state. VM-agnostic: engines read and write state
/// only through these keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateKey {
    /// An account's nonce, balance and code hash.
    Account(Address),
    /// One storage slot of an account.
    Storage(Address, U256),
    /// Contract code by hash (content-addressed: never conflicts, but must be visible).
    Code(B256),
}

impl StateKey {
    /// A cheap 64-bit digest of the key, for picking a shard and hashing: addresses, code
    /// hashes and most slots (mapping entries) are hashes already, so folding their words
    /// together is enough; the hasher mixes the result.
    pub(crate) fn digest(&self) -> u64 {
        fn address(a: &Address) -> u64 {
            let b = a.as_slice();
            let lo = u64::from_le_bytes(b[0..8].try_into().expect("8 bytes"));
            let mid = u64::from_le_bytes(b[8..16].try_into().expect("8 bytes"));
            let hi = u32::from_le_bytes(b[16..20].try_into().expect("4 bytes"));
            lo ^ mid.rotate_left(23) ^ u64::from(hi).rotate_left(41)
        }
        match self {
            StateKey::Account(a) => address(a),
            StateKey::Storage(a, slot) => {
                let [l0, l1, l2, l3] = *slot.as_limbs();
                address(a).rotate_left(7)
                    ^ l0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                    ^ l1.rotate_left(13)
                    ^ l2.rotate_left(29)
                    ^ l3.rotate_left(47)
                    ^ 0x5bd1_e995
            }
            StateKey::Code(h) => {
                u64::from_le_bytes(h.as_slice()[0..8].try_into().expect("8 bytes")) ^ 0xc0de
            }
        }
    }
}

impl StateKey {
    /// A digest of the account the key belongs to (of the code hash for code): all keys of
    /// one account land in the same shard of the multi-version memory.
    pub(crate) fn owner_digest(&self) -> u64 {
        match self {
            StateKey::Account(a) | StateKey::Storage(a, _) => StateKey::Account(*a).digest(),
            StateKey::Code(_) => self.digest(),
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
}
