// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

import {Types} from "./Types.sol";
import {WithdrawalTree} from "./WithdrawalTree.sol";

/// @title L2Withdrawals
/// @notice The L2 system contract where withdrawals start. It sits at a fixed address from
///         genesis and has the interface of OP Stack's `L2ToL1MessagePasser`
///         (`initiateWithdrawal`, `MessagePassed`, `sentMessages`, `messageNonce`), so tools
///         written for it work. Each withdrawal is appended to the withdrawal Merkle tree; the
///         tree's root at a block is the withdrawal root of that block's output root, and the
///         L1 portal pays a withdrawal out once it is proven against a finalized output root.
/// @dev    The value of a withdrawal stays locked at this address: it left the L2 supply and is
///         released on L1 by the portal. The storage layout starts empty, so the contract
///         needs no constructor and can be placed in the genesis state.
contract L2Withdrawals {
    using WithdrawalTree for WithdrawalTree.Tree;

    /// @notice Emitted for every withdrawal; `withdrawalHash` is its leaf in the tree.
    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    /// @notice The withdrawal tree (slots 0–31 the frontier, slot 32 the count).
    WithdrawalTree.Tree internal tree;

    /// @notice Hashes of the withdrawals started here.
    mapping(bytes32 => bool) public sentMessages;

    /// @notice Starts a withdrawal of `msg.value` to `target` on L1, with `data` called there
    ///         with at most `gasLimit` gas when it is finalized.
    function initiateWithdrawal(address target, uint256 gasLimit, bytes memory data) public payable {
        uint256 nonce = tree.count;
        Types.Withdrawal memory w = Types.Withdrawal({
            nonce: nonce,
            sender: msg.sender,
            target: target,
            value: msg.value,
            gasLimit: gasLimit,
            data: data
        });
        bytes32 withdrawalHash = Types.hashWithdrawal(w);
        sentMessages[withdrawalHash] = true;
        tree.insert(withdrawalHash);
        emit MessagePassed(nonce, msg.sender, target, msg.value, gasLimit, data, withdrawalHash);
    }

    /// @notice A plain transfer withdraws to the same address on L1, with no call.
    receive() external payable {
        initiateWithdrawal(msg.sender, 0, bytes(""));
    }

    /// @notice The nonce of the next withdrawal: how many there have been.
    function messageNonce() external view returns (uint256) {
        return tree.count;
    }

    /// @notice The withdrawal root: the root of the tree.
    function withdrawalRoot() external view returns (bytes32) {
        return tree.root();
    }
}
