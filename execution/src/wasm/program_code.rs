//! The deployed form of a WebAssembly contract, as Arbitrum Stylus defines it: the account's
//! code is `0xEF 0xF0 0x00`, one dictionary byte, then the Brotli-compressed module.
//!
//! This file owns recognising that form and turning it into module bytes (and back, for tools
//! and tests). Decompression is bounded: a module larger than [`MAX_MODULE_BYTES`]
//! uncompressed is refused without inflating past the bound.

use std::io::{Read, Write};

/// The first three bytes of a Stylus program's code (`EOF`-style magic `0xEF`, then `0xF0 0x00`).
pub const STYLUS_PREFIX: [u8; 3] = [0xEF, 0xF0, 0x00];

/// Dictionary byte: the module is compressed without a dictionary.
pub const DICTIONARY_NONE: u8 = 0x00;

/// The largest module accepted, uncompressed (Arbitrum's default `MaxWasmSize`, 128 KiB).
pub const MAX_MODULE_BYTES: usize = 128 * 1024;

/// Why deployed code is not a usable Stylus program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramCodeError {
    /// The code does not start with [`STYLUS_PREFIX`].
    #[error("code does not start with the Stylus prefix 0xEFF000")]
    NotStylus,
    /// The dictionary byte is missing.
    #[error("Stylus code ends before its dictionary byte")]
    MissingDictionary,
    /// The dictionary byte names a dictionary Manifold does not ship.
    #[error("unsupported Brotli dictionary {0:#04x} (Manifold supports 0x00, none)")]
    UnsupportedDictionary(u8),
    /// The compressed bytes are not a valid Brotli stream.
    #[error("invalid Brotli stream: {0}")]
    Brotli(String),
    /// The module is larger than [`MAX_MODULE_BYTES`] once decompressed.
    #[error("module exceeds {MAX_MODULE_BYTES} bytes uncompressed")]
    TooLarge,
}

/// Whether `code` is in the Stylus deployed form (the prefix only; the rest is checked when
/// it is decoded).
pub fn is_stylus_code(code: &[u8]) -> bool {
    code.starts_with(&STYLUS_PREFIX)
}

/// The module bytes of Stylus-form `code`.
pub fn decode_program(code: &[u8]) -> Result<Vec<u8>, ProgramCodeError> {
    let rest = code.strip_prefix(&STYLUS_PREFIX).ok_or(ProgramCodeError::NotStylus)?;
    let (&dictionary, compressed) =
        rest.split_first().ok_or(ProgramCodeError::MissingDictionary)?;
    if dictionary != DICTIONARY_NONE {
        return Err(ProgramCodeError::UnsupportedDictionary(dictionary));
    }
    let mut module = Vec::new();
    // One byte more than the bound tells "too large" from "exactly the bound".
    brotli::Decompressor::new(compressed, 4096)
        .take(MAX_MODULE_BYTES as u64 + 1)
        .read_to_end(&mut module)
        .map_err(|e| ProgramCodeError::Brotli(e.to_string()))?;
    if module.len() > MAX_MODULE_BYTES {
        return Err(ProgramCodeError::TooLarge);
    }
    Ok(module)
}

/// The Stylus deployed form of `module`: prefix, dictionary `0x00`, Brotli at quality 11.
pub fn encode_program(module: &[u8]) -> Vec<u8> {
    let mut code = STYLUS_PREFIX.to_vec();
    code.push(DICTIONARY_NONE);
    let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    let mut writer = brotli::CompressorWriter::with_params(&mut code, 4096, &params);
    writer.write_all(module).expect("writing to a Vec cannot fail");
    drop(writer);
    code
}

/// EVM init code that deploys `code` as it is: `CODECOPY` of the bytes that follow the prefix,
/// then `RETURN` of them. Used by tools and tests to deploy a Stylus program with an ordinary
/// contract-creation transaction.
pub fn deploy_initcode(code: &[u8]) -> Vec<u8> {
    let len = u16::try_from(code.len()).expect("deployed code is at most 24 KiB");
    let [hi, lo] = len.to_be_bytes();
    // PUSH2 len, PUSH1 offset, PUSH1 0, CODECOPY, PUSH2 len, PUSH1 0, RETURN: 14 bytes.
    let mut initcode = vec![0x61, hi, lo, 0x60, 14, 0x60, 0, 0x39, 0x61, hi, lo, 0x60, 0, 0xF3];
    initcode.extend_from_slice(code);
    initcode
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_inverts_encode() {
        let module = wat::parse_str("(module (memory (export \"memory\") 1))").unwrap();
        let code = encode_program(&module);
        assert!(is_stylus_code(&code));
        assert_eq!(decode_program(&code).unwrap(), module);
    }

    #[test]
    fn refuses_other_code_and_dictionaries() {
        assert_eq!(decode_program(&[0x60, 0x00]), Err(ProgramCodeError::NotStylus));
        assert_eq!(decode_program(&STYLUS_PREFIX), Err(ProgramCodeError::MissingDictionary));
        assert_eq!(
            decode_program(&[0xEF, 0xF0, 0x00, 0x01, 0x00]),
            Err(ProgramCodeError::UnsupportedDictionary(1))
        );
        assert!(matches!(
            decode_program(&[0xEF, 0xF0, 0x00, 0x00, 0xFF, 0xFF, 0xFF]),
            Err(ProgramCodeError::Brotli(_))
        ));
    }

    #[test]
    fn refuses_a_module_that_inflates_past_the_bound() {
        // 1 MiB of zeros compresses to a few bytes: a decompression bomb.
        let code = encode_program(&vec![0u8; 1 << 20]);
        assert!(code.len() < 100);
        assert_eq!(decode_program(&code), Err(ProgramCodeError::TooLarge));
        let exact = encode_program(&vec![0u8; MAX_MODULE_BYTES]);
        assert_eq!(decode_program(&exact).unwrap().len(), MAX_MODULE_BYTES);
    }
}
