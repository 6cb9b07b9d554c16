//! `DeclaredAccess`: the keys a transaction declares up front that it reads, writes or only
//! credits (as Solana transactions list their accounts; for a plain EVM value transfer the
//! EVM adapter infers it). With every transaction of a block declared, the scheduler plans
//! the block before running it instead of executing optimistically.
//!
//! Credits (native tokens added to an account whose balance the transaction does not read)
//! commute: two transactions that only credit the same account do not conflict.

use super::state_key::StateKey;
use crate::AccountId;

/// How a transaction uses a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read only.
    Read,
    /// Read and written.
    Write,
    /// An account only credited (its code hash may be read, its balance not).
    Credit,
}

/// The keys a transaction declares it accesses. Code (by hash) needs no declaration: it is
/// content-addressed. Up to two keys (a value transfer) are stored inline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeclaredAccess {
    inline: [Option<(StateKey, Access)>; 2],
    more: Vec<(StateKey, Access)>,
}

impl DeclaredAccess {
    /// Access to `reads` (read only) and `writes` (read and written).
    pub fn new(
        reads: impl IntoIterator<Item = StateKey>,
        writes: impl IntoIterator<Item = StateKey>,
    ) -> Self {
        let mut access = Self::default();
        for key in writes {
            access.add(key, Access::Write);
        }
        for key in reads {
            access.add(key, Access::Read);
        }
        access
    }

    /// Adds `key` with `access` (the strongest access to a key wins: write, then read, then
    /// credit — a read of a credited account reads its balance).
    pub fn add(&mut self, key: StateKey, access: Access) {
        let existing =
            self.inline.iter_mut().flatten().chain(self.more.iter_mut()).find(|(k, _)| *k == key);
        match existing {
            Some((_, existing)) => {
                *existing = match (*existing, access) {
                    (Access::Write, _) | (_, Access::Write) => Access::Write,
                    (Access::Read, _) | (_, Access::Read) => Access::Read,
                    _ => Access::Credit,
                };
            }
            None => match self.inline.iter_mut().find(|slot| slot.is_none()) {
                Some(slot) => *slot = Some((key, access)),
                None => self.more.push((key, access)),
            },
        }
    }

    /// Adds a credit of account `id`.
    pub fn credit(mut self, id: AccountId) -> Self {
        self.add(StateKey::Account(id), Access::Credit);
        self
    }

    /// The declared keys and how they are accessed.
    pub fn keys(&self) -> impl Iterator<Item = &(StateKey, Access)> {
        self.inline.iter().flatten().chain(self.more.iter())
    }

    fn access(&self, key: &StateKey) -> Option<Access> {
        self.keys().find(|(k, _)| k == key).map(|(_, a)| *a)
    }

    /// Whether reading `key` in full is declared.
    pub fn covers(&self, key: &StateKey) -> bool {
        matches!(key, StateKey::Code(_))
            || matches!(self.access(key), Some(Access::Read | Access::Write))
    }

    /// Whether reading the code hash of account `id` (to credit it) is declared.
    pub fn covers_credit_target(&self, id: AccountId) -> bool {
        self.access(&StateKey::Account(id)).is_some()
    }

    /// Whether writing `key` is declared.
    pub fn covers_write(&self, key: &StateKey) -> bool {
        matches!(key, StateKey::Code(_)) || self.access(key) == Some(Access::Write)
    }

    /// Whether crediting account `id` is declared.
    pub fn covers_credit(&self, id: AccountId) -> bool {
        matches!(self.access(&StateKey::Account(id)), Some(Access::Write | Access::Credit))
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, U256};

    use super::*;

    fn slot(i: u64) -> StateKey {
        StateKey::Storage(Address::ZERO, U256::from(i))
    }

    fn id(byte: u8) -> AccountId {
        AccountId::from(Address::repeat_byte(byte))
    }

    #[test]
    fn coverage() {
        let access = DeclaredAccess::new([slot(1)], [slot(2)]).credit(id(9));
        assert!(access.covers(&slot(1)) && access.covers(&slot(2)));
        assert!(!access.covers(&slot(3)));
        assert!(access.covers_write(&slot(2)) && !access.covers_write(&slot(1)));
        assert!(access.covers(&StateKey::Code(Default::default())));
        let credited = id(9);
        assert!(access.covers_credit(credited) && access.covers_credit_target(credited));
        assert!(!access.covers(&StateKey::Account(credited)));
        assert!(!access.covers_write(&StateKey::Account(credited)));
    }

    #[test]
    fn the_strongest_access_wins() {
        let mut access = DeclaredAccess::default().credit(id(0));
        access.add(StateKey::Account(id(0)), Access::Read);
        let keys = |a: &DeclaredAccess| a.keys().copied().collect::<Vec<_>>();
        assert_eq!(keys(&access), [(StateKey::Account(id(0)), Access::Read)]);
        access.add(StateKey::Account(id(0)), Access::Write);
        assert_eq!(keys(&access), [(StateKey::Account(id(0)), Access::Write)]);
        for i in 1..5 {
            access.add(StateKey::Account(id(i)), Access::Read);
        }
        assert_eq!(keys(&access).len(), 5);
    }
}
