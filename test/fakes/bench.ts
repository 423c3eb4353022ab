/**
 * Bench figures for the report tests: one run's results holding only the many-small-files
 * rows a test is about, on a made-up 2-core machine.
 */
import type { ManyResult } from '../../bench/results'

/** A full run of figures around `many`; `load` is the machine's load average (1 and 5 min). */
export const manyFigures = (many: ManyResult[], load: [number, number] = [1, 1]) => ({
  date: '2026-12-03T00:00:00.000Z',
  quick: false,
  runs: 1,
  durationS: 60,
  machine: { cores: 2, node: '20', chromium: 'Chromium', load },
  libraryOptions: {},
  throughput: [],
  resume: [],
  many,
  bundles: [],
})
