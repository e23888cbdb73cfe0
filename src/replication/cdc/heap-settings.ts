// The garbage collector's settings for a process that follows the binlog. A stream allocates fast
// and keeps little (a batch streams into PostgreSQL as it arrives), so V8's defaults, sized for a
// 4 GB heap on this kind of machine, let the young generation grow to ~190 MB and the old one
// double before each collection: 320-370 MB resident catching up a 300 MB backlog. Keeping the
// young generation at its start size and growing the old one by 30% per collection holds it near
// 170 MB at the same speed (docs/benchmarks.md, "Change data capture"). Both flags are read at each
// collection, so they take effect when set at run time; neither caps the heap, so a huge row still fits.
import { setFlagsFromString } from 'node:v8';

export const STREAM_HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=30'] as const;

/** Applies STREAM_HEAP_FLAGS to this process (ferry stream, the stream service of ferry server). */
export function useStreamHeapSettings(): void {
  for (const flag of STREAM_HEAP_FLAGS) setFlagsFromString(flag);
}
