// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title ResourceMetering
/// @notice A market for the L2 gas of deposits, one per L1 block, in the manner of EIP-1559 and
///         of OP Stack's `ResourceMetering`. Every deposit is an L2 transaction that the
///         sequencer must place first in an L2 block, so its L2 gas is bought here, on L1:
///         - a deposit buys `amount` L2 gas (its call's gas limit) at the deposit base fee, and
///           pays the price, `amount * baseFee` wei, by burning
///           `amount * baseFee / max(block.basefee, L1_BASE_FEE_FLOOR)` L1 gas in the
///           transaction (no ether changes hands: the depositor pays that gas at its gas price);
///         - the L1 block may buy at most `MAX_RESOURCE_LIMIT` L2 gas in all: the deposit that
///           would go over reverts (it may be sent again in a later block);
///         - the base fee moves once per L1 block, at its first deposit, from what the last
///           block with deposits bought: by `baseFee * (bought - target) / (target * 8)`, so up
///           when that block bought more than `TARGET_RESOURCE_LIMIT`, down when less, then
///           down by an eighth for each L1 block in between that bought nothing; it stays within
///           `[MINIMUM_BASE_FEE, MAXIMUM_BASE_FEE]`.
///         A client prices a deposit in the next L1 block with `baseFeeAt(block.number + 1)`
///         and the burn formula above; `params` is the state the price derives from.
/// @dev    The parameters are OP Stack's defaults. Two choices differ from OP Stack's code:
///         - empty L1 blocks lower the fee one block at a time, in integers, exactly as a block
///           that bought nothing would (OP Stack approximates the same with a fixed-point power),
///           and stop once the fee is at its minimum, so the catch-up loop runs at most about
///           520 times, whatever the gap;
///         - the whole price is burned (OP Stack credits the gas the deposit's own work used),
///           so the burn of a deposit does not depend on how the compiler's code performs.
abstract contract ResourceMetering {
    /// @notice The state of the market after the last L1 block that bought L2 gas.
    /// @param prevBaseFee   Deposit base fee of that block, in wei per L2 gas.
    /// @param prevBoughtGas L2 gas bought in that block so far.
    /// @param prevBlockNum  That block's number.
    struct ResourceParams {
        uint128 prevBaseFee;
        uint64 prevBoughtGas;
        uint64 prevBlockNum;
    }

    /// @notice Most L2 gas the deposits of one L1 block may buy, together.
    uint64 public constant MAX_RESOURCE_LIMIT = 20_000_000;
    /// @notice The target is the maximum divided by this.
    uint64 public constant ELASTICITY_MULTIPLIER = 10;
    /// @notice L2 gas bought per L1 block at which the base fee stays where it is: 2,000,000.
    uint64 public constant TARGET_RESOURCE_LIMIT = MAX_RESOURCE_LIMIT / ELASTICITY_MULTIPLIER;
    /// @notice One L1 block moves the base fee by at most `(elasticity - 1) / 8` of itself up
    ///         (bought the maximum: x2.125) and by 1/8 of itself down (bought nothing).
    uint64 public constant BASE_FEE_MAX_CHANGE_DENOMINATOR = 8;
    /// @notice The base fee never goes below this (wei per L2 gas); it starts here.
    uint128 public constant MINIMUM_BASE_FEE = 1 gwei;
    /// @notice The base fee never goes above this (wei per L2 gas).
    uint128 public constant MAXIMUM_BASE_FEE = type(uint128).max;
    /// @notice The price is turned into L1 gas at the L1's base fee, but at no less than this:
    ///         an L1 whose base fee is near zero (a dev chain, a quiet testnet) would otherwise
    ///         ask for a burn that no block could hold.
    uint256 public constant L1_BASE_FEE_FLOOR = 1 gwei;

    /// @notice The state the next deposit's price derives from (OP Stack's `params`).
    ResourceParams public params;

    constructor() {
        params = ResourceParams({prevBaseFee: MINIMUM_BASE_FEE, prevBoughtGas: 0, prevBlockNum: uint64(block.number)});
    }

    /// @notice The base fee a deposit in L1 block `blockNumber` pays if no other deposit comes
    ///         before it: for the next block, `baseFeeAt(block.number + 1)`.
    function baseFeeAt(uint256 blockNumber) public view returns (uint128) {
        ResourceParams memory p = params;
        require(blockNumber >= p.prevBlockNum, "ResourceMetering: block is before the last one that bought gas");
        if (blockNumber == p.prevBlockNum) return p.prevBaseFee;
        return _nextBaseFee(p, blockNumber - p.prevBlockNum);
    }

    /// @notice Buys `amount` L2 gas for a deposit in this L1 block and burns its price in L1 gas.
    function _meter(uint64 amount) internal {
        ResourceParams memory p = params;
        if (block.number > p.prevBlockNum) {
            p.prevBaseFee = _nextBaseFee(p, block.number - p.prevBlockNum);
            p.prevBoughtGas = 0;
            p.prevBlockNum = uint64(block.number);
        }
        uint256 bought = uint256(p.prevBoughtGas) + amount;
        require(
            bought <= MAX_RESOURCE_LIMIT,
            "ResourceMetering: this L1 block's deposits bought the most L2 gas allowed; deposit in a later block"
        );
        p.prevBoughtGas = uint64(bought);
        params = p;
        uint256 price = uint256(amount) * p.prevBaseFee;
        uint256 l1BaseFee = block.basefee > L1_BASE_FEE_FLOOR ? block.basefee : L1_BASE_FEE_FLOOR;
        _burnGas(price / l1BaseFee);
    }

    /// @notice The base fee `blocks` (> 0) L1 blocks after the one `p` describes, the blocks in
    ///         between having bought nothing.
    function _nextBaseFee(ResourceParams memory p, uint256 blocks) private pure returns (uint128) {
        int256 target = int256(uint256(TARGET_RESOURCE_LIMIT));
        int256 fee = int256(uint256(p.prevBaseFee));
        int256 delta = (fee * (int256(uint256(p.prevBoughtGas)) - target))
            / (target * int256(uint256(BASE_FEE_MAX_CHANGE_DENOMINATOR)));
        uint256 next = _clamp(fee + delta);
        // Each empty block lowers the fee as a block that bought nothing does: by an eighth.
        for (uint256 empty = blocks - 1; empty > 0 && next > MINIMUM_BASE_FEE; empty--) {
            next = _clamp(int256(next - next / BASE_FEE_MAX_CHANGE_DENOMINATOR));
        }
        return uint128(next);
    }

    /// @notice `fee` within `[MINIMUM_BASE_FEE, MAXIMUM_BASE_FEE]`.
    function _clamp(int256 fee) private pure returns (uint256) {
        if (fee < int256(uint256(MINIMUM_BASE_FEE))) return MINIMUM_BASE_FEE;
        if (fee > int256(uint256(MAXIMUM_BASE_FEE))) return MAXIMUM_BASE_FEE;
        return uint256(fee);
    }

    /// @notice Spends `amount` gas, and less than one loop turn (28 gas) more, doing
    ///         nothing.
    function _burnGas(uint256 amount) private view {
        uint256 start = gasleft();
        // Gas only goes down: the difference cannot wrap.
        unchecked {
            while (start - gasleft() < amount) {}
        }
    }
}
