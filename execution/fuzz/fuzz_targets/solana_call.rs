//! Fuzz target: arbitrary bytes as a call of the Solana precompile — raw calldata, or an
//! instruction for the System program, SPL Token or Memo built from them — on a chain with the
//! Solana VM: it succeeds, reverts with a reason or runs out of gas, never anything else; see
//! `execution::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| execution::fuzzing::fuzz_solana_call(data));
