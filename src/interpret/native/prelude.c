/* The lane arithmetic of kenyon's interpreter (src/interpret/math.rs) and its draws
   (src/model/random.rs), one for one. */
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef uint32_t u32;
typedef int32_t i32;
typedef struct {
  float (*f1[16])(float);
  float (*f2[2])(float, float);
} kfns;

static inline float F(u32 x) { float f; memcpy(&f, &x, 4); return f; }
static inline u32 U(float f) { u32 x; memcpy(&x, &f, 4); return x; }
static inline u32 sel(u32 c, u32 t, u32 e) { return c != 0u ? t : e; }
static inline float kmax(float x, float y) { return (x != x || y > x) ? y : x; }
static inline float kmin(float x, float y) { return (x != x || y < x) ? y : x; }
static inline float kclamp(float x, float lo, float hi) { return kmin(kmax(x, lo), hi); }
static inline float fsign(float x) { return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : 0.0f); }
static inline float mix(float x, float y, float a) { return x * (1.0f - a) + y * a; }
static inline float smoothstep(float e0, float e1, float x) {
  float t = kclamp((x - e0) / (e1 - e0), 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}
static inline i32 s_divisor(i32 a, i32 d) {
  return (d == 0 || (a == INT32_MIN && d == -1)) ? 1 : d;
}
static inline u32 sdiv(u32 a, u32 d) { return (u32)((i32)a / s_divisor((i32)a, (i32)d)); }
static inline u32 srem(u32 a, u32 d) { return (u32)((i32)a % s_divisor((i32)a, (i32)d)); }
static inline u32 sclamp(u32 x, u32 lo, u32 hi) {
  i32 v = (i32)x > (i32)lo ? (i32)x : (i32)lo;
  return (u32)(v < (i32)hi ? v : (i32)hi);
}
static inline u32 uclamp(u32 x, u32 lo, u32 hi) {
  u32 v = x > lo ? x : lo;
  return v < hi ? v : hi;
}
static inline u32 reverse_bits(u32 x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
  return (x >> 16) | (x << 16);
}
static inline u32 u_first_leading_bit(u32 x) { return x ? 31u - (u32)__builtin_clz(x) : 0xffffffffu; }
static inline u32 s_first_leading_bit(u32 x) { return u_first_leading_bit((i32)x < 0 ? ~x : x); }
static inline u32 bit_offset(u32 o) { return o < 32u ? o : 32u; }
static inline u32 bit_count(u32 o, u32 c) { return c < 32u - o ? c : 32u - o; }
static inline u32 u_extract_bits(u32 e, u32 offset, u32 count) {
  u32 o = bit_offset(offset), c = bit_count(o, count);
  return c == 0u ? 0u : (u32)(((uint64_t)e >> o) & ((1ull << c) - 1ull));
}
static inline u32 s_extract_bits(u32 e, u32 offset, u32 count) {
  u32 o = bit_offset(offset), c = bit_count(o, count);
  if (c == 0u) return 0u;
  /* Shifts of the bits, not of the signed value: C leaves those undefined. */
  uint64_t v = ((uint64_t)(int64_t)(i32)e >> o) << (64u - c);
  return (u32)(i32)((int64_t)v >> (64u - c));
}
static inline u32 insert_bits(u32 e, u32 newbits, u32 offset, u32 count) {
  u32 o = bit_offset(offset), c = bit_count(o, count);
  u32 mask = (u32)(((1ull << c) - 1ull) << o);
  return (e & ~mask) | ((u32)((uint64_t)newbits << o) & mask);
}

/* Philox4x32-10 (src/model/random.rs): the block of counter c under key (k0, k1), in c. */
static inline void philox4x32_10(u32 c[4], u32 k0, u32 k1) {
  for (int round = 0; round < 10; round++) {
    if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
    uint64_t p0 = (uint64_t)0xD2511F53u * c[0], p1 = (uint64_t)0xCD9E8D57u * c[2];
    u32 n0 = (u32)(p1 >> 32) ^ c[1] ^ k0, n2 = (u32)(p0 >> 32) ^ c[3] ^ k1;
    c[0] = n0; c[1] = (u32)p1; c[2] = n2; c[3] = (u32)p0;
  }
}
/* The draws of src/model/random/distributions.rs, one for one: the same operations in
   the same order, each rounding as Rust's (no contraction, no fast math). */
static inline float uniform_f32(u32 x) { return (float)(x >> 8) * F(0x33800000u); }
static inline float open_uniform_f32(u32 x) {
  u32 n = x | 1u, zeros = (u32)__builtin_clz(n);
  u32 mantissa = ((n << zeros) >> 8) & 0x7fffffu;
  return F(((126u - zeros) << 23) | mantissa);
}
static inline float ln_f32(float u) {
  u32 bits = U(u) + (0x3f800000u - 0x3f3504f3u);
  i32 k = (i32)(bits >> 23) - 127;
  float f = F((bits & 0x7fffffu) + 0x3f3504f3u) - 1.0f;
  float p = 0.08700436f;
  p = -0.14267486f + f * p;
  p = 0.14914767f + f * p;
  p = -0.16577585f + f * p;
  p = 0.19963063f + f * p;
  p = -0.25001338f + f * p;
  p = 0.3333391f + f * p;
  p = -0.5f + f * p;
  float ln1pf = f + f * f * p;
  return (float)k * 0.693147180559945309417232121458176568f + ln1pf;
}
static inline float sqrt_f32(float s) {
  float y = F(0x5f3759dfu - (U(s) >> 1));
  float half = 0.5f * s;
  y = y * (1.5f - half * y * y);
  y = y * (1.5f - half * y * y);
  float r = s * y;
  return r + 0.5f * y * (s - r * r);
}
static inline float cos_f32(u32 x) {
  u32 a = (x + (1u << 29)) >> 6, quadrant = a >> 24;
  i32 d = (i32)(a & 0xffffffu) - (1 << 23);
  float z = (float)d * (1.0f / 8388608.0f), w = z * z;
  float s = -3.5950452e-05f;
  s = 0.002490001f + w * s;
  s = -0.080745436f + w * s;
  s = 0.785398163397448309615660845819875721f + w * s;
  float sine = z * s;
  float c = 3.5287617e-06f;
  c = -0.0003259365f + w * c;
  c = 0.015854323f + w * c;
  c = -0.30842513f + w * c;
  float cosine = 1.0f + w * c;
  /* Odd quadrants swap sine and cosine; the sign bit follows the quadrant. */
  float turned = (quadrant & 1u) ? sine : cosine;
  return F(U(turned) ^ (((quadrant + 1u) & 2u) << 30));
}
static inline float exponential_f32(u32 x) { return -ln_f32(open_uniform_f32(x)); }
static inline float normal_f32(u32 u0, u32 u1) {
  return sqrt_f32(-2.0f * ln_f32(open_uniform_f32(u0))) * cos_f32(u1);
}
