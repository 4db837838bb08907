//! Planning a synapse group whose weight-update model is written as code strings: its
//! synapse variables, its report of `addToPost` beyond its bound, for postsynaptic code
//! its columns, and its synapse-code kernels (`kernels::synapse_code`), each checked
//! against the adapter's limits.

use super::buffers::{BufferPlan, Init};
use super::{BufferId, template_error};
use crate::gpu::kernels::propagate_spikes::{self, SOFTWARE_LOOP_LIMIT};
use crate::gpu::kernels::synapse_code::{self, POST_WORKGROUP, PieceError};
use crate::gpu::kernels::{KernelSpec, Shape};
use crate::gpu::{GpuError, GpuTuning};
use crate::model::code::CompiledWeightUpdate;
use crate::model::{BuiltNetwork, Columns};
use crate::sim::words_per_step;

/// Code group `g`'s buffers (beyond its connectivity) and its kernels on presynaptic and
/// postsynaptic spikes, where it has code for them.
pub(super) fn plan_code_group<'n>(
    net: &'n BuiltNetwork,
    g: usize,
    code: &'n CompiledWeightUpdate,
    (shape, tuning): (Shape, GpuTuning),
    buffers: &mut BufferPlan<'n, '_>,
) -> Result<(Option<KernelSpec>, Option<KernelSpec>), GpuError> {
    let s = &net.synapse_groups[g];
    let name = &s.name;
    // Not reset by a reset: synapse variables are learnt, like STDP's weights.
    for (i, (var, init)) in code.vars.iter().zip(&code.init).enumerate() {
        let label = format!("{name}.{}", var.name);
        buffers.add_words(BufferId::SynapseVar(g, i), label, init)?;
    }
    let label = format!("{name}.add_to_post_overflow");
    buffers.add(BufferId::AddToPostOverflow(g), label, 8, Init::Zeroed)?;
    let device = buffers.device;
    // Shared between threads as the synapse update's, with its bound on a software
    // adapter's loops, where there is code to run.
    let pre = match &code.pre_spike_syn {
        Some(_) => {
            let plan = propagate_spikes::plan(net, g, tuning.synapse_threads, &device)?;
            let words_pre = words_per_step(net.populations[s.pre].size) as u32;
            let workgroups = plan.workgroups(words_pre, device.max_workgroups());
            synapse_code::pre_spike_syn(net, g, shape, plan, workgroups)
                .map_err(|e| kernel_error(&format!("pre_spike_syn[{name}]"), e))?
        }
        None => None,
    };
    let post = match (&code.post_spike_syn, s.columns()) {
        (Some(_), Some(columns)) => post_kernel(net, g, columns, shape, buffers)?,
        _ => None,
    };
    for kernel in pre.iter().chain(&post) {
        let max_storage = device.limits.max_storage_buffers_per_shader_stage;
        if kernel.storage_buffers() > max_storage {
            return Err(device.over_limit(
                format!("synapse group '{name}' (storage buffers per kernel)"),
                u64::from(kernel.storage_buffers()),
                u64::from(max_storage),
            ));
        }
    }
    Ok((pre, post))
}

/// Plastic code group `g`'s columns and its kernel on postsynaptic spikes.
fn post_kernel<'n>(
    net: &'n BuiltNetwork,
    g: usize,
    columns: Columns,
    shape: Shape,
    buffers: &mut BufferPlan<'n, '_>,
) -> Result<Option<KernelSpec>, GpuError> {
    let label = |what: &str| format!("{}.{what}", net.synapse_groups[g].name);
    let longest = columns.max_column_length();
    let start = columns.start;
    buffers.add_owned_words(BufferId::ColumnStart(g), label("column_start"), start)?;
    let synapses = columns.synapses;
    let id = BufferId::ColumnSynapses(g);
    buffers.add_owned_words(id, label("column_synapses"), synapses)?;
    buffers.add_owned_words(BufferId::PreOf(g), label("pre_of"), columns.pre_of)?;
    let workgroups = longest
        .div_ceil(POST_WORKGROUP)
        .clamp(1, buffers.device.max_workgroups());
    check_post_loops(net, g, longest, workgroups, buffers)?;
    synapse_code::post_spike_syn(net, g, shape, workgroups).map_err(|e| {
        let name = &net.synapse_groups[g].name;
        kernel_error(&format!("post_spike_syn[{name}]"), e)
    })
}

/// A mistake of kenyon's own in assembling kernel `kernel`.
fn kernel_error(kernel: &str, e: PieceError) -> GpuError {
    match e {
        PieceError::Template(e) => template_error(kernel, e),
        e => GpuError::KernelMismatch {
            kernel: kernel.to_owned(),
            reason: e.to_string(),
        },
    }
}

/// Refuses, on a software adapter, a postsynaptic synapse-code kernel whose threads
/// could run past llvmpipe's loop limit (which would drop work silently).
fn check_post_loops(
    net: &BuiltNetwork,
    g: usize,
    longest: u32,
    workgroups: u32,
    buffers: &BufferPlan<'_, '_>,
) -> Result<(), GpuError> {
    let device = buffers.device;
    if device.adapter.is_hardware() {
        return Ok(());
    }
    let s = &net.synapse_groups[g];
    let words_post = words_per_step(net.populations[s.post].size) as u32;
    let iterations = synapse_code::post_loop_iterations(words_post, longest, workgroups);
    if iterations <= SOFTWARE_LOOP_LIMIT {
        return Ok(());
    }
    Err(device.over_limit(
        format!(
            "synapse group '{}' (postsynaptic synapse code over {} neurons: loop \
             iterations of one thread on a software adapter, which stops loops silently \
             past its limit; use the CPU backend or a hardware GPU)",
            s.name, net.populations[s.post].size
        ),
        iterations,
        SOFTWARE_LOOP_LIMIT,
    ))
}
