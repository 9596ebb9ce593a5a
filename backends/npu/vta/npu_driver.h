/* The NPU's host driver API, in C: what generated host code calls (allocate device memory, copy,
 * run a program, wait). In bundles and in nestc alike it is implemented by the simulator
 * (npu_driver.cpp). Also the layout helpers between NCHW int8 tensors and VTA's blocked layout. */
#ifndef NEST_NPU_DRIVER_H
#define NEST_NPU_DRIVER_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nest_npu_device nest_npu_device;

typedef struct {
  uint64_t cycles;
  uint64_t load_busy, compute_busy, store_busy;
  uint64_t gemm_ops, alu_ops, macs;
  uint64_t dram_read, dram_written;
  double utilization; /* macs / (cycles * BATCH * BLOCK_IN * BLOCK_OUT) */
  double milliseconds;
} nest_npu_stats;

/* parameters: hwConfigFromString's "KEY=VALUE;..." form, NULL or "" for VTA's defaults. Returns
 * NULL on bad parameters and writes the reason to `error` (when not NULL, `error_size` bytes). */
nest_npu_device *nest_npu_open(const char *parameters, uint64_t dram_bytes, char *error, size_t error_size);
void nest_npu_close(nest_npu_device *dev);
/* A DRAM region of `bytes` (256-byte aligned); UINT64_MAX when DRAM is full. */
uint64_t nest_npu_alloc(nest_npu_device *dev, uint64_t bytes);
/* 0 on success, -1 when the range lies outside DRAM. */
int nest_npu_copy_to(nest_npu_device *dev, uint64_t address, const void *src, uint64_t bytes);
int nest_npu_copy_from(nest_npu_device *dev, void *dst, uint64_t address, uint64_t bytes);
/* Runs `count` encoded instructions (16 bytes each). The simulator runs synchronously, so run
 * returns when the program is done; wait returns its status (0, or -1 with nest_npu_error set)
 * and statistics, as a real device's driver would after the interrupt; before any run, -1 with
 * "no program has run". */
int nest_npu_run(nest_npu_device *dev, const uint8_t *program, uint64_t count);
int nest_npu_wait(nest_npu_device *dev, nest_npu_stats *stats);
const char *nest_npu_error(const nest_npu_device *dev);

/* NCHW int8 <-> blocked [N/B][C/BLOCK][H][W][B][BLOCK] int8 with zero padding of N and C to
 * multiples of `batch` and `block`. blocked_size gives the blocked bytes. */
uint64_t nest_npu_blocked_size(int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block);
void nest_npu_pack(const int8_t *nchw, int8_t *blocked, int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block);
void nest_npu_unpack(const int8_t *blocked, int8_t *nchw, int64_t n, int64_t c, int64_t h, int64_t w, int batch, int block);

#ifdef __cplusplus
}
#endif
#endif
