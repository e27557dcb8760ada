/*
 * The CPU's tick counter, for the capability gate's clock (call_clock.ts).
 *
 * Reading the counter directly costs ~11 ns on the project's VM, against
 * ~29 ns for clock_gettime(CLOCK_MONOTONIC), which reads the same counter
 * with a serializing instruction and scales it. The gate reads its clock
 * twice per audited call, so the difference is most of what it can save.
 *
 * The counter is read without serializing: an audit record's duration may
 * be off by the few nanoseconds the CPU reorders it by.
 *
 * call_clock.ts uses this only where the kernel's own clock source is the
 * same counter (`tsc` on x86-64, `arch_sys_counter` on AArch64), so it runs
 * at a constant rate and agrees across CPUs; tick_clock.ts turns ticks into
 * milliseconds, calibrated against CLOCK_MONOTONIC.
 */
#include <stdint.h>

#if defined(__x86_64__)
#include <x86intrin.h>
static inline uint64_t counter(void) { return __rdtsc(); }
#elif defined(__aarch64__)
static inline uint64_t counter(void) {
  uint64_t value;
  __asm__ volatile("mrs %0, cntvct_el0" : "=r"(value));
  return value;
}
#else
#error "tick_counter.c reads the counter of x86-64 and AArch64 only"
#endif

static uint64_t origin;

__attribute__((constructor)) static void start(void) { origin = counter(); }

/*
 * Ticks since the library was loaded. A double holds them exactly for
 * years at GHz rates; counting from the load keeps them small.
 */
double warden_ticks(void) { return (double)(counter() - origin); }
