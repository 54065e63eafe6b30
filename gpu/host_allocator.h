#pragma once
// LibTorch CPU allocations backed by transparent huge pages.
//
// Decode streams every weight once per token (13.5 GB for LLaVA-1.5-7B in bf16). With 4 KiB
// pages that is a TLB miss every 4 KiB, and in a VM each miss is a two-level (guest + host) page
// walk; the hardware prefetchers also stop at every 4 KiB boundary. Debian's default THP mode is
// `madvise`, so LibTorch's posix_memalign'd tensors never get huge pages. Measured on the
// project VM: one thread reads 28.5 GB/s from 4 KiB pages and 33.9 GB/s from 2 MiB pages
// (docs/benchmarks.md). PyTorch >= 2.1 does the same behind THP_MEM_ALLOC_ENABLE.
#include <cstddef>

namespace vitcop::gpu {

// Allocations of at least this many bytes get 2 MiB alignment and madvise(MADV_HUGEPAGE), and
// are rounded up to whole 2 MiB pages.
constexpr size_t kHugePageAllocThreshold = size_t{2} << 20;

// Installs the huge-page CPU allocator for tensors allocated from now on (earlier tensors keep
// their own deleters, so switching is safe at any time). Smaller allocations still go to
// LibTorch's default allocator. Idempotent; returns false where madvise(MADV_HUGEPAGE) does not
// exist (non-Linux) and nothing was installed. initRuntime() calls it unless VITCOP_HUGEPAGES=0.
bool enableHugePageAllocator();

// True once enableHugePageAllocator() has installed the allocator.
bool hugePageAllocatorEnabled();

// The allocator keeps freed blocks (>= 2 MiB) for reuse, up to VITCOP_HOST_CACHE_MB (default
// 1024; 0 turns the cache off): bytes held in that cache now, and a way to give them back.
size_t cachedHostBytes();
void releaseCachedHostMemory();

}  // namespace vitcop::gpu
