//! The portal's deposit gas market (`ResourceMetering`) on revm: a deposit burns L1 gas for the
//! L2 gas it buys, at the deposit base fee over the L1's base fee (floored at 1 gwei); the base
//! fee rises after an L1 block that bought more than the target and falls back over L1 blocks
//! that bought nothing; one L1 block buys at most the maximum; a Solana deposit buys the gas of
//! an L2 transaction too. Expected numbers come from the rule (see [`next_base_fee`]), not
//! from a run.

mod support;

use alloy_primitives::{Address, B256, Bytes, U256, address};
use alloy_sol_types::{SolCall, SolConstructor};
use bridge::contracts::{OutputOracle, Portal};
use support::evm_chain::{EvmChain, Outcome};

const DEPLOYER: Address = address!("0x00000000000000000000000000000000000d0001");
const ALICE: Address = address!("0x00000000000000000000000000000000000a11ce");
const BOB: Address = address!("0x0000000000000000000000000000000000000b0b");
const ETHER: u128 = 1_000_000_000_000_000_000;
const GWEI: u64 = 1_000_000_000;

/// The metering's parameters, as documented on `ResourceMetering` (checked against the
/// contract by [`the_parameters_are_the_documented_ones`]).
const MAX_RESOURCE_LIMIT: u64 = 20_000_000;
const TARGET_RESOURCE_LIMIT: u64 = MAX_RESOURCE_LIMIT / 10;
const MINIMUM_BASE_FEE: u128 = GWEI as u128;
const MIN_DEPOSIT_GAS: u64 = 21_000;
const MAX_DEPOSIT_GAS: u64 = 10_000_000;
/// The portal's revert when an L1 block's deposits would buy more than the maximum.
const OVER_THE_LIMIT: &str = "ResourceMetering: this L1 block's deposits bought the most L2 gas \
                              allowed; deposit in a later block";
/// One turn of the portal's burn loop costs less than this (28 gas: `GAS`, `SUB`, `LT`, `JUMPI`
/// and stack moves). The loop stops at the first turn that has spent at least the burn, so two
/// measured burns differ from the rule's difference by less than a turn.
const BURN_LOOP_TURN: u64 = 40;

/// The deposit base fee `blocks` (> 0) L1 blocks after one that bought `bought` L2 gas at
/// `fee`, the blocks in between having bought nothing — the rule, in Rust: the last block moves
/// the fee by `fee * (bought - target) / (target * 8)` (rounded toward zero), each empty block
/// lowers it by `fee / 8` (rounded down), and it never goes below 1 gwei.
fn next_base_fee(fee: u128, bought: u64, blocks: u64) -> u128 {
    let target = i128::from(TARGET_RESOURCE_LIMIT);
    let fee = fee as i128;
    let delta = fee * (i128::from(bought) - target) / (target * 8);
    let mut next = ((fee + delta) as u128).max(MINIMUM_BASE_FEE);
    for _ in 1..blocks {
        next = (next - next / 8).max(MINIMUM_BASE_FEE);
    }
    next
}

/// L1 gas a deposit buying `l2_gas` at deposit base fee `fee` burns in an L1 block of base fee
/// `l1_basefee`.
fn burn(l2_gas: u64, fee: u128, l1_basefee: u64) -> u64 {
    (u128::from(l2_gas) * fee / u128::from(l1_basefee.max(GWEI))) as u64
}

/// An L1 with the oracle and the portal deployed.
struct L1 {
    chain: EvmChain,
    portal: Address,
}

impl L1 {
    fn new() -> Self {
        let mut chain = EvmChain::new();
        for account in [DEPLOYER, ALICE, BOB] {
            chain.fund(account, U256::from(1_000 * ETHER));
        }
        let args = OutputOracle::constructorCall {
            proposer_: DEPLOYER,
            guardian_: DEPLOYER,
            challengePeriod_: U256::from(60),
        }
        .abi_encode();
        let oracle =
            chain.deploy(DEPLOYER, [OutputOracle::BYTECODE.as_ref(), &args].concat().into());
        let args = Portal::constructorCall { oracle_: oracle }.abi_encode();
        let portal = chain.deploy(DEPLOYER, [Portal::BYTECODE.as_ref(), &args].concat().into());
        Self { chain, portal }
    }

    fn evm_call(gas_limit: u64) -> Portal::depositTransactionCall {
        Portal::depositTransactionCall { to: BOB, gasLimit: gas_limit, data: Bytes::new() }
    }

    fn svm_call() -> Portal::depositToSolanaCall {
        Portal::depositToSolanaCall { pubkey: B256::repeat_byte(0x50) }
    }

    /// An EVM deposit of 1 wei buying `gas_limit` L2 gas, the last transaction of its block.
    fn deposit(&mut self, gas_limit: u64) -> Outcome {
        self.chain.send(ALICE, self.portal, U256::from(1), Self::evm_call(gas_limit))
    }

    /// [`Self::deposit`], with more transactions to come in the same block.
    fn deposit_in_block(&mut self, gas_limit: u64) -> Outcome {
        self.chain.send_in_block(ALICE, self.portal, U256::from(1), Self::evm_call(gas_limit))
    }

    /// A Solana deposit of 1 gwei, the last transaction of its block.
    fn deposit_to_solana(&mut self) -> Outcome {
        self.chain.send(ALICE, self.portal, U256::from(GWEI), Self::svm_call())
    }

    /// `(prevBaseFee, prevBoughtGas, prevBlockNum)`.
    fn params(&mut self) -> (u128, u64, u64) {
        let p = self.chain.view(self.portal, Portal::paramsCall {});
        (p.prevBaseFee, p.prevBoughtGas, p.prevBlockNum)
    }

    /// What a deposit in the next transaction's block pays per L2 gas, by the contract.
    fn base_fee_now(&mut self) -> u128 {
        let number = U256::from(self.chain.number());
        self.chain.view(self.portal, Portal::baseFeeAtCall { blockNumber: number })
    }

    fn nonce(&mut self) -> U256 {
        self.chain.view(self.portal, Portal::depositNonceCall {})
    }
}

/// Intrinsic gas of `call`'s calldata: 16 a nonzero byte, 4 a zero byte.
fn calldata_gas(call: &impl SolCall) -> u64 {
    call.abi_encode().iter().map(|&b| if b == 0 { 4 } else { 16 }).sum()
}

/// Asserts that `measured` is `expected` burned gas, to within a turn of the burn loop.
fn assert_burn(measured: i128, expected: i128, what: &str) {
    assert!(
        (measured - expected).unsigned_abs() < u128::from(BURN_LOOP_TURN),
        "{what}: burned {measured} L1 gas more, the rule says {expected}"
    );
}

#[test]
fn the_parameters_are_the_documented_ones() {
    let mut l1 = L1::new();
    let c = &mut l1.chain;
    let p = l1.portal;
    assert_eq!(c.view(p, Portal::MAX_RESOURCE_LIMITCall {}), MAX_RESOURCE_LIMIT);
    assert_eq!(c.view(p, Portal::ELASTICITY_MULTIPLIERCall {}), 10);
    assert_eq!(c.view(p, Portal::TARGET_RESOURCE_LIMITCall {}), TARGET_RESOURCE_LIMIT);
    assert_eq!(c.view(p, Portal::BASE_FEE_MAX_CHANGE_DENOMINATORCall {}), 8);
    assert_eq!(c.view(p, Portal::MINIMUM_BASE_FEECall {}), MINIMUM_BASE_FEE);
    assert_eq!(c.view(p, Portal::MAXIMUM_BASE_FEECall {}), u128::MAX);
    assert_eq!(c.view(p, Portal::L1_BASE_FEE_FLOORCall {}), U256::from(GWEI));
    assert_eq!(c.view(p, Portal::SVM_DEPOSIT_GASCall {}), MIN_DEPOSIT_GAS);
    // The node refuses blocks smaller than the largest deposit: the same number.
    assert_eq!(c.view(p, Portal::MAX_DEPOSIT_GASCall {}), MAX_DEPOSIT_GAS);
    assert_eq!(node_config::PORTAL_MAX_DEPOSIT_GAS, MAX_DEPOSIT_GAS);
    // The market starts at the minimum, in the block of the deployment, with nothing bought.
    let number = l1.chain.number();
    assert_eq!(l1.params(), (MINIMUM_BASE_FEE, 0, number));
}

#[test]
fn a_deposit_burns_l1_gas_for_the_l2_gas_it_buys() {
    // The same first deposit on fresh portals, buying more or less L2 gas, in L1 blocks of
    // several base fees: what it costs beyond its calldata grows with the gas bought, by the
    // burn `gasLimit * 1 gwei / max(L1 base fee, 1 gwei)` (the deposit base fee is the minimum).
    let execution_gas = |gas_limit: u64, l1_basefee: u64| {
        let mut l1 = L1::new();
        l1.chain.basefee = l1_basefee;
        let used = l1.deposit(gas_limit).gas_used();
        assert_eq!(l1.params().1, gas_limit, "the deposit bought its gas limit");
        i128::from(used - calldata_gas(&L1::evm_call(gas_limit)))
    };
    // Below the floor (a dev L1 whose base fee has decayed), at it, and above it.
    for l1_basefee in [7, GWEI, 4 * GWEI, 25 * GWEI] {
        let least = execution_gas(MIN_DEPOSIT_GAS, l1_basefee);
        for gas_limit in [100_000, 1_000_000, MAX_DEPOSIT_GAS] {
            let expected = i128::from(burn(gas_limit, MINIMUM_BASE_FEE, l1_basefee))
                - i128::from(burn(MIN_DEPOSIT_GAS, MINIMUM_BASE_FEE, l1_basefee));
            assert_burn(
                execution_gas(gas_limit, l1_basefee) - least,
                expected,
                &format!("gas limit {gas_limit} at an L1 base fee of {l1_basefee} wei"),
            );
        }
    }
    // Concretely: at an L1 base fee of 1 gwei or less, the largest deposit burns 10M L1 gas;
    // at 4 gwei, a quarter of that.
    assert_eq!(burn(MAX_DEPOSIT_GAS, MINIMUM_BASE_FEE, 7), 10_000_000);
    assert_eq!(burn(MAX_DEPOSIT_GAS, MINIMUM_BASE_FEE, 4 * GWEI), 2_500_000);
    // The depositor pays the burn at its gas price: it is in the receipt's gas.
    let mut l1 = L1::new();
    let used = l1.deposit(MAX_DEPOSIT_GAS).gas_used();
    assert!(used > MAX_DEPOSIT_GAS, "{used}");
}

#[test]
fn the_base_fee_rises_after_a_block_over_the_target_and_falls_back_over_empty_blocks() {
    let mut l1 = L1::new();
    // Block A buys the maximum: 20M, ten times the target.
    let a = l1.chain.number();
    l1.deposit_in_block(MAX_DEPOSIT_GAS).logs();
    l1.deposit(MAX_DEPOSIT_GAS).logs();
    assert_eq!(l1.params(), (MINIMUM_BASE_FEE, MAX_RESOURCE_LIMIT, a));
    // The next block's fee: 1 gwei + 1 gwei * (20M - 2M) / (2M * 8) = 2.125 gwei.
    assert_eq!(l1.base_fee_now(), 2_125_000_000);
    assert_eq!(next_base_fee(MINIMUM_BASE_FEE, MAX_RESOURCE_LIMIT, 1), 2_125_000_000);

    // Block A+1 buys exactly the target: the fee stays.
    l1.deposit_in_block(1_000_000).logs();
    l1.deposit(1_000_000).logs();
    assert_eq!(l1.params(), (2_125_000_000, TARGET_RESOURCE_LIMIT, a + 1));
    assert_eq!(l1.base_fee_now(), 2_125_000_000);

    // Block A+2 buys less than the target, then three L1 blocks have no deposit: the fee
    // falls by 2.125 gwei * (21000 - 2M) / 16M (toward zero: 262,835,937) for A+2, then by
    // an eighth (rounded down) for each of the three empty blocks.
    l1.deposit(MIN_DEPOSIT_GAS).logs();
    assert_eq!(l1.params(), (2_125_000_000, MIN_DEPOSIT_GAS, a + 2));
    l1.chain.skip_blocks(3);
    let after_a2 = 2_125_000_000 - 262_835_937;
    let mut expected = after_a2;
    for _ in 0..3 {
        expected -= expected / 8;
    }
    assert_eq!(expected, next_base_fee(2_125_000_000, MIN_DEPOSIT_GAS, 4));
    assert_eq!(l1.base_fee_now(), expected);
    l1.deposit(MIN_DEPOSIT_GAS).logs();
    assert_eq!(l1.params(), (expected, MIN_DEPOSIT_GAS, a + 6));
    assert!(expected < after_a2 && expected > MINIMUM_BASE_FEE);

    // A long quiet spell brings it back to the minimum, and no lower.
    l1.chain.skip_blocks(1_000_000);
    assert_eq!(l1.base_fee_now(), MINIMUM_BASE_FEE);
    l1.deposit(MIN_DEPOSIT_GAS).logs();
    assert_eq!(l1.params().0, MINIMUM_BASE_FEE);

    // However high the fee, the catch-up stops at the minimum: a deposit after a gap is cheap
    // to send. Six blocks at the maximum push the fee to 2.125^6 gwei (on an L1 whose base fee
    // of 1000 gwei keeps those burns within a transaction); a thousand empty blocks bring it
    // back.
    l1.chain.basefee = 1_000 * GWEI;
    let mut fee = MINIMUM_BASE_FEE;
    for _ in 0..6 {
        l1.deposit_in_block(MAX_DEPOSIT_GAS).logs();
        l1.deposit(MAX_DEPOSIT_GAS).logs();
        assert_eq!(l1.params().0, fee);
        fee = next_base_fee(fee, MAX_RESOURCE_LIMIT, 1);
    }
    assert_eq!(l1.base_fee_now(), fee);
    assert!(fee > 90 * MINIMUM_BASE_FEE, "{fee}");
    l1.chain.skip_blocks(999);
    assert_eq!(l1.base_fee_now(), MINIMUM_BASE_FEE);
}

#[test]
fn an_l1_block_buys_at_most_the_max_resource_limit() {
    let mut l1 = L1::new();
    let block = l1.chain.number();
    // 10M + 9,979,000 = 19,979,000: 21,000 short of the maximum.
    l1.deposit_in_block(MAX_DEPOSIT_GAS).logs();
    l1.deposit_in_block(MAX_RESOURCE_LIMIT - MAX_DEPOSIT_GAS - MIN_DEPOSIT_GAS).logs();
    // One gas more than is left: refused, nothing bought.
    let over = l1.deposit_in_block(MIN_DEPOSIT_GAS + 1);
    assert_eq!(over.revert_reason(), OVER_THE_LIMIT);
    assert_eq!(l1.params(), (MINIMUM_BASE_FEE, MAX_RESOURCE_LIMIT - MIN_DEPOSIT_GAS, block));
    // Exactly what is left: taken (a Solana deposit buys 21,000).
    l1.chain.send_in_block(ALICE, l1.portal, U256::from(GWEI), L1::svm_call()).logs();
    assert_eq!(l1.params(), (MINIMUM_BASE_FEE, MAX_RESOURCE_LIMIT, block));
    // Now the block is full: even the smallest deposit, and a plain transfer, are refused.
    assert_eq!(l1.deposit_in_block(MIN_DEPOSIT_GAS).revert_reason(), OVER_THE_LIMIT);
    let transfer = l1.chain.send_raw(ALICE, l1.portal, U256::from(5), Bytes::new());
    assert_eq!(transfer.revert_reason(), OVER_THE_LIMIT);
    assert_eq!(l1.nonce(), U256::from(3));
    // The next block buys again, at the fee the full block set (2.125 gwei: the largest deposit
    // burns 21.25M gas at an L1 base fee of 1 gwei, 2.125M at 10 gwei).
    l1.chain.basefee = 10 * GWEI;
    let deposit = l1.deposit(MAX_DEPOSIT_GAS).events::<Portal::DepositInitiated>();
    assert_eq!((deposit[0].nonce, deposit[0].gasLimit), (U256::from(3), MAX_DEPOSIT_GAS));
    assert_eq!(l1.params(), (2_125_000_000, MAX_DEPOSIT_GAS, block + 1));
}

#[test]
fn a_solana_deposit_buys_the_gas_of_an_l2_transaction() {
    let mut l1 = L1::new();
    // Block A buys the maximum: the fee of A+1 is 2.125 gwei.
    let a = l1.chain.number();
    l1.deposit_in_block(MAX_DEPOSIT_GAS).logs();
    l1.deposit(MAX_DEPOSIT_GAS).logs();

    // A+1: a Solana deposit (its event still says gas limit 0) buys 21,000 L2 gas.
    let first = l1.deposit_to_solana();
    let event = &first.events::<Portal::DepositInitiated>()[0];
    assert_eq!((event.vm, event.gasLimit), (1, 0));
    assert_eq!(l1.params(), (2_125_000_000, MIN_DEPOSIT_GAS, a + 1));
    // A+2: the same deposit, at the lower fee that buying 21,000 set.
    let fee = next_base_fee(2_125_000_000, MIN_DEPOSIT_GAS, 1);
    let second = l1.deposit_to_solana();
    assert_eq!(l1.params(), (fee, MIN_DEPOSIT_GAS, a + 2));
    // The same work in both (same calldata, same storage changes): they differ by the burns,
    // 21,000 * 2.125 gwei / 1 gwei = 44,625 and 21,000 * fee / 1 gwei = 39,105.
    assert_eq!(burn(MIN_DEPOSIT_GAS, 2_125_000_000, 0), 44_625);
    assert_eq!(burn(MIN_DEPOSIT_GAS, fee, 0), 39_105);
    assert_burn(
        i128::from(first.gas_used()) - i128::from(second.gas_used()),
        44_625 - 39_105,
        "a Solana deposit at 2.125 gwei over one at the next block's fee",
    );

    // A plain transfer to the portal buys 21,000 too.
    l1.chain.send_raw(BOB, l1.portal, U256::from(7), Bytes::new()).logs();
    assert_eq!(l1.params().1, MIN_DEPOSIT_GAS);
}
