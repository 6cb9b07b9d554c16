// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title Types
/// @notice The shapes shared by the L1 contracts and the L2 withdrawal contract: a withdrawal,
///         the preimage of an output root, and their hashes. They are the same as OP Stack's
///         (`Types.WithdrawalTransaction`, `Types.OutputRootProof` version 0), except that the
///         withdrawal root is the root of the withdrawal Merkle tree rather than the storage
///         root of a message-passer contract.
library Types {
    /// @notice A withdrawal started on L2.
    struct Withdrawal {
        uint256 nonce;
        address sender;
        address target;
        uint256 value;
        uint256 gasLimit;
        bytes data;
    }

    /// @notice What an output root commits to.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 withdrawalRoot;
        bytes32 latestBlockhash;
    }

    /// @notice The only output root version: 0.
    bytes32 internal constant OUTPUT_VERSION_V0 = bytes32(0);

    /// @notice keccak256(abi.encode(nonce, sender, target, value, gasLimit, data)).
    function hashWithdrawal(Withdrawal memory w) internal pure returns (bytes32) {
        return keccak256(abi.encode(w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data));
    }

    /// @notice keccak256(version ‖ stateRoot ‖ withdrawalRoot ‖ latestBlockhash).
    function hashOutputRoot(OutputRootProof memory p) internal pure returns (bytes32) {
        return keccak256(abi.encode(p.version, p.stateRoot, p.withdrawalRoot, p.latestBlockhash));
    }
}
