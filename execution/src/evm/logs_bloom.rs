//! The logs bloom of a receipt, with the keccak hashes of recurring inputs cached.
//!
//! A bloom hashes the address and every topic of every log (four keccak permutations for a
//! `Transfer` event — more work than executing the transfer). Within a block the emitting
//! contract and the event signatures recur in most logs, so each thread keeps the bloom bits
//! of the inputs it hashed recently: a bounded cache, emptied when full. The result is
//! exactly `alloy_primitives::logs_bloom`'s.

use std::cell::RefCell;

use alloy_primitives::{
    Address, B256, Bloom, Log, keccak256,
    map::{AddressMap, B256Map},
};

/// Largest number of cached inputs per thread, per kind.
const CAPACITY: usize = 4096;

/// The six hash bytes the bloom takes its three bits from, by input.
#[derive(Default)]
struct Cache {
    addresses: AddressMap<[u8; 6]>,
    topics: B256Map<[u8; 6]>,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

fn hashed(input: &[u8]) -> [u8; 6] {
    let hash = keccak256(input);
    [hash[0], hash[1], hash[2], hash[3], hash[4], hash[5]]
}

fn address_bits(cache: &mut AddressMap<[u8; 6]>, address: &Address) -> [u8; 6] {
    if let Some(bits) = cache.get(address) {
        return *bits;
    }
    if cache.len() >= CAPACITY {
        cache.clear();
    }
    *cache.entry(*address).or_insert_with(|| hashed(address.as_slice()))
}

fn topic_bits(cache: &mut B256Map<[u8; 6]>, topic: &B256) -> [u8; 6] {
    if let Some(bits) = cache.get(topic) {
        return *bits;
    }
    if cache.len() >= CAPACITY {
        cache.clear();
    }
    *cache.entry(*topic).or_insert_with(|| hashed(topic.as_slice()))
}

/// Sets the three bits of an input with hash bytes `bits` (as `Bloom::m3_2048`).
fn set(bloom: &mut Bloom, bits: [u8; 6]) {
    let data = bloom.data_mut();
    for i in [0, 2, 4] {
        let bit = (bits[i + 1] as usize + ((bits[i] as usize) << 8)) & 0x7FF;
        data[255 - bit / 8] |= 1 << (bit % 8);
    }
}

/// The bloom filter of `logs`.
pub(crate) fn logs_bloom(logs: &[Log]) -> Bloom {
    let mut bloom = Bloom::ZERO;
    if logs.is_empty() {
        return bloom;
    }
    CACHE.with(|cache| {
        let cache = &mut *cache.borrow_mut();
        for log in logs {
            set(&mut bloom, address_bits(&mut cache.addresses, &log.address));
            for topic in log.topics() {
                set(&mut bloom, topic_bits(&mut cache.topics, topic));
            }
        }
    });
    bloom
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Bytes, LogData};

    use super::*;

    #[test]
    fn equals_the_reference_bloom() {
        let log = |a: u8, topics: Vec<B256>| Log {
            address: Address::repeat_byte(a),
            data: LogData::new_unchecked(topics, Bytes::new()),
        };
        let logs = vec![
            log(1, vec![B256::repeat_byte(7), B256::repeat_byte(8)]),
            log(1, vec![B256::repeat_byte(7)]),
            log(2, vec![]),
        ];
        for _ in 0..2 {
            assert_eq!(logs_bloom(&logs), alloy_primitives::logs_bloom(logs.iter()));
        }
        assert_eq!(logs_bloom(&[]), Bloom::ZERO);
    }
}
