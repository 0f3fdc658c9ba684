import type { Dtype } from '@inpage/engine';
import data from './catalogue.json';

/** One model the picker offers (the list itself is data: catalogue.json). */
export interface CatalogueEntry {
  id: string;
  name: string;
  dtype: Dtype;
  /** Download size: the sum of `files` when the entry lists them, else approximate. */
  sizeBytes: number;
  /** Files transformers.js requests for this dtype, with their sizes as the hub lists them (see catalogue.json). */
  files?: Record<string, number>;
  parameters: string;
  note: string;
}

export const catalogue: readonly CatalogueEntry[] = data.models as CatalogueEntry[];
export const BUILT_IN_MODEL = catalogue[0].id;
