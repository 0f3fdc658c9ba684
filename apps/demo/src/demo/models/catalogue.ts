import type { Dtype } from '@inpage/engine';
import data from './catalogue.json';

/** One model the picker offers (the list itself is data: catalogue.json). */
export interface CatalogueEntry {
  id: string;
  name: string;
  dtype: Dtype;
  /** Download size in bytes: the sum of `files` when the entry lists them. */
  sizeBytes: number;
  /** Files transformers.js requests for this dtype, with their sizes in bytes (exact or as the hub lists them: see catalogue.json). */
  files?: Record<string, number>;
  parameters: string;
  note: string;
}

export const catalogue: readonly CatalogueEntry[] = data.models as CatalogueEntry[];
export const BUILT_IN_MODEL = catalogue[0].id;
