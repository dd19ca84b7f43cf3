/* A natural log that the compiler vectorises (SSE/AVX on x86-64, NEON on
 * aarch64): no calls, no branches, the same arithmetic in every lane.
 *
 * x = 2^e * m with m in [sqrt(1/2), sqrt(2)); ln x = e ln 2 + ln m, and
 * ln(1 + f), f = m - 1 in [-0.293, 0.414], is f - f^2/2 + f^3 P(f) with the
 * classic single-precision minimax polynomial P (as in Cephes' logf); ln 2 is
 * split in two parts so that e ln 2 adds no rounding of its own.
 * Error against glibc's logf, measured over every 97th normal float (22
 * million): at most 1 ulp of the result where |ln x| > 0.5, at most 3e-8
 * absolute where |ln x| <= 0.5; the tests hold it to 2 ulp and 1e-7. Inputs must be normal, positive and finite (callers
 * floor them first: 1e-10 for log-mel).
 */
#include <stdint.h>
#include <string.h>
#include "internal.h"

static inline float fast_ln(float x) {
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int32_t e = (int32_t)((bits >> 23) & 0xff) - 127;
    uint32_t mbits = (bits & 0x007fffffu) | 0x3f800000u;  /* m in [1, 2) */
    float m;
    memcpy(&m, &mbits, sizeof m);
    /* m in [sqrt(1/2), sqrt(2)): halve it (and count one more power of two) above sqrt(2). */
    int32_t big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    e += big;
    float f = m - 1.0f;
    float z = f * f;
    float p = 7.0376836292e-2f;
    p = p * f - 1.1514610310e-1f;
    p = p * f + 1.1676998740e-1f;
    p = p * f - 1.2420140846e-1f;
    p = p * f + 1.4249322787e-1f;
    p = p * f - 1.6668057665e-1f;
    p = p * f + 2.0000714765e-1f;
    p = p * f - 2.4999993993e-1f;
    p = p * f + 3.3333331174e-1f;
    float fe = (float)e;
    float y = f * z * p;
    y += -2.12194440e-4f * fe;   /* ln 2 = 0.693359375 - 2.12194440e-4 (low part first) */
    y += -0.5f * z;
    return f + y + 0.693359375f * fe;
}

tympan_status tympan_ln(const float *values, float *out, size_t count, float floor) {
    if ((!values || !out) && count > 0) return TYMPAN_EINVAL;
    if (!(floor >= 1.17549435e-38f) || floor > 3.4e38f) return TYMPAN_EINVAL;  /* normal and finite */
    for (size_t i = 0; i < count; i++) {
        float v = values[i];
        v = v > floor ? v : floor;            /* also maps NaN to the floor */
        v = v < 3.4028234e38f ? v : 3.4028234e38f;
        out[i] = fast_ln(v);
    }
    return TYMPAN_OK;
}
