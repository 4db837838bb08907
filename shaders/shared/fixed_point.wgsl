// Fixed-point synaptic input to f32, the nearest f32 (ties to even) as the CPU converts
// it. A plain f32(i32) may round either way when the value needs more than 24 bits (WGSL
// leaves the direction to the implementation), so neither conversion below relies on it.

// A 32-bit sum (`fixed_to_f32` in src/model/fixed_point.rs): the two halves are exact,
// the scaling by 4096 is exact (fused into the add or not), so the one rounding left is
// a correctly rounded f32 add.
fn fixed_to_f32(acc: vec4<i32>) -> vec4<f32> {
    return vec4<f32>(acc >> vec4(12u)) * 4096.0 + vec4<f32>(acc & vec4(4095));
}

// A 64-bit two's-complement sum given as its low and high words (the CPU's `acc as f32`,
// `wide_fixed_to_f32` in src/model/fixed_point.rs), in integer operations only: the
// magnitude is shifted until its leading one is the top bit, its top 24 bits are rounded
// by hand, and the f32's bits are put together.
fn wide_fixed_to_f32(lo: vec4<u32>, hi: vec4<u32>) -> vec4<f32> {
    let negative = hi >= vec4(0x80000000u);
    // The magnitude in two words: |i64::MIN| = 2^63 fits them unsigned.
    let m_lo = select(lo, vec4(0u) - lo, negative);
    let m_hi = select(hi, ~hi + select(vec4(0u), vec4(1u), lo == vec4(0u)), negative);
    // `top`: the 32 bits from the leading one down; `rest`: whether any bit below them is
    // set. Shifts stay below 32, which WGSL leaves undefined.
    let in_high = m_hi != vec4(0u);
    let shift_hi = min(countLeadingZeros(m_hi), vec4(31u));
    let shift_lo = min(countLeadingZeros(m_lo), vec4(31u));
    let top = select(
        m_lo << shift_lo,
        (m_hi << shift_hi) | ((m_lo >> vec4(1u)) >> (vec4(31u) - shift_hi)),
        in_high,
    );
    let rest = in_high & ((m_lo << shift_hi) != vec4(0u));
    let leading_zeros = select(vec4(32u) + shift_lo, shift_hi, in_high);
    // Round to 24 bits: to nearest, ties to even.
    let mantissa = top >> vec4(8u);
    let dropped = top & vec4(0xffu);
    let odd = (mantissa & vec4(1u)) == vec4(1u);
    let up = (dropped > vec4(0x80u)) | ((dropped == vec4(0x80u)) & (rest | odd));
    // The mantissa's leading one adds one to the exponent field, and a rounding carry
    // out of 24 bits moves the value to the next power of two by itself.
    let magnitude = ((vec4(189u) - leading_zeros) << vec4(23u)) + mantissa
        + select(vec4(0u), vec4(1u), up);
    let sign = select(vec4(0u), vec4(0x80000000u), negative);
    return bitcast<vec4<f32>>(select(magnitude, vec4(0u), top == vec4(0u)) | sign);
}
