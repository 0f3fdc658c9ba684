/**
 * A shared engine's SharedWorker is found by its name, so every tab must name the live one alike.
 * A dead SharedWorker could be started again under the same name, but a stuck one, or one whose GPU
 * device is lost, still lives and would be joined again. So each failure moves the tabs on to the
 * next generation's name. The number is kept in localStorage, where a tab opened later reads it;
 * the tabs that see the same failure all compute the same next number.
 */
import { SUPERVISED_WORKER_PREFIX } from '../protocol/liveness';

export interface SharedGenerations {
  /** The live generation's worker name now. */
  current(): { generation: number; workerName: string };
  /** After `failed` failed: the next generation's (or a later one, if another tab already moved further). */
  next(failed: number): { generation: number; workerName: string };
}

export function sharedGenerations(name: string): SharedGenerations {
  const key = `inpage-engine-generation:${name}`;
  let remembered = 0;
  const read = () => {
    try {
      return Math.max(Number(globalThis.localStorage?.getItem(key)) || 0, remembered);
    } catch {
      return remembered; // storage blocked: this tab alone keeps count
    }
  };
  const named = (generation: number) => ({
    generation,
    workerName: `${SUPERVISED_WORKER_PREFIX}shared:${name}#${generation}`,
  });
  return {
    current: () => named(read()),
    next(failed) {
      const generation = Math.max(read(), failed + 1);
      remembered = generation;
      try {
        globalThis.localStorage?.setItem(key, String(generation));
      } catch {
        // as above
      }
      return named(generation);
    },
  };
}
