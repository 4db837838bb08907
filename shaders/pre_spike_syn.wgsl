// A weight-update model's synapse code on presynaptic spikes (twin: the CPU's synapse
// update of code groups): every spike of the timestep 1 + AXONAL_DELAY back (the previous
// one without a delay) runs the group's kenyon_pre_spike_syn for each synapse of its CSR
// row, with the synapse's variables, its
// neurons' variables and latest spike times; addToPost adds to the target's accumulator
// in fixed point, so sums don't depend on the order the atomics land in. Work is shared
// as in propagate_spikes.wgsl (SynapseUpdatePlan): every synapse of a timestep's spikes
// is run by one thread, so its variables need no atomics. Networks with such groups run
// one timestep per block: slot 0.

{{shared/step_params}}
{{shared/spike_ring}}
{{shared/accumulator}}

@group(0) @binding({{binding}}) var<storage, read> pre_spikes: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> row_start: array<u32>;
@group(0) @binding({{binding}}) var<storage, read> targets: array<u32>;

override WORDS_PRE: u32;
// Neurons per batch entry in the target's state: its size padded to whole words.
override ACC_STRIDE: u32;
override BATCH: u32;
// Length of the presynaptic population's ring of spike words.
override SPIKE_SLOTS: u32;
// The group's axonal delay in timesteps (less than SPIKE_SLOTS - 1).
override AXONAL_DELAY: u32;

{{add_to_post}}

{{synapse}}

// Threads of a workgroup, as in propagate_spikes.wgsl.
const ROW_THREADS: u32 = {{row_threads}}u;
// SynapseUpdateStrategy: the threads of a workgroup share each spiking neuron's row, or
// each thread takes its own words and their whole rows.
override SHARE_ROWS: bool;

// Workgroup row y serves batch entry y.
@compute @workgroup_size(ROW_THREADS)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) nwg: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let entry = wid.y;
    let previous = (earlier_ring_slot(0u, 1u + AXONAL_DELAY) * BATCH + entry) * WORDS_PRE;
    let stamp = stamp_index(entry, 0u);
    if SHARE_ROWS {
        for (var w = wid.x; w < WORDS_PRE; w += nwg.x) {
            var bits = pre_spikes[previous + w];
            if bits != 0u {
                stamp_slot(stamp);
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let end = row_start[pre + 1u];
                for (var j = row_start[pre] + lid; j < end; j += ROW_THREADS) {
                    kenyon_synapse(entry, pre, targets[j], j);
                }
            }
        }
    } else {
        for (var w = wid.x * ROW_THREADS + lid; w < WORDS_PRE; w += nwg.x * ROW_THREADS) {
            var bits = pre_spikes[previous + w];
            if bits != 0u {
                stamp_slot(stamp);
            }
            while bits != 0u {
                let pre = w * 32u + countTrailingZeros(bits);
                bits &= bits - 1u;
                let end = row_start[pre + 1u];
                for (var j = row_start[pre]; j < end; j++) {
                    kenyon_synapse(entry, pre, targets[j], j);
                }
            }
        }
    }
}
