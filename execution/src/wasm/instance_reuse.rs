//! Reusing a program's instance for its next call instead of instantiating it again, so a call
//! does not pay for wasmtime's instance set-up (about 1.5 µs, more than a whole Solidity ERC-20
//! transfer's interpretation).
//!
//! A call must see the program exactly as a fresh instance would. Between calls an instance
//! is therefore reset: its linear memory to the initial image (zeros, then the active data
//! segments), every mutable global to its initial value (the instrumentation exports them all,
//! see `depth::global_export`). Only the granules of memory the call may have written are
//! zeroed: those its stores marked in the instrumentation's dirty map (`depth`) and those host
//! functions wrote (`HostState::wrote`), each with the 7 bytes after it that a store starting
//! at its end reaches; the data segments are then copied again in full. Everything else a module can change is left out by the rules:
//! tables cannot be written without reference types (refused), and a module that uses the
//! bulk-memory instructions with instance state (`memory.init`, `data.drop`, `table.init`,
//! `elem.drop`, `table.copy`) is not reused. An instance whose memory grew, or whose call
//! ended any way but success or revert, is dropped rather than reset.
//!
//! Idle instances are kept per program (at most [`IDLE_PER_PROGRAM`]) and in all (at most
//! [`IDLE_INSTANCES`], for which the instance pool has slots of its own), for programs of at
//! most [`MAX_REUSED_PAGES`] initial pages.

use std::sync::atomic::{AtomicUsize, Ordering};

use parking_lot::Mutex;
use wasmparser::{DataKind, Operator, Parser, Payload};
use wasmtime::{Global, Instance, Memory, Store, TypedFunc, Val};

use super::{depth, host_state::HostState};

/// Most idle instances of one program.
pub const IDLE_PER_PROGRAM: usize = 4;
/// Most idle instances in the process.
pub const IDLE_INSTANCES: usize = 64;
/// Instances of a program with more initial memory than this (1 MiB) are not kept: idle
/// instances then hold at most 64 MiB.
pub const MAX_REUSED_PAGES: u64 = 16;

/// Idle instances now, across programs.
static IDLE: AtomicUsize = AtomicUsize::new(0);

/// What a fresh instance of a program looks like, to reset a used one to.
#[derive(Debug, Clone)]
pub struct ResetImage {
    /// Pages of memory a fresh instance has.
    pages: u64,
    /// log2 of the bytes of memory one bit of the dirty map stands for.
    shift: u32,
    /// The active data segments: offset and bytes, in order.
    data: Vec<(usize, Vec<u8>)>,
    /// The export name and initial value of every mutable global.
    globals: Vec<(String, Val)>,
}

impl ResetImage {
    /// The image of the instrumented `module`, or `None` when instances of it cannot be
    /// reused (see the module doc).
    pub fn of(module: &[u8]) -> Option<Self> {
        let mut image = Self { pages: 0, shift: 0, data: Vec::new(), globals: Vec::new() };
        let mut imported_globals = 0u32;
        for payload in Parser::new(0).parse_all(module) {
            match payload.ok()? {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if matches!(import.ok()?.ty, wasmparser::TypeRef::Global(_)) {
                            imported_globals += 1;
                        }
                    }
                }
                Payload::MemorySection(reader) => {
                    image.pages = reader.into_iter().next()?.ok()?.initial;
                }
                Payload::GlobalSection(reader) => {
                    for (i, global) in reader.into_iter().enumerate() {
                        let global = global.ok()?;
                        if global.ty.mutable {
                            let value = constant(&global.init_expr)?;
                            let index = imported_globals + i as u32;
                            image.globals.push((depth::global_export(index), value));
                        }
                    }
                }
                Payload::DataSection(reader) => {
                    for segment in reader {
                        let segment = segment.ok()?;
                        if let DataKind::Active { memory_index: 0, offset_expr } = segment.kind {
                            let offset = constant(&offset_expr)?.i32()? as u32 as usize;
                            image.data.push((offset, segment.data.to_vec()));
                        }
                    }
                }
                Payload::CodeSectionEntry(body) => {
                    let mut reader = body.get_operators_reader().ok()?;
                    while !reader.eof() {
                        if changes_instance_state(&reader.read().ok()?) {
                            return None;
                        }
                    }
                }
                _ => {}
            }
        }
        if image.pages > MAX_REUSED_PAGES {
            return None;
        }
        image.shift = depth::dirty_shift(image.pages);
        Some(image)
    }
}

/// The value of a constant expression of one `*.const`.
fn constant(expr: &wasmparser::ConstExpr<'_>) -> Option<Val> {
    let mut reader = expr.get_operators_reader();
    let value = match reader.read().ok()? {
        Operator::I32Const { value } => Val::I32(value),
        Operator::I64Const { value } => Val::I64(value),
        Operator::F32Const { value } => Val::F32(value.bits()),
        Operator::F64Const { value } => Val::F64(value.bits()),
        _ => return None,
    };
    matches!(reader.read().ok()?, Operator::End).then_some(value)
}

/// Whether `op` changes instance state a reset does not restore.
fn changes_instance_state(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::MemoryInit { .. }
            | Operator::DataDrop { .. }
            | Operator::TableInit { .. }
            | Operator::ElemDrop { .. }
            | Operator::TableCopy { .. }
            | Operator::TableSet { .. }
            | Operator::TableGrow { .. }
            | Operator::TableFill { .. }
    )
}

/// An instance ready for a call, with what the runtime uses of it.
pub struct ReadyInstance {
    /// Its store (whose data is replaced for each call).
    pub store: Store<HostState>,
    /// The instance.
    pub instance: Instance,
    /// Its memory.
    pub memory: Memory,
    /// `user_entrypoint`.
    pub entry: TypedFunc<i32, i32>,
    /// The mutable globals, with their initial values.
    globals: Vec<(Global, Val)>,
    /// The instrumentation's dirty map of linear memory.
    dirty: Option<Global>,
}

impl ReadyInstance {
    /// Wraps a fresh `instance` in `store` for calls and reuse under `image`.
    pub fn new(
        mut store: Store<HostState>,
        instance: Instance,
        image: Option<&ResetImage>,
    ) -> wasmtime::Result<Self> {
        let memory = instance
            .get_memory(&mut store, "memory")
            .ok_or_else(|| wasmtime::Error::msg("no memory export"))?;
        let entry = instance.get_typed_func::<i32, i32>(&mut store, "user_entrypoint")?;
        let mut globals = Vec::new();
        for (name, value) in image.map(|image| image.globals.as_slice()).unwrap_or_default() {
            let global = instance
                .get_global(&mut store, name)
                .ok_or_else(|| wasmtime::Error::msg(format!("no global export {name}")))?;
            globals.push((global, *value));
        }
        let dirty = instance.get_global(&mut store, depth::DIRTY_EXPORT);
        Ok(Self { store, instance, memory, entry, globals, dirty })
    }

    /// Resets the instance to `image` after a call whose host functions wrote the granules of
    /// `host_dirty`; `false` when it cannot be (its memory grew), and it must be dropped.
    fn reset(&mut self, image: &ResetImage, host_dirty: u64) -> bool {
        let Some(stored) = self.dirty.and_then(|dirty| dirty.get(&mut self.store).i64()) else {
            return false;
        };
        let dirty = stored as u64 | host_dirty;
        let memory = self.memory.data_mut(&mut self.store);
        let size = image.pages as usize * 65_536;
        if memory.len() != size {
            return false;
        }
        let granule = 1usize << image.shift;
        let mut bits = dirty;
        while bits != 0 {
            let index = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let start = index * granule;
            // A store of up to 8 bytes that starts in this granule may end in the next.
            let end = (start + granule + 7).min(size);
            if let Some(range) = memory.get_mut(start..end) {
                range.fill(0);
            }
        }
        for (offset, bytes) in &image.data {
            match memory.get_mut(*offset..offset + bytes.len()) {
                Some(target) => target.copy_from_slice(bytes),
                None => return false,
            }
        }
        for (global, value) in &self.globals {
            if global.set(&mut self.store, *value).is_err() {
                return false;
            }
        }
        true
    }
}

/// The idle instances of one program.
#[derive(Default)]
pub struct IdleInstances(Mutex<Vec<ReadyInstance>>);

impl std::fmt::Debug for IdleInstances {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdleInstances").field(&self.0.lock().len()).finish()
    }
}

impl IdleInstances {
    /// An idle instance, if there is one.
    pub fn take(&self) -> Option<ReadyInstance> {
        let ready = self.0.lock().pop()?;
        IDLE.fetch_sub(1, Ordering::Relaxed);
        Some(ready)
    }

    /// Resets `ready` (used by a call that succeeded or reverted, whose host functions wrote
    /// the granules of `host_dirty`) to `image` and keeps it for the next call, within the
    /// bounds; otherwise it is dropped.
    pub fn put_back(&self, mut ready: ReadyInstance, image: &ResetImage, host_dirty: u64) {
        if !ready.reset(image, host_dirty) {
            return;
        }
        let mut idle = self.0.lock();
        if idle.len() >= IDLE_PER_PROGRAM {
            return;
        }
        if IDLE.fetch_add(1, Ordering::Relaxed) >= IDLE_INSTANCES {
            IDLE.fetch_sub(1, Ordering::Relaxed);
            return;
        }
        idle.push(ready);
    }
}

impl Drop for IdleInstances {
    fn drop(&mut self) {
        IDLE.fetch_sub(self.0.get_mut().len(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(wat: &str) -> Option<ResetImage> {
        let module = depth::instrument(&wat::parse_str(wat).unwrap()).unwrap();
        ResetImage::of(&module)
    }

    #[test]
    fn the_image_has_pages_data_and_mutable_globals() {
        let image = image(
            r#"(module (memory (export "memory") 1)
                 (global $sp (mut i32) (i32.const 4096)) (global i32 (i32.const 7))
                 (data (i32.const 16) "abc")
                 (func (export "user_entrypoint") (param i32) (result i32) (i32.const 0)))"#,
        )
        .expect("reusable");
        assert_eq!(image.pages, 1);
        assert_eq!(image.data, [(16, b"abc".to_vec())]);
        // The program's mutable global, the depth counter and the dirty map.
        let names: Vec<&str> = image.globals.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["manifold_global_0", "manifold_global_2", "manifold_global_3"]);
        assert_eq!(image.shift, 10, "1 KiB granules for one page");
        assert_eq!(image.globals[0].1.i32(), Some(4096));
    }

    #[test]
    fn modules_with_instance_state_beyond_memory_and_globals_are_not_reused() {
        let with_data_drop = r#"(module (memory (export "memory") 1) (data "x")
             (func (export "user_entrypoint") (param i32) (result i32) (data.drop 0) (i32.const 0)))"#;
        assert!(image(with_data_drop).is_none());
    }
}
