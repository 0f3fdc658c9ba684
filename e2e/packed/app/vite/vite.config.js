import { inpage } from '@inpage/engine/vite';
import { defineConfig } from 'vite';

export default defineConfig({ plugins: [inpage()] });
