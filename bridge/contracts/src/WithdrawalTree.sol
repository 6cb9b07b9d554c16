// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.37;

/// @title WithdrawalTree
/// @notice The append-only binary Merkle tree that holds every L2 withdrawal: depth 32, keccak256
///         of the two children's 64 bytes at every node, leaves the withdrawal hashes in nonce
///         order (leaf `i` is the withdrawal with nonce `i`), empty leaves zero. Its root is the
///         withdrawal root of the L2 output root. The L2 contract appends with `insert`; the L1
///         portal checks a leaf with `rootFrom`.
/// @dev    The incremental form (a frontier of 32 nodes and a count) is the one of the Ethereum
///         deposit contract. Zero hashes are recomputed rather than stored, so the L2 contract
///         can be placed at genesis with empty storage.
library WithdrawalTree {
    /// @notice Depth of the tree: 2^32 withdrawals.
    uint256 internal constant DEPTH = 32;

    /// @notice The incremental tree: the rightmost filled node of each level and the leaf count.
    struct Tree {
        bytes32[DEPTH] frontier;
        uint256 count;
    }

    /// @notice Appends `leaf`; returns its index.
    function insert(Tree storage tree, bytes32 leaf) internal returns (uint256 index) {
        index = tree.count;
        require(index < (uint256(1) << DEPTH) - 1, "WithdrawalTree: tree is full");
        uint256 size = index + 1;
        tree.count = size;
        bytes32 node = leaf;
        for (uint256 level = 0; level < DEPTH; level++) {
            if (size & 1 == 1) {
                tree.frontier[level] = node;
                return index;
            }
            node = keccak256(abi.encodePacked(tree.frontier[level], node));
            size >>= 1;
        }
        // Unreachable: the count is below 2^32 - 1, so some level takes the node.
        assert(false);
    }

    /// @notice The root of the tree.
    function root(Tree storage tree) internal view returns (bytes32 node) {
        uint256 size = tree.count;
        bytes32 zero;
        for (uint256 level = 0; level < DEPTH; level++) {
            if (size & 1 == 1) {
                node = keccak256(abi.encodePacked(tree.frontier[level], node));
            } else {
                node = keccak256(abi.encodePacked(node, zero));
            }
            zero = keccak256(abi.encodePacked(zero, zero));
            size >>= 1;
        }
    }

    /// @notice The root of a tree in which `leaf` is at `index` with the 32 `siblings` from
    ///         the leaf's level up.
    function rootFrom(bytes32 leaf, uint256 index, bytes32[] calldata siblings)
        internal
        pure
        returns (bytes32 node)
    {
        require(siblings.length == DEPTH, "WithdrawalTree: a proof has 32 siblings");
        require(index < (uint256(1) << DEPTH), "WithdrawalTree: leaf index out of range");
        node = leaf;
        for (uint256 level = 0; level < DEPTH; level++) {
            if ((index >> level) & 1 == 1) {
                node = keccak256(abi.encodePacked(siblings[level], node));
            } else {
                node = keccak256(abi.encodePacked(node, siblings[level]));
            }
        }
    }
}
