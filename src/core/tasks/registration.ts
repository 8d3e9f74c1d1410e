import type { FeatureRegistration } from '../features.js';
import { taskActions } from './actions.js';
import { taskFeature } from './feature.js';
import { TASK_FEATURE, TASK_RECORD } from './lifecycle.js';

/** Tasks and playbooks: `createTask` and `launchPlaybook`, task records. */
export const TASKS: FeatureRegistration = {
  name: TASK_FEATURE,
  recordKinds: [TASK_RECORD],
  actions: (playbooks) => taskActions(playbooks),
  build: ({ playbooks }) => taskFeature({ playbooks }),
};
