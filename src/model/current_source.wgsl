// The tutorial's current source {{k}}: injectCurrent(magnitude). `q` indexes four neurons
// of one batch entry (see neuron_update.wgsl). Twin: the magnitudes the CPU's neuron
// update adds (current_source.rs beside this file).
@group(0) @binding({{binding}}) var<storage, read> magnitude_{{k}}: array<vec4<f32>>;

fn current_source_{{k}}(q: u32) -> vec4<f32> {
    return magnitude_{{k}}[q];
}
