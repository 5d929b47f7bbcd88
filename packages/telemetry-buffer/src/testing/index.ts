export { createFlushRecorder, type FlushRecorder } from './flush-recorder.js';
export { createManualClock, type ManualClock, settle } from './manual-clock.js';
