//! The WebAssembly runtime: one wasmtime engine for the process, configured for deterministic,
//! metered execution, and the cache of compiled programs.
//!
//! A program is validated and compiled once, when it is deployed or first called, and kept in
//! memory by code hash. With a cache directory set ([`WasmRuntime::set_cache_dir`], the node's
//! data directory), the compiled artifact is also written to disk under wasmtime's
//! compatibility hash, so a restarted node loads it instead of compiling again; an artifact
//! from another wasmtime build or configuration is in another directory and never read.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    path::{Path, PathBuf},
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
};

use alloy_primitives::{B256, Bytes};
use parking_lot::{Mutex, RwLock};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, OptLevel,
    PoolingAllocationConfig, Store, Trap,
};

use super::{
    depth,
    evm_api::{EvmApi, ProgramFrame},
    evm_bridge::MAX_NESTED_PROGRAMS,
    host_state::{Halt, HostState},
    hostio,
    instance_reuse::{IDLE_INSTANCES, IdleInstances, ReadyInstance, ResetImage},
    pricing::{MAX_PAGES, fuel_to_gas, gas_to_fuel},
    program_code::{ProgramCodeError, decode_program},
    validation::{ModuleError, validate_module},
};

/// Most compiled programs kept in memory; past it the cache is emptied and refilled.
const MAX_CACHED_PROGRAMS: usize = 1024;
/// wasmtime's limit on the native stack a program's frames may take: a backstop far above what
/// the instrumented depth counter (`depth`) lets a program use, which is what decides.
const MAX_WASM_STACK: usize = 128 * 1024;

/// Why deployed code cannot run as a program.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    /// The Stylus deployed form is broken.
    #[error(transparent)]
    Code(#[from] ProgramCodeError),
    /// The module is refused.
    #[error(transparent)]
    Module(#[from] ModuleError),
    /// wasmtime could not compile it.
    #[error("compilation failed: {0}")]
    Compile(String),
}

/// A validated, compiled program, ready to instantiate.
pub struct CompiledProgram {
    pre: InstancePre<HostState>,
    initial_pages: u64,
    /// What a fresh instance looks like, when instances may be reused (`instance_reuse`).
    image: Option<ResetImage>,
    /// Instances reset after a call, ready for the next.
    idle: IdleInstances,
    /// Instances made of it (not reused).
    instantiations: AtomicU64,
}

impl CompiledProgram {
    /// How many instances of the program were made (calls that found no idle one).
    pub fn instantiations(&self) -> u64 {
        self.instantiations.load(Ordering::Relaxed)
    }

    /// Whether instances of the program are reused between calls (see `instance_reuse`).
    pub fn reusable(&self) -> bool {
        self.image.is_some()
    }
}

impl std::fmt::Debug for CompiledProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledProgram").field("initial_pages", &self.initial_pages).finish()
    }
}

/// How a program's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramStatus {
    /// `user_entrypoint` returned 0.
    Success,
    /// It returned another status (or exited early with one): the frame reverts.
    Revert,
    /// Gas ran out.
    OutOfGas,
    /// It tried to change state in a static call.
    StaticViolation,
    /// Its stack overflowed (recursion too deep).
    StackOverflow,
    /// It trapped (unreachable, out-of-bounds memory, division by zero, a bad host-call
    /// argument, ...).
    Trap(String),
    /// The EVM's database failed.
    Fatal,
}

/// The result of running a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOutcome {
    /// How it ended.
    pub status: ProgramStatus,
    /// Its result (return data, or revert data).
    pub output: Bytes,
    /// Gas left of the gas it was given.
    pub gas_left: u64,
    /// Gas refund earned.
    pub refund: i64,
}

/// The process's WebAssembly runtime.
pub struct WasmRuntime {
    engine: Engine,
    linker: Linker<HostState>,
    programs: Mutex<HashMap<B256, Arc<CompiledProgram>>>,
    cache_dir: RwLock<Option<PathBuf>>,
    compilations: AtomicU64,
}

impl std::fmt::Debug for WasmRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmRuntime").finish_non_exhaustive()
    }
}

/// Transactions that may run programs at once in the process; each may nest up to
/// `MAX_NESTED_PROGRAMS`. The instance pool has a slot for every one of those programs.
const CONCURRENT_TRANSACTIONS: usize = 64;

/// The wasmtime configuration: fuel with Stylus-derived operator costs, NaN canonicalisation,
/// only the features deployed modules may use, a bounded stack, and instances from a pool
/// (instantiating a program for each call is then a slot reuse, not fresh mappings).
fn engine_config() -> Config {
    let slots = (CONCURRENT_TRANSACTIONS * MAX_NESTED_PROGRAMS + IDLE_INSTANCES) as u32;
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(slots)
        .total_memories(slots)
        .total_tables(slots)
        .max_memory_size(MAX_PAGES as usize * 65_536)
        // Resetting a slot's first MiB with memset is cheaper than unmapping it.
        .linear_memory_keep_resident(1 << 20)
        .table_keep_resident(64 << 10);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    config
        .consume_fuel(true)
        .operator_cost(super::pricing::operator_costs())
        .cranelift_nan_canonicalization(true)
        .cranelift_opt_level(OptLevel::Speed)
        .max_wasm_stack(MAX_WASM_STACK)
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_bulk_memory(true)
        .wasm_multi_value(false);
    config
}

impl WasmRuntime {
    fn new() -> Self {
        let engine = Engine::new(&engine_config()).expect("the wasmtime configuration is valid");
        let mut linker = Linker::new(&engine);
        hostio::link(&mut linker).expect("host functions link once each");
        Self {
            engine,
            linker,
            programs: Mutex::new(HashMap::new()),
            cache_dir: RwLock::new(None),
            compilations: AtomicU64::new(0),
        }
    }

    /// The process's runtime.
    pub fn global() -> &'static WasmRuntime {
        static RUNTIME: OnceLock<WasmRuntime> = OnceLock::new();
        RUNTIME.get_or_init(WasmRuntime::new)
    }

    /// Keeps compiled programs in `dir` too (a subdirectory per wasmtime compatibility hash and
    /// instrumentation version).
    pub fn set_cache_dir(&self, dir: &Path) {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.engine.precompile_compatibility_hash().hash(&mut hasher);
        depth::INSTRUMENTATION_VERSION.hash(&mut hasher);
        let dir = dir.join(format!("{:016x}", hasher.finish()));
        *self.cache_dir.write() = Some(dir);
    }

    /// The compiled program of `code` (Stylus form) with hash `code_hash`: from memory, from
    /// the disk cache, or validated and compiled now.
    pub fn program(
        &self,
        code_hash: B256,
        code: &[u8],
    ) -> Result<Arc<CompiledProgram>, ProgramError> {
        if let Some(program) = self.programs.lock().get(&code_hash) {
            return Ok(program.clone());
        }
        let module = decode_program(code)?;
        validate_module(&module)?;
        let initial_pages = initial_pages(&module);
        let module =
            depth::instrument(&module).map_err(|e| ProgramError::Compile(e.to_string()))?;
        let image = ResetImage::of(&module);
        let compiled = self.load_or_compile(code_hash, &module)?;
        let pre = self
            .linker
            .instantiate_pre(&compiled)
            .map_err(|e| ProgramError::Compile(e.to_string()))?;
        let program = Arc::new(CompiledProgram {
            pre,
            initial_pages,
            image,
            idle: IdleInstances::default(),
            instantiations: AtomicU64::new(0),
        });
        let mut programs = self.programs.lock();
        if programs.len() >= MAX_CACHED_PROGRAMS {
            programs.clear();
        }
        programs.insert(code_hash, program.clone());
        Ok(program)
    }

    fn load_or_compile(&self, code_hash: B256, module: &[u8]) -> Result<Module, ProgramError> {
        let path = self.cache_dir.read().as_ref().map(|dir| dir.join(format!("{code_hash}.cwasm")));
        if let Some(path) = &path
            && path.exists()
        {
            // SAFETY: the file was written by `Module::serialize` of an engine with the same
            // compatibility hash (the directory's name), by this node.
            match unsafe { Module::deserialize_file(&self.engine, path) } {
                Ok(compiled) => return Ok(compiled),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "unreadable compiled program; compiling again")
                }
            }
        }
        let compiled = Module::new(&self.engine, module)
            .map_err(|e| ProgramError::Compile(format!("{e:#}")))?;
        self.compilations.fetch_add(1, Ordering::Relaxed);
        if let Some(path) = path
            && let Err(e) = write_artifact(&path, &compiled)
        {
            tracing::warn!(path = %path.display(), error = %e, "cannot keep compiled program on disk");
        }
        Ok(compiled)
    }

    /// How many modules this process has compiled (not loaded from the disk cache).
    pub fn compilations(&self) -> u64 {
        self.compilations.load(Ordering::Relaxed)
    }

    /// Whether the compiled program of `code_hash` is in memory.
    pub fn is_cached(&self, code_hash: &B256) -> bool {
        self.programs.lock().contains_key(code_hash)
    }

    /// Drops every compiled program from memory (the disk cache stays), as a restart does.
    pub fn clear_memory_cache(&self) {
        self.programs.lock().clear();
    }

    /// Runs `program` in `frame` with `args` and `gas`.
    pub fn run(
        &self,
        program: &CompiledProgram,
        api: &mut dyn EvmApi,
        frame: ProgramFrame,
        args: Bytes,
        gas: u64,
    ) -> ProgramOutcome {
        let _slots = PoolSlots::enter();
        let args_len = args.len() as i32;
        // SAFETY: the state, which holds the api pointer, is replaced (`HostState::detached`)
        // or dropped with its store before this function returns, while `api` is borrowed.
        let state = unsafe { HostState::new(api, frame, args, program.initial_pages) };
        // An idle instance of the program, reset to what a fresh one is, or a fresh one.
        let ready = match program.idle.take() {
            Some(mut ready) => {
                *ready.store.data_mut() = state;
                Ok(ready)
            }
            None => {
                program.instantiations.fetch_add(1, Ordering::Relaxed);
                let mut store = Store::new(&self.engine, state);
                store.limiter(|state| state);
                program.pre.instantiate(&mut store).and_then(|instance| {
                    ReadyInstance::new(store, instance, program.image.as_ref())
                })
            }
        };
        let mut ready = match ready {
            Ok(ready) => ready,
            Err(e) => {
                // A module that fails to instantiate (a data segment out of bounds, say) halts
                // the call as a trap does, the same on every node.
                tracing::debug!(error = %e, "a program failed to instantiate");
                return ProgramOutcome {
                    output: Bytes::new(),
                    gas_left: 0,
                    refund: 0,
                    status: ProgramStatus::Trap(format!("instantiation: {e:#}")),
                };
            }
        };
        let ReadyInstance { store, memory, entry, instance, .. } = &mut ready;
        store.set_fuel(gas_to_fuel(gas)).expect("fuel is enabled");
        store.data_mut().memory = Some(*memory);
        let run = entry.call(&mut *store, args_len);
        // The depth counter's trap is an `unreachable` with the counter past its limit.
        let too_deep = run.is_err()
            && instance
                .get_global(&mut *store, depth::DEPTH_EXPORT)
                .and_then(|global| global.get(&mut *store).i32())
                .is_some_and(|words| words > depth::MAX_STACK_WORDS);
        // The gas owed for memory growth since the last host call.
        let mut fuel = store.get_fuel().unwrap_or(0);
        let debt = gas_to_fuel(std::mem::take(&mut store.data_mut().gas_debt));
        let out_of_gas_by_debt = fuel < debt;
        fuel = fuel.saturating_sub(debt);
        let state = store.data_mut();
        let ended = |code: u32| {
            if code == 0 { ProgramStatus::Success } else { ProgramStatus::Revert }
        };
        let status = match (run, state.halt.take()) {
            (_, Some(Halt::Exit(code))) => ended(code),
            (Ok(code), None) => ended(code as u32),
            (_, Some(Halt::OutOfGas)) => ProgramStatus::OutOfGas,
            (_, Some(Halt::StaticViolation)) => ProgramStatus::StaticViolation,
            (_, Some(Halt::Fatal)) => ProgramStatus::Fatal,
            (_, Some(Halt::BadArgument(why))) => ProgramStatus::Trap(why.to_string()),
            (Err(_), None) if too_deep => ProgramStatus::StackOverflow,
            (Err(e), None) => match e.downcast_ref::<Trap>() {
                Some(Trap::OutOfFuel) => ProgramStatus::OutOfGas,
                Some(Trap::StackOverflow) => ProgramStatus::StackOverflow,
                Some(trap) => ProgramStatus::Trap(trap.to_string()),
                None => ProgramStatus::Trap(format!("{e:#}")),
            },
        };
        let status = if out_of_gas_by_debt && status != ProgramStatus::Fatal {
            ProgramStatus::OutOfGas
        } else {
            status
        };
        let keeps_gas = matches!(status, ProgramStatus::Success | ProgramStatus::Revert);
        let outcome = ProgramOutcome {
            output: if keeps_gas {
                Bytes::from(std::mem::take(&mut state.result))
            } else {
                Bytes::new()
            },
            gas_left: if keeps_gas { fuel_to_gas(fuel) } else { 0 },
            refund: if status == ProgramStatus::Success { state.refund } else { 0 },
            status,
        };
        let host_dirty = state.host_dirty;
        *state = HostState::detached(program.initial_pages);
        if keeps_gas && let Some(image) = &program.image {
            program.idle.put_back(ready, image, host_dirty);
        }
        outcome
    }
}

fn write_artifact(path: &Path, module: &Module) -> std::io::Result<()> {
    let bytes = module.serialize().map_err(|e| std::io::Error::other(e.to_string()))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Written whole under another name, then renamed: a crash never leaves half an artifact.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(tmp, path)
}

/// The initial pages of the module's memory (validation has checked there is one).
fn initial_pages(module: &[u8]) -> u64 {
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        if let Ok(wasmparser::Payload::MemorySection(reader)) = payload {
            return reader.into_iter().flatten().map(|m| m.initial).next().unwrap_or(0);
        }
    }
    0
}

/// A transaction's claim on the instance pool: the outermost program of a transaction on a
/// thread takes `MAX_NESTED_PROGRAMS` slots at once (waiting while all are taken), so its
/// nested programs always find one and no two transactions can each hold part of what the
/// other waits for.
struct PoolSlots;

static FREE_TRANSACTIONS: Mutex<usize> = Mutex::new(CONCURRENT_TRANSACTIONS);
static TRANSACTION_FREED: parking_lot::Condvar = parking_lot::Condvar::new();

thread_local! {
    /// Programs running on this thread now (nested through calls).
    static RUNNING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl PoolSlots {
    fn enter() -> Self {
        if RUNNING.get() == 0 {
            let mut free = FREE_TRANSACTIONS.lock();
            while *free == 0 {
                TRANSACTION_FREED.wait(&mut free);
            }
            *free -= 1;
        }
        RUNNING.set(RUNNING.get() + 1);
        Self
    }
}

impl Drop for PoolSlots {
    fn drop(&mut self) {
        RUNNING.set(RUNNING.get() - 1);
        if RUNNING.get() == 0 {
            *FREE_TRANSACTIONS.lock() += 1;
            TRANSACTION_FREED.notify_one();
        }
    }
}
