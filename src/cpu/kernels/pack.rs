//! Packing 32 spike flags into a spike word. Written portably, the compiler builds the
//! word with a chain of vector shuffles and ORs, a good part of the neuron update's time
//! (`docs/performance.md` has the measurement); one mask instruction per vector does it.

/// Packs spike flags (each 0, or 1 or all ones) into a word: bit `j` from `flags[j]`.
pub(crate) trait PackSpikes {
    /// # Safety
    /// The implementation's CPU extension must be present: callers use the AVX2 and
    /// AVX-512 packers only in code that runs after detecting them.
    unsafe fn pack(flags: &[u32; 32]) -> u32;
}

/// Any CPU.
pub(crate) struct Portable;

impl PackSpikes for Portable {
    #[inline(always)]
    unsafe fn pack(flags: &[u32; 32]) -> u32 {
        flags
            .iter()
            .enumerate()
            .fold(0, |bits, (j, &flag)| bits | (flag & 1) << j)
    }
}

/// `vmovmskps`, 8 flags at a time.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx2;

#[cfg(target_arch = "x86_64")]
impl PackSpikes for Avx2 {
    #[inline(always)]
    unsafe fn pack(flags: &[u32; 32]) -> u32 {
        use std::arch::x86_64::{
            __m256i, _mm256_castsi256_ps, _mm256_loadu_si256, _mm256_movemask_ps, _mm256_slli_epi32,
        };
        let mut bits = 0u32;
        for k in 0..4 {
            // SAFETY: AVX2 is present (the caller's contract); elements 8k..8k+8 lie in
            // `flags`, and the load is unaligned.
            let eight = unsafe {
                let x = _mm256_loadu_si256(flags.as_ptr().add(8 * k).cast::<__m256i>());
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32::<31>(x)))
            };
            // The lowest bits, moved to the sign bits: one per flag.
            bits |= (eight as u32) << (8 * k);
        }
        bits
    }
}

/// `vptestmd` into a mask register, 16 flags at a time.
#[cfg(target_arch = "x86_64")]
pub(crate) struct Avx512;

#[cfg(target_arch = "x86_64")]
impl PackSpikes for Avx512 {
    #[inline(always)]
    unsafe fn pack(flags: &[u32; 32]) -> u32 {
        use std::arch::x86_64::{__m512i, _mm512_loadu_si512, _mm512_test_epi32_mask};
        // SAFETY: AVX-512F is present (the caller's contract); both 16-element halves lie
        // in `flags`, and the loads are unaligned.
        let (lo, hi) = unsafe {
            let lo = _mm512_loadu_si512(flags.as_ptr().cast::<__m512i>());
            let hi = _mm512_loadu_si512(flags.as_ptr().add(16).cast::<__m512i>());
            (
                _mm512_test_epi32_mask(lo, lo),
                _mm512_test_epi32_mask(hi, hi),
            )
        };
        u32::from(lo) | u32::from(hi) << 16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags_of(word: u32) -> [u32; 32] {
        std::array::from_fn(|j| if word >> j & 1 == 1 { u32::MAX } else { 0 })
    }

    #[test]
    fn every_packer_gives_the_word_from_all_ones_or_one_flags() {
        let mut x = 0x9E37_79B9u32;
        let words: Vec<u32> = [0, u32::MAX, 1, 1 << 31, 0x8000_0001, 0x0001_8000]
            .into_iter()
            .chain((0..200).map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x
            }))
            .collect();
        // The built-in update's flags are all ones, code strings' are 1 (a `bool`).
        let ones = |word| flags_of(word).map(|f| f & 1);
        for flags in words.iter().flat_map(|&w| [flags_of(w), ones(w)]) {
            let word = flags
                .iter()
                .rev()
                .fold(0, |bits, &f| bits << 1 | u32::from(f != 0));
            // SAFETY: the portable packer needs no CPU extension.
            assert_eq!(unsafe { Portable::pack(&flags) }, word);
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: AVX2 detected just above.
                assert_eq!(unsafe { Avx2::pack(&flags) }, word, "avx2 {word:#x}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F detected just above.
                assert_eq!(unsafe { Avx512::pack(&flags) }, word, "avx512 {word:#x}");
            }
        }
    }
}
