import type { Dtype } from '@inpage/engine';
import data from './catalogue.json';

/** One model the picker offers (the list itself is data: catalogue.json). */
export interface CatalogueEntry {
  id: string;
  name: string;
  dtype: Dtype;
  sizeBytes: number;
  parameters: string;
  note: string;
}

export const catalogue: readonly CatalogueEntry[] = data.models as CatalogueEntry[];
export const BUILT_IN_MODEL = catalogue[0].id;
