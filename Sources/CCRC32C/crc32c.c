// The CPU's CRC-32C instruction, for the frames, archives and snapshots the
// store checks on every open (Swift has no portable way to reach it). The
// table-driven Swift code stays as the fallback and as the tests' oracle.
#include "CCRC32C.h"

#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>

int cordon_crc32c_hardware(void) { return __builtin_cpu_supports("sse4.2") ? 1 : 0; }

__attribute__((target("sse4.2"))) uint32_t cordon_crc32c_update(uint32_t crc, const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, b, 8);
    c = _mm_crc32_u64(c, w);
    b += 8;
    n -= 8;
  }
  uint32_t c32 = (uint32_t)c;
  while (n > 0) {
    c32 = _mm_crc32_u8(c32, *b++);
    n--;
  }
  return c32;
}

#elif defined(__aarch64__) && defined(__linux__)
#include <arm_acle.h>
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif

int cordon_crc32c_hardware(void) { return (getauxval(AT_HWCAP) & HWCAP_CRC32) ? 1 : 0; }

__attribute__((target("+crc"))) uint32_t cordon_crc32c_update(uint32_t crc, const void *p, size_t n) {
  const unsigned char *b = p;
  uint32_t c = crc;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, b, 8);
    c = __crc32cd(c, w);
    b += 8;
    n -= 8;
  }
  while (n > 0) {
    c = __crc32cb(c, *b++);
    n--;
  }
  return c;
}

#else
int cordon_crc32c_hardware(void) { return 0; }
uint32_t cordon_crc32c_update(uint32_t crc, const void *p, size_t n) {
  (void)p;
  (void)n;
  return crc;
}
#endif
