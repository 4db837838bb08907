// The tutorial's current source {k}: injectCurrent(magnitude).
@group(0) @binding({binding}) var<storage, read> magnitude_{k}: array<f32>;

fn current_source_{k}(i: u32) -> f32 {
    return magnitude_{k}[i];
}
