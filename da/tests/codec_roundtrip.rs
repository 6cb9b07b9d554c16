//! Property test: `decode(encode(batch)) == batch` for random batches and blob limits, with
//! frames delivered shuffled and duplicated.

use alloy_primitives::{B256, Bytes};
use da::{Batch, BatchAssembler, BatchBlock, MIN_MAX_BLOB_BYTES, decode_frame, encode_batch};
use proptest::prelude::*;

fn b256() -> impl Strategy<Value = B256> {
    any::<[u8; 32]>().prop_map(B256::from)
}

fn block() -> impl Strategy<Value = BatchBlock> {
    (
        any::<u64>(),
        any::<u64>(),
        b256(),
        b256(),
        b256(),
        any::<u64>(),
        any::<u64>(),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..12),
    )
        .prop_map(
            |(
                number,
                timestamp,
                parent_hash,
                block_hash,
                state_root,
                gas_limit,
                base_fee_per_gas,
                txs,
            )| BatchBlock {
                number,
                timestamp,
                parent_hash,
                block_hash,
                state_root,
                gas_limit,
                base_fee_per_gas,
                transactions: txs.into_iter().map(Bytes::from).collect(),
            },
        )
}

fn batch() -> impl Strategy<Value = Batch> {
    prop::collection::vec(block(), 0..8).prop_map(|blocks| Batch { blocks })
}

/// Deterministic Fisher–Yates shuffle driven by a xorshift seed.
fn shuffle<T>(items: &mut [T], mut seed: u64) {
    seed |= 1;
    for i in (1..items.len()).rev() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        items.swap(i, (seed % (i as u64 + 1)) as usize);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn round_trip_shuffled(
        batch in batch(),
        max_blob_bytes in MIN_MAX_BLOB_BYTES..4096usize,
        seed in any::<u64>(),
        dup_every in 1usize..5,
    ) {
        let blobs = encode_batch(&batch, max_blob_bytes).unwrap();
        prop_assert!(!blobs.is_empty());
        for blob in &blobs {
            prop_assert!(blob.len() <= max_blob_bytes);
            let frame = decode_frame(blob).unwrap();
            prop_assert_eq!(usize::from(frame.count), blobs.len());
        }

        // Deliver every frame, some twice, in a random order.
        let mut delivery: Vec<_> = blobs.iter().collect();
        delivery.extend(blobs.iter().step_by(dup_every));
        shuffle(&mut delivery, seed);

        let mut assembler = BatchAssembler::new();
        let mut yielded = Vec::new();
        for blob in delivery {
            if let Some(decoded) = assembler.push_blob(blob).unwrap() {
                yielded.push(decoded);
            }
        }
        prop_assert_eq!(yielded, vec![batch]);
        prop_assert_eq!(assembler.pending_batches(), 0);
    }

    #[test]
    fn encoding_is_deterministic(batch in batch(), max_blob_bytes in MIN_MAX_BLOB_BYTES..2048usize) {
        prop_assert_eq!(
            encode_batch(&batch, max_blob_bytes).unwrap(),
            encode_batch(&batch, max_blob_bytes).unwrap()
        );
    }
}

/// The same batch encoded under two blob limits shares a batch id but not a frame layout: the
/// assembler keeps the two encodings apart and yields the batch once.
#[test]
fn two_encodings_of_one_batch_do_not_mix() {
    let batch = Batch {
        blocks: vec![BatchBlock {
            number: 1,
            timestamp: 2,
            parent_hash: B256::ZERO,
            block_hash: B256::ZERO,
            state_root: B256::ZERO,
            gas_limit: 3,
            base_fee_per_gas: 4,
            transactions: (0..40u8).map(|i| Bytes::from(vec![i; 50 + usize::from(i)])).collect(),
        }],
    };
    let small = encode_batch(&batch, 256).unwrap();
    let large = encode_batch(&batch, 600).unwrap();
    assert_ne!(small.len(), large.len());
    let mut assembler = BatchAssembler::new();
    let mut yielded = 0;
    for blob in small.iter().skip(1).chain(large.iter()).chain(small.iter().take(1)) {
        yielded += usize::from(assembler.push_blob(blob).unwrap().is_some());
    }
    assert_eq!(yielded, 1);
}
