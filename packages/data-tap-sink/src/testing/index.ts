export {
  createMemorySink,
  type MemorySendCall,
  type MemorySink,
  type MemorySinkAnswer,
} from './memory-sink.js';
