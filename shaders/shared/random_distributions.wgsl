// Normal and exponential draws from Philox words, the twin of
// src/model/random/distributions.rs, which says how a draw consumes a Philox block and
// how each function works. WGSL leaves the precision of log, sqrt, cos, sin and division
// to the driver, so none is used here: only add, subtract, multiply, selects, exact
// conversions, bitcasts and integer operations, in the CPU's order, with every product
// that feeds an add rounded through `product` (shared/step_params), so every device
// gives the CPU's bits.

const RANDOM_LN_2 = 0.6931472f;
const RANDOM_SQRT_HALF_BITS = 0x3f3504f3u;

// Uniform in (0, 1): x | 1 times 2^-32, cut to 24 bits, built from its bits.
fn open_uniform_f32(x: u32) -> f32 {
    let n = x | 1u;
    let zeros = countLeadingZeros(n);
    let mantissa = ((n << zeros) >> 8u) & 0x7fffffu;
    return bitcast<f32>(((126u - zeros) << 23u) | mantissa);
}

// ln u for a positive normal u: u = 2^k (1 + f), 1 + f in [sqrt(1/2), sqrt(2)).
fn ln_f32(u: f32) -> f32 {
    let bits = bitcast<u32>(u) + (0x3f800000u - RANDOM_SQRT_HALF_BITS);
    let k = i32(bits >> 23u) - 127;
    let f = bitcast<f32>((bits & 0x7fffffu) + RANDOM_SQRT_HALF_BITS) - 1.0;
    var p = 0.08700436f;
    p = -0.14267486f + product(f, p);
    p = 0.14914767f + product(f, p);
    p = -0.16577585f + product(f, p);
    p = 0.19963063f + product(f, p);
    p = -0.25001338f + product(f, p);
    p = 0.3333391f + product(f, p);
    p = -0.5 + product(f, p);
    let log1p = f + product(product(f, f), p);
    return product(f32(k), RANDOM_LN_2) + log1p;
}

// sqrt s for s positive and normal, or zero: two Newton steps of 1/sqrt from the bit
// trick, then one of sqrt itself.
fn sqrt_f32(s: f32) -> f32 {
    var y = bitcast<f32>(0x5f3759dfu - (bitcast<u32>(s) >> 1u));
    let half = 0.5 * s;
    y = product(y, 1.5 - product(product(half, y), y));
    y = product(y, 1.5 - product(product(half, y), y));
    let r = product(s, y);
    return r + product(0.5 * y, s - product(r, r));
}

// cos and sin of 2 pi a / 2^26, a the top 26 bits of x: the nearest quarter turn from the
// integer bits, the rest, (pi/4) z with z in [-1, 1), by polynomials in z^2.
fn cos_sin_f32(x: u32) -> vec2<f32> {
    let a = (x + (1u << 29u)) >> 6u;
    let quadrant = a >> 24u;
    let d = i32(a & 0xffffffu) - (1 << 23u);
    let z = f32(d) * (1.0 / 8388608.0);
    let w = product(z, z);
    var s = -3.5950452e-05f;
    s = 0.002490001f + product(w, s);
    s = -0.080745436f + product(w, s);
    s = 0.7853982f + product(w, s);
    let sine = product(z, s);
    var c = 3.5287617e-06f;
    c = -0.0003259365f + product(w, c);
    c = 0.015854323f + product(w, c);
    c = -0.30842513f + product(w, c);
    let cosine = 1.0 + product(w, c);
    let swapped = select(vec2(cosine, sine), vec2(sine, cosine), (quadrant & 1u) == 1u);
    let signs = (vec2(quadrant + 1u, quadrant) & vec2(2u)) << vec2(30u);
    return bitcast<vec2<f32>>(bitcast<vec2<u32>>(swapped) ^ signs);
}

// Exponential of mean 1: -ln U.
fn exponential_f32(x: u32) -> f32 {
    return -ln_f32(open_uniform_f32(x));
}

// Two independent standard normals by Box-Muller: radius from u0, angle from u1.
fn normal_pair_f32(u0: u32, u1: u32) -> vec2<f32> {
    let radius = sqrt_f32(-2.0 * ln_f32(open_uniform_f32(u0)));
    let t = cos_sin_f32(u1);
    return vec2(product(radius, t.x), product(radius, t.y));
}

// A standard normal: the first of normal_pair_f32.
fn normal_f32(u0: u32, u1: u32) -> f32 {
    return normal_pair_f32(u0, u1).x;
}
