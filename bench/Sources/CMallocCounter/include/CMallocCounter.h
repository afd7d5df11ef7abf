#ifndef CMALLOCCOUNTER_H
#define CMALLOCCOUNTER_H
#include <stdint.h>

/// Calls to malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign so far in this
/// process, or UINT64_MAX where the counter cannot interpose the allocator (not glibc).
uint64_t mc_allocations(void);

#endif
