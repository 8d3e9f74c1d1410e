import type { FeatureRegistration } from '../features.js';
import { exemptSla, extendSla } from './actions.js';
import { SLA_FEATURE, SLA_RECORD } from './book.js';
import { SlaFeature } from './feature.js';

/** SLAs: `extendSla` and `exemptSla`, SLA instance records (read only when the engine has SLAs). */
export const SLAS: FeatureRegistration = {
  name: SLA_FEATURE,
  recordKinds: [SLA_RECORD],
  actions: () => [extendSla, exemptSla],
  build: ({ slas }) => new SlaFeature(slas),
};
