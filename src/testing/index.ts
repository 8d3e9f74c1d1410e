export { FakeClock, type ClockDuration } from './fake-clock.js';
export { TestEngine, createTestEngine, type TestEngineConfig } from './test-engine.js';
export { SequentialIds } from '../ports/ids.js';
export { InMemoryNotifier, type SentMessage } from '../ports/notifier.js';
