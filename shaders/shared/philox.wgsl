// Philox4x32-10 counter-based random numbers, the twin of src/model/random.rs: the block
// of four numbers of a 128-bit counter under a 64-bit key, from 32-bit integer operations
// only (WGSL has no 64-bit integers), so every backend gives the same bits.

// The high 32 bits of a * b, from 16-bit halves (no partial sum overflows).
fn philox_mul_hi(a: u32, b: u32) -> u32 {
    let a_lo = a & 0xffffu;
    let a_hi = a >> 16u;
    let b_lo = b & 0xffffu;
    let b_hi = b >> 16u;
    let lo_lo = a_lo * b_lo;
    let hi_lo = a_hi * b_lo;
    let lo_hi = a_lo * b_hi;
    let cross = (lo_lo >> 16u) + (hi_lo & 0xffffu) + lo_hi;
    return a_hi * b_hi + (hi_lo >> 16u) + (cross >> 16u);
}

fn philox_round(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
    let m0 = 0xD2511F53u;
    let m1 = 0xCD9E8D57u;
    return vec4<u32>(
        philox_mul_hi(m1, c.z) ^ c.y ^ k.x,
        m1 * c.z,
        philox_mul_hi(m0, c.x) ^ c.w ^ k.y,
        m0 * c.x,
    );
}

fn philox4x32_10(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key;
    for (var i = 0u; i < 10u; i++) {
        if (i > 0u) {
            k += vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
        }
        c = philox_round(c, k);
    }
    return c;
}

// Uniform in [0, 1) from the top 24 bits of x, exact in f32 (as uniform_f32 on the CPU).
fn uniform_f32(x: u32) -> f32 {
    return f32(x >> 8u) * (1.0 / 16777216.0);
}
