// SPDX-License-Identifier: MIT
// A constant-product (x·y = k) pool of two tokens held inside the contract: reserves and
// every user's balance of each token are internal, so a swap makes no external call. Used by
// the swap workload of the parallel execution benchmark (execution/benches); balances and
// reserves are set in genesis storage there. Compiled by build.mjs into out/Pool.json.
//
// Storage layout (relied on by the benchmark's genesis): slot 0 reserve0, slot 1 reserve1,
// slot 2 mapping balance0, slot 3 mapping balance1.
pragma solidity ^0.8.37;

contract Pool {
    /// Swap fee in basis points (0.3%, as Uniswap v2).
    uint256 public constant FEE_BPS = 30;

    uint256 public reserve0;
    uint256 public reserve1;
    mapping(address => uint256) public balance0;
    mapping(address => uint256) public balance1;

    event Swap(address indexed sender, bool zeroForOne, uint256 amountIn, uint256 amountOut);

    constructor(uint256 reserve0_, uint256 reserve1_) {
        reserve0 = reserve0_;
        reserve1 = reserve1_;
    }

    /// The output of selling `amountIn` of one token into reserves `reserveIn`/`reserveOut`,
    /// after the fee, so that (reserveIn + amountIn·(1 − fee))·(reserveOut − out) ≥ k.
    function quote(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public pure returns (uint256) {
        uint256 inAfterFee = amountIn * (10_000 - FEE_BPS);
        return (inAfterFee * reserveOut) / (reserveIn * 10_000 + inAfterFee);
    }

    /// Sells `amountIn` of token0 for token1 (`zeroForOne`) or the reverse, from and to the
    /// caller's internal balances; reverts if the output is below `minOut`.
    function swap(bool zeroForOne, uint256 amountIn, uint256 minOut) external returns (uint256 amountOut) {
        require(amountIn > 0, "Pool: zero input");
        if (zeroForOne) {
            amountOut = quote(amountIn, reserve0, reserve1);
            require(amountOut >= minOut, "Pool: slippage");
            balance0[msg.sender] -= amountIn;
            balance1[msg.sender] += amountOut;
            reserve0 += amountIn;
            reserve1 -= amountOut;
        } else {
            amountOut = quote(amountIn, reserve1, reserve0);
            require(amountOut >= minOut, "Pool: slippage");
            balance1[msg.sender] -= amountIn;
            balance0[msg.sender] += amountOut;
            reserve1 += amountIn;
            reserve0 -= amountOut;
        }
        emit Swap(msg.sender, zeroForOne, amountIn, amountOut);
    }
}
