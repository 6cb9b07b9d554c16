//! `CodeCache`: contract code as revm runs it (analysed: jump table computed), by code hash.
//!
//! Analysing bytecode costs about as much as a simple call; code is content-addressed, so an
//! analysed copy is valid for as long as it is kept. Each executor keeps one for its block
//! (each parallel worker its own), so a contract is analysed once per block, not per call.

use alloy_primitives::{B256, KECCAK256_EMPTY, map::B256Map};
use revm::bytecode::Bytecode;

use crate::{ExecutionError, StateView};

/// Analysed code by hash.
#[derive(Debug, Default)]
pub(crate) struct CodeCache {
    code: B256Map<Bytecode>,
}

impl CodeCache {
    /// The code with hash `code_hash`, from the cache or read from `state` and analysed.
    pub(crate) fn get<S: StateView + ?Sized>(
        &mut self,
        code_hash: B256,
        state: &S,
    ) -> Result<Bytecode, ExecutionError> {
        if code_hash == KECCAK256_EMPTY || code_hash == B256::ZERO {
            return Ok(Bytecode::default());
        }
        if let Some(code) = self.code.get(&code_hash) {
            return Ok(code.clone());
        }
        let raw = state.code(code_hash)?.ok_or_else(|| {
            ExecutionError::Invariant(format!("code {code_hash} referenced but not stored"))
        })?;
        let code = Bytecode::new_raw(raw);
        self.code.insert(code_hash, code.clone());
        Ok(code)
    }
}
