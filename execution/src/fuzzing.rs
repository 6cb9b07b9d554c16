//! The bodies of the execution crate's fuzz targets (`execution/fuzz`), shared with the unit
//! tests so that every `cargo test` runs them too (on proptest's inputs).

use crate::{ChainSpec, Engines, Receipt, Transaction};

/// The engines the fuzz targets decode with: the EVM of chain 1 with L1 deposits, and the key-value test
/// engine when the crate is built with `test-utils`.
fn engines() -> Engines {
    let spec = ChainSpec {
        chain_id: 1,
        evm_spec: Default::default(),
        block_gas_limit: 30_000_000,
        fee_vault: Default::default(),
    };
    let engines = Engines::new(&spec);
    #[cfg(any(test, feature = "test-utils"))]
    let engines = engines.with_kv(crate::kv::KvEngine);
    engines
}

/// Arbitrary bytes as a tagged transaction (`kind ‖ payload`: what DA batches and
/// `manifold_sendTransaction` carry), and as a stored receipt record: each decodes or fails
/// with an error, never panics; what decodes encodes back to the same bytes, and a decoded
/// transaction survives the node's own record encoding.
///
/// # Panics
/// When an invariant is broken (that is the point: the fuzzer reports it), never on bad input.
pub fn fuzz_decode_transaction(data: &[u8]) {
    if let Ok(tx) = engines().decode_tagged(data) {
        assert_eq!(tx.encode_tagged().as_ref(), data, "tagged encoding round trip");
        let mut record = Vec::new();
        tx.encode_record(&mut record);
        assert_eq!(Transaction::decode_record(&record).as_ref(), Ok(&tx), "record round trip");
    }
    if let Ok(receipt) = Receipt::decode_record(data) {
        let mut again = Vec::new();
        receipt.encode_record(&mut again);
        assert_eq!(Receipt::decode_record(&again), Ok(receipt), "receipt round trip");
    }
    let _ = Transaction::decode_record(data);
    let _ = crate::state::AccountData::decode(data);
}

/// Arbitrary bytes as a WebAssembly program: as the body of Stylus-form code (after the prefix
/// and dictionary byte) and as a module. Decoding and validation fail with an error, never
/// panic; a module that validates is instrumented (the depth counter) into a module that is
/// still valid WebAssembly.
///
/// # Panics
/// When an invariant is broken, never on bad input.
pub fn fuzz_decode_program(data: &[u8]) {
    use crate::wasm::{STYLUS_PREFIX, decode_program, depth, validate_module};
    let mut code = STYLUS_PREFIX.to_vec();
    code.push(0);
    code.extend_from_slice(data);
    let _ = decode_program(&code);
    let _ = decode_program(data);
    if validate_module(data).is_ok() {
        let instrumented = depth::instrument(data).expect("a valid module instruments");
        wasmparser::Validator::new_with_features(crate::wasm::validation::allowed_features())
            .validate_all(&instrumented)
            .expect("an instrumented module is valid");
    }
}

#[cfg(test)]
mod tests {
    use alloy_consensus::{SignableTransaction, TxEip1559, TxEnvelope};
    use alloy_eips::eip2718::Encodable2718;
    use alloy_network::TxSignerSync;
    use alloy_primitives::{Address, B256, TxKind, U256};
    use alloy_signer_local::PrivateKeySigner;
    use proptest::prelude::*;

    use super::*;
    use crate::kv::{KvOp, KvTx};

    fn valid_evm() -> Vec<u8> {
        let signer = PrivateKeySigner::from_bytes(&B256::repeat_byte(3)).unwrap();
        let mut tx = TxEip1559 {
            chain_id: 1,
            gas_limit: 21_000,
            max_fee_per_gas: 2,
            to: TxKind::Call(Address::repeat_byte(1)),
            value: U256::from(5),
            ..Default::default()
        };
        let sig = signer.sign_transaction_sync(&mut tx).unwrap();
        let env: TxEnvelope = tx.into_signed(sig).into();
        [vec![0x00], env.encoded_2718()].concat()
    }

    fn valid_kv() -> Vec<u8> {
        let key = ed25519_dalek::SigningKey::from_bytes(&[5; 32]);
        let op = KvOp::Put { key: B256::ZERO, value: vec![1, 2].into() };
        Transaction::Kv(KvTx::sign(&key, B256::ZERO, 1, vec![op])).encode_tagged().to_vec()
    }

    fn valid_deposit() -> Vec<u8> {
        let deposit = crate::deposit::DepositTx::new(
            3,
            Address::repeat_byte(1),
            crate::deposit::DepositRecipient::Svm([2; 32]),
            U256::from(7),
            0,
            vec![1, 2].into(),
            9,
            B256::repeat_byte(4),
            1,
        );
        Transaction::Deposit(deposit).encode_tagged().to_vec()
    }

    #[test]
    fn valid_transactions_round_trip() {
        for valid in [valid_evm(), valid_kv(), valid_deposit()] {
            fuzz_decode_transaction(&valid);
            assert!(engines().decode_tagged(&valid).is_ok());
        }
    }

    proptest! {
        #[test]
        fn random_bytes(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            fuzz_decode_transaction(&data);
        }

        #[test]
        fn mutated_transactions(at in any::<prop::sample::Index>(), xor in 1u8.., which in 0..3u8) {
            let mut data = match which { 0 => valid_evm(), 1 => valid_kv(), _ => valid_deposit() };
            let i = at.index(data.len());
            data[i] ^= xor;
            fuzz_decode_transaction(&data);
        }
    }
}
