//! `SlotMap`: the storage slots an account's write set holds, by slot — a hash map whose
//! hasher costs nothing to create (an account that writes no storage allocates nothing and
//! builds no hasher state), seeded once per process so that slot keys a contract chooses
//! cannot be aimed at its collisions.

use std::{collections::HashMap, hash::BuildHasher, sync::OnceLock};

use alloy_primitives::U256;
use foldhash::fast::{FixedState, FoldHasher};

/// Storage slot → value.
pub type SlotMap = HashMap<U256, U256, SlotHasher>;

/// The build hasher of [`SlotMap`]: foldhash with a random seed chosen once per process.
#[derive(Debug, Clone, Copy, Default)]
pub struct SlotHasher;

fn process_seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| std::collections::hash_map::RandomState::new().hash_one(0x51075u64))
}

impl BuildHasher for SlotHasher {
    type Hasher = FoldHasher<'static>;

    #[inline]
    fn build_hasher(&self) -> FoldHasher<'static> {
        FixedState::with_seed(process_seed()).build_hasher()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_hash_consistently_within_the_process() {
        let mut map = SlotMap::default();
        for i in 0..1000u64 {
            map.insert(U256::from(i), U256::from(i * 2));
        }
        assert!((0..1000u64).all(|i| map[&U256::from(i)] == U256::from(i * 2)));
        assert_eq!(std::mem::size_of::<SlotHasher>(), 0);
    }
}
