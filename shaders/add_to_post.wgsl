// A piece of pre_spike_syn.wgsl and post_spike_syn.wgsl: the group's accumulator, a
// 64-bit two's-complement sum per target neuron in two words (accumulator.wgsl), and the
// synapse functions' addToPost, which adds its input to the target of the synapse being
// run in fixed point (twin: FixedPointWeight::to_fixed64 on the CPU).
@group(0) @binding({{binding}}) var<storage, read_write> in_syn_acc: array<atomic<u32>>;
// [flag, bits of the value]: set by an addToPost beyond MAX_ADD, read back and cleared by
// the host, which reports SimError::AddToPostOutOfRange.
@group(0) @binding({{binding}}) var<storage, read_write> overflow: array<atomic<u32>>;
// 2^k: the group's fixed-point scale, which keeps MAX_ADD * SCALE below 2^62.
override SCALE: f32;
// The largest sum of |x| over one synapse's addToPost(x) calls in a timestep
// (max_add_to_post as f32).
override MAX_ADD: f32;

// The accumulator word (low word) of the synapse being run's target, and the |x| its
// addToPost calls have added so far, summed in f32 as the CPU sums it.
var<private> kenyon_add_at: u32;
var<private> kenyon_added: f32;

fn stamp_slot(stamp: u32) {
    atomicStore(&in_syn_acc[stamp], params.stamp);
}

// A float constant of the model's code, hidden from the shader compiler so that it can't
// reassociate arithmetic around it (model::code::opaque).
fn kenyon_f32(bits: u32) -> f32 {
    return bitcast<f32>(bits | params.zero);
}

// An input that would take the synapse past MAX_ADD (or one not finite) could overflow
// the sum: it is left out and reported (the first one since the host last cleared the
// flag). Twin: AddToPostNative in src/cpu/kernels/synapse_lanes.rs.
fn addToPost(x: f32) {
    let total = kenyon_added + abs(x);
    if total <= MAX_ADD {
        kenyon_added = total;
    } else {
        if atomicExchange(&overflow[0], 1u) == 0u {
            atomicStore(&overflow[1], bitcast<u32>(x));
        }
        return;
    }
    // x * 2^k is exact and round() breaks ties to even, as the CPU's to_fixed64.
    add_fixed64(kenyon_add_at, round(x * SCALE));
}

{{shared/add_fixed64}}
