#include "tympan.h"

const char *tympan_status_message(tympan_status status) {
    switch (status) {
    case TYMPAN_OK: return "ok";
    case TYMPAN_EINVAL: return "invalid argument or configuration";
    case TYMPAN_ELENGTH: return "buffer length does not match";
    case TYMPAN_ENOMEM: return "out of memory";
    case TYMPAN_ENONFINITE: return "sample is NaN or infinite";
    case TYMPAN_EEMPTYBAND: return "a mel band covers no FFT bin";
    case TYMPAN_EFFT: return "FFTW could not plan the transform";
    }
    return "unknown status";
}
