#ifndef CORDON_CCRC32C_H
#define CORDON_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has a CRC-32C instruction (x86-64 SSE4.2, ARMv8 CRC), else 0.
int cordon_crc32c_hardware(void);

/// Continues the raw (not inverted) CRC-32C register `crc` over `n` bytes at
/// `p` with the CPU's instruction. Call only when cordon_crc32c_hardware() is 1.
uint32_t cordon_crc32c_update(uint32_t crc, const void *p, size_t n);

#endif
