//! Merkle proofs (`eth_getProof` style) of inclusion and exclusion.

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_trie::Nibbles;

use super::{NodeReader, TrieError, TrieId, node::Node};

/// Merkle proof for `key` in trie `id`, as `eth_getProof` returns it: the RLP of every node on
/// the path from the root towards `key`, root first, omitting nodes inlined in their parent.
///
/// For an absent key the proof ends at the node that shows the absence (a branch with an empty
/// slot, a leaf with another key, or an extension that diverges): a proof of exclusion. The
/// proof of an empty trie is empty. Reads only the nodes on the path.
pub fn proof(reader: &impl NodeReader, id: TrieId, key: B256) -> Result<Vec<Bytes>, TrieError> {
    let key = Nibbles::unpack(key);
    let mut path = Nibbles::new();
    let mut proof = Vec::new();
    let Some(mut rlp) = reader.node(&id.node_key(&path))? else {
        return Ok(proof);
    };
    let mut stored = true;
    loop {
        let node = Node::decode(&rlp, path.len())
            .map_err(|reason| TrieError::CorruptNode { key: id.node_key(&path), reason })?;
        if stored {
            proof.push(Bytes::from(std::mem::take(&mut rlp)));
        }
        let next = match node {
            Node::Extension { key: ext_key, child }
                if key.slice(path.len()..).starts_with(&ext_key) =>
            {
                path.extend(&ext_key);
                *child
            }
            Node::Branch { mut children } => {
                let nibble = key.get_unchecked(path.len());
                path.push(nibble);
                children[usize::from(nibble)].take()
            }
            _ => break,
        };
        let Node::Ref(reference) = next else { break };
        match reference.as_hash() {
            Some(hash) => {
                let node_key = id.node_key(&path);
                rlp = reader
                    .node(&node_key)?
                    .ok_or_else(|| TrieError::MissingNode { key: node_key.clone() })?;
                let got = keccak256(&rlp);
                if got != hash {
                    return Err(TrieError::CorruptNode {
                        key: node_key,
                        reason: format!("hash {got} differs from {hash} in the parent"),
                    });
                }
                stored = true;
            }
            None => {
                rlp = reference.to_vec();
                stored = false;
            }
        }
    }
    Ok(proof)
}
