// The ExpCurr postsynaptic model of incoming synapse group {{k}} (DeltaCurr too, with
// init 1 and expDecay 0), four neurons at once; twin: PostsynapticConstants::update_lanes
// in exp_curr.rs beside this file. This timestep's synaptic input joins inSyn, init *
// inSyn is injected, then inSyn decays. `q` indexes four neurons of one batch entry (see
// neuron_update.wgsl), whose inSyn the neuron update keeps in a register through a block.
@group(0) @binding({{binding}}) var<storage, read_write> in_syn_{{k}}: array<vec4<f32>>;
override INIT_{{k}}: f32;
override EXP_DECAY_{{k}}: f32;

fn exp_curr_{{k}}(in_syn: ptr<function, vec4<f32>>, input: vec4<f32>) -> vec4<f32> {
    let joined = *in_syn + input;
    // Rounded on its own: the next timestep adds to it.
    *in_syn = product4(joined, vec4(EXP_DECAY_{{k}}));
    return product4(vec4(INIT_{{k}}), joined);
}
