/** Power cut during `pillarsctl save`, 20 rounds at random moments (see ../integration/powercut.ts). */
import { powercutTest } from '../integration/powercut.js';

powercutTest(20);
