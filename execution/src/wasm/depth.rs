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
//!
//! For the runtime's reuse of instances (`instance_reuse`), two more things are added:
//! - every mutable global the module defines (and the counter) is exported as
//!   `manifold_global_<index>` ([`global_export`]), to be reset to its initial value;
//! - a dirty map, an `i64` global exported as [`DIRTY_EXPORT`]: every store first sets the bit
//!   of the granule of linear memory it writes (64 granules over the initial memory, see
//!   [`dirty_shift`]), and `memory.fill`/`memory.copy`/`memory.init` set them all, so a reset
//!   rewrites only what the call may have written.
//!
//! Export names starting with [`RESERVED_EXPORT_PREFIX`] are refused at deployment.

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
pub const INSTRUMENTATION_VERSION: u32 = 2;
/// The export under which the dirty map of linear memory is visible to the runtime.
pub const DIRTY_EXPORT: &str = "manifold_dirty";
/// Export names a program may not use: the instrumentation's own.
pub const RESERVED_EXPORT_PREFIX: &str = "manifold_";

/// log2 of the bytes of linear memory one bit of the dirty map stands for, for a memory of
/// `pages` initial pages: the 64 bits cover it (1 KiB granules for one page).
pub fn dirty_shift(pages: u64) -> u32 {
    let bytes = pages.max(1).saturating_mul(65_536);
    bytes.div_ceil(64).next_power_of_two().trailing_zeros()
}

/// The export name of the program's mutable global `index`.
pub fn global_export(index: u32) -> String {
    format!("{RESERVED_EXPORT_PREFIX}global_{index}")
}

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
    /// The indices of the mutable globals the module defines.
    mutable_globals: Vec<u32>,
    has_global_section: bool,
    /// Initial pages of its memory.
    pages: u64,
}

impl ModuleShape {
    fn read(module: &[u8]) -> Result<Self, wasmparser::BinaryReaderError> {
        let mut shape = Self {
            types: Vec::new(),
            functions: Vec::new(),
            imported_globals: 0,
            defined_globals: 0,
            mutable_globals: Vec::new(),
            has_global_section: false,
            pages: 0,
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
                Payload::MemorySection(reader) => {
                    if let Some(memory) = reader.into_iter().next() {
                        shape.pages = memory?.initial;
                    }
                }
                Payload::GlobalSection(reader) => {
                    shape.has_global_section = true;
                    shape.defined_globals = reader.count();
                    for (i, global) in reader.into_iter().enumerate() {
                        if global?.ty.mutable {
                            shape.mutable_globals.push(shape.imported_globals + i as u32);
                        }
                    }
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
    /// Adds the depth counter (`self.global`) and the dirty map (`self.global + 1`).
    fn add_counter(&mut self, globals: &mut wasm_encoder::GlobalSection) {
        globals.global(
            GlobalType { val_type: ValType::I32, mutable: true, shared: false },
            &ConstExpr::i32_const(0),
        );
        globals.global(
            GlobalType { val_type: ValType::I64, mutable: true, shared: false },
            &ConstExpr::i64_const(0),
        );
        self.added = true;
    }

    /// Sets the dirty bit of the granule a store at `address + offset` writes; the address
    /// (in `address`) stays on the stack for the store, whose value is in `value`.
    fn mark_store(&self, f: &mut wasm_encoder::Function, offset: u64, address: u32, value: u32) {
        let dirty = self.global + 1;
        f.instruction(&Instruction::LocalSet(value));
        f.instruction(&Instruction::LocalTee(address));
        f.instruction(&Instruction::GlobalGet(dirty));
        f.instruction(&Instruction::I64Const(1));
        f.instruction(&Instruction::LocalGet(address));
        f.instruction(&Instruction::I64ExtendI32U);
        f.instruction(&Instruction::I64Const(offset as i64));
        f.instruction(&Instruction::I64Add);
        f.instruction(&Instruction::I64Const(i64::from(dirty_shift(self.shape.pages))));
        f.instruction(&Instruction::I64ShrU);
        f.instruction(&Instruction::I64Shl);
        f.instruction(&Instruction::I64Or);
        f.instruction(&Instruction::GlobalSet(dirty));
        f.instruction(&Instruction::LocalGet(value));
    }

    /// Marks all of memory dirty (before a bulk write).
    fn mark_all(&self, f: &mut wasm_encoder::Function) {
        f.instruction(&Instruction::I64Const(-1));
        f.instruction(&Instruction::GlobalSet(self.global + 1));
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
        exports.export(DIRTY_EXPORT, ExportKind::Global, self.global + 1);
        let added = [self.global, self.global + 1];
        for &index in self.shape.mutable_globals.iter().chain(&added) {
            exports.export(&global_export(index), ExportKind::Global, index);
        }
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
        let mut declared = Vec::new();
        for pair in func.get_locals_reader()? {
            let (count, ty) = pair?;
            locals = locals.saturating_add(count);
            declared.push((count, RoundtripReencoder.val_type(ty)?));
        }
        let weight = FRAME_WORDS.saturating_add(params).saturating_add(locals) as i32;
        let global = self.global;
        // Scratch locals for marking stores: the address, then a value of each type.
        let scratch = params + locals;
        declared.extend(
            [ValType::I32, ValType::I32, ValType::I64, ValType::F32, ValType::F64]
                .map(|ty| (1, ty)),
        );
        let [address, value_i32, value_i64, value_f32, value_f64] =
            [scratch, scratch + 1, scratch + 2, scratch + 3, scratch + 4];
        let mut f = wasm_encoder::Function::new(declared);
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
                Operator::I32Store { memarg }
                | Operator::I32Store8 { memarg }
                | Operator::I32Store16 { memarg } => {
                    self.mark_store(&mut f, memarg.offset, address, value_i32)
                }
                Operator::I64Store { memarg }
                | Operator::I64Store8 { memarg }
                | Operator::I64Store16 { memarg }
                | Operator::I64Store32 { memarg } => {
                    self.mark_store(&mut f, memarg.offset, address, value_i64)
                }
                Operator::F32Store { memarg } => {
                    self.mark_store(&mut f, memarg.offset, address, value_f32)
                }
                Operator::F64Store { memarg } => {
                    self.mark_store(&mut f, memarg.offset, address, value_f64)
                }
                Operator::MemoryFill { .. }
                | Operator::MemoryCopy { .. }
                | Operator::MemoryInit { .. } => self.mark_all(&mut f),
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
