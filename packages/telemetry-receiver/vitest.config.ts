import { definePackageConfig } from '@data-taps/vitest-preset';

export default definePackageConfig();
