//! Which WebAssembly modules may be deployed: what Stylus refuses, Manifold refuses.
//!
//! A module must be valid WebAssembly with only the features Stylus allows (no reference
//! types, SIMD, threads, exceptions, tail calls, multi-value, memory64 or several memories;
//! floating point
//! is allowed and runs NaN-canonicalised), must have no start function, must import only host
//! functions Manifold provides with their exact signatures, must export `memory` and
//! `user_entrypoint(i32) -> i32`, and must stay within Stylus' counts (functions, data and
//! element segments, globals, locals, imports, exports, table entries, initial memory).

use wasmparser::{
    ExternalKind, FuncType, Parser, Payload, TypeRef, ValType, Validator, WasmFeatures,
};

use super::{hostio::import_signature, pricing::MAX_PAGES};

/// Why a module is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    /// Not valid WebAssembly, or uses a feature Stylus refuses.
    #[error("invalid module: {0}")]
    Invalid(String),
    /// The module has a start function.
    #[error("start functions are not allowed")]
    StartFunction,
    /// An import that is not one of the host functions.
    #[error("unknown import {module}.{name}")]
    UnknownImport {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// A host function imported with another signature than its own.
    #[error("import {module}.{name} has the wrong signature")]
    ImportSignature {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// A required export is missing or has the wrong kind or type, or an export takes a
    /// name Manifold reserves.
    #[error("missing, mistyped or reserved export {0}")]
    Export(&'static str),
    /// More of something than Stylus allows.
    #[error("too many {what}: {count} > {limit}")]
    TooMany {
        /// What was counted.
        what: &'static str,
        /// How many the module has.
        count: u64,
        /// Stylus' limit.
        limit: u64,
    },
}

/// The WebAssembly features a deployed module may use (Stylus' set, plus floating point).
pub fn allowed_features() -> WasmFeatures {
    WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::BULK_MEMORY
        | WasmFeatures::FLOATS
}

fn limit(what: &'static str, count: impl TryInto<u64>, limit: u64) -> Result<(), ModuleError> {
    let count = count.try_into().unwrap_or(u64::MAX);
    if count > limit {
        return Err(ModuleError::TooMany { what, count, limit });
    }
    Ok(())
}

fn invalid(e: impl std::fmt::Display) -> ModuleError {
    ModuleError::Invalid(e.to_string())
}

/// Checks that `module` may be deployed.
pub fn validate_module(module: &[u8]) -> Result<(), ModuleError> {
    Validator::new_with_features(allowed_features()).validate_all(module).map_err(invalid)?;

    let mut types: Vec<FuncType> = Vec::new();
    let mut function_types: Vec<u32> = Vec::new();
    let mut imports = 0u64;
    let mut memories = 0u64;
    let mut exported_memory = false;
    let mut entrypoint = None;
    let mut exports = 0u64;
    for payload in Parser::new(0).parse_all(module) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.map_err(invalid)?.into_types() {
                        let func = ty.unwrap_func().clone();
                        types.push(func);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(invalid)?;
                    imports += 1;
                    let TypeRef::Func(index) = import.ty else {
                        return Err(ModuleError::UnknownImport {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                        });
                    };
                    let Some((params, results)) = import_signature(import.module, import.name)
                    else {
                        return Err(ModuleError::UnknownImport {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                        });
                    };
                    let ty = &types[index as usize];
                    if ty.params() != params || ty.results() != results {
                        return Err(ModuleError::ImportSignature {
                            module: import.module.to_string(),
                            name: import.name.to_string(),
                        });
                    }
                    function_types.push(index);
                }
            }
            Payload::FunctionSection(reader) => {
                limit("functions", reader.count(), 4096)?;
                for index in reader {
                    function_types.push(index.map_err(invalid)?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory.map_err(invalid)?;
                    memories += 1;
                    limit("initial memory pages", memory.initial, MAX_PAGES)?;
                }
            }
            Payload::GlobalSection(reader) => limit("globals", reader.count(), 32768)?,
            Payload::DataSection(reader) => limit("data segments", reader.count(), 128)?,
            Payload::ElementSection(reader) => {
                limit("element segments", reader.count(), 128)?;
                let mut entries = 0u64;
                for element in reader {
                    entries += match element.map_err(invalid)?.items {
                        wasmparser::ElementItems::Functions(items) => u64::from(items.count()),
                        wasmparser::ElementItems::Expressions(_, items) => u64::from(items.count()),
                    };
                }
                limit("element entries", entries, 4096)?;
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    limit("table entries", table.map_err(invalid)?.ty.initial, 4096)?;
                }
            }
            Payload::StartSection { .. } => return Err(ModuleError::StartFunction),
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(invalid)?;
                    exports += 1;
                    match (export.name, export.kind) {
                        ("memory", ExternalKind::Memory) => exported_memory = true,
                        ("user_entrypoint", ExternalKind::Func) => entrypoint = Some(export.index),
                        // The instrumentation's own exports (`depth`).
                        (name, _) if name.starts_with(super::depth::RESERVED_EXPORT_PREFIX) => {
                            return Err(ModuleError::Export(super::depth::RESERVED_EXPORT_PREFIX));
                        }
                        _ => {}
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                let mut locals = 0u64;
                for local in body.get_locals_reader().map_err(invalid)? {
                    locals += u64::from(local.map_err(invalid)?.0);
                }
                limit("locals in a function", locals, 348)?;
            }
            _ => {}
        }
    }
    limit("imports", imports, 513)?;
    limit("exports", exports, 1024)?;
    limit("memories", memories, 1)?;
    if !exported_memory {
        return Err(ModuleError::Export("memory"));
    }
    let entrypoint = entrypoint.ok_or(ModuleError::Export("user_entrypoint"))?;
    let ty = function_types
        .get(entrypoint as usize)
        .and_then(|index| types.get(*index as usize))
        .ok_or(ModuleError::Export("user_entrypoint"))?;
    if ty.params() != [ValType::I32] || ty.results() != [ValType::I32] {
        return Err(ModuleError::Export("user_entrypoint"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(wat: &str) -> Result<(), ModuleError> {
        validate_module(&wat::parse_str(wat).unwrap())
    }

    const MINIMAL: &str = r#"(module
        (import "vm_hooks" "read_args" (func (param i32)))
        (memory (export "memory") 1)
        (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#;

    #[test]
    fn accepts_a_minimal_program() {
        check(MINIMAL).unwrap();
    }

    #[test]
    fn refuses_start_functions_unknown_imports_and_wrong_signatures() {
        let start = r#"(module (memory (export "memory") 1) (func $s) (start $s)
            (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#;
        assert_eq!(check(start), Err(ModuleError::StartFunction));
        let unknown = MINIMAL.replace("read_args", "read_everything");
        assert!(matches!(check(&unknown), Err(ModuleError::UnknownImport { .. })));
        let wrong = MINIMAL.replace("(param i32)))", "(param i64)))");
        assert!(matches!(check(&wrong), Err(ModuleError::ImportSignature { .. })));
        let other_module = MINIMAL.replace("\"vm_hooks\"", "\"env\"");
        assert!(matches!(check(&other_module), Err(ModuleError::UnknownImport { .. })));
    }

    #[test]
    fn refuses_missing_exports_simd_and_reference_types() {
        let no_memory = MINIMAL.replace("(export \"memory\")", "");
        assert_eq!(check(&no_memory), Err(ModuleError::Export("memory")));
        let reserved = MINIMAL
            .replace("(export \"memory\")", "(export \"memory\") (export \"manifold_depth\")");
        assert_eq!(check(&reserved), Err(ModuleError::Export("manifold_")));
        let wrong_entry = MINIMAL.replace("(param i32) (result i32) i32.const 0", "");
        assert_eq!(check(&wrong_entry), Err(ModuleError::Export("user_entrypoint")));
        let simd = r#"(module (memory (export "memory") 1)
            (func (export "user_entrypoint") (param i32) (result i32)
              v128.const i64x2 0 0 drop i32.const 0))"#;
        assert!(matches!(check(simd), Err(ModuleError::Invalid(_))));
        let reference = r#"(module (memory (export "memory") 1)
            (func (export "user_entrypoint") (param i32) (result i32)
              ref.null func drop i32.const 0))"#;
        assert!(matches!(check(reference), Err(ModuleError::Invalid(_))));
        let threads = r#"(module (memory (export "memory") 1 1 shared)
            (func (export "user_entrypoint") (param i32) (result i32) i32.const 0))"#;
        assert!(matches!(check(threads), Err(ModuleError::Invalid(_))));
    }

    #[test]
    fn refuses_too_much_initial_memory_and_too_many_functions() {
        let big =
            MINIMAL.replace("(memory (export \"memory\") 1)", "(memory (export \"memory\") 129)");
        assert!(matches!(
            check(&big),
            Err(ModuleError::TooMany { what: "initial memory pages", .. })
        ));
        let mut many = String::from("(module (memory (export \"memory\") 1)");
        for _ in 0..4097 {
            many.push_str("(func)");
        }
        many.push_str("(func (export \"user_entrypoint\") (param i32) (result i32) i32.const 0))");
        assert!(matches!(check(&many), Err(ModuleError::TooMany { what: "functions", .. })));
    }

    #[test]
    fn accepts_the_fuzz_seeds_and_the_erc20() {
        let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/decode_program");
        validate_module(&std::fs::read(format!("{seeds}/minimal.wasm")).unwrap()).unwrap();
        validate_module(&std::fs::read(format!("{seeds}/erc20.wasm")).unwrap()).unwrap();
    }

    #[test]
    fn refuses_garbage() {
        assert!(matches!(validate_module(b"\0asm\x01\0\0\0\xff"), Err(ModuleError::Invalid(_))));
        assert!(matches!(validate_module(b"not wasm"), Err(ModuleError::Invalid(_))));
    }
}
