//! The body of the `decode_frame` fuzz target (`da/fuzz`), shared with the unit tests so that
//! the fuzz harness is exercised on every `cargo test`.

use crate::{BatchAssembler, decode_frame, encode_batch};

/// Feeds arbitrary bytes to [`decode_frame`] and to a [`BatchAssembler`], checking invariants.
///
/// 1. `data` as one blob: if it decodes, the frame re-encodes to exactly `data`.
/// 2. `data` as a sequence of blobs, each prefixed by a u16 big-endian length, pushed into an
///    assembler: any batch it yields re-encodes and reassembles to itself.
///
/// # Panics
/// When an invariant is broken (that is the point: the fuzzer reports it), never on bad input.
pub fn fuzz_decode_frame(data: &[u8]) {
    if let Ok(frame) = decode_frame(data) {
        assert!(frame.index < frame.count);
        assert_eq!(frame.encode().as_ref(), data, "decode_frame then encode must round trip");
    }

    let mut assembler = BatchAssembler::with_max_pending_bytes(1 << 20);
    let mut rest = data;
    while let [hi, lo, tail @ ..] = rest {
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(tail.len());
        let (blob, next) = tail.split_at(len);
        rest = next;
        if let Ok(Some(batch)) = assembler.push_blob(blob) {
            let blobs = encode_batch(&batch, 1 << 20).expect("a decoded batch re-encodes");
            let mut again = BatchAssembler::new();
            let mut rebuilt = None;
            for blob in &blobs {
                rebuilt = again.push_blob(blob).expect("re-encoded frames decode");
            }
            assert_eq!(rebuilt.as_ref(), Some(&batch), "batch must survive a re-encode");
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::frames_from_compressed;
    use crate::{Batch, BatchBlock};

    /// Prefixes each blob with its u16 length, as the fuzz body splits its input.
    fn concat_prefixed(blobs: &[impl AsRef<[u8]>]) -> Vec<u8> {
        let mut out = Vec::new();
        for blob in blobs {
            let blob = blob.as_ref();
            out.extend_from_slice(&(blob.len() as u16).to_be_bytes());
            out.extend_from_slice(blob);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Plain random bytes: mostly foreign blobs.
        #[test]
        fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
            fuzz_decode_frame(&data);
        }

        /// Random bytes behind a valid header and checksum: reaches the assembler's
        /// hash check, decompression and RLP decoding.
        #[test]
        fn random_payload_in_valid_frames(payload in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let blobs = frames_from_compressed(&payload, 300).unwrap();
            fuzz_decode_frame(&blobs[0]);
            fuzz_decode_frame(&concat_prefixed(&blobs));
        }

        /// A real batch with one byte flipped somewhere.
        #[test]
        fn mutated_real_batch(at in any::<prop::sample::Index>(), xor in 1u8..) {
            let batch = Batch { blocks: vec![BatchBlock {
                number: 1, timestamp: 2, parent_hash: Default::default(),
                block_hash: Default::default(), state_root: Default::default(),
                gas_limit: 3, base_fee_per_gas: 4, transactions: vec![vec![5u8; 700].into()],
            }] };
            let blobs = encode_batch(&batch, 256).unwrap();
            let mut input = concat_prefixed(&blobs);
            let i = at.index(input.len());
            input[i] ^= xor;
            fuzz_decode_frame(&input);
        }
    }

    #[test]
    fn a_valid_stream_round_trips() {
        let batch = Batch::default();
        let blobs = encode_batch(&batch, 256).unwrap();
        fuzz_decode_frame(&blobs[0]);
        fuzz_decode_frame(&concat_prefixed(&blobs));
    }
}
