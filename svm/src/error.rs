//! `SvmError`: what can go wrong setting the runtime up (a program that does not verify), as
//! opposed to a transaction's own failure, which is a `TransactionError` in its outcome.

/// Why the runtime could not be set up as asked.
#[derive(Debug, thiserror::Error)]
pub enum SvmError {
    /// A program's ELF did not load or verify.
    #[error("program {program} does not load: {reason}")]
    BadProgram {
        /// The program id.
        program: String,
        /// The loader's or verifier's words.
        reason: String,
    },
    /// The program runtime environment could not be built.
    #[error("program runtime environment: {0}")]
    Environment(String),
}
