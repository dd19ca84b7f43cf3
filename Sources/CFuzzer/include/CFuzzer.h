/* libFuzzer's driver, for the fuzz build of tympan-fuzz (`make fuzz` links
 * libclang_rt.fuzzer_no_main): it parses libFuzzer's flags and calls `test`
 * with each input. Declared only: nothing here is linked into other builds. */
#ifndef TYMPAN_CFUZZER_H
#define TYMPAN_CFUZZER_H
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *data, size_t size));

#endif
