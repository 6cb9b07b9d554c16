//! The bridge contracts on revm (the EVM of Manifold's L2 and dev L1): deposits, output roots
//! and their guardian, withdrawals started on the L2 contract and proven and finalized on the
//! portal — and every rejection the portal owes: a forged proof, a replay, a finalize before
//! the challenge period, a withdrawal against a deleted output. The deposit gas market is in
//! `deposit_metering.rs`.

mod support;

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_sol_types::SolConstructor;
use bridge::{
    OutputRoot, WithdrawalTree,
    contracts::{L2Withdrawals, OutputOracle, Portal, Types},
};
use support::evm_chain::EvmChain;

const DEPLOYER: Address = address!("0x00000000000000000000000000000000000d0001");
const PROPOSER: Address = address!("0x00000000000000000000000000000000000d0002");
const GUARDIAN: Address = address!("0x00000000000000000000000000000000000d0003");
const ALICE: Address = address!("0x00000000000000000000000000000000000a11ce");
const BOB: Address = address!("0x0000000000000000000000000000000000000b0b");
const CHALLENGE_PERIOD: u64 = 3_600;
const ETHER: u128 = 1_000_000_000_000_000_000;

/// An L1 with the oracle and the portal deployed, and an "L2" (a second chain) with the
/// withdrawal contract.
struct Bridge {
    l1: EvmChain,
    l2: EvmChain,
    oracle: Address,
    portal: Address,
    withdrawals: Address,
}

impl Bridge {
    fn new() -> Self {
        let mut l1 = EvmChain::new();
        for account in [DEPLOYER, PROPOSER, GUARDIAN, ALICE, BOB] {
            l1.fund(account, U256::from(100 * ETHER));
        }
        let args = OutputOracle::constructorCall {
            proposer_: PROPOSER,
            guardian_: GUARDIAN,
            challengePeriod_: U256::from(CHALLENGE_PERIOD),
        }
        .abi_encode();
        let oracle = l1.deploy(DEPLOYER, [OutputOracle::BYTECODE.as_ref(), &args].concat().into());
        let args = Portal::constructorCall { oracle_: oracle }.abi_encode();
        let portal = l1.deploy(DEPLOYER, [Portal::BYTECODE.as_ref(), &args].concat().into());
        let mut l2 = EvmChain::new();
        l2.fund(ALICE, U256::from(100 * ETHER));
        let withdrawals = l2.deploy(DEPLOYER, L2Withdrawals::BYTECODE.clone());
        Self { l1, l2, oracle, portal, withdrawals }
    }

    /// Starts a withdrawal on L2 from `from`; returns it as the portal takes it.
    fn withdraw(
        &mut self,
        from: Address,
        target: Address,
        value: u128,
        gas_limit: u64,
    ) -> Types::Withdrawal {
        let call = L2Withdrawals::initiateWithdrawalCall {
            target,
            gasLimit: U256::from(gas_limit),
            data: Bytes::new(),
        };
        let outcome = self.l2.send(from, self.withdrawals, U256::from(value), call);
        let passed = outcome.events::<L2Withdrawals::MessagePassed>();
        assert_eq!(passed.len(), 1);
        let event = &passed[0];
        Types::Withdrawal {
            nonce: event.nonce,
            sender: event.sender,
            target: event.target,
            value: event.value,
            gasLimit: event.gasLimit,
            data: event.data.clone(),
        }
    }

    /// Posts an output for L2 block `number` whose withdrawal root is `withdrawal_root`;
    /// returns its index and preimage.
    fn propose(&mut self, number: u64, withdrawal_root: B256) -> (U256, Types::OutputRootProof) {
        let output = OutputRoot::v0(
            B256::repeat_byte(0x5e),
            withdrawal_root,
            B256::repeat_byte(number as u8),
        );
        let index = self.l1.view(self.oracle, OutputOracle::nextOutputIndexCall {});
        let call = OutputOracle::proposeL2OutputCall {
            outputRoot: output.hash(),
            l2BlockNumber: U256::from(number),
        };
        self.l1.send(PROPOSER, self.oracle, U256::ZERO, call).logs();
        let proof = Types::OutputRootProof {
            version: output.version,
            stateRoot: output.state_root,
            withdrawalRoot: output.withdrawal_root,
            latestBlockhash: output.block_hash,
        };
        (index, proof)
    }

    fn prove(
        &mut self,
        w: &Types::Withdrawal,
        index: U256,
        output: &Types::OutputRootProof,
        siblings: Vec<B256>,
    ) -> support::evm_chain::Outcome {
        let call = Portal::proveWithdrawalCall {
            w: w.clone(),
            outputIndex: index,
            outputProof: output.clone(),
            siblings,
        };
        self.l1.send(BOB, self.portal, U256::ZERO, call)
    }

    fn finalize(&mut self, w: &Types::Withdrawal) -> support::evm_chain::Outcome {
        self.l1.send(BOB, self.portal, U256::ZERO, Portal::finalizeWithdrawalCall { w: w.clone() })
    }

    /// Funds the portal with a deposit of `wei` from Alice.
    fn deposit(&mut self, wei: u128) {
        let call =
            Portal::depositTransactionCall { to: ALICE, gasLimit: 21_000, data: Bytes::new() };
        self.l1.send(ALICE, self.portal, U256::from(wei), call).logs();
    }
}

fn hash(w: &Types::Withdrawal) -> B256 {
    bridge::withdrawal_hash(w)
}

#[test]
fn deposits_get_consecutive_nonces_and_hold_the_value() {
    let mut b = Bridge::new();
    let call = Portal::depositTransactionCall {
        to: BOB,
        gasLimit: 50_000,
        data: Bytes::from(vec![1, 2, 3]),
    };
    let first =
        b.l1.send(ALICE, b.portal, U256::from(ETHER), call).events::<Portal::DepositInitiated>();
    let pubkey = B256::repeat_byte(0x50);
    let call = Portal::depositToSolanaCall { pubkey };
    let second =
        b.l1.send(ALICE, b.portal, U256::from(3_000_000_000u64), call)
            .events::<Portal::DepositInitiated>();
    // A plain transfer deposits to the sender itself.
    let third =
        b.l1.send_raw(BOB, b.portal, U256::from(7), Bytes::new())
            .events::<Portal::DepositInitiated>();

    let (first, second, third) = (&first[0], &second[0], &third[0]);
    assert_eq!(
        (first.nonce, second.nonce, third.nonce),
        (U256::ZERO, U256::from(1), U256::from(2))
    );
    assert_eq!((first.from, first.to, first.vm), (ALICE, BOB.into_word(), 0));
    assert_eq!(
        (first.value, first.gasLimit, first.data.to_vec()),
        (U256::from(ETHER), 50_000, vec![1, 2, 3])
    );
    assert_eq!((second.to, second.vm, second.gasLimit), (pubkey, 1, 0));
    assert_eq!(
        (third.from, third.to, third.value, third.gasLimit),
        (BOB, BOB.into_word(), U256::from(7), 21_000)
    );
    assert_eq!(b.l1.balance(b.portal), U256::from(ETHER + 3_000_000_000 + 7));
    assert_eq!(b.l1.view(b.portal, Portal::depositNonceCall {}), U256::from(3));
}

/// Init code of a contract that forwards its calldata and value to `target` and reverts if
/// that call fails (hand-assembled: the test needs an L1 contract as depositor, nothing more).
fn forwarder(target: Address) -> Bytes {
    let mut runtime = vec![
        0x36, 0x5f, 0x5f, 0x37, // calldatacopy(0, 0, calldatasize)
        0x5f, 0x5f, 0x36, 0x5f, 0x34, // retSize, retOffset, argsSize, argsOffset, callvalue
        0x73, // push20 target
    ];
    runtime.extend_from_slice(target.as_slice());
    runtime.extend_from_slice(&[
        0x5a, 0xf1, // gas, call
        0x60, 0x26, 0x57, // push1 ok; jumpi
        0x5f, 0x5f, 0xfd, // revert(0, 0)
        0x5b, 0x00, // ok: jumpdest; stop
    ]);
    assert_eq!(runtime[0x26], 0x5b, "the jump target is the jumpdest");
    // Init: codecopy(0, 12, len); return(0, len).
    let len = runtime.len() as u8;
    let mut init = vec![0x60, len, 0x80, 0x60, 12, 0x5f, 0x39, 0x5f, 0xf3];
    init.extend_from_slice(&[0; 3]);
    init.extend_from_slice(&runtime);
    init.into()
}

#[test]
fn a_contracts_deposit_comes_from_its_aliased_address() {
    let mut b = Bridge::new();
    let forwarder = b.l1.deploy(DEPLOYER, forwarder(b.portal));
    let call = Portal::depositTransactionCall { to: BOB, gasLimit: 21_000, data: Bytes::new() };
    let outcome = b.l1.send(ALICE, forwarder, U256::from(5), call);
    let deposit = &outcome.events::<Portal::DepositInitiated>()[0];
    assert_eq!(deposit.from, bridge::contracts::alias_l1_contract(forwarder));
    assert_ne!(deposit.from, forwarder);
    assert_eq!((deposit.to, deposit.value), (BOB.into_word(), U256::from(5)));
}

#[test]
fn deposits_out_of_bounds_are_refused() {
    let mut b = Bridge::new();
    let low = Portal::depositTransactionCall { to: BOB, gasLimit: 20_999, data: Bytes::new() };
    assert_eq!(
        b.l1.send(ALICE, b.portal, U256::from(1), low).revert_reason(),
        "Portal: gas limit below 21000"
    );
    let high = Portal::depositTransactionCall { to: BOB, gasLimit: 10_000_001, data: Bytes::new() };
    assert_eq!(
        b.l1.send(ALICE, b.portal, U256::from(1), high).revert_reason(),
        "Portal: gas limit above the maximum"
    );
    let fraction = Portal::depositToSolanaCall { pubkey: B256::repeat_byte(1) };
    assert_eq!(
        b.l1.send(ALICE, b.portal, U256::from(1_500_000_000u64), fraction).revert_reason(),
        "Portal: a Solana deposit is a whole number of gwei"
    );
    assert_eq!(b.l1.view(b.portal, Portal::depositNonceCall {}), U256::ZERO);
    assert_eq!(b.l1.balance(b.portal), U256::ZERO);
}

#[test]
fn the_l2_contract_keeps_the_same_tree_as_the_rust_one() {
    let mut b = Bridge::new();
    let mut tree = WithdrawalTree::new();
    assert_eq!(b.l2.view(b.withdrawals, L2Withdrawals::withdrawalRootCall {}), tree.root());
    for i in 0..9u64 {
        let w = b.withdraw(ALICE, BOB, 1_000 + u128::from(i), 0);
        assert_eq!(w.nonce, U256::from(i));
        assert_eq!(tree.push(hash(&w)), i);
        assert!(b.l2.view(b.withdrawals, L2Withdrawals::sentMessagesCall(hash(&w))));
        assert_eq!(b.l2.view(b.withdrawals, L2Withdrawals::withdrawalRootCall {}), tree.root());
    }
    assert_eq!(b.l2.view(b.withdrawals, L2Withdrawals::messageNonceCall {}), U256::from(9));
    // The value stays locked in the contract.
    assert_eq!(b.l2.balance(b.withdrawals), U256::from(9 * 1_000 + 36));
}

#[test]
fn only_the_proposer_posts_and_only_the_guardian_deletes_unfinalized_outputs() {
    let mut b = Bridge::new();
    let call = OutputOracle::proposeL2OutputCall {
        outputRoot: B256::repeat_byte(1),
        l2BlockNumber: U256::from(10),
    };
    assert_eq!(
        b.l1.send(ALICE, b.oracle, U256::ZERO, call).revert_reason(),
        "OutputOracle: only the proposer can propose outputs"
    );
    b.propose(10, B256::ZERO);
    let call = OutputOracle::proposeL2OutputCall {
        outputRoot: B256::repeat_byte(1),
        l2BlockNumber: U256::from(10),
    };
    assert_eq!(
        b.l1.send(PROPOSER, b.oracle, U256::ZERO, call).revert_reason(),
        "OutputOracle: block number must be greater than the latest output's"
    );
    b.propose(20, B256::ZERO);
    b.propose(30, B256::ZERO);
    let after = |b: &mut Bridge, n: u64| {
        b.l1.view(
            b.oracle,
            OutputOracle::getL2OutputIndexAfterCall { l2BlockNumber: U256::from(n) },
        )
    };
    assert_eq!(
        (after(&mut b, 1), after(&mut b, 10), after(&mut b, 11), after(&mut b, 30)),
        (U256::ZERO, U256::ZERO, U256::from(1), U256::from(2))
    );

    let delete = OutputOracle::deleteL2OutputsCall { outputIndex: U256::from(1) };
    assert_eq!(
        b.l1.send(ALICE, b.oracle, U256::ZERO, delete.clone()).revert_reason(),
        "OutputOracle: only the guardian can delete outputs"
    );
    let deleted =
        b.l1.send(GUARDIAN, b.oracle, U256::ZERO, delete).events::<OutputOracle::OutputsDeleted>();
    assert_eq!(
        (deleted[0].prevNextOutputIndex, deleted[0].newNextOutputIndex),
        (U256::from(3), U256::from(1))
    );
    assert_eq!(b.l1.view(b.oracle, OutputOracle::nextOutputIndexCall {}), U256::from(1));
    assert_eq!(b.l1.view(b.oracle, OutputOracle::latestBlockNumberCall {}), U256::from(10));

    b.l1.advance(CHALLENGE_PERIOD);
    assert!(b.l1.view(b.oracle, OutputOracle::isFinalizedCall { outputIndex: U256::ZERO }));
    let delete = OutputOracle::deleteL2OutputsCall { outputIndex: U256::ZERO };
    assert_eq!(
        b.l1.send(GUARDIAN, b.oracle, U256::ZERO, delete).revert_reason(),
        "OutputOracle: cannot delete outputs that have already been finalized"
    );
}

#[test]
fn a_withdrawal_is_proven_then_finalized_after_the_challenge_period_exactly_once() {
    let mut b = Bridge::new();
    b.deposit(10 * ETHER);
    let mut tree = WithdrawalTree::new();
    // Three withdrawals; the middle one pays Bob 2 ether.
    for (value, target) in [(1_000, ALICE), (2 * ETHER, BOB), (3_000, ALICE)] {
        let w = b.withdraw(ALICE, target, value, 0);
        tree.push(hash(&w));
    }
    let w = Types::Withdrawal {
        nonce: U256::from(1),
        sender: ALICE,
        target: BOB,
        value: U256::from(2 * ETHER),
        gasLimit: U256::ZERO,
        data: Bytes::new(),
    };
    let (index, output) = b.propose(7, tree.root());
    let proof = tree.proof(1, 3).unwrap();
    let proven =
        b.prove(&w, index, &output, proof.siblings.clone()).events::<Portal::WithdrawalProven>();
    assert_eq!((proven[0].withdrawalHash, proven[0].from, proven[0].to), (hash(&w), ALICE, BOB));
    assert_eq!(
        b.prove(&w, index, &output, proof.siblings.clone()).revert_reason(),
        "Portal: withdrawal has already been proven"
    );

    // Not before the challenge period has passed.
    b.l1.advance(CHALLENGE_PERIOD - 1);
    assert_eq!(b.finalize(&w).revert_reason(), "Portal: proven withdrawal has not matured yet");
    b.l1.advance(1);
    let bob_before = b.l1.balance(BOB);
    let portal_before = b.l1.balance(b.portal);
    let finalized = b.finalize(&w).events::<Portal::WithdrawalFinalized>();
    assert_eq!((finalized[0].withdrawalHash, finalized[0].success), (hash(&w), true));
    assert_eq!(b.l1.balance(BOB) - bob_before, U256::from(2 * ETHER));
    assert_eq!(portal_before - b.l1.balance(b.portal), U256::from(2 * ETHER));

    // Exactly once: a replay is refused, and proving again too.
    assert_eq!(b.finalize(&w).revert_reason(), "Portal: withdrawal has already been finalized");
    assert_eq!(
        b.prove(&w, index, &output, proof.siblings).revert_reason(),
        "Portal: withdrawal has already been finalized"
    );
    assert_eq!(b.l1.balance(BOB) - bob_before, U256::from(2 * ETHER));
}

#[test]
fn a_withdrawal_worth_more_than_the_portal_holds_waits_for_funds_instead_of_burning() {
    let mut b = Bridge::new();
    b.deposit(ETHER);
    // The L2 may hold value that never came through the portal (genesis allocations).
    let w = b.withdraw(ALICE, BOB, 2 * ETHER, 0);
    let mut tree = WithdrawalTree::new();
    tree.push(hash(&w));
    let (index, output) = b.propose(5, tree.root());
    b.prove(&w, index, &output, tree.proof(0, 1).unwrap().siblings).logs();
    b.l1.advance(CHALLENGE_PERIOD);
    assert_eq!(
        b.finalize(&w).revert_reason(),
        "Portal: the portal holds less than the withdrawal's value"
    );
    // Still unfinalized: once the portal holds enough, it pays.
    b.deposit(5 * ETHER);
    let bob_before = b.l1.balance(BOB);
    let finalized = b.finalize(&w).events::<Portal::WithdrawalFinalized>();
    assert_eq!((finalized[0].withdrawalHash, finalized[0].success), (hash(&w), true));
    assert_eq!(b.l1.balance(BOB) - bob_before, U256::from(2 * ETHER));
}

#[test]
fn forged_proofs_are_refused() {
    let mut b = Bridge::new();
    b.deposit(10 * ETHER);
    let mut tree = WithdrawalTree::new();
    let w = b.withdraw(ALICE, ALICE, ETHER, 0);
    tree.push(hash(&w));
    let (index, output) = b.propose(3, tree.root());
    let proof = tree.proof(0, 1).unwrap();

    // More value than was withdrawn.
    let inflated = Types::Withdrawal { value: U256::from(5 * ETHER), ..w.clone() };
    assert_eq!(
        b.prove(&inflated, index, &output, proof.siblings.clone()).revert_reason(),
        "Portal: invalid withdrawal inclusion proof"
    );
    // Another nonce for the same withdrawal (the leaf at another index).
    let moved = Types::Withdrawal { nonce: U256::from(1), ..w.clone() };
    assert_eq!(
        b.prove(&moved, index, &output, proof.siblings.clone()).revert_reason(),
        "Portal: invalid withdrawal inclusion proof"
    );
    // A sibling changed.
    let mut siblings = proof.siblings.clone();
    siblings[5] = B256::repeat_byte(9);
    assert_eq!(
        b.prove(&w, index, &output, siblings).revert_reason(),
        "Portal: invalid withdrawal inclusion proof"
    );
    // A short proof.
    assert_eq!(
        b.prove(&w, index, &output, proof.siblings[..31].to_vec()).revert_reason(),
        "WithdrawalTree: a proof has 32 siblings"
    );
    // A withdrawal root that is not the posted one's: a tree with a forged leaf in it.
    let mut forged_tree = tree.clone();
    let forged =
        Types::Withdrawal { nonce: U256::from(1), value: U256::from(9 * ETHER), ..w.clone() };
    forged_tree.push(hash(&forged));
    let forged_output =
        Types::OutputRootProof { withdrawalRoot: forged_tree.root(), ..output.clone() };
    assert_eq!(
        b.prove(&forged, index, &forged_output, forged_tree.proof(1, 2).unwrap().siblings)
            .revert_reason(),
        "Portal: invalid output root proof"
    );
    // An output that was never posted.
    assert_eq!(
        b.prove(&w, index + U256::from(1), &output, proof.siblings.clone()).revert_reason(),
        "OutputOracle: no output at this index"
    );
    // Not proven: nothing to finalize.
    b.l1.advance(CHALLENGE_PERIOD);
    assert_eq!(b.finalize(&forged).revert_reason(), "Portal: withdrawal has not been proven yet");
}

#[test]
fn a_withdrawal_against_a_deleted_output_is_refused_until_proven_again() {
    let mut b = Bridge::new();
    b.deposit(10 * ETHER);
    let mut tree = WithdrawalTree::new();
    let w = b.withdraw(ALICE, BOB, ETHER, 0);
    tree.push(hash(&w));
    let (index, output) = b.propose(3, tree.root());
    let siblings = tree.proof(0, 1).unwrap().siblings;
    b.prove(&w, index, &output, siblings.clone()).logs();

    // The guardian deletes the output within the challenge period.
    b.l1.send(
        GUARDIAN,
        b.oracle,
        U256::ZERO,
        OutputOracle::deleteL2OutputsCall { outputIndex: index },
    )
    .logs();
    b.l1.advance(CHALLENGE_PERIOD);
    assert_eq!(
        b.finalize(&w).revert_reason(),
        "Portal: output root proven against was deleted; prove again"
    );
    assert_eq!(
        b.prove(&w, index, &output, siblings.clone()).revert_reason(),
        "OutputOracle: no output at this index"
    );

    // A new output at the same index with another root: the old proof still does not stand.
    let (same_index, replacement) = b.propose(4, tree.root());
    assert_eq!(same_index, index);
    assert_eq!(
        b.finalize(&w).revert_reason(),
        "Portal: output root proven against was deleted; prove again"
    );
    // Proven again against it, the withdrawal waits a full period from the new proof.
    b.prove(&w, same_index, &replacement, siblings).logs();
    assert_eq!(b.finalize(&w).revert_reason(), "Portal: proven withdrawal has not matured yet");
    b.l1.advance(CHALLENGE_PERIOD);
    let bob_before = b.l1.balance(BOB);
    assert!(b.finalize(&w).events::<Portal::WithdrawalFinalized>()[0].success);
    assert_eq!(b.l1.balance(BOB) - bob_before, U256::from(ETHER));
}
