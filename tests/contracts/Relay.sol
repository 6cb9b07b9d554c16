// SPDX-License-Identifier: MIT
// A contract that calls another contract: forwards calldata to a target, returns what it
// returned, bubbles up its revert, and logs each relayed call. Used by the tracing tests
// (tests/python/test_debug_trace.py: a callTracer trace of a nested call). Compiled by
// build.mjs into out/Relay.json.
pragma solidity ^0.8.37;

contract Relay {
    event Relayed(address indexed target, uint256 returned);

    /// Calls `target` with `data`; returns its return data, or reverts with its revert data.
    function relay(address target, bytes calldata data) external returns (bytes memory out) {
        bool ok;
        (ok, out) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(out, 32), mload(out))
            }
        }
        emit Relayed(target, out.length);
    }
}
