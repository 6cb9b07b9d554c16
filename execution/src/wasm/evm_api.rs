//! What a running WebAssembly program reaches outside itself, as the host functions see it:
//! revm's journaled state (through revm's own [`Host`] trait, so every read and write is in
//! the transaction's journal) and nested calls and creations, which run through the EVM's
//! frame loop and may enter the EVM, another WASM program or a precompile.

use alloy_primitives::{Address, B256, Bytes, U256};
use revm::context_interface::Host;

/// How a nested call treats the callee's context, as the EVM's `CALL`, `DELEGATECALL` and
/// `STATICCALL` do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// An ordinary call, optionally with value.
    Call,
    /// The callee's code in the caller's context (storage, sender and value of the caller).
    Delegate,
    /// A call that may not change state.
    Static,
}

/// A call a program makes.
#[derive(Debug, Clone)]
pub struct NestedCall {
    /// How the callee runs.
    pub kind: CallKind,
    /// The account whose code runs.
    pub to: Address,
    /// Its calldata.
    pub input: Bytes,
    /// Value sent (zero for delegate and static calls).
    pub value: U256,
    /// Gas the callee gets (after the 63/64 rule).
    pub gas: u64,
}

/// A contract creation a program makes (`create1` when `salt` is `None`, else `create2`).
#[derive(Debug, Clone)]
pub struct NestedCreate {
    /// Init code.
    pub code: Bytes,
    /// Value endowed.
    pub endowment: U256,
    /// CREATE2 salt.
    pub salt: Option<B256>,
    /// Gas the init code gets.
    pub gas: u64,
}

/// How a nested call or creation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedOutcome {
    /// Whether it succeeded (its state changes are kept).
    pub success: bool,
    /// Its return (or revert) data.
    pub output: Bytes,
    /// Gas it did not use, handed back to the caller.
    pub gas_left: u64,
    /// Gas refund it earned (SSTORE clears), added to the caller's.
    pub refund: i64,
    /// The address created, for a successful creation.
    pub created: Option<Address>,
    /// The EVM's database failed: the transaction cannot go on.
    pub fatal: bool,
}

/// The EVM as a program sees it.
pub trait EvmApi {
    /// revm's host: block and transaction fields, journaled state, logs.
    fn host(&mut self) -> &mut dyn Host;
    /// Runs a nested call of the program running in `frame` through the EVM's frame loop, at
    /// one call depth more than the program's.
    fn call(&mut self, frame: &ProgramFrame, call: NestedCall) -> NestedOutcome;
    /// Runs a nested creation by the program running in `frame`.
    fn create(&mut self, frame: &ProgramFrame, create: NestedCreate) -> NestedOutcome;
}

/// The call frame a program runs in.
#[derive(Debug, Clone)]
pub struct ProgramFrame {
    /// The account whose storage the program uses (`contract_address`).
    pub address: Address,
    /// The caller (`msg_sender`).
    pub caller: Address,
    /// Value sent (`msg_value`).
    pub value: U256,
    /// Whether state changes are forbidden.
    pub is_static: bool,
    /// The EVM call depth of this frame.
    pub depth: usize,
    /// Whether this program's address is already running in an outer frame.
    pub reentrant: bool,
}
