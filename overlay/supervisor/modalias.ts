/** Kernel modules for the hardware present moved to system/ (the boot executor uses them). */
export * from '../system/modalias.js';
