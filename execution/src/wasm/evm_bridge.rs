//! Where WebAssembly meets revm, without a fork of revm:
//!
//! - [`ManifoldPrecompiles`], the EVM's precompile provider: Ethereum's precompiles, and any
//!   call to an account whose code is a Stylus program runs that program. The call is an
//!   ordinary EVM frame — revm's journal checkpoint around it, value moved before it — so a
//!   revert anywhere reverts the program's changes with the rest of the frame.
//! - A program's own calls and creations ([`EvmApi`]) run through revm's frame loop, at the
//!   next call depth, over the same context and journal: they may enter the EVM, a precompile
//!   or another program.
//! - [`manifold_instructions`]: the EVM's instruction table with a `RETURN` that lets a
//!   creation deploy a Stylus program — valid and compiled — and refuses any other code
//!   starting with `0xEF`, exactly as EIP-3541 does (revm's own EIP-3541 check is off, see
//!   `EvmConfig::cfg_env`).

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};

use crate::cross_vm::SolanaDb;
use revm::context_interface::cfg::Cfg;
use revm::handler::FrameResult;
use revm::{
    context::ContextError,
    context_interface::{ContextTr, Host, JournalTr, LocalContextTr, local::FrameStack},
    handler::{
        EthFrame, EthPrecompiles, ItemOrResult, PrecompileProvider, instructions::EthInstructions,
    },
    interpreter::{
        CallInput, CallInputs, CallScheme, CallValue, CreateInputs, CreateScheme, FrameInput, Gas,
        InstructionContext, InstructionResult, InterpreterAction, InterpreterResult, SharedMemory,
        interpreter::EthInterpreter,
        interpreter_action::FrameInit,
        interpreter_types::{InputsTr, LoopControl},
    },
    primitives::{AddressSet, hardfork::SpecId},
};

use super::{
    arb_wasm::ARB_WASM,
    evm_api::{CallKind, EvmApi, NestedCall, NestedCreate, NestedOutcome, ProgramFrame},
    program_code::is_stylus_code,
    runtime::{ProgramStatus, WasmRuntime},
};

/// Most programs running at once in one transaction (nested through calls). Each has its own
/// wasmtime stack, so the bound keeps the native stack bounded; past it a call fails as a call
/// past the EVM's depth limit does.
pub const MAX_NESTED_PROGRAMS: usize = 8;

/// The EVM's precompile provider: Ethereum's precompiles, and Stylus programs.
#[derive(Debug, Clone)]
pub struct ManifoldPrecompiles {
    eth: EthPrecompiles,
    /// Addresses of the programs running now, outermost first.
    running: Vec<Address>,
}

impl ManifoldPrecompiles {
    /// The provider for hard fork `spec`.
    pub fn new(spec: SpecId) -> Self {
        Self { eth: EthPrecompiles::new(spec), running: Vec::new() }
    }
}

impl<CTX> PrecompileProvider<CTX> for ManifoldPrecompiles
where
    CTX: ContextTr<Db: SolanaDb> + Host,
{
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.eth, spec)
    }

    fn run(
        &mut self,
        context: &mut CTX,
        inputs: &CallInputs,
    ) -> Result<Option<Self::Output>, String> {
        if let Some(output) = self.eth.run(context, inputs)? {
            return Ok(Some(output));
        }
        if inputs.bytecode_address == crate::cross_vm::SOLANA_CALL {
            return Ok(Some(crate::cross_vm::run_solana_call(context, inputs)));
        }
        if inputs.bytecode_address == ARB_WASM {
            let input = inputs.input.bytes(context);
            return Ok(Some(super::arb_wasm::run(context, inputs, &input)));
        }
        let (code_hash, bytecode) = &inputs.known_bytecode;
        let code = bytecode.original_byte_slice();
        if !is_stylus_code(code) {
            return Ok(None);
        }
        Ok(Some(self.run_program(context, inputs, *code_hash, code)))
    }

    fn warm_addresses(&self) -> &AddressSet {
        self.eth.warm_addresses()
    }

    fn contains(&self, address: &Address) -> bool {
        self.eth.contains(address)
    }
}

impl ManifoldPrecompiles {
    fn run_program<CTX: ContextTr<Db: SolanaDb> + Host>(
        &mut self,
        context: &mut CTX,
        inputs: &CallInputs,
        code_hash: B256,
        code: &[u8],
    ) -> InterpreterResult {
        let gas_limit = inputs.gas_limit;
        let fail = |result: InstructionResult| InterpreterResult {
            result,
            output: Bytes::new(),
            gas: {
                let mut gas = Gas::new(gas_limit);
                gas.spend_all();
                gas
            },
        };
        if self.running.len() >= MAX_NESTED_PROGRAMS {
            return fail(InstructionResult::CallTooDeep);
        }
        let runtime = WasmRuntime::global();
        let program = match runtime.program(code_hash, code) {
            Ok(program) => program,
            // Deployment admits only valid programs; code that fails here is not one (it was
            // in a genesis allocation, say): it halts like an invalid opcode.
            Err(e) => {
                tracing::debug!(%code_hash, error = %e, "call to an invalid program");
                return fail(InstructionResult::InvalidFEOpcode);
            }
        };
        let frame = ProgramFrame {
            address: inputs.target_address,
            caller: inputs.caller,
            value: inputs.value.get(),
            is_static: inputs.is_static,
            // The frame's checkpoint is taken: the journal is one deeper than the frame.
            depth: context.journal_ref().depth().saturating_sub(1),
            reentrant: self.running.contains(&inputs.target_address),
        };
        let args = inputs.input.bytes(context);
        self.running.push(inputs.target_address);
        let outcome = {
            let mut bridge = JournalBridge { context, precompiles: self };
            runtime.run(&program, &mut bridge, frame, args, gas_limit)
        };
        self.running.pop();
        let result = match outcome.status {
            ProgramStatus::Success => InstructionResult::Return,
            ProgramStatus::Revert => InstructionResult::Revert,
            ProgramStatus::OutOfGas => InstructionResult::OutOfGas,
            ProgramStatus::StaticViolation => InstructionResult::StateChangeDuringStaticCall,
            ProgramStatus::StackOverflow => InstructionResult::StackOverflow,
            ProgramStatus::Trap(why) => {
                tracing::debug!(address = %inputs.target_address, %why, "program trapped");
                InstructionResult::InvalidFEOpcode
            }
            ProgramStatus::Fatal => InstructionResult::FatalExternalError,
        };
        let mut gas = Gas::new(gas_limit);
        let _ = gas.record_regular_cost(gas_limit - outcome.gas_left.min(gas_limit));
        gas.record_refund(outcome.refund);
        InterpreterResult { result, output: outcome.output, gas }
    }
}

/// The [`EvmApi`] of a program running in `context`.
struct JournalBridge<'a, CTX> {
    context: &'a mut CTX,
    precompiles: &'a mut ManifoldPrecompiles,
}

impl<CTX: ContextTr<Db: SolanaDb> + Host> EvmApi for JournalBridge<'_, CTX> {
    fn host(&mut self) -> &mut dyn Host {
        self.context
    }

    fn call(&mut self, outer: &ProgramFrame, call: NestedCall) -> NestedOutcome {
        let (code_hash, bytecode) =
            match self.context.load_account_info_skip_cold_load(call.to, true, false) {
                Ok(account) => {
                    let code = account.code.clone().unwrap_or_default();
                    (account.code_hash, code)
                }
                Err(_) => return fatal(),
            };
        // An EIP-7702 account runs its delegate's code.
        let (code_hash, bytecode) = match bytecode.eip7702_address() {
            Some(delegate) => {
                match self.context.load_account_info_skip_cold_load(delegate, true, false) {
                    Ok(account) => (account.code_hash, account.code.clone().unwrap_or_default()),
                    Err(_) => return fatal(),
                }
            }
            None => (code_hash, bytecode),
        };
        let (target_address, caller, value, scheme, is_static) = match call.kind {
            CallKind::Call => (
                call.to,
                outer.address,
                CallValue::Transfer(call.value),
                CallScheme::Call,
                outer.is_static,
            ),
            CallKind::Delegate => (
                outer.address,
                outer.caller,
                CallValue::Apparent(outer.value),
                CallScheme::DelegateCall,
                outer.is_static,
            ),
            CallKind::Static => (
                call.to,
                outer.address,
                CallValue::Transfer(U256::ZERO),
                CallScheme::StaticCall,
                true,
            ),
        };
        let inputs = CallInputs {
            input: CallInput::Bytes(call.input),
            return_memory_offset: 0..0,
            gas_limit: call.gas,
            reservoir: 0,
            bytecode_address: call.to,
            known_bytecode: (code_hash, bytecode),
            target_address,
            caller,
            value,
            scheme,
            is_static,
            charged_new_account_state_gas: false,
        };
        self.run_frames(FrameInput::Call(Box::new(inputs)))
    }

    fn create(&mut self, outer: &ProgramFrame, create: NestedCreate) -> NestedOutcome {
        let scheme = match create.salt {
            Some(salt) => CreateScheme::Create2 { salt: salt.into() },
            None => CreateScheme::Create,
        };
        let inputs =
            CreateInputs::new(outer.address, scheme, create.endowment, create.code, create.gas, 0);
        self.run_frames(FrameInput::Create(Box::new(inputs)))
    }
}

fn fatal() -> NestedOutcome {
    NestedOutcome {
        success: false,
        output: Bytes::new(),
        gas_left: 0,
        refund: 0,
        created: None,
        fatal: true,
    }
}

impl<CTX: ContextTr<Db: SolanaDb> + Host> JournalBridge<'_, CTX> {
    /// Runs `input` and everything it calls through revm's frame loop, over this context.
    fn run_frames(&mut self, input: FrameInput) -> NestedOutcome {
        let depth = self.context.journal_ref().depth();
        // Nested frames' memory lives past everything the outer frames hold in the shared
        // buffer, and is freed when they are done.
        let mut root =
            SharedMemory::new_with_buffer(self.context.local().shared_memory_buffer().clone());
        let memory = root.new_child_context();
        let spec: SpecId = self.context.cfg().spec().into();
        let instructions = manifold_instructions::<CTX>(spec);
        let init = FrameInit { depth, memory, frame_input: input };
        let result = run_frame_loop(self.context, &instructions, self.precompiles, init);
        root.free_child_context();
        match result {
            Ok(FrameResult::Call(outcome)) => outcome_of(outcome.result, None),
            Ok(FrameResult::Create(outcome)) => outcome_of(outcome.result, outcome.address),
            Err(e) => {
                *self.context.error() = Err(e);
                fatal()
            }
        }
    }
}

fn outcome_of(result: InterpreterResult, created: Option<Address>) -> NestedOutcome {
    let success = result.result.is_ok();
    NestedOutcome {
        success,
        gas_left: result.gas.remaining(),
        refund: result.gas.refunded(),
        created: if success { created } else { None },
        output: result.output,
        fatal: result.result == InstructionResult::FatalExternalError,
    }
}

type DbError<CTX> = ContextError<<<CTX as ContextTr>::Db as revm::Database>::Error>;

/// revm's execution loop (`Handler::run_exec_loop` over `EvmTr`'s frame methods), over a
/// borrowed context.
fn run_frame_loop<CTX: ContextTr<Db: SolanaDb> + Host>(
    ctx: &mut CTX,
    instructions: &EthInstructions<EthInterpreter, CTX>,
    precompiles: &mut ManifoldPrecompiles,
    init: FrameInit,
) -> Result<FrameResult, DbError<CTX>> {
    let mut stack: FrameStack<EthFrame<EthInterpreter>> = FrameStack::new_prealloc(4);
    match EthFrame::init_with_context(stack.start_init(), ctx, precompiles, init)? {
        ItemOrResult::Result(result) => return Ok(result),
        // SAFETY: the token is the frame just initialised in the slot `start_init` gave.
        ItemOrResult::Item(token) => unsafe { stack.end_init(token) },
    }
    loop {
        let frame = stack.get();
        let action = frame.interpreter.run_plain(
            instructions.instruction_table(),
            instructions.gas_table(),
            ctx,
        );
        let next = frame.process_next_action::<_, DbError<CTX>>(ctx, action)?;
        if next.is_result() {
            frame.set_finished(true);
        }
        let result = match next {
            ItemOrResult::Item(init) => {
                match EthFrame::init_with_context(stack.get_next(), ctx, precompiles, init)? {
                    ItemOrResult::Item(token) => {
                        // SAFETY: as above, for the slot `get_next` gave.
                        unsafe { stack.push(token) };
                        continue;
                    }
                    ItemOrResult::Result(result) => result,
                }
            }
            ItemOrResult::Result(result) => result,
        };
        if stack.get().is_finished() {
            stack.pop();
        }
        if stack.index().is_none() {
            return Ok(result);
        }
        stack.get().return_result::<_, DbError<CTX>>(ctx, result)?;
    }
}

/// The EVM's instruction table for `spec`, with `RETURN` deploying Stylus programs.
pub fn manifold_instructions<CTX: Host>(spec: SpecId) -> EthInstructions<EthInterpreter, CTX> {
    let mut instructions = EthInstructions::new_mainnet_with_spec(spec);
    let gas = instructions.gas_table()[0xF3];
    instructions.insert_instruction(
        0xF3,
        revm::interpreter::Instruction::new(return_deploying_programs),
        gas,
    );
    instructions
}

/// `RETURN`, which in a creation admits code starting with `0xEF` only when it is a valid
/// Stylus program (compiled now, so that its first call finds it ready).
fn return_deploying_programs<H: Host + ?Sized>(
    context: InstructionContext<'_, H, EthInterpreter>,
) -> Result<(), InstructionResult> {
    let InstructionContext { interpreter, host } = context;
    let is_creation = interpreter.input.bytecode_address().is_none();
    let result = revm::interpreter::instructions::control::ret(InstructionContext {
        interpreter: &mut *interpreter,
        host,
    });
    if !is_creation {
        return result;
    }
    let Some(InterpreterAction::Return(returned)) = interpreter.bytecode.action().as_mut() else {
        return result;
    };
    if returned.output.first() != Some(&0xEF) {
        return result;
    }
    let code = returned.output.clone();
    let admitted = is_stylus_code(&code)
        && match WasmRuntime::global().program(keccak256(&code), &code) {
            Ok(_) => true,
            Err(e) => {
                tracing::debug!(error = %e, "creation returned an invalid Stylus program");
                false
            }
        };
    if admitted {
        return result;
    }
    returned.result = InstructionResult::CreateContractStartingWithEF;
    returned.output = Bytes::new();
    Err(InstructionResult::CreateContractStartingWithEF)
}

/// revm's EVM as Manifold runs it: mainnet rules, with Stylus programs deployable and callable.
pub type ManifoldEvm<CTX, INSP = ()> = revm::context::Evm<
    CTX,
    INSP,
    EthInstructions<EthInterpreter, CTX>,
    ManifoldPrecompiles,
    EthFrame<EthInterpreter>,
>;

/// The [`ManifoldEvm`] over `ctx`, observed by `inspector`, reusing `frame_stack`.
pub fn manifold_evm<CTX: ContextTr + Host, INSP>(
    ctx: CTX,
    inspector: INSP,
    frame_stack: FrameStack<EthFrame<EthInterpreter>>,
) -> ManifoldEvm<CTX, INSP> {
    let spec: SpecId = ctx.cfg().spec().into();
    revm::context::Evm {
        ctx,
        inspector,
        instruction: manifold_instructions(spec),
        precompiles: ManifoldPrecompiles::new(spec),
        frame_stack,
    }
}
