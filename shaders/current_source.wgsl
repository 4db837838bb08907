// The tutorial's current source {k}: injectCurrent(magnitude). `j` indexes the batch
// entry's copy of the neuron (batch * N + neuron).
@group(0) @binding({binding}) var<storage, read> magnitude_{k}: array<f32>;

fn current_source_{k}(j: u32) -> f32 {
    return magnitude_{k}[j];
}
