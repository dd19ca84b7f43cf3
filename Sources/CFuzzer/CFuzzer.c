/* Declarations only (include/CFuzzer.h). */
#include "CFuzzer.h"
