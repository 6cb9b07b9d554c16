//! Fuzz target: arbitrary bytes as a WebAssembly program (Stylus deployed form and module):
//! decoding, validation and the depth instrumentation never panic, and what validates stays
//! valid once instrumented; see `execution::fuzzing`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| execution::fuzzing::fuzz_decode_program(data));
