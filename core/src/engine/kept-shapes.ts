/**
 * One instance of each class the engine makes per run or per step, made when its module loads
 * and kept for the life of the process.
 *
 * V8 gives an object a new hidden class ("map") for each field its constructor adds; only the
 * first is held by the class itself, the others live while some object has them. Optimised code
 * checks those maps and holds them weakly: once a run is over and a full collection frees its
 * objects, the maps go, and with them every optimised function that checked them. A process
 * that runs mission after mission (a worker, an embedding service, the benchmarks) recompiled
 * the engine's hot path in every run, on V8's helper threads and in the interpreter until then:
 * 10,000 concurrent waits measured ~35 TurboFan compilations per run (bench/PROFILES.md,
 * finding 25). An instance per class, made as a run makes it, keeps those maps alive.
 *
 * Keep only objects that refer to nothing of a run (placeholders, never the real host).
 */
const kept: object[] = [];

/** Keeps `instance` (and so its maps) alive for good; returns it. */
export function keepShape<T extends object>(instance: T): T {
  kept.push(instance);
  return instance;
}
