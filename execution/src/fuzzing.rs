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
        assert_eq!(
            Transaction::tagged_from_record(&record).as_ref().map(|tagged| &tagged[..]),
            Ok(data),
            "tagged encoding cut from the record"
        );
    }
    if let Ok(receipt) = Receipt::decode_record(data) {
        let mut again = Vec::new();
        receipt.encode_record(&mut again);
        assert_eq!(Receipt::decode_record(&again), Ok(receipt), "receipt round trip");
    }
    let _ = Transaction::decode_record(data);
    let _ = Transaction::tagged_from_record(data);
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

/// The chain a Solana-precompile fuzz input runs on: the EVM of chain 1 with the Solana VM, and
/// a state holding a funded EVM caller, a funded Solana account, and an SPL Token mint with one
/// token account owned by the caller's Solana address.
struct SolanaCallChain {
    evm: crate::evm::EvmEngine,
    env: crate::BlockEnv,
    state: SolanaCallState,
}

/// The EVM address that calls the precompile.
const FUZZ_CALLER: alloy_primitives::Address = alloy_primitives::Address::repeat_byte(0xca);

/// The accounts of [`SolanaCallChain`], by id.
struct SolanaCallState(
    std::collections::HashMap<
        crate::AccountId,
        (crate::AccountState, Option<crate::state::AccountData>),
    >,
);

impl crate::StateView for SolanaCallState {
    fn account(
        &self,
        id: crate::AccountId,
    ) -> Result<Option<crate::AccountState>, crate::ExecutionError> {
        Ok(self.0.get(&id).map(|(record, _)| *record))
    }
    fn account_data(
        &self,
        id: crate::AccountId,
    ) -> Result<Option<crate::state::AccountData>, crate::ExecutionError> {
        Ok(self.0.get(&id).and_then(|(_, data)| data.clone()))
    }
    fn storage(
        &self,
        _: alloy_primitives::Address,
        _: alloy_primitives::U256,
    ) -> Result<alloy_primitives::U256, crate::ExecutionError> {
        Ok(alloy_primitives::U256::ZERO)
    }
    fn code(
        &self,
        _: alloy_primitives::B256,
    ) -> Result<Option<alloy_primitives::Bytes>, crate::ExecutionError> {
        Ok(None)
    }
    fn block_hash(&self, _: u64) -> Result<Option<alloy_primitives::B256>, crate::ExecutionError> {
        Ok(None)
    }
}

/// The pubkeys structured inputs pick from: the caller's Solana address, a funded system
/// account, the mint, the caller's token account, a key with no account, the System program.
fn fuzz_keys() -> [[u8; 32]; 6] {
    let caller = *crate::AccountId::from(FUZZ_CALLER).as_bytes();
    [caller, [0x51; 32], [0x52; 32], [0x53; 32], [0x54; 32], [0; 32]]
}

fn solana_call_chain() -> &'static SolanaCallChain {
    use alloy_primitives::{B256, U256};

    use crate::{
        AccountId, AccountState,
        state::{AccountData, native_token},
    };
    static CHAIN: std::sync::OnceLock<SolanaCallChain> = std::sync::OnceLock::new();
    CHAIN.get_or_init(|| {
        let svm = crate::svm::SvmEngine::new().expect("the Solana VM loads its programs");
        let evm = crate::evm::EvmEngine::new(crate::evm::EvmConfig::new(1), 30_000_000)
            .with_svm(std::sync::Arc::new(svm));
        let [caller, system, mint, token_account, ..] = fuzz_keys();
        let record = |lamports: u64| AccountState {
            balance: native_token::wei(lamports),
            ..Default::default()
        };
        let token = |data: Vec<u8>| AccountData {
            owner: AccountId::from(svm::TOKEN.to_bytes()),
            executable: false,
            rent_epoch: u64::MAX,
            data: data.into(),
        };
        let mut mint_data = vec![1, 0, 0, 0];
        mint_data.extend_from_slice(&caller);
        mint_data.extend_from_slice(&1_000u64.to_le_bytes());
        mint_data.extend_from_slice(&[0, 1]);
        mint_data.resize(82, 0);
        let mut account_data = mint.to_vec();
        account_data.extend_from_slice(&caller);
        account_data.extend_from_slice(&1_000u64.to_le_bytes());
        account_data.extend_from_slice(&[0; 36]);
        account_data.push(1);
        account_data.resize(165, 0);
        let accounts = [
            (
                caller,
                (AccountState { balance: U256::from(10u128.pow(21)), ..Default::default() }, None),
            ),
            (system, (record(10_000_000_000), None)),
            (mint, (record(10_000_000), Some(token(mint_data)))),
            (token_account, (record(10_000_000), Some(token(account_data)))),
        ];
        let state = SolanaCallState(
            accounts.into_iter().map(|(key, account)| (AccountId::new(key), account)).collect(),
        );
        let env = crate::BlockEnv {
            number: 1,
            timestamp: 1,
            gas_limit: 30_000_000,
            base_fee_per_gas: 0,
            parent_hash: B256::repeat_byte(1),
            beneficiary: Default::default(),
            prevrandao: B256::ZERO,
        };
        SolanaCallChain { evm, env, state }
    })
}

/// Arbitrary bytes as a call of the Solana precompile: with a first byte of 0, the rest is the
/// calldata as it is (ABI decoding of untrusted bytes); otherwise the bytes pick a program
/// (System, SPL Token, Memo, or none), up to four accounts with their flags, and the
/// instruction data (the programs' own decoders). The call succeeds or reverts with a reason,
/// or runs out of gas; it never fails the node, and never returns something else.
///
/// # Panics
/// When an invariant is broken, never on bad input.
pub fn fuzz_solana_call(data: &[u8]) {
    use alloy_primitives::B256;
    use alloy_sol_types::SolCall;

    use crate::cross_vm::{SOLANA_CALL, SolanaAccountMeta, invokeCall};
    let chain = solana_call_chain();
    let input = match data.split_first() {
        None => return,
        Some((0, calldata)) => calldata.to_vec(),
        Some((choice, rest)) => {
            let programs =
                [[0u8; 32], svm::TOKEN.to_bytes(), svm::GENESIS_PROGRAMS[2].id.to_bytes(), [9; 32]];
            let keys = fuzz_keys();
            let metas = rest.len().min(usize::from(choice >> 2) % 5);
            let accounts = rest[..metas]
                .iter()
                .map(|pick| SolanaAccountMeta {
                    pubkey: B256::from(keys[usize::from(pick & 7) % keys.len()]),
                    isSigner: pick & 0x10 != 0,
                    isWritable: pick & 0x20 != 0,
                })
                .collect();
            let call = invokeCall {
                programId: B256::from(programs[usize::from(choice & 3)]),
                accounts,
                data: rest[metas..].to_vec().into(),
            };
            call.abi_encode()
        }
    };
    let request = crate::evm::CallRequest {
        from: Some(FUZZ_CALLER),
        to: Some(SOLANA_CALL),
        gas: Some(2_000_000),
        input: input.into(),
        ..Default::default()
    };
    let result =
        crate::evm::simulate_call(&chain.state, &chain.evm, &chain.env, &request, 30_000_000)
            .expect("a precompile call never fails the node");
    check_solana_call(result);
}

/// The structured `fuzz_solana_call` input of a System transfer of `lamports` from the caller
/// to the funded system account (a fuzz seed; the tests check it succeeds).
pub fn solana_call_seed(lamports: u64) -> Vec<u8> {
    let mut data = vec![2 << 2, 0x30, 0x21, 2, 0, 0, 0];
    data.extend_from_slice(&lamports.to_le_bytes());
    data
}

/// What every call of `fuzz_solana_call` may end with.
fn check_solana_call(result: crate::evm::CallResult) {
    use alloy_sol_types::SolError;
    match result {
        crate::evm::CallResult::Success { .. } => {}
        crate::evm::CallResult::Revert { output, .. } => {
            let reason =
                alloy_sol_types::Revert::abi_decode(&output).expect("reverts with Error(string)");
            assert!(!reason.reason.is_empty(), "a revert says why");
        }
        crate::evm::CallResult::Halt { reason, .. } => {
            assert!(reason.contains("OutOfGas"), "only gas halts a call: {reason}")
        }
        other => panic!("a valid call is never {other:?}"),
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
    fn the_solana_call_seed_reaches_the_system_program_and_succeeds() {
        let chain = solana_call_chain();
        let data = solana_call_seed(1_000_000);
        // As `fuzz_solana_call` builds it.
        let request = |input: Vec<u8>| crate::evm::CallRequest {
            from: Some(FUZZ_CALLER),
            to: Some(crate::cross_vm::SOLANA_CALL),
            gas: Some(2_000_000),
            input: input.into(),
            ..Default::default()
        };
        let call = |input| {
            crate::evm::simulate_call(
                &chain.state,
                &chain.evm,
                &chain.env,
                &request(input),
                30_000_000,
            )
            .unwrap()
        };
        let [caller, system, ..] = fuzz_keys();
        let metas = vec![
            crate::cross_vm::SolanaAccountMeta {
                pubkey: B256::from(caller),
                isSigner: true,
                isWritable: true,
            },
            crate::cross_vm::SolanaAccountMeta {
                pubkey: B256::from(system),
                isSigner: false,
                isWritable: true,
            },
        ];
        let invoke = crate::cross_vm::invokeCall {
            programId: B256::ZERO,
            accounts: metas,
            data: data[3..].to_vec().into(),
        };
        use alloy_sol_types::SolCall;
        assert!(matches!(call(invoke.abi_encode()), crate::evm::CallResult::Success { .. }));
        // More lamports than the caller has: the System program refuses, the call reverts.
        let mut too_much = invoke.clone();
        too_much.data = solana_call_seed(u64::MAX)[3..].to_vec().into();
        assert!(matches!(call(too_much.abi_encode()), crate::evm::CallResult::Revert { .. }));
        fuzz_solana_call(&data);
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
        fn solana_calls(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            fuzz_solana_call(&data);
        }

        #[test]
        fn mutated_solana_calls(at in any::<prop::sample::Index>(), xor in 1u8..) {
            let mut data = solana_call_seed(1_000_000);
            let i = at.index(data.len());
            data[i] ^= xor;
            fuzz_solana_call(&data);
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
