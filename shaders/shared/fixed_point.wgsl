// Fixed-point synaptic input to f32, exactly as the CPU's `fixed_to_f32` does it. A
// plain f32(i32) may round either way when the value needs more than 24 bits (WGSL
// leaves the direction to the implementation); the two halves below are exact, the
// scaling by 4096 is exact (fused into the add or not), so the one rounding left is a
// correctly rounded f32 add.
fn fixed_to_f32(acc: vec4<i32>) -> vec4<f32> {
    return vec4<f32>(acc >> vec4(12u)) * 4096.0 + vec4<f32>(acc & vec4(4095));
}
