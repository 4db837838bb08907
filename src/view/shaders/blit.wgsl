// A finished frame copied pixel for pixel onto a window's surface, where the surface
// can't take a plain copy (another format, or no copy usage).

@group(0) @binding(0) var frame: texture_2d<f32>;

// One triangle covering the whole target.
@vertex
fn vs_full(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs_blit(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    return textureLoad(frame, vec2<i32>(pos.xy), 0);
}
