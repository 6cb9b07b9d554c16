//! The withdrawal Merkle tree, as `bridge/contracts/src/WithdrawalTree.sol` builds it: depth 32,
//! keccak256 of the two children's 64 bytes at every node, leaf `i` the hash of the withdrawal
//! with nonce `i`, empty leaves zero. The L2 contract keeps only its frontier; this keeps every
//! leaf, so it can give the root of the tree at any earlier size (the withdrawal root of an
//! older block) and the proof of any leaf against it — what `Portal.proveWithdrawal` checks.

use alloy_primitives::{B256, keccak256};

/// Depth of the tree.
pub const DEPTH: usize = 32;

/// Why a proof cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WithdrawalTreeError {
    /// The tree has fewer leaves than asked for.
    #[error("the withdrawal tree has {len} leaves, {size} asked for")]
    SizeBeyondTree {
        /// Leaves in the tree.
        len: u64,
        /// Size asked for.
        size: u64,
    },
    /// The leaf is not in the tree of that size.
    #[error("withdrawal {index} is not in the tree of the first {size} withdrawals")]
    LeafBeyondSize {
        /// Leaf asked for.
        index: u64,
        /// Size of the tree asked for.
        size: u64,
    },
}

/// A leaf's path to the root: its index and its 32 siblings, from the leaf's level up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawalProof {
    /// The leaf's index: the withdrawal's nonce.
    pub index: u64,
    /// The sibling at each level, leaf level first.
    pub siblings: Vec<B256>,
}

impl WithdrawalProof {
    /// The root of the tree the proof says `leaf` is in.
    pub fn root(&self, leaf: B256) -> B256 {
        let mut node = leaf;
        for (level, sibling) in self.siblings.iter().enumerate() {
            node = if (self.index >> level) & 1 == 1 {
                hash_pair(sibling, &node)
            } else {
                hash_pair(&node, sibling)
            };
        }
        node
    }
}

/// Every withdrawal hash, in nonce order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WithdrawalTree {
    leaves: Vec<B256>,
}

impl WithdrawalTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `leaf`; returns its index.
    pub fn push(&mut self, leaf: B256) -> u64 {
        self.leaves.push(leaf);
        self.leaves.len() as u64 - 1
    }

    /// How many leaves there are.
    pub fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> B256 {
        self.root_at(self.len()).expect("the whole tree has its own size")
    }

    /// The root of the tree of the first `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<B256, WithdrawalTreeError> {
        let mut nodes = self.first(size)?.to_vec();
        let mut zero = B256::ZERO;
        for _ in 0..DEPTH {
            nodes = parents(&nodes, &zero);
            zero = hash_pair(&zero, &zero);
        }
        Ok(nodes.first().copied().unwrap_or(zero))
    }

    /// The proof of leaf `index` in the tree of the first `size` leaves.
    pub fn proof(&self, index: u64, size: u64) -> Result<WithdrawalProof, WithdrawalTreeError> {
        if index >= size {
            return Err(WithdrawalTreeError::LeafBeyondSize { index, size });
        }
        let mut nodes = self.first(size)?.to_vec();
        let mut zero = B256::ZERO;
        let mut position = index as usize;
        let mut siblings = Vec::with_capacity(DEPTH);
        for _ in 0..DEPTH {
            siblings.push(nodes.get(position ^ 1).copied().unwrap_or(zero));
            nodes = parents(&nodes, &zero);
            zero = hash_pair(&zero, &zero);
            position >>= 1;
        }
        Ok(WithdrawalProof { index, siblings })
    }

    fn first(&self, size: u64) -> Result<&[B256], WithdrawalTreeError> {
        self.leaves
            .get(..size as usize)
            .ok_or(WithdrawalTreeError::SizeBeyondTree { len: self.len(), size })
    }
}

/// The level above `nodes`, the missing right child of an odd end being `zero`.
fn parents(nodes: &[B256], zero: &B256) -> Vec<B256> {
    nodes.chunks(2).map(|pair| hash_pair(&pair[0], pair.get(1).unwrap_or(zero))).collect()
}

/// The root of a tree given as the L2 contract stores it: the `frontier` (the rightmost filled
/// node of each level, [`DEPTH`] of them) and the leaf `count` — how a node reads the
/// withdrawal root of a block from the contract's storage (slots 0–31 and 32).
pub fn frontier_root(frontier: &[B256; DEPTH], count: u64) -> B256 {
    let (mut node, mut zero, mut size) = (B256::ZERO, B256::ZERO, count);
    for branch in frontier {
        node = if size & 1 == 1 { hash_pair(branch, &node) } else { hash_pair(&node, &zero) };
        zero = hash_pair(&zero, &zero);
        size >>= 1;
    }
    node
}

fn hash_pair(left: &B256, right: &B256) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(left.as_slice());
    preimage[32..].copy_from_slice(right.as_slice());
    keccak256(preimage)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn leaf(i: u64) -> B256 {
        keccak256(i.to_be_bytes())
    }

    #[test]
    fn the_empty_root_is_the_zero_hash_of_depth_32() {
        let mut zero = B256::ZERO;
        for _ in 0..DEPTH {
            zero = hash_pair(&zero, &zero);
        }
        assert_eq!(WithdrawalTree::new().root(), zero);
    }

    #[test]
    fn one_leaf_is_hashed_with_zero_hashes_on_the_right() {
        let mut tree = WithdrawalTree::new();
        tree.push(leaf(0));
        let (mut node, mut zero) = (leaf(0), B256::ZERO);
        for _ in 0..DEPTH {
            node = hash_pair(&node, &zero);
            zero = hash_pair(&zero, &zero);
        }
        assert_eq!(tree.root(), node);
    }

    #[test]
    fn sizes_and_indexes_out_of_range_are_errors() {
        let mut tree = WithdrawalTree::new();
        tree.push(leaf(0));
        assert_eq!(tree.root_at(2), Err(WithdrawalTreeError::SizeBeyondTree { len: 1, size: 2 }));
        assert_eq!(
            tree.proof(1, 1),
            Err(WithdrawalTreeError::LeafBeyondSize { index: 1, size: 1 })
        );
    }

    /// The contract's `insert`: the frontier after appending `leaf` to a tree of `count`.
    fn insert(frontier: &mut [B256; DEPTH], count: u64, leaf: B256) {
        let (mut node, mut size) = (leaf, count + 1);
        for branch in frontier.iter_mut() {
            if size & 1 == 1 {
                *branch = node;
                return;
            }
            node = hash_pair(branch, &node);
            size >>= 1;
        }
    }

    #[test]
    fn the_frontier_gives_the_same_root_as_the_leaves_at_every_size() {
        let (mut tree, mut frontier) = (WithdrawalTree::new(), [B256::ZERO; DEPTH]);
        assert_eq!(frontier_root(&frontier, 0), tree.root());
        for i in 0..70 {
            insert(&mut frontier, i, leaf(i));
            tree.push(leaf(i));
            assert_eq!(frontier_root(&frontier, i + 1), tree.root(), "{} leaves", i + 1);
        }
    }

    proptest! {
        /// Every leaf's proof in a tree of every size leads to that size's root, and to no
        /// other root with another leaf.
        #[test]
        fn proofs_lead_to_the_root_of_their_size(len in 1u64..40, picks in prop::collection::vec(any::<u64>(), 1..8)) {
            let mut tree = WithdrawalTree::new();
            for i in 0..len {
                tree.push(leaf(i));
            }
            for pick in picks {
                let size = 1 + pick % len;
                let index = (pick >> 8) % size;
                let proof = tree.proof(index, size).unwrap();
                prop_assert_eq!(proof.siblings.len(), DEPTH);
                prop_assert_eq!(proof.root(leaf(index)), tree.root_at(size).unwrap());
                prop_assert_ne!(proof.root(leaf(index + 1000)), tree.root_at(size).unwrap());
            }
        }
    }
}
