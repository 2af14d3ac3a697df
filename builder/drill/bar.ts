/** The mission's bar: the backup serves within 5 seconds of the master's failure. */
export const BAR_MS = 5000;
