//! Fuzzes `da::decode_frame` and `da::BatchAssembler` with arbitrary bytes.
//! Run with `cargo +nightly fuzz run decode_frame` from `da/fuzz`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    da::fuzzing::fuzz_decode_frame(data);
});
