/* Four float lanes, chosen at compile time: NEON on aarch64, SSE2 on x86-64
 * (every x86-64 has it), nothing elsewhere or with -DTYMPAN_NO_SIMD. The
 * kernels that use it (window, the real FFT's split step with the power, filterbank, log; the
 * aggregates' and the scorer's two double lanes) are written
 * once against these few operations and keep their scalar reference next to
 * them (the *_scalar functions of tympan.h), which the tests compare.
 * Internal header: not part of the public API. */
#ifndef TYMPAN_SIMD_H
#define TYMPAN_SIMD_H

#include <stdint.h>

#if !defined(TYMPAN_NO_SIMD) && defined(__aarch64__) && defined(__ARM_NEON)
#include <arm_neon.h>
#define TYMPAN_SIMD 1
#define TYMPAN_SIMD_NAME "neon"
typedef float32x4_t v4f;
typedef int32x4_t v4i;
static inline v4f v4_load(const float *p) { return vld1q_f32(p); }
static inline void v4_store(float *p, v4f x) { vst1q_f32(p, x); }
static inline v4f v4_splat(float x) { return vdupq_n_f32(x); }
static inline v4f v4_add(v4f a, v4f b) { return vaddq_f32(a, b); }
static inline v4f v4_sub(v4f a, v4f b) { return vsubq_f32(a, b); }
static inline v4f v4_mul(v4f a, v4f b) { return vmulq_f32(a, b); }
/* acc + a * b, fused as the scalar code's `acc += a * b` is on aarch64 (fp-contract). */
static inline v4f v4_madd(v4f acc, v4f a, v4f b) { return vfmaq_f32(acc, a, b); }
static inline v4f v4_max(v4f a, v4f b) { return vmaxq_f32(a, b); }
static inline v4f v4_min(v4f a, v4f b) { return vminq_f32(a, b); }
static inline v4f v4_sqrt(v4f x) { return vsqrtq_f32(x); }  /* correctly rounded, as sqrtf */
/* Lane-wise a > b ? x : y; and a < b ? x : y (false, so y, where either is NaN). */
static inline v4f v4_select_gt(v4f a, v4f b, v4f x, v4f y) { return vbslq_f32(vcgtq_f32(a, b), x, y); }
static inline v4f v4_select_lt(v4f a, v4f b, v4f x, v4f y) { return vbslq_f32(vcltq_f32(a, b), x, y); }
static inline v4i v4_bits(v4f x) { return vreinterpretq_s32_f32(x); }
static inline v4f v4_from_bits(v4i x) { return vreinterpretq_f32_s32(x); }
static inline v4i v4i_splat(int32_t x) { return vdupq_n_s32(x); }
static inline v4i v4i_and(v4i a, v4i b) { return vandq_s32(a, b); }
static inline v4i v4i_or(v4i a, v4i b) { return vorrq_s32(a, b); }
static inline v4i v4i_sub(v4i a, v4i b) { return vsubq_s32(a, b); }
/* acc less one in each lane where x < bound (signed): acc counts the x below bound. */
static inline v4i v4i_count_below(v4i acc, v4i x, v4i bound) { return vsubq_s32(acc, vreinterpretq_s32_u32(vcltq_s32(x, bound))); }
static inline int32_t v4i_sum(v4i a) { return vaddvq_s32(a); }
static inline v4i v4i_shift_right(v4i a, int n) { return vreinterpretq_s32_u32(vshlq_u32(vreinterpretq_u32_s32(a), vdupq_n_s32(-n))); }
static inline v4f v4_from_int(v4i a) { return vcvtq_f32_s32(a); }
/* acc + w[0..3] p[0] + w[4..7] p[1] + w[8..11] p[2] + w[12..15] p[3], one
 * product after the other in each lane. */
static inline v4f v4_madd4(v4f acc, const float *w, const float *p) {
    float32x4_t x = vld1q_f32(p);
    float32x4x4_t m = vld1q_f32_x4(w);  /* one load of 16 weights */
    acc = vfmaq_laneq_f32(acc, m.val[0], x, 0);
    acc = vfmaq_laneq_f32(acc, m.val[1], x, 1);
    acc = vfmaq_laneq_f32(acc, m.val[2], x, 2);
    return vfmaq_laneq_f32(acc, m.val[3], x, 3);
}
typedef uint32x4_t v4m;
static inline v4m v4_gt(v4f a, v4f b) { return vcgtq_f32(a, b); }
static inline v4f v4_select(v4m mask, v4f x, v4f y) { return vbslq_f32(mask, x, y); }
/* x where the mask is set, 0 elsewhere. */
static inline v4f v4_keep(v4m mask, v4f x) { return vreinterpretq_f32_u32(vandq_u32(mask, vreinterpretq_u32_f32(x))); }
/* acc - a * b (fused). */
static inline v4f v4_msub(v4f acc, v4f a, v4f b) { return vfmsq_f32(acc, a, b); }
/* Four interleaved complex values c[0..7] (re, im, ...) to their real and imaginary lanes. */
static inline void v4_load_complex(const float *c, v4f *re, v4f *im) {
    float32x4x2_t z = vld2q_f32(c);
    *re = z.val[0];
    *im = z.val[1];
}
/* Real and imaginary lanes to four interleaved complex values c[0..7]. */
static inline void v4_store_complex(float *c, v4f re, v4f im) {
    float32x4x2_t z = {{re, im}};
    vst2q_f32(c, z);
}
/* Lanes in reverse order. */
static inline v4f v4_reverse(v4f x) { x = vrev64q_f32(x); return vextq_f32(x, x, 2); }
/* Finite-lane masks: all set while every lane seen was finite. */
static inline v4m v4_all_lanes(void) { return vdupq_n_u32(0xffffffffu); }
static inline v4m v4_and_finite(v4m mask, v4f x) { return vandq_u32(mask, vcleq_f32(vabsq_f32(x), vdupq_n_f32(3.40282347e38f))); }
static inline int v4_mask_all(v4m mask) { return vminvq_u32(mask) == 0xffffffffu; }
/* Two double lanes (the scorer's thresholds). */
typedef float64x2_t v2d;
static inline v2d v2d_load(const double *p) { return vld1q_f64(p); }
static inline v2d v2d_pair(double a, double b) { return vsetq_lane_f64(b, vdupq_n_f64(a), 1); }
/* Bit k set when low[k] <= x[k] <= high[k] (not when x[k] is NaN). */
static inline unsigned v2d_inside(v2d x, v2d low, v2d high) {
    uint64x2_t m = vandq_u64(vcgeq_f64(x, low), vcleq_f64(x, high));
    return (unsigned)(vgetq_lane_u64(m, 0) & 1) | (unsigned)(vgetq_lane_u64(m, 1) & 1) << 1;
}
static inline void v2d_store(double *p, v2d x) { vst1q_f64(p, x); }
static inline v2d v2d_splat(double x) { return vdupq_n_f64(x); }
static inline v2d v2d_add(v2d a, v2d b) { return vaddq_f64(a, b); }
/* Lane-wise x < low ? x : low, and x > high ? x : high (NaN x: low, high), as the scalar code. */
static inline v2d v2d_lower(v2d low, v2d x) { return vbslq_f64(vcltq_f64(x, low), x, low); }
static inline v2d v2d_higher(v2d high, v2d x) { return vbslq_f64(vcgtq_f64(x, high), x, high); }

#elif !defined(TYMPAN_NO_SIMD) && (defined(__SSE2__) || defined(__x86_64__))
#include <emmintrin.h>
#define TYMPAN_SIMD 1
#define TYMPAN_SIMD_NAME "sse2"
typedef __m128 v4f;
typedef __m128i v4i;
static inline v4f v4_load(const float *p) { return _mm_loadu_ps(p); }
static inline void v4_store(float *p, v4f x) { _mm_storeu_ps(p, x); }
static inline v4f v4_splat(float x) { return _mm_set1_ps(x); }
static inline v4f v4_add(v4f a, v4f b) { return _mm_add_ps(a, b); }
static inline v4f v4_sub(v4f a, v4f b) { return _mm_sub_ps(a, b); }
static inline v4f v4_mul(v4f a, v4f b) { return _mm_mul_ps(a, b); }
/* acc + a * b, rounded twice as the scalar code is without FMA. */
static inline v4f v4_madd(v4f acc, v4f a, v4f b) { return _mm_add_ps(acc, _mm_mul_ps(a, b)); }
static inline v4f v4_max(v4f a, v4f b) { return _mm_max_ps(a, b); }
static inline v4f v4_min(v4f a, v4f b) { return _mm_min_ps(a, b); }
static inline v4f v4_sqrt(v4f x) { return _mm_sqrt_ps(x); }  /* correctly rounded, as sqrtf */
static inline v4f v4_blend(v4f mask, v4f x, v4f y) { return _mm_or_ps(_mm_and_ps(mask, x), _mm_andnot_ps(mask, y)); }
static inline v4f v4_select_gt(v4f a, v4f b, v4f x, v4f y) { return v4_blend(_mm_cmpgt_ps(a, b), x, y); }
static inline v4f v4_select_lt(v4f a, v4f b, v4f x, v4f y) { return v4_blend(_mm_cmplt_ps(a, b), x, y); }
static inline v4i v4_bits(v4f x) { return _mm_castps_si128(x); }
static inline v4f v4_from_bits(v4i x) { return _mm_castsi128_ps(x); }
static inline v4i v4i_splat(int32_t x) { return _mm_set1_epi32(x); }
static inline v4i v4i_and(v4i a, v4i b) { return _mm_and_si128(a, b); }
static inline v4i v4i_or(v4i a, v4i b) { return _mm_or_si128(a, b); }
static inline v4i v4i_sub(v4i a, v4i b) { return _mm_sub_epi32(a, b); }
static inline v4i v4i_count_below(v4i acc, v4i x, v4i bound) { return _mm_sub_epi32(acc, _mm_cmpgt_epi32(bound, x)); }
static inline int32_t v4i_sum(v4i a) {
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, _MM_SHUFFLE(1, 0, 3, 2)));
    a = _mm_add_epi32(a, _mm_shuffle_epi32(a, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(a);
}
static inline v4i v4i_shift_right(v4i a, int n) { return _mm_srli_epi32(a, n); }
static inline v4f v4_from_int(v4i a) { return _mm_cvtepi32_ps(a); }
static inline v4f v4_madd4(v4f acc, const float *w, const float *p) {
    __m128 x = _mm_loadu_ps(p);
    acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(w), _mm_shuffle_ps(x, x, 0x00)));
    acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(w + 4), _mm_shuffle_ps(x, x, 0x55)));
    acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(w + 8), _mm_shuffle_ps(x, x, 0xaa)));
    return _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(w + 12), _mm_shuffle_ps(x, x, 0xff)));
}
typedef __m128 v4m;
static inline v4m v4_gt(v4f a, v4f b) { return _mm_cmpgt_ps(a, b); }
static inline v4f v4_select(v4m mask, v4f x, v4f y) { return v4_blend(mask, x, y); }
static inline v4f v4_keep(v4m mask, v4f x) { return _mm_and_ps(mask, x); }
static inline v4f v4_msub(v4f acc, v4f a, v4f b) { return _mm_sub_ps(acc, _mm_mul_ps(a, b)); }
static inline void v4_load_complex(const float *c, v4f *re, v4f *im) {
    v4f a = _mm_loadu_ps(c), b = _mm_loadu_ps(c + 4);
    *re = _mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    *im = _mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1));
}
static inline void v4_store_complex(float *c, v4f re, v4f im) {
    _mm_storeu_ps(c, _mm_unpacklo_ps(re, im));
    _mm_storeu_ps(c + 4, _mm_unpackhi_ps(re, im));
}
static inline v4f v4_reverse(v4f x) { return _mm_shuffle_ps(x, x, _MM_SHUFFLE(0, 1, 2, 3)); }
static inline v4m v4_all_lanes(void) { return _mm_castsi128_ps(_mm_set1_epi32(-1)); }
static inline v4m v4_and_finite(v4m mask, v4f x) {
    return _mm_and_ps(mask, _mm_cmple_ps(_mm_andnot_ps(_mm_set1_ps(-0.0f), x), _mm_set1_ps(3.40282347e38f)));
}
static inline int v4_mask_all(v4m mask) { return _mm_movemask_ps(mask) == 0xf; }
typedef __m128d v2d;
static inline v2d v2d_load(const double *p) { return _mm_loadu_pd(p); }
static inline v2d v2d_pair(double a, double b) { return _mm_set_pd(b, a); }
static inline unsigned v2d_inside(v2d x, v2d low, v2d high) {
    return (unsigned)_mm_movemask_pd(_mm_and_pd(_mm_cmpge_pd(x, low), _mm_cmple_pd(x, high)));
}
static inline void v2d_store(double *p, v2d x) { _mm_storeu_pd(p, x); }
static inline v2d v2d_splat(double x) { return _mm_set1_pd(x); }
static inline v2d v2d_add(v2d a, v2d b) { return _mm_add_pd(a, b); }
/* minpd / maxpd: (x < low) ? x : low and (x > high) ? x : high, exactly the scalar code's. */
static inline v2d v2d_lower(v2d low, v2d x) { return _mm_min_pd(x, low); }
static inline v2d v2d_higher(v2d high, v2d x) { return _mm_max_pd(x, high); }

#else
#define TYMPAN_SIMD 0
#define TYMPAN_SIMD_NAME "scalar"
#endif

#endif
