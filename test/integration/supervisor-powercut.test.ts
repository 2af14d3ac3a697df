/** Power cut during `pillarsctl save`, 3 rounds in CI; the lab suite runs 20 (see powercut.ts). */
import { powercutTest } from './powercut.js';

powercutTest(3);
