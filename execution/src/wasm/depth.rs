//! The instrumented call-depth counter: how deep a program may recurse is decided by the
//! program itself, the same on every machine, not by the native stack.
//!
//! Before compiling, every function of the module is rewritten: on entry it adds its weight to
//! a counter global (16 words plus its parameters and locals, Stylus' way of weighing a frame
//! by what it keeps on the stack) and traps with `unreachable` if the counter passes
//! [`MAX_STACK_WORDS`]; on exit it takes the weight off again. The body is wrapped in a block,
//! so that a `return` anywhere becomes a branch to the epilogue. The counter is exported as
//! [`DEPTH_EXPORT`], so the runtime can tell this trap from the program's own `unreachable`.
//!
//! wasmtime's own native-stack limit stays, far above what the counter allows, as a backstop.

use std::convert::Infallible;

use wasm_encoder::{
    BlockType, ConstExpr, ExportKind, GlobalType, Instruction, SectionId, ValType,
    reencode::{Reencode, RoundtripReencoder, utils},
};
use wasmparser::{Operator, Parser, Payload, TypeRef};

/// The most stack words (see the module doc) a call may hold at once.
pub const MAX_STACK_WORDS: i32 = 8 * 1024;
/// The export under which the counter global is visible to the runtime.
pub const DEPTH_EXPORT: &str = "manifold_depth";
/// Bumped whenever the instrumentation changes, so compiled programs cached on disk by an
/// older build are not used.
pub const INSTRUMENTATION_VERSION: u32 = 1;

/// Fixed words charged per frame, on top of its parameters and locals.
const FRAME_WORDS: u32 = 16;

/// Why a module could not be instrumented (it passed validation, so this is a bug or a module
/// validation did not see as wasmparser does).
#[derive(Debug, thiserror::Error)]
#[error("instrumentation failed: {0}")]
pub struct InstrumentError(String);

/// `module` with the depth counter added.
pub fn instrument(module: &[u8]) -> Result<Vec<u8>, InstrumentError> {
    let shape = ModuleShape::read(module).map_err(|e| InstrumentError(e.to_string()))?;
    let mut meter =
        DepthMeter { global: shape.global_index(), shape, next_function: 0, added: false };
    let mut out = wasm_encoder::Module::new();
    meter
        .parse_core_module(&mut out, Parser::new(0), module)
        .map_err(|e| InstrumentError(format!("{e:?}")))?;
    Ok(out.finish())
}

/// What the rewrite needs to know before it starts.
struct ModuleShape {
    /// (parameter count, result) of each type.
    types: Vec<(u32, Option<wasmparser::ValType>)>,
    /// The type of each function the module defines, in order.
    functions: Vec<u32>,
    imported_globals: u32,
    defined_globals: u32,
    has_global_section: bool,
}

impl ModuleShape {
    fn read(module: &[u8]) -> Result<Self, wasmparser::BinaryReaderError> {
        let mut shape = Self {
            types: Vec::new(),
            functions: Vec::new(),
            imported_globals: 0,
            defined_globals: 0,
            has_global_section: false,
        };
        for payload in Parser::new(0).parse_all(module) {
            match payload? {
                Payload::TypeSection(reader) => {
                    for group in reader {
                        for ty in group?.into_types() {
                            let func = ty.unwrap_func();
                            shape.types.push((
                                func.params().len() as u32,
                                func.results().first().copied(),
                            ));
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if matches!(import?.ty, TypeRef::Global(_)) {
                            shape.imported_globals += 1;
                        }
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        shape.functions.push(ty?);
                    }
                }
                Payload::GlobalSection(reader) => {
                    shape.has_global_section = true;
                    shape.defined_globals = reader.count();
                }
                _ => {}
            }
        }
        Ok(shape)
    }

    fn global_index(&self) -> u32 {
        self.imported_globals + self.defined_globals
    }
}

struct DepthMeter {
    shape: ModuleShape,
    global: u32,
    next_function: usize,
    added: bool,
}

impl DepthMeter {
    fn add_counter(&mut self, globals: &mut wasm_encoder::GlobalSection) {
        globals.global(
            GlobalType { val_type: ValType::I32, mutable: true, shared: false },
            &ConstExpr::i32_const(0),
        );
        self.added = true;
    }
}

type Error = wasm_encoder::reencode::Error<Infallible>;

impl Reencode for DepthMeter {
    type Error = Infallible;

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_global_section(self, globals, section)?;
        self.add_counter(globals);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), Error> {
        // A module without globals gets a global section in its place: after the memory (or
        // anything earlier) and before the exports (or anything later).
        let past =
            |id: Option<SectionId>| id.is_some_and(|id| (id as u8) < SectionId::Global as u8);
        let before_global = |id: Option<SectionId>| {
            id.is_none_or(|id| (id as u8) > SectionId::Global as u8 && id != SectionId::Custom)
        };
        if !self.shape.has_global_section
            && !self.added
            && (after.is_none() || past(after))
            && before_global(before)
        {
            let mut globals = wasm_encoder::GlobalSection::new();
            self.add_counter(&mut globals);
            module.section(&globals);
        }
        utils::intersperse_section_hook(self, module, after, before)
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), Error> {
        utils::parse_export_section(self, exports, section)?;
        exports.export(DEPTH_EXPORT, ExportKind::Global, self.global);
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), Error> {
        let type_index = self.shape.functions[self.next_function];
        self.next_function += 1;
        let (params, result) = self.shape.types[type_index as usize];
        let mut locals = 0u32;
        for pair in func.get_locals_reader()? {
            locals = locals.saturating_add(pair?.0);
        }
        let weight = FRAME_WORDS.saturating_add(params).saturating_add(locals) as i32;
        let global = self.global;
        let mut f = self.new_function_with_parsed_locals(&func)?;
        // Prologue: count the frame in, trap past the limit.
        f.instruction(&Instruction::GlobalGet(global));
        f.instruction(&Instruction::I32Const(weight));
        f.instruction(&Instruction::I32Add);
        f.instruction(&Instruction::GlobalSet(global));
        f.instruction(&Instruction::GlobalGet(global));
        f.instruction(&Instruction::I32Const(MAX_STACK_WORDS));
        f.instruction(&Instruction::I32GtU);
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
        let block = match result {
            Some(ty) => BlockType::Result(RoundtripReencoder.val_type(ty)?),
            None => BlockType::Empty,
        };
        f.instruction(&Instruction::Block(block));
        let mut nesting = 0u32;
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            match op {
                Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => {
                    nesting += 1
                }
                Operator::End if nesting == 0 => {
                    // The end of the body: close the wrapper block, count the frame out.
                    f.instruction(&Instruction::End);
                    f.instruction(&Instruction::GlobalGet(global));
                    f.instruction(&Instruction::I32Const(weight));
                    f.instruction(&Instruction::I32Sub);
                    f.instruction(&Instruction::GlobalSet(global));
                    f.instruction(&Instruction::End);
                    continue;
                }
                Operator::End => nesting -= 1,
                Operator::Return => {
                    // Out of the wrapper block, through the epilogue.
                    f.instruction(&Instruction::Br(nesting));
                    continue;
                }
                _ => {}
            }
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wasm::validation::validate_module;

    #[test]
    fn instrumented_modules_stay_valid_with_and_without_globals() {
        for wat in [
            r#"(module (memory (export "memory") 1)
                (func (export "user_entrypoint") (param i32) (result i32)
                  (if (local.get 0) (then (return (i32.const 1)))) (i32.const 0)))"#,
            r#"(module (import "vm_hooks" "read_args" (func (param i32)))
                (memory (export "memory") 1) (global $g (mut i32) (i32.const 5))
                (func $f (param i64) (result i64) (block (br 1 (local.get 0))) (local.get 0))
                (func (export "user_entrypoint") (param i32) (result i32)
                  (drop (call $f (i64.const 3))) (global.get $g)))"#,
        ] {
            let module = wat::parse_str(wat).unwrap();
            let instrumented = instrument(&module).unwrap();
            wasmparser::Validator::new().validate_all(&instrumented).unwrap();
            // The original still validates as a program, and the counter is exported.
            validate_module(&module).unwrap();
            let exports: Vec<String> = Parser::new(0)
                .parse_all(&instrumented)
                .filter_map(|p| match p.unwrap() {
                    Payload::ExportSection(r) => {
                        Some(r.into_iter().map(|e| e.unwrap().name.to_string()).collect::<Vec<_>>())
                    }
                    _ => None,
                })
                .flatten()
                .collect();
            assert!(exports.contains(&DEPTH_EXPORT.to_string()), "{exports:?}");
        }
    }
}
