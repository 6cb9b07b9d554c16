// SPDX-License-Identifier: MIT
// One storage slot that every call increments: the fully conflicting workload of the
// parallel execution benchmark (execution/benches). Compiled by build.mjs into out/Counter.json.
pragma solidity ^0.8.37;

contract Counter {
    uint256 public count;

    function increment() external {
        count += 1;
    }
}
