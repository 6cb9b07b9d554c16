//! Finalizing a withdrawal with as little gas as the finalizer likes, on revm: anyone may
//! finalize anyone's withdrawal, and a finalize that does not revert is final, so the portal
//! must never let one through whose call got less than the withdrawal's gas limit — whatever
//! the size of the withdrawal's data, whatever the target does with its gas or returns. Each
//! case searches the smallest transaction gas limit at which `finalizeWithdrawal` does not
//! revert and checks that the target got its gas limit there and above. Expected bounds come
//! from the rule documented on `Portal` ([`gas_at_check`]), not from a run.

mod support;

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_sol_types::SolConstructor;
use bridge::{
    OutputRoot, WithdrawalTree,
    contracts::{OutputOracle, Portal, Types},
};
use revm::primitives::hardfork::SpecId;
use support::evm_chain::{EvmChain, Outcome, TX_GAS_LIMIT};

const DEPLOYER: Address = address!("0x00000000000000000000000000000000000d0001");
const ALICE: Address = address!("0x00000000000000000000000000000000000a11ce");
/// Finalizes other people's withdrawals with the least gas it can.
const GRIEFER: Address = address!("0x0000000000000000000000000000000000006ee1");
const CHALLENGE_PERIOD: u64 = 60;
const ETHER: u128 = 1_000_000_000_000_000_000;
/// What each withdrawal pays its target.
const VALUE: u128 = 1_000_000_000;

/// The finalize rule, as documented on `Portal` (checked against the contract by
/// [`the_reserves_are_the_documented_ones`]): at its gas check, `finalizeWithdrawal` needs
/// `ceil(gasLimit * 64 / 63) + FINALIZE_CALL_OVERHEAD + FINALIZE_RESERVE` gas left.
/// The CALL's worst case besides the gas it passes: a cold account (2,600), a value transfer
/// (9,000), a new account (25,000).
const FINALIZE_CALL_OVERHEAD: u64 = 2_600 + 9_000 + 25_000;
/// The rest of the finalize from its gas check on, the call aside.
const FINALIZE_RESERVE: u64 = 5_000;
/// The largest gas limit a withdrawal may have (`type(uint64).max`).
const MAX_WITHDRAWAL_GAS_LIMIT: u64 = u64::MAX;
/// The portal's revert when the finalizer gave too little gas.
const INSUFFICIENT_GAS: &str = "Portal: insufficient gas to finalize withdrawal";
/// The portal's revert for a gas limit above [`MAX_WITHDRAWAL_GAS_LIMIT`].
const GAS_LIMIT_TOO_LARGE: &str = "Portal: withdrawal gas limit is larger than any block";

/// Gas a call with value gives the callee on top of the gas the caller names (the stipend).
const CALL_STIPEND: u64 = 2_300;
/// The cost of the `GAS` opcode: a target's first opcode reads what it got minus this.
const GAS_OPCODE: u64 = 2;
/// Intrinsic gas of any transaction: a finalize never gets through below it.
const TX_BASE_GAS: u64 = 21_000;

/// Gas `finalizeWithdrawal` needs left at its gas check for a withdrawal of gas limit
/// `gas_limit`: the rule.
fn gas_at_check(gas_limit: u64) -> u64 {
    (gas_limit * 64).div_ceil(63) + FINALIZE_CALL_OVERHEAD + FINALIZE_RESERVE
}

/// What a target does once it has checked its gas.
#[derive(Clone, Copy, Debug)]
enum Then {
    /// Stops.
    Stop,
    /// Returns this many zero bytes (paying for the memory itself).
    Return(u32),
    /// Burns all its gas (`INVALID`).
    BurnAll,
}

/// Runtime code of a target that reverts unless it started with at least `need` gas, then does
/// `then`. Hand-assembled: `GAS PUSH3 need GT PUSH1 fail JUMPI <then> fail: JUMPDEST PUSH0 DUP1
/// REVERT`.
fn target_code(need: u64, then: Then) -> Bytes {
    let need = u32::try_from(need).expect("need fits the PUSH3");
    assert!(need < 1 << 24);
    let mut code = vec![0x5a, 0x62]; // gas; push3 need
    code.extend_from_slice(&need.to_be_bytes()[1..]);
    code.extend_from_slice(&[0x11, 0x60, 0x00, 0x57]); // gt; push1 fail; jumpi
    match then {
        Then::Stop => code.push(0x00),
        Then::Return(len) => {
            assert!(len < 1 << 24);
            code.push(0x62); // push3 len
            code.extend_from_slice(&len.to_be_bytes()[1..]);
            code.extend_from_slice(&[0x5f, 0xf3]); // push0; return
        }
        Then::BurnAll => code.push(0xfe),
    }
    let fail = code.len();
    code[7] = u8::try_from(fail).unwrap();
    code.extend_from_slice(&[0x5b, 0x5f, 0x80, 0xfd]); // fail: jumpdest; push0; dup1; revert
    code.into()
}

/// The least gas the target of a withdrawal with value and gas limit `gas_limit` must start
/// with: the gas limit and the stipend, read after the `GAS` opcode.
fn need(gas_limit: u64) -> u64 {
    gas_limit + CALL_STIPEND - GAS_OPCODE
}

/// An L1 with the oracle and the portal deployed, following `spec`'s rules, the portal funded.
struct L1 {
    chain: EvmChain,
    oracle: Address,
    portal: Address,
}

impl L1 {
    fn new(spec: SpecId) -> Self {
        let mut chain = EvmChain::with_spec(spec);
        for account in [DEPLOYER, ALICE, GRIEFER] {
            chain.fund(account, U256::from(1_000 * ETHER));
        }
        let args = OutputOracle::constructorCall {
            proposer_: DEPLOYER,
            guardian_: DEPLOYER,
            challengePeriod_: U256::from(CHALLENGE_PERIOD),
        }
        .abi_encode();
        let oracle =
            chain.deploy(DEPLOYER, [OutputOracle::BYTECODE.as_ref(), &args].concat().into());
        let args = Portal::constructorCall { oracle_: oracle }.abi_encode();
        let portal = chain.deploy(DEPLOYER, [Portal::BYTECODE.as_ref(), &args].concat().into());
        let deposit =
            Portal::depositTransactionCall { to: ALICE, gasLimit: 21_000, data: Bytes::new() };
        chain.send(ALICE, portal, U256::from(10 * ETHER), deposit).logs();
        Self { chain, oracle, portal }
    }

    /// Proves `withdrawals` (nonces 0, 1, …) against one new output and waits out the
    /// challenge period: they are ready to finalize.
    fn prove_all(&mut self, withdrawals: &[Types::Withdrawal]) {
        let mut tree = WithdrawalTree::new();
        for (i, w) in withdrawals.iter().enumerate() {
            assert_eq!(w.nonce, U256::from(i));
            tree.push(bridge::withdrawal_hash(w));
        }
        let output = OutputRoot::v0(B256::repeat_byte(0x5e), tree.root(), B256::repeat_byte(1));
        let index = self.chain.view(self.oracle, OutputOracle::nextOutputIndexCall {});
        let number = U256::from(10 * (index.to::<u64>() + 1));
        let propose =
            OutputOracle::proposeL2OutputCall { outputRoot: output.hash(), l2BlockNumber: number };
        self.chain.send(DEPLOYER, self.oracle, U256::ZERO, propose).logs();
        let proof = Types::OutputRootProof {
            version: output.version,
            stateRoot: output.state_root,
            withdrawalRoot: output.withdrawal_root,
            latestBlockhash: output.block_hash,
        };
        let size = withdrawals.len() as u64;
        for (i, w) in withdrawals.iter().enumerate() {
            let call = Portal::proveWithdrawalCall {
                w: w.clone(),
                outputIndex: index,
                outputProof: proof.clone(),
                siblings: tree.proof(i as u64, size).unwrap().siblings,
            };
            self.chain.send(ALICE, self.portal, U256::ZERO, call).logs();
        }
        self.chain.advance(CHALLENGE_PERIOD);
    }

    /// What the griefer's `finalizeWithdrawal(w)` with transaction gas limit `gas` would do.
    fn try_finalize(&mut self, w: &Types::Withdrawal, gas: u64) -> Outcome {
        let call = Portal::finalizeWithdrawalCall { w: w.clone() };
        self.chain.simulate_with_gas(GRIEFER, self.portal, U256::ZERO, &call, gas)
    }

    /// The smallest transaction gas limit at which `finalizeWithdrawal(w)` does not revert.
    fn least_finalize_gas(&mut self, w: &Types::Withdrawal) -> u64 {
        let passes =
            |l1: &mut Self, gas| matches!(l1.try_finalize(w, gas), Outcome::Success { .. });
        let (mut fails, mut passes_at) = (TX_BASE_GAS, TX_GAS_LIMIT);
        assert!(!passes(self, fails));
        assert!(passes(self, passes_at), "{:?}", self.try_finalize(w, passes_at));
        while passes_at - fails > 1 {
            let mid = fails + (passes_at - fails) / 2;
            if passes(self, mid) {
                passes_at = mid;
            } else {
                fails = mid;
            }
        }
        passes_at
    }

    /// Whether the call of the `finalizeWithdrawal(w)` with gas `gas` succeeded, by its event.
    fn call_succeeds(&mut self, w: &Types::Withdrawal, gas: u64) -> bool {
        let finalized = self.try_finalize(w, gas).events::<Portal::WithdrawalFinalized>();
        assert_eq!(finalized.len(), 1);
        assert_eq!(finalized[0].withdrawalHash, bridge::withdrawal_hash(w));
        finalized[0].success
    }

    /// The gas a finalize with plenty of gas uses.
    fn gas_used_with_plenty(&mut self, w: &Types::Withdrawal) -> u64 {
        self.try_finalize(w, TX_GAS_LIMIT).gas_used()
    }
}

/// Target `i`'s address (each with the same number of nonzero bytes, so their withdrawals cost
/// the same calldata).
fn target(i: u8) -> Address {
    Address::left_padding_from(&[0x7a, i + 1])
}

fn withdrawal(nonce: u64, target: Address, gas_limit: U256, data: Vec<u8>) -> Types::Withdrawal {
    Types::Withdrawal {
        nonce: U256::from(nonce),
        sender: ALICE,
        target,
        value: U256::from(VALUE),
        gasLimit: gas_limit,
        data: data.into(),
    }
}

/// The forks the cases run under: Cancun (the contracts' EVM version; a transaction pays for
/// its calldata, nothing more) and Osaka, revm's default (with EIP-7623's calldata floor, which
/// may make a finalize with large data dearer than its gas check asks).
const SPECS: [SpecId; 2] = [SpecId::CANCUN, SpecId::OSAKA];

#[test]
fn a_finalize_that_does_not_revert_gave_the_target_its_gas_limit() {
    const GAS_LIMITS: [u64; 2] = [100_000, 500_000];
    const DATA_SIZES: [usize; 3] = [0, 20_000, 100_000];
    for spec in SPECS {
        let mut l1 = L1::new(spec);
        let mut cases = Vec::new();
        for gas_limit in GAS_LIMITS {
            for size in DATA_SIZES {
                let i = cases.len() as u8;
                l1.chain.set_code(target(i), target_code(need(gas_limit), Then::Stop));
                let data = vec![0xab; size];
                cases.push((
                    gas_limit,
                    withdrawal(i.into(), target(i), U256::from(gas_limit), data),
                ));
            }
        }
        let withdrawals: Vec<_> = cases.iter().map(|(_, w)| w.clone()).collect();
        l1.prove_all(&withdrawals);

        for (gas_limit, w) in &cases {
            let case = format!("{spec:?}, gas limit {gas_limit}, {} bytes of data", w.data.len());
            let least = l1.least_finalize_gas(w);
            // Below it, the finalize reverts by the gas check (or, under the calldata floor,
            // the transaction is not even valid): never a finalize whose call came up short.
            let below = l1.try_finalize(w, least - 1);
            let reason = below.revert_reason();
            assert!(
                reason == INSUFFICIENT_GAS || reason.starts_with("invalid: "),
                "{case}: {reason}"
            );
            if spec == SpecId::CANCUN {
                assert_eq!(reason, INSUFFICIENT_GAS, "{case}");
            }
            // The gas check asks for the rule's gas on top of what came before it, no more.
            let plenty = l1.gas_used_with_plenty(w);
            assert!(least >= TX_BASE_GAS + gas_at_check(*gas_limit), "{case}: {least}");
            assert!(least <= plenty + gas_at_check(*gas_limit), "{case}: {least} vs {plenty}");
            for extra in [0, 1, 2, 3, 63, 64, 1_000, 30_000, 100_000] {
                assert!(
                    l1.call_succeeds(w, least + extra),
                    "{case}: the call failed at {least} + {extra}"
                );
            }
            // Committed at the least gas: the target is paid, once.
            let before = l1.chain.balance(w.target);
            let call = Portal::finalizeWithdrawalCall { w: w.clone() };
            let outcome = l1.chain.send_with_gas(GRIEFER, l1.portal, U256::ZERO, call, least);
            assert!(outcome.events::<Portal::WithdrawalFinalized>()[0].success, "{case}");
            assert_eq!(l1.chain.balance(w.target) - before, U256::from(VALUE), "{case}");
            let hash = bridge::withdrawal_hash(w);
            assert!(l1.chain.view(l1.portal, Portal::finalizedWithdrawalsCall(hash)), "{case}");
        }
    }
}

#[test]
fn what_the_target_does_with_its_gas_costs_the_finalizer_nothing() {
    const GAS_LIMIT: u64 = 500_000;
    // Returning this much costs the target about half its gas limit in memory.
    const RETURNED: u32 = 320_000;
    for spec in SPECS {
        let mut l1 = L1::new(spec);
        let thens = [Then::Stop, Then::Return(RETURNED), Then::BurnAll];
        // Nonces 1, 2 and 3, so that the withdrawals cost the same calldata: nonce 0 is another.
        let mut withdrawals = vec![withdrawal(0, ALICE, U256::ZERO, Vec::new())];
        for (i, then) in thens.iter().enumerate() {
            let i = i as u8;
            l1.chain.set_code(target(i), target_code(need(GAS_LIMIT), *then));
            let nonce = u64::from(i) + 1;
            withdrawals.push(withdrawal(nonce, target(i), U256::from(GAS_LIMIT), Vec::new()));
        }
        l1.prove_all(&withdrawals);
        let withdrawals = &withdrawals[1..];
        let least: Vec<u64> = withdrawals.iter().map(|w| l1.least_finalize_gas(w)).collect();
        // The same for all: the gas check binds, not what happens after the call (the
        // portal copies no return data, and keeps its reserve whatever the target burns).
        assert_eq!(least, vec![least[0]; thens.len()], "{spec:?}");
        assert!(l1.call_succeeds(&withdrawals[0], least[0]), "{spec:?}");
        assert!(l1.call_succeeds(&withdrawals[1], least[1]), "{spec:?}");
        // It used all it got and failed, by its own doing; it got its gas limit all the same.
        assert!(!l1.call_succeeds(&withdrawals[2], least[2]), "{spec:?}");
    }
}

#[test]
fn a_gas_limit_no_block_can_hold_is_refused_with_a_reason() {
    let mut l1 = L1::new(SpecId::default());
    let limits = [U256::MAX, U256::from(MAX_WITHDRAWAL_GAS_LIMIT) + U256::from(1)];
    let mut withdrawals: Vec<_> = (0..limits.len() as u64)
        .map(|i| withdrawal(i, target(0), limits[i as usize], Vec::new()))
        .collect();
    // The largest one allowed only ever lacks gas.
    withdrawals.push(withdrawal(
        limits.len() as u64,
        target(0),
        U256::from(MAX_WITHDRAWAL_GAS_LIMIT),
        Vec::new(),
    ));
    l1.prove_all(&withdrawals);
    for w in &withdrawals[..limits.len()] {
        assert_eq!(l1.try_finalize(w, TX_GAS_LIMIT).revert_reason(), GAS_LIMIT_TOO_LARGE);
    }
    assert_eq!(
        l1.try_finalize(&withdrawals[limits.len()], TX_GAS_LIMIT).revert_reason(),
        INSUFFICIENT_GAS
    );
}

#[test]
fn the_reserves_are_the_documented_ones() {
    let mut l1 = L1::new(SpecId::default());
    let portal = l1.portal;
    assert_eq!(
        l1.chain.view(portal, Portal::FINALIZE_CALL_OVERHEADCall {}),
        U256::from(FINALIZE_CALL_OVERHEAD)
    );
    assert_eq!(
        l1.chain.view(portal, Portal::FINALIZE_RESERVECall {}),
        U256::from(FINALIZE_RESERVE)
    );
    assert_eq!(
        l1.chain.view(portal, Portal::MAX_WITHDRAWAL_GAS_LIMITCall {}),
        U256::from(MAX_WITHDRAWAL_GAS_LIMIT)
    );
}
