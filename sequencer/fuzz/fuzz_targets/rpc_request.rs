//! Fuzz target: arbitrary bytes as a JSON-RPC HTTP body (request ids made exact, then answered
//! by the node's module behind `StrictCalls`) and as the params of one of the node's methods,
//! against a real devnet node in-process; see `sequencer::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sequencer::fuzzing::fuzz_rpc_request(data));
