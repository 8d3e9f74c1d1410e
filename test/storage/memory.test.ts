import { InMemoryStorage } from '../../src/memory/storage.js';
import { storageContract } from './contract.js';

storageContract('in memory', async () => new InMemoryStorage());
