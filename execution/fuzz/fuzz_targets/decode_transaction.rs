//! Fuzz target: arbitrary bytes as a tagged transaction of any engine (what DA batches and
//! `manifold_sendTransaction` carry) and as a stored receipt must decode or fail with an
//! error, never panic; see `execution::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| execution::fuzzing::fuzz_decode_transaction(data));
