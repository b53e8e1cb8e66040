/**
 * Times the intake commands from outside, so the intake service itself
 * knows nothing of metrics (src/deps.ts wraps it).
 */
import { isPartnerOperation } from '../auth/policy.js';
import type { IntakeService } from '../intake/service.js';
import type { Metrics } from './types.js';

/**
 * The intake service with its staff commands timed into
 * `hotline_intake_duration_seconds`. A partner operation (auth/policy.ts:
 * submitPartnerReferral) is left untimed: process health only for partners
 * (trust review 2, item 7).
 */
export function instrumentIntake(intake: IntakeService, metrics: Metrics): IntakeService {
  const timed =
    <A extends unknown[], R>(operation: 'recordHotlineCall' | 'submitPartnerReferral', fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (isPartnerOperation(operation)) return fn(...args);
      const started = performance.now();
      try {
        const result = await fn(...args);
        metrics.intake(operation, 'ok', (performance.now() - started) / 1000);
        return result;
      } catch (err) {
        metrics.intake(operation, 'error', (performance.now() - started) / 1000);
        throw err;
      }
    };
  return {
    ...intake,
    recordHotlineCall: timed('recordHotlineCall', intake.recordHotlineCall.bind(intake)),
    submitPartnerReferral: timed('submitPartnerReferral', intake.submitPartnerReferral.bind(intake)),
  };
}
