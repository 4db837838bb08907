// `kenyon view`'s drawing: a full-frame image (the CPU-drawn text, axes and digit, or
// a finished frame copied to a window), and spike raster panels read straight from the
// recording's bitfield words, GeNN's layout: row `step` of a population of n neurons
// holds ceil(n / 32) words, neuron i in bit i % 32 of word i / 32.

struct Panel {
    // Left, top, width, height of the panel in pixels of the target.
    rect: vec4<u32>,
    // Target width and height in pixels.
    frame_size: vec2<u32>,
    n_neurons: u32,
    n_steps: u32,
    // Words from one recorded timestep's row to the next's (more than the population
    // needs when a batch's entries are interleaved), and the first word of step 0.
    row_stride: u32,
    first_word: u32,
    _pad: vec2<u32>,
    color: vec4<f32>,
}

@group(0) @binding(0) var<uniform> panel: Panel;
@group(0) @binding(1) var<storage, read> spikes: array<u32>;

@group(0) @binding(2) var image: texture_2d<f32>;

// One triangle covering the whole target.
@vertex
fn vs_full(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let uv = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(uv * 2.0 - 1.0, 0.0, 1.0);
}

// Copies the image pixel for pixel: it has the target's size.
@fragment
fn fs_image(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    return textureLoad(image, vec2<i32>(pos.xy), 0);
}

// Two triangles covering the panel's rectangle.
@vertex
fn vs_panel(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let corners = array<vec2<f32>, 6>(
        vec2(0.0, 0.0), vec2(1.0, 0.0), vec2(0.0, 1.0),
        vec2(0.0, 1.0), vec2(1.0, 0.0), vec2(1.0, 1.0),
    );
    let r = vec4<f32>(panel.rect);
    let px = r.xy + corners[i] * r.zw;
    let t = vec2<f32>(panel.frame_size);
    return vec4<f32>(px.x / t.x * 2.0 - 1.0, 1.0 - px.y / t.y * 2.0, 0.0, 1.0);
}

// Pixel column c covers timesteps [c S / W, (c + 1) S / W) and pixel row r (counted
// up from the bottom: neuron 0 is at the bottom, as in the PNG rasters) neurons
// [r N / H, (r + 1) N / H), each range at least one wide; the pixel is lit if any of
// them spiked. With W = S and H = N every pixel is one neuron in one timestep.
@fragment
fn fs_raster(@builtin(position) pos: vec4<f32>) -> @location(0) vec4<f32> {
    let c = u32(pos.x) - panel.rect.x;
    let r = panel.rect.y + panel.rect.w - 1u - u32(pos.y);
    let w = max(panel.rect.z, 1u);
    let h = max(panel.rect.w, 1u);
    let s0 = c * panel.n_steps / w;
    let s1 = min(max((c + 1u) * panel.n_steps / w, s0 + 1u), panel.n_steps);
    let n0 = r * panel.n_neurons / h;
    let n1 = min(max((r + 1u) * panel.n_neurons / h, n0 + 1u), panel.n_neurons);
    if (s0 >= s1 || n0 >= n1) {
        discard;
    }
    let w0 = n0 / 32u;
    let w1 = (n1 - 1u) / 32u;
    for (var s = s0; s < s1; s++) {
        let row = panel.first_word + s * panel.row_stride;
        for (var k = w0; k <= w1; k++) {
            var mask = 0xffffffffu;
            if (k == w0) {
                mask &= 0xffffffffu << (n0 % 32u);
            }
            if (k == w1) {
                mask &= 0xffffffffu >> (31u - (n1 - 1u) % 32u);
            }
            if ((spikes[row + k] & mask) != 0u) {
                return panel.color;
            }
        }
    }
    discard;
}
