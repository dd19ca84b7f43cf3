/* A qemu TCG plugin (user mode) that counts the guest instructions executed
 * between marker calls: the harness calls tympan_marker_begin_K before stage
 * K of a frame and tympan_marker_end_K after it; the plugin is given the
 * markers' addresses and adds up, per stage, the instructions run between
 * them, and counts the frames (calls of begin_0).
 *
 *   qemu-aarch64 -plugin ./libinsncount.so,marks=B0:E0:B1:E1:B2:E2:B3:E3 ...
 *
 * Built against qemu-plugin.h from Debian's qemu source package at build
 * time (Benchmarks/arm/run.sh); the header is not part of this project. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define STAGES 4
static uint64_t marks[2 * STAGES];
static uint64_t executed;            /* instructions so far (inline add: one user thread) */
static uint64_t started[STAGES];
static uint64_t totals[STAGES];
static uint64_t frames;

static void at_mark(unsigned int vcpu, void *data) {
    (void)vcpu;
    uintptr_t k = (uintptr_t)data;
    unsigned stage = (unsigned)(k / 2);
    if (k % 2 == 0) {
        started[stage] = executed;
        if (stage == 0) frames++;
    } else {
        totals[stage] += executed - started[stage];
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t address = qemu_plugin_insn_vaddr(insn);
        for (uintptr_t k = 0; k < 2 * STAGES; k++) {
            if (address == marks[k]) {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, at_mark, QEMU_PLUGIN_CB_NO_REGS, (void *)k);
            }
        }
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
    }
}

static void report_at_exit(qemu_plugin_id_t id, void *data) {
    (void)id; (void)data;
    char line[256];
    snprintf(line, sizeof line, "insncount frames %" PRIu64 " total %" PRIu64, frames, executed);
    qemu_plugin_outs(line);
    for (int s = 0; s < STAGES; s++) {
        snprintf(line, sizeof line, " stage%d %" PRIu64, s, totals[s]);
        qemu_plugin_outs(line);
    }
    qemu_plugin_outs("\n");
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "marks=", 6) == 0) {
            char *p = argv[i] + 6;
            for (int k = 0; k < 2 * STAGES && p && *p; k++) {
                marks[k] = strtoull(p, &p, 16);
                if (*p == ':') p++;
            }
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, report_at_exit, NULL);
    return 0;
}
