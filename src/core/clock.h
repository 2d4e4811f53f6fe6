/* core/clock.h - monotonic and wall clocks. */
#ifndef SY_CORE_CLOCK_H
#define SY_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic microseconds, for durations. */
static inline uint64_t sy_clock_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static inline uint64_t sy_clock_ms(void)
{
    return sy_clock_us() / 1000u;
}

/* Wall-clock seconds since the epoch, for timestamps in responses. */
static inline int64_t sy_clock_unix(void)
{
    return (int64_t)time(NULL);
}

#endif
