/** DAG utilities: indexing, cycle detection, scheduling. */
export { computeSchedule, computeIndexedSchedule } from './schedule.ts';
export type { Schedule, ScheduleStep, IndexedSchedule } from './schedule.ts';
export { findCycle } from './cycle.ts';
export { indexGraph } from './graph.ts';
export type { GraphStep, IndexedGraph } from './graph.ts';
